import bisect

import pytz

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
        precompute=True, default=lambda self: self.env.company)

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

    @api.depends('sla_deadline', 'is_closed')
    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for ticket in self:
            ticket.is_overdue = bool(not ticket.is_closed and ticket.sla_deadline and ticket.sla_deadline < now)

    def _search_is_overdue(self, operator, value):
        if operator not in ('=', '!=') or not isinstance(value, bool):
            raise UserError(self.env._('Operation not supported'))
        domain = [('is_closed', '=', False), ('sla_deadline', '<', fields.Datetime.now())]
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
        return tickets

    def write(self, vals):
        if 'stage_id' not in vals:
            return super().write(vals)
        new_stage = self.env['helpdesk.lite.stage'].browse(vals['stage_id'])
        was_closed = self.filtered('is_closed')
        result = super().write(vals)
        if new_stage.is_closing:
            (self - was_closed).write({'closed_date': self.env.cr.now()})
        else:
            # Leaving a closing stage is a reopen, whichever button or drag did it.
            for count, tickets in was_closed.grouped('reopen_count').items():
                tickets.write({'closed_date': False, 'reopen_count': count + 1})
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
    # Reporting: durations in working hours (read by helpdesk.lite.ticket.report)
    # ------------------------------------------------------------------------
    first_response_work_hours = fields.Float(
        string='First Response (Working Hours)', compute='_compute_work_hours', store=True, digits=(16, 2),
        aggregator='avg', help='Working hours from creation to the first public agent reply.')
    resolution_work_hours = fields.Float(
        string='Resolution (Working Hours)', compute='_compute_work_hours', store=True, digits=(16, 2),
        aggregator='avg', help='Working hours from creation to the closing stage.')

    def _get_working_calendar(self):
        """Calendar the ticket's durations are counted in: its team's when teams have one, else its company's."""
        self.ensure_one()
        team = self.team_id
        if 'resource_calendar_id' in team._fields and team.resource_calendar_id:
            return team.resource_calendar_id
        return self.company_id.resource_calendar_id

    @api.depends('create_date', 'first_response_date', 'closed_date', 'team_id', 'company_id')
    def _compute_work_hours(self):
        # Stored when the event happens, so the analysis does no calendar maths. Working intervals are
        # computed once per calendar for the whole batch (an upgrade recomputes every ticket).
        spans_by_field = (('first_response_date', 'first_response_work_hours'),
                          ('closed_date', 'resolution_work_hours'))
        for calendar, tickets in self.grouped(lambda t: t._get_working_calendar()).items():
            spans = {
                (ticket, end_field): (pytz.utc.localize(ticket.create_date), pytz.utc.localize(ticket[end_field]))
                for ticket in tickets for end_field, _hours_field in spans_by_field
                if calendar and ticket.create_date and ticket[end_field] and ticket[end_field] > ticket.create_date
            }
            intervals = []
            if spans:
                intervals = [(start, stop) for start, stop, _meta in calendar._work_intervals_batch(
                    min(start for start, _end in spans.values()), max(end for _start, end in spans.values()))[False]]
            stops = [stop for _start, stop in intervals]
            for ticket in tickets:
                for end_field, hours_field in spans_by_field:
                    span = spans.get((ticket, end_field))
                    seconds = 0.0
                    if span:
                        # Intervals are sorted and disjoint: start at the first one ending after the span starts.
                        for start, stop in intervals[bisect.bisect_right(stops, span[0]):]:
                            if start >= span[1]:
                                break
                            seconds += (min(stop, span[1]) - max(start, span[0])).total_seconds()
                    ticket[hours_field] = seconds / 3600
