from odoo.tests import tagged

from .api_common import ApiCase


@tagged('post_install', '-at_install')
class TestApiComments(ApiCase):

    def test_comments(self):
        customer = self.env['res.partner'].create({'name': 'Carl Customer', 'email': 'carl@example.com'})
        ticket = self._ticket(partner_id=customer.id)
        response = self.api('POST', f'tickets/{ticket.id}/comments', {'body': "I'll look into this <now>."},
                            key=self.agent_key)
        self.assertEqual(response.status_code, 201, response.text)
        reply = response.json()
        self.assertEqual({k: reply[k] for k in ('ticket_id', 'body', 'author_type', 'author_name', 'is_internal')}, {
            'ticket_id': ticket.id, 'body': "I'll look into this <now>.", 'author_type': 'agent',
            'author_name': 'Ada Agent', 'is_internal': False})
        self.assertEqual(ticket.last_reply_by, 'agent', 'a public reply counts as the agent answering')
        self.assertTrue(ticket.first_response_date)
        note = self.api('POST', f'tickets/{ticket.id}/comments', {'body': 'Internal', 'is_internal': True},
                        key=self.agent_key).json()
        self.assertTrue(note['is_internal'])
        ticket.message_post(body='Customer answer', author_id=customer.id, message_type='comment',
                            subtype_xmlid='mail.mt_comment')
        listed = self.api('GET', f'tickets/{ticket.id}/comments', key=self.agent_key).json()
        self.assertEqual([(c['body'], c['author_type']) for c in listed['comments']],
                         [("I'll look into this <now>.", 'agent'), ('Internal', 'agent'), ('Customer answer', 'customer')])
        self.assertEqual(listed['pagination']['total'], 3)

        # edit and delete: one's own comments only
        response = self.api('PATCH', f'tickets/{ticket.id}/comments/{note["id"]}', {'body': 'Edited'}, key=self.agent_key)
        self.assertEqual(response.json()['body'], 'Edited')
        self.assertProblem(self.api('PATCH', f'tickets/{ticket.id}/comments/{note["id"]}', {'body': 'Mine now'},
                                    key=self.agent2_key), 403)
        self.assertProblem(self.api('DELETE', f'tickets/{ticket.id}/comments/{note["id"]}', key=self.agent2_key), 403)
        self.assertEqual(self.api('DELETE', f'tickets/{ticket.id}/comments/{note["id"]}', key=self.agent_key).status_code, 204)
        listed = self.api('GET', f'tickets/{ticket.id}/comments', key=self.agent_key).json()
        self.assertNotIn(note['id'], [c['id'] for c in listed['comments']])
        # a comment of another ticket through this ticket's URL: not found
        other = self._ticket(name='Other')
        self.assertProblem(self.api('PATCH', f'tickets/{other.id}/comments/{reply["id"]}', {'body': 'x'},
                                    key=self.agent_key), 404)

    def test_comment_validation(self):
        ticket = self._ticket()
        for body, field in (({}, 'body'), ({'body': ''}, 'body'), ({'body': 3}, 'body'),
                            ({'body': 'x', 'is_internal': 'yes'}, 'is_internal'), ({'body': 'x', 'to': 'y'}, 'to')):
            with self.subTest(body=body):
                self.assertProblem(self.api('POST', f'tickets/{ticket.id}/comments', body, key=self.agent_key),
                                   400, field=field)
        self.assertFalse(ticket.message_ids.filtered(lambda m: m.message_type == 'comment'))

    def test_portal_key_sees_no_internal_note(self):
        ticket = self._ticket(partner_id=self.portal.partner_id.id)
        ticket.message_post(body='Secret', message_type='comment', subtype_xmlid='mail.mt_note')
        ticket.message_post(body='Public', message_type='comment', subtype_xmlid='mail.mt_comment')
        listed = self.api('GET', f'tickets/{ticket.id}/comments', key=self.portal_key).json()
        self.assertEqual([c['body'] for c in listed['comments']], ['Public'])
        self.assertProblem(self.api('POST', f'tickets/{ticket.id}/comments', {'body': 'x', 'is_internal': True},
                                    key=self.portal_key), 403)


