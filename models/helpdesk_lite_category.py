from odoo import api, fields, models
from odoo.exceptions import ValidationError


class HelpdeskLiteCategory(models.Model):
    _name = 'helpdesk.lite.category'
    _description = 'Helpdesk Lite Ticket Category'
    _parent_store = True
    _parent_name = 'parent_id'
    _rec_name = 'complete_name'
    _order = 'complete_name'

    name = fields.Char(required=True, translate=True)
    complete_name = fields.Char(compute='_compute_complete_name', store=True, recursive=True)
    parent_id = fields.Many2one('helpdesk.lite.category', string='Parent Category', index=True, ondelete='cascade')
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many('helpdesk.lite.category', 'parent_id', string='Subcategories')
    description = fields.Text(translate=True)
    color = fields.Integer()
    active = fields.Boolean(default=True)
    portal_published = fields.Boolean(
        string='Offered on Portal', default=True,
        help='Customers can choose this category on the portal and public submit forms.')
    company_id = fields.Many2one('res.company', index=True)
    team_id = fields.Many2one(
        'helpdesk.lite.team', string='Default Team', index='btree_not_null',
        help='Team of new tickets in this category that get none from their email alias.')

    _sql_constraints = [
        ('name_parent_uniq', 'unique (name, parent_id, company_id)', 'A category with this name already exists here.'),
    ]

    @api.depends('name', 'parent_id.complete_name')
    def _compute_complete_name(self):
        for category in self:
            if category.parent_id:
                category.complete_name = f'{category.parent_id.complete_name} / {category.name}'
            else:
                category.complete_name = category.name

    @api.constrains('parent_id')
    def _check_category_recursion(self):
        if self._has_cycle():
            raise ValidationError(self.env._('A category cannot be its own ancestor.'))
