"""Help center autocomplete: ranked full-text search with typo fallback over `size` help pages."""
from odoo.tools import SQL

SIZES = [5_000]
LARGE_SIZES = [5_000, 50_000]
SMOKE_SIZE = 50
# What visitors type, one request per keystroke pause: a prefix, two words, a typo, a rare word.
QUERIES = ['pass', 'reset passw', 'pasword', 'invoice pdf']
PER_ITEM = len(QUERIES)  # report figures per autocomplete request
AUTOCOMPLETE_LIMIT = 8   # as the controller
GROUPS = 25

WORDS = (
    'account password reset login email invoice payment refund shipping order delivery tracking printer '
    'network wifi router firmware update install setup configure error code license subscription plan '
    'upgrade downgrade cancel export import report dashboard mobile app browser cache cookie security '
    'two factor authentication token api webhook integration calendar schedule backup restore storage '
    'quota limit user team permission role admin profile avatar language timezone notification alert '
    'billing tax receipt pdf download upload attachment size format'
).split()


def prepare(env, size):
    groups = env['helpdesk.lite.help.group'].create(
        [{'name': f'Help group {i}', 'published': True, 'sequence': i} for i in range(GROUPS)])
    # Titles of 3-6 words and about 120 words of HTML content per page. Real support words come
    # from WORDS (two per title, one word in twelve of the content, so a common one such as
    # "password" is in about 10% of the pages); the rest are drawn from 20,000 product terms,
    # like the long tail of a real help center. One page in ten is unpublished.
    env.cr.execute(SQL(
        """
        INSERT INTO helpdesk_lite_help_page
               (title, slug, group_id, keywords, content, sequence, published, active, view_count,
                helped_count, not_helped_count, create_uid, write_uid, create_date, write_date)
        SELECT jsonb_build_object('en_US', initcap(
                   w[1 + mod(i * 7, n)] || ' '
                   || (SELECT string_agg('term' || mod(i * 7919 + k * 104729, 20000), ' ')
                         FROM generate_series(1, 1 + mod(i, 4)) k)
                   || ' ' || w[1 + mod(i * 13 + 5, n)])),
               'help-page-' || %(batch)s || '-' || i,
               (%(groups)s::int[])[1 + mod(i, %(group_count)s)],
               w[1 + mod(i * 3, n)] || ', ' || w[1 + mod(i * 5, n)],
               jsonb_build_object('en_US', '<p>' || (
                   SELECT string_agg(
                       CASE WHEN mod(k, 12) = 0 THEN w[1 + mod(i * k + k, n)]
                            ELSE 'term' || mod(i * 7919 + k * 104729, 20000) END
                       || CASE WHEN mod(k, 40) = 0 THEN '</p><p>' ELSE ' ' END, '')
                     FROM generate_series(1, 120) k) || '</p>'),
               mod(i, 100), mod(i, 10) <> 0, TRUE, 0, 0, 0, 1, 1, now(), now()
          FROM generate_series(1, %(size)s) i,
               (SELECT %(words)s::text[] AS w, cardinality(%(words)s::text[]) AS n) vocabulary
        """,
        groups=groups.ids, group_count=len(groups), size=size, words=WORDS, batch=groups[0].id,
    ))
    env['helpdesk.lite.help.page'].invalidate_model()
    public = env.ref('base.public_user')
    return {'pages': env['helpdesk.lite.help.page'].with_user(public).with_context(lang='en_US')}


def run(env, state):
    pages = state['pages']
    return [pages._search_help_pages(query, limit=AUTOCOMPLETE_LIMIT, lang='en_US') for query in QUERIES]
