from odoo.tests import HttpCase, tagged


@tagged('post_install', '-at_install')
class TestBackendTour(HttpCase):

    def test_backend_ticket_tour(self):
        self.start_tour('/odoo/helpdesk-lite', 'helpdesk_lite_backend_tour', login='admin')
        ticket = self.env['helpdesk.lite.ticket'].search([('name', '=', 'Tour: VPN drops every hour')])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.stage_id, self.env.ref('helpdesk_lite.stage_done'))
        self.assertEqual(ticket.priority, '3')
        self.assertTrue(ticket.closed_date)
