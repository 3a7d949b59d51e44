from odoo import api, fields, models
from odoo.tools import SQL

# First path segments under /helpdesk/help that belong to routes, never to a help group.
RESERVED_SLUGS = frozenset({'search', 'autocomplete', 'page', 'suggestion'})


class HelpdeskLiteHelpSlugMixin(models.AbstractModel):
    """A unique, human readable URL slug generated once from a name field.

    The slug is computed at creation only: renaming the record keeps its URL. A manager may
    edit the slug; it is normalised and must stay unique.
    """
    _name = 'helpdesk.lite.help.slug.mixin'
    _description = 'Help Center URL Slug'
    _slug_source_field = 'name'
    _slug_max_length = 80

    slug = fields.Char(
        string='URL Slug', copy=False,
        help='Last part of the public URL. Generated from the title when the record is created and kept '
             'when it is renamed, so published links keep working.')

    _sql_constraints = [
        ('slug_uniq', 'unique (slug)', 'This URL slug is already used.'),
    ]

    @api.model
    def _slug_normalize(self, text):
        return self.env['ir.http']._slugify(text or '', max_length=self._slug_max_length).strip('-')

    @api.model
    def _slug_taken(self, bases):
        """Slugs already used that start with one of ``bases`` (one query)."""
        self.flush_model(['slug'])
        rows = self.env.execute_query(SQL(
            "SELECT slug FROM %s WHERE slug LIKE ANY(%s)",
            SQL.identifier(self._table), [f'{base}%' for base in bases]))
        return {slug for slug, in rows}

    @api.model
    def _slug_generate(self, texts):
        """Unique slugs for ``texts`` (a list), suffixed -2, -3, ... on collision."""
        bases = [self._slug_normalize(text) or self._name.rsplit('.', 1)[-1] for text in texts]
        bases = [f'{base}-1' if base in RESERVED_SLUGS else base for base in bases]
        taken = self._slug_taken(set(bases)) if bases else set()
        slugs = []
        for base in bases:
            slug, counter = base, 1
            while slug in taken:
                counter += 1
                slug = f'{base}-{counter}'
            taken.add(slug)
            slugs.append(slug)
        return slugs

    @api.model_create_multi
    def create(self, vals_list):
        # Typed slugs are only normalised (a clash fails on the constraint); missing or reserved
        # ones are generated from the name, unique within the batch too.
        to_generate = []
        for vals in vals_list:
            slug = self._slug_normalize(vals.get('slug'))
            if slug and slug not in RESERVED_SLUGS:
                vals['slug'] = slug
            else:
                to_generate.append(vals)
        generated = self._slug_generate(
            [vals.get('slug') or vals.get(self._slug_source_field) or '' for vals in to_generate])
        for vals, slug in zip(to_generate, generated):
            vals['slug'] = slug
        return super().create(vals_list)

    def write(self, vals):
        if 'slug' in vals:
            # An emptied slug is regenerated from the name; a typed one is normalised.
            slug = self._slug_normalize(vals['slug'])
            if not slug or slug in RESERVED_SLUGS:
                slug = self._slug_generate([vals['slug'] or self[:1][self._slug_source_field] or ''])[0]
            vals = dict(vals, slug=slug)
        return super().write(vals)
