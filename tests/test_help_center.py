from datetime import timedelta
from types import SimpleNamespace
from unittest.mock import patch
from urllib.parse import urlencode

from psycopg2 import IntegrityError

from odoo import Command, fields, http
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import HelpdeskLiteCommon

VISIT = 'a' * 32
OTHER_VISIT = 'b' * 32


class HelpCenterFixtures:
    """Help center data built with words that demo data never contains (zorblax, quuxplatform)."""

    @classmethod
    def _setup_help_center(cls):
        Group = cls.env['helpdesk.lite.help.group']
        Page = cls.env['helpdesk.lite.help.page']
        cls.help_group = Group.create({'name': 'Zorblax Devices', 'published': True})
        cls.hidden_group = Group.create({'name': 'Zorblax Internal', 'published': False})
        cls.page_published = Page.create({
            'title': 'Configure the Zorblax router', 'group_id': cls.help_group.id, 'published': True,
            'keywords': 'wifi setup', 'content': '<p>Plug the zorblax in and press the blue button.</p>'})
        cls.page_unpublished = Page.create({
            'title': 'Zorblax firmware draft', 'group_id': cls.help_group.id, 'published': False,
            'content': '<p>Zorblax secret roadmap.</p>'})
        cls.page_in_hidden_group = Page.create({
            'title': 'Zorblax staff notes', 'group_id': cls.hidden_group.id, 'published': True,
            'content': '<p>Zorblax internal procedure.</p>'})


