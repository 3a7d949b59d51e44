from odoo.tests import tagged
from odoo.tools import mute_logger

from .api_common import V1, ApiCase


@tagged('post_install', '-at_install')
class TestApiTickets(ApiCase):

    def test_create_get_update(self):
        response = self.api('POST', 'tickets', {
            'subject': 'Cannot access my account', 'description': 'Error <b>on</b> login\nline two',
            'requester_email': 'John.Doe@Example.com', 'requester_name': 'John Doe', 'priority': 'high',
            'category_id': self.category.id}, key=self.agent_key)
        self.assertEqual(response.status_code, 201, response.text)
        data = response.json()
        ticket = self.Ticket.browse(data['id'])
        self.assertEqual(response.headers['Location'], f'{V1}/tickets/{ticket.id}')
        self.assertRecordValues(ticket, [{
            'name': 'Cannot access my account', 'priority': '2', 'channel': 'api', 'category_id': self.category.id,
            'partner_email': 'john.doe@example.com', 'partner_name': 'John Doe', 'create_uid': self.agent.id}])
        self.assertIn('&lt;b&gt;on&lt;/b&gt;', ticket.description, 'text is never interpreted as HTML')
        self.assertEqual((data['ticket_number'], data['priority'], data['status']), (ticket.number, 'high', 'new'))
        self.assertTrue(data['created_at'].endswith('Z'))

        response = self.api('GET', f'tickets/{ticket.id}', key=self.agent_key)
        self.assertEqual(response.json()['description'], 'Error <b>on</b> login\nline two')
        response = self.api('PATCH', f'tickets/{ticket.id}', {
            'priority': 'urgent', 'assignee_id': self.agent2.id, 'status': 'pending'}, key=self.agent_key)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertRecordValues(ticket, [{'priority': '3', 'user_id': self.agent2.id, 'lifecycle': 'pending'}])
        response = self.api('PUT', f'tickets/{ticket.id}', {'assignee_id': None}, key=self.agent_key)
        self.assertFalse(ticket.user_id)
        self.assertIsNone(response.json()['assignee_id'])

    def test_actions(self):
        ticket = self._ticket()
        other = self._ticket(name='Duplicate')
        for action, body, expected in (('assign', {'assignee_id': self.agent2.id}, {'user_id': self.agent2.id}),
                                       ('unassign', None, {'user_id': False}),
                                       ('assign', None, {'user_id': self.agent.id}),
                                       ('resolve', None, {'is_closed': True}),
                                       ('reopen', None, {'is_closed': False}),
                                       ('close', None, {'lifecycle': 'closed'})):
            with self.subTest(action=action):
                response = self.api('POST', f'tickets/{ticket.id}/{action}', body, key=self.agent_key)
                self.assertEqual(response.status_code, 200, response.text)
                self.assertRecordValues(ticket, [expected])
        # a transition that is not possible: 409, nothing changes
        self.assertProblem(self.api('POST', f'tickets/{ticket.id}/close', key=self.agent_key), 409, detail='Already closed')
        self.api('POST', f'tickets/{ticket.id}/reopen', key=self.agent_key)
        response = self.api('POST', f'tickets/{ticket.id}/merge', {'ticket_ids': [other.id]}, key=self.agent_key)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(other.merged_into_id, ticket)
        self.assertProblem(self.api('POST', f'tickets/{ticket.id}/merge', {'ticket_ids': [99999999]}, key=self.agent_key),
                           422, detail='ticket_ids')
        self.assertProblem(self.api('POST', f'tickets/{ticket.id}/merge', {'ticket_ids': ['x']}, key=self.agent_key),
                           400, field='ticket_ids')
        self.assertProblem(self.api('POST', f'tickets/{ticket.id}/assign', {'assignee_id': self.portal.id},
                                    key=self.agent_key), 422, detail='internal users')

    def test_delete(self):
        ticket = self._ticket()
        self.assertEqual(self.api('DELETE', f'tickets/{ticket.id}', key=self.agent_key).status_code, 204)
        self.assertFalse(ticket.active)
        # agents cannot delete for good; managers can
        self.assertProblem(self.api('DELETE', f'tickets/{ticket.id}?hard=true', key=self.agent_key), 403)
        self.assertEqual(self.api('DELETE', f'tickets/{ticket.id}?hard=true', key=self.manager_key).status_code, 204)
        self.assertFalse(ticket.exists())

    def test_list_filters_paging_sort(self):
        team = self.env['helpdesk.lite.team'].create({'name': 'API Team'})
        tickets = self.Ticket.create([
            {'name': f'Filter me {i}', 'team_id': team.id, 'priority': str(i % 4), 'user_id': self.agent.id if i % 2 else False}
            for i in range(7)])
        base = f'tickets?team_id={team.id}'
        response = self.api('GET', f'{base}&limit=3&page=2&sort=id', key=self.agent_key)
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()
        self.assertEqual(data['pagination'], {'page': 2, 'limit': 3, 'total': 7, 'totalPages': 3, 'has_more': True})
        self.assertEqual([t['id'] for t in data['tickets']], tickets.sorted('id')[3:6].ids)
        cases = {
            'priority=high,urgent': tickets.filtered(lambda t: t.priority in ('2', '3')),
            'assignee_id=me': tickets.filtered('user_id'),
            'assignee_id=none': tickets.filtered(lambda t: not t.user_id),
            'status=new': tickets,
            'status=closed': self.Ticket,
            'q=me 3': tickets.filtered(lambda t: t.name == 'Filter me 3'),
            f'q={tickets[0].number}': tickets[0],
            'updated_since=2000-01-01T00:00:00Z': tickets,
            'created_to=2000-01-01': self.Ticket,
        }
        for query, expected in cases.items():
            with self.subTest(query=query):
                response = self.api('GET', f'{base}&{query}&limit=100', key=self.agent_key)
                self.assertEqual(response.status_code, 200, response.text)
                self.assertEqual(sorted(t['id'] for t in response.json()['tickets']), sorted(expected.ids))
        response = self.api('GET', f'{base}&sort=-priority,id&include_total=false', key=self.agent_key)
        data = response.json()
        self.assertEqual([t['id'] for t in data['tickets']], tickets.sorted(lambda t: (-int(t.priority), t.id)).ids)
        self.assertNotIn('total', data['pagination'])

    def test_list_queries_do_not_grow(self):
        team = self.env['helpdesk.lite.team'].create({'name': 'Count Team'})
        tags = self.env['helpdesk.lite.tag'].create([{'name': 'api-a'}, {'name': 'api-b'}])
        users = self.agent | self.agent2 | self.manager

        def make(count):
            self.Ticket.create([{'name': f'Count {i}', 'team_id': team.id, 'user_id': users[i % 3].id,
                                 'category_id': self.category.id, 'tag_ids': [(6, 0, tags.ids)]} for i in range(count)])
            self.env.flush_all()

        Ticket = self.Ticket.with_user(self.agent)
        params = {'team_id': str(team.id), 'limit': '20', 'status': 'new,open'}
        make(5)
        Ticket._api_list(params)  # warm the caches (ACLs, record rules)
        queries = self._count_queries(lambda: Ticket._api_list(params))
        make(40)
        self.assertEqual(len(Ticket._api_list(params)['tickets']), 20)
        self.assertEqual(self._count_queries(lambda: Ticket._api_list(params)), queries)

    def _count_queries(self, func):
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        func()
        return self.env.cr.sql_log_count - start

    @mute_logger('odoo.http')
    def test_bad_input_is_400_or_422_and_creates_nothing(self):
        count = self.Ticket.search_count([])
        cases = [
            ('{not json', 400, 'body'),
            ('[1, 2]', 400, 'body'),
            ('', 400, 'body'),
            ({'description': 'no subject'}, 400, 'subject'),
            ({'subject': '   '}, 400, 'subject'),
            ({'subject': 'x' * 300}, 400, 'subject'),
            ({'subject': 42}, 400, 'subject'),
            ({'subject': 'ok', 'requester_email': 'not-an-email'}, 400, 'requester_email'),
            ({'subject': 'ok', 'requester_email': ['a@b.c']}, 400, 'requester_email'),
            ({'subject': 'ok', 'priority': 'critical'}, 400, 'priority'),
            ({'subject': 'ok', 'team_id': 'abc'}, 400, 'team_id'),
            ({'subject': 'ok', 'team_id': True}, 400, 'team_id'),
            ({'subject': 'ok', 'tag_ids': 'x'}, 400, 'tag_ids'),
            ({'subject': 'ok', 'colour': 'red'}, 400, 'colour'),
            ({'subject': 'ok', 'category_id': 999999}, 422, None),
            ({'subject': 'ok', 'assignee_id': 999999}, 422, None),
        ]
        for body, status, field in cases:
            with self.subTest(body=body):
                raw = body if isinstance(body, str) else None
                response = self.api('POST', 'tickets', None if raw is not None else body, raw=raw, key=self.agent_key)
                self.assertProblem(response, status, field=field)
        self.assertEqual(self.Ticket.search_count([]), count)
        for query, field in (('status=done', 'status'), ('priority=1', 'priority'), ('limit=500', 'limit'),
                             ('page=0', 'page'), ('page=x', 'page'), ('sort=name', 'sort'), ('team_id=a', 'team_id'),
                             ('updated_since=yesterday', 'updated_since'), ('assignee_id=someone', 'assignee_id')):
            with self.subTest(query=query):
                self.assertProblem(self.api('GET', f'tickets?{query}', key=self.agent_key), 400, field=field)

    def test_request_checks_before_parsing(self):
        self.assertProblem(self.api('POST', 'tickets', raw='subject=x', content_type='application/x-www-form-urlencoded',
                                    key=self.agent_key), 415)
        self.assertProblem(self.api('POST', 'tickets', raw='x' * (1024 * 1024 + 10), key=self.agent_key), 413)
        self.assertProblem(self.api('GET', 'no/such/route', key=self.agent_key), 404)
        self.assertProblem(self.api('GET', 'tickets/99999999999', key=self.agent_key), 404)
        ticket = self._ticket()
        self.assertProblem(self.api('DELETE', f'tickets/{ticket.id}/comments/99999999999', key=self.agent_key), 404)

    def test_legacy_routes(self):
        response = self.api('POST', '/helpdesk_lite/api/tickets', {'subject': 'Old client'}, key=self.agent_key)
        self.assertEqual(response.status_code, 201, response.text)
        ticket_id = response.json()['ticket']['id']
        response = self.api('GET', f'/helpdesk_lite/api/tickets/{ticket_id}', key=self.agent_key)
        self.assertEqual(response.json()['ticket']['subject'], 'Old client')

    def test_idempotency_key(self):
        headers = {'Idempotency-Key': 'create-42'}
        body = {'subject': 'Only once'}
        first = self.api('POST', 'tickets', body, key=self.agent_key, headers=headers)
        self.assertEqual(first.status_code, 201, first.text)
        replay = self.api('POST', 'tickets', body, key=self.agent_key, headers=headers)
        self.assertEqual((replay.status_code, replay.json()), (201, first.json()))
        self.assertEqual(replay.headers.get('Idempotent-Replayed'), 'true')
        self.assertEqual(self.Ticket.search_count([('name', '=', 'Only once')]), 1)
        self.assertProblem(self.api('POST', 'tickets', {'subject': 'Other body'}, key=self.agent_key, headers=headers), 422)
        # keys are per user: another agent's same key is a new request
        other = self.api('POST', 'tickets', body, key=self.agent2_key, headers=headers)
        self.assertEqual(other.status_code, 201)
        self.assertNotEqual(other.json()['id'], first.json()['id'])
        # a failed request leaves no key behind: the corrected retry goes through
        headers = {'Idempotency-Key': 'create-43'}
        self.assertProblem(self.api('POST', 'tickets', {'subject': 7}, key=self.agent_key, headers=headers), 400)
        self.assertEqual(self.api('POST', 'tickets', body, key=self.agent_key, headers=headers).status_code, 201)
        self.assertProblem(self.api('POST', 'tickets', body, key=self.agent_key, headers={'Idempotency-Key': 'k' * 300}),
                           400, field='Idempotency-Key')
