from odoo import api, fields, models


class HelpdeskLiteHelpGroup(models.Model):
    _name = 'helpdesk.lite.help.group'
    _description = 'Help Group'
    _inherit = ['helpdesk.lite.help.slug.mixin']
    _order = 'sequence, id'
    _slug_source_field = 'name'

    name = fields.Char(string='Help Group', required=True, translate=True)
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    published = fields.Boolean(
        default=False, index=True, help='Published groups and their published pages are visible to everyone.')
    active = fields.Boolean(default=True)
    page_ids = fields.One2many('helpdesk.lite.help.page', 'group_id', string='Pages')
    page_count = fields.Integer(string='Number of Pages', compute='_compute_page_count')
    url = fields.Char(string='Public URL', compute='_compute_url')

    @api.depends('page_ids')
    def _compute_page_count(self):
        counts = dict(self.env['helpdesk.lite.help.page']._read_group(
            [('group_id', 'in', self.ids)], ['group_id'], ['__count']))
        for group in self:
            group.page_count = counts.get(group, 0)

    @api.depends('slug')
    def _compute_url(self):
        for group in self:
            group.url = f'/helpdesk/help/{group.slug}' if group.slug else False

    def action_view_pages(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_lite.helpdesk_lite_help_page_action')
        action.update(domain=[('group_id', '=', self.id)], context={'default_group_id': self.id})
        return action

    def action_open_public(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'url': self.url, 'target': 'new'}
