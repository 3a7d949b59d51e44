import hashlib
import hmac as hmac_lib

from odoo import api, fields, models
from odoo.tools.misc import hmac

VISITOR_KEY_SCOPE = 'helpdesk_lite.help.vote'


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
    def _visitor_identity(self, user, session_id):
        """Stable per visitor: the user for logged-in visitors, else the browser session."""
        return f'session:{session_id}' if user._is_public() else f'user:{user.id}'

    @api.model
    def _visitor_key(self, user, session_id):
        """Keyed hash (database secret) of the visitor: the stored key reveals neither the session id
        (a credential) nor which user voted."""
        return hmac(self.env(su=True), VISITOR_KEY_SCOPE, self._visitor_identity(user, session_id))

    @api.model
    def _legacy_visitor_key(self, user, session_id):
        """The key of votes stored before keys came from odoo.tools.misc.hmac (the identity hashed alone)."""
        secret = self.env['ir.config_parameter'].sudo().get_param('database.secret') or ''
        identity = self._visitor_identity(user, session_id)
        return hmac_lib.new(secret.encode(), identity.encode(), hashlib.sha256).hexdigest()

    @api.model
    def _visitor_vote(self, page, user, session_id):
        """(key, vote) of this visitor on ``page``. A vote stored under the legacy key moves to the current
        key the first time its visitor comes back, so nobody can vote twice across the change."""
        key = self._visitor_key(user, session_id)
        votes = self.search([('page_id', '=', page.id),
                             ('visitor_key', 'in', [key, self._legacy_visitor_key(user, session_id)])])
        vote = votes.filtered(lambda v: v.visitor_key == key)[:1] or votes[:1]
        if vote and vote.visitor_key != key:
            vote.visitor_key = key
        return key, vote

    @api.model
    def _record_vote(self, page, visitor_key, helpful):
        """Record or change the visitor's answer for ``page``; returns the vote."""
        vote = self.search([('page_id', '=', page.id), ('visitor_key', '=', visitor_key)], limit=1)
        if vote:
            if vote.helpful != helpful:
                vote.helpful = helpful
            return vote
        return self.create({'page_id': page.id, 'visitor_key': visitor_key, 'helpful': helpful})
