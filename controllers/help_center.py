from odoo import http
from odoo.http import request
from odoo.osv import expression

# Autocomplete answers few results; the full search page shows more.
AUTOCOMPLETE_LIMIT = 8
SEARCH_PAGE_LIMIT = 30
QUERY_MAX_LENGTH = 200


class HelpdeskLiteHelpCenter(http.Controller):
    """Public help center: browse, read, search and rate help pages.

    Pages are read with the visitor's own rights: record rules show published pages of
    published groups to visitors (public, portal, employees) and everything to agents, who
    can preview. Votes and suggestion clicks are written with sudo only after the page was
    found that way and is published.
    """

    def _help_values(self, **values):
        return dict(values, submit_url='/helpdesk/submit')

    def _visible_page(self, page_id):
        page = request.env['helpdesk.lite.help.page'].search([('id', '=', page_id)], limit=1)
        return page if page and page.is_public else None

    @http.route('/helpdesk/help', type='http', auth='public', website=True, readonly=True)
    def help_index(self, **kwargs):
        groups = request.env['helpdesk.lite.help.group'].search([('published', '=', True)])
        Page = request.env['helpdesk.lite.help.page']
        pages = Page.search(expression.AND([Page._public_domain(), [('group_id', 'in', groups.ids)]]))
        return request.render('helpdesk_lite.help_index', self._help_values(
            groups=groups, pages_by_group=pages.grouped('group_id'), title=request.env._('Help Center')))

    @http.route('/helpdesk/help/search', type='http', auth='public', website=True, readonly=True)
    def help_search(self, q='', **kwargs):
        query = (q or '').strip()[:QUERY_MAX_LENGTH]
        results = request.env['helpdesk.lite.help.page']._search_help_pages(
            query, limit=SEARCH_PAGE_LIMIT, lang=request.env.lang) if query else []
        return request.render('helpdesk_lite.help_search', self._help_values(
            query=query, results=results, title=request.env._('Search the Help Center')))

    @http.route('/helpdesk/help/autocomplete', type='http', auth='public', methods=['GET'], readonly=True,
                sitemap=False)
    def help_autocomplete(self, q='', limit=AUTOCOMPLETE_LIMIT, **kwargs):
        try:
            limit = max(1, min(int(limit), AUTOCOMPLETE_LIMIT))
        except (TypeError, ValueError):
            limit = AUTOCOMPLETE_LIMIT
        results = request.env['helpdesk.lite.help.page']._search_help_pages(
            (q or '')[:QUERY_MAX_LENGTH], limit=limit, lang=request.env.lang)
        # Plain text in JSON; the script inserts it with textContent.
        return request.make_json_response({'results': results}, headers={'Cache-Control': 'no-store'})

    @http.route('/helpdesk/help/<string:group_slug>', type='http', auth='public', website=True, readonly=True)
    def help_group(self, group_slug, **kwargs):
        group = request.env['helpdesk.lite.help.group'].search([('slug', '=', group_slug)], limit=1)
        if not group:
            raise request.not_found()
        pages = request.env['helpdesk.lite.help.page'].search([('group_id', '=', group.id)])
        return request.render('helpdesk_lite.help_group', self._help_values(
            group=group, pages=pages, title=group.name))

    @http.route('/helpdesk/help/<string:group_slug>/<string:page_slug>', type='http', auth='public', website=True)
    def help_page(self, group_slug, page_slug, **kwargs):
        Page = request.env['helpdesk.lite.help.page']
        page = Page.search([('slug', '=', page_slug)], limit=1)
        if not page:
            # A former slug: send visitors and search engines to the current URL.
            redirect = request.env['helpdesk.lite.help.redirect'].sudo().search([('slug', '=', page_slug)], limit=1)
            page = Page.search([('id', '=', redirect.page_id.id)], limit=1) if redirect else Page
            if not page:
                raise request.not_found()
            return request.redirect(page.url, code=301)
        if page.group_id.slug != group_slug:
            return request.redirect(page.url, code=301)
        is_public = page.is_public
        voted = kwargs.get('voted')
        if is_public and not voted:  # the redirect after a vote is not a new view
            page.sudo()._increment_view_count()
        Vote = request.env['helpdesk.lite.help.vote'].sudo()
        _key, my_vote = Vote._visitor_vote(page, request.env.user, request.session.sid)
        return request.render('helpdesk_lite.help_page', self._help_values(
            page=page, group=page.group_id, is_public=is_public, my_vote=my_vote,
            voted=voted, title=page.title))

    @http.route('/helpdesk/help/page/<int:page_id>/vote', type='http', auth='public', methods=['POST'],
                website=True, sitemap=False)
    def help_vote(self, page_id, helpful=None, **kwargs):
        page = self._visible_page(page_id)
        if not page or helpful not in ('0', '1'):
            raise request.not_found()
        Vote = request.env['helpdesk.lite.help.vote'].sudo()
        visitor_key, _vote = Vote._visitor_vote(page, request.env.user, request.session.sid)
        Vote._record_vote(page, visitor_key, helpful == '1')
        return request.redirect(f'{page.url}?voted=1#helpdesk-lite-vote')

    @http.route('/helpdesk/help/suggestion/click', type='http', auth='public', methods=['POST'], sitemap=False)
    def help_suggestion_click(self, page_id=None, visit=None, form=None, **kwargs):
        """Beacon sent when a visitor follows a suggestion from a ticket form."""
        try:
            page = self._visible_page(int(page_id))
        except (TypeError, ValueError):
            page = None
        if page:
            request.env['helpdesk.lite.help.deflection'].sudo()._record_click(page, visit, form)
        return request.make_response('', status=204)