@tagged('post_install', '-at_install')
class TestHelpCenter(HelpdeskLiteCommon, HelpCenterFixtures):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_help_center()
        cls.employee = new_test_user(cls.env, login='hdl_help_employee', groups='base.group_user')
        cls.public_user = cls.env.ref('base.public_user')
        cls.Page = cls.env['helpdesk.lite.help.page']

    def _titles(self, query, limit=10, user=None):
        Page = self.Page.with_user(user) if user else self.Page
        return [result['title'] for result in Page._search_help_pages(query, limit=limit)]

    # ------------------------------------------------------------------
    # Visibility and access
    # ------------------------------------------------------------------
    def test_visibility_by_user_type(self):
        all_pages = self.page_published | self.page_unpublished | self.page_in_hidden_group
        for user in (self.public_user, self.portal_user, self.employee):
            visible = self.Page.with_user(user).search([('id', 'in', all_pages.ids)])
            self.assertEqual(visible, self.page_published, f'{user.login} sees only published pages')
            with self.assertRaises(AccessError):
                self.page_unpublished.with_user(user).read(['title'])
            with self.assertRaises(AccessError):
                self.page_in_hidden_group.with_user(user).read(['title'])
            groups = self.env['helpdesk.lite.help.group'].with_user(user).search(
                [('id', 'in', (self.help_group | self.hidden_group).ids)])
            self.assertEqual(groups, self.help_group)
        # Agents read everything (to prepare and preview) but cannot edit; managers can.
        self.assertEqual(self.Page.with_user(self.agent).search([('id', 'in', all_pages.ids)]), all_pages)
        with self.assertRaises(AccessError):
            self.page_published.with_user(self.agent).write({'title': 'Hacked'})
        with self.assertRaises(AccessError):
            self.page_published.with_user(self.portal_user).write({'title': 'Hacked'})
        self.page_published.with_user(self.manager).write({'keywords': 'wifi setup router'})
        # Votes and suggestion clicks are not readable by visitors or agents.
        for user in (self.public_user, self.portal_user, self.agent):
            with self.assertRaises(AccessError):
                self.env['helpdesk.lite.help.vote'].with_user(user).search([])
            with self.assertRaises(AccessError):
                self.env['helpdesk.lite.help.deflection'].with_user(user).search([])

    def test_search_never_returns_unpublished(self):
        for user in (self.public_user, self.portal_user, self.agent, self.manager):
            self.assertEqual(self._titles('zorblax', user=user), ['Configure the Zorblax router'])
        self.page_published.active = False
        self.assertEqual(self._titles('zorblax'), [])

    def test_search_company(self):
        other_company = self.env['res.company'].create({'name': 'Other Zorblax Co'})
        self.page_published.company_id = other_company
        self.assertEqual(self._titles('zorblax', user=self.portal_user), [])
        self.page_published.company_id = self.env.company
        self.assertEqual(self._titles('zorblax', user=self.portal_user), ['Configure the Zorblax router'])

    # ------------------------------------------------------------------
    # Slugs
    # ------------------------------------------------------------------
    def test_slug_unique_and_stable(self):
        Page = self.Page.with_user(self.manager)
        first, second = Page.create([
            {'title': 'Reset the Quux!', 'group_id': self.help_group.id},
            {'title': 'Reset the quux', 'group_id': self.help_group.id},
        ])
        third = Page.create({'title': 'Reset  the QUUX', 'group_id': self.help_group.id})
        self.assertEqual((first.slug, second.slug, third.slug),
                         ('reset-the-quux', 'reset-the-quux-2', 'reset-the-quux-3'))
        self.assertEqual(first.url, f'/helpdesk/help/{self.help_group.slug}/reset-the-quux')
        # Renaming keeps the URL.
        first.title = 'How to reset the quux device'
        self.assertEqual(first.slug, 'reset-the-quux')
        # Changing the slug keeps the old one as a redirect, reserved for this page.
        first.slug = 'Quux Reset Guide'
        self.assertEqual(first.slug, 'quux-reset-guide')
        self.assertEqual(first.redirect_ids.mapped('slug'), ['reset-the-quux'])
        fourth = Page.create({'title': 'Reset the quux', 'group_id': self.help_group.id})
        self.assertEqual(fourth.slug, 'reset-the-quux-4')
        # A clash with another page's slug is refused.
        with self.assertRaises(IntegrityError), mute_logger('odoo.sql_db'), self.env.cr.savepoint():
            second.slug = 'quux-reset-guide'
        # Taking back a former slug drops the redirect.
        first.slug = 'reset-the-quux'
        self.assertEqual(first.redirect_ids.mapped('slug'), ['quux-reset-guide'])
        # Group slugs never shadow the help center's own routes.
        search_group = self.env['helpdesk.lite.help.group'].create({'name': 'Search'})
        self.assertEqual(search_group.slug, 'search-1')

    def test_content_and_title_sanitized(self):
        page = self.Page.create({
            'title': '<script>alert("t")</script> Zorblax xss', 'group_id': self.help_group.id, 'published': True,
            'content': '<p>Zorblax ok</p><script>alert("c")</script><img src="x" onerror="alert(1)">'})
        self.assertNotIn('<script', page.content)
        self.assertNotIn('onerror', page.content)
        self.assertTrue(page.slug.startswith('script-alert-t-script-zorblax-xss'), page.slug)
        result = self.Page._search_help_pages('zorblax xss')[0]
        # Titles come back as plain text, escaped by whoever renders them; summaries carry no markup.
        self.assertEqual(result['title'], '<script>alert("t")</script> Zorblax xss')
        self.assertNotIn('<', result['summary'])

    # ------------------------------------------------------------------
    # Search
    # ------------------------------------------------------------------
    def test_search_ranking_title_first(self):
        Page = self.Page
        in_content = Page.create({
            'title': 'Shipping times', 'group_id': self.help_group.id, 'published': True, 'sequence': 1,
            'content': '<p>' + ' '.join(['quuxplatform'] * 30) + '</p>'})
        in_keywords = Page.create({
            'title': 'Warranty', 'group_id': self.help_group.id, 'published': True, 'sequence': 2,
            'keywords': 'quuxplatform'})
        in_title = Page.create({
            'title': 'Install the Quuxplatform agent', 'group_id': self.help_group.id, 'published': True,
            'sequence': 3})
        self.assertEqual(self._titles('quuxplatform'), [in_title.title, in_keywords.title, in_content.title])
        # Prefix search while typing, several words all required for a full-text hit.
        self.assertEqual(self._titles('quuxplat'), [in_title.title, in_keywords.title, in_content.title])
        self.assertEqual(self._titles('install quuxplat')[:1], [in_title.title])
        self.assertEqual(self._titles('quuxplatform', limit=1), [in_title.title])

    def test_search_typo_tolerance(self):
        self.assertTrue(self.env.registry.has_trigram, 'Odoo creates pg_trgm in new databases')
        self.assertEqual(self._titles('zorblx'), ['Configure the Zorblax router'])
        self.assertEqual(self._titles('confgure routr'), ['Configure the Zorblax router'])
        self.assertEqual(self._titles('wifi setpu'), ['Configure the Zorblax router'])  # keywords
        self.assertEqual(self._titles('xqzvy'), [])

    def test_search_odd_queries(self):
        for query in ('', '   ', '!!!', "' OR 1=1 --", 'a & b | !c :* (', '\\', '%_%', '<img src=x onerror=alert(1)>',
                      'zorblax:* & !', 'x' * 5000):
            results = self.Page._search_help_pages(query)
            self.assertIsInstance(results, list, query)
        # Operators and quotes are not syntax: only the real word finds its page, nothing more.
        for query in ("zorblax' OR 1=1 --", '<b>zorblax</b>', 'zorblax | !zorblax'):
            self.assertEqual(self._titles(query), ['Configure the Zorblax router'], query)

    def test_search_query_count_bounded(self):
        def count_queries(query):
            self.Page._search_help_pages(query)  # warm caches
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            results = self.Page._search_help_pages(query)
            return self.env.cr.sql_log_count - start, len(results)

        self.Page.create([{'title': f'Quuxplatform guide {i}', 'group_id': self.help_group.id, 'published': True}
                          for i in range(10)])
        small = count_queries('quuxplatform guide')
        self.Page.create([{'title': f'Quuxplatform guide {i}', 'group_id': self.help_group.id, 'published': True}
                          for i in range(10, 200)])
        large = count_queries('quuxplatform guide')
        self.assertEqual(small, (1, 10))
        self.assertEqual(large, (1, 10))

    def test_translated_search(self):
        self.env['res.lang']._activate_lang('fr_FR')
        self.page_published.with_context(lang='fr_FR').title = 'Configurer le routeur Zorblax'
        self.assertEqual([r['title'] for r in self.Page._search_help_pages('routeur', lang='fr_FR')],
                         ['Configurer le routeur Zorblax'])
        # Typo tolerance looks at every translation; results come back in the visitor's language.
        self.assertEqual(self._titles('routeur'), ['Configure the Zorblax router'])
        # Unknown languages fall back to English.
        self.assertEqual([r['title'] for r in self.Page._search_help_pages('router', lang='xx_XX')],
                         ['Configure the Zorblax router'])

    # ------------------------------------------------------------------
    # Votes, views
    # ------------------------------------------------------------------
    def test_votes_count_once_per_visitor(self):
        Vote = self.env['helpdesk.lite.help.vote']
        key = Vote._visitor_key(self.portal_user, 'session-1')
        self.assertEqual(key, Vote._visitor_key(self.portal_user, 'another-session'))  # users: by user
        self.assertNotEqual(Vote._visitor_key(self.public_user, 'session-1'),
                            Vote._visitor_key(self.public_user, 'session-2'))
        self.assertNotIn('session-1', Vote._visitor_key(self.public_user, 'session-1'))
        Vote._record_vote(self.page_published, key, True)
        Vote._record_vote(self.page_published, key, True)
        self.assertRecordValues(self.page_published, [{'helped_count': 1, 'not_helped_count': 0}])
        Vote._record_vote(self.page_published, key, False)  # changing one's mind does not add a vote
        self.assertRecordValues(self.page_published, [{'helped_count': 0, 'not_helped_count': 1}])
        Vote._record_vote(self.page_published, Vote._visitor_key(self.agent, 'x'), True)
        self.assertRecordValues(self.page_published, [{'helped_count': 1, 'not_helped_count': 1}])

    def test_view_count(self):
        self.page_published._increment_view_count()
        self.page_published._increment_view_count()
        self.assertEqual(self.page_published.view_count, 2)

    # ------------------------------------------------------------------
    # Agents: reply with help pages
    # ------------------------------------------------------------------
    def test_reply_with_help_pages(self):
        ticket = self._create_ticket(partner_id=self.customer.id, user_id=self.agent.id)
        Wizard = self.env['helpdesk.lite.ticket.help.reply'].with_user(self.agent).with_context(
            active_model='helpdesk.lite.ticket', active_id=ticket.id)
        wizard = Wizard.create({'page_ids': [Command.set(self.page_published.ids)]})
        self.assertEqual(wizard.ticket_id, ticket)
        full_url = ticket.get_base_url() + self.page_published.url
        self.assertIn(f'href="{full_url}"', wizard.body)
        wizard.action_send()
        message = ticket.message_ids.filtered(lambda m: full_url in (m.body or ''))
        self.assertEqual(len(message), 1)
        self.assertEqual(message.subtype_id, self.env.ref('mail.mt_comment'))
        self.assertEqual(message.author_id, self.agent.partner_id)
        self.assertEqual(ticket.last_reply_by, 'agent')
        # Customers cannot open an unpublished page: refuse to send it.
        wizard = Wizard.create({'page_ids': [Command.set(self.page_unpublished.ids)]})
        with self.assertRaises(UserError):
            wizard.action_send()

    # ------------------------------------------------------------------
    # Deflection
    # ------------------------------------------------------------------
    def _age(self, records, hours):
        self.env.flush_all()
        self.env.cr.execute('UPDATE helpdesk_lite_help_deflection SET create_date = %s WHERE id = ANY(%s)',
                            [fields.Datetime.now() - timedelta(hours=hours), records.ids])
        records.invalidate_recordset()

    def test_deflection_counting(self):
        Deflection = self.env['helpdesk.lite.help.deflection'].sudo()
        click = Deflection._record_click(self.page_published, VISIT, '/helpdesk/submit')
        self.assertEqual(Deflection._record_click(self.page_published, VISIT), click, 'counted once per visit')
        other = Deflection._record_click(self.page_published, OTHER_VISIT, '/my/helpdesk/new')
        # Never for unpublished pages or malformed visit ids.
        self.assertFalse(Deflection._record_click(self.page_unpublished, VISIT))
        self.assertFalse(Deflection._record_click(self.page_in_hidden_group, VISIT))
        self.assertFalse(Deflection._record_click(self.page_published, 'not-a-visit'))
        # Within the grace period, nothing is a deflection yet.
        self.assertRecordValues(self.page_published, [{'suggestion_count': 2, 'deflection_count': 0}])
        # The first visit's form gets submitted: a ticket, not a deflection.
        ticket = self._create_ticket()
        Deflection._mark_visit_submitted(VISIT, ticket)
        self.assertRecordValues(click, [{'submitted': True, 'ticket_id': ticket.id}])
        self._age(click | other, 2)
        self.page_published.invalidate_recordset(['deflection_count'])
        self.assertRecordValues(self.page_published, [{'suggestion_count': 2, 'deflection_count': 1}])
        self.assertEqual(Deflection.search([('is_deflection', '=', True), ('page_id', '=', self.page_published.id)]),
                         other)
        self.assertEqual(Deflection.search([('is_deflection', '=', False), ('page_id', '=', self.page_published.id)]),
                         click)
        self.assertRecordValues(click | other, [{'is_deflection': False}, {'is_deflection': True}])

    def test_ticket_form_post_links_visit(self):
        """A ticket created while handling a form posted with the visit id marks the visit submitted."""
        Deflection = self.env['helpdesk.lite.help.deflection'].sudo()
        click = Deflection._record_click(self.page_published, VISIT, '/helpdesk/submit')
        fake_request = SimpleNamespace(params={'helpdesk_lite_visit': OTHER_VISIT})
        target = 'odoo.addons.helpdesk_lite.models.helpdesk_lite_help_deflection.request'
        with patch(target, fake_request):
            self._create_ticket(name='Unrelated form visit')
        self.assertFalse(click.submitted)
        fake_request.params['helpdesk_lite_visit'] = VISIT
        with patch(target, fake_request):
            ticket = self._create_ticket(name='Submitted anyway')
        self.assertRecordValues(click, [{'submitted': True, 'ticket_id': ticket.id}])
        # Outside a request (cron, shell, backend import) nothing happens.
        self.assertFalse(Deflection._mark_submitted_from_request(ticket))


