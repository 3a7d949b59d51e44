from odoo import api, models, tools


class MailComposerMixin(models.AbstractModel):
    _inherit = 'mail.composer.mixin'

    @api.depends('body', 'template_id')
    def _compute_body_has_template_value(self):
        """Also recognise the template's body once passed through the body field's own sanitizer.

        The composer copies the template's body into ``body``, whose ``email_outgoing`` sanitizer
        rewrites inline styles (``margin: 16px 0;`` becomes ``margin:16px 0``). Odoo compares that
        copy with the raw template and with a default sanitization of it, so for any template with
        inline styles the copy looks edited: the composer renders it instead of the template, and a
        mass mail (``message_mail_with_source``) goes out in the template's source language to every
        recipient, whatever the template's ``lang`` says.
        """
        super()._compute_body_has_template_value()
        body_field = self._fields['body']
        for composer in self:
            if (not composer.body_has_template_value and composer.template_id
                    and not tools.is_html_empty(composer.body)):
                sanitized = body_field.convert_to_cache(composer.template_id.body_html, composer)
                composer.body_has_template_value = composer.body == sanitized