@tagged('post_install', '-at_install')
class TestApiConfig(ApiCase):

    def test_categories_crud(self):
        for prefix in ('categories', 'tickets/categories'):
            with self.subTest(prefix=prefix):
                response = self.api('POST', prefix, {'name': f'Billing {prefix}', 'description': 'Payments',
                                                     'color': 3, 'parent_id': self.category.id}, key=self.manager_key)
                self.assertEqual(response.status_code, 201, response.text)
                data = response.json()
                category = self.env['helpdesk.lite.category'].browse(data['id'])
                self.assertRecordValues(category, [{'color': 3, 'parent_id': self.category.id, 'description': 'Payments'}])
                self.assertIn(data['id'], [c['id'] for c in self.api('GET', prefix, key=self.agent_key).json()['categories']])
                response = self.api('PUT', f'{prefix}/{category.id}', {'name': 'Renamed', 'active': False}, key=self.manager_key)
                self.assertEqual(response.json()['name'], 'Renamed')
                self.assertFalse(category.active)
                self.assertEqual(self.api('DELETE', f'{prefix}/{category.id}', key=self.manager_key).status_code, 204)
                self.assertFalse(category.exists())
        # agents read, managers write
        self.assertProblem(self.api('POST', 'categories', {'name': 'Nope'}, key=self.agent_key), 403)
        self.assertProblem(self.api('DELETE', f'categories/{self.category.id}', key=self.agent_key), 403)
        self.assertProblem(self.api('POST', 'categories', {'name': 'x', 'color': '#3B82F6'}, key=self.manager_key),
                           400, field='color')
        self.assertProblem(self.api('POST', 'categories', {'name': 'x', 'parent_id': 99999999}, key=self.manager_key), 422)
        self.assertProblem(self.api('GET', 'categories/99999999', key=self.agent_key), 404)

    def test_sla_policies_crud(self):
        body = {
            'name': 'Enterprise SLA', 'first_response_hours': 4, 'resolution_hours': 24,
            'priority_overrides': {'urgent': {'first_response_hours': 1, 'resolution_hours': 4},
                                   'high': {'first_response_hours': 2, 'resolution_hours': 8}},
            'business_hours_only': True, 'is_default': False,
        }
        response = self.api('POST', 'tickets/sla-policies', body, key=self.manager_key)
        self.assertEqual(response.status_code, 201, response.text)
        data = response.json()
        for key, value in body.items():
            self.assertEqual(data[key], value, key)
        policy = self.env['helpdesk.lite.sla.policy'].browse(data['id'])
        self.assertEqual(policy._get_targets('3'), (1.0, 4.0))
        self.assertTrue(policy.calendar_id, 'business hours default to the company calendar')
        response = self.api('PATCH', f'sla-policies/{policy.id}', {'priority_overrides': {'low': {'resolution_hours': 72}}},
                            key=self.manager_key)
        self.assertEqual(response.json()['priority_overrides'], {'low': {'first_response_hours': 0.0, 'resolution_hours': 72.0}})
        self.assertIn(policy.id, [p['id'] for p in self.api('GET', 'sla-policies', key=self.agent_key).json()['sla_policies']])
        for bad, field in (({'priority_overrides': {'critical': {}}}, 'priority_overrides.critical'),
                           ({'priority_overrides': {'high': {'resolution_hours': -1}}}, 'priority_overrides.high.resolution_hours'),
                           ({'priority_overrides': []}, 'priority_overrides'),
                           ({'first_response_hours': '4h'}, 'first_response_hours'),
                           ({'is_default': 'no'}, 'is_default')):
            with self.subTest(body=bad):
                self.assertProblem(self.api('PATCH', f'sla-policies/{policy.id}', bad, key=self.manager_key), 400, field=field)
        self.assertProblem(self.api('PATCH', f'sla-policies/{policy.id}', {'name': 'x'}, key=self.agent_key), 403)
        self.assertEqual(self.api('DELETE', f'sla-policies/{policy.id}', key=self.manager_key).status_code, 204)
        self.assertFalse(policy.exists())


