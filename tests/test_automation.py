from odoo.tests import tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestShippedAutomations(HelpdeskLiteCommon):

    def test_urgent_rule_schedules_leader_activity(self):
        rule = self.env.ref('helpdesk_lite.automation_urgent_ticket_leader')
        self.assertEqual(rule.filter_domain, "[('priority', '=', '3')]")
        rule.active = True
        ticket = self._create_ticket()
        self.assertFalse(ticket.activity_ids)
        ticket.priority = '3'
        self.assertEqual(ticket.activity_ids.user_id, self.manager)
        self.assertIn('Urgent ticket', ticket.activity_ids.summary)
