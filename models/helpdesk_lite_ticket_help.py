from odoo import api, models


class HelpdeskLiteTicket(models.Model):
    """Help center deflection on tickets: a ticket posted from a form on which the visitor followed help
    page suggestions marks those suggestions as "submitted anyway" (see helpdesk.lite.help.deflection)."""
    _inherit = 'helpdesk.lite.ticket'

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        self.env['helpdesk.lite.help.deflection']._mark_submitted_from_request(tickets)
        return tickets
