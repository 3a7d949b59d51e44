import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .appointment_common import AppointmentCommon

T0 = datetime(2031, 3, 3, 8, 0)  # a Monday, 08:00 UTC


@tagged('post_install', '-at_install')
class TestAppointmentReminders(AppointmentCommon):

    def _visit(self, start, **vals):
        visit = self._appointment(start=start, allow_outside_hours=True, **vals)
        visit.action_confirm()
        return visit

    def _reminders(self, visits):
        return self.env['mail.mail'].search([
            ('model', '=', 'helpdesk.lite.appointment'), ('res_id', 'in', visits.ids),
            ('subject', 'like', 'Reminder: visit')])

    def _run(self):
        return self.Appointment._cron_send_reminders()

    def test_reminder_exactly_once(self):
        with freeze_time(T0):
            far = self._visit(T0 + timedelta(hours=30))
            near = self._visit(T0 + timedelta(hours=10), user_id=self.agent2.id)
            opted_out = self._visit(T0 + timedelta(hours=5), send_reminder_email=False)
            cancelled = self._visit(T0 + timedelta(hours=6), user_id=self.agent2.id)
            cancelled.action_cancel()
            draft = self._appointment(start=T0 + timedelta(hours=7), allow_outside_hours=True)
            all_visits = far | near | opted_out | cancelled | draft
            self.assertEqual(self._run(), 1)
            self.assertEqual(self._reminders(all_visits).mapped('res_id'), near.ids)
            self.assertTrue(near.reminder_sent)
            self.assertEqual(self._run(), 0, 'a second run in the same hour sends nothing')
        with freeze_time(T0 + timedelta(hours=1)):
            self.assertEqual(self._run(), 0, 'the next hour: still nothing new')
        with freeze_time(T0 + timedelta(hours=7)):  # "far" is now 23 h ahead
            self.assertEqual(self._run(), 1)
            self.assertEqual(self._run(), 0)
        reminders = self._reminders(all_visits)
        self.assertEqual(sorted(reminders.mapped('res_id')), sorted((far | near).ids))
        self.assertEqual(len(reminders), 2)
        mail = reminders.filtered(lambda m: m.res_id == far.id)
        self.assertIn(self.customer, mail.recipient_ids)
        self.assertEqual(mail.attachment_ids.mapped('name'), [f'{far.name}.ics'])
        self.assertIn(b'BEGIN:VCALENDAR', mail.attachment_ids.raw)
        self.assertEqual(mail.attachment_ids.mimetype, 'text/calendar')
        self.assertEqual((mail.attachment_ids.res_model, mail.attachment_ids.res_id),
                         ('mail.message', mail.mail_message_id.id))
        self.assertIn('14:00', mail.body_html)

    def test_missed_hours_neither_skip_nor_duplicate(self):
        with freeze_time(T0):
            visit = self._visit(T0 + timedelta(hours=26))
            self.assertEqual(self._run(), 0)
        # the cron is down for five hours: the visit entered its window three hours ago
        with freeze_time(T0 + timedelta(hours=5)):
            self.assertEqual(self._run(), 1)
        with freeze_time(T0 + timedelta(hours=6)):
            self.assertEqual(self._run(), 0)
        self.assertEqual(len(self._reminders(visit)), 1)
        # down for longer than the visit's whole window: no reminder after the visit has begun
        with freeze_time(T0):
            late = self._visit(T0 + timedelta(hours=27), user_id=self.agent2.id)
        with freeze_time(T0 + timedelta(hours=28)):
            self.assertEqual(self._run(), 0)
        self.assertFalse(self._reminders(late))

    def test_late_booking_and_reschedule(self):
        with freeze_time(T0):
            visit = self._visit(T0 + timedelta(hours=3))
            self.assertEqual(self._run(), 1, 'booked 3 h ahead: reminded at once')
            # moved two days later: reminded again before the new date
            visit.write({'start': T0 + timedelta(days=2), 'stop': T0 + timedelta(days=2, hours=1)})
            self.assertFalse(visit.reminder_sent)
            self.assertEqual(self._run(), 0)
        with freeze_time(T0 + timedelta(days=1, hours=1)):
            self.assertEqual(self._run(), 1)
            # moved within the day: the "rescheduled" mail carries the new time; no extra reminder
            visit.write({'start': T0 + timedelta(days=1, hours=5), 'stop': T0 + timedelta(days=1, hours=6)})
            self.assertTrue(visit.reminder_sent)
            self.assertEqual(self._run(), 0)
        self.assertEqual(len(self._reminders(visit)), 2)

    def test_confirm_schedules_a_trigger(self):
        cron = self.env.ref('helpdesk_lite.ir_cron_helpdesk_lite_appointment_reminder')
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (1, 'hours'))
        with freeze_time(T0):
            visit = self._visit(T0 + timedelta(days=3))
        triggers = self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)])
        self.assertIn(visit.start - timedelta(hours=24), triggers.mapped('call_at'))


