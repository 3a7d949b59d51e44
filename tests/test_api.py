import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged('post_install', '-at_install')
class TestTicketApi(HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(cls.env, login='hdl_api_agent', groups='base.group_user,helpdesk_lite.group_helpdesk_lite_user')
        cls.portal = new_test_user(cls.env, login='hdl_api_portal', groups='base.group_portal')
        expiry = fields.Datetime.now() + timedelta(days=1)
        cls.agent_key = cls.env['res.users.apikeys'].with_user(cls.agent)._generate(None, 'test', expiry)
        cls.portal_key = cls.env['res.users.apikeys'].with_user(cls.portal)._generate(None, 'test', expiry)
        cls.category = cls.env.ref('helpdesk_lite.category_billing_issues')
        cls.existing = cls.env['res.partner'].create({'name': 'Known Customer', 'email': 'known@example.com'})

    def _post(self, body, key=None):
        headers = {'Content-Type': 'application/json'}
        if key:
            headers['Authorization'] = f'Bearer {key}'
        data = body if isinstance(body, str) else json.dumps(body)
        return self.url_open('/helpdesk_lite/api/tickets', data=data, headers=headers)

    def test_create_ticket(self):
        response = self._post({
            'subject': 'Cannot access my account', 'description': 'Error <b>on</b> login\nline two',
            'requester_email': 'John.Doe@Example.com', 'requester_name': 'John Doe',
            'priority': 'high', 'category_id': self.category.id}, key=self.agent_key)
        self.assertEqual(response.status_code, 201, response.text)
        data = response.json()['ticket']
        ticket = self.env['helpdesk.lite.ticket'].browse(data['id'])
        self.assertEqual(data['ticket_number'], ticket.number)
        self.assertRecordValues(ticket, [{
            'name': 'Cannot access my account', 'priority': '2', 'channel': 'api', 'category_id': self.category.id,
            'partner_email': 'john.doe@example.com', 'partner_name': 'John Doe', 'create_uid': self.agent.id}])
        self.assertIn('&lt;b&gt;on&lt;/b&gt;', ticket.description, 'text is never interpreted as HTML')
        self.assertEqual(data['priority'], 'high')
        # known email: linked to the existing customer
        response = self._post({'subject': 'Again', 'requester_email': 'known@example.com'}, key=self.agent_key)
        self.assertEqual(self.env['helpdesk.lite.ticket'].browse(response.json()['ticket']['id']).partner_id,
                         self.existing)
        # read it back
        response = self.url_open(f'/helpdesk_lite/api/tickets/{ticket.id}',
                                 headers={'Authorization': f'Bearer {self.agent_key}'})
        self.assertEqual(response.json()['ticket']['subject'], 'Cannot access my account')

    def test_bad_input_gets_clear_error_and_creates_nothing(self):
        count = self.env['helpdesk.lite.ticket'].search_count([])
        cases = [
            ('{not json', 'not valid JSON'),
            ([1, 2], 'JSON object'),
            ({'description': 'no subject'}, '"subject" is required'),
            ({'subject': '   '}, '"subject" is required'),
            ({'subject': 'x' * 300}, 'longer than 250'),
            ({'subject': 'ok', 'requester_email': 'not-an-email'}, '"requester_email" is not a valid'),
            ({'subject': 'ok', 'priority': 'critical'}, '"priority" must be one of low, medium, high, urgent'),
            ({'subject': 'ok', 'category_id': 999999}, '"category_id" does not name'),
            ({'subject': 'ok', 'team_id': 'abc'}, '"team_id" does not name'),
        ]
        for body, message in cases:
            with self.subTest(body=body):
                response = self._post(body, key=self.agent_key)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.json()['error'])
        self.assertEqual(self.env['helpdesk.lite.ticket'].search_count([]), count)

    @mute_logger('odoo.http')
    def test_authentication_and_access(self):
        self.assertEqual(self._post({'subject': 'anon'}).status_code, 401)
        self.assertEqual(self._post({'subject': 'bad key'}, key='guessed-key').status_code, 401)
        response = self._post({'subject': 'portal'}, key=self.portal_key)
        self.assertEqual(response.status_code, 403)
        ticket = self.env['helpdesk.lite.ticket'].create({'name': 'Internal'})
        for ticket_id in (ticket.id, 999999):
            response = self.url_open(f'/helpdesk_lite/api/tickets/{ticket_id}',
                                     headers={'Authorization': f'Bearer {self.portal_key}'})
            self.assertEqual(response.status_code, 404)
            self.assertEqual(response.json(), {'error': 'Ticket not found.'})
