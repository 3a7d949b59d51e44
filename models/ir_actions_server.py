from odoo import api, fields, models
from odoo.exceptions import ValidationError


class IrActionsServer(models.Model):
    """"Send signed webhook (queued)": any automation rule (or contextual action) puts an event in the
    webhook outbox, delivered after commit, signed, retried and logged like the built-in ticket events.
    Unlike Odoo's "Send Webhook Notification" it sends nothing for a rolled-back transaction and never
    makes the user wait for the receiver."""
    _inherit = 'ir.actions.server'

    state = fields.Selection(
        selection_add=[('helpdesk_lite_webhook', 'Send Signed Webhook (queued)')],
        ondelete={'helpdesk_lite_webhook': 'cascade'})
    helpdesk_lite_webhook_event_id = fields.Many2one(
        'helpdesk.lite.webhook.event', string='Webhook Event', ondelete='restrict',
        help='Sent to the active subscriptions listening to it.')

    @api.constrains('state', 'helpdesk_lite_webhook_event_id')
    def _check_helpdesk_lite_webhook_event(self):
        for action in self.filtered(lambda a: a.state == 'helpdesk_lite_webhook'):
            if not action.helpdesk_lite_webhook_event_id:
                raise ValidationError(self.env._('Choose the webhook event the action sends.'))

    def _run_action_helpdesk_lite_webhook_multi(self, eval_context=None):
        records = eval_context.get('records') or eval_context.get('record')
        if not records:
            return False
        # fields chosen on the action (no group-restricted ones: Odoo's webhook constraint applies)
        fnames = self.webhook_field_ids.mapped('name')
        values = {row['id']: row for row in records.sudo().read(fnames, load=None)} if fnames else {}
        if records._name == 'helpdesk.lite.ticket':
            payloads = records.sudo()._webhook_data()
        else:
            payloads = {record.id: {'id': record.id, 'model': record._name, 'display_name': record.display_name}
                        for record in records.sudo()}
        for record_id, data in payloads.items():
            data.update({fname: value for fname, value in values.get(record_id, {}).items() if fname != 'id'})
        self.env['helpdesk.lite.webhook']._emit_for_records(
            self.helpdesk_lite_webhook_event_id.name, records.sudo(), payloads)
        return False
