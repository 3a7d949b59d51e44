from odoo import fields, models

from ..models.helpdesk_lite_webhook import SECRET_GROUPS


class HelpdeskLiteWebhookSecret(models.TransientModel):
    """Shows a subscription's signing secret once (right after it is made or rotated). Transient records
    are readable by their creator only, and vacuumed within the hour."""
    _name = 'helpdesk.lite.webhook.secret'
    _description = 'Helpdesk Lite Webhook Signing Secret'

    webhook_id = fields.Many2one('helpdesk.lite.webhook', required=True, ondelete='cascade', readonly=True)
    step = fields.Selection([('confirm', 'Confirm'), ('show', 'Show')], default='confirm', required=True)
    overlap_hours = fields.Integer(
        string='Keep the Old Secret Valid for (hours)', default=24,
        help='Deliveries carry a signature with each secret meanwhile, so receivers can switch without losing any.')
    secret = fields.Char(groups=SECRET_GROUPS, readonly=True)

    def action_rotate(self):
        self.ensure_one()
        self.write({'secret': self.webhook_id._rotate_secret(max(self.overlap_hours, 0)), 'step': 'show'})
        return {
            'type': 'ir.actions.act_window', 'res_model': self._name, 'res_id': self.id, 'view_mode': 'form',
            'target': 'new', 'name': self.env._('Signing Secret'),
        }
