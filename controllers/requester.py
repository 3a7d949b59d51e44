from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

TICKET = 'helpdesk.lite.ticket'


class HelpdeskLiteRequesterConfirm(http.Controller):
    """The link of the acknowledgement that confirms a public-form request belongs to the email's owner.
    GET only shows a button (mail scanners follow links); the POST confirms."""

    def _ticket_for_token(self, ticket_id, token):
        # sudo: the visitor holds no session; the HMAC token is the proof
        ticket = request.env[TICKET].sudo().browse(ticket_id).exists()
        return ticket if ticket and ticket._requester_check_token(token) else None

    @http.route('/helpdesk/confirm/<int:ticket_id>/<string:token>', type='http', auth='public',
                methods=['GET', 'POST'], website=True, sitemap=False)
    def helpdesk_requester_confirm(self, ticket_id, token, **kw):
        ticket = self._ticket_for_token(ticket_id, token)
        if not ticket:
            raise request.not_found()
        if request.httprequest.method == 'POST':
            try:
                ticket._requester_confirm(token)
            except UserError as error:
                raise request.not_found() from error
            access_token = ticket._portal_ensure_token()
            return request.redirect(f'{ticket.access_url}?access_token={access_token}')
        return request.render('helpdesk_lite.requester_confirm', {'ticket': ticket, 'token': token})
