"""Tickets: fields, numbering, stages and lifecycle actions, merge, conversation state and the status mail.

Other concerns extend the same model in their own files: helpdesk_lite_ticket_sla.py (SLA engine),
helpdesk_lite_ticket_mail.py (email channel), helpdesk_lite_ticket_portal.py (portal and public forms),
helpdesk_lite_ticket_api.py (JSON API), helpdesk_lite_ticket_help.py (help center deflection) and
helpdesk_lite_ticket_work_hours.py (durations in working hours for the analysis)."""
import uuid
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from .html_sanitized_once import HtmlSanitizedOnce

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

# Longest title kept: forms and the API refuse longer ones, email subjects are shortened to it.
TITLE_MAX_LENGTH = 250


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
    description = HtmlSanitizedOnce(sanitize_style=True)
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
        string='Requester Name', compute='_compute_partner_name', store=True, readonly=False, precompute=True,
        help="The customer's name, kept up to date with the contact; typed for a requester without a contact. "
             "Lists and cards show it: no contact name to compute per row.")
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
        default=lambda self: self._default_stage_id(), group_expand='_read_group_stage_ids',
        domain="['|', ('team_ids', '=', False), ('team_ids', 'in', team_id)]")
    lifecycle = fields.Selection(related='stage_id.lifecycle', store=True, index=True, string='Status')
    is_closed = fields.Boolean(
        related='stage_id.is_closing', store=True, index=True, string='Closed',
        help='Resolved or closed: set in every stage whose lifecycle step is Resolved or Closed.')
    closed_date = fields.Datetime(readonly=True, copy=False, index=True)
    reopen_count = fields.Integer(readonly=True, copy=False)
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

    @api.depends('partner_id.name')
    def _compute_partner_name(self):
        # A set partner is the source of truth; without one the typed name stays as it is.
        for ticket in self.filtered('partner_id'):
            ticket.partner_name = ticket.partner_id.name

    @api.depends('partner_id')
    def _compute_requester(self):
        # The contact's address and phone when the contact is set or changed (not when it edits its own).
        for ticket in self.filtered('partner_id'):
            ticket.partner_email = ticket.partner_id.email
            ticket.partner_phone = ticket.partner_id.phone or ticket.partner_id.mobile

    @api.depends('create_date', 'closed_date')
    def _compute_age_days(self):
        now = fields.Datetime.now()
        for ticket in self:
            start = ticket.create_date or now
            ticket.age_days = ((ticket.closed_date or now) - start).total_seconds() / 86400

    @api.depends('number', 'name')
    def _compute_display_name(self):
        for ticket in self:
            if not ticket.name:  # being typed: "New Ticket" in the breadcrumb, not "[New] False"
                ticket.display_name = ticket.number if ticket.id else self.env._('New Ticket')
            else:
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
        # tracking_disable: mail.thread subscribes nobody, neither does the batch
        batch = len(vals_list) > 1 and not self.env.context.get('tracking_disable')
        digest = batch and not self.env.context.get('mail_auto_subscribe_no_notify')
        creator = self.with_context(mail_auto_subscribe_no_notify=True) if digest else self
        if batch:
            creator = creator.with_context(helpdesk_lite_subscribe_in_batch=True)
        tickets = super(HelpdeskLiteTicket, creator).create(vals_list)
        if batch:
            tickets.with_context(helpdesk_lite_subscribe_in_batch=False)._auto_subscribe_batch(vals_list)
        tickets = tickets.with_env(self.env)
        closing = tickets.filtered('is_closed')
        if closing:
            closing.closed_date = self.env.cr.now()
        if digest:
            tickets._notify_assignees_digest()
        return tickets

    def _message_auto_subscribe(self, updated_values, followers_existing_policy='skip'):
        # mail.thread.create calls this once per new record ('update' policy): a batch is subscribed
        # by _auto_subscribe_batch instead. Writes (policy 'skip') always go through.
        if self.env.context.get('helpdesk_lite_subscribe_in_batch') and followers_existing_policy == 'update':
            return True
        return super()._message_auto_subscribe(updated_values, followers_existing_policy=followers_existing_policy)

    def _auto_subscribe_batch(self, vals_list):
        """What mail.thread.create does for each new record (subscribe the assignees...), for a batch.

        Odoo's loop costs three queries per ticket (read, insert, subtypes). Tickets whose followers
        would be the same partners with the same subtypes are subscribed together: one
        ``_insert_followers`` per distinct set (a handful of assignees), whatever the batch size.
        Subscription notices are not sent here: a batch gets the assignees' digest instead (or
        ``mail_auto_subscribe_no_notify`` was asked). Tickets related to a parent document whose
        subtypes propagate (none by default) keep Odoo's own path.
        """
        _child_ids, def_ids, _internal_ids, _parent, relation = \
            self.env['mail.message.subtype']._get_auto_subscription_subtypes(self._name)
        relation_fields = [fname for fnames in relation.values() for fname in fnames]
        defaults = {key[8:]: value for key, value in self.env.context.items() if key.startswith('default_')}
        groups = defaultdict(list)
        for ticket, values in zip(self, vals_list):
            create_values = {**defaults, **values}
            if any(create_values.get(fname) for fname in relation_fields):
                ticket._message_auto_subscribe(create_values, followers_existing_policy='update')
                continue
            subtypes = {}
            for partner_id, subtype_ids, _template in ticket._message_auto_subscribe_followers(create_values, def_ids):
                subtypes.setdefault(partner_id, tuple(sorted(subtype_ids or ())))
            if subtypes:
                groups[tuple(sorted(subtypes.items()))].append(ticket.id)
        for key, ticket_ids in groups.items():
            subtypes = {partner_id: list(subtype_ids) for partner_id, subtype_ids in key}
            self.env['mail.followers']._insert_followers(
                self._name, ticket_ids, list(subtypes), subtypes=subtypes,
                check_existing=True, existing_policy='update')

    def _notify_assignees_digest(self):
        assigned = self.filtered(lambda t: t.user_id and t.user_id != self.env.user and t.user_id.active)
        for user, tickets in assigned.grouped('user_id').items():
            tickets._notify_digest(
                user, self.env._('You have been assigned %(count)s tickets', count=len(tickets)),
                self.env._('You have been assigned %(count)s new tickets:', count=len(tickets)))

    def _notify_digest(self, user, subject, intro):
        """One mail to ``user`` listing these tickets (the first 50 as links) instead of one per ticket."""
        max_listed = 50
        items = Markup('').join(
            Markup('<li><a href="%s">%s</a></li>') % (ticket._notify_get_action_link('view'), ticket.display_name)
            for ticket in self[:max_listed])
        body = Markup('<p>%s</p><ul>%s</ul>') % (intro, items)
        more = len(self) - max_listed
        if more > 0:
            body += Markup('<p>%s</p>') % self.env._('... and %(count)s more.', count=more)
        self.env['mail.thread'].sudo().message_notify(
            partner_ids=user.partner_id.ids, body=body, subject=subject,
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
        return self.env['helpdesk.lite.stage'].browse(self._first_stage_id_of(
            tuple(lifecycles), team_id or False, self.env.su, tuple(self.env.companies.ids)))

    @api.model
    @tools.ormcache('self.env.uid', 'lifecycles', 'team_id', 'su', 'company_ids')
    def _first_stage_id_of(self, lifecycles, team_id, su, company_ids):
        # Every new ticket asks (a query each otherwise); per user, as the stages' record rules are.
        # Cleared when stages, or the teams' stages or companies, change.
        domain = [('lifecycle', 'in', list(lifecycles))]
        if team_id:
            domain = expression.AND([domain, ['|', ('team_ids', '=', False), ('team_ids', 'in', [team_id])]])
        stages = self.env['helpdesk.lite.stage'].search_fetch(domain, ['lifecycle'])
        for lifecycle in lifecycles:
            stage = stages.filtered(lambda s, lc=lifecycle: s.lifecycle == lc)[:1]
            if stage:
                return stage.id
        return False

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
        return super()._message_post_after_hook(message, msg_vals)

    @api.model
    def _is_conversation_message(self, message):
        """A public reply or incoming email (not a note, tracking or an automatic mail)."""
        # the cached xmlid lookup: env.ref would cost an exists() query on every message
        return message.message_type in ('comment', 'email') \
            and message.subtype_id.id == self.env['ir.model.data']._xmlid_to_res_id('mail.mt_comment')

    def _update_conversation_state(self, message):
        """Keep "whose turn", first response and last message dates in step with the public conversation.

        Only public messages count (replies and incoming emails); internal notes, tracking and
        automatic mails (templates, notifications) do not.
        """
        if not self._is_conversation_message(message):
            return
        # an internal user's contact is not shared (stored on the contact: no query for its users)
        by_agent = bool(message.author_id) and not message.author_id.partner_share
        now = message.date or self.env.cr.now()
        for ticket in self:
            # conversation state only, none of it tracked: no tracked values to read for the write
            ticket.sudo().with_context(mail_notrack=True).write(ticket._conversation_state_vals(by_agent, now))
        if not by_agent:
            # The customer answered: it is our turn again.
            self.filtered(lambda t: t.lifecycle == 'pending').sudo()._move_to_lifecycle(('open', 'new'))

    def _conversation_state_vals(self, by_agent, now):
        """The values a public message of an agent (``by_agent``) or a customer, at ``now``, writes."""
        self.ensure_one()
        if by_agent:
            vals = {'last_reply_by': 'agent', 'last_agent_message_date': now}
            if not self.first_response_date:
                vals['first_response_date'] = now
            return vals
        return {'last_reply_by': 'customer', 'last_customer_message_date': now}

    def _get_report_base_filename(self):
        self.ensure_one()
        return f'Ticket-{self.number}'

    def _rating_get_partner(self):
        return self.partner_id or super()._rating_get_partner()

    def _rating_get_operator(self):
        return self.user_id.partner_id or super()._rating_get_operator()
