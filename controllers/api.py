import json

from odoo import http
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request


class HelpdeskLiteApi(http.Controller):
    """REST-style JSON API, authenticated with an Odoo API key (`Authorization: Bearer <key>`)."""

    def _json(self, data, status=200):
        return request.make_json_response(data, status=status)

    @http.route('/helpdesk_lite/api/tickets', type='http', auth='bearer', methods=['POST'], csrf=False,
                save_session=False)
    def api_ticket_create(self, **_kwargs):
        try:
            payload = json.loads(request.httprequest.get_data(as_text=True) or 'null')
        except ValueError:
            return self._json({'error': 'The request body is not valid JSON.'}, status=400)
        try:
            ticket = request.env['helpdesk.lite.ticket'].api_create_ticket(payload)
        except ValidationError as error:
            return self._json({'error': error.args[0]}, status=400)
        except AccessError:
            return self._json({'error': 'This API key may not create tickets.'}, status=403)
        return self._json({'ticket': ticket}, status=201)

    @http.route('/helpdesk_lite/api/tickets/<int:ticket_id>', type='http', auth='bearer', methods=['GET'],
                csrf=False, save_session=False, readonly=True)
    def api_ticket_get(self, ticket_id, **_kwargs):
        ticket = request.env['helpdesk.lite.ticket'].browse(ticket_id)
        try:
            ticket.check_access('read')
            return self._json({'ticket': ticket._api_serialize()})
        except (AccessError, MissingError):
            # Same answer for "missing" and "not yours": no existence leak.
            return self._json({'error': 'Ticket not found.'}, status=404)
