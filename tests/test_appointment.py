import base64
from datetime import timedelta

import psycopg2

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..tools import ics
from .appointment_common import AppointmentCommon


@tagged('post_install', '-at_install')
class TestAppointmentValidation(AppointmentCommon):

    def test_sequence_duration_and_defaults(self):
        visit = self._appointment(hours=2)
        self.assertRegex(visit.name, r'^APT\d{5}$')
        self.assertEqual(visit.partner_id, self.customer, 'the customer comes from the ticket')
        self.assertIn('Rue de la Loi', visit.location)
        self.assertEqual(visit.duration, 2.0)
        visit.duration = 1.5
        self.assertEqual(visit.stop, visit.start + timedelta(hours=1.5))
        self.assertEqual(self.ticket.appointment_count, 1)
        other = self._appointment(start=visit.start + timedelta(days=1))
        self.assertNotEqual(other.name, visit.name)

    def test_not_in_the_past(self):
        past = fields.Datetime.now().replace(microsecond=0) - timedelta(hours=2)
        with self.assertRaisesRegex(ValidationError, 'cannot start in the past'):
            self._appointment(start=past, allow_outside_hours=True)
        visit = self._appointment()
        with self.assertRaisesRegex(ValidationError, 'cannot start in the past'):
            visit.write({'start': past, 'stop': past + timedelta(hours=1)})
        # a finished visit keeps its (past) date: only planned visits are checked
        done = self.Appointment.with_context(helpdesk_lite_appointment_no_schedule_check=True).create({
            'ticket_id': self.ticket.id, 'user_id': self.technician.id, 'start': past,
            'stop': past + timedelta(hours=1), 'state': 'done'})
        done.description = '<p>Replaced the router</p>'
        self.assertEqual(done.state, 'done')

    def test_end_after_start(self):
        start = self._monday()
        with self.assertRaisesRegex(ValidationError, 'must end after it starts'):
            self._appointment(start=start, hours=0)
        visit = self._appointment(start=start)
        with self.assertRaisesRegex(ValidationError, 'must end after it starts'):
            visit.stop = start - timedelta(minutes=30)

    def test_double_booking_names_the_conflict(self):
        start = self._monday(hour=10)
        first = self._appointment(start=start, hours=2)
        first.action_confirm()
        overlapping = self._appointment(start=start + timedelta(hours=1))
        with self.assertRaises(ValidationError) as caught:
            overlapping.action_confirm()
        message = str(caught.exception)
        self.assertIn(first.name, message)
        self.assertIn(self.ticket.number, message)
        self.assertIn(self.technician.name, message)
        # back to back is fine, another technician is fine, a cancelled visit frees the slot
        self._appointment(start=start + timedelta(hours=2)).action_confirm()
        overlapping.user_id = self.agent2
        overlapping.action_confirm()
        self.assertEqual(overlapping.state, 'confirmed')
        first.action_cancel()
        self._appointment(start=start).action_confirm()

    def test_double_booking_enforced_by_the_database(self):
        """Writes that skip the Python check (SQL, concurrent transactions) still cannot double-book."""
        start = self._monday(hour=10)
        self._appointment(start=start, hours=2).action_confirm()
        other = self._appointment(start=start + timedelta(days=1))
        other.action_confirm()
        self.env.flush_all()
        with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.errors.ExclusionViolation), \
                self.env.cr.savepoint():
            self.env.cr.execute("UPDATE helpdesk_lite_appointment SET start = %s, stop = %s WHERE id = %s",
                                (start + timedelta(hours=1), start + timedelta(hours=3), other.id))

    def test_working_hours(self):
        monday = self._monday(hour=9)
        with self.assertRaisesRegex(ValidationError, 'outside the working hours of .*Field technicians 8-18'):
            self._appointment(start=monday - timedelta(days=1))  # Sunday
        with self.assertRaisesRegex(ValidationError, 'outside the working hours'):
            self._appointment(start=monday.replace(hour=17), hours=2)  # ends at 19:00
        visit = self._appointment(start=monday)
        with self.assertRaisesRegex(ValidationError, 'outside the working hours'):
            visit.start = monday.replace(hour=6)
        # an explicit, tracked exception
        late = self._appointment(start=monday.replace(hour=19), allow_outside_hours=True)
        late.action_confirm()
        self.assertEqual(late.state, 'confirmed')

    def test_leaves(self):
        monday = self._monday(hour=9)
        self.env['resource.calendar.leaves'].create({
            'name': 'Training in Lyon', 'resource_id': self.resource.id, 'calendar_id': self.calendar.id,
            'date_from': monday.replace(hour=0), 'date_to': monday.replace(hour=23)})
        with self.assertRaisesRegex(ValidationError, 'not available .*Training in Lyon'):
            self._appointment(start=monday)
        # the leave is the technician's own: a colleague can go
        self._appointment(start=monday, user_id=self.agent2.id).action_confirm()
        # a public holiday (no resource) blocks everybody on that calendar
        tuesday = monday + timedelta(days=1)
        self.env['resource.calendar.leaves'].create({
            'name': 'Public holiday', 'calendar_id': self.calendar.id,
            'date_from': tuesday.replace(hour=0), 'date_to': tuesday.replace(hour=23)})
        with self.assertRaisesRegex(ValidationError, 'Public holiday'):
            self._appointment(start=tuesday, user_id=self.agent2.id)

    def test_company_calendar_without_resource(self):
        """A technician without a resource works the company's hours."""
        company_calendar = self.env.company.resource_calendar_id
        company_calendar.tz = 'UTC'
        monday = self._monday(hour=9)
        visit = self._appointment(start=monday, user_id=self.manager.id)
        self.assertEqual(visit._working_calendar(), company_calendar)
        with self.assertRaisesRegex(ValidationError, company_calendar.name):
            self._appointment(start=monday.replace(hour=22), user_id=self.manager.id)

    def test_transitions(self):
        visit = self._appointment(user_id=False)
        with self.assertRaisesRegex(UserError, 'Choose a technician'):
            visit.action_confirm()
        visit.user_id = self.technician
        with self.assertRaisesRegex(UserError, 'only visits that are Confirmed'):
            visit.action_start()
        for action in (visit.action_confirm, visit.action_start, visit.action_done):
            action()
            self.flush_tracking()
        with self.assertRaisesRegex(UserError, 'Cannot cancel'):
            visit.action_cancel()
        tracked = visit.message_ids.tracking_value_ids.filtered(lambda v: v.field_id.name == 'state')
        self.assertEqual(len(tracked), 3, 'each status change is in the audit trail')


