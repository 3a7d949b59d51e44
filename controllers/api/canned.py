from odoo import http
from odoo.http import request

from odoo.addons.helpdesk_lite.models import helpdesk_lite_api_payload as payload_

from .common import PREFIX, api_route, check_model_access, find, json_body, json_response

CANNED = 'mail.canned.response'


def _paths(suffix=''):
    return [f'{PREFIX}/canned-responses{suffix}', f'{PREFIX}/tickets/canned-responses{suffix}']


class HelpdeskLiteApiCanned(http.Controller):
    """Canned responses: list (``?q=`` searches shortcut and content), create, read, update, delete and
    ``use`` (count a use; with a ``ticket_id``, the content filled in for that ticket)."""

    @api_route(_paths(), ['GET'])
    def api_canned_list(self, q=None, **_params):
        check_model_access(CANNED, 'read')
        domain = ['|', ('source', 'ilike', q[:100]), ('substitution', 'ilike', q[:100])] if q else []
        records = request.env[CANNED].search(domain, order='source, id', limit=1000)
        return json_response({'canned_responses': records._api_serialize_many()})

    @api_route(_paths(), ['POST'], idempotent=True)
    def api_canned_create(self, **_params):
        check_model_access(CANNED, 'create')
        record = request.env[CANNED].create(request.env[CANNED]._api_values(json_body(), creating=True))
        return json_response(record._api_serialize_many()[0], status=201)

    @api_route(_paths('/<int:record_id>'), ['GET'])
    def api_canned_get(self, record_id, **_params):
        return json_response(find(CANNED, record_id)._api_serialize_many()[0])

    @api_route(_paths('/<int:record_id>'), ['PUT', 'PATCH'])
    def api_canned_update(self, record_id, **_params):
        record = find(CANNED, record_id)
        record.write(record._api_values(json_body()))
        return json_response(record._api_serialize_many()[0])

    @api_route(_paths('/<int:record_id>'), ['DELETE'])
    def api_canned_delete(self, record_id, **_params):
        find(CANNED, record_id).unlink()
        return json_response(None, status=204)

    @api_route(_paths('/<int:record_id>/use'), ['POST'])
    def api_canned_use(self, record_id, **_params):
        canned = find(CANNED, record_id)
        body = json_body(required=False)
        payload_.require_object(body)
        payload_.reject_unknown(body, {'ticket_id'})
        ticket_id = payload_.read_id(body, 'ticket_id')
        Ticket = request.env['helpdesk.lite.ticket']
        ticket = ticket_id and Ticket._api_ref('helpdesk.lite.ticket', ticket_id, 'ticket_id')
        return json_response(canned._api_use(ticket))
