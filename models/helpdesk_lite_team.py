import ast

from odoo import fields, models
from odoo.tools import SQL


class HelpdeskLiteTeam(models.Model):
    _name = 'helpdesk.lite.team'
    _description = 'Helpdesk Lite Team'
    _inherit = ['mail.thread', 'mail.alias.mixin']
    _order = 'sequence, name'

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text(translate=True)
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    leader_id = fields.Many2one('res.users', string='Team Leader', tracking=True, domain=[('share', '=', False)])
    member_ids = fields.Many2many(
        'res.users', 'helpdesk_lite_team_user_rel', 'team_id', 'user_id', string='Members',
        domain=[('share', '=', False)])
    stage_ids = fields.Many2many(
        'helpdesk.lite.stage', 'helpdesk_lite_stage_team_rel', 'team_id', 'stage_id', string='Stages',
        help='Stages this team uses; stages without a team are shared by all teams.')
    ticket_ids = fields.One2many('helpdesk.lite.ticket', 'team_id', string='Tickets')

    open_ticket_count = fields.Integer(compute='_compute_ticket_counters', string='Open Tickets')
    unassigned_ticket_count = fields.Integer(compute='_compute_ticket_counters', string='Unassigned Tickets')
    urgent_ticket_count = fields.Integer(compute='_compute_ticket_counters', string='Urgent Tickets')
    overdue_ticket_count = fields.Integer(compute='_compute_ticket_counters', string='Overdue Tickets')

    # --- email channel (mail.alias.mixin gives alias_name / alias_domain_id / alias_contact) ---
    alias_id = fields.Many2one(help='Emails sent to this address create tickets in this team; '
                                    'replies are threaded into the existing ticket.')
    email_create_partner = fields.Boolean(
        string='Create Contacts for Unknown Senders',
        help='When an email arrives from an address that matches no contact, create a contact for it. '
             'Otherwise only the requester name and email are stored on the ticket.')
    email_cc_policy = fields.Selection(
        [('none', 'Nobody'), ('partners', 'Known contacts'), ('all', 'Everyone (create contacts)')],
        string='Cc Become Followers', default='partners', required=True,
        help='Which Cc addresses of incoming emails follow the ticket (and receive the public replies). '
             'Cc addresses are always recorded on the ticket; our own aliases never become followers.')
    reply_reopen_days = fields.Integer(
        string='Reopen Window (days)', default=lambda self: self._default_reply_reopen_days(),
        help='A customer reply to a closed ticket reopens it if it arrives within this many days after '
             'closing; later replies open a new ticket linked to the old one. 0: always a new ticket.')

    def _default_reply_reopen_days(self):
        return int(self.env['ir.config_parameter'].sudo().get_param('helpdesk_lite.reply_reopen_days', 7))

    _sql_constraints = [
        ('reply_reopen_days_positive', 'CHECK (reply_reopen_days >= 0)',
         'The reopen window cannot be negative.'),
    ]

    def _compute_ticket_counters(self):
        # One grouped query (COUNT ... FILTER) for all teams and all four counters; record rules apply.
        Ticket = self.env['helpdesk.lite.ticket']
        query = Ticket._search([('team_id', 'in', self.ids), ('is_closed', '=', False)])
        column = lambda name: SQL.identifier(query.table, name)  # noqa: E731
        query.groupby = column('team_id')
        rows = self.env.execute_query(query.select(
            column('team_id'),
            SQL("COUNT(*)"),
            SQL("COUNT(*) FILTER (WHERE %s IS NULL)", column('user_id')),
            SQL("COUNT(*) FILTER (WHERE %s = '3')", column('priority')),
            # overdue = the effective SLA deadline (manual or policy, first response included) has passed
            SQL("COUNT(*) FILTER (WHERE %s < %s)", column('sla_next_deadline'), Ticket._sla_now()),
        ))
        counters = {team_id: counts for team_id, *counts in rows}
        for team in self:
            team.open_ticket_count, team.unassigned_ticket_count, team.urgent_ticket_count, \
                team.overdue_ticket_count = counters.get(team.id, (0, 0, 0, 0))

    def _action_tickets(self, domain, name):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_lite.helpdesk_lite_ticket_action')
        action.update(
            name=name,
            domain=[('team_id', '=', self.id)] + domain,
            context={'default_team_id': self.id},
        )
        return action

    def action_open_tickets(self):
        return self._action_tickets([('is_closed', '=', False)], self.env._('Open Tickets'))

    def action_unassigned_tickets(self):
        return self._action_tickets([('is_closed', '=', False), ('user_id', '=', False)], self.env._('Unassigned'))

    def action_urgent_tickets(self):
        return self._action_tickets([('is_closed', '=', False), ('priority', '=', '3')], self.env._('Urgent'))

    def action_overdue_tickets(self):
        return self._action_tickets([('is_overdue', '=', True)], self.env._('Overdue'))

    # ------------------------------------------------------------------------
    # Mail alias
    # ------------------------------------------------------------------------
    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values['alias_model_id'] = self.env['ir.model']._get_id('helpdesk.lite.ticket')
        if self.id:
            values['alias_defaults'] = defaults = ast.literal_eval(self.alias_defaults or '{}')
            defaults.update(team_id=self.id, channel='email')
        return values

