from odoo import http
from odoo.http import request

from odoo.addons.helpdesk_lite.models import helpdesk_lite_api_payload as payload_

from .common import PREFIX, api_route, check_model_access, find, json_body, json_response

WEBHOOK = 'helpdesk.lite.webhook'
MEMBERS = {'url', 'events', 'name', 'description', 'team_ids', 'include_internal_notes'}
PATHS = [f'{PREFIX}/webhooks']
ITEM_PATHS = [f'{PREFIX}/webhooks/<int:record_id>']


def _check_shape(payload):
    """Wrong JSON types answer 400 naming the member; the model then checks the values (422)."""
    payload_.require_object(payload)
    payload_.reject_unknown(payload, MEMBERS)
    payload_.read_str(payload, 'url', required=True, max_length=2048)
    events = payload.get('events')
    if not isinstance(events, list) or not events or not all(isinstance(name, str) for name in events):
        raise payload_.ApiBadRequest('events', 'must be a non-empty list of event names')
    payload_.read_str(payload, 'name', max_length=200)
    payload_.read_str(payload, 'description', max_length=10_000, strip=False)
    payload_.read_ids(payload, 'team_ids')
    payload_.read_bool(payload, 'include_internal_notes')


class HelpdeskLiteApiWebhooks(http.Controller):
    """Webhook subscriptions: list, create (the signing secret is in that answer only), read, delete.
    Helpdesk managers only (the model's access rights); other companies' subscriptions do not exist."""

    @api_route(PATHS, ['GET'])
    def api_webhooks_list(self, **_params):
        check_model_access(WEBHOOK, 'read')
        return json_response({'webhooks': request.env[WEBHOOK].api_list_subscriptions()})

    @api_route(PATHS, ['POST'], idempotent=True)
    def api_webhooks_create(self, **_params):
        check_model_access(WEBHOOK, 'create')
        payload = json_body()
        _check_shape(payload)
        if payload.get('team_ids'):
            # a team of another company is refused like one that does not exist
            Ticket = request.env['helpdesk.lite.ticket']
            for team_id in payload['team_ids']:
                Ticket._api_ref('helpdesk.lite.team', team_id, 'team_ids')
        return json_response(request.env[WEBHOOK].api_create_subscription(payload), status=201)

    @api_route(ITEM_PATHS, ['GET'])
    def api_webhook_get(self, record_id, **_params):
        check_model_access(WEBHOOK, 'read')
        return json_response(find(WEBHOOK, record_id)._api_serialize())

    @api_route(ITEM_PATHS, ['DELETE'])
    def api_webhook_delete(self, record_id, **_params):
        check_model_access(WEBHOOK, 'unlink')
        find(WEBHOOK, record_id).api_delete_subscription()
        return json_response(None, status=204)
