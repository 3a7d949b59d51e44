from odoo.tests import HttpCase, tagged


@tagged('post_install', '-at_install')
class TestCannedTour(HttpCase):

    def test_canned_response_slash_tour(self):
        customer = self.env['res.partner'].create({'name': 'Tour Customer', 'email': 'tour.customer@example.com'})
        ticket = self.env['helpdesk.lite.ticket'].create({'name': 'Tour: canned', 'partner_id': customer.id})
        canned = self.env.ref('helpdesk_lite.canned_response_thanks')
        self.start_tour(f'/odoo/action-helpdesk_lite.helpdesk_lite_ticket_action/{ticket.id}',
                        'helpdesk_lite_canned_tour', login='admin')
        message = ticket.message_ids.filtered(lambda m: 'thank you for contacting us' in (m.body or ''))
        self.assertEqual(len(message), 1)
        self.assertIn(ticket.number, message.body)
        self.assertEqual(message.author_id, self.env.ref('base.user_admin').partner_id)
        self.assertEqual(canned.helpdesk_lite_use_count, 1)
