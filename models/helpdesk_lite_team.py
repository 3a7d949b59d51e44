import ast

from markupsafe import Markup

from odoo import fields, models
from odoo.tools import SQL

ASSIGN_METHODS = [
    ('manual', 'Manual'),
    ('least_busy', 'Least Busy'),
    ('round_robin', 'Round Robin'),
]


class HelpdeskLiteTeam(models.Model):
    _name = 'helpdesk.lite.team'
    _description = 'Helpdesk Lite Team'
    _inherit = ['mail.thread', 'mail.alias.mixin', 'helpdesk.lite.cache.mixin']
    _order = 'sequence, name'
    # the first stage of new tickets (helpdesk.lite.ticket._first_stage_id_of) depends on the teams' stages
    # and, through the stages' record rules, on the teams' companies
    _cache_clearing_fields = ('stage_ids', 'company_id', 'active')

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

    # --- routing: auto-assignment and new-ticket notices ---
    assign_method = fields.Selection(
        ASSIGN_METHODS, string='Assignment', default='manual', required=True, tracking=True,
        help='How new tickets of this team get an assignee. Least Busy: the available member with the fewest '
             'open tickets of the team (ties: the one whose latest ticket is oldest). Round Robin: the next '
             'available member in turn. Manual: nobody is chosen (a ticket an agent creates in the backend '
             'is theirs).')
    assign_only_available = fields.Boolean(
        string='Only Available Members', default=True,
        help='Skip members who do not work today: their working schedule has no hours today, or they are on '
             'leave (time off recorded on their resource). Tickets nobody can take wait for the assignment '
             'check (a scheduled action).')
    assign_max_open = fields.Integer(
        string='Max Open Tickets per Member', default=0,
        help='A member with this many open tickets in the team gets no new ones. 0: no limit.')
    assign_last_user_id = fields.Many2one(
        'res.users', string='Last Auto-Assigned', readonly=True, copy=False,
        help='Where round robin continues; also the row the assignment locks (see the ticket assignment).')
    new_ticket_notify = fields.Selection(
        [('unassigned', 'Members, for tickets nobody was assigned'),
         ('members', 'Members, for every new ticket'),
         ('followers', 'Team followers subscribed to "New Ticket"'),
         ('none', 'Nobody')],
        string='Tell About New Tickets', default='followers', required=True,
        help='Who gets an inbox notification (or email, per their preference) when tickets are created in '
             'this team; the assignee and the creator are never told twice.')

    _sql_constraints = [
        ('assign_max_open_positive', 'CHECK (assign_max_open >= 0)', 'The ticket limit cannot be negative.'),
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
            # additional assignees count as assigned
            SQL("COUNT(*) FILTER (WHERE %s IS NULL AND NOT EXISTS (SELECT 1 FROM helpdesk_lite_ticket_user_rel r "
                "WHERE r.ticket_id = %s))", column('user_id'), column('id')),
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
        return self._action_tickets(
            [('is_closed', '=', False), ('user_id', '=', False), ('user_ids', '=', False)], self.env._('Unassigned'))

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


    # ------------------------------------------------------------------------
    # Auto-assignment: who can take a ticket
    # ------------------------------------------------------------------------
    def _assign_candidates(self, users=None):
        """{user: (open tickets in the team, latest ticket id)} for the members (or ``users``) who can take
        a ticket now: active, at work today when the team asks for it, under the team's limit.
        One query for the counts plus the calendar reads of the members' resources."""
        self.ensure_one()
        users = (self.member_ids if users is None else users).filtered(lambda u: u.active and not u.share)
        if self.assign_only_available:
            users -= users._helpdesk_lite_absent_today()
        if not users:
            return {}
        self.env['helpdesk.lite.ticket'].flush_model(['user_id', 'team_id', 'active', 'is_closed'])
        rows = self.env.execute_query(SQL("""
            SELECT u.id,
                   (SELECT count(*) FROM helpdesk_lite_ticket t
                     WHERE t.user_id = u.id AND t.team_id = %(team)s AND t.active AND t.is_closed IS NOT TRUE),
                   (SELECT max(t.id) FROM helpdesk_lite_ticket t WHERE t.user_id = u.id AND t.team_id = %(team)s)
              FROM unnest(%(users)s::int[]) AS u(id)""", team=self.id, users=users.ids))
        stats = {self.env['res.users'].browse(uid): (count, last or 0) for uid, count, last in rows}
        if self.assign_max_open:
            stats = {user: stat for user, stat in stats.items() if stat[0] < self.assign_max_open}
        return stats

    def _assign_pick(self, count):
        """The assignees of ``count`` new tickets of the team, in order (None where nobody can take one):
        each pick counts for the next, so a batch is spread as single creations would be."""
        self.ensure_one()
        stats = {user: list(stat) for user, stat in self._assign_candidates().items()}
        if not stats:
            return [None] * count
        order = sorted(stats, key=lambda u: u.id)
        pointer = self.assign_last_user_id.id or 0
        latest = max(stat[1] for stat in stats.values())
        picks = []
        for _i in range(count):
            if not stats:
                picks.append(None)
                continue
            if self.assign_method == 'round_robin':
                user = next((u for u in order if u.id > pointer and u in stats), None) \
                    or next(u for u in order if u in stats)
            else:
                user = min(stats, key=lambda u: (stats[u][0], stats[u][1], u.id))
            picks.append(user)
            pointer = user.id
            latest += 1
            stats[user][0] += 1
            stats[user][1] = latest
            if self.assign_max_open and stats[user][0] >= self.assign_max_open:
                del stats[user]
        self._assign_lock(self.env['res.users'].browse(pointer))
        return picks

    def _assign_lock(self, last_user):
        """Record where round robin stands; the row lock it takes serialises concurrent assignments.

        Under REPEATABLE READ a second transaction that read the counts before the first committed
        cannot silently use them: its UPDATE of this row waits for the first and then fails with a
        serialization error, and Odoo retries the request (or the cron/mail fetch its job) with fresh
        counts. An UPDATE takes FOR NO KEY UPDATE, which does not conflict with the FOR KEY SHARE lock of
        ticket inserts referencing the team. Plain SQL: no write_date, tracking or recomputation.
        """
        self.ensure_one()
        self.env.cr.execute(SQL("UPDATE helpdesk_lite_team SET assign_last_user_id = %s WHERE id = %s",
                                last_user.id or None, self.id))
        self.invalidate_recordset(['assign_last_user_id'])

    def _notify_new_tickets(self, tickets):
        """Tell the people the team setting names about ``tickets`` (new tickets of this team): one
        notification per person and batch, never to the ticket's assignee or its creator."""
        self.ensure_one()
        if self.new_ticket_notify == 'none':
            return
        if self.new_ticket_notify == 'unassigned':
            tickets = tickets.filtered(lambda t: not t.user_id and not t.user_ids)
        if not tickets:
            return
        if self.new_ticket_notify == 'followers':
            subtype_id = self.env['ir.model.data']._xmlid_to_res_id('helpdesk_lite.mt_team_ticket_new')
            partners = self.message_follower_ids.filtered(lambda f: subtype_id in f.subtype_ids.ids).partner_id
        else:
            partners = self.member_ids.filtered('active').partner_id
        partners -= self.env.user.partner_id | tickets.user_id.partner_id | tickets.user_ids.partner_id
        if not partners:
            return
        if len(tickets) == 1:
            tickets.message_notify(
                partner_ids=partners.ids, subject=self.env._('New ticket in %(team)s: %(ticket)s',
                                                             team=self.name, ticket=tickets.display_name),
                body=self.env._('A new ticket was created in %(team)s.', team=self.name),
                email_layout_xmlid='mail.mail_notification_light')
            return
        max_listed = 50
        items = Markup('').join(
            Markup('<li><a href="%s">%s</a></li>') % (ticket._notify_get_action_link('view'), ticket.display_name)
            for ticket in tickets[:max_listed])
        body = Markup('<p>%s</p><ul>%s</ul>') % (
            self.env._('%(count)s new tickets in %(team)s:', count=len(tickets), team=self.name), items)
        self.env['mail.thread'].sudo().message_notify(
            partner_ids=partners.ids, body=body, email_layout_xmlid='mail.mail_notification_light',
            subject=self.env._('%(count)s new tickets in %(team)s', count=len(tickets), team=self.name))
