from odoo import api, fields, models
from odoo.tools import is_html_empty


class ReportHelpdeskLiteTicket(models.AbstractModel):
    """Values of the single-ticket PDF (helpdesk_lite.report_ticket), which customers download from the
    portal: details, SLA and the public conversation. Internal notes, tracking and log messages never
    appear in it."""
    _name = 'report.helpdesk_lite.report_ticket'
    _description = 'Helpdesk Ticket Report'

    @api.model
    def _get_report_values(self, docids, data=None):
        tickets = self.env['helpdesk.lite.ticket'].browse(docids)
        ticket_list = self.env['report.helpdesk_lite.report_ticket_list']
        return {
            'doc_ids': docids,
            'doc_model': 'helpdesk.lite.ticket',
            'docs': tickets,
            'print_date': fields.Datetime.now(),  # the datetime widget shows it in the user's timezone
            'public_messages': self._public_messages,
            'sla_status': ticket_list._sla_status,
            'ticket_age': ticket_list._ticket_age,
        }

    @api.model
    def _public_messages(self, ticket):
        """Customer-visible conversation, oldest first."""
        return ticket.message_ids.filtered(
            lambda m: m.message_type in ('comment', 'email', 'email_outgoing')
            and not m.is_internal and m.subtype_id and not m.subtype_id.internal
            and not is_html_empty(m.body)
        ).sorted(lambda m: (m.date, m.id))


class ReportHelpdeskLiteTicketCustomer(models.AbstractModel):
    """Values of the customer's copy of a ticket (helpdesk_lite.report_ticket_customer), the PDF of the
    portal: the same public conversation, without the agent PDF's internal details."""
    _name = 'report.helpdesk_lite.report_ticket_customer'
    _inherit = 'report.helpdesk_lite.report_ticket'
    _description = 'Helpdesk Ticket Report (customer copy)'
