import threading
from collections import defaultdict

import pytz

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.osv import expression

PRIORITY_SELECTION = [
    ('0', 'Low'),
    ('1', 'Medium'),
    ('2', 'High'),
    ('3', 'Urgent'),
]

CHANNEL_SELECTION = [
    ('backend', 'Backend'),
    ('email', 'Email'),
    ('portal', 'Portal'),
    ('web', 'Web Form'),
    ('phone', 'Phone'),
    ('whatsapp', 'WhatsApp'),
    ('walk_in', 'Walk-in'),
    ('app', 'App'),
    ('chat', 'Chat'),
    ('api', 'API'),
]

REQUESTER_FIELDS = ('partner_name', 'partner_email', 'partner_phone')

SLA_STATUS_SELECTION = [
    ('on_track', 'On Track'),
    ('at_risk', 'At Risk'),
    ('breached', 'Breached'),
    ('met', 'Met'),
    ('paused', 'Paused'),
]


class HelpdeskLiteTicket(models.Model):
    _name = 'helpdesk.lite.ticket'
    _description = 'Helpdesk Lite Ticket'
    _inherit = ['portal.mixin', 'mail.thread.cc', 'mail.activity.mixin', 'rating.mixin',
                'mail.tracking.duration.mixin']
    _order = 'priority desc, id desc'
    _rec_names_search = ['number', 'name', 'merged_numbers']
    _primary_email = 'partner_email'
    # Portal followers (the customer) may post on tickets they can read.
    _mail_post_access = 'read'
    _track_duration_field = 'stage_id'
    _check_company_auto = True

    @api.model
    def _default_stage_id(self):
        team_id = self.env.context.get('default_team_id')
        return self._first_stage_of(('new', 'open'), team_id)

    # --- identity ---------------------------------------------------------
    name = fields.Char(string='Title', required=True, tracking=True, index='trigram')
    number = fields.Char(
        string='Ticket Number', readonly=True, copy=False, index=True, default=lambda self: self.env._('New'))
    description = fields.Html(sanitize_style=True)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        'res.company', required=True, index=True, compute='_compute_company_id', store=True, readonly=False,
        precompute=True)

    # --- customer / requester ---------------------------------------------
    partner_id = fields.Many2one('res.partner', string='Customer', tracking=True, index=True, check_company=True)
    commercial_partner_id = fields.Many2one(
        related='partner_id.commercial_partner_id', store=True, index=True, string='Customer Company')
    partner_name = fields.Char(
        string='Requester Name', compute='_compute_requester', store=True, readonly=False, precompute=True)
    partner_email = fields.Char(
        string='Requester Email', compute='_compute_requester', store=True, readonly=False, precompute=True,
        index=True)
    partner_phone = fields.Char(
        string='Requester Phone', compute='_compute_requester', store=True, readonly=False, precompute=True)

    # --- routing ------------------------------------------------------------
    team_id = fields.Many2one('helpdesk.lite.team', string='Team', tracking=True, index=True, check_company=True)
    user_id = fields.Many2one(
        'res.users', string='Assignee', tracking=True, index=True, domain=[('share', '=', False)])
    user_ids = fields.Many2many(
        'res.users', 'helpdesk_lite_ticket_user_rel', 'ticket_id', 'user_id', string='Additional Assignees',
        domain=[('share', '=', False)])
    priority = fields.Selection(PRIORITY_SELECTION, default='1', required=True, tracking=True, index=True)
    channel = fields.Selection(CHANNEL_SELECTION, default='backend', required=True, index=True)
    category_id = fields.Many2one('helpdesk.lite.category', string='Category', tracking=True, index=True)
    tag_ids = fields.Many2many(
        'helpdesk.lite.tag', 'helpdesk_lite_ticket_tag_rel', 'ticket_id', 'tag_id', string='Subjects')

    # --- lifecycle ----------------------------------------------------------
    stage_id = fields.Many2one(
        'helpdesk.lite.stage', string='Stage', tracking=True, index=True, ondelete='restrict', copy=False,
        default=_default_stage_id, group_expand='_read_group_stage_ids',
        domain="['|', ('team_ids', '=', False), ('team_ids', 'in', team_id)]")
    lifecycle = fields.Selection(related='stage_id.lifecycle', store=True, index=True, string='Status')
    is_closed = fields.Boolean(related='stage_id.is_closing', store=True, index=True, string='Closed')
    closed_date = fields.Datetime(readonly=True, copy=False, index=True)
    reopen_count = fields.Integer(readonly=True, copy=False)
    sla_deadline = fields.Datetime(string='SLA Deadline', tracking=True, index=True, copy=False)
    is_overdue = fields.Boolean(compute='_compute_is_overdue', search='_search_is_overdue', string='Overdue')
    age_days = fields.Float(string='Age (days)', compute='_compute_age_days', digits=(16, 1))

    # --- conversation -------------------------------------------------------
    last_reply_by = fields.Selection(
        [('customer', 'Customer replied'), ('agent', 'Agent replied')], string='Whose Turn',
        readonly=True, copy=False, index=True,
        help='Who spoke last on the public conversation: "Customer replied" means it is our turn.')
    first_response_date = fields.Datetime(readonly=True, copy=False, index=True)
    last_customer_message_date = fields.Datetime(readonly=True, copy=False, index=True)
    last_agent_message_date = fields.Datetime(readonly=True, copy=False, index=True)

    # --- merge --------------------------------------------------------------
    merged_into_id = fields.Many2one(
        'helpdesk.lite.ticket', string='Merged Into', readonly=True, copy=False, index='btree_not_null')
    merged_numbers = fields.Char(
        readonly=True, copy=False, index='trigram', help='Numbers of the tickets merged into this one.')

    # --- SLA (policies, business-time deadlines, pause, status) ---------------
    sla_policy_id = fields.Many2one(
        'helpdesk.lite.sla.policy', string='SLA Policy', compute='_compute_sla_policy_id', store=True,
        index=True, tracking=True,
        help='The most specific matching policy; chosen again when priority, team, category, subjects or '
             'customer change.')
    sla_start_date = fields.Datetime(
        string='SLA Timer Start', readonly=True, copy=False, default=lambda self: self._sla_now(),
        help='Creation, or the last reopen: deadlines count from here.')
    sla_paused_since = fields.Datetime(
        string='SLA Paused Since', readonly=True, copy=False, help='Set while the ticket waits on the customer.')
    sla_paused_hours = fields.Float(
        string='SLA Paused Time', readonly=True, copy=False,
        help='Time (business hours under a business-hours policy) spent waiting on the customer since the timer '
             'started; it pushes the deadlines out.')
    sla_response_date = fields.Datetime(
        string='SLA First Response', compute='_compute_sla_response_date', store=True, copy=False,
        help='First public agent reply since the timer started.')
    sla_response_deadline = fields.Datetime(
        string='First Response Deadline', compute='_compute_sla_deadlines', store=True, copy=False,
        index='btree_not_null')
    sla_resolve_deadline = fields.Datetime(
        string='Resolution Deadline', compute='_compute_sla_deadlines', store=True, copy=False,
        index='btree_not_null', help='The manual SLA deadline when one is set, else the policy\'s.')
    sla_at_risk_date = fields.Datetime(
        string='SLA At Risk From', compute='_compute_sla_deadlines', store=True, copy=False,
        help='When the running target reaches the policy\'s "at risk" share.')
    sla_status = fields.Selection(
        SLA_STATUS_SELECTION, string='SLA Status', compute='_compute_sla_status', store=True, index=True, copy=False,
        help='Updated on every change of the ticket and by the SLA check (a scheduled action) as time passes.')
    sla_next_deadline = fields.Datetime(
        string='Next SLA Deadline', compute='_compute_sla_schedule', store=True, copy=False, index='btree_not_null',
        help='Earliest deadline still running (first response, then resolution); empty when closed or paused.')
    sla_check_date = fields.Datetime(
        string='Next SLA Check', compute='_compute_sla_schedule', store=True, copy=False, index='btree_not_null',
        help='When the SLA check next has something to do for this ticket (at risk, breach to record).')
    sla_time_remaining = fields.Char(string='SLA Time Left', compute='_compute_sla_time_remaining')
    sla_breach_ids = fields.One2many('helpdesk.lite.sla.breach', 'ticket_id', string='SLA Breaches')

    _sql_constraints = [
        ('number_uniq', 'unique (number, company_id)', 'The ticket number must be unique.'),
    ]

    # ------------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------------
    @api.depends('team_id')
    def _compute_company_id(self):
        for ticket in self:
            if ticket.team_id:
                ticket.company_id = ticket.team_id.company_id
            elif not ticket.company_id:
                ticket.company_id = self.env.company

    @api.depends('partner_id')
    def _compute_requester(self):
        # A set partner is the source of truth; without one the typed values stay as they are.
        for ticket in self.filtered('partner_id'):
            ticket.partner_name = ticket.partner_id.name
            ticket.partner_email = ticket.partner_id.email
            ticket.partner_phone = ticket.partner_id.phone or ticket.partner_id.mobile

    @api.depends('sla_next_deadline')
    def _compute_is_overdue(self):
        # The effective deadline: the manual SLA deadline or the policy's, first response included.
        now = self._sla_now()
        for ticket in self:
            ticket.is_overdue = bool(ticket.sla_next_deadline and ticket.sla_next_deadline < now)

    def _search_is_overdue(self, operator, value):
        if operator not in ('=', '!=') or not isinstance(value, bool):
            raise UserError(self.env._('Operation not supported'))
        domain = [('is_closed', '=', False), ('sla_next_deadline', '<', self._sla_now())]
        return domain if (operator == '=') == value else ['!'] + expression.normalize_domain(domain)

    @api.depends('create_date', 'closed_date')
    def _compute_age_days(self):
        now = fields.Datetime.now()
        for ticket in self:
            start = ticket.create_date or now
            ticket.age_days = ((ticket.closed_date or now) - start).total_seconds() / 86400

    @api.depends('number', 'name')
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = f'[{ticket.number}] {ticket.name}' if ticket.number else ticket.name

    def _compute_access_url(self):
        super()._compute_access_url()
        for ticket in self:
            ticket.access_url = f'/my/helpdesk/{ticket.id}'

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        # Show every stage column in kanban, limited to the team's stages when browsing a team.
        search_domain = []
        team_id = self.env.context.get('default_team_id')
        if team_id:
            search_domain = ['|', ('team_ids', '=', False), ('team_ids', 'in', [team_id])]
        return stages.search(search_domain)

    # ------------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        default_number = self.env._('New')
        for vals in vals_list:
            if not vals.get('number') or vals['number'] == default_number:
                vals['number'] = self.env['ir.sequence'].with_company(vals.get('company_id')).next_by_code(
                    'helpdesk.lite.ticket') or default_number
        tickets = super().create(vals_list)
        closing = tickets.filtered('is_closed')
        if closing:
            closing.closed_date = self.env.cr.now()
        tickets._sla_track_stage_change(self.browse(), self.browse(), created=True)
        return tickets

    def write(self, vals):
        if 'stage_id' not in vals:
            return super().write(vals)
        new_stage = self.env['helpdesk.lite.stage'].browse(vals['stage_id'])
        was_closed = self.filtered('is_closed')
        was_waiting = self.filtered('stage_id.is_waiting')
        result = super().write(vals)
        if new_stage.is_closing:
            (self - was_closed).write({'closed_date': self.env.cr.now()})
        else:
            # Leaving a closing stage is a reopen, whichever button or drag did it.
            for count, tickets in was_closed.grouped('reopen_count').items():
                tickets.write({'closed_date': False, 'reopen_count': count + 1})
        self._sla_track_stage_change(was_waiting, was_closed)
        return result

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [dict(vals, name=self.env._('%s (copy)', ticket.name)) for ticket, vals in zip(self, vals_list)]

    # ------------------------------------------------------------------------
    # Stage lookup
    # ------------------------------------------------------------------------
    @api.model
    def _first_stage_of(self, lifecycles, team_id=False):
        """First stage (by sequence) among the given lifecycle steps, preferring the team's own stages."""
        Stage = self.env['helpdesk.lite.stage']
        domain = [('lifecycle', 'in', list(lifecycles))]
        if team_id:
            domain = expression.AND([domain, ['|', ('team_ids', '=', False), ('team_ids', 'in', [team_id])]])
        stages = Stage.search(domain)
        for lifecycle in lifecycles:
            stage = stages.filtered(lambda s, lc=lifecycle: s.lifecycle == lc)[:1]
            if stage:
                return stage
        return Stage

    def _move_to_lifecycle(self, lifecycles):
        """Move the tickets, grouped by team, to the first stage of the given lifecycle steps."""
        for team, tickets in self.grouped('team_id').items():
            stage = self._first_stage_of(lifecycles, team.id)
            if not stage:
                raise UserError(self.env._(
                    'No stage is configured for "%(steps)s". Add one in Helpdesk Lite > Configuration > Stages.',
                    steps=', '.join(lifecycles)))
            tickets.write({'stage_id': stage.id})

    # ------------------------------------------------------------------------
    # Actions (buttons, RPC, automation rules); all work on many tickets at once
    # ------------------------------------------------------------------------
    def action_assign_to_me(self):
        return self.action_assign(self.env.user)

    def action_assign(self, user):
        """Assign the tickets to ``user`` (a res.users record or id)."""
        user = self.env['res.users'].browse(user) if isinstance(user, int) else user
        if not user or user.share:
            raise UserError(self.env._('Tickets can only be assigned to internal users.'))
        closed = self.filtered('is_closed')
        if closed:
            raise UserError(self.env._(
                'Closed tickets cannot be assigned: %(tickets)s. Reopen them first.',
                tickets=', '.join(closed.mapped('display_name'))))
        self.write({'user_id': user.id})
        return True

    def action_unassign(self):
        unassigned = self.filtered(lambda t: not t.user_id)
        if unassigned:
            raise UserError(self.env._(
                'These tickets have no assignee: %(tickets)s', tickets=', '.join(unassigned.mapped('display_name'))))
        self.write({'user_id': False})
        return True

    def action_resolve(self):
        done = self.filtered('is_closed')
        if done:
            raise UserError(self.env._(
                'Already resolved or closed: %(tickets)s', tickets=', '.join(done.mapped('display_name'))))
        self._move_to_lifecycle(('resolved', 'closed'))
        return True

    def action_close(self):
        closed = self.filtered(lambda t: t.lifecycle == 'closed')
        if closed:
            raise UserError(self.env._(
                'Already closed: %(tickets)s', tickets=', '.join(closed.mapped('display_name'))))
        self._move_to_lifecycle(('closed',))
        return True

    def action_reopen(self):
        still_open = self.filtered(lambda t: not t.is_closed)
        if still_open:
            raise UserError(self.env._(
                'Only resolved or closed tickets can be reopened: %(tickets)s',
                tickets=', '.join(still_open.mapped('display_name'))))
        self._move_to_lifecycle(('open', 'new'))
        return True

    def action_open_attachments(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('base.action_attachment')
        action.update(
            domain=[('res_model', '=', self._name), ('res_id', '=', self.id)],
            context={'default_res_model': self._name, 'default_res_id': self.id},
        )
        return action

    def action_open_merge_wizard(self):
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._('Merge Tickets'),
            'res_model': 'helpdesk.lite.ticket.merge',
            'view_mode': 'form',
            'target': 'new',
            'context': {'active_model': self._name, 'active_ids': self.ids},
        }

    def _merge_from(self, sources):
        """Merge ``sources`` into this ticket: conversation, attachments, followers, activities and
        subjects move here; the sources are closed and point to this ticket. Assignees and team
        memberships are left as they are."""
        self.ensure_one()
        sources = sources - self
        source_ids = sources.ids
        # The sources' own history moves too: sudo because agents cannot rewrite others' messages.
        self.env['mail.message'].sudo().search(
            [('model', '=', self._name), ('res_id', 'in', source_ids)]).write({'res_id': self.id})
        self.env['ir.attachment'].sudo().search(
            [('res_model', '=', self._name), ('res_id', 'in', source_ids)]).write({'res_id': self.id})
        self.env['mail.activity'].sudo().search(
            [('res_model', '=', self._name), ('res_id', 'in', source_ids)]).write({'res_id': self.id})
        followers = sources.message_follower_ids
        for subtypes, group in followers.grouped(lambda f: f.subtype_ids).items():
            self.message_subscribe(partner_ids=group.partner_id.ids, subtype_ids=subtypes.ids)
        numbers = ' '.join(filter(None, [self.merged_numbers] + sources.mapped('number')
                                  + sources.mapped('merged_numbers')))
        self.write({'tag_ids': [fields.Command.link(tag.id) for tag in sources.tag_ids], 'merged_numbers': numbers})
        # merged_into_id first: _track_template sends no status mail for merged tickets.
        sources.write({'merged_into_id': self.id})
        sources.filtered(lambda t: t.lifecycle != 'closed')._move_to_lifecycle(('closed',))
        self.message_post(body=Markup('<p>%s</p>') % self.env._(
            'Merged into this ticket: %(numbers)s', numbers=', '.join(sources.mapped('display_name'))))
        for source in sources:
            source.message_post(body=Markup('<p>%s <a href="#" data-oe-model="%s" data-oe-id="%s">%s</a></p>') % (
                self.env._('Merged into'), self._name, self.id, self.display_name))
        return True

    # ------------------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------------------
    def _track_post_template_finalize(self):
        # Only the template pass that follows create() comes through here: let _track_template know.
        return super(HelpdeskLiteTicket, self.with_context(helpdesk_lite_on_create=True))._track_post_template_finalize()

    def _track_template(self, changes):
        res = super()._track_template(changes)
        ticket = self[0]
        if 'stage_id' in changes and not self.env.context.get('helpdesk_lite_on_create') \
                and not ticket.merged_into_id:
            template = ticket.stage_id.mail_template_id or self.env.ref(
                'helpdesk_lite.mail_template_ticket_status', raise_if_not_found=False)
            if template:
                res['stage_id'] = (template, {
                    'auto_delete_keep_log': False,
                    'subtype_id': self.env['ir.model.data']._xmlid_to_res_id('mail.mt_note'),
                    'email_layout_xmlid': 'mail.mail_notification_layout',
                })
        return res

    def _message_post_after_hook(self, message, msg_vals):
        self._update_conversation_state(message)
        return super()._message_post_after_hook(message, msg_vals)

    def _update_conversation_state(self, message):
        """Keep "whose turn", first response and last message dates in step with the public conversation.

        Only public messages count (replies and incoming emails); internal notes, tracking and
        automatic mails (templates, notifications) do not.
        """
        if message.message_type not in ('comment', 'email') or message.subtype_id != self.env.ref('mail.mt_comment'):
            return
        author_user = message.author_id.user_ids[:1]
        by_agent = bool(author_user) and not author_user.share
        now = message.date or self.env.cr.now()
        for ticket in self:
            if by_agent:
                vals = {'last_reply_by': 'agent', 'last_agent_message_date': now}
                if not ticket.first_response_date:
                    vals['first_response_date'] = now
            else:
                vals = {'last_reply_by': 'customer', 'last_customer_message_date': now}
            ticket.sudo().write(vals)
        if not by_agent:
            # The customer answered: it is our turn again.
            self.filtered('stage_id.is_waiting').sudo()._move_to_lifecycle(('open', 'new'))

    def _message_get_suggested_recipients(self):
        recipients = super()._message_get_suggested_recipients()
        if self.partner_id:
            self._message_add_suggested_recipient(recipients, partner=self.partner_id, reason=self.env._('Customer'))
        elif self.partner_email:
            self._message_add_suggested_recipient(
                recipients, email=tools.formataddr((self.partner_name or '', self.partner_email)),
                reason=self.env._('Customer Email'))
        return recipients

    def _get_report_base_filename(self):
        self.ensure_one()
        return f'Ticket-{self.number}'

    def _rating_get_partner(self):
        return self.partner_id or super()._rating_get_partner()

    def _rating_get_operator(self):
        return self.user_id.partner_id or super()._rating_get_operator()

    # ------------------------------------------------------------------------
    # SLA: policy, deadlines in business time, pause, status
    # ------------------------------------------------------------------------
    def _sla_now(self):
        # The transaction's timestamp, like closed_date: one instant for a whole write or cron batch.
        return self.env.cr.now().replace(microsecond=0)

    @api.depends('team_id', 'category_id', 'tag_ids', 'partner_id', 'priority', 'company_id')
    def _compute_sla_policy_id(self):
        matches = self.env['helpdesk.lite.sla.policy']._match_tickets(self)
        for ticket in self:
            ticket.sla_policy_id = matches[ticket]

    @api.depends('first_response_date', 'last_agent_message_date', 'sla_start_date')
    def _compute_sla_response_date(self):
        for ticket in self:
            start, current = ticket.sla_start_date, ticket.sla_response_date
            if current and (not start or current >= start):
                continue  # first reply of this cycle, already known
            first, last = ticket.first_response_date, ticket.last_agent_message_date
            if first and (not start or first >= start):
                ticket.sla_response_date = first
            elif last and start and last >= start:
                # reopened: the first agent reply after the reopen (later replies keep this value)
                ticket.sla_response_date = last
            else:
                ticket.sla_response_date = False

    @api.depends('sla_policy_id', 'priority', 'sla_start_date', 'sla_paused_hours', 'sla_deadline',
                 'sla_response_date')
    def _compute_sla_deadlines(self):
        now = self._sla_now()
        # One business clock per calendar for the whole batch (see resource_calendar.BusinessClock).
        by_calendar = defaultdict(list)
        for ticket in self:
            policy = ticket.sla_policy_id
            calendar = policy._get_clock_calendar() if policy else self.env['resource.calendar']
            by_calendar[calendar].append(ticket)
        for calendar, tickets in by_calendar.items():
            starts = [ticket.sla_start_date or now for ticket in tickets]
            clock = calendar._helpdesk_lite_clock(min(starts), max(starts))
            for ticket, start in zip(tickets, starts):
                ticket.update(ticket._sla_plan_deadlines(clock, start))

    def _sla_plan_deadlines(self, clock, start):
        """Deadline values of one ticket: targets counted from ``start`` plus the paused time."""
        self.ensure_one()
        policy = self.sla_policy_id
        response_hours, resolve_hours = policy._get_targets(self.priority) if policy else (0.0, 0.0)
        share = (policy.at_risk_percent if policy else 75.0) / 100.0
        paused = self.sla_paused_hours
        response = clock.plan(start, response_hours + paused) if response_hours else False
        resolve = self.sla_deadline or (clock.plan(start, resolve_hours + paused) if resolve_hours else False)
        # "At risk" follows the target that runs first: the first response, then the resolution.
        if response and not self.sla_response_date:
            at_risk = clock.plan(start, share * response_hours + paused)
        elif self.sla_deadline:
            # a manual deadline is a fixed date: the share applies to the time it leaves
            at_risk = clock.plan(start, share * clock.duration(start, self.sla_deadline))
        elif resolve:
            at_risk = clock.plan(start, share * resolve_hours + paused)
        else:
            at_risk = False
        return {'sla_response_deadline': response, 'sla_resolve_deadline': resolve, 'sla_at_risk_date': at_risk}

    def _sla_targets(self):
        """[(target type, deadline, reached on)] of the current SLA cycle; resolution stops every timer."""
        self.ensure_one()
        stopped = self.is_closed and (self.closed_date or self.write_date or self._sla_now())
        targets = []
        if self.sla_response_deadline:
            targets.append(('response', self.sla_response_deadline, self.sla_response_date or stopped))
        if self.sla_resolve_deadline:
            targets.append(('resolution', self.sla_resolve_deadline, stopped))
        return targets

    def _sla_clock_time(self, now):
        """The instant the SLA clock stands at: frozen at the start of a pause."""
        self.ensure_one()
        return (not self.is_closed and self.sla_paused_since) or now

    def _sla_status_at(self, now):
        self.ensure_one()
        targets = self._sla_targets()
        if not targets:
            return False
        clock_time = self._sla_clock_time(now)
        if any((done or clock_time) > deadline for _target, deadline, done in targets):
            return 'breached'
        if self.is_closed:
            return 'met'
        if self.sla_paused_since:
            return 'paused'
        if all(done for _target, _deadline, done in targets):
            return 'met'
        if self.sla_at_risk_date and now >= self.sla_at_risk_date:
            return 'at_risk'
        return 'on_track'

    @api.depends('sla_response_deadline', 'sla_resolve_deadline', 'sla_response_date', 'sla_at_risk_date',
                 'sla_paused_since', 'is_closed', 'closed_date')
    def _compute_sla_status(self):
        # Time also moves the status: _cron_check_sla_overdue recomputes it when sla_check_date is due.
        now = self._sla_now()
        for ticket in self:
            ticket.sla_status = ticket._sla_status_at(now)

    def _sla_is_recorded(self, target_type, deadline):
        """Whether this missed target already has its breach record. A breach recorded after the current
        deadline covers it; a deadline moved past the recording (e.g. a new manual deadline) is a new
        commitment that can be breached again."""
        self.ensure_one()
        return any(breach.target_type == target_type and breach.breached_at >= deadline
                   for breach in self.sla_breach_ids)

    @api.depends('sla_response_deadline', 'sla_resolve_deadline', 'sla_response_date', 'sla_at_risk_date',
                 'sla_paused_since', 'is_closed', 'closed_date', 'sla_status',
                 'sla_breach_ids.target_type', 'sla_breach_ids.breached_at')
    def _compute_sla_schedule(self):
        for ticket in self:
            targets = ticket._sla_targets()
            paused_since = not ticket.is_closed and ticket.sla_paused_since
            running = [deadline for _target, deadline, done in targets if not done]
            ticket.sla_next_deadline = min(running) if running and not paused_since else False
            # sla_check_date: the next time the SLA check must look at this ticket
            due = []
            for target, deadline, done in targets:
                if ticket._sla_is_recorded(target, deadline):
                    continue
                if done:
                    if done > deadline:
                        due.append(deadline)  # reached late: the breach still has to be recorded
                elif not paused_since or deadline < paused_since:
                    due.append(deadline)
            if ticket.sla_status == 'on_track' and ticket.sla_at_risk_date:
                due.append(ticket.sla_at_risk_date)
            ticket.sla_check_date = min(due) if due else False

    @api.depends('sla_next_deadline')
    def _compute_sla_time_remaining(self):
        now = self._sla_now()
        for ticket in self:
            deadline = ticket.sla_next_deadline
            if not deadline:
                ticket.sla_time_remaining = False
                continue
            seconds = (deadline - now).total_seconds()
            duration = self._sla_format_hours(abs(seconds) / 3600.0)
            ticket.sla_time_remaining = self.env._('%(time)s left', time=duration) if seconds >= 0 \
                else self.env._('%(time)s late', time=duration)

    @api.model
    def _sla_format_hours(self, hours):
        minutes = int(round(hours * 60))
        days, minutes = divmod(minutes, 24 * 60)
        hours, minutes = divmod(minutes, 60)
        if days:
            return f'{days}d {hours}h'
        if hours:
            return f'{hours}h {minutes:02d}m'
        return f'{minutes}m'

    def _sla_track_stage_change(self, was_waiting, was_closed, created=False):
        """Restart the timers on reopen, pause them in a waiting stage, and add the paused time on leaving it."""
        now = self._sla_now()
        reopened = was_closed.filtered(lambda t: not t.is_closed)
        if reopened:
            reopened.write({'sla_start_date': now, 'sla_paused_hours': 0.0, 'sla_paused_since': False})
        resumed = was_waiting.filtered(lambda t: t.sla_paused_since and (t.is_closed or not t.stage_id.is_waiting))
        resumed._sla_resume(now)
        paused = self.filtered(
            lambda t: t.stage_id.is_waiting and not t.is_closed and (created or not t.sla_paused_since))
        if paused:
            paused.write({'sla_paused_since': now})

    def _sla_resume(self, now):
        """Add the time spent waiting (in the policy's business time) to the paused time."""
        groups = self.grouped(
            lambda t: t.sla_policy_id._get_clock_calendar() if t.sla_policy_id else self.env['resource.calendar'])
        for calendar, tickets in groups.items():
            clock = calendar._helpdesk_lite_clock(min(tickets.mapped('sla_paused_since')), now)
            for ticket in tickets:
                ticket.write({
                    'sla_paused_hours': ticket.sla_paused_hours + clock.duration(ticket.sla_paused_since, now),
                    'sla_paused_since': False,
                })

    def _sla_recompute(self, rematch=False):
        """Recompute the SLA of these tickets after their policy changed (or, with ``rematch``, choose the
        policy again); the status and schedule follow."""
        if rematch:
            self.env.add_to_compute(self._fields['sla_policy_id'], self)
        # everything that depends on the policy is recomputed, even if the policy itself stays
        self.modified(['sla_policy_id'])
        self.flush_recordset()

    # ------------------------------------------------------------------------
    # SLA: the overdue check (spec 01 §4)
    # ------------------------------------------------------------------------
    _sla_cron_batch_size = 500

    @api.model
    def _cron_check_sla_overdue(self, batch_size=None, act_type_xmlid='mail.mail_activity_data_warning'):
        """Move SLA statuses on as time passes, record breaches, warn and escalate.

        For each ticket whose next SLA event is due (``sla_check_date``, indexed): the status is
        recomputed; each target newly missed gets a breach record, and while the ticket is open one chatter
        message and one activity of type ``act_type_xmlid`` for the assignee (the team leader when
        unassigned); tickets entering "At Risk" or "Breached" get their policy's escalations. A breach is
        handled once: running the check again does nothing new.

        Works in batches: each batch is locked (``FOR NO KEY UPDATE SKIP LOCKED``, so two workers split
        the work instead of doing it twice), reports progress and, in a real cron run, is committed.
        Tickets that only cross their "at risk" point are moved in one UPDATE (``_sla_mark_at_risk``); the
        others are loaded and handled by ``_sla_check_batch``. Override ``_sla_check_batch``,
        ``_sla_breach_lines``, ``_sla_message_body`` or ``_sla_prepare_activity_vals`` (or this method, e.g.
        to pass another activity type:
        ``super()._cron_check_sla_overdue(act_type_xmlid='mail.mail_activity_data_todo')``) to adapt it.
        """
        tickets = self.sudo()
        now = self._sla_now()
        batch_size = batch_size or self._sla_cron_batch_size
        candidate_ids = tickets._sla_cron_candidates(now)
        cron = self.env['ir.cron']
        # commit finished batches only in a real cron worker, never in tests or in a caller's transaction
        testing = getattr(threading.current_thread(), 'testing', False)
        auto_commit = bool(self.env.context.get('cron_id')) and not testing
        done = 0
        for batch_ids in tools.split_every(batch_size, candidate_ids, list):
            batch = tickets._sla_lock_batch(batch_ids, now)
            at_risk = batch._sla_mark_at_risk(now)
            (batch - at_risk)._sla_check_batch(now, act_type_xmlid)
            done += len(batch_ids)
            cron._notify_progress(done=done, remaining=len(candidate_ids) - done)
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit - cron batch pattern, see docstring
                self.env.invalidate_all()
            else:
                self.env.flush_all()
        if not candidate_ids:
            cron._notify_progress(done=0, remaining=0)
        return done

    def _sla_cron_candidates(self, now):
        return self.search([('sla_check_date', '<=', now)], order='id').ids

    def _sla_lock_batch(self, ids, now):
        """Lock the batch's tickets still due; rows another worker holds are skipped, not waited for."""
        self.flush_model(['sla_check_date'])
        rows = self.env.execute_query(tools.SQL(
            "SELECT id FROM %s WHERE id = ANY(%s) AND sla_check_date <= %s FOR NO KEY UPDATE SKIP LOCKED",
            tools.SQL.identifier(self._table), ids, now))
        return self.browse([row[0] for row in rows])

    def _sla_mark_at_risk(self, now):
        """Set-based: the tickets that only cross their "at risk" point (no escalation to run) are moved
        to At Risk in one UPDATE, without loading them. Their next check is their next deadline: nothing
        is missed (next deadline ahead) and nothing is recorded yet. Returns them; the others go through
        ``_sla_check_batch``. Note: being SQL, this move does not fire automation rules on sla_status;
        use the policy's at-risk escalations (or override this method) to act on it."""
        if not self:
            return self
        escalating = self.env['helpdesk.lite.sla.policy'].sudo().with_context(active_test=False).search([
            '|', '|', ('at_risk_notify_leader', '=', True), ('at_risk_raise_priority', '=', True),
            ('at_risk_assign_leader', '=', True)])
        fnames = ['sla_status', 'is_closed', 'sla_paused_since', 'sla_at_risk_date', 'sla_next_deadline',
                  'sla_policy_id', 'sla_check_date']
        self.flush_recordset(fnames)
        rows = self.env.execute_query(tools.SQL("""
            UPDATE %(table)s
               SET sla_status = 'at_risk', sla_check_date = sla_next_deadline, write_date = %(now)s,
                   write_uid = %(uid)s
             WHERE id = ANY(%(ids)s) AND sla_status = 'on_track' AND NOT is_closed AND sla_paused_since IS NULL
               AND sla_at_risk_date <= %(now)s AND sla_next_deadline > %(now)s
               AND (sla_policy_id IS NULL OR sla_policy_id != ALL(%(escalating)s))
         RETURNING id""", table=tools.SQL.identifier(self._table), now=now, uid=self.env.uid, ids=self.ids,
            escalating=escalating.ids))
        self.invalidate_recordset(['sla_status', 'sla_check_date', 'write_date', 'write_uid'])
        return self.browse([row[0] for row in rows])

    def _sla_check_batch(self, now, act_type_xmlid):
        old_status = {ticket.id: ticket.sla_status for ticket in self}
        # time has passed since the last write: recompute the status (and what depends on it) as of now
        for fname in ('sla_status', 'sla_check_date'):
            self.env.add_to_compute(self._fields[fname], self)
        breach_vals, overdue = self._sla_collect_breaches(now)
        self.env['helpdesk.lite.sla.breach'].sudo().create(breach_vals)
        at_risk = self.filtered(lambda t: old_status[t.id] == 'on_track' and t.sla_status == 'at_risk')
        overdue_tickets = self.browse([ticket.id for ticket in overdue])
        notes, notify = overdue_tickets._sla_escalate('breach')
        risk_notes, risk_notify = at_risk._sla_escalate('at_risk')
        # one chatter message per ticket and event, naming the escalations done
        labels = dict(self.env['helpdesk.lite.sla.breach']._fields['target_type']._description_selection(self.env))
        breach_lines = {ticket: ticket._sla_breach_lines(targets, now, labels) for ticket, targets in overdue.items()}
        bodies = {}
        for ticket, lines in breach_lines.items():
            bodies[ticket.id] = ticket._sla_message_body(self.env._('SLA breached'), lines + notes.get(ticket, []))
        for ticket in at_risk.filtered(lambda t: t in risk_notes):
            bodies[ticket.id] = ticket._sla_message_body(
                self.env._('SLA at risk'), ticket._sla_risk_lines(now) + risk_notes[ticket])
        to_notify = notify | risk_notify
        for ticket in to_notify.filtered(lambda t: t.id in bodies):
            # the leader is notified by the message itself (inbox or email, per their preference)
            ticket.message_post(
                body=bodies.pop(ticket.id), partner_ids=ticket.team_id.leader_id.partner_id.ids,
                message_type='comment', subtype_xmlid='mail.mt_note')
        if bodies:
            self.browse(list(bodies))._message_log_batch(bodies=bodies)
        activity_type = self.env.ref(act_type_xmlid, raise_if_not_found=False) \
            or self.env.ref('mail.mail_activity_data_warning')
        common = {
            'res_model_id': self.env['ir.model']._get_id(self._name),
            'activity_type_id': activity_type.id,
            'automated': True,
            'date_deadline': fields.Date.context_today(self, now),
        }
        activity_vals = [dict(common, **vals) for ticket, targets in overdue.items()
                         if (vals := ticket._sla_prepare_activity_vals(targets, breach_lines[ticket], labels))]
        if activity_vals:
            # the activity itself is the notification: no "assigned to you" email per ticket
            self.env['mail.activity'].with_context(mail_activity_quick_update=True).create(activity_vals)

    def _sla_collect_breaches(self, now):
        """Breach records to create for the newly missed targets, and {ticket: [(target, deadline)]} for the
        open tickets whose target is still running late (they get a message and an activity)."""
        vals_list = []
        overdue = defaultdict(list)
        for ticket in self:
            clock_time = ticket._sla_clock_time(now)
            for target, deadline, done in ticket._sla_targets():
                if (done or clock_time) <= deadline or ticket._sla_is_recorded(target, deadline):
                    continue
                vals_list.append({
                    'ticket_id': ticket.id,
                    'policy_id': ticket.sla_policy_id.id,
                    'team_id': ticket.team_id.id,
                    'user_id': ticket.user_id.id,
                    'priority': ticket.priority,
                    'target_type': target,
                    'deadline': deadline,
                    'breached_at': now,
                })
                if not done:
                    overdue[ticket].append((target, deadline))
        return vals_list, overdue

    def _sla_escalate(self, event):
        """Apply the policies' escalation options for ``event`` ('at_risk' or 'breach').

        Returns ({ticket: [chatter lines]}, tickets whose team leader must be notified).
        """
        notes = defaultdict(list)
        option = lambda name: lambda t: t.sla_policy_id[f'{event}_{name}']  # noqa: E731
        priorities = dict(self._fields['priority']._description_selection(self.env))
        for priority, tickets in self.filtered(option('raise_priority')).filtered(
                lambda t: t.priority < '3').grouped('priority').items():
            new_priority = str(int(priority) + 1)
            tickets.write({'priority': new_priority})
            for ticket in tickets:
                notes[ticket].append(self.env._('Priority raised to %(priority)s.', priority=priorities[new_priority]))
        to_leader = self.filtered(option('assign_leader')).filtered(
            lambda t: t.team_id.leader_id and t.user_id != t.team_id.leader_id)
        for leader, tickets in to_leader.grouped(lambda t: t.team_id.leader_id).items():
            tickets.write({'user_id': leader.id})
            for ticket in tickets:
                notes[ticket].append(self.env._('Reassigned to the team leader, %(user)s.', user=leader.name))
        notify = self.filtered(option('notify_leader')).filtered(lambda t: t.team_id.leader_id)
        for ticket in notify:
            notes[ticket].append(self.env._('Team leader %(user)s notified.', user=ticket.team_id.leader_id.name))
        return notes, notify

    def _sla_format_datetime(self, value):
        """A deadline in the policy's business timezone (else the user's), e.g. "2024-01-08 17:00 (UTC)"."""
        self.ensure_one()
        calendar = self.sla_policy_id.calendar_id if self.sla_policy_id.business_hours_only else False
        tz_name = (calendar and calendar.tz) or self.env.user.tz or 'UTC'
        local = pytz.utc.localize(value).astimezone(pytz.timezone(tz_name))
        return f'{local:%Y-%m-%d %H:%M} ({tz_name})'

    def _sla_breach_lines(self, targets, now, labels=None):
        self.ensure_one()
        if labels is None:
            labels = dict(self.env['helpdesk.lite.sla.breach']._fields['target_type']._description_selection(self.env))
        return [self.env._(
            '%(target)s target missed: due %(deadline)s, overdue by %(late)s.',
            target=labels[target], deadline=self._sla_format_datetime(deadline),
            late=self._sla_format_hours((now - deadline).total_seconds() / 3600.0))
            for target, deadline in targets]

    def _sla_risk_lines(self, now):
        self.ensure_one()
        return [self.env._('%(share)s%% of the time used; next deadline %(deadline)s.',
                           share=round(self.sla_policy_id.at_risk_percent),
                           deadline=self._sla_format_datetime(self.sla_next_deadline))] \
            if self.sla_next_deadline else []

    def _sla_message_body(self, title, lines):
        self.ensure_one()
        return Markup('<p><strong>%s</strong> (%s)</p><ul>%s</ul>') % (
            title, self.sla_policy_id.display_name or self.env._('manual deadline'),
            Markup().join(Markup('<li>%s</li>') % line for line in lines))

    def _sla_prepare_activity_vals(self, targets, lines, labels):
        """Ticket-specific values of the warning activity of a newly overdue ticket (None: no one to give it
        to); type, model and date come from the caller. The summary carries the details; ``lines`` (the
        chatter message's) are there for overrides that want a note too (an HTML note costs an HTML
        sanitization per ticket, hence none by default)."""
        self.ensure_one()
        user = self.user_id or self.team_id.leader_id
        if not user:
            return None
        return {
            'res_id': self.id,
            'user_id': user.id,
            # what mail.activity would compute right after its INSERT (one UPDATE per 100 rows saved)
            'res_name': self.display_name,
            'user_tz': user.tz,
            'date_done': False,
            'summary': self.env._('SLA breached: %(targets)s', targets='; '.join(
                self.env._('%(target)s due %(deadline)s', target=labels[target],
                           deadline=self._sla_format_datetime(deadline))
                for target, deadline in targets)),
        }
