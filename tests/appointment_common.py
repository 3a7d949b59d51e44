from contextlib import contextmanager
from datetime import datetime, time, timedelta

from odoo import fields

from .common import HelpdeskLiteCommon


class AppointmentCommon(HelpdeskLiteCommon):
    """A technician working Monday to Friday 08:00-18:00 UTC, a customer with a ticket."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Appointment = cls.env['helpdesk.lite.appointment']
        cls.calendar = cls.env['resource.calendar'].create({
            'name': 'Field technicians 8-18',
            'tz': 'UTC',
            'attendance_ids': [(0, 0, {
                'name': f'Day {day}', 'dayofweek': str(day), 'hour_from': 8, 'hour_to': 18, 'day_period': 'morning',
            }) for day in range(5)],
        })
        cls.technician = cls.agent
        cls.technician.tz = 'UTC'
        cls.resource = cls.env['resource.resource'].create({
            'name': cls.technician.name, 'user_id': cls.technician.id, 'calendar_id': cls.calendar.id,
            'tz': 'UTC'})
        cls.agent2.tz = 'UTC'
        cls.env['resource.resource'].create({
            'name': cls.agent2.name, 'user_id': cls.agent2.id, 'calendar_id': cls.calendar.id, 'tz': 'UTC'})
        cls.customer.write({'tz': 'UTC', 'lang': 'en_US', 'street': '12 Rue de la Loi', 'city': 'Brussels',
                            'zip': '1000'})
        cls.ticket = cls._create_ticket(name='Router keeps rebooting', partner_id=cls.customer.id,
                                        user_id=cls.agent.id)

    @contextmanager
    def assertRaisesRegex(self, exception, regex):
        """unittest's version has no savepoint: a refused write would stay in the cache and a refused
        create in the transaction. Odoo's assertRaises rolls both back."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), regex)

    @staticmethod
    def _monday(weeks=1, hour=9):
        """A Monday at least ``weeks`` weeks ahead, at ``hour`` UTC (naive, as the ORM stores it)."""
        day = (fields.Datetime.now() + timedelta(weeks=weeks)).date()
        day -= timedelta(days=day.weekday())
        if datetime.combine(day, time(hour)) <= fields.Datetime.now() + timedelta(days=1):
            day += timedelta(weeks=1)
        return datetime.combine(day, time(hour))

    def _appointment(self, start=None, hours=1, **vals):
        start = start or self._monday()
        vals = {'ticket_id': self.ticket.id, 'user_id': self.technician.id, 'start': start,
                'stop': start + timedelta(hours=hours), **vals}
        return self.Appointment.create(vals)

    def _messages(self, appointment, subject_part):
        return appointment.message_ids.filtered(lambda m: subject_part in (m.subject or ''))
