from odoo import api, models, tools


class MailAlias(models.Model):
    _inherit = 'mail.alias'

    @api.model
    @tools.ormcache()
    def _helpdesk_lite_alias_emails(self):
        """Every alias address, lowercase: mail from one of them is ours, never a customer's.

        Asked for the sender (and the Cc) of every incoming mail, a query each otherwise. Cached; cleared
        when an alias is created, renamed, moved to another domain or deleted (a domain's new name clears
        it too, see mail.alias.domain)."""
        aliases = self.sudo().search_fetch([('alias_full_name', '!=', False)], ['alias_full_name'])
        return frozenset(alias.alias_full_name.lower() for alias in aliases)

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # _helpdesk_lite_alias_emails
        return super().create(vals_list)

    def write(self, vals):
        if {'alias_name', 'alias_domain_id'} & set(vals):
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
