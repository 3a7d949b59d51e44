from odoo import fields, models
from odoo.exceptions import UserError


class HelpdeskLiteTicket(models.Model):
    """Tickets whose mails are failing or being retried (outgoing mail server down, address refused):
    a filter for the list, a banner on the form."""
    _inherit = 'helpdesk.lite.ticket'

    mail_failing = fields.Boolean(
        string='Mails Failing', compute='_compute_mail_failing', search='_search_mail_failing',
        help='A mail of this ticket to the customer could not be delivered (failed, or waiting for a retry).')
    mail_failure_reason = fields.Char(string='Mail Failure', compute='_compute_mail_failing')

    def _failing_mails_domain(self):
        return [('model', '=', self._name), '|', ('state', '=', 'exception'),
                '&', ('state', '=', 'outgoing'), ('helpdesk_lite_attempts', '>', 0)]

    def _compute_mail_failing(self):
        # sudo: agents cannot read mail.mail; only the reason of the latest failure is shown
        mails = self.env['mail.mail'].sudo().search_fetch(
            self._failing_mails_domain() + [('res_id', 'in', self.ids)], ['res_id', 'failure_reason'], order='id desc')
        reasons = {}
        for mail in mails:
            reasons.setdefault(mail.res_id, mail.failure_reason or self.env._('Not delivered yet.'))
        for ticket in self:
            ticket.mail_failing = ticket.id in reasons
            ticket.mail_failure_reason = reasons.get(ticket.id, False)

    def _search_mail_failing(self, operator, value):
        if operator not in ('=', '!=') or not isinstance(value, bool):
            raise UserError(self.env._('Operation not supported'))
        groups = self.env['mail.mail'].sudo()._read_group(self._failing_mails_domain(), ['res_id'])
        return [('id', 'in' if (operator == '=') == value else 'not in', [res_id for res_id, in groups if res_id])]
