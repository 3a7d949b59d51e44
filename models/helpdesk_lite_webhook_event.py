import re

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

EVENT_NAME_RE = re.compile(r'^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$')


class HelpdeskLiteWebhookEvent(models.Model):
    """An event webhook subscriptions can listen to. Built-in events are emitted by Helpdesk Lite
    itself; custom ones by automation rules ("Send signed webhook (queued)")."""
    _name = 'helpdesk.lite.webhook.event'
    _description = 'Helpdesk Lite Webhook Event'
    _order = 'builtin desc, name'

    name = fields.Char(string='Event', required=True, help='Dotted name sent as "event", e.g. ticket.escalated.')
    description = fields.Char(translate=True)
    model_id = fields.Many2one(
        'ir.model', string='Model', ondelete='cascade',
        help='The kind of record the event is about; empty: any.')
    builtin = fields.Boolean(readonly=True, help='Emitted by Helpdesk Lite itself.')

    _sql_constraints = [('name_uniq', 'unique (name)', 'An event with this name already exists.')]

    @api.constrains('name')
    def _check_name(self):
        for event in self:
            if not EVENT_NAME_RE.match(event.name or ''):
                raise ValidationError(self.env._(
                    'Event names are lowercase words separated by dots, e.g. "ticket.escalated".'))

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # helpdesk.lite.webhook._subscription_index
        return super().create(vals_list)

    def write(self, vals):
        if 'name' in vals and self.filtered(lambda e: e.builtin and e.name != vals['name']):
            raise UserError(self.env._('Built-in events cannot be renamed.'))
        self.env.registry.clear_cache()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_builtin(self):
        if self.filtered('builtin'):
            raise UserError(self.env._('Built-in events cannot be deleted.'))
        self.env.registry.clear_cache()
