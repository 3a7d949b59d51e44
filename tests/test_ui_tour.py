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

    def test_screens_tour(self):
        """Kanban card numbers on one line and a new ticket's breadcrumb, in a real browser."""
        self.env['helpdesk.lite.ticket'].create({
            'name': 'A long title that takes the whole width of a kanban card and then some more words',
            'team_id': self.env.ref('helpdesk_lite.team_support').id})
        self.start_tour('/odoo/helpdesk-lite', 'helpdesk_lite_screens_tour', login='admin')
