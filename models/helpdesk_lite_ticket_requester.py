from odoo import fields, models, tools
from odoo.exceptions import UserError


class HelpdeskLiteTicket(models.Model):
    """Requesters who are not who they say: a visitor of the public form may type any known customer's
    email. Such a ticket keeps the typed name and email, and the contact owning the email waits in
    ``unverified_partner_id`` (agents see it) until that contact confirms, through the link of the
    acknowledgement sent to that very address, that the request is theirs."""
    _inherit = 'helpdesk.lite.ticket'

    unverified_partner_id = fields.Many2one(
        'res.partner', string='Unconfirmed Customer', readonly=True, copy=False, index='btree_not_null',
        help='The contact whose email was typed in the public form. Not confirmed yet: the ticket is not in '
             'their portal nor in their name until they confirm it from the acknowledgement email.')

    def _requester_confirm_token(self):
        self.ensure_one()
        return tools.hmac(self.env(su=True), 'helpdesk_lite.requester_confirm',
                          (self.id, self.unverified_partner_id.id, tools.email_normalize(self.partner_email or '')))

    def _requester_confirm_url(self):
        self.ensure_one()
        return f'/helpdesk/confirm/{self.id}/{self._requester_confirm_token()}'

    def _requester_check_token(self, token):
        self.ensure_one()
        return bool(self.unverified_partner_id and token and tools.consteq(self._requester_confirm_token(), token))

    def _requester_confirm(self, token):
        """The email's owner confirms the request: the contact becomes the ticket's customer (and follower)."""
        self.ensure_one()
        if not self._requester_check_token(token):
            raise UserError(self.env._('This confirmation link is not valid (anymore).'))
        partner = self.unverified_partner_id
        self.write({'partner_id': partner.id, 'unverified_partner_id': False})
        self.message_subscribe(partner_ids=partner.ids)
        self._message_log(body=self.env._('The requester confirmed the request: %(partner)s.', partner=partner.name))
        return True
