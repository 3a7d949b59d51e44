from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, email_normalize, plaintext2html

from . import helpdesk_lite_api_payload as payload_
from .helpdesk_lite_ticket_api import API_PRIORITIES

MAX_MESSAGES = 200
MAX_TRANSCRIPT = 100_000
MAX_REF = 255
ROLES = {'user': 'customer', 'customer': 'customer', 'visitor': 'customer', 'bot': 'bot', 'assistant': 'bot',
         'agent': 'agent', 'operator': 'agent', 'system': 'system'}
DEFAULT_URGENT_REASONS = 'urgent,complaint,angry_customer,security'


class HelpdeskLiteTicketChat(models.Model):
    """Tickets made from chat conversations (a chatbot's backend through the API, or the ``/hd_ticket``
    command of a Discuss conversation). One ticket per conversation: ``conversation_ref`` is unique
    among active tickets of a company, so a repeated call returns the same ticket."""
    _inherit = 'helpdesk.lite.ticket'

    conversation_ref = fields.Char(
        string='Conversation', readonly=True, copy=False,
        help='Identifier of the chat conversation this ticket was made from.')
    discuss_channel_id = fields.Many2one(
        'discuss.channel', string='Chat Conversation', readonly=True, copy=False, index='btree_not_null',
        ondelete='set null')

    def init(self):
        super().init()
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS helpdesk_lite_ticket_conversation_uniq ON %s "
            "(company_id, conversation_ref) WHERE conversation_ref IS NOT NULL AND active",
            SQL.identifier(self._table)))

    @api.model
    def _chat_transcript(self, messages):
        """The conversation as chatter HTML (escaped: chat text is never markup), capped in length."""
        lines, size = [], 0
        for message in messages[-MAX_MESSAGES:]:
            line = Markup('<li><b>%s</b>%s: %s</li>') % (
                message.get('author') or message['role'],
                Markup(' <small>(%s)</small>') % message['date'] if message.get('date') else '',
                message['content'])
            size += len(line)
            if size > MAX_TRANSCRIPT:
                lines.append(Markup('<li>%s</li>') % self.env._('(transcript cut: too long)'))
                break
            lines.append(line)
        title = self.env._('Chat transcript')
        return Markup('<p><b>%s</b></p><ul>%s</ul>') % (title, Markup().join(lines))

    @api.model
    def _chat_messages(self, history):
        """Validated ``chat_history``: [{"role", "content", "author"?, "date"?}]."""
        if history is None:
            return []
        if not isinstance(history, list):
            raise payload_.ApiBadRequest('chat_history', 'must be a list of messages')
        messages = []
        for index, item in enumerate(history):
            name = f'chat_history[{index}]'
            if not isinstance(item, dict):
                raise payload_.ApiBadRequest(name, 'must be an object with "role" and "content"')
            role = item.get('role')
            if role not in ROLES:
                raise payload_.ApiBadRequest(f'{name}.role', f'must be one of {", ".join(ROLES)}')
            try:
                content = payload_.read_str(item, 'content', required=True, max_length=MAX_TRANSCRIPT, strip=False)
                author = payload_.read_str(item, 'author', max_length=128)
                date = payload_.read_str(item, 'date', max_length=40)
            except payload_.ApiBadRequest as error:
                raise payload_.ApiBadRequest(f'{name}.{error.field}', error.message) from None
            messages.append({'role': ROLES[role], 'content': content, 'author': author or role, 'date': date})
        return messages

    @api.model
    def _create_from_conversation(self, *, subject, messages, conversation_ref, partner=None, customer_email=None,
                                  customer_name=None, team=None, priority=None, description=None, note=None,
                                  channel=None):
        """The ticket of a chat conversation: the open ticket already made from ``conversation_ref``
        (returned with ``created=False``), else a new one with channel chat and the transcript in its
        chatter. Returns (ticket, created). Auto-assignment and SLA apply as for any ticket."""
        company = team.company_id if team else self.env.company
        existing = self.sudo().search([('conversation_ref', '=', conversation_ref), ('company_id', '=', company.id)],
                                      limit=1)
        if existing:
            return existing.sudo(False), False
        vals = {'name': subject, 'channel': 'chat', 'conversation_ref': conversation_ref, 'company_id': company.id}
        if team:
            vals['team_id'] = team.id
        if priority:
            vals['priority'] = priority
        if channel:
            vals['discuss_channel_id'] = channel.id
        if description:
            vals['description'] = plaintext2html(description)
        email = email_normalize(customer_email) if customer_email else False
        if customer_email and not email:
            raise payload_.ApiBadRequest('customer_email', 'is not a valid email address')
        partner = partner or (email and self._public_submit_find_partner(email)) or self.env['res.partner']
        if partner:
            vals['partner_id'] = partner.id
        else:
            vals.update(partner_email=email, partner_name=customer_name or email or False)
        ticket = self.create(vals)
        if messages:
            ticket.message_post(body=self._chat_transcript(messages), message_type='comment',
                                subtype_xmlid='mail.mt_note')
        if note:
            ticket.message_post(body=note, message_type='comment', subtype_xmlid='mail.mt_note')
        return ticket, True

    @api.model
    def _api_from_chat(self, payload, escalation=False):
        """``from-chat`` and ``escalate`` payloads (see the OpenAPI document). An escalation's ``reason``
        and ``context`` go into an internal note; reasons listed in the system parameter
        ``helpdesk_lite.chat_urgent_reasons`` make the ticket urgent."""
        payload_.require_object(payload)
        ref = payload_.read_str(payload, 'conversation_id', required=True, max_length=MAX_REF)
        team_id = payload_.read_id(payload, 'team_id')
        team = team_id and self._api_ref('helpdesk.lite.team', team_id, 'team_id')
        priority = payload_.read_choice(payload, 'priority', API_PRIORITIES)
        reason = payload_.read_str(payload, 'reason', required=escalation, max_length=128)
        default_subject = self.env._('Escalated from chat') if escalation else self.env._('Chat conversation')
        subject = payload_.read_str(payload, 'subject', max_length=250) or default_subject
        note = None
        if escalation:
            context = payload.get('context')
            if context is not None and not isinstance(context, dict):
                raise payload_.ApiBadRequest('context', 'must be an object')
            bot = payload_.read_str(payload, 'bot_id', max_length=MAX_REF)
            items = [(self.env._('Reason'), reason)] + ([(self.env._('Bot'), bot)] if bot else []) + [
                (str(key)[:100], str(value)[:2000]) for key, value in list((context or {}).items())[:50]]
            note = Markup('<p><b>%s</b></p><ul>%s</ul>') % (self.env._('Escalated by the chatbot'), Markup().join(
                Markup('<li>%s: %s</li>') % item for item in items))
            urgent = self.env['ir.config_parameter'].sudo().get_param(
                'helpdesk_lite.chat_urgent_reasons', DEFAULT_URGENT_REASONS)
            if reason in {word.strip() for word in urgent.split(',')}:
                priority = API_PRIORITIES['urgent']
        if not isinstance(payload.get('workspace_id', ''), (str, int)):
            raise payload_.ApiBadRequest('workspace_id', 'must be a string or an integer')
        return self._create_from_conversation(
            subject=subject, messages=self._chat_messages(payload.get('chat_history')), conversation_ref=ref,
            customer_email=payload_.read_str(payload, 'customer_email', max_length=254),
            customer_name=payload_.read_str(payload, 'customer_name', max_length=128),
            team=team or None, priority=priority,
            description=payload_.read_str(payload, 'description', max_length=20_000), note=note)
