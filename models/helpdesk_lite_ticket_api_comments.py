from markupsafe import Markup

from odoo import api, models, tools
from odoo.exceptions import AccessError, MissingError

from . import helpdesk_lite_api_payload as payload_

MAX_BODY = 100_000
COMMENT_TYPES = ('comment', 'email')


class HelpdeskLiteTicketApiComments(models.Model):
    """Comments of the JSON API: the ticket's public replies and internal notes (``mail.message``
    of type comment or email). Posting goes through ``message_post``, so notifications, "whose turn"
    and the SLA first response follow exactly as from the chatter."""
    _inherit = 'helpdesk.lite.ticket'

    def _api_comment_domain(self):
        domain = [('model', '=', self._name), ('res_id', '=', self.id), ('message_type', 'in', COMMENT_TYPES)]
        if self.env.user.share:
            domain.append(('subtype_id.internal', '=', False))
        return domain

    @api.model
    def _api_serialize_comments(self, messages):
        """JSON of ``messages``, which the caller has found with the user's rights (authors read as superuser)."""
        note = self.env.ref('mail.mt_note')
        # authors' users in one query for the page, to tell agents from customers
        internal_partners = set(self.env['res.users'].sudo().search(
            [('partner_id', 'in', messages.author_id.ids), ('share', '=', False)]).partner_id.ids)
        return [{
            'id': message.id,
            'ticket_id': message.res_id,
            'body': tools.html2plaintext(message.body) if message.body else '',
            'body_html': message.body or '',
            'author_type': 'agent' if message.author_id.id in internal_partners
            else 'customer' if message.author_id or message.email_from else 'system',
            'author_name': message.author_id.name or (
                tools.parse_contact_from_email(message.email_from)[0] if message.email_from else None) or None,
            'is_internal': message.subtype_id == note,
            'created_at': payload_.iso(message.date),
            'updated_at': payload_.iso(message.write_date),
        } for message in messages.sudo()]

    def _api_comments(self, params):
        self.ensure_one()
        page = payload_.parse_int('page', params.get('page') or 1, maximum=1_000_000)
        limit = payload_.parse_int('limit', params.get('limit') or 50, maximum=100)
        Message = self.env['mail.message']
        domain = self._api_comment_domain()
        if params.get('updated_since'):
            domain.append(('write_date', '>=', payload_.parse_datetime('updated_since', params['updated_since'])))
        messages = Message.search(domain, order='id', offset=(page - 1) * limit, limit=limit)
        total = Message.search_count(domain)
        # deleted comments stay in the thread, emptied (as the chatter deletes): not listed
        messages -= messages.sudo()._filter_empty()
        return {'comments': self._api_serialize_comments(messages),
                'pagination': {'page': page, 'limit': limit, 'total': total, 'totalPages': -(-total // limit),
                               'has_more': page * limit < total}}

    def _api_comment_post(self, payload):
        """Post a public reply (``is_internal`` false, mailed to the followers) or an internal note."""
        self.ensure_one()
        payload_.require_object(payload)
        payload_.reject_unknown(payload, {'body', 'is_internal'})
        body = payload_.read_str(payload, 'body', required=True, max_length=MAX_BODY, strip=False)
        if not body.strip():
            raise payload_.ApiBadRequest('body', 'must not be empty')
        internal = bool(payload_.read_bool(payload, 'is_internal'))
        if internal and self.env.user.share:
            raise AccessError(self.env._('Only agents can write internal notes.'))
        message = self.message_post(
            body=tools.plaintext2html(body), message_type='comment',
            subtype_xmlid='mail.mt_note' if internal else 'mail.mt_comment')
        return message

    def _api_comment_get(self, comment_id, own=False):
        """The comment ``comment_id`` of this ticket, readable by the user (``own``: and written by them,
        the only ones that can be edited); otherwise MissingError, whether it exists or not."""
        self.ensure_one()
        message = self.env['mail.message'].search(
            self._api_comment_domain() + [('id', '=', comment_id)], limit=1) if comment_id <= payload_.MAX_ID \
            else self.env['mail.message']
        if not message:
            raise MissingError(self.env._('Comment not found.'))
        if own and (message.author_id != self.env.user.partner_id or message.message_type != 'comment'):
            raise AccessError(self.env._('You can only change your own comments.'))
        return message

    def _api_comment_update(self, comment_id, payload):
        message = self._api_comment_get(comment_id, own=True)
        payload_.require_object(payload)
        payload_.reject_unknown(payload, {'body'})
        body = payload_.read_str(payload, 'body', required=True, max_length=MAX_BODY, strip=False)
        self._message_update_content(message, Markup(tools.plaintext2html(body)))
        return message

    def _api_comment_delete(self, comment_id):
        """Delete as the chatter does: the message is emptied (and its attachments removed), so that the
        thread keeps its place and notifications already sent stay consistent."""
        message = self._api_comment_get(comment_id, own=True)
        self._message_update_content(message, '', attachment_ids=[])
        return True
