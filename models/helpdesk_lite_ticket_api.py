from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.tools import email_normalize

from .helpdesk_lite_ticket import PRIORITY_SELECTION, TITLE_MAX_LENGTH
from .helpdesk_lite_ticket_portal import PORTAL_NAME_MAX

# The API speaks words for priorities; the model stores '0'..'3'.
API_PRIORITIES = {label.lower(): key for key, label in PRIORITY_SELECTION}
MAX_DESCRIPTION = 100_000


class HelpdeskLiteTicketApi(models.Model):
    """JSON API of tickets: validation and serialisation live here, the
    controller only parses HTTP. Record rules and access rights of the API key's user apply."""
    _inherit = 'helpdesk.lite.ticket'

    @api.model
    def api_create_ticket(self, payload):
        """Create a ticket from a spec-02 payload and return it serialised.

        Raises ValidationError with a message naming the offending field; nothing is created then.
        """
        if not isinstance(payload, dict):
            raise ValidationError(self.env._('The request body must be a JSON object.'))
        subject = payload.get('subject')
        if not isinstance(subject, str) or not subject.strip():
            raise ValidationError(self.env._('"subject" is required and must be a non-empty string.'))
        if len(subject) > TITLE_MAX_LENGTH:
            raise ValidationError(self.env._('"subject" is longer than %s characters.', TITLE_MAX_LENGTH))
        description = payload.get('description') or ''
        if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
            raise ValidationError(self.env._('"description" must be a string of at most %s characters.', MAX_DESCRIPTION))
        vals = {'name': subject.strip(), 'channel': 'api'}
        if description:
            # Plain text from the API: keep line breaks, never interpret it as HTML.
            vals['description'] = self.env['ir.qweb.field.text'].value_to_html(description, {})
        email = payload.get('requester_email')
        if email:
            normalized = email_normalize(email) if isinstance(email, str) else False
            if not normalized:
                raise ValidationError(self.env._('"requester_email" is not a valid email address.'))
            partner = self.env['res.partner'].search([('email_normalized', '=', normalized)], limit=1)
            if partner:
                vals['partner_id'] = partner.id
            else:
                vals['partner_email'] = normalized
                vals['partner_name'] = str(payload.get('requester_name') or '')[:PORTAL_NAME_MAX]
        priority = payload.get('priority')
        if priority is not None:
            if priority not in API_PRIORITIES:
                raise ValidationError(self.env._(
                    '"priority" must be one of %s.', ', '.join(API_PRIORITIES)))
            vals['priority'] = API_PRIORITIES[priority]
        for key, model, field in (('category_id', 'helpdesk.lite.category', 'category_id'),
                                  ('team_id', 'helpdesk.lite.team', 'team_id')):
            if payload.get(key) is not None:
                record = self.env[model].browse(payload[key]) if isinstance(payload[key], int) else None
                if not record or not record.exists() or not record.has_access('read'):
                    raise ValidationError(self.env._('"%(key)s" does not name an existing record.', key=key))
                vals[field] = record.id
        return self.create(vals)._api_serialize()

    def _api_serialize(self):
        self.ensure_one()
        priorities = {key: label.lower() for key, label in PRIORITY_SELECTION}
        return {
            'id': self.id,
            'ticket_number': self.number,
            'subject': self.name,
            'status': self.lifecycle,
            'stage': self.stage_id.name,
            'priority': priorities[self.priority],
            'requester_email': self.partner_email or None,
            'requester_name': self.partner_name or None,
            'assignee': self.user_id.name or None,
            'category_id': self.category_id.id or None,
            'team_id': self.team_id.id or None,
            'created_at': self.create_date and self.create_date.isoformat(),
            'closed_at': self.closed_date and self.closed_date.isoformat() or None,
            'first_response_at': self.first_response_date and self.first_response_date.isoformat() or None,
        }
