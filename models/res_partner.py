from odoo import fields, models


class ResPartner(models.Model):
    _inherit = 'res.partner'

    helpdesk_lite_ticket_count = fields.Integer(
        string='Support Tickets', compute='_compute_helpdesk_lite_ticket_count',
        groups='helpdesk_lite.group_helpdesk_lite_user')
    helpdesk_lite_share_with_company = fields.Boolean(
        string='Share Support Tickets Within Company',
        help='On a customer company: all its contacts with portal access see every support ticket of the '
             "company's contacts, not only their own.")

    def _compute_helpdesk_lite_ticket_count(self):
        # Two queries whatever the number of partners or tickets: the partners' contacts, then one
        # grouped count. A company's counter includes its contacts' tickets.
        all_partners = self.with_context(active_test=False).search_fetch(
            [('id', 'child_of', self.ids)], ['parent_id'])
        groups = self.env['helpdesk.lite.ticket']._read_group(
            [('partner_id', 'in', all_partners.ids)], ['partner_id'], ['__count'])
        self.helpdesk_lite_ticket_count = 0
        self_ids = set(self._ids)
        for partner, count in groups:
            while partner:
                if partner.id in self_ids:
                    partner.helpdesk_lite_ticket_count += count
                partner = partner.parent_id

    def action_view_helpdesk_lite_tickets(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_lite.helpdesk_lite_ticket_action')
        action.update(
            domain=[('partner_id', 'child_of', self.id)],
            context={'default_partner_id': self.id, 'search_default_filter_open': 1},
        )
        return action
