"""What customers read about their ticket: the model's name in mails and the chatter, and who signs.

Customers never see the module's name: Odoo's mail layouts say "Your <model description>" and the
chatter "<model description> created", hence a customer-facing description. Messages and mails that no
person writes (a visitor with a ticket link, a scheduled action) are signed by the team (its alias) or
the company, never "Public user".
"""
from odoo import api, fields, models, tools


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'
    _description = 'Support Ticket'

    mail_sender = fields.Char(
        string='Sender', compute='_compute_mail_sender',
        help='From address of automatic mails about the ticket: the team\'s alias, else the company.')

    @api.depends('team_id.alias_email', 'team_id.name', 'company_id.email', 'company_id.name')
    def _compute_mail_sender(self):
        for ticket in self:
            team = ticket.team_id
            if team.alias_email:
                ticket.mail_sender = tools.formataddr((team.name or '', team.alias_email))
            else:
                ticket.mail_sender = ticket.company_id.email_formatted or False

    def _message_compute_author(self, author_id=None, email_from=None, raise_on_email=True):
        # A visitor of a public page posts as the public user: sign with the team or company instead.
        if author_id is None and not email_from and self.env.user._is_public():
            company = self.company_id[:1] or self.env.company
            author_id = company.partner_id.id
            email_from = self[:1].mail_sender or company.email_formatted
        return super()._message_compute_author(author_id=author_id, email_from=email_from,
                                               raise_on_email=raise_on_email)

