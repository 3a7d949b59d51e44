"""Portal side of on-site visits: the .ics download and the customer's reschedule/cancel request.

Access goes through the ticket exactly as the ticket page does (the visitor may read the ticket, or
holds its token); the visit must belong to that ticket. Any failure answers 404, as for a ticket that
does not exist. Portal users have no access right on visits themselves: Odoo's generic routes
(/web/dataset/call_kw, /mail/message/post, ...) refuse them.
"""
from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from .portal import HelpdeskLiteCustomerPortal


class HelpdeskLiteAppointmentPortal(HelpdeskLiteCustomerPortal):

    def _helpdesk_lite_success_messages(self):
        messages = super()._helpdesk_lite_success_messages()
        messages['visit_request'] = request.env._('Thank you: we received your request about the visit and '
                                                  'will get back to you.')
        return messages

    def _helpdesk_lite_visit_sudo(self, ticket_id, appointment_id, access_token):
        ticket_sudo = self._helpdesk_lite_ticket_sudo(ticket_id, access_token)
        if not ticket_sudo:
            return None, None
        visit_sudo = ticket_sudo.appointment_ids.filtered(lambda a: a.id == appointment_id)
        return (ticket_sudo, visit_sudo) if visit_sudo else (None, None)

    @http.route('/my/helpdesk/<int:ticket_id>/visit/<int:appointment_id>/ics', type='http', auth='public',
                methods=['GET'], website=True, sitemap=False, readonly=True)
    def portal_helpdesk_visit_ics(self, ticket_id, appointment_id, access_token=None, **kw):
        _ticket_sudo, visit_sudo = self._helpdesk_lite_visit_sudo(ticket_id, appointment_id, access_token)
        if not visit_sudo:
            raise request.not_found()
        return request.make_response(visit_sudo._ics_content(), headers=[
            ('Content-Type', 'text/calendar; charset=utf-8'),
            ('Content-Disposition', http.content_disposition(visit_sudo._ics_filename())),
            ('X-Content-Type-Options', 'nosniff'),
            ('Cache-Control', 'private, no-store'),
        ])

    @http.route('/my/helpdesk/<int:ticket_id>/visit/<int:appointment_id>/request', type='http', auth='public',
                methods=['POST'], website=True, sitemap=False)
    def portal_helpdesk_visit_request(self, ticket_id, appointment_id, access_token=None, kind=None, message=None,
                                      **kw):
        ticket_sudo, visit_sudo = self._helpdesk_lite_visit_sudo(ticket_id, appointment_id, access_token)
        if not visit_sudo:
            raise request.not_found()
        try:
            visit_sudo._portal_request_change(self._helpdesk_lite_requester(ticket_sudo), kind, message)
        except UserError as error:
            return self._helpdesk_lite_render_ticket(ticket_sudo, access_token, error_message=error.args[0])
        return request.redirect(self._helpdesk_lite_ticket_url(ticket_sudo, access_token, success='visit_request'))
