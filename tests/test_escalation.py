import json
from contextlib import contextmanager
from datetime import datetime, timedelta

from odoo import Command
from odoo.tests import tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestEscalation(HelpdeskLiteCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env['helpdesk.lite.escalation.rule']
        cls.other_team = cls.env['helpdesk.lite.team'].create({'name': 'Second Line', 'leader_id': cls.agent2.id})
        cls.calendar = cls.env['resource.calendar'].create({'name': 'UTC office', 'tz': 'UTC'})  # Mon-Fri 8-12, 13-17
        cls.now = datetime(2024, 1, 10, 10, 0)  # a Wednesday

    @contextmanager
    def _at(self, when):
        """Time frozen at ``when``, the transaction timestamp (cr.now) included."""
        with self.mock_datetime_and_now(when):
            yield
            self.env.flush_all()

    def _escalate(self, when=None):
        with self._at(when or self.now):
            return self.Ticket._cron_escalate()

    def _rule(self, **vals):
        vals.setdefault('name', 'Escalate')
        vals.setdefault('team_ids', [Command.set(self.team.ids)])
        return self.Rule.create(vals)

    def _customer_reply(self, ticket, body='Any news?'):
        ticket.message_post(body=body, author_id=self.customer.id, message_type='comment',
                            subtype_xmlid='mail.mt_comment')

    def _agent_reply(self, ticket):
        ticket.with_user(self.agent).message_post(body='On it', message_type='comment', subtype_xmlid='mail.mt_comment')

    def _messages(self, ticket):
        return self.env['mail.message'].search([('model', '=', ticket._name), ('res_id', '=', ticket.id)])

    def _firings(self, rule, ticket):
        return self.env['helpdesk.lite.escalation.log'].search([('rule_id', '=', rule.id), ('ticket_id', '=', ticket.id)])

    def test_no_response_since_creation_business_hours(self):
        rule = self._rule(condition='no_response', since='creation', hours=5, raise_priority=True,
                          calendar_id=self.calendar.id)
        with self._at(datetime(2024, 1, 8, 8, 0)):  # Monday
            ticket = self._create_ticket(partner_id=self.customer.id)
        self.assertEqual(self._escalate(datetime(2024, 1, 8, 11, 0)), 0, '3 business hours: not yet')
        self.assertEqual(self._escalate(datetime(2024, 1, 8, 12, 50)), 0, 'the lunch break does not count')
        self.assertEqual(self._escalate(datetime(2024, 1, 8, 14, 30)), 1, '5.5 business hours')
        self.assertEqual(ticket.priority, '2')
        self.assertIn('Escalate', self._messages(ticket)[0].body)
        for hour in (15, 16, 17):
            self.assertEqual(self._escalate(datetime(2024, 1, 8, hour, 0)), 0, 'once per episode, whatever the runs')
        self.assertEqual(ticket.priority, '2')
        self.assertEqual(len(self._firings(rule, ticket)), 1)

    def test_no_response_since_customer_message_reopens_episode(self):
        rule = self._rule(condition='no_response', since='customer_message', hours=2, business_hours=False,
                          reassign='leader')
        with self._at(self.now - timedelta(hours=5)):
            ticket = self._create_ticket(partner_id=self.customer.id, user_id=self.agent.id)
        with self._at(self.now - timedelta(hours=3)):
            self._customer_reply(ticket)
        self.assertEqual(self._escalate(self.now - timedelta(hours=2)), 0, 'one hour after the reply: not yet')
        self.assertEqual(self._escalate(), 1)
        self.assertEqual(ticket.user_id, self.manager, 'reassigned to the team leader')
        with self._at(self.now):
            self._agent_reply(ticket)
        self.assertEqual(self._escalate(self.now + timedelta(minutes=1)), 0)
        self.assertTrue(self._firings(rule, ticket).cleared_at, 'the agent answered: the episode ended')
        with self._at(self.now + timedelta(minutes=10)):
            self._customer_reply(ticket)
        self.assertEqual(self._escalate(self.now + timedelta(hours=3)), 1, 'the condition came back: a new episode')
        self.assertEqual(self._escalate(self.now + timedelta(hours=4)), 0)
        self.assertEqual(len(self._firings(rule, ticket)), 2)

    def test_customer_replies_counter_and_actions(self):
        template = self.env['mail.template'].create({
            'name': 'Escalated', 'model_id': self.env['ir.model']._get_id('helpdesk.lite.ticket'),
            'subject': 'We are on it', 'body_html': '<p>A senior agent looks at your request.</p>'})
        activity_type = self.env.ref('mail.mail_activity_data_todo')
        rule = self._rule(
            condition='customer_replies', reply_count=2, reassign='team', reassign_team_id=self.other_team.id,
            follower_ids=[Command.link(self.manager.partner_id.id)], activity_type_id=activity_type.id,
            activity_summary='Call the customer', note='<p>Customer is <b>angry</b></p>', mail_template_id=template.id)
        ticket = self._create_ticket(partner_id=self.customer.id, user_id=self.agent.id,
                                     user_ids=[Command.link(self.agent2.id)])
        self._customer_reply(ticket)
        self.assertEqual(ticket.customer_reply_count, 1)
        self.assertEqual(self._escalate(), 0)
        self._customer_reply(ticket)
        self.assertEqual(ticket.customer_reply_count, 2)
        with self.mock_mail_gateway():
            self.assertEqual(self._escalate(), 1)
        self.assertEqual(ticket.team_id, self.other_team)
        self.assertIn(self.manager.partner_id, ticket.message_partner_ids)
        activities = ticket.activity_ids.filtered(lambda a: a.summary == 'Call the customer')
        self.assertEqual(activities.user_id, self.agent2, 'moved to another team: its leader gets it')
        self.assertTrue(self._messages(ticket).filtered(lambda m: 'A senior agent looks' in (m.body or '')))
        log = self._messages(ticket).filtered(lambda m: 'Customer is' in (m.body or ''))
        self.assertIn('<b>angry</b>', log.body)
        self.assertIn('Moved to Second Line', log.body)
        self._agent_reply(ticket)
        self.assertEqual(ticket.customer_reply_count, 0)

    def test_activities_for_every_assignee(self):
        activity_type = self.env.ref('mail.mail_activity_data_todo')
        self._rule(condition='customer_replies', reply_count=1, activity_type_id=activity_type.id)
        ticket = self._create_ticket(user_id=self.agent.id, user_ids=[Command.link(self.agent2.id)])
        self._customer_reply(ticket)
        self._escalate()
        self.assertEqual(ticket.activity_ids.user_id, self.agent | self.agent2)

    def test_many_activities_one_digest_per_user(self):
        # a run escalating several tickets mails each user once, not once per activity
        activity_type = self.env.ref('mail.mail_activity_data_todo')
        self._rule(condition='customer_replies', reply_count=1, activity_type_id=activity_type.id,
                   activity_summary='Call back', name='Waiting customers')
        self.agent.notification_type = 'email'
        tickets = self.Ticket.browse()
        for i in range(3):
            tickets |= self._create_ticket(name=f'Waiting {i}', user_id=self.agent.id)
        for ticket in tickets:
            self._customer_reply(ticket)
        with self.mock_mail_gateway():
            self._escalate()
        self.assertEqual(len(tickets.activity_ids), 3)
        agent_mails = [m for m in self._mails if self.agent.email in str(m['email_to'])]
        self.assertEqual(len(agent_mails), 1, [m['subject'] for m in agent_mails])
        self.assertEqual(agent_mails[0]['subject'], 'Waiting customers: 3 tickets need you')
        for ticket in tickets:
            self.assertIn(ticket.display_name, agent_mails[0]['body'])

    def test_changes_tracked_on_the_escalation_message(self):
        # one chatter message per escalated ticket, carrying the tracked changes of the actions; the
        # commit-time tracking adds no second message
        self._rule(condition='customer_replies', reply_count=1, raise_priority=True, reassign='user',
                   reassign_user_id=self.agent2.id, name='Customer waiting')
        tickets = self._create_ticket(name='First', user_id=self.agent.id) | self._create_ticket(name='Second')
        for ticket in tickets:
            self._customer_reply(ticket)
        self.env.cr.precommit.run()  # the creations' own tracking, as a commit would
        before = {ticket.id: self._messages(ticket) for ticket in tickets}
        self.assertEqual(self._escalate(), 2)
        self.env.cr.precommit.run()
        for ticket in tickets:
            # (the new assignee's "you have been assigned" notification aside)
            new = (self._messages(ticket) - before[ticket.id]).filtered(lambda m: m.message_type != 'user_notification')
            self.assertEqual(len(new), 1, new.mapped('body'))
            self.assertIn('Customer waiting', new.body)
            changes = {value.field_id.name: (value.old_value_char, value.new_value_char)
                       for value in new.sudo().tracking_value_ids}
            self.assertEqual(changes['priority'], ('Medium', 'High'))
            self.assertEqual(changes['user_id'][1], self.agent2.name)
            if ticket.name == 'First':
                self.assertEqual(changes['user_id'][0], self.agent.name)
        self.assertEqual(tickets.mapped('priority'), ['2', '2'])

    def test_sla_status_and_filters(self):
        rule = self._rule(condition='sla_breached', priority_min='2', reassign='user', reassign_user_id=self.agent2.id)
        urgent = self._create_ticket(priority='3')
        low = self._create_ticket(priority='0')
        elsewhere = self._create_ticket(priority='3', team_id=self.other_team.id)
        self.env.flush_all()  # pending SLA computes must not overwrite the statuses set below
        self.env.cr.execute("UPDATE helpdesk_lite_ticket SET sla_status = 'breached' WHERE id = ANY(%s)",
                            [(urgent | low | elsewhere).ids])
        self.Ticket.invalidate_model(['sla_status'])
        self.assertEqual(self._escalate(), 1)
        self.assertEqual(urgent.user_id, self.agent2)
        self.assertFalse(low.user_id)
        self.assertFalse(elsewhere.user_id)
        self.assertEqual(len(self._firings(rule, urgent)), 1)
        category = self.env['helpdesk.lite.category'].create({'name': 'Network'})
        child = self.env['helpdesk.lite.category'].create({'name': 'VPN', 'parent_id': category.id})
        at_risk = self._rule(condition='sla_at_risk', category_ids=[Command.link(category.id)], raise_priority=True)
        in_child = self._create_ticket(category_id=child.id)
        self._create_ticket()
        self.env.flush_all()
        self.env.cr.execute("UPDATE helpdesk_lite_ticket SET sla_status = 'at_risk' WHERE team_id = %s AND "
                            "sla_status != 'breached'", [self.team.id])
        self.Ticket.invalidate_model(['sla_status'])
        self.assertEqual(self._escalate(), 1)
        self.assertEqual(self._firings(at_risk, in_child).ticket_id, in_child)

    def test_closed_tickets_end_episodes(self):
        rule = self._rule(condition='customer_replies', reply_count=1)
        ticket = self._create_ticket()
        self._customer_reply(ticket)
        self._escalate()
        ticket.action_resolve()
        self._escalate()
        self.assertTrue(self._firings(rule, ticket).cleared_at)

    def test_escalation_fires_webhook_event_once_per_episode(self):
        """An escalation can announce itself to integrations through the signed webhook outbox."""
        event = self.env.ref('helpdesk_lite.webhook_event_ticket_escalated')
        self.env['ir.config_parameter'].set_param('helpdesk_lite.webhook_allowed_networks', '127.0.0.1/32')
        webhook = self.env['helpdesk.lite.webhook'].create({
            'name': 'Escalations', 'url': 'http://127.0.0.1:9/escalated', 'event_ids': [Command.set(event.ids)]})
        rule = self._rule(condition='no_response', since='creation', hours=1, business_hours=False,
                          webhook_event_id=event.id)
        with self._at(self.now - timedelta(hours=2)):
            ticket = self._create_ticket(partner_id=self.customer.id)
        Delivery = self.env['helpdesk.lite.webhook.delivery']
        self.assertEqual(self._escalate(), 1)
        self.env.cr.flush()  # what a commit runs first: the outbox is filled at pre-commit
        deliveries = Delivery.search([('webhook_id', '=', webhook.id)])
        self.assertEqual(len(deliveries), 1)
        body = json.loads(deliveries.payload)
        self.assertEqual(body['event'], 'ticket.escalated')
        self.assertEqual(body['data']['ticket_id'], ticket.id)
        self.assertEqual(body['data']['escalation_rule'], rule.name)
        self.assertEqual(body['data']['condition'], 'no_response')
        self.assertIn('ticket.escalated', self._messages(ticket)[0].body)
        self.assertEqual(self._escalate(self.now + timedelta(hours=1)), 0)
        self.env.cr.flush()
        self.assertEqual(len(Delivery.search([('webhook_id', '=', webhook.id)])), 1, 'once per episode')
