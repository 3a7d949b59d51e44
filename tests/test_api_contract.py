import json
import re
import xmlrpc.client
from datetime import timedelta
from unittest.mock import Mock, patch

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import file_open, mute_logger

from odoo.addons.helpdesk_lite.models import helpdesk_lite_api_rate as rate_module

from .api_common import PUBLIC, V1, ApiCase

OPENAPI = 'helpdesk_lite/static/openapi/helpdesk_lite_v1.json'
API_ROUTE = re.compile(r'^/helpdesk_lite/api/')
JSON_TYPES = {'object': dict, 'array': list, 'string': str, 'boolean': bool, 'null': type(None)}


def schema_errors(schema, value, spec, path='$'):
    """A small JSON-schema checker for the OpenAPI document's subset: $ref, allOf, type (or a list of
    types), enum, required, properties, additionalProperties, items, minimum/maximum."""
    if '$ref' in schema:
        return schema_errors(spec['components']['schemas'][schema['$ref'].rsplit('/', 1)[1]], value, spec, path)
    errors = []
    for sub in schema.get('allOf', []):
        errors += schema_errors(sub, value, spec, path)
    types = schema.get('type')
    if types:
        types = [types] if isinstance(types, str) else types
        ok = any(
            (isinstance(value, int) and not isinstance(value, bool)) if kind == 'integer'
            else (isinstance(value, (int, float)) and not isinstance(value, bool)) if kind == 'number'
            else isinstance(value, JSON_TYPES[kind]) for kind in types)
        if not ok:
            return [f'{path}: {value!r} is not of type {types}']
    if 'enum' in schema and value not in schema['enum']:
        errors.append(f'{path}: {value!r} not in {schema["enum"]}')
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 'minimum' in schema and value < schema['minimum'] or 'maximum' in schema and value > schema['maximum']:
            errors.append(f'{path}: {value} out of range')
    if isinstance(value, dict):
        errors += [f'{path}: missing {name}' for name in schema.get('required', []) if name not in value]
        properties = schema.get('properties', {})
        extra = schema.get('additionalProperties', True)
        for name, item in value.items():
            if name in properties:
                errors += schema_errors(properties[name], item, spec, f'{path}.{name}')
            elif extra is False:
                errors.append(f'{path}: unexpected member {name}')
            elif isinstance(extra, dict):
                errors += schema_errors(extra, item, spec, f'{path}.{name}')
            elif properties and 'allOf' not in schema:
                errors.append(f'{path}: undocumented member {name}')
    if isinstance(value, list) and 'items' in schema:
        for index, item in enumerate(value):
            errors += schema_errors(schema['items'], item, spec, f'{path}[{index}]')
    return errors


