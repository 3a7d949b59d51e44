from odoo import http
from odoo.http import request

from .common import PREFIX, api_route, check_model_access, find, json_body, json_response

TICKET = 'helpdesk.lite.ticket'
ACTIONS = 'resolve,close,reopen,assign,unassign,merge'.split(',')


class HelpdeskLiteApiTickets(http.Controller):
    """Tickets: list with filters and paging, create, read, update, archive or delete, and the
    lifecycle actions. The model methods (``_api_*`` in models/helpdesk_lite_ticket_api.py) validate
    and serialise; these routes only speak HTTP."""

    @api_route(f'{PREFIX}/tickets', ['GET'])
    def api_tickets_list(self, **params):
        check_model_access(TICKET, 'read')
        return json_response(request.env[TICKET]._api_list(params))

    @api_route(f'{PREFIX}/tickets', ['POST'], idempotent=True)
    def api_tickets_create(self, **_params):
        check_model_access(TICKET, 'create')
        ticket = request.env[TICKET]._api_create(json_body())
        return json_response(ticket._api_serialize(), status=201,
                             headers={'Location': f'{PREFIX}/tickets/{ticket.id}'})

    @api_route(f'{PREFIX}/tickets/<int:ticket_id>', ['GET'])
    def api_ticket_get(self, ticket_id, **_params):
        return json_response(find(TICKET, ticket_id)._api_serialize())

    @api_route(f'{PREFIX}/tickets/<int:ticket_id>', ['PUT', 'PATCH'])
    def api_ticket_update(self, ticket_id, **_params):
        ticket = find(TICKET, ticket_id)
        return json_response(ticket._api_update(json_body())._api_serialize())

    @api_route(f'{PREFIX}/tickets/<int:ticket_id>', ['DELETE'])
    def api_ticket_delete(self, ticket_id, hard=None, **_params):
        """Archive the ticket (it stays in reports' history and can be restored); ``?hard=true`` deletes
        it for good (managers only)."""
        ticket = find(TICKET, ticket_id)
        if hard in ('1', 'true'):
            ticket.unlink()
        else:
            ticket.action_archive()
        return json_response(None, status=204)

    @api_route([f'{PREFIX}/tickets/<int:ticket_id>/{action}' for action in ACTIONS], ['POST'])
    def api_ticket_action(self, ticket_id, **_params):
        action = request.httprequest.path.rstrip('/').rsplit('/', 1)[1]
        ticket = find(TICKET, ticket_id)
        return json_response(ticket._api_action(action, json_body(required=False))._api_serialize())

    # ------------------------------------------------------------------------
    # The first, unversioned routes: same behaviour, answers wrapped in {"ticket": ...}
    # ------------------------------------------------------------------------
    @api_route('/helpdesk_lite/api/tickets', ['POST'], idempotent=True)
    def api_legacy_ticket_create(self, **_params):
        check_model_access(TICKET, 'create')
        ticket = request.env[TICKET]._api_create(json_body())
        return json_response({'ticket': ticket._api_serialize()}, status=201)

    @api_route('/helpdesk_lite/api/tickets/<int:ticket_id>', ['GET'])
    def api_legacy_ticket_get(self, ticket_id, **_params):
        return json_response({'ticket': find(TICKET, ticket_id)._api_serialize()})
