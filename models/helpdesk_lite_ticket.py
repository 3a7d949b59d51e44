import bisect
import logging
import re
import threading
import uuid
from collections import defaultdict
from datetime import timedelta

import psycopg2.errors
import pytz
from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

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

_logger = logging.getLogger(__name__)

# Channels whose requester gets the "we received your request" mail on creation.
ACKNOWLEDGED_CHANNELS = ('email', 'portal', 'web')
# "[HD00042]" in a subject: the fallback route for replies that lost their threading headers.
TICKET_NUMBER_RE = re.compile(r'\[([A-Za-z]{0,10}\d{1,12})\]')
TITLE_MAX_LENGTH = 250
# Reopen window for tickets without a team (a team's default).
DEFAULT_REOPEN_DAYS = 7
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
    # No aggregator (as res.partner's color): otherwise every kanban load sums colour indexes, which
    # reads each open ticket row instead of the open-tickets index.
    color = fields.Integer(aggregator=False)
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

    # --- email channel ------------------------------------------------------
    parent_ticket_id = fields.Many2one(
        'helpdesk.lite.ticket', string='Follow-up Of', readonly=True, copy=False, index='btree_not_null',
        help='The closed ticket this one continues: the customer replied to it after its reopen window.')
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
    def init(self):
        super().init()
        # Open tickets in the default order (_order), with the columns the views filter and group on:
        # the default "Open" list, its count and the kanban counters read this small index
        # (index-only) instead of every closed ticket. Its WHERE is what the ORM writes for
        # [('is_closed', '=', False)] on active records. Measured in bench/RESULTS.md.
        self.env.cr.execute(SQL(
            "CREATE INDEX IF NOT EXISTS helpdesk_lite_ticket_open_order_index ON %s "
            "(priority DESC, id DESC) INCLUDE (stage_id, user_id, company_id) "
            "WHERE active AND (is_closed IS NULL OR is_closed = FALSE)", SQL.identifier(self._table)))
        # Tickets per customer (the customer form's counter): counted from the index alone, not
        # from ticket rows scattered over the whole table.
        self.env.cr.execute(SQL(
            "CREATE INDEX IF NOT EXISTS helpdesk_lite_ticket_partner_count_index ON %s "
            "(partner_id) INCLUDE (company_id) WHERE active", SQL.identifier(self._table)))

    @api.model_create_multi
    def create(self, vals_list):
        default_number = self.env._('New')
        to_number = [vals for vals in vals_list if not vals.get('number') or vals['number'] == default_number]
        for company_id, company_vals in tools.groupby(to_number, key=lambda v: v.get('company_id')):
            numbers = self._next_ticket_numbers(self.env['res.company'].browse(company_id), len(company_vals))
            for vals, number in zip(company_vals, numbers):
                vals['number'] = number or default_number
        for vals in vals_list:
            # The mails' /mail/view link needs a token; drawing it here costs no query.
            vals.setdefault('access_token', str(uuid.uuid4()))
        # The default stage is looked up once per team, not once per ticket.
        default_stages = {}
        for vals in vals_list:
            # A default_stage_id in the context (e.g. a kanban column) wins, as for any default.
            if 'stage_id' not in vals and 'default_stage_id' not in self.env.context:
                team_id = vals.get('team_id') or self.env.context.get('default_team_id')
                if team_id not in default_stages:
                    default_stages[team_id] = self._first_stage_of(('new', 'open'), team_id).id
                vals['stage_id'] = default_stages[team_id]
        # A batch (import, email burst, API) notifies each assignee once with a digest instead of
        # one "You have been assigned" mail per ticket; a single ticket keeps Odoo's usual mail.
        digest = len(vals_list) > 1 and not self.env.context.get('mail_auto_subscribe_no_notify')
        creator = self.with_context(mail_auto_subscribe_no_notify=True) if digest else self
        tickets = super(HelpdeskLiteTicket, creator).create(vals_list).with_env(self.env)
        # Help center deflection: a ticket form posted after following a help page suggestion.
        self.env['helpdesk.lite.help.deflection']._mark_submitted_from_request(tickets)
        closing = tickets.filtered('is_closed')
        if closing:
            closing.closed_date = self.env.cr.now()
        if digest:
            tickets._notify_assignees_digest()
        # No acknowledgement for data files and imports (install_mode), nor when asked not to.
        if not self.env.context.get('helpdesk_lite_no_acknowledgement') and not self.env.context.get('install_mode'):
            tickets.filtered(lambda t: t.channel in ACKNOWLEDGED_CHANNELS)._send_acknowledgement()
        tickets._sla_track_stage_change(self.browse(), self.browse(), created=True)
        return tickets

    def _notify_assignees_digest(self):
        max_listed = 50
        assigned = self.filtered(lambda t: t.user_id and t.user_id != self.env.user and t.user_id.active)
        for user, tickets in assigned.grouped('user_id').items():
            items = Markup('').join(
                Markup('<li><a href="%s">%s</a></li>') % (ticket._notify_get_action_link('view'), ticket.display_name)
                for ticket in tickets[:max_listed])
            more = len(tickets) - max_listed
            body = Markup('<p>%s</p><ul>%s</ul>') % (
                self.env._('You have been assigned %(count)s new tickets:', count=len(tickets)), items)
            if more > 0:
                body += Markup('<p>%s</p>') % self.env._('... and %(count)s more.', count=more)
            self.env['mail.thread'].sudo().message_notify(
                partner_ids=user.partner_id.ids, body=body,
                subject=self.env._('You have been assigned %(count)s tickets', count=len(tickets)),
                email_layout_xmlid='mail.mail_notification_light')

    @api.model
    def _next_ticket_numbers(self, company, count):
        """Draw ``count`` ticket numbers in one query (standard PostgreSQL-backed sequences)."""
        company = company or self.env.company
        # sudo: numbering is system behaviour; portal and email creations need it too.
        sequence = self.env['ir.sequence'].sudo().search(
            [('code', '=', 'helpdesk.lite.ticket'), ('company_id', 'in', [company.id, False])],
            order='company_id', limit=1)
        if not sequence:
            return [False] * count
        if sequence.implementation != 'standard' or sequence.use_date_range:
            return [sequence._next() for _i in range(count)]
        rows = self.env.execute_query(SQL(
            "SELECT nextval(%s) FROM generate_series(1, %s)", f'ir_sequence_{sequence.id:03d}', count))
        return [sequence.get_next_char(number) for number in sorted(row[0] for row in rows)]

    def write(self, vals):
        if 'stage_id' not in vals:
            return super().write(vals)
        new_stage = self.env['helpdesk.lite.stage'].browse(vals['stage_id'])
        was_closed = self.filtered('is_closed')
        self._register_status_mail()
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
        stages = Stage.search_fetch(domain, ['lifecycle'])
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
        # merged_into_id first: merged tickets get no status mail.
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
    def _register_status_mail(self):
        """Remember each ticket's stage before its first stage write of the transaction; the status
        mail goes out once, at commit, for the tickets whose stage really changed."""
        pending = self.env.cr.precommit.data.setdefault('helpdesk_lite.status_mail', {})
        if not pending:
            self.env.cr.precommit.add(self._send_status_mails)
        for ticket in self:
            pending.setdefault(ticket.id, ticket.stage_id.id)

    def _send_status_mails(self):
        """Send the "status updated" mail for all tickets changed in the transaction, in one batch.

        Mass-mail mode renders the template for all tickets at once and queues one ``mail.mail`` per
        ticket (customer and assignee as recipients), logged in the chatter; the link in the mail
        (``/mail/view`` with the access token) opens the portal page for the customer and the backend
        form for the agent. Queued mails are sent by the mail queue: an SMTP failure cannot undo the write.
        """
        pending = self.env.cr.precommit.data.pop('helpdesk_lite.status_mail', {})
        # sudo: the mail goes out whoever moved the ticket (an agent, a portal user, a cron).
        tickets = self.sudo().browse(list(pending)).exists().filtered(
            lambda t: t.stage_id.id != pending[t.id] and not t.merged_into_id)
        if not tickets:
            return
        for ticket in tickets.filtered(lambda t: not t.access_token):
            ticket._portal_ensure_token()
        default_template = self.env.ref('helpdesk_lite.mail_template_ticket_status', raise_if_not_found=False)
        by_template = tickets.grouped(lambda t: t.stage_id.mail_template_id or default_template)
        queued = False
        for template, group in by_template.items():
            if template:
                group.message_mail_with_source(
                    template, force_send=False, auto_delete_keep_log=True, message_type='auto_comment')
                queued = True
        if queued:
            # Wake the mail queue now rather than at its next hourly run.
            self.env.ref('mail.ir_cron_mail_scheduler_action')._trigger()

    def _message_post_after_hook(self, message, msg_vals):
        self._update_conversation_state(message)
        self._mail_link_requester_partner(message)
        self._mail_sync_description(message)
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
    # Email channel: inbound (mail gateway)
    # ------------------------------------------------------------------------
    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A new email (to a team alias, or to a mail server whose model is Ticket) becomes a ticket.

        The sender is the customer when a contact has that address (the gateway already looked it up
        into ``author_id``); otherwise the requester name and email are stored, and a contact is
        created only if the team asks for it.
        """
        values = dict(custom_values or {})
        values.setdefault('channel', 'email')
        team = self.env['helpdesk.lite.team'].browse(values.get('team_id'))
        name, email = self._mail_parse_contact(msg_dict.get('email_from'))
        partner = self.env['res.partner'].browse(msg_dict.get('author_id'))
        if not partner and email and team.email_create_partner and not self._mail_internal_emails([email]):
            partner = self.env['res.partner'].create({'name': name or email, 'email': email})
            msg_dict['author_id'] = partner.id  # the incoming message is then authored by the new contact
        company = team.company_id or self.env['res.company'].browse(values.get('company_id')) or self.env.company
        if partner.company_id and partner.company_id != company:
            # A contact of another company cannot be the customer here; keep name and email only.
            partner = self.env['res.partner']
        values.setdefault('name', self._mail_title_from_subject(msg_dict.get('subject')))
        body = msg_dict.get('body')
        if body and not tools.is_html_empty(body):
            values.setdefault('description', body)  # sanitized by the Html field
        if partner:
            values.setdefault('partner_id', partner.id)
        else:
            values.setdefault('partner_name', name or email or False)
        # mail.thread puts the raw From header in the primary email field: give it the bare address.
        ticket = super(HelpdeskLiteTicket, self.with_context(
            helpdesk_lite_ack_references=msg_dict.get('message_id'),
        )).message_new(dict(msg_dict, email_from=email or False), custom_values=values)
        ticket = ticket.with_env(self.env)
        ticket._mail_subscribe_cc(msg_dict)
        # the gateway posts the email on the returned record: see _mail_sync_description
        return ticket.with_context(helpdesk_lite_description_from_email=True)

    def message_update(self, msg_dict, update_vals=None):
        """A reply on existing tickets: a customer reply to a ticket closed within the team's reopen
        window reopens it (later replies never get here, see ``_mail_route_adjust``)."""
        reopen = self.filtered(lambda t: t._mail_closed_reply_action(msg_dict.get('author_id')) == 'reopen')
        result = super().message_update(msg_dict, update_vals=update_vals)
        if reopen:
            reopen._move_to_lifecycle(('open', 'new'))
        self._mail_subscribe_cc(msg_dict)
        return result

    def _detect_loop_sender_domain(self, email_from_normalized):
        # Gateway tickets store the bare address: an equality uses the index, mail.thread's ilike does not.
        return [('partner_email', '=', email_from_normalized)]

    @api.model
    def _mail_route_adjust(self, message, message_dict, routes):
        """Helpdesk rules on top of the gateway's routes (called from ``mail.thread.message_route``):

        * automatic mail (auto-replies, bounces, mail from our own addresses) reaches no ticket;
        * a new-ticket route whose subject carries the number of a ticket of that sender becomes a reply;
        * replies follow merges, and a customer reply to a ticket closed longer than the team's reopen
          window becomes a new ticket linked to the old one;
        * one message gives at most one new ticket (e.g. sent to two team aliases) and one update per
          ticket.
        """
        reason = self._mail_detect_automatic(message, message_dict)
        if reason:
            _logger.info('Helpdesk Lite: mail from %s with Message-Id %s creates or updates no ticket: %s',
                         message_dict.get('email_from'), message_dict.get('message_id'), reason)
            return [route for route in routes if route[0] != self._name]
        adjusted, seen = [], set()
        for route in routes:
            if route[0] == self._name:
                route = self._mail_route_adjust_one(message_dict, route)
                key = route[1] or 'new'
                if key in seen:
                    _logger.info('Helpdesk Lite: mail with Message-Id %s matches several routes to %s ticket; '
                                 'kept the first one', message_dict.get('message_id'), key)
                    continue
                seen.add(key)
            adjusted.append(route)
        return adjusted

    @api.model
    def _mail_route_adjust_one(self, message_dict, route):
        model, thread_id, custom_values, user_id, alias = route
        Ticket = self.sudo().with_context(active_test=False)
        if not thread_id:
            ticket = Ticket._mail_find_ticket_from_subject(message_dict)
            if not ticket:
                return route
            _logger.info('Helpdesk Lite: mail with Message-Id %s routed to ticket %s by the number in its subject',
                         message_dict.get('message_id'), ticket.number)
        else:
            ticket = Ticket.browse(thread_id)
        seen = set()
        while ticket.merged_into_id and ticket.id not in seen:  # replies to a merged ticket go to its target
            seen.add(ticket.id)
            ticket = ticket.merged_into_id
        if ticket._mail_closed_reply_action(message_dict.get('author_id')) == 'new':
            _logger.info('Helpdesk Lite: mail with Message-Id %s replies to %s, closed since %s: new follow-up ticket',
                         message_dict.get('message_id'), ticket.number, ticket.closed_date)
            values = dict(custom_values or {}, parent_ticket_id=ticket.id, channel='email')
            if ticket.team_id:
                values.setdefault('team_id', ticket.team_id.id)
            # the old thread's internal notes must not make the new ticket's first message a note
            message_dict.pop('is_internal', None)
            return (model, False, values, user_id, alias)
        return (model, ticket.id, custom_values, user_id, alias)

    @api.model
    def _mail_find_ticket_from_subject(self, message_dict):
        """Ticket whose "[HD00042]" is in the subject, if the sender is related to it (requester,
        follower or agent): a number alone must not let anybody write into anybody's ticket."""
        numbers = TICKET_NUMBER_RE.findall(message_dict.get('subject') or '')
        if not numbers:
            return self.browse()
        tickets = self.search([('number', 'in', numbers)])
        email = tools.email_normalize(message_dict.get('email_from') or '')
        author = self.env['res.partner'].browse(message_dict.get('author_id'))
        is_agent = bool(author.user_ids.filtered(lambda u: not u.share))
        for ticket in tickets:
            if is_agent or (email and email == tools.email_normalize(ticket.partner_email or '')) \
                    or (author and author in ticket.message_partner_ids) \
                    or (email and email in ticket.message_partner_ids.mapped('email_normalized')):
                return ticket
        if tickets:
            _logger.info('Helpdesk Lite: subject of mail with Message-Id %s names %s, but %s is not related to it: '
                         'new ticket', message_dict.get('message_id'), ', '.join(tickets.mapped('number')), email)
        return self.browse()

    def _mail_closed_reply_action(self, author_id):
        """What an incoming reply does to this ticket: 'post' it, 'reopen' the ticket (closed within the
        team's window) or open a 'new' follow-up ticket. Agents' replies never reopen."""
        self.ensure_one()
        if not self.is_closed:
            return 'post'
        author = self.env['res.partner'].sudo().browse(author_id)
        if author.user_ids.filtered(lambda u: not u.share):
            return 'post'
        days = self.team_id.reply_reopen_days if self.team_id else DEFAULT_REOPEN_DAYS
        closed_date = self.closed_date or self.write_date
        if days and closed_date and closed_date >= self.env.cr.now() - timedelta(days=days):
            return 'reopen'
        return 'new'

    @api.model
    def _mail_detect_automatic(self, message, message_dict):
        """Reason why an incoming email is automatic (auto-reply, bounce, bulk, one of our own
        addresses), or False. Such mail never creates or updates a ticket: it would loop or reopen."""
        def header(name):
            return str(message.get(name) or '').strip().lower()

        auto_submitted = header('Auto-Submitted')
        if auto_submitted and auto_submitted != 'no':
            return f'Auto-Submitted: {auto_submitted}'
        suppress = set(re.split(r'[\s,]+', header('X-Auto-Response-Suppress')))
        if suppress & {'all', 'oof', 'autoreply'}:
            return 'X-Auto-Response-Suppress: %s' % header('X-Auto-Response-Suppress')
        if header('Precedence') in ('bulk', 'junk', 'auto_reply'):
            return f"Precedence: {header('Precedence')}"
        for name in ('X-Autoreply', 'X-Autorespond', 'X-Auto-Reply'):
            if header(name) and header(name) not in ('no', 'false', '0'):
                return f'{name}: {header(name)}'
        if header('X-Autogenerated') == 'reply':
            return 'X-Autogenerated: reply'
        if header('Return-Path') == '<>':
            return 'empty Return-Path (delivery report)'
        if message.get_content_type() == 'multipart/report':
            return 'delivery or read report'
        email_from = message_dict.get('email_from') or ''
        email = tools.email_normalize(email_from) or (tools.email_split(email_from) or [''])[0].lower()
        if email.split('@')[0] in ('mailer-daemon', 'postmaster'):
            return f'sent by {email}'
        if email and self._mail_internal_emails([email]):
            return f'sent from our own address {email}'
        return False

    @api.model
    def _mail_internal_emails(self, emails):
        """The normalized addresses among ``emails`` that are ours: aliases, and the catchall, bounce and
        default sender addresses of the alias domains."""
        emails = {tools.email_normalize(email) for email in emails} - {False, None}
        if not emails:
            return set()
        # One query on the hot path of every incoming mail (the ORM way takes two to four).
        self.env['mail.alias'].flush_model(['alias_full_name'])
        self.env['mail.alias.domain'].flush_model(['name', 'bounce_alias', 'catchall_alias', 'default_from'])
        rows = self.env.execute_query(SQL("""
            SELECT email FROM (
                SELECT alias_full_name AS email FROM mail_alias
                 UNION ALL SELECT bounce_alias || '@' || name FROM mail_alias_domain
                 UNION ALL SELECT catchall_alias || '@' || name FROM mail_alias_domain
                 UNION ALL SELECT CASE WHEN position('@' IN default_from) > 0 THEN default_from
                                       ELSE default_from || '@' || name END FROM mail_alias_domain
            ) addresses
            WHERE lower(email) IN %s
        """, tuple(emails)))
        return emails & {email.lower() for email, in rows}

    @api.model
    def _mail_parse_contact(self, email_from):
        """(name, normalized email) of a From header; the email is False when there is no valid one."""
        if not email_from:
            return '', False
        name, email = tools.parse_contact_from_email(email_from)
        email = tools.email_normalize(email) if email else False
        if not email:
            # "Broken Sender <not an address>": keep the name part only
            name = re.sub(r'<[^>]*>', '', email_from)
        return ' '.join(name.split()).strip(' "\''), email or False

    @api.model
    def _mail_title_from_subject(self, subject):
        title = ' '.join((subject or '').split())
        if not title:
            return self.env._('(no subject)')
        if len(title) > TITLE_MAX_LENGTH:
            title = title[:TITLE_MAX_LENGTH - 1].rstrip() + '…'
        return title

    def _mail_subscribe_cc(self, msg_dict):
        """Cc addresses follow the tickets according to their team's policy; never our own addresses
        nor the sender (already a follower when known)."""
        cc_emails = [email for email in (tools.email_normalize(cc) for cc in tools.email_split(msg_dict.get('cc') or ''))
                     if email]
        if not cc_emails:
            return
        excluded = self._mail_internal_emails(cc_emails)
        excluded.add(tools.email_normalize(msg_dict.get('email_from') or ''))
        cc_emails = list(dict.fromkeys(email for email in cc_emails if email not in excluded))
        if not cc_emails:
            return
        for team, tickets in self.grouped('team_id').items():
            policy = team.email_cc_policy if team else 'partners'
            if policy == 'none':
                continue
            partners = self.env['mail.thread']._mail_find_partner_from_emails(
                cc_emails, records=tickets, force_create=policy == 'all')
            partner_ids = [partner.id for partner in partners if partner]
            if partner_ids:
                tickets.message_subscribe(partner_ids=partner_ids)

    def _mail_sync_description(self, message):
        """The email that created the ticket is posted after the creation; posting turns inline images
        (cid:) into attachment links. Use that body when the description still points to cid: images."""
        if self.env.context.get('helpdesk_lite_description_from_email') and message.message_type == 'email':
            for ticket in self.filtered(lambda t: 'cid:' in (t.description or '')):
                ticket.description = message.body

    def _mail_link_requester_partner(self, message):
        """An agent's reply to an email-only requester creates their contact (chatter recipients):
        make it the ticket's customer."""
        for ticket in self.filtered(lambda t: not t.partner_id and t.partner_email):
            email = tools.email_normalize(ticket.partner_email)
            partner = message.partner_ids.filtered(lambda p: p.email_normalized == email)[:1]
            if partner and (not partner.company_id or partner.company_id == ticket.company_id):
                ticket.sudo().partner_id = partner

    # ------------------------------------------------------------------------
    # Email channel: acknowledgement and outbound
    # ------------------------------------------------------------------------
    def _send_acknowledgement(self):
        """Queue the "we received your request" mail (ticket number and a portal link with access token)
        to each requester, contact or bare email. Queued, never sent inline: creating the ticket must not
        wait for SMTP nor fail because of it."""
        template = self.env['mail.template'].browse(
            self.env['ir.model.data']._xmlid_to_res_id('helpdesk_lite.mail_template_ticket_received'))
        if not template or not template.active:  # archive the template to stop acknowledgements
            return False
        tickets = self.sudo().filtered(lambda t: t.partner_id.email or t.partner_email)
        references = self.env.context.get('helpdesk_lite_ack_references')
        if not references:  # from the gateway, the sender was already checked (_mail_detect_automatic)
            internal = self._mail_internal_emails(tickets.mapped(lambda t: t.partner_id.email or t.partner_email))
            tickets = tickets.filtered(
                lambda t: tools.email_normalize(t.partner_id.email or t.partner_email) not in internal | {False, None})
        if not tickets:
            return False
        # RFC 3834: tell auto-responders (out of office, ...) not to answer, which would loop.
        headers = {
            'Auto-Submitted': 'auto-replied' if references else 'auto-generated',
            'X-Auto-Response-Suppress': 'OOF, DR, RN, NRN, AutoReply',
        }
        email_values = {}
        if references:
            headers['In-Reply-To'] = references
            email_values['references'] = references
        email_values['headers'] = repr(headers)
        # the template gives an empty Reply-To, which mail.mail would not compute: replies go to the alias
        reply_to = tickets._notify_get_reply_to(default=False)
        sent = False
        for ticket in tickets:
            try:
                with self.env.cr.savepoint():
                    template.sudo().send_mail_batch(
                        ticket.ids, email_values=dict(email_values, reply_to=reply_to.get(ticket.id)))
                    sent = True
            except Exception:  # noqa: BLE001 - the ticket exists; a broken template must not lose it
                _logger.warning('Helpdesk Lite: acknowledgement of %s could not be queued', ticket.number,
                                exc_info=True)
        return sent

    def _notify_get_reply_to(self, default=None):
        # Replies go to the team's alias, like project tasks use their project's.
        teams = self.sudo().team_id.filtered('alias_email')
        aliases = teams._notify_get_reply_to(default=default) if teams else {}
        result = {ticket.id: aliases.get(ticket.team_id.id) for ticket in self}
        leftover = self.filtered(lambda t: not result.get(t.id))
        if leftover:
            result.update(super(HelpdeskLiteTicket, leftover)._notify_get_reply_to(default=default))
        return result

    def _notify_by_email_get_base_mail_values(self, message, additional_values=None):
        # Every mail about a ticket carries "[HD00042]" in its subject: the route back when a client
        # drops the threading headers.
        values = super()._notify_by_email_get_base_mail_values(message, additional_values=additional_values)
        if len(self) == 1 and self.number:
            subject = values.get('subject', message.subject) or ''
            if self.number not in subject:
                values['subject'] = f'[{self.number}] {subject}' if subject else self.display_name
        return values

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        # An internal note stays inside, even when it mentions a customer.
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        msg_vals = msg_vals or {}
        message_type = msg_vals.get('message_type') or message.message_type
        subtype = self.env['mail.message.subtype'].browse(msg_vals.get('subtype_id') or message.subtype_id.id)
        if message_type == 'comment' and subtype.internal:
            recipients = [recipient for recipient in recipients if not recipient['share']]
        return recipients

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
        """Lock the batch's tickets still due; rows another worker holds are skipped, not waited for.

        Under REPEATABLE READ, locking a row that another transaction changed and committed after this
        one began (a second worker, a direct call, an agent's edit) is refused with a serialization
        failure, which would abort the whole batch. Then the rows are locked one by one and those are
        skipped: another worker has handled them, or they stay due and the next run takes them."""
        self.flush_model(['sla_check_date'])
        locked = self._sla_try_lock(ids, now)
        if locked is None:
            locked = []
            for row_id in ids:
                locked += self._sla_try_lock([row_id], now) or []
        return self.browse(locked)

    def _sla_try_lock(self, ids, now):
        """Ids of ``ids`` locked for this transaction, or None on a serialization failure."""
        query = tools.SQL(
            "SELECT id FROM %s WHERE id = ANY(%s) AND sla_check_date <= %s FOR NO KEY UPDATE SKIP LOCKED",
            tools.SQL.identifier(self._table), ids, now)
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, log_exceptions=False)
                return [row[0] for row in self.env.cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            return None

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