@tagged('post_install', '-at_install')
class TestAppointmentConcurrency(TransactionCase):
    """Plain TransactionCase on purpose: the other classes' fixtures write to the company row, which
    would block (foreign key lock) the committed set-up and bookings of the real cursors below."""

    def test_concurrent_double_booking_refused(self):
        """Two transactions book the same technician at the same time: each one's check sees no clash
        (the other's booking is not visible to it), the database refuses the second."""
        start = AppointmentCommon._monday(weeks=3, hour=10)
        with self.registry.cursor() as setup_cr:
            setup_cr.execute("SET LOCAL lock_timeout = '20s'")  # a lock held by the test's own transaction fails fast
            env = api.Environment(setup_cr, SUPERUSER_ID, {})
            tickets = env['helpdesk.lite.ticket'].create([{'name': f'Race {i}'} for i in range(2)])
            technician_id = env.ref('base.user_admin').id
            ticket_ids = tickets.ids
        self.addCleanup(self._delete_committed, ticket_ids)

        def vals(ticket_id):
            return {'ticket_id': ticket_id, 'user_id': technician_id, 'start': start, 'stop': start + timedelta(hours=1),
                    'state': 'confirmed', 'allow_outside_hours': True}

        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            for cr in (cr1, cr2):
                cr.execute("SET LOCAL lock_timeout = '20s'")
            self.assertFalse(env2['helpdesk.lite.appointment'].search_count(
                [('user_id', '=', technician_id), ('start', '=', start)]))  # cr2's snapshot starts here
            env1['helpdesk.lite.appointment'].create(vals(ticket_ids[0]))
            env1.flush_all()
            cr1.commit()
            with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.IntegrityError) as caught:
                env2['helpdesk.lite.appointment'].create(vals(ticket_ids[1]))
                env2.flush_all()
            self.assertEqual(caught.exception.diag.constraint_name, 'helpdesk_lite_appointment_no_technician_overlap')
            cr2.rollback()
        with self.registry.cursor() as check_cr:
            check_cr.execute("SELECT count(*) FROM helpdesk_lite_appointment WHERE ticket_id = ANY(%s)", [ticket_ids])
            self.assertEqual(check_cr.fetchone()[0], 1)

    def _delete_committed(self, ticket_ids):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            appointments = env['helpdesk.lite.appointment'].with_context(active_test=False).search(
                [('ticket_id', 'in', ticket_ids)])
            env['mail.message'].search(['|', '&', ('model', '=', 'helpdesk.lite.ticket'), ('res_id', 'in', ticket_ids),
                                        '&', ('model', '=', appointments._name), ('res_id', 'in', appointments.ids)]).unlink()
            env['helpdesk.lite.ticket'].browse(ticket_ids).unlink()


