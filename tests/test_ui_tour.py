from datetime import timedelta

from odoo.tests import HttpCase, tagged


@tagged('post_install', '-at_install')
class TestBackendTour(HttpCase):

    def test_backend_ticket_tour(self):
        self.start_tour('/odoo/helpdesk-lite', 'helpdesk_lite_backend_tour', login='admin')
        ticket = self.env['helpdesk.lite.ticket'].search([('name', '=', 'Tour: VPN drops every hour')])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.stage_id, self.env.ref('helpdesk_lite.stage_resolved'))
        self.assertEqual(ticket.priority, '3')
        self.assertTrue(ticket.closed_date)

    def test_kanban_move_tour(self):
        """Dragging a card to another column changes the ticket's stage (the cards read their stage's id only)."""
        ticket = self.env['helpdesk.lite.ticket'].create({
            'name': 'Tour: move me', 'team_id': self.env.ref('helpdesk_lite.team_support').id})
        self.assertEqual(ticket.stage_id, self.env.ref('helpdesk_lite.stage_new'))
        self.start_tour('/odoo/helpdesk-lite', 'helpdesk_lite_kanban_move_tour', login='admin')
        self.assertEqual(ticket.stage_id, self.env.ref('helpdesk_lite.stage_in_progress'))

    def test_screens_tour(self):
        """Kanban card numbers on one line and a new ticket's breadcrumb, in a real browser."""
        self.env['helpdesk.lite.ticket'].create({
            'name': 'A long title that takes the whole width of a kanban card and then some more words',
            'team_id': self.env.ref('helpdesk_lite.team_support').id})
        self.start_tour('/odoo/helpdesk-lite', 'helpdesk_lite_screens_tour', login='admin')

    def test_sla_countdown_tour(self):
        """The countdowns the browser computes from the stored deadlines: list, kanban card and form."""
        # without a policy the manual deadline is the only target: known texts in the browser
        self.env['helpdesk.lite.sla.policy'].search([]).active = False
        now = self.env.cr.now().replace(microsecond=0)
        team = self.env.ref('helpdesk_lite.team_support')
        due, late = self.env['helpdesk.lite.ticket'].create([
            {'name': 'Countdown: due later', 'team_id': team.id, 'priority': '3',
             'sla_deadline': now + timedelta(hours=5)},
            {'name': 'Countdown: already late', 'team_id': team.id, 'priority': '3',
             'sla_deadline': now - timedelta(hours=1, minutes=30)},
        ])
        self.assertEqual(due.sla_resolve_deadline, now + timedelta(hours=5))
        self.assertEqual(late.sla_next_deadline, now - timedelta(hours=1, minutes=30))
        self.assertFalse(due.sla_response_deadline)
        self.start_tour('/odoo/helpdesk-lite?view_type=list', 'helpdesk_lite_sla_countdown_tour', login='admin')