@tagged('post_install', '-at_install')
class TestApiAnalytics(ApiCase):

    def test_analytics(self):
        team = self.env['helpdesk.lite.team'].create({'name': 'Analytics Team'})
        tickets = self.Ticket.create([{'name': f'A{i}', 'team_id': team.id, 'priority': '3' if i < 2 else '1',
                                       'user_id': self.agent.id} for i in range(5)])
        tickets[:2].action_resolve()
        query = f'?team_id={team.id}'
        overview = self.api('GET', f'analytics/overview{query}', key=self.manager_key).json()
        # Resolve moves to the Resolved stage (resolved, not closed yet)
        self.assertEqual((overview['tickets'], overview['open'], overview['by_status']['resolved']), (5, 3, 2))
        volume = self.api('GET', f'tickets/analytics/volume{query}&interval=month', key=self.manager_key).json()
        self.assertEqual(sum(point['created'] for point in volume['series']), 5)
        self.assertEqual(sum(point['closed'] for point in volume['series']), 2)
        distribution = self.api('GET', f'analytics/distribution{query}&group_by=priority', key=self.manager_key).json()
        self.assertEqual({item['key']: item['count'] for item in distribution['items']}, {'urgent': 2, 'medium': 3})
        agents = self.api('GET', f'analytics/agents{query}', key=self.manager_key).json()['agents']
        self.assertEqual([(a['assignee_id'], a['tickets'], a['closed']) for a in agents], [(self.agent.id, 5, 2)])
        for name in ('sla/detailed', 'csat', 'peak-hours'):
            with self.subTest(name=name):
                self.assertEqual(self.api('GET', f'analytics/{name}{query}', key=self.manager_key).status_code, 200)
        peak = self.api('GET', f'analytics/peak-hours{query}', key=self.manager_key).json()
        self.assertEqual(sum(cell['count'] for cell in peak['cells']), 5)
        self.assertProblem(self.api('GET', 'analytics/volume?interval=hourly', key=self.manager_key), 400, field='interval')
        self.assertProblem(self.api('GET', 'analytics/distribution?group_by=name', key=self.manager_key), 400, field='group_by')
        self.assertProblem(self.api('GET', 'analytics/overview', key=self.portal_key), 403)
        self.assertProblem(self.api('GET', 'analytics/overview', key=self.agent_key), 403)

    def test_export_csv(self):
        team = self.env['helpdesk.lite.team'].create({'name': 'Export Team'})
        tickets = self.Ticket.create([{'name': f'Export {i}', 'team_id': team.id} for i in range(3)])
        response = self.api('GET', f'analytics/export?team_id={team.id}&bom=0', key=self.manager_key)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers['Content-Type'].startswith('text/csv'))
        lines = response.text.strip().splitlines()
        self.assertTrue(lines[0].startswith('id,number,name'))
        self.assertEqual(sorted(int(line.split(',')[0]) for line in lines[1:]), sorted(tickets.ids))
        self.assertProblem(self.api('GET', 'analytics/export', key=self.agent_key), 403)


