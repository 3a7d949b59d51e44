import json

from markupsafe import Markup

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import HelpdeskLiteCommon

ISO_RE = r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'


class WebhookCommon(HelpdeskLiteCommon):
    """A subscription to every ticket event; ``_committed()`` runs what a commit runs (the precommit
    hooks, which fill the outbox) and returns the deliveries queued since the last call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['ir.config_parameter'].set_param('helpdesk_lite.webhook_allowed_networks', '127.0.0.1/32')
        cls.Webhook = cls.env['helpdesk.lite.webhook']
        cls.Delivery = cls.env['helpdesk.lite.webhook.delivery']
        cls.ticket_events = cls.env['helpdesk.lite.webhook.event'].search([('builtin', '=', True)])
        cls.webhook = cls.Webhook.create({
            'name': 'All ticket events', 'url': 'http://127.0.0.1:9/hook', 'event_ids': [Command.set(cls.ticket_events.ids)],
        })
        cls.stage_resolved = cls.env['helpdesk.lite.stage'].create({
            'name': 'Solved', 'lifecycle': 'resolved', 'sequence': 25})

    def setUp(self):
        super().setUp()
        self.env.cr.flush()
        self._last_id = max(self.Delivery.search([]).ids or [0])

    def _committed(self, every_webhook=False):
        self.env.cr.flush()
        deliveries = self.Delivery.search([('id', '>', self._last_id)], order='id')
        if deliveries:
            self._last_id = deliveries[-1].id
        return deliveries if every_webhook else deliveries.filtered(lambda d: d.webhook_id == self.webhook)

    def _bodies(self, deliveries):
        return [json.loads(delivery.payload) for delivery in deliveries]


@tagged('post_install', '-at_install')
class TestWebhookEvents(WebhookCommon):

    def test_created_payload(self):
        ticket = self._create_ticket(name='Printer on fire', priority='2', partner_name='Carl Customer',
                                     partner_email='carl@example.com')
        body, = self._bodies(self._committed())
        self.assertEqual(set(body), {'event', 'timestamp', 'data'})
        self.assertEqual(body['event'], 'ticket.created')
        self.assertRegex(body['timestamp'], ISO_RE)
        self.assertEqual(body['data'], {
            'ticket_id': ticket.id, 'ticket_number': ticket.number, 'subject': 'Printer on fire',
            'priority': 'high', 'status': 'new', 'team_id': self.team.id, 'category_id': None, 'assignee_id': None,
            'channel': 'backend', 'requester_name': 'Carl Customer', 'requester_email': 'carl@example.com',
            'created_at': ticket.create_date.strftime('%Y-%m-%dT%H:%M:%SZ'),
        })

    def test_created_with_assignee_also_assigned(self):
        ticket = self._create_ticket(user_id=self.agent.id)
        created, assigned = self._bodies(self._committed())
        self.assertEqual(created['event'], 'ticket.created')
        self.assertEqual(assigned['event'], 'ticket.assigned')
        self.assertEqual(assigned['data'], {
            'ticket_id': ticket.id, 'ticket_number': ticket.number, 'subject': ticket.name, 'priority': 'medium',
            'status': 'new', 'assignee_id': self.agent.id, 'assignee_name': 'Agnes Agent', 'previous_assignee_id': None})

    def test_updated_assigned_resolved_closed(self):
        ticket = self._create_ticket()
        self._committed()
        # several writes in one transaction: one ticket.updated listing every changed field
        ticket.write({'priority': '3'})
        ticket.write({'user_id': self.agent.id, 'name': 'Printer on fire (2nd floor)'})
        ticket.write({'stage_id': self.stage_resolved.id})
        bodies = {body['event']: body for body in self._bodies(self._committed())}
        self.assertEqual(sorted(bodies), ['ticket.assigned', 'ticket.resolved', 'ticket.updated'])
        common = {'ticket_id': ticket.id, 'ticket_number': ticket.number, 'subject': 'Printer on fire (2nd floor)',
                  'priority': 'urgent', 'status': 'resolved'}
        self.assertEqual(bodies['ticket.updated']['data'], dict(
            common, changed_fields=['assignee_id', 'priority', 'stage', 'status', 'subject'],
            assignee_id=self.agent.id, team_id=self.team.id))
        self.assertEqual(bodies['ticket.assigned']['data'], dict(
            common, assignee_id=self.agent.id, assignee_name='Agnes Agent', previous_assignee_id=None))
        self.assertEqual(bodies['ticket.resolved']['data'], dict(
            common, resolved_at=ticket.closed_date.strftime('%Y-%m-%dT%H:%M:%SZ')))
        # reassignment names the previous assignee; closing is ticket.closed
        ticket.write({'user_id': self.agent2.id, 'stage_id': self.stage_done.id})
        bodies = {body['event']: body for body in self._bodies(self._committed())}
        self.assertEqual(sorted(bodies), ['ticket.assigned', 'ticket.closed', 'ticket.updated'])
        self.assertEqual(bodies['ticket.assigned']['data']['previous_assignee_id'], self.agent.id)
        self.assertEqual(bodies['ticket.closed']['data']['closed_at'],
                         ticket.closed_date.strftime('%Y-%m-%dT%H:%M:%SZ'))
        self.assertEqual(bodies['ticket.updated']['data']['changed_fields'], ['assignee_id', 'stage', 'status'])

    def test_no_event_for_undone_or_unwatched_changes(self):
        ticket = self._create_ticket()
        self._committed()
        ticket.write({'priority': '3'})
        ticket.write({'priority': '1'})   # back to what it was: nothing changed
        ticket.write({'color': 3})          # not a field events report
        self.assertFalse(self._committed())

    def test_rolled_back_savepoint_announces_nothing(self):
        ticket = self._create_ticket()
        self._committed()
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            ticket.write({'priority': '3'})
            self._create_ticket(name='Never existed')
            raise ZeroDivisionError
        self.assertFalse(self._committed())
        self.assertEqual(ticket.priority, '1')

    def test_comment_events(self):
        ticket = self._create_ticket()
        self._committed()
        reply = ticket.with_user(self.agent).message_post(
            body=Markup('<p>We are <b>on it</b></p>'), message_type='comment', subtype_xmlid='mail.mt_comment')
        ticket.with_user(self.agent).message_post(body='Internal: call the vendor', subtype_xmlid='mail.mt_note',
                                                  message_type='comment')
        body, = self._bodies(self._committed())   # internal notes need the subscription's opt-in
        self.assertEqual(body['event'], 'ticket.comment.added')
        self.assertEqual(body['data'], {
            'ticket_id': ticket.id, 'ticket_number': ticket.number, 'subject': ticket.name, 'priority': 'medium',
            'status': 'new', 'comment_id': reply.id, 'body': 'We are *on it*', 'author_type': 'agent',
            'author_name': 'Agnes Agent', 'is_internal': False,
            'created_at': reply.date.strftime('%Y-%m-%dT%H:%M:%SZ')})
        self.webhook.include_internal_notes = True
        note = ticket.with_user(self.agent).message_post(body='Internal again', subtype_xmlid='mail.mt_note',
                                                         message_type='comment')
        customer = ticket.with_user(self.portal_user)
        ticket.message_subscribe(partner_ids=self.customer.ids)
        customer.message_post(body='Any news?', message_type='comment', subtype_xmlid='mail.mt_comment')
        ticket.message_post(body='System note', subtype_xmlid='mail.mt_note')   # OdooBot: not a comment
        internal, public = self._bodies(self._committed())
        self.assertEqual((internal['data']['comment_id'], internal['data']['is_internal']), (note.id, True))
        self.assertEqual((public['data']['author_type'], public['data']['is_internal']), ('customer', False))

    def test_sla_breach_event(self):
        policy = self.env.ref('helpdesk_lite.sla_policy_default')
        ticket = self._create_ticket()
        self.assertEqual(ticket.sla_policy_id, policy)
        self._committed()
        # between the two deadlines, whatever the weekday: only the first response is breached
        later = ticket.sla_response_deadline + (ticket.sla_resolve_deadline - ticket.sla_response_deadline) / 2
        self.assertLess(ticket.sla_response_deadline, later)
        self.patch(type(self.Ticket), '_sla_now', lambda self: later)
        self.Ticket._cron_check_sla_overdue()
        bodies = [body for body in self._bodies(self._committed())
                  if body['event'] == 'ticket.sla.breached' and body['data']['ticket_id'] == ticket.id]
        self.assertEqual(len(bodies), 1)
        self.assertEqual(bodies[0]['data'], {
            'ticket_id': ticket.id, 'ticket_number': ticket.number, 'subject': ticket.name, 'priority': 'medium',
            'status': 'new', 'breach_type': 'first_response', 'sla_policy_id': policy.id,
            'deadline': ticket.sla_response_deadline.strftime('%Y-%m-%dT%H:%M:%SZ')})

    def test_subscription_filters(self):
        other_company = self.env['res.company'].create({'name': 'Other Co'})
        other_team = self.env['helpdesk.lite.team'].create({'name': 'Other team'})
        created = self.env.ref('helpdesk_lite.webhook_event_ticket_created')
        team_only = self.Webhook.create({'name': 'Team only', 'url': 'http://127.0.0.1:9/team',
                                         'event_ids': [Command.set(created.ids)], 'team_ids': [Command.set(self.team.ids)]})
        foreign = self.Webhook.create({'name': 'Other company', 'url': 'http://127.0.0.1:9/other',
                                       'event_ids': [Command.set(created.ids)], 'company_id': other_company.id})
        mine = self._create_ticket()
        other = self._create_ticket(team_id=other_team.id)
        deliveries = self._committed(every_webhook=True).filtered(lambda d: d.event == 'ticket.created')
        self.assertEqual(sorted(deliveries.filtered(lambda d: d.webhook_id == self.webhook).mapped('res_id')),
                         sorted([mine.id, other.id]))
        self.assertEqual(deliveries.filtered(lambda d: d.webhook_id == team_only).mapped('res_id'), [mine.id])
        # a ticket of another company is never sent to this company's subscriptions, nor the reverse
        self.assertFalse(deliveries.filtered(lambda d: d.webhook_id == foreign))
        # one event, one webhook-id, shared by the subscriptions (receivers dedupe on it)
        mine_rows = deliveries.filtered(lambda d: d.res_id == mine.id)
        self.assertEqual(len(set(mine_rows.mapped('event_uuid'))), 1)
        # archived subscriptions get nothing
        self.webhook.active = False
        self._create_ticket()
        self.assertFalse(self._committed())

    def test_write_adds_constant_queries(self):
        tickets = self.Ticket.create([{'name': f'Bulk {i}', 'team_id': self.team.id} for i in range(30)])
        more = self.Ticket.create([{'name': f'Bulk {i}', 'team_id': self.team.id} for i in range(30)])
        self.env.cr.flush()

        def count(records, stage):
            self.env.invalidate_all()
            records = records.browse(records.ids)
            before = self.env.cr.sql_log_count
            records.write({'stage_id': stage.id})
            self.env.cr.flush()
            return self.env.cr.sql_log_count - before
        self.webhook.active = False
        self.Webhook._listens_to('ticket.updated')   # the subscription index is cached in both runs
        without = count(tickets, self.stage_progress)
        self.webhook.active = True
        self.Webhook._listens_to('ticket.updated')
        with_webhook = count(more, self.stage_progress)
        self.assertEqual(self.Delivery.search_count([('res_id', 'in', more.ids), ('event', '=', 'ticket.updated')]), 30)
        # the outbox: a handful of queries at commit (existence check, one INSERT, the cron trigger), whatever
        # the number of tickets
        self.assertLessEqual(with_webhook - without, 6)

    def test_custom_event_from_automation_rule(self):
        rule = self.env.ref('helpdesk_lite.automation_ticket_urgent_webhook')
        self.assertFalse(rule.active)
        self.assertEqual(rule.action_server_ids.state, 'helpdesk_lite_webhook')
        urgent = self.env.ref('helpdesk_lite.webhook_event_ticket_urgent')
        self.webhook.event_ids = [Command.set(urgent.ids)]
        rule.active = True
        ticket = self._create_ticket(partner_email='vip@example.com')
        ticket.priority = '3'
        body, = self._bodies(self._committed())
        self.assertEqual(body['event'], 'ticket.urgent')
        self.assertEqual(body['data'], {
            'ticket_id': ticket.id, 'ticket_number': ticket.number, 'subject': ticket.name, 'priority': 'urgent',
            'status': 'new', 'team_id': self.team.id, 'user_id': False, 'partner_email': 'vip@example.com',
            'channel': 'backend'})

    def test_url_safety_on_save(self):
        self.env['ir.config_parameter'].set_param('helpdesk_lite.webhook_allowed_networks', '')
        for url in ('http://127.0.0.1:8080/hook', 'https://localhost/hook', 'https://10.1.2.3/',
                    'https://169.254.169.254/latest/meta-data', 'https://[::1]/', 'https://192.168.0.10/',
                    'http://hooks.example.com/', 'https://user:pw@hooks.example.com/', 'ftp://hooks.example.com/'):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self.webhook.url = url
        self.webhook.url = 'https://hooks.example.com/helpdesk'
        self.env['ir.config_parameter'].set_param('helpdesk_lite.webhook_allowed_networks', '10.0.0.0/8')
        self.webhook.url = 'http://10.1.2.3/hook'   # an allowed intranet may use plain http
        with self.assertRaises(ValidationError):
            self.webhook.url = 'https://192.168.0.10/'

    def test_secret_access_and_rotation(self):
        webhook = self.Webhook.with_user(self.manager).create({
            'name': 'Manager made', 'url': 'https://hooks.example.com/a', 'event_ids': [Command.set(self.ticket_events.ids)]})
        secret = webhook.sudo().secret
        self.assertRegex(secret, r'^whsec_[A-Za-z0-9+/]{43}=$')
        self.assertNotEqual(secret, self.webhook.sudo().secret)
        # shown once
        action = webhook.action_show_secret()
        self.assertEqual(self.env['helpdesk.lite.webhook.secret'].browse(action['res_id']).secret, secret)
        with self.assertRaises(ValidationError):
            webhook.action_show_secret()
        # agents cannot read subscriptions at all, let alone the secret
        with self.assertRaises(AccessError):
            self.Webhook.with_user(self.agent).browse(webhook.id).read(['secret'])
        # rotation: the old secret signs too until the overlap ends
        wizard = self.env['helpdesk.lite.webhook.secret'].browse(webhook.action_rotate_secret()['res_id'])
        wizard.overlap_hours = 2
        wizard.action_rotate()
        self.assertNotEqual(wizard.secret, secret)
        self.assertEqual(webhook.sudo().secret, wizard.secret)
        self.assertEqual(webhook.sudo().previous_secret, secret)
        self.assertEqual(len(webhook._signature('msg_1', 1700000000, b'{}').split()), 2)

    def test_api_methods(self):
        Webhook = self.Webhook.with_user(self.manager)
        created = Webhook.api_create_subscription({
            'url': 'https://your-app.example.com/webhooks', 'events': ['ticket.created', 'ticket.sla.breached']})
        self.assertTrue(created.pop('secret').startswith('whsec_'))
        self.assertEqual(created['events'], ['ticket.created', 'ticket.sla.breached'])
        self.assertEqual((created['name'], created['status'], created['active']),
                         ('your-app.example.com', 'active', True))
        self.assertIn(created, Webhook.api_list_subscriptions())
        self.assertNotIn('secret', Webhook.api_list_subscriptions()[0])
        for payload, field in (({'events': ['ticket.created']}, 'url'),
                               ({'url': 'https://a.example.com', 'events': []}, 'events'),
                               ({'url': 'https://a.example.com', 'events': ['ticket.exploded']}, 'Unknown'),
                               ({'url': 'https://a.example.com', 'events': ['ticket.created'], 'team_ids': [0]},
                                'team_ids')):
            with self.subTest(payload=payload), self.assertRaisesRegex(ValidationError, field):
                Webhook.api_create_subscription(payload)
        Webhook.browse(created['id']).api_delete_subscription()
        self.assertFalse(Webhook.browse(created['id']).exists())
        with self.assertRaises(AccessError):
            self.Webhook.with_user(self.agent).api_create_subscription(
                {'url': 'https://a.example.com', 'events': ['ticket.created']})
