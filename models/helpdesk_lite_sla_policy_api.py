from odoo import api, fields, models

from . import helpdesk_lite_api_payload as payload_
from .helpdesk_lite_ticket_api import API_PRIORITIES, PRIORITY_WORDS

MEMBERS = {'name', 'description', 'first_response_hours', 'resolution_hours', 'priority_overrides',
           'business_hours_only', 'calendar_id', 'is_default', 'active', 'team_ids', 'category_ids', 'priority',
           'at_risk_percent', 'sequence'}
TARGET_MEMBERS = {'first_response_hours', 'resolution_hours'}
MAX_HOURS = 24 * 365


class HelpdeskLiteSlaPolicyApi(models.Model):
    """SLA policies in the JSON API. ``priority_overrides`` ({"urgent": {"first_response_hours": 1,
    "resolution_hours": 4}}) are the policy's per-priority lines; sending it replaces them all."""
    _inherit = 'helpdesk.lite.sla.policy'

    def _api_serialize_many(self):
        return [{
            'id': policy.id,
            'name': policy.name,
            'description': policy.description or '',
            'first_response_hours': policy.response_hours,
            'resolution_hours': policy.resolution_hours,
            'priority_overrides': {
                PRIORITY_WORDS[line.priority]: {'first_response_hours': line.response_hours,
                                                'resolution_hours': line.resolution_hours}
                for line in policy.line_ids},
            'business_hours_only': policy.business_hours_only,
            'calendar_id': policy.calendar_id.id or None,
            'is_default': policy.is_default,
            'active': policy.active,
            'team_ids': policy.team_ids.ids,
            'category_ids': policy.category_ids.ids,
            'priority': PRIORITY_WORDS.get(policy.priority),
            'at_risk_percent': policy.at_risk_percent,
            'sequence': policy.sequence,
        } for policy in self]

    @api.model
    def _api_targets(self, payload):
        vals = {}
        for member, field in (('first_response_hours', 'response_hours'), ('resolution_hours', 'resolution_hours')):
            hours = payload_.read_number(payload, member, maximum=MAX_HOURS)
            if hours is not None:
                vals[field] = hours
        return vals

    @api.model
    def _api_values(self, payload, creating=False):
        payload_.require_object(payload)
        payload_.reject_unknown(payload, MEMBERS)
        Ticket = self.env['helpdesk.lite.ticket']
        vals = self._api_targets(payload)
        name = payload_.read_str(payload, 'name', required=creating or 'name' in payload, max_length=128)
        if name:
            vals['name'] = name
        description = payload_.read_str(payload, 'description', max_length=10_000)
        if description is not None:
            vals['description'] = description
        for flag in ('business_hours_only', 'is_default', 'active'):
            value = payload_.read_bool(payload, flag)
            if value is not None:
                vals[flag] = value
        for member, maximum in (('at_risk_percent', 100), ('sequence', 10_000)):
            value = payload_.read_number(payload, member, maximum=maximum)
            if value is not None:
                vals[member] = value
        if 'priority' in payload:
            vals['priority'] = payload_.read_choice(payload, 'priority', API_PRIORITIES) or False
        if 'calendar_id' in payload:
            calendar_id = payload_.read_id(payload, 'calendar_id')
            vals['calendar_id'] = calendar_id and Ticket._api_ref('resource.calendar', calendar_id, 'calendar_id').id
        elif creating and vals.get('business_hours_only', True):
            vals['calendar_id'] = self.env.company.resource_calendar_id.id
        for member, model in (('team_ids', 'helpdesk.lite.team'), ('category_ids', 'helpdesk.lite.category')):
            if member in payload:
                ids = [Ticket._api_ref(model, record_id, member).id for record_id in payload_.read_ids(payload, member)]
                vals[member] = [fields.Command.set(ids)]
        if 'priority_overrides' in payload:
            overrides = payload['priority_overrides']
            overrides = {} if overrides is None else overrides
            if not isinstance(overrides, dict):
                raise payload_.ApiBadRequest('priority_overrides', 'must be an object keyed by priority')
            lines = [fields.Command.clear()]
            for word, targets in overrides.items():
                member = f'priority_overrides.{word}'
                if word not in API_PRIORITIES:
                    raise payload_.ApiBadRequest(member, f'priority must be one of {", ".join(API_PRIORITIES)}')
                if not isinstance(targets, dict):
                    raise payload_.ApiBadRequest(member, 'must be an object')
                unknown = set(targets) - TARGET_MEMBERS
                if unknown:
                    raise payload_.ApiBadRequest(f'{member}.{sorted(unknown)[0]}', 'is not a known member')
                try:
                    line = self._api_targets(targets)
                except payload_.ApiBadRequest as error:
                    raise payload_.ApiBadRequest(f'{member}.{error.field}', error.message) from None
                lines.append(fields.Command.create(dict(line, priority=API_PRIORITIES[word])))
            vals['line_ids'] = lines
        return vals
