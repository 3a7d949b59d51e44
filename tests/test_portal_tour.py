from odoo.tests import HttpCase, new_test_user, tagged


@tagged('post_install', '-at_install')
class TestPortalTour(HttpCase):

    def test_portal_customer_tour(self):
        portal_user = new_test_user(self.env, login='hdl_portal', name='Paula Portal',
                                    email='paula.portal@example.com', groups='base.group_portal')
        self.env['helpdesk.lite.category'].create({'name': 'Tour Hardware', 'portal_published': True})
        self.start_tour('/my/helpdesk', 'helpdesk_lite_portal_tour', login='hdl_portal')

        ticket = self.env['helpdesk.lite.ticket'].search([('name', '=', 'Tour: laptop will not boot')])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.partner_id, portal_user.partner_id)
        self.assertEqual(ticket.channel, 'portal')
        self.assertEqual(ticket.category_id.name, 'Tour Hardware')
        self.assertEqual(ticket.lifecycle, 'closed')
        self.assertEqual(ticket.message_ids.attachment_ids.mapped('name'), ['boot.log'])
        reply = ticket.message_ids.filtered(lambda m: 'Any news about my laptop?' in (m.body or ''))
        self.assertEqual(reply.author_id, portal_user.partner_id)
        self.assertEqual(ticket.rating_last_value, 4)
        self.assertEqual(ticket.rating_ids.filtered('consumed').feedback, 'Fixed quickly, thanks')
