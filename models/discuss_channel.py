from markupsafe import Markup

from odoo import models, tools

COMMAND = '/hd_ticket'
CHANNEL_TYPES = ('livechat', 'group', 'chat')


class DiscussChannel(models.Model):
    """``/hd_ticket <title>`` in a conversation turns it into a helpdesk ticket (a unique command name,
    so that it never clashes with another helpdesk app's ``/ticket``). The transcript goes to the
    ticket's chatter; the conversation's external members are the customer; running it again in the
    same conversation points to the same ticket."""
    _inherit = 'discuss.channel'

    def execute_command_hd_ticket(self, **kwargs):
        self.ensure_one()
        user = self.env.user
        if not user.has_group('helpdesk_lite.group_helpdesk_lite_user'):
            return self._helpdesk_lite_reply(self.env._('Only helpdesk agents can create tickets from a conversation.'))
        if self.channel_type not in CHANNEL_TYPES:
            return self._helpdesk_lite_reply(self.env._('Tickets can be made from chats, groups and live chats only.'))
        body = tools.html2plaintext(kwargs.get('body') or '').strip()
        title = body[len(COMMAND):].strip() if body.startswith(COMMAND) else body
        if not title:
            return self._helpdesk_lite_reply(self.env._(
                'Type %(command)s followed by the ticket title, e.g. "%(command)s Printer does not print".',
                command=COMMAND))
        customers = self.channel_member_ids.partner_id.filtered('partner_share')
        messages = [{
            'role': 'agent' if message.author_id.user_ids.filtered(lambda u: not u.share) else 'customer',
            'author': message.author_id.name or getattr(self, 'anonymous_name', None) or self.env._('Visitor'),
            'content': tools.html2plaintext(message.body),
            'date': message.date.isoformat(timespec='minutes'),
        } for message in self.message_ids.sorted('id') if not tools.is_html_empty(message.body)]
        ticket, created = self.env['helpdesk.lite.ticket']._create_from_conversation(
            subject=title[:250], messages=messages, conversation_ref=f'discuss.channel:{self.id}',
            partner=customers[:1] or None, channel=self)
        text = self.env._('Ticket created: %(ticket)s') if created else self.env._('This conversation already is %(ticket)s')
        return self._helpdesk_lite_reply(text, ticket=ticket._get_html_link())

    def _helpdesk_lite_reply(self, text, **params):
        """An answer only the operator sees (like the other commands' answers)."""
        self.env.user._bus_send_transient_message(self, Markup(text) % params if params else text)
        return True
