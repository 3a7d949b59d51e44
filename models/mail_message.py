from odoo import api, models

from .html_sanitized_once import HtmlSanitizedOnce

TICKET = 'helpdesk.lite.ticket'


class MailMessage(models.Model):
    _inherit = 'mail.message'

    # same field, its sanitizer run once per distinct body (see html_sanitized_once.py)
    body = HtmlSanitizedOnce()

    @api.model_create_multi
    def create(self, vals_list):
        # Customers may create messages on the tickets they read (mail's rules): one created
        # directly (RPC, not through message_post) is a public comment too, never a note or an email.
        if not self.env.su and self.env.user.share:
            comment = self.env['ir.model.data']._xmlid_to_res_id('mail.mt_comment')
            for vals in vals_list:
                if vals.get('model') == TICKET:
                    vals.update(message_type='comment', subtype_id=comment, is_internal=False)
        return super().create(vals_list)
