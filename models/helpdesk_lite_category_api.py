from odoo import api, models

from . import helpdesk_lite_api_payload as payload_

MEMBERS = {'name', 'description', 'color', 'parent_id', 'portal_published', 'active'}
MAX_NAME = 128
MAX_DESCRIPTION = 10_000
# Odoo's colour palette has 12 entries (0: none)
MAX_COLOR = 11


class HelpdeskLiteCategoryApi(models.Model):
    """Categories in the JSON API. ``color`` is the index in Odoo's colour palette (0-11), as in the
    kanban views; hierarchy through ``parent_id``."""
    _inherit = 'helpdesk.lite.category'

    def _api_serialize_many(self):
        return [{
            'id': category.id,
            'name': category.name,
            'full_name': category.complete_name,
            'description': category.description or '',
            'color': category.color or 0,
            'parent_id': category.parent_id.id or None,
            'portal_published': category.portal_published,
            'active': category.active,
        } for category in self]

    @api.model
    def _api_values(self, payload, creating=False):
        payload_.require_object(payload)
        payload_.reject_unknown(payload, MEMBERS)
        vals = {}
        name = payload_.read_str(payload, 'name', required=creating or 'name' in payload, max_length=MAX_NAME)
        if name:
            vals['name'] = name
        description = payload_.read_str(payload, 'description', max_length=MAX_DESCRIPTION)
        if description is not None:
            vals['description'] = description
        color = payload_.read_number(payload, 'color', maximum=MAX_COLOR)
        if color is not None:
            vals['color'] = int(color)
        if 'parent_id' in payload:
            parent_id = payload_.read_id(payload, 'parent_id')
            vals['parent_id'] = parent_id and self.env['helpdesk.lite.ticket']._api_ref(
                self._name, parent_id, 'parent_id').id
        for flag in ('portal_published', 'active'):
            value = payload_.read_bool(payload, flag)
            if value is not None:
                vals[flag] = value
        return vals
