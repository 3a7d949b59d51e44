import re
import textwrap
from datetime import timedelta

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.mail import html_to_inner_content
from odoo.tools.sql import column_exists, create_index, make_identifier
from odoo.tools.translate import html_translate

# A followed suggestion only counts as a deflection once the visitor had time to come back
# to the form and submit it anyway.
DEFLECTION_GRACE = timedelta(hours=1)
# Bounds on what a visitor can make the search do.
SEARCH_MAX_WORDS = 8
SEARCH_MAX_WORD_LENGTH = 40
SEARCH_MAX_LIMIT = 50
# Generated columns maintained by PostgreSQL (see init()); not ORM fields.
SEARCH_VECTOR_COLUMN = 'search_vector'
SEARCH_WORDS_COLUMN = 'search_words'
# pg_trgm "has a similar word" operator; SQL() keeps a literal %% only in argument-less code.
TRIGRAM_WORD_MATCH = SQL("<%%")
# pg_trgm's default (0.6) misses one-letter typos in short words ("invoce" is 0.57 from "invoice").
TRIGRAM_THRESHOLD = 0.5


class HelpdeskLiteHelpPage(models.Model):
    _name = 'helpdesk.lite.help.page'
    _description = 'Help Page'
    _inherit = ['helpdesk.lite.help.slug.mixin']
    _order = 'sequence, id'
    _rec_name = 'title'
    _slug_source_field = 'title'

    title = fields.Char(required=True, translate=True, index='trigram')
    group_id = fields.Many2one(
        'helpdesk.lite.help.group', string='Help Group', required=True, index=True, ondelete='restrict')
    content = fields.Html(translate=html_translate, sanitize_attributes=True)
    keywords = fields.Char(
        help='Extra words visitors may search for (synonyms, error codes, product names).')
    sequence = fields.Integer(default=10)
    published = fields.Boolean(
        default=False, index=True, help='Visible to everyone when its help group is published too.')
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        'res.company', string='Company', index='btree_not_null', help='Leave empty to show it in every company.')
    is_public = fields.Boolean(
        string='Visible to Everyone', compute='_compute_is_public', search='_search_is_public',
        help='Published, in a published help group, neither of them archived.')
    url = fields.Char(string='Public URL', compute='_compute_url')
    view_count = fields.Integer(string='Views', readonly=True, copy=False, default=0)
    vote_ids = fields.One2many('helpdesk.lite.help.vote', 'page_id', string='Votes')
    helped_count = fields.Integer(string='Helped', compute='_compute_vote_counts', store=True)
    not_helped_count = fields.Integer(string='Did Not Help', compute='_compute_vote_counts', store=True)
    redirect_ids = fields.One2many('helpdesk.lite.help.redirect', 'page_id', string='Former URL Slugs')
    suggestion_count = fields.Integer(
        string='Suggestions Followed', compute='_compute_deflection_counts',
        help='Times a visitor filling in a ticket form opened this page from the suggestions.')
    deflection_count = fields.Integer(
        string='Deflections', compute='_compute_deflection_counts',
        help='Suggestions followed from a ticket form that was not submitted afterwards (counted one hour '
             'after the click).')

    @api.model
    def _public_domain(self):
        """What "visible to everyone" means, written once: the visitors' record rule (through
        ``is_public``), the help center's SQL search and the controllers all use it."""
        return [('active', '=', True), ('published', '=', True),
                ('group_id.active', '=', True), ('group_id.published', '=', True)]

    @api.depends('active', 'published', 'group_id.active', 'group_id.published')
    def _compute_is_public(self):
        public = self.filtered_domain(self._public_domain())
        for page in self:
            page.is_public = page in public

    def _search_is_public(self, operator, value):
        if operator not in ('=', '!=') or not isinstance(value, bool):
            raise NotImplementedError(self.env._('Operation not supported'))
        domain = self._public_domain()
        return domain if (operator == '=') == value else ['!', *expression.normalize_domain(domain)]

    @api.depends('slug', 'group_id.slug')
    def _compute_url(self):
        for page in self:
            page.url = f'/helpdesk/help/{page.group_id.slug}/{page.slug}' if page.slug and page.group_id else False

    @api.depends('vote_ids.helpful')
    def _compute_vote_counts(self):
        counts = {
            (page.id, helpful): count for page, helpful, count in self.env['helpdesk.lite.help.vote']._read_group(
                [('page_id', 'in', self.ids)], ['page_id', 'helpful'], ['__count'])
        }
        for page in self:
            page.helped_count = counts.get((page.id, True), 0)
            page.not_helped_count = counts.get((page.id, False), 0)

    def _compute_deflection_counts(self):
        Deflection = self.env['helpdesk.lite.help.deflection'].sudo()
        followed = dict(Deflection._read_group([('page_id', 'in', self.ids)], ['page_id'], ['__count']))
        deflected = dict(Deflection._read_group(
            [('page_id', 'in', self.ids)] + Deflection._deflected_domain(), ['page_id'], ['__count']))
        for page in self:
            page.suggestion_count = followed.get(page, 0)
            page.deflection_count = deflected.get(page, 0)

    # ------------------------------------------------------------------------
    # Slugs: stable on rename; a changed slug keeps resolving through a redirect
    # ------------------------------------------------------------------------
    @api.model
    def _slug_taken(self, bases):
        # Former slugs stay reserved for the page that had them, so old links never change target.
        return super()._slug_taken(bases) | self.env['helpdesk.lite.help.redirect']._slug_taken(bases)

    def write(self, vals):
        old_slugs = {page: page.slug for page in self} if 'slug' in vals else {}
        result = super().write(vals)
        if old_slugs:
            Redirect = self.env['helpdesk.lite.help.redirect'].sudo()
            new_slugs = set(self.mapped('slug'))
            # A slug taken back by a page no longer redirects elsewhere.
            Redirect.search([('slug', 'in', list(new_slugs))]).unlink()
            Redirect.create([
                {'slug': old, 'page_id': page.id}
                for page, old in old_slugs.items() if old and old != page.slug
            ])
        return result

    # ------------------------------------------------------------------------
    # Full-text search
    # ------------------------------------------------------------------------
    def init(self):
        super().init()
        # Two search columns that PostgreSQL computes itself (also for rows inserted with SQL).
        # They are not ORM fields: nothing in Odoo reads or writes them but _search_help_pages().
        cr = self.env.cr
        if not column_exists(cr, self._table, SEARCH_VECTOR_COLUMN):
            # Weighted full-text vector. to_tsvector(jsonb) covers every translation, and its
            # parser skips HTML tags and entities. Kept in the row (STORAGE MAIN), not in TOAST:
            # ranking reads it for every candidate page.
            cr.execute(SQL(
                """ALTER TABLE %(table)s ADD COLUMN %(column)s tsvector GENERATED ALWAYS AS (
                       setweight(to_tsvector('simple', COALESCE(title, '{}'::jsonb)), 'A')
                    || setweight(to_tsvector('simple', COALESCE(keywords, '')), 'B')
                    || setweight(to_tsvector('simple', COALESCE(content, '{}'::jsonb)), 'C')
                   ) STORED;
                   ALTER TABLE %(table)s ALTER COLUMN %(column)s SET STORAGE MAIN""",
                table=SQL.identifier(self._table), column=SQL.identifier(SEARCH_VECTOR_COLUMN)))
        create_index(cr, make_identifier(f'{self._table}__{SEARCH_VECTOR_COLUMN}_index'), self._table,
                     [SEARCH_VECTOR_COLUMN], method='gin')
        if not column_exists(cr, self._table, SEARCH_WORDS_COLUMN):
            # Titles (all translations) and keywords as plain text, for typo-tolerant trigram matching:
            # a stored column is ten times faster to recheck than the expression on the jsonb title.
            cr.execute(SQL(
                """ALTER TABLE %s ADD COLUMN %s text GENERATED ALWAYS AS (
                       jsonb_path_query_array(COALESCE(title, '{}'::jsonb), '$.*')::text
                       || ' ' || COALESCE(keywords, '')
                   ) STORED""",
                SQL.identifier(self._table), SQL.identifier(SEARCH_WORDS_COLUMN)))
        if self.env.registry.has_trigram:
            create_index(cr, make_identifier(f'{self._table}__{SEARCH_WORDS_COLUMN}_index'), self._table,
                         [f'{SEARCH_WORDS_COLUMN} gin_trgm_ops'], method='gin')

    @api.model
    def _help_translated_sql(self, column, lang, alias):
        """Text of a translated (jsonb) column in ``lang``, falling back to English like the ORM."""
        column_sql = SQL.identifier(alias, column)
        if lang == 'en_US':
            return SQL("(%s->>'en_US')", column_sql)
        return SQL("COALESCE(%s->>%s, %s->>'en_US')", column_sql, lang, column_sql)

    @api.model
    def _help_search_lang(self, lang):
        lang = lang or self.env.lang or 'en_US'
        return lang if lang in dict(self.env['res.lang'].get_installed()) else 'en_US'

    @api.model
    def _search_help_pages(self, query, limit=10, lang=None):
        """Published pages matching ``query``, best first, in one SQL query.

        Ranking: pages whose title holds every word, then full-text matches on title, keywords and
        content ranked by ts_rank (title weighted over keywords over content), then typo-tolerant
        trigram matches on title and keywords. Every word is a prefix, so it works while typing.
        Matching looks at every translation; titles and summaries come back in ``lang``.
        Unpublished pages and pages of unpublished groups or other companies never match, whoever
        asks: this method reads with SQL, so it applies those rules itself.

        :return: list of dicts ``id, title, url, group, summary`` (plain text, to be escaped by the caller)
        """
        words = [word[:SEARCH_MAX_WORD_LENGTH] for word in re.findall(r'\w+', (query or '').lower())]
        words = words[:SEARCH_MAX_WORDS]
        if not words:
            return []
        limit = max(1, min(int(limit or 10), SEARCH_MAX_LIMIT))
        lang = self._help_search_lang(lang)
        # Every word is a prefix (results while typing) and must match (AND)...
        tsquery = SQL("to_tsquery('simple', %s)", ' & '.join(f'{word}:*' for word in words))
        # ... in the title (weight A) for the first results;
        title_tsquery = SQL("to_tsquery('simple', %s)", ' & '.join(f'{word}:*A' for word in words))
        # ranked per word (OR): a word in the title outweighs any number of them in the content.
        rank_tsquery = SQL("to_tsquery('simple', %s)", ' | '.join(f'{word}:*' for word in words))
        title = self._help_translated_sql('title', lang, 'page')
        typo_words = [word for word in words if len(word) >= 3]
        if self.env.registry.has_trigram and typo_words:
            search_words = SQL.identifier('page', SEARCH_WORDS_COLUMN)
            fuzzy = SQL(" OR ").join(SQL("%s %s %s", word, TRIGRAM_WORD_MATCH, search_words) for word in typo_words)
            # Closest title in the visitor's language first, then keywords and other translations.
            title_similarity = SQL("word_similarity(%s, COALESCE(%s, ''))", ' '.join(words), title)
            similarity = SQL("word_similarity(%s, %s)", ' '.join(words), search_words)
            # Sent with the query (one round trip); the operator, hence its index, reads this setting.
            threshold = SQL("SET LOCAL pg_trgm.word_similarity_threshold = %s;", TRIGRAM_THRESHOLD)
        else:
            fuzzy, title_similarity, similarity, threshold = SQL("FALSE"), SQL("0.0"), SQL("0.0"), SQL()
        # Raw SQL below: write pending ORM changes of the columns it reads first.
        self.flush_model(['title', 'content', 'keywords', 'slug', 'group_id', 'published', 'active', 'company_id',
                          'sequence'])
        self.env['helpdesk.lite.help.group'].flush_model(['slug', 'published', 'active'])
        # Raw SQL reads past record rules: apply the public domain and the companies here.
        visible_query = self.sudo().with_context(active_test=False)._search(expression.AND([
            self._public_domain(), [('company_id', 'in', self.env.companies.ids + [False])]]))
        visible = SQL("page.id IN %s", visible_query.subselect())
        # Full-text hits first, ranked on the stored vector. Typo matches (trigrams) only fill the
        # list when there are too few of them: PostgreSQL skips that part otherwise. Titles and the
        # long content are read for the winners only.
        rows = self.env.execute_query(SQL(
            """
            %(threshold)s
            WITH text_hits AS (
                SELECT page.id, %(vector)s @@ %(title_tsquery)s AS title_hit,
                       ts_rank(%(vector)s, %(rank_tsquery)s) AS rank, page.sequence
                  FROM helpdesk_lite_help_page page
                  JOIN helpdesk_lite_help_group grp ON grp.id = page.group_id
                 WHERE %(visible)s AND %(vector)s @@ %(tsquery)s
              ORDER BY title_hit DESC, rank DESC, page.sequence, page.id
                 LIMIT %(limit)s
            ), typo_hits AS (
                SELECT page.id, %(title_similarity)s AS title_similarity, %(similarity)s AS similarity,
                       page.sequence
                  FROM helpdesk_lite_help_page page
                  JOIN helpdesk_lite_help_group grp ON grp.id = page.group_id
                 WHERE (SELECT count(*) FROM text_hits) < %(limit)s
                   AND %(visible)s AND (%(fuzzy)s)
                   AND page.id NOT IN (SELECT id FROM text_hits)
              ORDER BY title_similarity DESC, similarity DESC, page.sequence, page.id
                 LIMIT %(limit)s
            ), ranked AS (
                SELECT id, 0 AS tier, row_number() OVER (ORDER BY title_hit DESC, rank DESC, sequence, id) AS position
                  FROM text_hits
                 UNION ALL
                SELECT id, 1, row_number() OVER (ORDER BY title_similarity DESC, similarity DESC, sequence, id)
                  FROM typo_hits
            )
            SELECT page.id, page.slug, grp.slug, %(title)s, left(%(content)s, 2000)
              FROM ranked
              JOIN helpdesk_lite_help_page page ON page.id = ranked.id
              JOIN helpdesk_lite_help_group grp ON grp.id = page.group_id
          ORDER BY ranked.tier, ranked.position
             LIMIT %(limit)s
            """,
            threshold=threshold, visible=visible, vector=SQL.identifier('page', SEARCH_VECTOR_COLUMN),
            tsquery=tsquery, title_tsquery=title_tsquery, rank_tsquery=rank_tsquery, fuzzy=fuzzy,
            title_similarity=title_similarity, similarity=similarity, title=title,
            content=self._help_translated_sql('content', lang, 'page'),
            limit=limit,
        ))
        return [{
            'id': page_id,
            'title': page_title or '',
            'url': f'/helpdesk/help/{group_slug}/{page_slug}',
            'summary': textwrap.shorten(html_to_inner_content(content or ''), 160, placeholder=' …'),
        } for page_id, page_slug, group_slug, page_title, content in rows]

    # ------------------------------------------------------------------------
    # Public side
    # ------------------------------------------------------------------------
    def _increment_view_count(self):
        # One atomic UPDATE rather than a read-modify-write: concurrent visits all count,
        # and write_date/ORM side effects stay untouched.
        self.env.cr.execute(SQL(
            "UPDATE helpdesk_lite_help_page SET view_count = COALESCE(view_count, 0) + 1 WHERE id = ANY(%s)", self.ids))
        self.invalidate_recordset(['view_count'])

    def action_open_public(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'url': self.url, 'target': 'new'}

    def action_view_deflections(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_lite.helpdesk_lite_help_deflection_action')
        action.update(domain=[('page_id', '=', self.id)], context={'search_default_filter_deflected': 1})
        return action
