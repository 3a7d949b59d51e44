from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    helpdesk_lite_default_team_id = fields.Many2one(
        'helpdesk.lite.team', string='Default Helpdesk Team', domain="[('company_id', '=', id)]",
        help='Team of new tickets that get none from their email alias or category.')