@tagged('post_install', '-at_install')
class TestApiCanned(ApiCase):

    def test_canned_responses(self):
        response = self.api('POST', 'tickets/canned-responses', {
            'title': 'Thanks', 'shortcut': 'thanks', 'content': 'Thank you for contacting us...'}, key=self.agent_key)
        self.assertEqual(response.status_code, 201, response.text)
        data = response.json()
        canned = self.env['mail.canned.response'].browse(data['id'])
        self.assertRecordValues(canned, [{'source': 'thanks', 'substitution': 'Thank you for contacting us...',
                                          'create_uid': self.agent.id}])
        self.assertEqual([c['id'] for c in self.api('GET', 'canned-responses?q=thanks', key=self.agent_key)
                          .json()['canned_responses'] if c['id'] == canned.id], canned.ids)
        used = self.api('POST', f'canned-responses/{canned.id}/use', key=self.agent_key).json()
        self.assertTrue(used['last_used'])
        self.assertEqual(self.api('PATCH', f'canned-responses/{canned.id}', {'content': 'New'}, key=self.agent_key)
                         .json()['content'], 'New')
        # another agent's private response is invisible: missing and not shared answer alike
        self.assertProblem(self.api('GET', f'canned-responses/{canned.id}', key=self.agent2_key), 404)
        self.assertProblem(self.api('PATCH', f'canned-responses/{canned.id}', {'content': 'x'}, key=self.agent2_key), 404)
        self.assertProblem(self.api('POST', f'canned-responses/{canned.id}/use', key=self.agent2_key), 404)
        # shared with a group of the other agent: readable, still not theirs to change
        self.api('PATCH', f'canned-responses/{canned.id}', {'group_ids': [self.env.ref('base.group_user').id]},
                 key=self.agent_key)
        self.assertEqual(self.api('GET', f'canned-responses/{canned.id}', key=self.agent2_key).status_code, 200)
        self.assertProblem(self.api('DELETE', f'canned-responses/{canned.id}', key=self.agent2_key), 403)
        for body, field in (({'shortcut': 'a b', 'content': 'x'}, 'shortcut'), ({'shortcut': 'ok'}, 'content'),
                            ({'shortcut': 'ok', 'content': 'x', 'group_ids': [True]}, 'group_ids')):
            with self.subTest(body=body):
                self.assertProblem(self.api('POST', 'canned-responses', body, key=self.agent_key), 400, field=field)
        self.assertEqual(self.api('DELETE', f'canned-responses/{canned.id}', key=self.agent_key).status_code, 204)
        self.assertFalse(canned.exists())
        self.assertProblem(self.api('GET', 'canned-responses', key=self.portal_key), 403)

    def test_canned_category_usage_and_variables(self):
        customer = self.env['res.partner'].create({'name': 'Carl <Customer>'})
        ticket = self._ticket(partner_id=customer.id)
        created = self.api('POST', 'canned-responses', {
            'shortcut': 'hdl_hello', 'content': 'Hi {{customer_name}}, about {{ticket_number}} {{order_ref}}',
            'category_id': self.category.id}, key=self.agent_key)
        self.assertEqual(created.status_code, 201, created.text)
        data = created.json()
        canned = self.env['mail.canned.response'].browse(data['id'])
        self.assertEqual((data['category_id'], data['usage_count']), (self.category.id, 0))
        self.assertEqual(canned.helpdesk_lite_category_id, self.category)
        used = self.api('POST', f'canned-responses/{canned.id}/use', key=self.agent_key).json()
        self.assertEqual(used['usage_count'], 1)
        self.assertNotIn('unknown_variables', used)
        filled = self.api('POST', f'canned-responses/{canned.id}/use', {'ticket_id': ticket.id}, key=self.agent_key)
        self.assertEqual(filled.status_code, 200, filled.text)
        filled = filled.json()
        self.assertEqual(filled['content'], f'Hi Carl <Customer>, about {ticket.number} {{{{order_ref}}}}')
        self.assertEqual((filled['unknown_variables'], filled['usage_count']), (['order_ref'], 2))
        self.assertEqual(canned.helpdesk_lite_use_count, 2)
        self.assertEqual(canned.substitution, 'Hi {{customer_name}}, about {{ticket_number}} {{order_ref}}',
                         'the stored response is not changed by filling it')
        # a ticket the agent cannot read: the same answer as one that does not exist, nothing counted
        other_company = self.env['res.company'].create({'name': 'Other Co'})
        hidden = self._ticket(team_id=self.env['helpdesk.lite.team'].create(
            {'name': 'Other team', 'company_id': other_company.id}).id)
        for ticket_id in (hidden.id, 99999999):
            with self.subTest(ticket_id=ticket_id):
                self.assertProblem(self.api('POST', f'canned-responses/{canned.id}/use', {'ticket_id': ticket_id},
                                            key=self.agent_key), 422, detail='does not name an existing record')
        self.assertProblem(self.api('POST', f'canned-responses/{canned.id}/use', {'ticket_id': 'x'},
                                    key=self.agent_key), 400, field='ticket_id')
        self.assertEqual(canned.helpdesk_lite_use_count, 2)
        # category: cleared with null, wrong type 400, unknown id 422
        self.assertIsNone(self.api('PATCH', f'canned-responses/{canned.id}', {'category_id': None},
                                   key=self.agent_key).json()['category_id'])
        self.assertFalse(canned.helpdesk_lite_category_id)
        self.assertProblem(self.api('PATCH', f'canned-responses/{canned.id}', {'category_id': 'billing'},
                                    key=self.agent_key), 400, field='category_id')
        self.assertProblem(self.api('PATCH', f'canned-responses/{canned.id}', {'category_id': 99999999},
                                    key=self.agent_key), 422, detail='does not name an existing record')


