from odoo import fields, models
from odoo.exceptions import UserError


class HelpdeskLiteTicket(models.Model):
    """Ratings follow one rule through every route (our portal page and rating links, Odoo's
    ``/rate/<token>/...`` pages, a ``rating_value`` posted in the portal chatter): a ticket is rated once
    it is resolved or closed, with one rating per resolution (rating again updates that rating)."""
    _inherit = 'helpdesk.lite.ticket'

    resolution_rating_id = fields.Many2one(
        'rating.rating', string='Rating of this Resolution', readonly=True, copy=False,
        help='The rating given since the ticket was last resolved; a reopen clears it.')

    def write(self, vals):
        if vals.get('stage_id') and not self.env['helpdesk.lite.stage'].browse(vals['stage_id']).is_closing:
            vals = dict(vals, resolution_rating_id=False)
        return super().write(vals)

    def rating_apply(self, rate, token=None, rating=None, feedback=None, subtype_xmlid=None,
                     notify_delay_send=False):
        if token:
            rating = self.env['rating.rating'].sudo().search([('access_token', '=', token)], limit=1)
        self._rating_check_allowed(rating)
        rating = super().rating_apply(rate, rating=rating, feedback=feedback, subtype_xmlid=subtype_xmlid,
                                      notify_delay_send=notify_delay_send)
        self.sudo().resolution_rating_id = rating
        return rating

    def _rating_check_allowed(self, rating=None):
        """Raise a UserError unless the tickets may be rated now (with ``rating``, when given)."""
        for ticket in self.sudo():
            if not ticket.is_closed:
                raise UserError(self.env._('You can rate a ticket once it is resolved or closed.'))
            if ticket.resolution_rating_id and ticket.resolution_rating_id != rating:
                raise UserError(self.env._('This ticket is already rated; thank you for your feedback.'))
