from odoo import http
from odoo.http import request

from .common import PREFIX, PUBLIC_PREFIX, api_route, check_model_access, json_body, json_response

TICKET = 'helpdesk.lite.ticket'


class HelpdeskLiteApiChat(http.Controller):
    """A chatbot's backend hands a conversation over to the helpdesk. Authenticated with an API key
    (the spec's "public" paths are kept as aliases, but a ticket made from a chat is never anonymous
    to create); idempotent on ``conversation_id``: 201 the first time, 200 with the same ticket after."""

    def _answer(self, escalation):
        check_model_access(TICKET, 'create')
        ticket, created = request.env[TICKET]._api_from_chat(json_body(), escalation=escalation)
        public = ticket.sudo()._api_public_serialize()
        return json_response({
            'ticket': ticket._api_serialize(),
            'accessToken': ticket.sudo().access_token,
            'portal_url': public['portal_url'],
            'created': created,
        }, status=201 if created else 200)

    @api_route([f'{PREFIX}/chat/tickets', f'{PUBLIC_PREFIX}/tickets/from-chat'], ['POST'], idempotent=True)
    def api_chat_ticket(self, **_params):
        return self._answer(escalation=False)

    @api_route([f'{PREFIX}/chat/escalations', f'{PUBLIC_PREFIX}/tickets/escalate'], ['POST'], idempotent=True)
    def api_chat_escalate(self, **_params):
        return self._answer(escalation=True)
