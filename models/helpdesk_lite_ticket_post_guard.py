from odoo import models
from odoo.exceptions import UserError


class HelpdeskLiteTicket(models.Model):
    """What customers (portal users, visitors with a ticket's token) post on a ticket, whatever the route:
    Odoo's portal chatter (``/mail/message/post``), RPC, or our own forms.

    * A customer's post is always a public comment: a message type or subtype sent along (internal note,
      notification, incoming email) is ignored, so that nobody can forge an agent's note or an email.
    * Its files follow the one upload policy of the addon (``_portal_check_file``).
    * A rating sent along (``rating_value``, allowed by Odoo's ``portal_rating``) follows the rating rules.
    """
    _inherit = 'helpdesk.lite.ticket'

    def message_post(self, **kwargs):
        rated = False
        if self.env.user.share and not self._message_post_is_trusted(kwargs):
            kwargs.pop('subtype_id', None)
            kwargs.pop('is_internal', None)
            kwargs.update(message_type='comment', subtype_xmlid='mail.mt_comment')
            if kwargs.get('rating_value'):
                self._rating_check_allowed()
                rated = True
            self._portal_check_post_files(kwargs.get('attachment_ids'), kwargs.get('attachments'))
        message = super().message_post(**kwargs)
        if rated:
            # the rating Odoo created for the rating_value (not linked to the message for a token holder)
            self.sudo().resolution_rating_id = self.env['rating.rating'].sudo().search(
                [('res_model', '=', self._name), ('res_id', '=', self.id)], order='id desc', limit=1)
        return message

    def _message_post_is_trusted(self, kwargs):
        """Posts made by server code (sudo) on a customer's behalf keep their kind: a rating (``rating_id``,
        passed by ``rating_apply``) and an incoming email (the mail gateway runs as the sender's user, with
        the mail's Message-ID). Neither key is accepted from ``/mail/message/post``, and an RPC call is not
        sudo."""
        return self.env.su and bool('rating_id' in kwargs or kwargs.get('message_id'))

    def _message_update_content(self, message, body, attachment_ids=None, partner_ids=None, strict=True, **kwargs):
        if self.env.user.share and attachment_ids:
            self._portal_check_post_files(attachment_ids, ())
        return super()._message_update_content(
            message, body, attachment_ids=attachment_ids, partner_ids=partner_ids, strict=strict, **kwargs)

    def _portal_check_post_files(self, attachment_ids, attachments):
        """Raise a UserError naming the first file a customer may not attach."""
        files = [(name, content.encode() if isinstance(content, str) else content)
                 for name, content, *_info in attachments or ()]
        # sudo: the attachments are being linked by their uploader; only their name and content are read
        records = self.env['ir.attachment'].sudo().browse(
            [aid for aid in attachment_ids or () if isinstance(aid, int)]).exists()
        max_count, max_mb = self._portal_attachment_limits()
        if len(files) + len(records) > max_count:
            raise UserError(self.env._('You can attach %(count)s files at most.', count=max_count))
        files += [(attachment.name or '', attachment.raw or b'') for attachment in records]
        for name, data in files:
            error = self._portal_check_file(name, data, max_mb)
            if error:
                raise UserError(error)
