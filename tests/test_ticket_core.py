from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestTicketCore(HelpdeskLiteCommon):

    def test_sequence_unique_in_batch(self):
        tickets = self.Ticket.create([{'name': f'Ticket {i}', 'team_id': self.team.id} for i in range(30)])
        numbers = tickets.mapped('number')
        self.assertEqual(len(set(numbers)), 30)
        self.assertTrue(all(n.startswith('HD') and len(n) >= 7 for n in numbers), numbers)
        self.assertEqual(tickets[0].display_name, f'[{tickets[0].number}] Ticket 0')
        # the number is searchable, and a copy gets a new one
        self.assertEqual(self.Ticket.name_search(tickets[3].number), [(tickets[3].id, tickets[3].display_name)])
        copy = tickets[0].copy()
        self.assertNotEqual(copy.number, tickets[0].number)
        self.assertEqual(copy.name, 'Ticket 0 (copy)')

    def test_default_stage_and_closed_date(self):
        ticket = self._create_ticket()
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertFalse(ticket.closed_date)
        ticket.stage_id = self.stage_done
        self.assertTrue(ticket.is_closed)
        self.assertTrue(ticket.closed_date)
        ticket.stage_id = self.stage_progress
        self.assertFalse(ticket.closed_date)
        self.assertEqual(ticket.reopen_count, 1)
        # created directly in a closing stage: closed at once
        closed = self._create_ticket(stage_id=self.stage_done.id)
        self.assertTrue(closed.closed_date)

    def test_default_stage_follows_stage_changes(self):
        self.assertEqual(self._create_ticket().stage_id, self.stage_new)
        # a new first stage, then one of the team's own: each applies to the next ticket
        triage = self.env['helpdesk.lite.stage'].create({'name': 'Triage', 'lifecycle': 'new', 'sequence': -1})
        self.assertEqual(self._create_ticket().stage_id, triage)
        own = self.env['helpdesk.lite.stage'].create({'name': 'Team intake', 'lifecycle': 'new', 'sequence': -2})
        self.team.stage_ids = [Command.link(own.id)]
        other_team = self.env['helpdesk.lite.team'].create({'name': 'Other'})
        self.assertEqual(self._create_ticket(team_id=self.team.id).stage_id, own)
        self.assertEqual(self._create_ticket(team_id=other_team.id).stage_id, triage, "not the other team's")
        triage.active = False
        self.assertEqual(self._create_ticket(team_id=other_team.id).stage_id, self.stage_new)

    def test_requester_synced_from_partner(self):
        partner = self.env['res.partner'].create({
            'name': 'Zoë Ç', 'email': 'zoe@example.com', 'phone': '+32 2 555 01 01'})
        ticket = self._create_ticket(partner_name='Typed Name', partner_email='typed@example.com')
        self.assertEqual((ticket.partner_name, ticket.partner_email), ('Typed Name', 'typed@example.com'))
        ticket.partner_id = partner
        self.assertRecordValues(ticket, [{
            'partner_name': 'Zoë Ç', 'partner_email': 'zoe@example.com', 'partner_phone': '+32 2 555 01 01'}])
        with Form(self.Ticket) as form:
            form.name = 'From the form'
            form.partner_id = partner
            self.assertEqual(form.partner_email, 'zoe@example.com')

    def test_age_and_overdue(self):
        ticket = self._create_ticket(sla_deadline='2000-01-01 00:00:00')
        self.assertTrue(ticket.is_overdue)
        self.assertIn(ticket, self.Ticket.search([('is_overdue', '=', True)]))
        self.assertNotIn(ticket, self.Ticket.search([('is_overdue', '=', False)]))
        ticket.stage_id = self.stage_done
        self.assertFalse(ticket.is_overdue)
        self.assertGreaterEqual(ticket.age_days, 0)

    def test_access_by_role(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        # agents read, write and create, but cannot delete
        ticket.with_user(self.agent).write({'priority': '2'})
        self.Ticket.with_user(self.agent).create({'name': 'By agent', 'team_id': self.team.id})
        with self.assertRaises(AccessError):
            ticket.with_user(self.agent).unlink()
        # agents cannot configure
        with self.assertRaises(AccessError):
            self.env['helpdesk.lite.stage'].with_user(self.agent).create({'name': 'Nope'})
        # managers can
        self.env['helpdesk.lite.stage'].with_user(self.manager).create({'name': 'Triage', 'lifecycle': 'open'})
        ticket.with_user(self.manager).unlink()
        # plain internal users without the helpdesk group see nothing
        employee = new_test_user(self.env, login='hdl_employee', groups='base.group_user')
        with self.assertRaises(AccessError):
            self.Ticket.with_user(employee).search([])

    def test_multi_company_isolation(self):
        other_company = self.env['res.company'].create({'name': 'Other Co'})
        other_team = self.env['helpdesk.lite.team'].create({'name': 'Other Team', 'company_id': other_company.id})
        foreign = self.Ticket.create({'name': 'Foreign', 'team_id': other_team.id})
        self.assertEqual(foreign.company_id, other_company)
        self.assertNotIn(foreign, self.Ticket.with_user(self.agent).search([]))
        with self.assertRaises(AccessError):
            foreign.with_user(self.agent).read(['name'])

    def test_partner_counter_query_count_is_flat(self):
        company = self.env['res.partner'].create({'name': 'ACME', 'is_company': True})
        contact = self.env['res.partner'].create({'name': 'Wile', 'parent_id': company.id})
        partners = self.env['res.partner'].create([{'name': f'P{i}'} for i in range(5)])
        self.Ticket.create([{'name': f'T{i}', 'partner_id': contact.id} for i in range(3)])
        self.Ticket.create([{'name': f'U{i}', 'partner_id': company.id} for i in range(2)])
        self.Ticket.create([{'name': f'V{i}', 'partner_id': partners[i % 5].id} for i in range(10)])
        all_partners = company | contact | partners
        all_partners.invalidate_recordset()
        with self.assertQueryCount(3):
            counts = all_partners.mapped('helpdesk_lite_ticket_count')
        self.assertEqual(counts, [5, 3, 2, 2, 2, 2, 2])
        # ten times more tickets: same number of queries
        self.Ticket.create([{'name': f'W{i}', 'partner_id': partners[i % 5].id} for i in range(100)])
        all_partners.invalidate_recordset()
        with self.assertQueryCount(3):
            counts = all_partners.mapped('helpdesk_lite_ticket_count')
        self.assertEqual(counts, [5, 3, 22, 22, 22, 22, 22])
        action = company.action_view_helpdesk_lite_tickets()
        self.assertEqual(self.Ticket.search_count(action['domain']), 5)

    def test_team_counters_one_query(self):
        teams = self.team | self.env['helpdesk.lite.team'].create({'name': 'Second'})
        self._create_ticket(priority='3')
        self._create_ticket(user_id=self.agent.id, sla_deadline='2000-01-01 00:00:00')
        self._create_ticket(stage_id=self.stage_done.id, priority='3')
        self.Ticket.create({'name': 'Second team', 'team_id': teams[1].id, 'priority': '3'})
        teams.invalidate_recordset()
        with self.assertQueryCount(1):
            teams.mapped('open_ticket_count')
        self.assertRecordValues(teams, [
            {'open_ticket_count': 2, 'unassigned_ticket_count': 1, 'urgent_ticket_count': 1, 'overdue_ticket_count': 1},
            {'open_ticket_count': 1, 'unassigned_ticket_count': 1, 'urgent_ticket_count': 1, 'overdue_ticket_count': 0},
        ])
        self.Ticket.create([{'name': f'Bulk {i}', 'team_id': self.team.id} for i in range(50)])
        teams.invalidate_recordset()
        with self.assertQueryCount(1):
            self.assertEqual(teams[0].open_ticket_count, 52)
        action = teams[0].action_urgent_tickets()
        self.assertEqual(self.Ticket.search_count(action['domain']), 1)
