from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestResolveAndClose(HelpdeskLiteCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_resolved = cls.env.ref('helpdesk_lite.stage_resolved')

    def test_default_lifecycle_has_resolved_between_waiting_and_done(self):
        stages = self.env['helpdesk.lite.stage'].search([('team_ids', '=', False)])
        names = stages.mapped('name')
        self.assertLess(names.index('Waiting'), names.index('Resolved'))
        self.assertLess(names.index('Resolved'), names.index('Done'))

    def test_resolve_then_close_keeps_the_resolved_date(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        self.assertFalse(ticket.resolved_date)
        ticket.action_resolve()
        self.assertEqual(ticket.stage_id, self.stage_resolved, 'Resolve and Close are two steps')
        resolved_at = ticket.resolved_date
        self.assertTrue(resolved_at)
        self.assertFalse(ticket.closed_by, 'resolved is not closed yet')
        ticket.resolved_date = resolved_at - timedelta(hours=5)  # as if resolved earlier in the day
        ticket.action_close()
        self.assertEqual(ticket.stage_id, self.stage_done)
        self.assertEqual(ticket.resolved_date, resolved_at - timedelta(hours=5), 'kept on close')
        self.assertTrue(ticket.closed_date)
        self.assertEqual(ticket.closed_by, 'staff')
        ticket.action_reopen()
        self.assertFalse(ticket.resolved_date, 'cleared on reopen')
        self.assertFalse(ticket.closed_by)
        self.assertFalse(ticket.closed_date)

    def test_closing_directly_sets_the_resolved_date_too(self):
        ticket = self._create_ticket()
        ticket.action_close()
        self.assertTrue(ticket.resolved_date)
        self.assertEqual(ticket.resolved_date, ticket.closed_date)
        created_closed = self._create_ticket(stage_id=self.stage_done.id)
        self.assertTrue(created_closed.resolved_date)

    def test_resolution_time_is_measured_to_the_resolved_date(self):
        ticket = self._create_ticket()
        ticket.action_resolve()
        ticket.action_close()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE helpdesk_lite_ticket SET create_date = %s, resolved_date = %s, closed_date = %s WHERE id = %s",
            (fields.Datetime.to_datetime('2024-03-04 09:00:00'), fields.Datetime.to_datetime('2024-03-04 12:00:00'),
             fields.Datetime.to_datetime('2024-03-08 09:00:00'), ticket.id))
        self.env.invalidate_all()
        row = self.env['helpdesk.lite.ticket.report'].search([('ticket_id', '=', ticket.id)])
        self.assertAlmostEqual(row.resolution_hours, 3.0, msg='to the resolution, not to the closing 4 days later')
        self.assertEqual(row.closed_by, 'staff')

    def test_closed_by_customer(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        ticket.action_resolve()
        ticket.with_user(self.portal_user).sudo()._portal_action_close(self.customer)
        self.assertEqual(ticket.lifecycle, 'closed')
        self.assertEqual(ticket.closed_by, 'customer')
        by_customer = self.Ticket.search([('closed_by', '=', 'customer'), ('id', '=', ticket.id)])
        self.assertEqual(by_customer, ticket, 'stored and searchable')

    def test_bulk_actions_skip_tickets_already_in_the_target_state(self):
        tickets = self.Ticket.create([{'name': f'Bulk {i}', 'team_id': self.team.id} for i in range(5)])
        tickets[:2].action_close()
        result = tickets.action_close()
        self.assertEqual(set(tickets.mapped('lifecycle')), {'closed'}, 'the others were closed')
        self.assertEqual(result['tag'], 'display_notification')
        self.assertIn('3 done, 2 skipped', result['params']['title'])
        for ticket in tickets[:2]:
            self.assertIn(ticket.number, result['params']['message'])
        tickets[2:].action_reopen()
        self.assertFalse(tickets[2:].filtered('is_closed'))
        result = tickets.action_resolve()
        self.assertIn('3 done, 2 skipped', result['params']['title'])
        tickets[4].action_reopen()
        result = tickets.action_assign(self.agent)
        self.assertIn('1 done, 4 skipped', result['params']['title'], 'closed tickets are skipped, not an error')
        self.assertEqual(tickets[4].user_id, self.agent)
        # nothing applies at all: the clear error of the action
        with self.assertRaisesRegex(UserError, 'Already closed'):
            tickets[:2].action_close()

    def test_assign_wizard_reports_skipped_tickets(self):
        tickets = self.Ticket.create([{'name': f'Wizard {i}', 'team_id': self.team.id} for i in range(3)])
        tickets[0].action_close()
        wizard = self.env['helpdesk.lite.ticket.assign'].with_context(
            active_model='helpdesk.lite.ticket', active_ids=tickets.ids).create({'user_id': self.agent.id})
        result = wizard.action_assign()
        self.assertEqual(tickets[1:].user_id, self.agent)
        self.assertFalse(tickets[0].user_id)
        self.assertEqual(result['params']['next'], {'type': 'ir.actions.act_window_close'})


@tagged('post_install', '-at_install')
class TestAutoClose(HelpdeskLiteCommon):

    def _waiting_ticket(self, days_waiting, **vals):
        ticket = self._create_ticket(partner_id=self.customer.id, stage_id=self.stage_waiting.id, **vals)
        ticket.sla_paused_since = fields.Datetime.now() - timedelta(days=days_waiting)
        return ticket

    def test_off_by_default(self):
        ticket = self._waiting_ticket(100)
        self.assertEqual(self.Ticket._cron_auto_close_waiting(), 0)
        self.assertFalse(ticket.is_closed)

    def test_warning_first_then_close(self):
        ICP = self.env['ir.config_parameter']
        ICP.set_param('helpdesk_lite.auto_close_days', 7)
        ICP.set_param('helpdesk_lite.auto_close_warning_days', 2)
        fresh = self._waiting_ticket(1)
        due = self._waiting_ticket(6)
        forgotten = self._waiting_ticket(30)
        with self.mock_mail_gateway():
            self.Ticket._cron_auto_close_waiting()
        self.assertFalse(fresh.auto_close_warned_date)
        self.assertTrue(due.auto_close_warned_date)
        self.assertTrue(forgotten.auto_close_warned_date)
        self.assertFalse(forgotten.is_closed, 'never closed without the warning and its delay')
        warned = self._new_mails.filtered(lambda m: 'waiting for your answer' in (m.subject or '')
                                          and m.res_id in (fresh | due | forgotten).ids)
        self.assertEqual(len(warned), 2, 'one warning per ticket due')
        self.assertEqual(set(warned.mapped('res_id')), {due.id, forgotten.id})
        # two days later
        (due | forgotten).auto_close_warned_date = fields.Datetime.now() - timedelta(days=2, minutes=1)
        self.Ticket._cron_auto_close_waiting()
        self.assertEqual(forgotten.lifecycle, 'closed')
        self.assertEqual(forgotten.closed_by, 'auto')
        self.assertTrue(any('Closed automatically' in body for body in forgotten.message_ids.mapped('body')))
        self.assertFalse(due.is_closed, 'waiting 6 days only: not yet')

    def test_customer_reply_cancels_the_warning(self):
        self.env['ir.config_parameter'].set_param('helpdesk_lite.auto_close_days', 7)
        ticket = self._waiting_ticket(6)
        self.Ticket._cron_auto_close_waiting()
        self.assertTrue(ticket.auto_close_warned_date)
        ticket.message_post(body='Here is the answer', message_type='comment', subtype_xmlid='mail.mt_comment',
                            author_id=self.customer.id)
        self.assertFalse(ticket.stage_id.is_waiting, 'the reply moved it back to work')
        self.assertFalse(ticket.auto_close_warned_date)


@tagged('post_install', '-at_install')
class TestReachingTheCustomer(HelpdeskLiteCommon):

    def test_phone_search_in_any_format(self):
        caller = self.env['res.partner'].create({'name': 'Carla Caller', 'phone': '+32 (0)2 555 12 34',
                                                 'mobile': '+32 470/12.34.56'})
        ticket = self._create_ticket(partner_id=caller.id)
        other = self._create_ticket(partner_name='Somebody', partner_phone='+1 212 555 0100')
        self.assertEqual(ticket.partner_mobile, '+32 470/12.34.56', 'the mobile comes from the customer')
        for typed in ('0470 12 34 56', '470123456', '+32 470 12 34 56', '555-1234'):
            found = self.Ticket.search([('phone_search', 'ilike', typed)])
            self.assertIn(ticket, found, typed)
            self.assertNotIn(other, found, typed)
        self.assertEqual(self.Ticket.search([('phone_search', 'ilike', '212-555-0100')]), other)
        partners = self.env['res.partner'].search([('phone_mobile_search', 'ilike', '+32 470 12 34 56')])
        self.assertIn(caller, partners, "customers: Odoo's Phone/Mobile search of contacts")

    def test_customer_required_for_personal_channels(self):
        for channel in ('phone', 'whatsapp', 'walk_in'):
            with self.assertRaisesRegex(ValidationError, 'needs its customer'):
                self._create_ticket(channel=channel, partner_name='Anonymous caller')
        self._create_ticket(channel='phone', partner_id=self.customer.id)
        self._create_ticket(channel='email', partner_email='someone@example.com')
        ticket = self._create_ticket(channel='email', partner_id=self.customer.id)
        with self.assertRaises(ValidationError):
            ticket.write({'channel': 'walk_in', 'partner_id': False})

    def test_other_tickets_of_the_customer(self):
        company = self.env['res.partner'].create({'name': 'Acme', 'is_company': True})
        alice = self.env['res.partner'].create({'name': 'Alice', 'parent_id': company.id})
        bob = self.env['res.partner'].create({'name': 'Bob', 'parent_id': company.id})
        first = self._create_ticket(partner_id=alice.id)
        second = self._create_ticket(partner_id=bob.id)
        third = self._create_ticket(partner_id=alice.id, stage_id=self.stage_done.id)
        lonely = self._create_ticket(partner_id=self.customer.id)
        self.assertEqual((first | second | third | lonely).mapped('partner_ticket_count'), [2, 2, 2, 0])
        action = first.action_open_partner_tickets()
        self.assertEqual(self.Ticket.search(action['domain']), second | third, 'open and closed, not itself')

    def test_two_countdowns(self):
        self.env['helpdesk.lite.sla.policy'].create({
            'name': 'Countdown', 'team_ids': [(4, self.team.id)], 'business_hours_only': False,
            'response_hours': 2.0, 'resolution_hours': 10.0})
        ticket = self._create_ticket()
        self.assertRegex(ticket.sla_response_time_left, r'^1h 5\dm left$|^2h 00m left$')
        self.assertRegex(ticket.sla_resolve_time_left, r'^9h 5\dm left$|^10h 00m left$')
        ticket.message_post(body='On it', message_type='comment', subtype_xmlid='mail.mt_comment',
                            author_id=self.agent.partner_id.id)
        ticket.invalidate_recordset(['sla_response_time_left'])
        self.assertFalse(ticket.sla_response_time_left, 'answered: that countdown stops')
        self.assertTrue(ticket.sla_resolve_time_left)

    def test_new_ticket_name_is_not_false(self):
        self.assertEqual(self.Ticket.new({}).display_name, 'New Ticket')
        self.assertEqual(self.Ticket.new({'name': 'Printer'}).display_name, '[New] Printer')


@tagged('post_install', '-at_install')
class TestDemoStory(HelpdeskLiteCommon):
    """The demo data is built through the ticket's logic: its outcomes are the engine's."""

    def test_demo_tells_a_true_story(self):
        tickets = self.Ticket.search([('team_id.name', 'in', ['Customer Support', 'Billing & Accounts',
                                                               'Technical Support (Level 2)'])])
        self.assertGreaterEqual(len(tickets), 20)
        self.assertGreater(len(set(tickets.mapped(lambda t: t.create_date.date()))), 10, 'spread over weeks')
        self.assertTrue({'met', 'breached', 'paused', 'on_track'} <= set(tickets.mapped('sla_status')))
        self.assertTrue(tickets.filtered('first_response_date'))
        self.assertTrue(tickets.sla_breach_ids, 'breaches recorded by the SLA check')
        self.assertTrue(tickets.filtered(lambda t: t.rating_last_value >= 1), 'rated tickets')
        self.assertTrue(tickets.filtered('merged_into_id'))
        self.assertTrue(tickets.filtered('reopen_count'))
        self.assertTrue(tickets.filtered(lambda t: t.closed_by == 'customer'))
        for ticket in tickets.filtered('first_response_date'):
            self.assertGreaterEqual(ticket.first_response_date, ticket.create_date, ticket.number)
        for ticket in tickets.filtered('closed_date'):
            self.assertGreaterEqual(ticket.closed_date, ticket.create_date, ticket.number)
        pages = self.env['helpdesk.lite.help.page'].search([('published', '=', True), ('view_count', '>', 0)])
        self.assertTrue(pages.filtered('helped_count'), 'help pages with views and votes')
        self.assertTrue(self.env['helpdesk.lite.tag'].search([('name', '=', 'Complaint')]))
