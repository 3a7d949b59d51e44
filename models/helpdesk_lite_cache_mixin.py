from odoo import api, models


class HelpdeskLiteCacheMixin(models.AbstractModel):
    """Records some of Helpdesk Lite's cached lookups (``tools.ormcache``) are made of: creating or
    deleting one, or changing one of ``_cache_clearing_fields`` (any field when empty), clears the
    registry's caches, in every worker (Odoo signals the clearing to the others)."""
    _name = 'helpdesk.lite.cache.mixin'
    _description = 'Helpdesk Lite: records behind cached lookups'

    _cache_clearing_fields = ()

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if not self._cache_clearing_fields or not vals.keys().isdisjoint(self._cache_clearing_fields):
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
