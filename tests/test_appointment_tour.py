from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .appointment_common import AppointmentCommon


@tagged('post_install', '-at_install')
class TestAppointmentCalendarTour(AppointmentCommon, HttpCase):
    """An agent reschedules a visit by dragging it in the calendar (Chromium, FullCalendar's own
    pointer handling), and a drag onto the technician's other visit is refused."""

    def test_drag_to_reschedule_and_refused_double_booking(self):
        self.technician.write({'tz': 'UTC'})
        monday = self._monday(hour=9)
        visit = self._appointment(start=monday, name='Tour: replace the router')
        other = self._appointment(start=monday + timedelta(days=2, hours=5), name='Tour: other visit')
        (visit | other).action_confirm()
        self.env.flush_all()

        self.start_tour('/odoo/action-helpdesk_lite.helpdesk_lite_appointment_action',
                        'helpdesk_lite_appointment_tour', login=self.technician.login)

        visit.invalidate_recordset()
        tuesday_11 = monday + timedelta(days=1, hours=2)
        self.assertEqual((visit.start, visit.stop), (tuesday_11, tuesday_11 + timedelta(hours=1)),
                         'moved to the free slot, same duration')
        self.assertEqual(visit.state, 'confirmed')
        self.assertEqual((other.start, other.stop), (monday + timedelta(days=2, hours=5),
                                                     monday + timedelta(days=2, hours=6)))
        self.assertFalse(visit.start < other.stop and other.start < visit.stop, 'no double booking stored')
