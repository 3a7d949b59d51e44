from odoo import models, tools
from odoo.exceptions import UserError


class HelpdeskLiteTicket(models.Model):
    """Merging tickets of different customers: only on explicit confirmation, and without showing one
    customer's conversation to the other. What comes from another customer's ticket becomes internal
    (agents read it, the portal does not), its files stay on that ticket, and that customer does not
    follow the kept ticket."""
    _inherit = 'helpdesk.lite.ticket'

    def _merge_requester_key(self):
        """Who the ticket is for: its customer's company (or contact), else its requester's email."""
        self.ensure_one()
        if self.partner_id:
            return ('partner', self.partner_id.commercial_partner_id.id)
        email = tools.email_normalize(self.partner_email or '')
        return ('email', email) if email else None

    def _merge_foreign_sources(self, sources):
        key = self._merge_requester_key()
        return sources.filtered(lambda s: (s._merge_requester_key() or key) != key)

    def _merge_from(self, sources):
        self.ensure_one()
        foreign = self._merge_foreign_sources(sources - self)
        if not foreign:
            return super()._merge_from(sources)
        if not self.env.context.get('helpdesk_lite_merge_other_customers'):
            raise UserError(self.env._(
                '%(tickets)s belong to another customer than %(target)s. Confirm that you want to merge '
                'tickets of different customers: their conversations will be visible to agents only.',
                tickets=', '.join(foreign.mapped('display_name')), target=self.display_name))
        # sudo: agents cannot rewrite others' messages, as in _merge_from
        self.env['mail.message'].sudo().search(
            [('model', '=', self._name), ('res_id', 'in', foreign.ids)]).write({'is_internal': True})
        kept_files = self.env['ir.attachment'].sudo().search_fetch(
            [('res_model', '=', self._name), ('res_id', 'in', foreign.ids)], ['res_id'])
        file_owner = {attachment: attachment.res_id for attachment in kept_files}
        followers = self.message_partner_ids
        result = super()._merge_from(sources)
        for res_id, attachments in kept_files.grouped(lambda a: file_owner[a]).items():
            attachments.write({'res_id': res_id})
        outsiders = foreign.message_partner_ids.filtered(lambda p: p not in followers and (
            not p.user_ids or all(user.share for user in p.user_ids)))
        if outsiders:
            self.message_unsubscribe(partner_ids=outsiders.ids)
        return result
