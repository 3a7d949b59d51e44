from odoo import api, fields, models

from .helpdesk_lite_ticket import PRIORITY_SELECTION

TARGET_SELECTION = [
    ('response', 'First Response'),
    ('resolution', 'Resolution'),
]


class HelpdeskLiteSlaBreach(models.Model):
    """One missed SLA target of a ticket, recorded by the overdue check (for reporting).

    Team, assignee, priority and policy are a snapshot taken when the breach is recorded.
    """
    _name = 'helpdesk.lite.sla.breach'
    _description = 'Helpdesk Lite SLA Breach'
    _order = 'breached_at desc, id desc'

    ticket_id = fields.Many2one('helpdesk.lite.ticket', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='ticket_id.company_id', store=True, index=True, precompute=True)
    policy_id = fields.Many2one('helpdesk.lite.sla.policy', string='SLA Policy', index=True, ondelete='set null')
    team_id = fields.Many2one('helpdesk.lite.team', string='Team', index=True, ondelete='set null')
    user_id = fields.Many2one('res.users', string='Assignee', index=True, ondelete='set null')
    priority = fields.Selection(PRIORITY_SELECTION)
    target_type = fields.Selection(TARGET_SELECTION, string='Target', required=True)
    deadline = fields.Datetime(required=True)
    breached_at = fields.Datetime(
        string='Recorded On', required=True, default=fields.Datetime.now,
        help='When the overdue check found the target missed.')
    done_date = fields.Datetime(
        string='Target Reached On', compute='_compute_done_date', store=True, precompute=True,
        help='The late first response or resolution; empty while the target is still open.')
    overdue_hours = fields.Float(
        string='Overdue by (h)', compute='_compute_overdue_hours', store=True, precompute=True, aggregator='avg',
        help='From the deadline to the late response or resolution, or to when the breach was recorded if '
             'the target is still open.')

    _sql_constraints = [
        # Two overdue checks running at once cannot record the same breach twice.
        ('ticket_target_deadline_uniq', 'unique (ticket_id, target_type, deadline)',
         'This SLA breach is already recorded.'),
    ]

    @api.depends('ticket_id.number', 'target_type')
    def _compute_display_name(self):
        labels = dict(self._fields['target_type']._description_selection(self.env))
        for breach in self:
            breach.display_name = f'{breach.ticket_id.number or ""} {labels.get(breach.target_type, "")}'.strip()

    @api.depends('ticket_id.sla_response_date', 'ticket_id.closed_date')
    def _compute_done_date(self):
        for breach in self:
            if breach.done_date:
                continue  # settled once; a later reopen starts a new SLA cycle
            ticket = breach.ticket_id
            done = ticket.closed_date
            if breach.target_type == 'response':
                done = ticket.sla_response_date or done
            breach.done_date = done if done and done >= breach.deadline else False

    @api.depends('deadline', 'done_date', 'breached_at')
    def _compute_overdue_hours(self):
        for breach in self:
            end = breach.done_date or breach.breached_at
            breach.overdue_hours = max((end - breach.deadline).total_seconds() / 3600, 0.0) \
                if end and breach.deadline else 0.0
