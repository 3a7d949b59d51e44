from markupsafe import Markup

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestLifecycle(HelpdeskLiteCommon):

    def test_transition_matrix(self):
        ticket = self._create_ticket()
        # allowed: assign, unassign, resolve, reopen, close
        ticket.with_user(self.agent).action_assign_to_me()
        self.assertEqual(ticket.user_id, self.agent)
        ticket.action_assign(self.agent2)
        self.assertEqual(ticket.user_id, self.agent2)
        ticket.action_unassign()
        self.assertFalse(ticket.user_id)
        with self.assertRaisesRegex(UserError, 'no assignee'):
            ticket.action_unassign()
        with self.assertRaisesRegex(UserError, 'Only resolved or closed tickets can be reopened'):
            ticket.action_reopen()
        with self.assertRaisesRegex(UserError, 'internal users'):
            ticket.action_assign(self.portal_user)
        ticket.action_resolve()
        # no "resolved" stage by default: resolve closes (Done)
        self.assertEqual(ticket.stage_id, self.stage_done)
        self.assertTrue(ticket.closed_date)
        with self.assertRaisesRegex(UserError, 'Already resolved or closed'):
            ticket.action_resolve()
        with self.assertRaisesRegex(UserError, 'Already closed'):
            ticket.action_close()
        with self.assertRaisesRegex(UserError, 'Reopen them first'):
            ticket.action_assign_to_me()
        ticket.action_reopen()
        self.assertEqual(ticket.stage_id, self.stage_progress)
        self.assertFalse(ticket.closed_date)
        self.assertEqual(ticket.reopen_count, 1)
        ticket.action_close()
        ticket.action_reopen()
        self.assertEqual(ticket.reopen_count, 2)

    def test_resolved_stage_is_used_when_configured(self):
        resolved = self.env['helpdesk.lite.stage'].create({
            'name': 'Resolved', 'sequence': 25, 'lifecycle': 'resolved'})
        ticket = self._create_ticket()
        ticket.action_resolve()
        self.assertEqual(ticket.stage_id, resolved)
        self.assertTrue(ticket.is_closed and ticket.closed_date)
        ticket.action_close()
        self.assertEqual(ticket.stage_id, self.stage_done)

    def test_team_scoped_stages(self):
        team_stage = self.env['helpdesk.lite.stage'].create({
            'name': 'Team Closed', 'sequence': 0, 'lifecycle': 'closed', 'team_ids': [(6, 0, self.team.ids)]})
        other_team = self.env['helpdesk.lite.team'].create({'name': 'Other'})
        mine = self._create_ticket()
        theirs = self.Ticket.create({'name': 'Other team', 'team_id': other_team.id})
        (mine | theirs).action_close()
        self.assertEqual(mine.stage_id, team_stage)
        self.assertEqual(theirs.stage_id, self.stage_done)

    def test_first_response_and_whose_turn(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        # internal note: not a response
        ticket.with_user(self.agent).message_post(body='checking logs', subtype_xmlid='mail.mt_note')
        self.assertFalse(ticket.first_response_date)
        self.assertFalse(ticket.last_reply_by)
        # automatic mail (template / notification): not a response
        ticket.message_post(body='auto', message_type='auto_comment', subtype_xmlid='mail.mt_comment')
        ticket.message_post(body='notif', message_type='notification', subtype_xmlid='mail.mt_comment')
        self.assertFalse(ticket.first_response_date)
        # customer writes: our turn
        ticket.with_user(self.portal_user).sudo().message_post(
            body='still broken', author_id=self.customer.id, message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertEqual(ticket.last_reply_by, 'customer')
        self.assertTrue(ticket.last_customer_message_date)
        self.assertFalse(ticket.first_response_date)
        # agent public reply: first response
        ticket.with_user(self.agent).message_post(
            body=Markup('<p>Try again</p>'), message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertEqual(ticket.last_reply_by, 'agent')
        first = ticket.first_response_date
        self.assertTrue(first)
        self.assertEqual(ticket.last_agent_message_date, first)
        ticket.with_user(self.agent2).message_post(
            body='again', message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertEqual(ticket.first_response_date, first, 'first response is set once')
        self.assertEqual(self.Ticket.search([('last_reply_by', '=', 'agent'), ('id', '=', ticket.id)]), ticket)

    def test_customer_reply_leaves_waiting_stage(self):
        ticket = self._create_ticket(partner_id=self.customer.id, stage_id=self.stage_waiting.id)
        ticket.message_post(
            body='here is the info', author_id=self.customer.id, message_type='email',
            subtype_xmlid='mail.mt_comment')
        self.assertEqual(ticket.stage_id, self.stage_progress)
        self.assertEqual(ticket.last_reply_by, 'customer')
        # an agent reply does not move it
        ticket.stage_id = self.stage_waiting
        ticket.with_user(self.agent).message_post(
            body='waiting for you', message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertEqual(ticket.stage_id, self.stage_waiting)

    def test_bulk_actions_bounded_queries(self):
        tickets = self.Ticket.create([{'name': f'Bulk {i}', 'team_id': self.team.id} for i in range(500)])
        self.env.flush_all()
        # counted on 50 and 500 tickets: the cost must not grow with the batch
        small = tickets[:50]
        rest = tickets[50:]
        queries = []
        for batch in (small, rest):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            batch.with_context(tracking_disable=True).action_assign(self.agent)
            batch.with_context(tracking_disable=True).action_close()
            self.env.flush_all()
            queries.append(self.env.cr.sql_log_count - before)
        self.assertTrue(all(t.user_id == self.agent and t.stage_id == self.stage_done for t in tickets))
        self.assertLessEqual(queries[1], queries[0] + 5, queries)
        self.assertLess(queries[1], 60, queries)
