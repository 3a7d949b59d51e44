import bisect
import logging
import re
import uuid
from datetime import timedelta

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

    # --- email channel ------------------------------------------------------
    parent_ticket_id = fields.Many2one(
        'helpdesk.lite.ticket', string='Follow-up Of', readonly=True, copy=False, index='btree_not_null',
        help='The closed ticket this one continues: the customer replied to it after its reopen window.')

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
            if 'stage_id' not in vals:
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