@tagged('post_install', '-at_install')
class TestAppointmentHousekeeping(AppointmentCommon):

    def test_cleanup_old(self):
        cron = self.env.ref('helpdesk_lite.ir_cron_helpdesk_lite_appointment_cleanup')
        self.assertFalse(cron.active)
        with freeze_time(T0):
            old_done = self._appointment(start=T0 + timedelta(hours=2), allow_outside_hours=True)
            old_done.action_confirm()
            old_done.action_done()
            old_request = self._appointment(start=T0 + timedelta(days=1), allow_outside_hours=True)
            old_booked = self._appointment(start=T0 + timedelta(days=2), allow_outside_hours=True)
            old_booked.action_confirm()
        with freeze_time(T0 + timedelta(days=380)):
            recent = self._appointment(start=T0 + timedelta(days=381), allow_outside_hours=True)
            recent.action_confirm()
            recent.action_done()
            self.assertEqual(self.Appointment._cron_cleanup_old(), 2)
        self.assertFalse(old_done.active)
        self.assertFalse(old_request.active)
        self.assertTrue(old_booked.active, 'a booked visit is never archived behind the staff\'s back')
        self.assertTrue(recent.active)

    def test_weekly_statistics(self):
        cron = self.env.ref('helpdesk_lite.ir_cron_helpdesk_lite_appointment_statistics')
        self.assertFalse(cron.active)
        Statistic = self.env['helpdesk.lite.appointment.statistic']
        with freeze_time(T0):
            visits = [self._appointment(start=T0 + timedelta(days=day, hours=1), allow_outside_hours=True)
                      for day in range(3)]
            for visit in visits:
                visit.action_confirm()
            visits[0].action_done()
            visits[1].write({'stop': visits[1].start + timedelta(hours=2)})
            visits[1].action_done()
            visits[2].action_cancel()
        with freeze_time(T0 + timedelta(days=8)):  # the Tuesday after: last full week is T0's
            Statistic._cron_generate()
            rows = Statistic.search([('week_start', '=', T0.date())])
            Statistic._cron_generate()
        rows = Statistic.search([('week_start', '=', T0.date())])
        self.assertEqual(len(rows), 1, 'a second run replaces the week, it does not add to it')
        self.assertEqual(rows.user_id, self.technician)
        self.assertEqual((rows.planned_count, rows.done_count, rows.cancelled_count), (3, 2, 1))
        self.assertAlmostEqual(rows.hours_done, 3.0)


class _Receiver(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        length = int(self.headers['Content-Length'])
        self.received.append((self.headers['Content-Type'], json.loads(self.rfile.read(length))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@tagged('post_install', '-at_install')
class TestAppointmentWebhookResponse(AppointmentCommon):

    def setUp(self):
        super().setUp()
        _Receiver.received = []
        self.server = HTTPServer(('127.0.0.1', 0), _Receiver)
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.url = f'http://127.0.0.1:{self.server.server_port}/appointments'

    def test_inactive_by_default_then_signed_and_queued_after_commit(self):
        rule = self.env.ref('helpdesk_lite.automation_appointment_webhook_created')
        self.assertFalse(rule.active)
        ICP = self.env['ir.config_parameter']
        ICP.set_param('helpdesk_lite.appointment_webhook_url', self.url)
        ICP.set_param('helpdesk_lite.webhook_allowed_networks', '127.0.0.1/32')
        Delivery = self.env['helpdesk.lite.webhook.delivery']
        self._appointment()
        self.env.cr.flush()  # what a commit runs first: the outbox is filled at pre-commit
        self.assertFalse(Delivery.search([('event', '=', 'appointment.created')]), 'inactive rule: nothing queued')
        rule.active = True
        visit = self._appointment(start=self._monday() + timedelta(days=1))
        self.assertEqual(_Receiver.received, [], 'nothing is sent inside the transaction')
        self.env.cr.flush()
        delivery = Delivery.search([('event', '=', 'appointment.created')])
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.webhook_id.url, self.url, 'the parameter\'s URL has its subscription')
        self.assertEqual(Delivery._cron_deliver(), 1)
        self.assertEqual(len(_Receiver.received), 1)
        content_type, body = _Receiver.received[0]
        self.assertEqual(content_type, 'application/json')
        self.assertEqual(body['event'], 'appointment.created')
        payload = body['data']
        self.assertEqual(payload['reference'], visit.name)
        self.assertEqual(payload['ticket'], self.ticket.number)
        self.assertEqual(payload['start'], fields.Datetime.to_string(visit.start))
        self.assertEqual(payload['customer_email'], self.customer.email_normalized)
        self.assertEqual(delivery.state, 'done')

    def test_no_url_no_call(self):
        self.env.ref('helpdesk_lite.automation_appointment_webhook_created').active = True
        self.env['ir.config_parameter'].set_param('helpdesk_lite.appointment_webhook_url', False)
        with self.assertLogs('odoo.addons.helpdesk_lite.models.helpdesk_lite_appointment_mail', 'WARNING') as logs, \
                mute_logger('odoo.addons.base_automation'):
            self._appointment()
        self.env.cr.postcommit.run()
        self.assertIn('helpdesk_lite.appointment_webhook_url is not set', logs.output[0])
        self.assertEqual(_Receiver.received, [])
