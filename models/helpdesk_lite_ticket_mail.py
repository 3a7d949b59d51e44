"""The email channel of tickets: inbound mail through Odoo's gateway (new tickets, replies, threading,
automatic-mail detection, Cc policy, reopen window), the acknowledgement mail, and the outbound rules
(reply-to the team alias, "[HD00042]" subject tags, internal notes kept inside)."""
import logging
import re
from datetime import timedelta

from odoo import api, fields, models, tools

from .helpdesk_lite_ticket import TITLE_MAX_LENGTH

_logger = logging.getLogger(__name__)

# Channels whose requester gets the "we received your request" mail on creation.
ACKNOWLEDGED_CHANNELS = ('email', 'portal', 'web')
# "[HD00042]" in a subject: the fallback route for replies that lost their threading headers.
TICKET_NUMBER_RE = re.compile(r'\[([A-Za-z]{0,10}\d{1,12})\]')
# Reopen window for tickets without a team (a team's default).


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'


    parent_ticket_id = fields.Many2one(
        'helpdesk.lite.ticket', string='Follow-up Of', readonly=True, copy=False, index='btree_not_null',
        help='The closed ticket this one continues: the customer replied to it after its reopen window.')

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        # No acknowledgement for data files and imports (install_mode), nor when asked not to.
        if not self.env.context.get('helpdesk_lite_no_acknowledgement') and not self.env.context.get('install_mode'):
            tickets.filtered(lambda t: t.channel in ACKNOWLEDGED_CHANNELS)._queue_acknowledgement()
        return tickets

    def _message_post_after_hook(self, message, msg_vals):
        self._mail_link_requester_partner(message)
        self._mail_sync_description(message)
        return super()._message_post_after_hook(message, msg_vals)

    # ------------------------------------------------------------------------
    # Email channel: inbound (mail gateway)
    # ------------------------------------------------------------------------
    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A new email (to a team alias, or to a mail server whose model is Ticket) becomes a ticket.

        The sender is the customer when a contact has that address (the gateway already looked it up
        into ``author_id``); otherwise the requester name and email are stored, and a contact is
        created only if the team asks for it.

        The ticket is created here rather than by ``mail.thread.message_new``, which describes every
        field of the model (``fields_get()``, about a millisecond per email) only to learn that the
        title field exists; what it and ``mail.thread.cc`` set (title, sender's address, Cc) is set here.
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
        if email:
            values['partner_email'] = email  # the bare address, where mail.thread would put the raw From
        values.setdefault('email_cc', ', '.join(self._mail_cc_sanitized_raw_dict(msg_dict.get('cc')).values()))
        ticket = self.with_context(helpdesk_lite_ack_references=msg_dict.get('message_id')).create(values)
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
        days = self.team_id.reply_reopen_days if self.team_id else self.env['helpdesk.lite.team']._default_reply_reopen_days()
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
        # On the hot path of every incoming mail: both sets of addresses come from caches (no query).
        return (emails & self.env['mail.alias.domain']._helpdesk_lite_system_emails()) \
            | (emails & self.env['mail.alias']._helpdesk_lite_alias_emails())

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
    def _send_acknowledgement(self, references=None):
        """Queue the "we received your request" mail (ticket number and a portal link with access token)
        to each requester, contact or bare email, for many tickets in one batch; called by the
        acknowledgement cron. ``references``: {ticket id: Message-Id of the email that opened it}.
        Queued as mail.mail, never sent inline; a broken template loses no ticket (each is then tried
        alone and logged)."""
        template = self.env['mail.template'].browse(
            self.env['ir.model.data']._xmlid_to_res_id('helpdesk_lite.mail_template_ticket_received'))
        if not template or not template.active:  # archive the template to stop acknowledgements
            return False
        references = references or {}
        tickets = self.sudo().filtered(lambda t: t.partner_id.email or t.partner_email)
        # tickets from the gateway (with a Message-Id) had their sender checked (_mail_detect_automatic)
        unchecked = tickets.filtered(lambda t: not references.get(t.id))
        internal = self._mail_internal_emails(unchecked.mapped(lambda t: t.partner_id.email or t.partner_email))
        tickets -= unchecked.filtered(
            lambda t: tools.email_normalize(t.partner_id.email or t.partner_email) in internal | {False, None})
        if not tickets:
            return False
        # the template gives an empty Reply-To, which mail.mail would not compute: replies go to the alias
        reply_to = tickets._notify_get_reply_to(default=False)
        try:
            with self.env.cr.savepoint():
                mails = template.sudo().send_mail_batch(tickets.ids)
                tickets._acknowledgement_set_headers(mails, references, reply_to)
            return True
        except Exception:  # noqa: BLE001 - the batch failed: each ticket alone, so one bad ticket loses no other
            pass
        sent = False
        for ticket in tickets:
            try:
                with self.env.cr.savepoint():
                    ticket._acknowledgement_set_headers(
                        template.sudo().send_mail_batch(ticket.ids), references, reply_to)
                    sent = True
            except Exception:  # noqa: BLE001 - the ticket exists; a broken template must not lose it
                _logger.warning('Helpdesk Lite: acknowledgement of %s could not be queued', ticket.number,
                                exc_info=True)
        return sent

    def _acknowledgement_set_headers(self, mails, references, reply_to):
        """Per ticket: Reply-To, threading under the customer's email, and RFC 3834's headers telling
        auto-responders (out of office, ...) not to answer, which would loop."""
        for mail in mails:
            refs = references.get(mail.res_id)
            headers = {
                'Auto-Submitted': 'auto-replied' if refs else 'auto-generated',
                'X-Auto-Response-Suppress': 'OOF, DR, RN, NRN, AutoReply',
            }
            values = {'reply_to': reply_to[mail.res_id]} if reply_to.get(mail.res_id) else {}
            if refs:
                headers['In-Reply-To'] = refs
                values['references'] = refs
            values['headers'] = repr(headers)
            mail.write(values)

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


    def _message_get_suggested_recipients(self):
        recipients = super()._message_get_suggested_recipients()
        if self.partner_id:
            self._message_add_suggested_recipient(recipients, partner=self.partner_id, reason=self.env._('Customer'))
        elif self.partner_email:
            self._message_add_suggested_recipient(
                recipients, email=tools.formataddr((self.partner_name or '', self.partner_email)),
                reason=self.env._('Customer Email'))
        return recipients
