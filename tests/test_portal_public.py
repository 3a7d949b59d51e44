import re
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_portal import HelpdeskLitePortalCase


@tagged('post_install', '-at_install')
class TestPublicSubmit(HelpdeskLitePortalCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ICP = cls.env['ir.config_parameter']
        ICP.set_param('helpdesk_lite.public_submit_limit_per_ip', 50)
        ICP.set_param('helpdesk_lite.public_submit_limit_per_email', 50)

    def _form(self, **values):
        data = {'partner_name': 'Walter Web', 'partner_email': 'walter@example.com', 'name': 'Website is down',
                'description': 'Since 9am, error 502.'}
        data.update(values)
        return data

    def _submit(self, csrf=True, **values):
        return self._post('/helpdesk/submit', self._form(**values), csrf=csrf)

    def _thanks(self, response):
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertTrue(response.headers['Location'].endswith('/helpdesk/submit/thanks'))
        return self.url_open('/helpdesk/submit/thanks')

    def test_form_page(self):
        self._login(None)
        response = self.url_open('/helpdesk/submit')
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="company_website"', response.text, 'honeypot field')
        self.assertIn('data-helpdesk-lite-suggest="1"', response.text)
        self.assertIn('name="csrf_token"', response.text)
        self.assertIn('Portal Billing', response.text)
        self.assertNotIn('Internal Escalations', response.text)
        self.assertNotIn('Company 2 Only', response.text)

    def test_submit_creates_web_ticket_and_thanks_with_number(self):
        self._login(None)
        thanks = self._thanks(self._submit(category_id=self.category_published.id))
        ticket = self.Ticket.search([('partner_email', '=', 'walter@example.com')])
        self.assertRecordValues(ticket, [{
            'name': 'Website is down', 'channel': 'web', 'partner_id': False, 'partner_name': 'Walter Web',
            'category_id': self.category_published.id, 'stage_id': self.stage_new.id}])
        self.assertIn('Since 9am, error 502.', ticket.description)
        self.assertEqual(thanks.status_code, 200)
        self.assertIn(ticket.number, thanks.text)
        self.assertFalse(ticket.message_partner_ids, 'the public user does not follow the ticket')
        # the number is shown once; visiting the page again does not show it
        self.assertNotIn(ticket.number, self.url_open('/helpdesk/submit/thanks').text)

    def test_known_email_is_linked_without_telling(self):
        self._login(None)
        unknown_page = self._thanks(self._submit(partner_email='nobody@example.com', name='Unknown one'))
        known_page = self._thanks(self._submit(partner_email=' Paula.Portal@Example.com ', name='Known one'))
        unknown = self.Ticket.search([('name', '=', 'Unknown one')])
        known = self.Ticket.search([('name', '=', 'Known one')])
        self.assertFalse(unknown.partner_id | unknown.unverified_partner_id)
        # anybody can type anybody's email: the contact is only a claim until its owner confirms
        self.assertRecordValues(known, [{'partner_id': False, 'unverified_partner_id': self.customer.id,
                                         'partner_email': 'paula.portal@example.com', 'channel': 'web'}])
        self.assertNotIn(self.customer, known.message_partner_ids)
        # both answers are the same page apart from the ticket number (and the per-request CSRF token)
        self.assertEqual(self._page_text(unknown_page).replace(unknown.number, 'N'),
                         self._page_text(known_page).replace(known.number, 'N'))
        self.assertNotIn('Paula', known_page.text)
        self.assertNotIn(known.access_token, known_page.text)
        self.assertFalse(self.Ticket.with_user(self.portal_user).search([('id', '=', known.id)]))

    def test_near_miss_email_is_not_linked(self):
        self._login(None)
        self._thanks(self._submit(partner_email='paula.portal@example.co', name='Near miss'))
        self.assertFalse(self.Ticket.search([('name', '=', 'Near miss')]).partner_id)

    def test_validation_keeps_input(self):
        self._login(None)
        count = self.Ticket.search_count([])
        cases = [
            ({'partner_email': 'not-an-email'}, 'Please enter a valid email address'),
            ({'partner_email': 'a@example.com, b@example.com'}, 'Please enter a valid email address'),
            ({'partner_email': 'a' * 250 + '@example.com'}, 'Please enter a valid email address'),
            ({'partner_name': ''}, 'Please tell us your name.'),
            ({'partner_name': 'n' * 129}, 'The name is too long'),
            ({'name': ''}, 'Please give your request a title.'),
            ({'name': 't' * 251}, 'The title is too long'),
            ({'description': ''}, 'Please describe your request.'),
            ({'description': 'd' * 20_001}, 'The description is too long'),
            ({'category_id': self.category_hidden.id}, 'Please choose a category from the list.'),
        ]
        for values, error in cases:
            response = self._submit(**values)
            self.assertEqual(response.status_code, 400, error)
            self.assertIn(error, response.text)
            form = self._form(**values)
            for field_name in ('partner_name', 'partner_email', 'name'):
                if form[field_name]:
                    self.assertIn(f'value="{form[field_name]}"', response.text, f'{field_name} is kept')
            if form['description']:
                self.assertIn(f'>{form["description"]}</textarea>', response.text)
        self.assertEqual(self.Ticket.search_count([]), count)

    def test_honeypot_pretends_success(self):
        self._login(None)
        count = self.Ticket.search_count([])
        thanks = self._thanks(self._submit(company_website='http://spam.example.com'))
        self.assertEqual(thanks.status_code, 200)
        self.assertIn('Thank you', thanks.text)
        self.assertEqual(self.Ticket.search_count([]), count)

    def test_csrf_required(self):
        self._login(None)
        with mute_logger('odoo.http'):
            response = self._submit(csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.Ticket.search([('partner_email', '=', 'walter@example.com')]))

    def test_rate_limit_per_email(self):
        self.env['ir.config_parameter'].set_param('helpdesk_lite.public_submit_limit_per_email', 2)
        self._login(None)
        for i in range(2):
            self._thanks(self._submit(name=f'Try {i}'))
        blocked = self._submit(name='Try 2', partner_email='WALTER@example.com')
        self.assertEqual(blocked.status_code, 429)
        self.assertIn('too many requests', blocked.text)
        self.assertIn('value="Try 2"', blocked.text)
        self.assertFalse(self.Ticket.search([('name', '=', 'Try 2')]))
        # another email from the same place is still fine
        self._thanks(self._submit(name='Colleague', partner_email='colleague@example.com'))
        # a known customer's email is limited the same way: the answer says nothing about the address
        for i in range(2):
            self._thanks(self._submit(name=f'Paula {i}', partner_email='paula.portal@example.com'))
        self.assertEqual(self._submit(partner_email='paula.portal@example.com').status_code, 429)

    def test_rate_limit_per_ip_and_window(self):
        self.env['ir.config_parameter'].set_param('helpdesk_lite.public_submit_limit_per_ip', 3)
        self._login(None)
        for i in range(3):
            self._thanks(self._submit(name=f'Spam {i}', partner_email=f'spam{i}@example.com'))
        self.assertEqual(self._submit(partner_email='spam9@example.com').status_code, 429)
        # the window slides: once the submissions are more than an hour old, the address may submit again
        self.env['helpdesk.lite.submit.log'].search([]).date = fields.Datetime.now() - timedelta(minutes=61)
        self._thanks(self._submit(name='Later', partner_email='spam9@example.com'))

    def test_submit_log_keeps_no_plain_data_and_is_purged(self):
        self._login(None)
        self._thanks(self._submit())
        Log = self.env['helpdesk.lite.submit.log']
        log = Log.search([], limit=1)
        self.assertTrue(log)
        self.assertNotIn('walter', (log.ip_hash + log.email_hash).lower())
        self.assertNotIn('127.0.0.1', log.ip_hash + log.email_hash)
        log.date = fields.Datetime.now() - timedelta(days=3)
        Log._gc_submit_log()
        self.assertFalse(log.exists())

    def test_logged_in_user_submits_as_themself(self):
        self._login(self.portal_user)
        form = self.url_open('/helpdesk/submit').text
        self.assertNotIn('name="partner_email"', form)
        self._thanks(self._post('/helpdesk/submit', {
            'name': 'Logged in web', 'description': 'd', 'partner_email': 'otto.other@example.com'}))
        ticket = self.Ticket.search([('name', '=', 'Logged in web')])
        self.assertRecordValues(ticket, [{'partner_id': self.customer.id, 'channel': 'web'}])

    def test_public_submit_queues_token_mail(self):
        """The acknowledgement with the token link is queued by ticket create for email/portal/web tickets
        and made by the acknowledgement cron (run at the end of ``mock_mail_gateway``)."""
        self._login(None)
        with self.mock_mail_gateway():
            self._thanks(self._submit(partner_email='ack@example.com', name='Ack me'))
        ticket = self.Ticket.search([('name', '=', 'Ack me')])
        mails = self.env['mail.mail'].search([('body_html', 'ilike', ticket.access_token)])
        self.assertEqual(len(mails), 1, 'one acknowledgement with the ticket link is queued')
        self.assertIn('ack@example.com', mails.email_to or '')
        self.assertTrue(re.search(rf'/my/helpdesk/{ticket.id}\?access_token={ticket.access_token}',
                                  mails.body_html.replace('&amp;', '&')))
