import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user

V1 = '/helpdesk_lite/api/v1'
PUBLIC = '/helpdesk_lite/api/public'


class ApiCase(HttpCase):
    """Real HTTP requests to the API with the API keys of an agent, a second agent, a manager and a
    portal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = 'base.group_user,helpdesk_lite.group_helpdesk_lite_user'
        cls.agent = new_test_user(cls.env, login='hdl_api_agent', name='Ada Agent', groups=groups,
                                  email='ada.agent@example.com')
        cls.agent2 = new_test_user(cls.env, login='hdl_api_agent2', name='Ben Agent', groups=groups)
        cls.manager = new_test_user(cls.env, login='hdl_api_manager', name='Meg Manager',
                                    groups='base.group_user,helpdesk_lite.group_helpdesk_lite_manager')
        cls.portal = new_test_user(cls.env, login='hdl_api_portal', name='Pat Portal', groups='base.group_portal',
                                   email='pat.portal@example.com')
        cls.agent_key = cls._key(cls.agent)
        cls.agent2_key = cls._key(cls.agent2)
        cls.manager_key = cls._key(cls.manager)
        cls.portal_key = cls._key(cls.portal)
        cls.Ticket = cls.env['helpdesk.lite.ticket']
        cls.category = cls.env.ref('helpdesk_lite.category_billing_issues')
        # no rate limit in the tests unless a test sets one
        ICP = cls.env['ir.config_parameter'].sudo()
        ICP.set_param('helpdesk_lite.api_rate_limit_per_key', 0)
        ICP.set_param('helpdesk_lite.api_rate_limit_per_ip', 0)

    @classmethod
    def _key(cls, user, scope='helpdesk_lite'):
        expiry = fields.Datetime.now() + timedelta(days=1)
        return cls.env['res.users.apikeys'].with_user(user)._generate(scope, 'test', expiry)

    def api(self, method, path, body=None, key=None, headers=None, raw=None, content_type='application/json'):
        """One request; ``body`` is sent as JSON, ``raw`` as is."""
        all_headers = dict(headers or {})
        if key:
            all_headers['Authorization'] = f'Bearer {key}'
        data = raw
        if body is not None:
            data = json.dumps(body)
        if data is not None and content_type:
            all_headers['Content-Type'] = content_type
        url = path if path.startswith('/') else f'{V1}/{path}'
        # the request runs in this test's transaction: it sees what the test wrote, the test sees its effects
        self.env.flush_all()
        response = self.opener.request(method, self.base_url() + url, data=data, headers=all_headers, timeout=30,
                                       allow_redirects=False)
        self.env.invalidate_all()
        return response

    def assertProblem(self, response, status, field=None, detail=None):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers['Content-Type'], 'application/problem+json')
        problem = response.json()
        self.assertEqual(problem['status'], status)
        self.assertTrue(problem['title'] and problem['request_id'])
        self.assertNotIn('Traceback', response.text)
        if field:
            self.assertIn(field, [error['field'] for error in problem['errors']], problem)
        if detail:
            self.assertIn(detail, problem['detail'])
        return problem

    @classmethod
    def _ticket(cls, **vals):
        vals.setdefault('name', 'Printer on fire')
        return cls.Ticket.create(vals)
