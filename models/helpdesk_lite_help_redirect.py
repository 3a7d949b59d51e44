from odoo import api, fields, models
from odoo.tools import SQL


class HelpdeskLiteHelpRedirect(models.Model):
    """A former slug of a help page: its old URL redirects (301) to the current one."""
    _name = 'helpdesk.lite.help.redirect'
    _description = 'Help Page Former URL'
    _rec_name = 'slug'

    slug = fields.Char(required=True, readonly=True)
    page_id = fields.Many2one('helpdesk.lite.help.page', string='Help Page', required=True, ondelete='cascade',
                              index=True, readonly=True)

    _sql_constraints = [
        ('slug_uniq', 'unique (slug)', 'This former URL already redirects to another page.'),
    ]

    @api.model
    def _slug_taken(self, bases):
        self.flush_model(['slug'])
        rows = self.env.execute_query(SQL(
            "SELECT slug FROM helpdesk_lite_help_redirect WHERE slug LIKE ANY(%s)", [f'{base}%' for base in bases]))
        return {slug for slug, in rows}
