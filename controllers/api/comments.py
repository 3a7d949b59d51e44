from odoo import http

from .common import PREFIX, api_route, find, json_body, json_response

TICKET = 'helpdesk.lite.ticket'


class HelpdeskLiteApiComments(http.Controller):
    """Comments of a ticket: public replies (mailed to its followers, the customer among them) and
    internal notes. Only one's own comments can be edited or deleted."""

    @api_route(f'{PREFIX}/tickets/<int:ticket_id>/comments', ['GET'])
    def api_comments_list(self, ticket_id, **params):
        return json_response(find(TICKET, ticket_id)._api_comments(params))

    @api_route(f'{PREFIX}/tickets/<int:ticket_id>/comments', ['POST'], idempotent=True)
    def api_comments_add(self, ticket_id, **_params):
        ticket = find(TICKET, ticket_id)
        message = ticket._api_comment_post(json_body())
        return json_response(ticket._api_serialize_comments(message)[0], status=201)

    @api_route(f'{PREFIX}/tickets/<int:ticket_id>/comments/<int:comment_id>', ['PUT', 'PATCH'])
    def api_comment_update(self, ticket_id, comment_id, **_params):
        ticket = find(TICKET, ticket_id)
        message = ticket._api_comment_update(comment_id, json_body())
        return json_response(ticket._api_serialize_comments(message)[0])

    @api_route(f'{PREFIX}/tickets/<int:ticket_id>/comments/<int:comment_id>', ['DELETE'])
    def api_comment_delete(self, ticket_id, comment_id, **_params):
        find(TICKET, ticket_id)._api_comment_delete(comment_id)
        return json_response(None, status=204)
