from odoo import models, tools


class MailAliasDomain(models.Model):
    _name = 'mail.alias.domain'
    _inherit = ['mail.alias.domain', 'helpdesk.lite.cache.mixin']  # _helpdesk_lite_system_emails

    @tools.ormcache()
    def _helpdesk_lite_system_emails(self):
        """Lowercase bounce, catchall and default sender addresses of every alias domain: mail from them
        is automatic and never creates a ticket. Cached (read on every incoming mail; domains rarely change)."""
        domains = self.sudo().with_context(active_test=False).search([])
        return frozenset(email.lower() for domain in domains
                         for email in (domain.bounce_email, domain.catchall_email, domain.default_from_email)
                         if email)