@tagged('post_install', '-at_install')
class TestApiContract(ApiCase):
    """The OpenAPI document tells the truth: same routes as the server, and real answers match it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with file_open(OPENAPI) as file:
            cls.spec = json.load(file)

    def test_checker_catches_mismatches(self):
        spec = self.spec
        self.assertFalse(schema_errors({'$ref': '#/components/schemas/Pagination'},
                                       {'page': 1, 'limit': 20, 'has_more': False}, spec))
        self.assertTrue(schema_errors({'$ref': '#/components/schemas/Pagination'}, {'page': '1', 'limit': 20}, spec))
        self.assertTrue(schema_errors({'type': 'object', 'properties': {'a': {'type': 'integer'}}}, {'a': 1, 'b': 2}, spec))
        self.assertTrue(schema_errors({'type': 'integer'}, True, spec))

    def test_document_matches_routes(self):
        routes = set()
        for rule in self.env['ir.http'].routing_map().iter_rules():
            if API_ROUTE.match(rule.rule):
                path = re.sub(r'<(?:\w+:)?(\w+)>', r'{\1}', rule.rule)
                routes |= {(path, method.lower()) for method in rule.methods or () if method not in ('HEAD', 'OPTIONS')}
        documented = {(path, method) for path, item in self.spec['paths'].items() for method in item}
        self.assertEqual(sorted(documented - routes), [], 'documented but not served')
        self.assertEqual(sorted(routes - documented), [], 'served but not documented')
        self.assertEqual(self.spec['openapi'], '3.1.0')
        served = self.api('GET', 'openapi.json')
        self.assertEqual(served.json(), self.spec)

    def _check(self, response, path, method, status=None):
        status = status or response.status_code
        answer = self.spec['paths'][path][method]['responses'][str(status)]
        if '$ref' in answer:
            answer = self.spec['components']['responses'][answer['$ref'].rsplit('/', 1)[1]]
        self.assertEqual(response.status_code, status, response.text)
        media = next(iter(answer['content']))
        self.assertTrue(response.headers['Content-Type'].startswith(media), (response.headers['Content-Type'], media))
        errors = schema_errors(answer['content'][media]['schema'], response.json(), self.spec)
        self.assertFalse(errors, f'{method.upper()} {path} {status}: {errors}')

    def test_responses_match_schemas(self):
        T = f'{V1}/tickets/{{ticket_id}}'
        created = self.api('POST', 'tickets', {'subject': 'Contract', 'requester_email': 'c@example.com',
                                               'priority': 'high'}, key=self.agent_key)
        self._check(created, f'{V1}/tickets', 'post', 201)
        ticket_id = created.json()['id']
        self._check(self.api('GET', 'tickets?status=new,open&priority=high&page=1&limit=20', key=self.agent_key),
                    f'{V1}/tickets', 'get', 200)
        self._check(self.api('GET', f'tickets/{ticket_id}', key=self.agent_key), T, 'get', 200)
        self._check(self.api('PATCH', f'tickets/{ticket_id}', {'priority': 'low'}, key=self.agent_key), T, 'patch', 200)
        self._check(self.api('POST', f'tickets/{ticket_id}/assign', key=self.agent_key), f'{T}/assign', 'post', 200)
        comment = self.api('POST', f'tickets/{ticket_id}/comments', {'body': "I'll look into this for you.",
                                                                     'is_internal': False}, key=self.agent_key)
        self._check(comment, f'{T}/comments', 'post', 201)
        self._check(self.api('GET', f'tickets/{ticket_id}/comments', key=self.agent_key), f'{T}/comments', 'get', 200)
        self._check(self.api('GET', 'categories', key=self.agent_key), f'{V1}/categories', 'get', 200)
        self._check(self.api('GET', 'tickets/sla-policies', key=self.agent_key), f'{V1}/tickets/sla-policies', 'get', 200)
        for name in ('overview', 'volume', 'distribution', 'agents', 'sla/detailed', 'csat', 'peak-hours'):
            self._check(self.api('GET', f'analytics/{name}', key=self.manager_key), f'{V1}/analytics/{name}', 'get', 200)
        self._check(self.api('GET', 'me', key=self.agent_key), f'{V1}/me', 'get', 200)
        webhook = self.api('POST', 'webhooks', {'url': 'https://hooks.example.com/c', 'events': ['ticket.created']},
                           key=self.manager_key)
        self._check(webhook, f'{V1}/webhooks', 'post', 201)
        self._check(self.api('GET', 'webhooks', key=self.manager_key), f'{V1}/webhooks', 'get', 200)
        self._check(self.api('GET', f'webhooks/{webhook.json()["id"]}', key=self.manager_key),
                    f'{V1}/webhooks/{{record_id}}', 'get', 200)
        canned = self.api('POST', 'canned-responses', {'shortcut': 'contract', 'content': 'Hi {{customer_name}}',
                                                       'category_id': self.category.id}, key=self.agent_key)
        self._check(canned, f'{V1}/canned-responses', 'post', 201)
        self._check(self.api('POST', f'canned-responses/{canned.json()["id"]}/use', {'ticket_id': ticket_id},
                             key=self.agent_key), f'{V1}/canned-responses/{{record_id}}/use', 'post', 200)
        submitted = self.api('POST', f'{PUBLIC}/tickets', {'subject': 'Public', 'description': 'Text',
                                                          'requester_email': 'p@example.com', 'requester_name': 'P'})
        self._check(submitted, f'{PUBLIC}/tickets', 'post', 201)
        public = submitted.json()
        self._check(self.api('GET', f'{PUBLIC}/tickets/{public["ticket"]["id"]}?token={public["accessToken"]}'),
                    f'{PUBLIC}/tickets/{{ticket_id}}', 'get', 200)
        self._check(self.api('POST', 'chat/tickets', {'conversation_id': 'contract-1'}, key=self.agent_key),
                    f'{V1}/chat/tickets', 'post', 201)
        # errors
        self._check(self.api('POST', 'tickets', {'subject': 1}, key=self.agent_key), f'{V1}/tickets', 'post', 400)
        self._check(self.api('GET', 'tickets/99999999', key=self.agent_key), T, 'get', 404)
        self._check(self.api('GET', 'tickets'), f'{V1}/tickets', 'get', 401)


@tagged('post_install', '-at_install')
class TestApiSecurity(ApiCase):

    @mute_logger('odoo.http', 'odoo.addons.base.models.res_users')
    def test_scoped_key_opens_nothing_else(self):
        db = self.env.cr.dbname
        common = xmlrpc.client.ServerProxy(f'{self.base_url()}/xmlrpc/2/common')
        self.assertFalse(common.authenticate(db, self.agent.login, self.agent_key, {}))
        objects = xmlrpc.client.ServerProxy(f'{self.base_url()}/xmlrpc/2/object')
        with self.assertRaises(xmlrpc.client.Fault):
            objects.execute_kw(db, self.agent.id, self.agent_key, 'helpdesk.lite.ticket', 'search', [[]])
        response = self.opener.post(f'{self.base_url()}/jsonrpc', json={
            'jsonrpc': '2.0', 'method': 'call', 'params': {
                'service': 'object', 'method': 'execute_kw',
                'args': [db, self.agent.id, self.agent_key, 'helpdesk.lite.ticket', 'search', [[]]]}})
        self.assertIn('error', response.json())
        # the web client's login refuses it as a password too
        response = self.opener.post(f'{self.base_url()}/web/session/authenticate', json={
            'jsonrpc': '2.0', 'params': {'db': db, 'login': self.agent.login, 'password': self.agent_key}})
        self.assertIn('error', response.json())
        # while a global key (scope unset) still works on the API, and an RPC-scoped key is refused here
        global_key = self._key(self.agent, scope=None)
        self.assertEqual(self.api('GET', 'me', key=global_key).status_code, 200)
        self.assertEqual(self.api('GET', 'me', key=self.agent_key).json()['id'], self.agent.id)
        self.assertProblem(self.api('GET', 'me', key=self._key(self.agent, scope='rpc')), 401)
        # the key wizard's "Helpdesk Lite API only" gives a key of this scope
        key = self.env['res.users.apikeys'].with_user(self.agent).with_context(helpdesk_lite_api_only=True)._generate(
            None, 'wiz', fields.Datetime.now() + timedelta(days=1))
        self.assertEqual(self.api('GET', 'me', key=key).status_code, 200)
        self.assertFalse(common.authenticate(db, self.agent.login, key, {}))
        self.assertEqual(self.env['res.users.apikeys'].sudo().search([('name', '=', 'wiz')]).scope, 'helpdesk_lite')

    def test_authentication(self):
        ticket = self._ticket()
        self.assertProblem(self.api('GET', f'tickets/{ticket.id}'), 401)
        self.assertProblem(self.api('GET', f'tickets/{ticket.id}', key='guessed-key'), 401)
        self.assertEqual(self.api('GET', f'tickets/{ticket.id}', key='x').headers['WWW-Authenticate'],
                         'Bearer realm="helpdesk_lite"')
        expired = self._key(self.agent)
        self.env['res.users.apikeys'].sudo().search([('user_id', '=', self.agent.id)]).write(
            {'expiration_date': '2000-01-01 00:00:00'})
        self.assertProblem(self.api('GET', f'tickets/{ticket.id}', key=expired), 401)
        # a browser session is not a key (no CSRF through the API)
        self.authenticate('hdl_api_manager', 'hdl_api_manager')
        self.assertProblem(self.api('GET', f'tickets/{ticket.id}'), 401)

    def test_portal_key(self):
        own = self._ticket(partner_id=self.portal.partner_id.id)
        foreign = self._ticket(name='Not yours')
        listed = self.api('GET', 'tickets', key=self.portal_key).json()['tickets']
        self.assertEqual([t['id'] for t in listed], own.ids)
        missing = self.assertProblem(self.api('GET', 'tickets/99999999', key=self.portal_key), 404)
        hidden = self.assertProblem(self.api('GET', f'tickets/{foreign.id}', key=self.portal_key), 404)
        self.assertEqual((missing['title'], missing['detail']), (hidden['title'], hidden['detail']))
        for method, path, body in (('POST', 'tickets', {'subject': 'x'}), ('PATCH', f'tickets/{own.id}', {'subject': 'x'}),
                                   ('POST', f'tickets/{own.id}/close', None),
                                   ('POST', 'categories', {'name': 'x'})):
            with self.subTest(path=path, method=method):
                self.assertProblem(self.api(method, path, body, key=self.portal_key), 403)
        self.assertProblem(self.api('PATCH', f'tickets/{foreign.id}', {'subject': 'x'}, key=self.portal_key), 404)
        self.assertEqual(foreign.name, 'Not yours')

    def test_other_company_is_invisible(self):
        other_company = self.env['res.company'].create({'name': 'Other Co'})
        team = self.env['helpdesk.lite.team'].create({'name': 'Other team', 'company_id': other_company.id})
        ticket = self._ticket(team_id=team.id)
        self.assertProblem(self.api('GET', f'tickets/{ticket.id}', key=self.agent_key), 404)
        self.assertProblem(self.api('POST', f'tickets/{ticket.id}/comments', {'body': 'x'}, key=self.agent_key), 404)
        own = self._ticket()
        # forged foreign ids in payloads: same answer as ids that do not exist
        for body in ({'team_id': team.id}, {'team_id': 99999999}):
            with self.subTest(body=body):
                self.assertProblem(self.api('PATCH', f'tickets/{own.id}', body, key=self.agent_key), 422,
                                   detail='does not name an existing record')
        self.assertProblem(self.api('POST', f'tickets/{own.id}/merge', {'ticket_ids': [ticket.id]}, key=self.agent_key),
                           422, detail='does not name an existing record')
        self.assertFalse(ticket.merged_into_id)
        self.agent.write({'company_ids': [Command.link(other_company.id)]})
        self.assertEqual(self.api('GET', f'tickets/{ticket.id}', key=self.agent_key).status_code, 200,
                         "the key's user now belongs to that company: the same id answers")

    def test_rate_limit(self):
        self.env['ir.config_parameter'].sudo().set_param('helpdesk_lite.api_rate_limit_per_key', 3)
        # all requests in the same one-minute window, 50 s before its end
        clock = patch.object(rate_module, 'time', Mock(time=Mock(return_value=1_800_000_010)))
        self.startPatcher(clock)
        answers = [self.api('GET', 'me', key=self.agent_key) for _i in range(4)]
        self.assertEqual([r.status_code for r in answers], [200, 200, 200, 429])
        self.assertEqual([r.headers['X-RateLimit-Remaining'] for r in answers], ['2', '1', '0', '0'])
        self.assertProblem(answers[3], 429)
        self.assertEqual(answers[3].headers['Retry-After'], '50')
        # the counter is in the database, shared by every worker; other keys have their own
        self.assertEqual(self.api('GET', 'me', key=self.agent2_key).status_code, 200)
        self.assertEqual(max(self.env['helpdesk.lite.api.rate'].sudo().search([]).mapped('hits')), 4)
        self.env['ir.config_parameter'].sudo().set_param('helpdesk_lite.api_rate_limit_per_ip', 1)
        public = [self.api('GET', f'{PUBLIC}/tickets/1?token=x') for _i in range(2)]
        self.assertEqual([r.status_code for r in public], [404, 429])
