import hashlib
import hmac

from odoo import api, fields, models


class HelpdeskLiteHelpVote(models.Model):
    """One "did this help?" answer per visitor and page; answering again changes the answer."""
    _name = 'helpdesk.lite.help.vote'
    _description = 'Help Page Vote'
    _order = 'id desc'

    page_id = fields.Many2one('helpdesk.lite.help.page', string='Help Page', required=True, ondelete='cascade',
                              index=True)
    visitor_key = fields.Char(required=True, help='Keyed hash of the user or browser session; never the session id.')
    helpful = fields.Boolean(string='Helped')

    _sql_constraints = [
        ('page_visitor_uniq', 'unique (page_id, visitor_key)', 'A visitor votes once per page.'),
    ]

    @api.model
    def _visitor_key(self, user, session_id):
        """Stable per visitor: the user for logged-in visitors, else the browser session.

        HMAC with the database secret so that the stored key reveals neither the session id
        (a credential) nor which user voted."""
        identity = f'session:{session_id}' if user._is_public() else f'user:{user.id}'
        secret = self.env['ir.config_parameter'].sudo().get_param('database.secret')
        return hmac.new(secret.encode(), identity.encode(), hashlib.sha256).hexdigest()

    @api.model
    def _record_vote(self, page, visitor_key, helpful):
        """Record or change the visitor's answer for ``page``; returns the vote."""
        vote = self.search([('page_id', '=', page.id), ('visitor_key', '=', visitor_key)], limit=1)
        if vote:
            if vote.helpful != helpful:
                vote.helpful = helpful
            return vote
        return self.create({'page_id': page.id, 'visitor_key': visitor_key, 'helpful': helpful})
