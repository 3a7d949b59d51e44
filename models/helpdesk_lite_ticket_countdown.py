"""The two SLA countdowns side by side: time left to the first response and to the resolution."""
from odoo import api, fields, models


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'

    sla_response_time_left = fields.Char(
        string='First Response Left', compute='_compute_sla_countdowns',
        help='Time left until the first response deadline ("late" once passed); empty once answered, closed '
             'or paused.')
    sla_resolve_time_left = fields.Char(
        string='Resolution Left', compute='_compute_sla_countdowns',
        help='Time left until the resolution deadline ("late" once passed); empty once resolved or paused.')
    sla_response_late = fields.Boolean(compute='_compute_sla_countdowns')
    sla_resolve_late = fields.Boolean(compute='_compute_sla_countdowns')

    @api.depends('sla_response_deadline', 'sla_resolve_deadline', 'sla_response_date', 'sla_paused_since',
                 'is_closed')
    def _compute_sla_countdowns(self):
        now = self._sla_now()
        for ticket in self:
            running = not ticket.is_closed and not ticket.sla_paused_since
            response = running and not ticket.sla_response_date and ticket.sla_response_deadline
            resolve = running and ticket.sla_resolve_deadline
            ticket.sla_response_time_left, ticket.sla_response_late = ticket._sla_countdown(response, now)
            ticket.sla_resolve_time_left, ticket.sla_resolve_late = ticket._sla_countdown(resolve, now)