@tagged('post_install', '-at_install')
class TestApiWebhooks(ApiCase):

    BODY = {'url': 'https://hooks.example.com/helpdesk', 'events': ['ticket.created', 'ticket.resolved'],
            'name': 'CRM sync'}

    def test_subscription_lifecycle(self):
        created = self.api('POST', 'webhooks', self.BODY, key=self.manager_key, headers={'Idempotency-Key': 'wh-1'})
        self.assertEqual(created.status_code, 201, created.text)
        data = created.json()
        webhook = self.env['helpdesk.lite.webhook'].browse(data['id'])
        self.assertEqual(data['secret'], webhook.sudo().secret)
        self.assertTrue(data['secret'])
        self.assertEqual((data['url'], data['events'], data['status']),
                         (self.BODY['url'], ['ticket.created', 'ticket.resolved'], 'active'))
        replay = self.api('POST', 'webhooks', self.BODY, key=self.manager_key, headers={'Idempotency-Key': 'wh-1'})
        self.assertEqual((replay.status_code, replay.json()['id']), (201, webhook.id))
        self.assertEqual(self.env['helpdesk.lite.webhook'].search_count([('url', '=', self.BODY['url'])]), 1)
        # the secret is never given out again
        listed = self.api('GET', 'webhooks', key=self.manager_key).json()['webhooks']
        self.assertIn(webhook.id, [w['id'] for w in listed])
        self.assertNotIn('secret', next(w for w in listed if w['id'] == webhook.id))
        fetched = self.api('GET', f'webhooks/{webhook.id}', key=self.manager_key).json()
        self.assertEqual((fetched['name'], fetched['events']), ('CRM sync', data['events']))
        self.assertNotIn('secret', fetched)
        self.assertEqual(self.api('DELETE', f'webhooks/{webhook.id}', key=self.manager_key).status_code, 204)
        self.assertFalse(webhook.exists())
        self.assertProblem(self.api('GET', f'webhooks/{webhook.id}', key=self.manager_key), 404)

    def test_agents_and_other_companies(self):
        webhook = self.env['helpdesk.lite.webhook'].create({
            'name': 'Mine', 'url': 'https://hooks.example.com/a',
            'event_ids': [(6, 0, self.env.ref('helpdesk_lite.webhook_event_ticket_created').ids)]})
        for method, path, body in (('GET', 'webhooks', None), ('POST', 'webhooks', self.BODY),
                                   ('GET', f'webhooks/{webhook.id}', None), ('DELETE', f'webhooks/{webhook.id}', None)):
            with self.subTest(method=method, path=path):
                self.assertProblem(self.api(method, path, body, key=self.agent_key), 403)
        self.assertTrue(webhook.exists())
        other_company = self.env['res.company'].create({'name': 'Other Co'})
        foreign = webhook.copy({'company_id': other_company.id, 'name': 'Theirs'})
        self.assertNotIn(foreign.id, [w['id'] for w in self.api('GET', 'webhooks', key=self.manager_key).json()['webhooks']])
        for method in ('GET', 'DELETE'):
            with self.subTest(method=method):
                self.assertProblem(self.api(method, f'webhooks/{foreign.id}', key=self.manager_key), 404)
        self.assertTrue(foreign.exists())
        team = self.env['helpdesk.lite.team'].create({'name': 'Their team', 'company_id': other_company.id})
        self.assertProblem(self.api('POST', 'webhooks', dict(self.BODY, team_ids=[team.id]), key=self.manager_key),
                           422, detail='does not name an existing record')

    def test_bad_payloads(self):
        self.env['ir.config_parameter'].sudo().set_param('helpdesk_lite.webhook_allowed_networks', False)
        count = self.env['helpdesk.lite.webhook'].search_count([])
        for body, field in (({'url': 5, 'events': ['ticket.created']}, 'url'), ({'url': 'https://a.example.com'}, 'events'),
                            (dict(self.BODY, events='ticket.created'), 'events'),
                            (dict(self.BODY, team_ids=['1']), 'team_ids'),
                            (dict(self.BODY, include_internal_notes='yes'), 'include_internal_notes'),
                            (dict(self.BODY, secret='mine'), 'secret')):
            with self.subTest(body=body):
                self.assertProblem(self.api('POST', 'webhooks', body, key=self.manager_key), 400, field=field)
        for url in ('https://127.0.0.1/hook', 'https://10.0.0.5/hook', 'http://localhost:8069/hook'):
            with self.subTest(url=url):
                self.assertProblem(self.api('POST', 'webhooks', dict(self.BODY, url=url), key=self.manager_key),
                                   422, detail='loopback, private or link-local')
        self.assertProblem(self.api('POST', 'webhooks', dict(self.BODY, events=['ticket.exploded']),
                                    key=self.manager_key), 422, detail='ticket.exploded')
        self.assertEqual(self.env['helpdesk.lite.webhook'].search_count([]), count, 'nothing was created')
