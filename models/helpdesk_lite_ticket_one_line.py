from odoo import api, models

from ..tools.input_validation import one_line

# Values that end up in mail headers (Subject, From, To): a line break there makes the mail fail.
ONE_LINE_FIELDS = ('name', 'partner_name')


class HelpdeskLiteTicket(models.Model):
    """Titles and requester names are stored on one line, whatever the channel (forms, API, mail, RPC)."""
    _inherit = 'helpdesk.lite.ticket'

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._one_line_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._one_line_vals(vals)
        return super().write(vals)

    def _compute_partner_name(self):
        super()._compute_partner_name()
        # a contact's name may hold line breaks (typed in a backend text area, imported)
        for ticket in self.filtered('partner_id'):
            if ticket.partner_name != one_line(ticket.partner_name):
                ticket.partner_name = one_line(ticket.partner_name)

    @api.model
    def _one_line_vals(self, vals):
        for fname in ONE_LINE_FIELDS:
            if isinstance(vals.get(fname), str):
                vals[fname] = one_line(vals[fname])
        return vals
