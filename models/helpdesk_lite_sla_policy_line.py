from odoo import api, fields, models

from .helpdesk_lite_ticket import PRIORITY_SELECTION


class HelpdeskLiteSlaPolicyLine(models.Model):
    """Targets of a policy for one priority level."""
    _name = 'helpdesk.lite.sla.policy.line'
    _description = 'Helpdesk Lite SLA Targets per Priority'
    _order = 'policy_id, priority desc'

    policy_id = fields.Many2one('helpdesk.lite.sla.policy', required=True, index=True, ondelete='cascade')
    priority = fields.Selection(PRIORITY_SELECTION, required=True)
    response_hours = fields.Float(string='First Response', help='Hours (HH:MM). 0: no target.')
    resolution_hours = fields.Float(string='Resolution', help='Hours (HH:MM). 0: no target.')

    _sql_constraints = [
        ('policy_priority_uniq', 'unique (policy_id, priority)',
         'Each priority can be overridden only once per policy.'),
        ('hours_positive', 'CHECK (response_hours >= 0 AND resolution_hours >= 0)', 'SLA targets cannot be negative.'),
    ]

    # The tickets already under the policy follow its new targets.
    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.policy_id._recompute_open_tickets()
        return lines

    def write(self, vals):
        policies = self.policy_id
        result = super().write(vals)
        (policies | self.policy_id)._recompute_open_tickets()
        return result

    def unlink(self):
        policies = self.policy_id
        result = super().unlink()
        policies._recompute_open_tickets()
        return result