@tagged('post_install', '-at_install')
class TestAppointmentIcs(AppointmentCommon):

    def test_escape_and_fold(self):
        self.assertEqual(ics.escape_text('a,b;c\\d\ne'), 'a\\,b\\;c\\\\d\\ne')
        line = 'DESCRIPTION:' + 'é' * 100
        folded = ics.fold_line(line)
        parts = folded.split('\r\n')
        self.assertGreater(len(parts), 1)
        self.assertTrue(all(len(part.encode()) <= 75 for part in parts))
        self.assertTrue(all(part.startswith(' ') for part in parts[1:]))
        self.assertEqual(''.join(p[1:] if i else p for i, p in enumerate(parts)), line, 'unfolding gives the line back')

    def test_event_content(self):
        visit = self._appointment(location='Rue de la Loi 12, Brussels; 3rd floor', description='<p>Bring a ladder</p>')
        self.customer.name = 'Paula "Evil"\r\nATTENDEE:mailto:x@evil.example'
        content = visit._ics_content().decode()
        self.assertTrue(content.startswith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n'))
        self.assertTrue(content.endswith('END:VCALENDAR\r\n'))
        self.assertNotIn('\n', content.replace('\r\n', ''), 'only CRLF line ends')
        self.assertIn(f'DTSTART:{visit.start:%Y%m%dT%H%M%S}Z', content)
        self.assertIn(f'DTEND:{visit.stop:%Y%m%dT%H%M%S}Z', content)
        self.assertIn('LOCATION:Rue de la Loi 12\\, Brussels\\; 3rd floor', content)
        self.assertIn('Bring a ladder', content)
        self.assertIn('METHOD:REQUEST', content)
        attendees = [line for line in content.replace('\r\n ', '').split('\r\n') if line.startswith('ATTENDEE')]
        self.assertEqual(len(attendees), 1, 'a name cannot inject a property')
        self.assertTrue(attendees[0].endswith(f'":mailto:{self.customer.email}'), attendees)
        visit.action_confirm()
        visit.action_cancel()
        content = visit._ics_content().decode()
        self.assertIn('METHOD:CANCEL', content)
        self.assertIn('STATUS:CANCELLED', content)
        self.assertIn('SEQUENCE:1', content)


@tagged('post_install', '-at_install')
class TestAppointmentMails(AppointmentCommon):

    def _customer_mails(self, visit, kind_subject):
        return visit.message_ids.filtered(
            lambda m: m.subject and m.subject.startswith(kind_subject) and self.customer in m.partner_ids)

    def _assert_ics_attached(self, message, visit):
        attachment = message.attachment_ids.filtered(lambda a: a.name == f'{visit.name}.ics')
        self.assertEqual(len(attachment), 1)
        content = base64.b64decode(attachment.datas).decode()
        self.assertIn('BEGIN:VEVENT', content)
        self.assertIn(f'DTSTART:{visit.start:%Y%m%dT%H%M%S}Z', content)
        return content

    def test_confirmation_automation(self):
        rule = self.env.ref('helpdesk_lite.automation_appointment_confirmation')
        self.assertTrue(rule.active)
        visit = self._appointment()
        self.assertFalse(self._customer_mails(visit, 'Visit confirmed'))
        visit.action_confirm()
        mail = self._customer_mails(visit, 'Visit confirmed')
        self.assertEqual(len(mail), 1)
        self.assertTrue(visit.confirmation_sent)
        self._assert_ics_attached(mail, visit)
        # a visit whose confirmation mail is off
        quiet = self._appointment(start=visit.start + timedelta(days=1), send_confirmation_email=False)
        quiet.action_confirm()
        self.assertFalse(self._customer_mails(quiet, 'Visit confirmed'))
        self.assertFalse(quiet.confirmation_sent)
        # deactivated rule: no mail (the rule, not code, decides)
        rule.active = False
        third = self._appointment(start=visit.start + timedelta(days=2))
        third.action_confirm()
        self.assertFalse(self._customer_mails(third, 'Visit confirmed'))

    def test_rescheduled_updated_cancelled(self):
        visit = self._appointment()
        visit.action_confirm()
        visit.write({'start': visit.start + timedelta(hours=2), 'stop': visit.stop + timedelta(hours=2)})
        rescheduled = self._customer_mails(visit, 'Visit rescheduled')
        self.assertEqual(len(rescheduled), 1)
        self.assertIn('11:00', rescheduled.body)
        self.assertIn('SEQUENCE:1', self._assert_ics_attached(rescheduled, visit))
        visit.location = 'Back entrance, Rue Belliard 5'
        updated = self._customer_mails(visit, 'Visit updated')
        self.assertEqual(len(updated), 1)
        self.assertIn('Rue Belliard 5', updated.body)
        visit.user_id = self.agent2
        self.assertEqual(len(self._customer_mails(visit, 'Visit updated')), 2)
        visit.action_cancel()
        cancelled = self._customer_mails(visit, 'Visit cancelled')
        self.assertEqual(len(cancelled), 1)
        self.assertIn('METHOD:CANCEL', self._assert_ics_attached(cancelled, visit))
        # a request never confirmed to the customer is cancelled without mail
        draft = self._appointment(start=visit.start + timedelta(days=1))
        draft.action_cancel()
        self.assertFalse(self._customer_mails(draft, 'Visit cancelled'))

    def test_every_template_has_the_visit_details(self):
        visit = self._appointment(location='Rue de la Loi 12, Brussels')
        visit.action_confirm()
        for kind in ('confirmation', 'reminder', 'rescheduled', 'cancelled', 'updated'):
            template = self.env.ref(f'helpdesk_lite.mail_template_appointment_{kind}')
            values = template._generate_template(visit.ids, ['subject', 'body_html', 'attachment_ids',
                                                               'report_template_ids'])[visit.id]
            body = values['body_html']
            for expected in (visit.mail_date, '09:00', '10:00', 'UTC', self.technician.name, 'Rue de la Loi 12',
                             self.ticket.number):
                self.assertIn(expected, body, f'{kind}: {expected}')
            self.assertIn(visit.name, values['subject'])
            self.assertEqual([name for name, _content in values['attachments']], [f'{visit.name}.ics'], kind)

    def test_templates_in_the_customer_language(self):
        self.env['res.lang']._activate_lang('fr_FR')
        template = self.env.ref('helpdesk_lite.mail_template_appointment_confirmation')
        template.with_context(lang='fr_FR').subject = 'Visite confirmée {{ object.name }} : {{ object.mail_date }}'
        self.customer.lang = 'fr_FR'
        visit = self._appointment()
        visit.action_confirm()
        mail = visit.message_ids.filtered(lambda m: m.subject and m.subject.startswith('Visite confirmée'))
        self.assertEqual(len(mail), 1)
        self.assertIn('lundi', mail.subject, 'the date is written in French')

    def test_technician_notification(self):
        self.assertTrue(self.env.ref('helpdesk_lite.automation_appointment_notify_technician').active)

        def notices():
            return self.env['mail.message'].search([
                ('model', '=', 'helpdesk.lite.appointment'), ('message_type', '=', 'user_notification'),
                ('partner_ids', 'in', self.technician.partner_id.ids)])

        visit = self.Appointment.with_user(self.manager).create({
            'ticket_id': self.ticket.id, 'user_id': self.technician.id, 'start': self._monday(),
            'stop': self._monday() + timedelta(hours=1)})
        self.assertEqual(len(notices()), 1)
        self.assertIn('Rue de la Loi', notices().body)
        self.assertIn('09:00', notices().body)
        visit.with_user(self.manager).write({'start': visit.start + timedelta(hours=1),
                                             'stop': visit.stop + timedelta(hours=1)})
        self.assertEqual(len(notices()), 2, 'a change of time is announced too')
        visit.with_user(self.technician).location = 'Somewhere else'
        self.assertEqual(len(notices()), 2, 'not told about their own change')
        visit.with_user(self.manager).user_id = self.agent2
        agent2_notices = self.env['mail.message'].search([
            ('model', '=', 'helpdesk.lite.appointment'), ('message_type', '=', 'user_notification'),
            ('partner_ids', 'in', self.agent2.partner_id.ids)])
        self.assertEqual(len(agent2_notices), 1)

    def test_ticket_stage_sync(self):
        self.assertTrue(self.env.ref('helpdesk_lite.automation_appointment_sync_ticket').active)
        visit = self._appointment()
        self.assertNotEqual(self.ticket.lifecycle, 'pending')
        visit.action_confirm()
        self.assertEqual(self.ticket.lifecycle, 'pending')
        visit.action_start()
        self.assertEqual(self.ticket.lifecycle, 'open')
        second = self._appointment(start=visit.start + timedelta(days=1))
        second.action_confirm()
        visit.action_done()
        self.assertEqual(self.ticket.lifecycle, 'pending', 'another visit is still planned')
        second.action_done()
        self.assertIn(self.ticket.lifecycle, ('resolved', 'closed'))
        # cancelling the only planned visit of a pending ticket reopens it
        ticket = self._create_ticket(name='Second site', partner_id=self.customer.id)
        third = self._appointment(start=visit.start + timedelta(days=2), ticket_id=ticket.id)
        third.action_confirm()
        self.assertEqual(ticket.lifecycle, 'pending')
        third.action_cancel()
        self.assertIn(ticket.lifecycle, ('open', 'new'))

    def test_automation_rules_shipped(self):
        rules = self.env['base.automation'].with_context(active_test=False).search([
            ('model_id.model', '=', 'helpdesk.lite.appointment')])
        by_xmlid = {rule.get_external_id()[rule.id]: rule.active for rule in rules}
        self.assertEqual(by_xmlid, {
            'helpdesk_lite.automation_appointment_confirmation': True,
            'helpdesk_lite.automation_appointment_notify_technician': True,
            'helpdesk_lite.automation_appointment_sync_ticket': True,
            'helpdesk_lite.automation_appointment_webhook_created': False,
        })


@tagged('post_install', '-at_install')
class TestTicketVisitActions(AppointmentCommon):

    def test_schedule_visit_and_smart_button(self):
        action = self.ticket.action_schedule_visit()
        self.assertEqual(action['res_model'], 'helpdesk.lite.appointment')
        self.assertEqual(action['views'][0][1], 'calendar')
        self.assertEqual(action['context']['default_ticket_id'], self.ticket.id)
        visit = self.Appointment.with_context(action['context']).create({
            'start': self._monday(), 'stop': self._monday() + timedelta(hours=1)})
        self.assertEqual(visit.ticket_id, self.ticket)
        self.assertEqual(visit.user_id, self.ticket.user_id)
        listed = self.ticket.action_open_appointments()
        self.assertEqual(self.Appointment.search(listed['domain']), visit)
        self.assertEqual(self.ticket.appointment_count, 1)

    def test_views_load(self):
        for view_type in ('calendar', 'list', 'kanban', 'form', 'pivot', 'search'):
            arch = self.Appointment.get_view(view_type=view_type)['arch']
            self.assertTrue(arch.startswith(f'<{view_type}'), view_type)
