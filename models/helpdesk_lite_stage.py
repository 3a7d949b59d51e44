from odoo import api, fields, models

# The ticket lifecycle (New → Open → Pending → Resolved → Closed). Stages are free to name and
# reorder; what the code relies on is each stage's lifecycle step, never its name.
LIFECYCLE_SELECTION = [
    ('new', 'New'),
    ('open', 'Open / In Progress'),
    ('pending', 'Pending (waiting on customer)'),
    ('resolved', 'Resolved'),
    ('closed', 'Closed'),
]


class HelpdeskLiteStage(models.Model):
    _name = 'helpdesk.lite.stage'
    _inherit = ['helpdesk.lite.cache.mixin']
    _description = 'Helpdesk Lite Stage'
    _order = 'sequence, id'
    # first stage of new tickets: helpdesk.lite.ticket._first_stage_id_of
    _cache_clearing_fields = ('lifecycle', 'sequence', 'active', 'team_ids')

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    fold = fields.Boolean(string='Folded in Kanban')
    lifecycle = fields.Selection(
        LIFECYCLE_SELECTION, required=True, default='open',
        help="Where this stage sits in the ticket lifecycle. Resolved and Closed stages close the "
             "ticket (set its closed date); Pending stages mean it is the customer's turn and pause SLA timers.")
    is_closing = fields.Boolean(
        string='Closing Stage', compute='_compute_flags', store=True,
        help='Tickets entering this stage get a closed date; leaving it clears the date.')
    is_waiting = fields.Boolean(
        string='Waiting Stage', compute='_compute_flags', store=True,
        help="It is the customer's turn: SLA timers are paused while a ticket sits here.")
    mail_template_id = fields.Many2one(
        'mail.template', string='Status Email',
        domain=[('model', '=', 'helpdesk.lite.ticket')],
        help='Sent to the customer and the assignee when a ticket reaches this stage. '
             'Empty: the default "Ticket status updated" email.')
    team_ids = fields.Many2many(
        'helpdesk.lite.team', 'helpdesk_lite_stage_team_rel', 'stage_id', 'team_id', string='Teams',
        help='Teams that use this stage. Empty: every team.')

    @api.depends('lifecycle')
    def _compute_flags(self):
        for stage in self:
            stage.is_closing = stage.lifecycle in ('resolved', 'closed')
            stage.is_waiting = stage.lifecycle == 'pending'
