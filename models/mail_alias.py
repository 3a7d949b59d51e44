from odoo import api, models, tools


class MailAlias(models.Model):
    _name = 'mail.alias'
    _inherit = ['mail.alias', 'helpdesk.lite.cache.mixin']
    _cache_clearing_fields = ('alias_name', 'alias_domain_id')  # _helpdesk_lite_alias_emails

    @api.model
    @tools.ormcache()
    def _helpdesk_lite_alias_emails(self):
        """Every alias address, lowercase: mail from one of them is ours, never a customer's.

        Asked for the sender (and the Cc) of every incoming mail, a query each otherwise. Cached; cleared
        when an alias is created, renamed, moved to another domain or deleted (a domain's new name clears
        it too, see mail.alias.domain)."""
        aliases = self.sudo().search_fetch([('alias_full_name', '!=', False)], ['alias_full_name'])
        return frozenset(alias.alias_full_name.lower() for alias in aliases)
