import itertools
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import html2plaintext, mute_logger

from .appointment_common import AppointmentCommon

COUNTER = itertools.count()

RAW_MAIL = """Return-Path: <{email_from}>
From: {email_from}
To: {to}
Subject: {subject}
Date: Mon, 03 Mar 2025 09:12:40 +0100
Message-ID: <{counter}.appointment-test@customer.example>
{extra}MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

{body}
"""


@tagged('post_install', '-at_install')
class TestAppointmentExternalData(AppointmentCommon):

    def setUp(self):
        super().setUp()
        self.action = self.env.ref('helpdesk_lite.action_server_appointment_create_external')
        self.when = (fields.Datetime.now() + timedelta(days=10)).replace(hour=14, minute=0, second=0, microsecond=0)
        self.env.company.resource_calendar_id.tz = 'Europe/Brussels'

    def _data(self, **overrides):
        data = {
            'customer_email': 'John.Doe@Example.com',
            'customer_name': 'John Doe',
            'requested_date': self.when.strftime('%Y-%m-%d %H:%M:%S'),
            'description': 'Network troubleshooting needed\nSwitch in the basement',
            'priority': 'high',
            'location': '123 Main Street',
        }
        data.update(overrides)
        return data

    def _run(self, data, user=None):
        action = self.action.with_user(user or self.agent)
        return action.with_context(external_data=data).run()

    def _counts(self):
        return (self.env['res.partner'].search_count([]), self.Ticket.search_count([]),
                self.Appointment.search_count([]))

    def test_good_data_creates_a_draft(self):
        result = self._run(self._data())
        visit = self.Appointment.browse(result['res_id'])
        self.assertEqual(visit.state, 'draft')
        self.assertFalse(visit.user_id, 'the staff choose the technician when they review it')
        self.assertEqual(visit.partner_id.email, 'john.doe@example.com')
        self.assertEqual(visit.partner_id.name, 'John Doe')
        self.assertEqual(visit.priority, '2')
        self.assertEqual(visit.location, '123 Main Street')
        self.assertIn('Switch in the basement', visit.description)
        # 14:00 without a time zone is the company's time (Brussels), stored in UTC
        local = fields.Datetime.context_timestamp(visit.with_context(tz='Europe/Brussels'), visit.start)
        self.assertEqual((local.hour, local.minute), (14, 0))
        self.assertEqual(visit.stop - visit.start, timedelta(hours=1))
        self.assertEqual(visit.ticket_id.partner_id, visit.partner_id)
        self.assertEqual(visit.ticket_id.channel, 'api')
        # the same customer again: found, not duplicated; an ISO date with an offset is honoured
        again = self.Appointment.browse(self._run(self._data(
            customer_email='john.doe@example.com', requested_date=self.when.strftime('%Y-%m-%dT%H:%M:00+00:00'),
            priority='low'))['res_id'])
        self.assertEqual(again.partner_id, visit.partner_id)
        self.assertEqual(again.start, self.when)
        self.assertEqual(again.priority, '0')

    def test_existing_ticket_of_that_customer(self):
        ticket = self._create_ticket(name='Known', partner_id=self.customer.id)
        visit = self.Appointment.browse(self._run(self._data(
            customer_email=self.customer.email, ticket=ticket.number))['res_id'])
        self.assertEqual(visit.ticket_id, ticket)
        other = self._create_ticket(name='Not yours', partner_id=self.other_customer.id)
        before = self._counts()
        with self.assertRaisesRegex(UserError, f'ticket {other.number} was not found'):
            self._run(self._data(customer_email=self.customer.email, ticket=other.number))
        self.assertEqual(self._counts(), before)

    def test_bad_data_creates_nothing(self):
        before = self._counts()
        past = (fields.Datetime.now() - timedelta(days=1)).strftime('%Y-%m-%d %H:%M:%S')
        cases = [
            ({'customer_email': 'not-an-email'}, 'customer_email "not-an-email" is not a valid email address'),
            ({'customer_email': ''}, 'customer_email is missing'),
            ({'requested_date': '15/13/2025 25:00'}, 'is not a date and time'),
            ({'requested_date': 'tomorrow'}, 'is not a date and time'),
            ({'requested_date': past}, 'is in the past'),
            ({'requested_date': ''}, 'requested_date is missing'),
            ({'priority': 'asap'}, 'priority "asap" is unknown'),
            ({'duration': '-2'}, 'duration "-2" must be a number of hours'),
            ({'timezone': 'Mars/Olympus'}, 'timezone "Mars/Olympus" is unknown'),
            ({'customer_name': 'x' * 500}, 'customer_name is too long'),
        ]
        for overrides, message in cases:
            with self.subTest(overrides=overrides), mute_logger('odoo.addons.helpdesk_lite.models.helpdesk_lite_appointment_external'):
                with self.assertRaisesRegex(UserError, message):
                    self._run(self._data(**overrides))
        with self.assertRaisesRegex(UserError, 'No appointment data received'):
            self._run(None)
        # every problem at once
        with self.assertRaises(UserError) as caught:
            self._run(self._data(customer_email='bad', priority='asap'))
        self.assertIn('customer_email', str(caught.exception))
        self.assertIn('priority', str(caught.exception))
        self.assertEqual(self._counts(), before)

    def test_failure_after_validation_rolls_everything_back(self):
        """A refusal raised while creating (here: the visit's own constraint) leaves no contact or ticket."""
        before = self._counts()
        with self.assertRaisesRegex(UserError, 'must be a number of hours'):
            self._run(self._data(customer_email='new.person@example.com', duration='0'))
        self.assertEqual(self._counts(), before)
        with patch.object(type(self.Appointment), 'create', side_effect=UserError('simulated failure'),
                          autospec=True), self.assertRaisesRegex(UserError, 'simulated failure'):
            self._run(self._data(customer_email='new.person@example.com'))
        self.assertEqual(self._counts(), before)
        self.assertFalse(self.env['res.partner'].search([('email', '=', 'new.person@example.com')]))

    def test_only_helpdesk_users_may_run_it(self):
        self.assertIn(self.env.ref('helpdesk_lite.group_helpdesk_lite_user'), self.action.groups_id)
        outsider = self.env['res.users'].create({
            'name': 'Outsider', 'login': 'outsider_apt', 'groups_id': [(6, 0, [self.env.ref('base.group_user').id])]})
        with self.assertRaises(AccessError):
            self._run(self._data(), user=outsider)


