import json
from unittest.mock import patch

from odoo.tests import tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestShippedAutomations(HelpdeskLiteCommon):

    def test_webhook_rule_posts_new_tickets(self):
        rule = self.env.ref('helpdesk_lite.automation_ticket_created_webhook')
        self.assertFalse(rule.active, 'shipped inactive: the URL must be configured first')
        rule.action_server_ids.webhook_url = 'https://hooks.example.com/tickets'
        rule.active = True
        with patch('odoo.addons.base.models.ir_actions.requests.post') as post:
            ticket = self._create_ticket(name='Webhook me', priority='2', partner_email='hook@example.com')
        self.assertEqual(post.call_count, 1)
        args, kwargs = post.call_args
        self.assertEqual(args[0], 'https://hooks.example.com/tickets')
        payload = json.loads(kwargs['data'])
        self.assertEqual(payload['_id'], ticket.id)
        self.assertEqual(payload['number'], ticket.number)
        self.assertEqual(payload['name'], 'Webhook me')
        self.assertEqual(payload['priority'], '2')
        self.assertEqual(payload['partner_email'], 'hook@example.com')

    def test_urgent_rule_schedules_leader_activity(self):
        rule = self.env.ref('helpdesk_lite.automation_urgent_ticket_leader')
        self.assertEqual(rule.filter_domain, "[('priority', '=', '3')]")
        rule.active = True
        ticket = self._create_ticket()
        self.assertFalse(ticket.activity_ids)
        ticket.priority = '3'
        self.assertEqual(ticket.activity_ids.user_id, self.manager)
        self.assertIn('Urgent ticket', ticket.activity_ids.summary)
