from odoo import fields, models
from odoo.tools import SQL


class MailCannedResponse(models.Model):
    """Odoo's canned responses (the composer's ``:`` shortcut; ``/`` in ticket threads) with a helpdesk
    category and a usage count. Sharing stays Odoo's: a response is personal, or shared with the groups in
    ``group_ids``; agents edit only their own, managers (canned-response admins) all of them."""
    _inherit = 'mail.canned.response'

    helpdesk_lite_category_id = fields.Many2one(
        'helpdesk.lite.category', string='Helpdesk Category', index='btree_not_null',
        help='Ticket category this response is meant for; used to group and filter responses.')
    helpdesk_lite_use_count = fields.Integer(string='Uses', readonly=True, copy=False)

    def _helpdesk_lite_register_use(self):
        """Count one use of each response. Rows another transaction is updating are skipped rather than
        waited for (as mail does for ``last_used``): a post never blocks or fails on the counter."""
        if not self.ids:
            return
        self.env.cr.execute(SQL("""
            UPDATE mail_canned_response
               SET helpdesk_lite_use_count = COALESCE(helpdesk_lite_use_count, 0) + 1,
                   last_used = NOW() AT TIME ZONE 'UTC'
             WHERE id IN (SELECT id FROM mail_canned_response WHERE id = ANY(%s)
                          FOR NO KEY UPDATE SKIP LOCKED)""", list(self.ids)))
        self.invalidate_recordset(['helpdesk_lite_use_count', 'last_used'])

    def action_helpdesk_lite_use(self):
        """From the ticket's "Canned Responses" list: open the composer on the ticket with this response,
        its variables filled in, for the agent to review and send."""
        self.ensure_one()
        ticket = self.env['helpdesk.lite.ticket'].browse(self.env.context.get('helpdesk_lite_ticket_id')).exists()
        if not ticket:
            return False
        ticket.check_access('read')
        return ticket._helpdesk_lite_canned_composer(self)