@tagged('post_install', '-at_install')
class TestAppointmentEmailRequests(AppointmentCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias = cls.env.ref('helpdesk_lite.mail_alias_appointment_request')
        cls.alias.alias_domain_id = cls.mail_alias_domain
        cls.alias_email = f'appointments@{cls.alias_domain}'
        cls.when = (fields.Datetime.now() + timedelta(days=10)).replace(hour=14, minute=0, second=0, microsecond=0)

    def _process(self, subject='APPOINTMENT_REQUEST', body=None, email_from='jane.roe@example.com', extra=''):
        body = body if body is not None else (
            f'customer_name: Jane Roe\nrequested_date: {self.when:%Y-%m-%d %H:%M:%S}\n'
            'description: Network issue\npriority: high\nlocation: 5 Harbour Road\n\n--\nJane\nPhone: 555 1234')
        raw = RAW_MAIL.format(email_from=email_from, to=self.alias_email, subject=subject, body=body,
                              counter=next(COUNTER), extra=extra)
        with mute_logger('odoo.addons.mail.models.mail_thread'):
            return self.env['mail.thread'].sudo().message_process(None, raw)

    def _replies(self, email):
        return self.env['mail.mail'].search([('email_to', '=', email), ('subject', 'ilike', 'Re:')])

    def test_valid_request_creates_a_draft(self):
        self.assertEqual(self.alias.alias_model_id.model, 'helpdesk.lite.appointment')
        visit = self.Appointment.browse(self._process())
        self.assertEqual(visit.state, 'draft')
        self.assertEqual(visit.partner_id.email_normalized, 'jane.roe@example.com', 'the sender is the customer')
        self.assertEqual(visit.location, '5 Harbour Road')
        self.assertEqual(visit.priority, '2')
        self.assertEqual(visit.ticket_id.channel, 'email')
        self.assertTrue(visit.message_ids.filtered(lambda m: 'customer_name: Jane Roe' in (m.body or '')),
                        'the email is kept on the visit')
        self.assertFalse(self._replies('jane.roe@example.com'))

    def test_customer_email_in_body_wins(self):
        body = f'customer_email: boss@example.com\nrequested_date: {self.when:%Y-%m-%d %H:%M}\ndescription: x'
        visit = self.Appointment.browse(self._process(body=body))
        self.assertEqual(visit.partner_id.email_normalized, 'boss@example.com')

    def _assert_refused(self, **kwargs):
        before = (self.Appointment.search_count([]), self.Ticket.search_count([]))
        self.assertFalse(self._process(**kwargs))
        self.assertEqual((self.Appointment.search_count([]), self.Ticket.search_count([])), before)

    def test_wrong_subject(self):
        self._assert_refused(subject='Please come Monday')
        reply = self._replies('jane.roe@example.com')
        self.assertEqual(len(reply), 1)
        self.assertIn('The subject must be exactly', reply.body_html)
        self.assertIn('APPOINTMENT_REQUEST', reply.body_html)
        self.assertIn('Auto-Submitted', reply.headers)

    def test_unparseable_body(self):
        self._assert_refused(body='Hi, can somebody come over next week?')
        reply = self._replies('jane.roe@example.com')
        self.assertEqual(len(reply), 1)
        self.assertIn('no "key: value" lines', html2plaintext(reply.body_html))

    def test_bad_values(self):
        self._assert_refused(body='requested_date: next Monday\ndescription: x')
        reply = self._replies('jane.roe@example.com')
        self.assertIn('is not a date and time', reply.body_html, 'the reply says what was wrong')
        self.assertIn('next Monday', reply.body_html)
        self._assert_refused(body=f'customer_email: nope\nrequested_date: {self.when}')
        self.assertEqual(len(self._replies('jane.roe@example.com')), 2)

    def test_automatic_mail_gets_no_reply(self):
        self._assert_refused(subject='Out of office', extra='Auto-Submitted: auto-replied\n')
        self.assertFalse(self._replies('jane.roe@example.com'), 'no reply to an auto-reply: it could loop')
