from odoo import api, fields, models

WORK_HOURS_SPANS = (
    ('first_response_date', 'first_response_work_hours'),
    ('closed_date', 'resolution_work_hours'),
)


class HelpdeskLiteTicket(models.Model):
    """First-response and resolution times in working hours, stored when the event happens so that the
    analysis (helpdesk.lite.ticket.report) does no calendar arithmetic."""
    _inherit = 'helpdesk.lite.ticket'

    first_response_work_hours = fields.Float(
        string='First Response (Working Hours)', compute='_compute_work_hours', store=True, digits=(16, 2),
        aggregator='avg', help='Working hours from creation to the first public agent reply.')
    resolution_work_hours = fields.Float(
        string='Resolution (Working Hours)', compute='_compute_work_hours', store=True, digits=(16, 2),
        aggregator='avg', help='Working hours from creation to the closing stage.')

    @api.depends('create_date', 'first_response_date', 'closed_date', 'team_id', 'company_id')
    def _compute_work_hours(self):
        # One business clock per calendar for the whole batch (an upgrade recomputes every ticket).
        for calendar, tickets in self.grouped(lambda t: t._get_working_calendar()).items():
            starts = [ticket.create_date for ticket in tickets if ticket.create_date]
            ends = [ticket[end] for ticket in tickets for end, _hours in WORK_HOURS_SPANS if ticket[end]]
            clock = calendar._helpdesk_lite_clock(min(starts), max(ends)) if calendar and starts and ends else None
            for ticket in tickets:
                for end_field, hours_field in WORK_HOURS_SPANS:
                    ticket[hours_field] = clock.duration(ticket.create_date, ticket[end_field]) if clock else 0.0

    def _get_working_calendar(self):
        """Calendar the ticket's durations are counted in: its team's when teams have one, else its company's."""
        self.ensure_one()
        team = self.team_id
        if 'resource_calendar_id' in team._fields and team.resource_calendar_id:
            return team.resource_calendar_id
        return self.company_id.resource_calendar_id