@tagged('post_install', '-at_install')
class TestHelpCenterHttp(HttpCase, HelpCenterFixtures):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_help_center()
        cls.portal_user = new_test_user(cls.env, login='hdl_help_portal', groups='base.group_portal')
        cls.agent = new_test_user(
            cls.env, login='hdl_help_agent', groups='base.group_user,helpdesk_lite.group_helpdesk_lite_user')

    def _get(self, url, **kwargs):
        return self.url_open(url, allow_redirects=False, **kwargs)

    def _csrf(self):
        return http.Request.csrf_token(self)

    def test_public_pages_visibility(self):
        self.authenticate(None, None)
        index = self._get('/helpdesk/help')
        self.assertEqual(index.status_code, 200)
        self.assertIn('Configure the Zorblax router', index.text)
        self.assertIn(self.page_published.url, index.text)
        for hidden in ('Zorblax firmware draft', 'Zorblax staff notes', 'Zorblax Internal'):
            self.assertNotIn(hidden, index.text)
        page = self._get(self.page_published.url)
        self.assertEqual(page.status_code, 200)
        self.assertIn('Plug the zorblax in', page.text)
        self.assertIn('href="/helpdesk/submit"', page.text)
        self.assertEqual(self._get(self.help_group.url).status_code, 200)
        for login in (None, 'hdl_help_portal'):
            self.authenticate(login, login)
            self.assertEqual(self._get(self.page_unpublished.url).status_code, 404, login)
            self.assertEqual(self._get(self.page_in_hidden_group.url).status_code, 404, login)
            self.assertEqual(self._get(self.hidden_group.url).status_code, 404, login)
        # Agents preview unpublished pages, clearly flagged, and they are not counted as views.
        self.authenticate('hdl_help_agent', 'hdl_help_agent')
        preview = self._get(self.page_unpublished.url)
        self.assertEqual(preview.status_code, 200)
        self.assertIn('This page is not published', preview.text)
        self.assertNotIn('Did this page help?', preview.text)
        self.assertEqual(self.page_unpublished.view_count, 0)
        self.assertEqual(self.page_published.view_count, 1)

    def test_old_urls_redirect(self):
        old_url = self.page_published.url
        self.page_published.slug = 'zorblax-router-setup'
        response = self._get(old_url)
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response.headers['Location'].endswith('/helpdesk/help/zorblax-devices/zorblax-router-setup'))
        # Moved to another group: the old group path redirects too.
        other_group = self.env['helpdesk.lite.help.group'].create({'name': 'Routers', 'published': True})
        self.page_published.group_id = other_group
        response = self._get('/helpdesk/help/zorblax-devices/zorblax-router-setup')
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response.headers['Location'].endswith('/helpdesk/help/routers/zorblax-router-setup'))
        self.assertEqual(self._get('/helpdesk/help/routers/zorblax-router-setup').status_code, 200)
        # A former slug of an unpublished page does not reveal it.
        self.page_unpublished.slug = 'zorblax-firmware-v2'
        self.assertEqual(self._get('/helpdesk/help/zorblax-devices/zorblax-firmware-draft').status_code, 404)

    def test_markup_is_inert(self):
        evil = '<script>alert("t")</script> Zorblax evil'
        page = self.env['helpdesk.lite.help.page'].create({
            'title': evil, 'group_id': self.help_group.id, 'published': True,
            'content': '<p>Zorblax body</p><script>alert("c")</script><img src="x" onerror="alert(1)">'})
        html = self._get(page.url).text
        self.assertNotIn('<script>alert(', html)
        self.assertNotIn('onerror="alert', html)
        self.assertIn('&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; Zorblax evil', html)
        query = '<img src=x onerror=alert(1)>zorblax'
        response = self._get('/helpdesk/help/search?' + urlencode({'q': query}))
        self.assertNotIn('<img src=x', response.text)
        self.assertIn('&lt;img src=x onerror=alert(1)&gt;zorblax', response.text)
        response = self._get('/helpdesk/help/search?q=zorblax+evil')
        self.assertIn('&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; Zorblax evil', response.text)
        self.assertNotIn('<script>alert(', response.text)
        response = self._get('/helpdesk/help/autocomplete?q=zorblax+evil')
        self.assertEqual(response.headers['Content-Type'], 'application/json; charset=utf-8')
        self.assertEqual(response.json()['results'][0]['title'], evil)  # data, rendered with textContent

    def test_search_page_and_autocomplete(self):
        response = self._get('/helpdesk/help/search?q=zorblx')
        self.assertEqual(response.status_code, 200)
        self.assertIn('Configure the Zorblax router', response.text)
        self.assertNotIn('Zorblax firmware draft', response.text)
        results = self._get('/helpdesk/help/autocomplete?q=zorbl').json()['results']
        self.assertEqual([r['title'] for r in results], ['Configure the Zorblax router'])
        self.assertEqual(results[0]['url'], self.page_published.url)
        self.assertEqual(self._get('/helpdesk/help/autocomplete?q=zorbl&limit=abc').status_code, 200)
        self.assertEqual(self._get('/helpdesk/help/autocomplete').json(), {'results': []})

    def test_autocomplete_query_count_bounded(self):
        Page = self.env['helpdesk.lite.help.page']

        def request_queries():
            url = '/helpdesk/help/autocomplete?q=quuxplatform+gui'
            self._get(url)  # warm up caches
            start = self.cr.sql_log_count
            results = self._get(url).json()['results']
            return self.cr.sql_log_count - start, len(results)

        self.authenticate(None, None)
        Page.create([{'title': f'Quuxplatform guide {i}', 'group_id': self.help_group.id, 'published': True}
                     for i in range(10)])
        small_count, small_results = request_queries()
        Page.create([{'title': f'Quuxplatform guide {i}', 'group_id': self.help_group.id, 'published': True}
                     for i in range(10, 200)])
        large_count, large_results = request_queries()
        self.assertEqual((small_results, large_results), (8, 8))
        self.assertEqual(small_count, large_count)
        self.assertLessEqual(large_count, 6)

    def test_votes_need_post_and_count_once(self):
        page = self.page_published
        vote_url = f'/helpdesk/help/page/{page.id}/vote'
        self.authenticate(None, None)
        self._get(page.url)
        self.assertEqual(self._get(vote_url).status_code, 405)  # GET never votes
        with mute_logger('odoo.http'):
            self.assertEqual(self.url_open(vote_url, data={'helpful': '1'}).status_code, 400)  # no CSRF token
        self.assertEqual(page.helped_count, 0)
        response = self.url_open(vote_url, data={'helpful': '1', 'csrf_token': self._csrf()}, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.url_open(vote_url, data={'helpful': '1', 'csrf_token': self._csrf()}, allow_redirects=False)
        page.invalidate_recordset()
        self.assertRecordValues(page, [{'helped_count': 1, 'not_helped_count': 0}])
        self.assertIn('Thank you for your feedback', self._get(page.url).text)
        # Another visitor (new session), then a logged-in user.
        self.authenticate(None, None)
        self.url_open(vote_url, data={'helpful': '0', 'csrf_token': self._csrf()}, allow_redirects=False)
        self.authenticate('hdl_help_portal', 'hdl_help_portal')
        self.url_open(vote_url, data={'helpful': '1', 'csrf_token': self._csrf()}, allow_redirects=False)
        page.invalidate_recordset()
        self.assertRecordValues(page, [{'helped_count': 2, 'not_helped_count': 1}])
        # Unpublished pages take no votes.
        response = self.url_open(f'/helpdesk/help/page/{self.page_unpublished.id}/vote',
                                 data={'helpful': '1', 'csrf_token': self._csrf()}, allow_redirects=False)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.page_unpublished.vote_ids)

    def test_suggestion_click_beacon(self):
        Deflection = self.env['helpdesk.lite.help.deflection']
        url = '/helpdesk/help/suggestion/click'
        self.authenticate(None, None)
        self.assertIn(self._get(url).status_code, (404, 405))  # only POST records anything
        data = {'page_id': self.page_published.id, 'visit': VISIT, 'form': '/helpdesk/submit'}
        with mute_logger('odoo.http'):
            self.assertEqual(self.url_open(url, data=data).status_code, 400)  # no CSRF token
        self.assertFalse(Deflection.search([('visit_uid', '=', VISIT)]))
        for _attempt in range(2):
            response = self.url_open(url, data=dict(data, csrf_token=self._csrf()))
            self.assertEqual(response.status_code, 204)
        click = Deflection.search([('visit_uid', '=', VISIT)])
        self.assertRecordValues(click, [{'page_id': self.page_published.id, 'form_path': '/helpdesk/submit',
                                         'submitted': False}])
        for page_id in (self.page_unpublished.id, self.page_in_hidden_group.id, 'abc'):
            response = self.url_open(url, data=dict(data, page_id=page_id, csrf_token=self._csrf()))
            self.assertEqual(response.status_code, 204)
        self.assertEqual(Deflection.search([('visit_uid', '=', VISIT)]), click)

    def test_tour_search_suggestions(self):
        self.env['helpdesk.lite.help.page'].create({
            'title': 'Zorblax <b>bold</b> tips', 'group_id': self.help_group.id, 'published': True})
        self.start_tour('/helpdesk/help', 'helpdesk_lite_help_search', login=None)

    def test_tour_ticket_form_deflection(self):
        """The script on a ticket form adds the visit id to the form and records followed suggestions."""
        Deflection = self.env['helpdesk.lite.help.deflection']
        self.start_tour('/helpdesk/help', 'helpdesk_lite_help_deflection', login=None)
        click = Deflection.search([('page_id', '=', self.page_published.id)])
        self.assertEqual(len(click), 1)
        self.assertEqual(click.form_path, '/helpdesk/help')
        self.assertRegex(click.visit_uid, r'^[0-9a-f]{32}$')
        self.assertFalse(click.submitted)
