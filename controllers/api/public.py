from odoo import http
from odoo.http import request

from odoo.addons.helpdesk_lite.models.ir_http import ApiProblem

from .common import PUBLIC_PREFIX, api_route, json_body, json_response

TICKET = 'helpdesk.lite.ticket'
PUBLIC = 'helpdesk_lite_public'


class HelpdeskLiteApiPublic(http.Controller):
    """Endpoints without an account. A ticket is reached with its id and its access token only (the
    token of the portal links); a wrong token answers exactly like a missing ticket. Every route is
    rate limited per client address."""

    def _ticket(self, ticket_id, token):
        return request.env[TICKET]._api_public_ticket(ticket_id, token)

    @api_route(f'{PUBLIC_PREFIX}/tickets', ['POST'], auth=PUBLIC)
    def api_public_submit(self, **_params):
        ticket = request.env[TICKET]._api_public_submit(json_body(), request.httprequest.remote_addr)
        if not ticket:
            raise ApiProblem(429, 'Too many requests from you in a short time; please try again later.',
                             headers={'Retry-After': '3600'})
        return json_response({'ticket': ticket._api_public_serialize(), 'accessToken': ticket.access_token},
                             status=201)

    @api_route(f'{PUBLIC_PREFIX}/tickets/lookup', ['POST'], auth=PUBLIC)
    def api_public_lookup(self, **_params):
        request.env[TICKET]._api_public_lookup(json_body(), request.httprequest.remote_addr)
        return json_response({'detail': 'If tickets exist for this address, their links were emailed to it.'},
                             status=202)

    @api_route(f'{PUBLIC_PREFIX}/tickets/<int:ticket_id>', ['GET'], auth=PUBLIC)
    def api_public_view(self, ticket_id, token=None, access_token=None, **_params):
        ticket = self._ticket(ticket_id, token or access_token)
        return json_response({'ticket': ticket._api_public_serialize(with_conversation=True)})

    @api_route(f'{PUBLIC_PREFIX}/tickets/<int:ticket_id>/reply', ['POST'], auth=PUBLIC)
    def api_public_reply(self, ticket_id, **_params):
        payload = json_body()
        ticket = self._ticket(ticket_id, isinstance(payload, dict) and payload.get('access_token'))
        message = ticket._api_public_reply(payload)
        return json_response(ticket._api_serialize_comments(message)[0] | {'is_internal': False}, status=201)

    @api_route(f'{PUBLIC_PREFIX}/tickets/<int:ticket_id>/satisfaction', ['POST'], auth=PUBLIC)
    def api_public_rate(self, ticket_id, **_params):
        payload = json_body()
        ticket = self._ticket(ticket_id, isinstance(payload, dict) and payload.get('access_token'))
        rating = ticket._api_public_rate(payload)
        return json_response({'rating': int(rating.rating), 'feedback': rating.feedback or None,
                              'ticket': ticket._api_public_serialize()}, status=201)
