from odoo import api, fields, models
from odoo.tools import split_every

from ..tools.duration import format_hours


class ReportHelpdeskLiteTicketList(models.AbstractModel):
    """Values of the "Helpdesk Ticket List" PDF (helpdesk_lite.report_ticket_list).

    Debian's wkhtmltopdf (unpatched Qt) neither repeats a table's <thead> on a new page nor prints
    header/footer HTML, so the list is cut here into page-sized tables, each with its own header row,
    and the company header is part of the page body. Cells are shortened so that a row stays within
    two lines, which keeps the page size predictable.
    """
    _name = 'report.helpdesk_lite.report_ticket_list'
    _description = 'Helpdesk Ticket List Report'

    # Rows per printed page (A4 portrait, helpdesk_lite.paperformat_helpdesk_lite): the first page also
    # holds the company header, the last one the totals.
    _rows_first_page = 24
    _rows_per_page = 28
    _title_max_chars = 56
    _name_max_chars = 24

    @api.model
    def _get_report_values(self, docids, data=None):
        tickets = self.env['helpdesk.lite.ticket'].browse(docids)
        companies = tickets.company_id
        return {
            'doc_ids': docids,
            'doc_model': 'helpdesk.lite.ticket',
            'docs': tickets,
            'pages': self._paginate(tickets),
            'totals': self._get_totals(tickets),
            'company': companies if len(companies) == 1 else self.env.company,
            'print_date': fields.Datetime.now(),  # the datetime widget shows it in the user's timezone
            'sla_status': self._sla_status,
            'ticket_age': self._ticket_age,
            'shorten': self._shorten,
            'title_max_chars': self._title_max_chars,
            'name_max_chars': self._name_max_chars,
        }

    @api.model
    def _paginate(self, tickets):
        if not tickets:
            return []
        first, rest = tickets[:self._rows_first_page], tickets[self._rows_first_page:]
        return [first] + [tickets.browse(ids) for ids in split_every(self._rows_per_page, rest.ids)]

    @api.model
    def _get_totals(self, tickets):
        priority_labels = dict(tickets._fields['priority']._description_selection(self.env))
        by_priority = tickets.grouped('priority')
        by_stage = tickets.grouped('stage_id')
        stages = tickets.stage_id.sorted()  # stage order (sequence), not first-seen order
        return {
            'count': len(tickets),
            'by_priority': [(priority_labels[key], len(by_priority[key]))
                            for key in sorted(by_priority, reverse=True)],
            'by_stage': [(stage.name, len(by_stage[stage])) for stage in stages]
                        + ([(self.env._('No stage'), len(by_stage[tickets.stage_id.browse()]))]
                           if tickets.stage_id.browse() in by_stage else []),
            'open': len(tickets.filtered(lambda t: not t.is_closed)),
            'overdue': len(tickets.filtered('is_overdue')),
            'average_age': self._format_age(sum(map(self._age_days, tickets)) / len(tickets)) if tickets else '',
        }

    @api.model
    def _sla_status(self, ticket):
        """(key, label) of the ticket's SLA status (from the SLA engine), for the status cell and its colour."""
        key = ticket.sla_status
        labels = dict(ticket._fields['sla_status']._description_selection(self.env))
        return (key, labels[key]) if key else ('none', '')

    @api.model
    def _age_days(self, ticket):
        # From the dates, not from ticket.age_days: that field is rounded to 0.1 day (2.4 hours).
        end = ticket.closed_date or fields.Datetime.now()
        return (end - (ticket.create_date or end)).total_seconds() / 86400

    @api.model
    def _ticket_age(self, ticket):
        return self._format_age(self._age_days(ticket))

    @api.model
    def _format_age(self, days):
        return format_hours(self.env, (days or 0.0) * 24)

    @api.model
    def _shorten(self, text, max_chars):
        text = (text or '').strip()
        return text if len(text) <= max_chars else text[:max_chars - 1].rstrip() + '…'
