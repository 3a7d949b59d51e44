import uuid
from collections import Counter
from datetime import datetime

import psycopg2
from freezegun import freeze_time

from odoo import Command
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestRoutingAssign(HelpdeskLiteCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent3 = new_test_user(
            cls.env, login='hdl_agent3', name='Cleo Agent', email='cleo.agent@example.com',
            groups='base.group_user,helpdesk_lite.group_helpdesk_lite_user')
        cls.auto_team = cls.env['helpdesk.lite.team'].create({
            'name': 'Auto Support', 'assign_method': 'least_busy', 'assign_only_available': False,
            'member_ids': [Command.set((cls.agent | cls.agent2 | cls.agent3).ids)]})
        cls.billing = cls.env['helpdesk.lite.team'].create({
            'name': 'Billing', 'assign_method': 'round_robin', 'assign_only_available': False,
            'member_ids': [Command.set((cls.agent2 | cls.agent3).ids)]})
        cls.category = cls.env['helpdesk.lite.category'].create({'name': 'Hardware'})
        cls.subcategory = cls.env['helpdesk.lite.category'].create({'name': 'Printers', 'parent_id': cls.category.id})
        cls.tag = cls.env['helpdesk.lite.tag'].create({'name': 'VIP'})

    def _new(self, **vals):
        vals.setdefault('name', 'Cannot print')
        vals.setdefault('team_id', self.auto_team.id)
        return self.Ticket.create(vals)

    # --- team on every ticket -------------------------------------------------
    def test_team_from_category_then_company_default(self):
        self.category.team_id = self.billing
        self.company.helpdesk_lite_default_team_id = self.team
        by_category = self.Ticket.create({'name': 'Toner', 'category_id': self.category.id, 'channel': 'portal'})
        self.assertEqual(by_category.team_id, self.billing)
        by_company = self.Ticket.create({'name': 'Other', 'channel': 'web'})
        self.assertEqual(by_company.team_id, self.team)
        explicit = self.Ticket.create({'name': 'Mine', 'team_id': self.auto_team.id, 'category_id': self.category.id})
        self.assertEqual(explicit.team_id, self.auto_team, 'an explicit team (e.g. the alias) wins')

    def test_members_told_about_unassigned_tickets(self):
        self.team.new_ticket_notify = 'unassigned'
        with self.mock_mail_gateway():
            ticket = self._create_ticket(channel='web')
        messages = self.env['mail.message'].search([
            ('model', '=', ticket._name), ('res_id', '=', ticket.id), ('message_type', '=', 'user_notification')])
        self.assertEqual(messages.notified_partner_ids, (self.agent | self.agent2).partner_id)
        self.team.new_ticket_notify = 'none'
        other = self._create_ticket(channel='web')
        self.assertFalse(self.env['mail.message'].search_count([
            ('model', '=', other._name), ('res_id', '=', other.id), ('message_type', '=', 'user_notification')]))

    def test_team_followers_with_new_ticket_subtype(self):
        self.team.new_ticket_notify = 'followers'
        subtype = self.env.ref('helpdesk_lite.mt_team_ticket_new')
        self.team.message_subscribe(partner_ids=self.agent2.partner_id.ids, subtype_ids=subtype.ids)
        self.team.message_subscribe(partner_ids=self.agent.partner_id.ids,
                                    subtype_ids=self.env.ref('mail.mt_comment').ids)  # not the new-ticket one
        ticket = self._create_ticket(channel='web')
        message = self.env['mail.message'].search([
            ('model', '=', ticket._name), ('res_id', '=', ticket.id), ('message_type', '=', 'user_notification')])
        self.assertEqual(message.notified_partner_ids, self.agent2.partner_id)

    # --- methods ------------------------------------------------------------
    def test_least_busy_spreads_a_batch(self):
        self._new(user_id=self.agent.id)
        self._new(user_id=self.agent.id)
        closed = self._new(user_id=self.agent2.id)
        closed.stage_id = self.stage_done  # closed tickets do not count
        tickets = self.Ticket.create([{'name': f'T{i}', 'team_id': self.auto_team.id} for i in range(10)])
        counts = Counter(ticket.user_id.login for ticket in tickets)
        # agent starts with 2 open: 12 open in total are spread 4/4/4
        self.assertEqual(counts, Counter({'hdl_agent': 2, 'hdl_agent2': 4, 'hdl_agent3': 4}))
        note = tickets[0].message_ids.filtered(lambda m: 'Least Busy' in (m.body or ''))
        self.assertTrue(note, 'the chatter explains the assignment')
        self.assertEqual(len(tickets[0].message_ids), 1, 'on the creation message: one message per new ticket')
        self.assertIn(tickets[0]._creation_message(), note.body)

    def test_assignment_explained_without_creation_messages(self):
        tickets = self.Ticket.with_context(mail_create_nolog=True).create([
            {'name': 'Auto', 'team_id': self.auto_team.id}, {'name': 'Mine', 'user_id': self.agent.id}])
        self.assertEqual(len(tickets[0].message_ids), 1)
        self.assertIn('Least Busy', tickets[0].message_ids.body)
        self.assertNotIn(tickets[0]._creation_message(), tickets[0].message_ids.body)
        self.assertFalse(tickets[1].message_ids, 'no creation message and nothing to explain: no message')

    def test_least_busy_ties_go_to_least_recently_assigned(self):
        self._new(user_id=self.agent3.id)
        self._new(user_id=self.agent3.id).stage_id = self.stage_done
        self._new(user_id=self.agent2.id)
        self._new(user_id=self.agent2.id).stage_id = self.stage_done
        self._new(user_id=self.agent.id)
        # one open each; agent2's latest ticket is older than agent's
        self.assertEqual(self._new().user_id, self.agent3)  # latest ticket of agent3 is the oldest

    def test_round_robin_and_cap(self):
        tickets = self.Ticket.create([{'name': f'B{i}', 'team_id': self.billing.id} for i in range(5)])
        logins = [ticket.user_id.login for ticket in tickets]
        self.assertEqual(logins, ['hdl_agent2', 'hdl_agent3', 'hdl_agent2', 'hdl_agent3', 'hdl_agent2'])
        self.assertEqual(self.billing.assign_last_user_id, self.agent2)
        self.assertEqual(self._new(team_id=self.billing.id).user_id, self.agent3, 'the pointer survives batches')
        self.billing.assign_max_open = 4  # both have 3 open tickets
        last = self.Ticket.create([{'name': f'C{i}', 'team_id': self.billing.id} for i in range(3)])
        self.assertEqual(last[0].user_id, self.agent2)
        self.assertEqual(last[1].user_id, self.agent3)
        self.assertFalse(last[2].user_id, 'everybody is at the cap: the ticket waits')

    def test_explicit_assignee_kept_and_manual_team(self):
        ticket = self._new(user_id=self.agent.id, name='printer invoice')
        self.assertEqual(ticket.user_id, self.agent)
        manual = self._create_ticket()
        self.assertFalse(manual.user_id, 'manual team, created by the system: nobody')
        mine = self.Ticket.with_user(self.agent).create({'name': 'Phone call', 'team_id': self.team.id})
        self.assertEqual(mine.user_id, self.agent, 'an agent creating a backend ticket in a manual team gets it')
        portal = self.Ticket.with_user(self.agent).create(
            {'name': 'Typed for a customer', 'team_id': self.team.id, 'channel': 'phone',
             'partner_id': self.customer.id})  # phone tickets need their customer
        self.assertFalse(portal.user_id)

    def test_unavailable_members_skipped(self):
        self.auto_team.assign_only_available = True
        calendar = self.env.ref('resource.resource_calendar_std')
        for user in (self.agent, self.agent2, self.agent3):
            self.env['resource.resource'].create({
                'name': user.name, 'user_id': user.id, 'calendar_id': calendar.id, 'tz': 'UTC'})
        self.env['resource.calendar.leaves'].create({
            'name': 'Holiday', 'calendar_id': calendar.id, 'resource_id': self.agent.resource_ids.id,
            'date_from': datetime(2024, 1, 8, 0, 0), 'date_to': datetime(2024, 1, 8, 23, 59)})
        with freeze_time('2024-01-08 09:00:00'):  # a Monday
            tickets = self.Ticket.create([{'name': f'L{i}', 'team_id': self.auto_team.id} for i in range(4)])
        self.assertNotIn(self.agent, tickets.user_id)
        self.assertEqual(tickets.user_id, self.agent2 | self.agent3)
        with freeze_time('2024-01-07 09:00:00'):  # Sunday: nobody works
            waiting = self._new()
        self.assertFalse(waiting.user_id)
        with freeze_time('2024-01-09 09:00:00'):
            self.Ticket._cron_auto_assign()
        self.assertTrue(waiting.user_id, 'the assignment check assigns once somebody is available')
        self.assertIn('Least Busy', waiting.message_ids[0].body)

    # --- rules ----------------------------------------------------------------
    def _rule(self, **vals):
        vals.setdefault('name', 'Rule')
        return self.env['helpdesk.lite.assignment.rule'].create(vals)

    def test_rules_first_match_wins(self):
        self._rule(name='Printers to Cleo', sequence=1, category_ids=[Command.link(self.category.id)],
                   action='user', user_id=self.agent3.id)
        self._rule(name='Everything hardware to billing', sequence=2, category_ids=[Command.link(self.category.id)],
                   action='team', target_team_id=self.billing.id)
        ticket = self._new(category_id=self.subcategory.id)
        self.assertEqual(ticket.user_id, self.agent3, 'sub-categories match, the first rule wins')
        self.assertIn('Printers to Cleo', ticket.message_ids[0].body)

    def test_rules_are_cached_until_they_change(self):
        manual = dict(team_id=self.team.id, category_id=self.category.id)  # no method: only a rule assigns
        self.assertFalse(self._new(**manual).user_id)
        with self.assertQueryCount(0):
            self.assertFalse(self.env['helpdesk.lite.assignment.rule']._active_rules())  # cached, no rule
        rule = self._rule(name='Printers to Cleo', category_ids=[Command.link(self.category.id)],
                          action='user', user_id=self.agent3.id)
        self.assertEqual(self._new(**manual).user_id, self.agent3, 'a new rule applies at once')
        rule.active = False
        self.assertFalse(self._new(**manual).user_id, 'an archived one no longer does')

    def test_rule_conditions(self):
        customer_company = self.env['res.partner'].create({'name': 'ACME', 'is_company': True})
        contact = self.env['res.partner'].create({'name': 'Wile', 'parent_id': customer_company.id})
        cases = [
            ({'priority_min': '2'}, {'priority': '3'}, {'priority': '1'}),
            ({'keywords': 'invoice, credit note'}, {'name': 'Wrong Invoice'},
             {'name': 'Invoices', 'description': '<p>nothing</p>'}),
            ({'keywords': 'refund'}, {'description': '<p>I want a <b>refund</b></p>'}, {'name': 'refunded?'}),
            ({'partner_ids': [Command.link(customer_company.id)]}, {'partner_id': contact.id},
             {'partner_id': self.other_customer.id}),
            ({'channel': 'email'}, {'channel': 'email'}, {'channel': 'web'}),
            ({'tag_ids': [Command.link(self.tag.id)]}, {'tag_ids': [Command.set(self.tag.ids)]}, {}),
            ({'team_ids': [Command.link(self.team.id)]}, {'team_id': self.team.id}, {}),
        ]
        for condition, matching, other in cases:
            with self.subTest(condition=condition):
                rule = self._rule(action='user', user_id=self.manager.id, **condition)
                self.assertEqual(self._new(**matching).user_id, self.manager)
                self.assertNotEqual(self._new(**other).user_id, self.manager)
                rule.active = False

    def test_rule_routes_to_team_then_method(self):
        self._rule(keywords='invoice', action='team', target_team_id=self.billing.id)
        ticket = self._new(name='Invoice missing', team_id=self.team.id)
        self.assertEqual(ticket.team_id, self.billing)
        self.assertIn(ticket.user_id, self.agent2 | self.agent3)
        self.assertIn('Routed to Billing', ticket.message_ids[0].body)

    def test_team_change_assigns(self):
        ticket = self._create_ticket()
        self.assertFalse(ticket.user_id)
        ticket.team_id = self.billing
        self.assertIn(ticket.user_id, self.agent2 | self.agent3)

    def test_additional_assignees_follow_and_are_notified(self):
        ticket = self._create_ticket(user_id=self.agent.id).with_context(mail_notrack=False)
        with self.mock_mail_gateway():
            ticket.user_ids = [Command.link(self.agent2.id)]
            self.flush_tracking()
        self.assertIn(self.agent2.partner_id, ticket.message_partner_ids)
        assigned = self.env['mail.message'].search([
            ('model', '=', ticket._name), ('res_id', '=', ticket.id), ('message_type', '=', 'user_notification')])
        self.assertIn(self.agent2.partner_id, assigned.notified_partner_ids)
        self.assertEqual(self.team.unassigned_ticket_count, 0)
        unassigned = self._create_ticket(user_ids=[Command.set(self.agent3.ids)])
        self.team.invalidate_recordset()
        self.assertEqual(self.team.unassigned_ticket_count, 0, 'an additional assignee counts as assigned')
        self.assertIn(unassigned, self.Ticket.with_user(self.agent3).search(
            ['|', ('user_id', '=', self.agent3.id), ('user_ids', 'in', self.agent3.ids)]))

    def test_additional_assignees_are_tracked(self):
        ticket = self._create_ticket(user_id=self.agent.id).with_context(mail_notrack=False)
        self.flush_tracking()

        def last_tracking():
            values = ticket.message_ids.sudo().tracking_value_ids.filtered(
                lambda v: v.field_id.name == 'user_ids').sorted('id')
            self.assertTrue(values, 'a tracking value for the additional assignees')
            display = values[-1]._tracking_value_format()[0]
            return display['changedField'], display['oldValue']['value'], display['newValue']['value']

        ticket.user_ids = [Command.link(self.agent2.id)]
        self.flush_tracking()
        self.assertEqual(last_tracking(), ('Additional Assignees', '', 'Bert Agent'))
        ticket.user_ids = [Command.link(self.agent3.id)]
        self.flush_tracking()
        self.assertEqual(last_tracking(), ('Additional Assignees', 'Bert Agent', f'Bert Agent, {self.agent3.name}'))
        ticket.user_ids = [Command.unlink(self.agent2.id)]
        self.flush_tracking()
        self.assertEqual(last_tracking(), ('Additional Assignees', f'Bert Agent, {self.agent3.name}', self.agent3.name))
        ticket.user_ids = [Command.clear()]
        self.flush_tracking()
        self.assertEqual(last_tracking(), ('Additional Assignees', self.agent3.name, ''))
        ticket.with_user(self.agent).write({'user_ids': [Command.set((self.agent2 | self.agent3).ids)]})  # the form
        self.flush_tracking()
        self.assertEqual(last_tracking(), ('Additional Assignees', '', f'Bert Agent, {self.agent3.name}'))
        tracked = ticket.message_ids.sudo().tracking_value_ids.filtered(lambda v: v.field_id.name == 'user_ids')
        self.assertEqual(tracked.sorted('id')[-1].mail_message_id.author_id, self.agent.partner_id)

    def test_additional_assignees_get_sla_activity_and_status_mail(self):
        start = datetime(2024, 1, 8, 9, 0)
        with self.mock_datetime_and_now(start):
            ticket = self._create_ticket(user_id=self.agent.id, user_ids=[Command.link(self.agent2.id)],
                                         partner_id=self.customer.id, sla_deadline=datetime(2024, 1, 8, 10, 0))
            self.env.flush_all()
        with self.mock_datetime_and_now(datetime(2024, 1, 8, 11, 0)):
            self.Ticket._cron_check_sla_overdue()
            self.env.flush_all()
        self.assertEqual(ticket.activity_ids.user_id, self.agent | self.agent2)
        with self.mock_mail_gateway():
            ticket.stage_id = self.stage_progress
            self.flush_tracking()
        mails = self.env['mail.mail'].sudo().search([('model', '=', ticket._name), ('res_id', '=', ticket.id)])
        self.assertIn(self.agent2.partner_id, mails.recipient_ids, 'the status mail reaches every assignee')

    def test_query_count_flat_per_batch(self):
        self.Ticket.create([{'name': 'warm', 'team_id': self.auto_team.id}])
        self.env.flush_all()
        counts = []
        for size in (10, 40):
            vals = [{'name': f'Q{i}', 'team_id': self.auto_team.id} for i in range(size)]
            before = self.env.cr.sql_log_count
            self.Ticket.create(vals)
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
        # 30 more tickets cost a bounded number of extra queries (the ORM's per-ticket inserts only)
        self.assertLess((counts[1] - counts[0]) / 30, 4)


@tagged('post_install', '-at_install')
class TestRoutingConcurrency(TransactionCase):
    """Two transactions assigning in the same least-busy team (real cursors, committed data). A plain
    TransactionCase: its own transaction writes nothing the other cursors would wait for."""

    def test_two_cursors_least_busy(self):
        registry = self.registry
        with registry.cursor() as cr:
            env = self.env(cr=cr)
            users = env['res.users'].with_context(no_reset_password=True, mail_create_nolog=True).create([{
                'name': f'Race Agent {i}', 'login': f'hdl_race_{i}_{uuid.uuid4().hex[:8]}',
                'groups_id': [Command.link(env.ref('helpdesk_lite.group_helpdesk_lite_user').id)]} for i in range(2)])
            team = env['helpdesk.lite.team'].create({
                'name': 'Race team', 'assign_method': 'least_busy', 'assign_only_available': False,
                'new_ticket_notify': 'none',
                'member_ids': [Command.set(users.ids)]})
            team_id, user_ids = team.id, users.ids
        try:
            cr1, cr2 = registry.cursor(), registry.cursor()
            try:
                # no mail in committed transactions: no tracking, follower notices or acknowledgements
                quiet = dict(tracking_disable=True, mail_create_nolog=True, helpdesk_lite_no_acknowledgement=True)
                env1, env2 = self.env(cr=cr1, context=quiet), self.env(cr=cr2, context=quiet)
                # both transactions have their snapshot before either assigns
                env2['helpdesk.lite.ticket'].search_count([('team_id', '=', team_id)])
                first = env1['helpdesk.lite.ticket'].create({'name': 'Race 1', 'team_id': team_id})
                first_user = first.user_id.id
                cr1.commit()
                with self.assertRaises(psycopg2.errors.SerializationFailure), mute_logger('odoo.sql_db'):
                    # the stale snapshot still sees no ticket: picking from it is refused, not done
                    env2['helpdesk.lite.ticket'].create({'name': 'Race 2', 'team_id': team_id})
                    env2.flush_all()
                cr2.rollback()
                env2.invalidate_all()
                # the retry (what Odoo does for a request) sees the first ticket and picks the other agent
                second = env2['helpdesk.lite.ticket'].create({'name': 'Race 2', 'team_id': team_id})
                self.assertEqual(set([first_user, second.user_id.id]), set(user_ids))
                cr2.commit()
            finally:
                cr1.close()
                cr2.close()
        finally:
            with registry.cursor() as cr:
                env = self.env(cr=cr)
                tickets = env['helpdesk.lite.ticket'].with_context(active_test=False).search([('team_id', '=', team_id)])
                env['mail.message'].search([('model', '=', tickets._name), ('res_id', 'in', tickets.ids)]).unlink()
                tickets.unlink()
                env['helpdesk.lite.team'].browse(team_id).unlink()
                env['res.users'].browse(user_ids).active = False
