from odoo import http
from odoo.http import request

from .common import PREFIX, api_route, check_model_access, find, json_body, json_response

# Spec paths live under /tickets/...; the short ones are the same routes.
RESOURCES = {
    'categories': ('helpdesk.lite.category', 'categories'),
    'sla-policies': ('helpdesk.lite.sla.policy', 'sla_policies'),
}


def _paths(resource, suffix=''):
    return [f'{PREFIX}/{resource}{suffix}', f'{PREFIX}/tickets/{resource}{suffix}']


class HelpdeskLiteApiConfig(http.Controller):
    """Categories and SLA policies: list (``?active=false`` includes archived ones), create, read,
    update, delete. Agents can read them, managers change them (access rights of the key's user)."""

    def _resource(self):
        parts = request.httprequest.path.split('/')
        return next(RESOURCES[part] for part in parts if part in RESOURCES)

    def _list(self, active):
        model, plural = self._resource()
        check_model_access(model, 'read')
        Model = request.env[model]
        if active in ('false', '0', 'all'):
            Model = Model.with_context(active_test=False)
        return json_response({plural: Model.search([])._api_serialize_many()})

    def _create(self):
        model, _plural = self._resource()
        check_model_access(model, 'create')
        record = request.env[model].create(request.env[model]._api_values(json_body(), creating=True))
        return json_response(record._api_serialize_many()[0], status=201)

    def _get(self, record_id):
        model, _plural = self._resource()
        return json_response(find(model, record_id).with_context(active_test=False)._api_serialize_many()[0])

    def _update(self, record_id):
        model, _plural = self._resource()
        record = find(model, record_id)
        record.write(record._api_values(json_body()))
        return json_response(record._api_serialize_many()[0])

    def _delete(self, record_id):
        model, _plural = self._resource()
        find(model, record_id).unlink()
        return json_response(None, status=204)

    @api_route(_paths('categories'), ['GET'])
    def api_categories_list(self, active=None, **_params):
        return self._list(active)

    @api_route(_paths('categories'), ['POST'], idempotent=True)
    def api_categories_create(self, **_params):
        return self._create()

    @api_route(_paths('categories', '/<int:record_id>'), ['GET'])
    def api_category_get(self, record_id, **_params):
        return self._get(record_id)

    @api_route(_paths('categories', '/<int:record_id>'), ['PUT', 'PATCH'])
    def api_category_update(self, record_id, **_params):
        return self._update(record_id)

    @api_route(_paths('categories', '/<int:record_id>'), ['DELETE'])
    def api_category_delete(self, record_id, **_params):
        return self._delete(record_id)

    @api_route(_paths('sla-policies'), ['GET'])
    def api_sla_policies_list(self, active=None, **_params):
        return self._list(active)

    @api_route(_paths('sla-policies'), ['POST'], idempotent=True)
    def api_sla_policies_create(self, **_params):
        return self._create()

    @api_route(_paths('sla-policies', '/<int:record_id>'), ['GET'])
    def api_sla_policy_get(self, record_id, **_params):
        return self._get(record_id)

    @api_route(_paths('sla-policies', '/<int:record_id>'), ['PUT', 'PATCH'])
    def api_sla_policy_update(self, record_id, **_params):
        return self._update(record_id)

    @api_route(_paths('sla-policies', '/<int:record_id>'), ['DELETE'])
    def api_sla_policy_delete(self, record_id, **_params):
        return self._delete(record_id)
