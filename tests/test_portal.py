import base64
import io
import json
import re
import zipfile

from odoo import Command, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import HelpdeskLiteCommon

PNG = base64.b64decode(
    b'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==')


class HelpdeskLitePortalCase(HelpdeskLiteCommon, HttpCase):
    """Customers, tickets and categories seen from the portal; helpers for HTTP calls."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env['helpdesk.lite.category']
        cls.category_published = Category.create({'name': 'Portal Billing', 'portal_published': True})
        cls.category_hidden = Category.create({'name': 'Internal Escalations', 'portal_published': False})
        cls.category_other_company = Category.create({
            'name': 'Company 2 Only', 'portal_published': True, 'company_id': cls.company_2.id})
        cls.ticket = cls._create_ticket(
            name='My printer is on fire', partner_id=cls.customer.id, user_id=cls.agent.id,
            category_id=cls.category_published.id, description='<p>Smoke everywhere</p>')
        cls.other_ticket = cls._create_ticket(name='Otto secret problem', partner_id=cls.other_customer.id)
        cls.Ticket = cls.env['helpdesk.lite.ticket']

    # --- HTTP helpers ------------------------------------------------------------------------
    def _login(self, user=None):
        """Log in as ``user`` (login = password for test users); None: anonymous visitor."""
        self.authenticate(user.login if user else None, user.login if user else None)

    def _csrf(self):
        return http.Request.csrf_token(self)

    def _post(self, url, data=None, files=None, csrf=True):
        data = dict(data or {'form': '1'})   # an empty body would make url_open send a GET
        if csrf:
            data['csrf_token'] = self._csrf()
        return self.url_open(url, data=data, files=files, allow_redirects=False)

    def _rpc(self, route, params):
        return self.make_jsonrpc_request(route, params)

    def _call_kw(self, model, method, args, kwargs=None):
        return self._rpc('/web/dataset/call_kw', {
            'model': model, 'method': method, 'args': args, 'kwargs': kwargs or {}})

    def _not_found_page(self):
        """The answer for a ticket that does not exist: the reference for "no existence leak"."""
        missing_id = self.Ticket.search([], order='id desc', limit=1).id + 1000
        return self.url_open(f'/my/helpdesk/{missing_id}')

    @staticmethod
    def _page_text(response):
        # the CSRF token of the page layout changes at every request
        return re.sub(r'[0-9a-f]{40}o\d+', 'CSRF', response.text)

    def assertSameNotFound(self, response, reference):
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.status_code, reference.status_code)
        self.assertEqual(self._page_text(response), self._page_text(reference))


@tagged('post_install', '-at_install')
class TestPortalList(HelpdeskLitePortalCase):

    def test_home_entry_and_counter(self):
        self._create_ticket(name='Second one', partner_id=self.customer.id)
        self._login(self.portal_user)
        home = self.url_open('/my')
        self.assertEqual(home.status_code, 200)
        self.assertIn('href="/my/helpdesk"', home.text)
        self.assertIn('data-placeholder_count="helpdesk_lite_ticket_count"', home.text)
        counters = self._rpc('/my/counters', {'counters': ['helpdesk_lite_ticket_count']})
        self.assertEqual(counters['helpdesk_lite_ticket_count'], 2, 'own tickets only, not Otto\'s')

    def test_list_shows_only_own_tickets(self):
        self._login(self.portal_user)
        response = self.url_open('/my/helpdesk')
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.ticket.number, response.text)
        self.assertIn('My printer is on fire', response.text)
        self.assertNotIn(self.other_ticket.number, response.text)
        self.assertNotIn('Otto secret problem', response.text)
        self.assertIn('href="/my/helpdesk/new"', response.text)

    def test_list_requires_login(self):
        self._login(None)
        response = self.url_open('/my/helpdesk', allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn('/web/login', response.headers['Location'])

    def test_list_search_filters_sort_and_group(self):
        waiting = self._create_ticket(name='Need your logs', partner_id=self.customer.id,
                                      stage_id=self.stage_waiting.id, priority='3')
        closed = self._create_ticket(name='Old question', partner_id=self.customer.id, stage_id=self.stage_done.id)
        self._login(self.portal_user)

        def listed(**params):
            text = self.url_open('/my/helpdesk?' + '&'.join(f'{k}={v}' for k, v in params.items())).text
            return [n for n in re.findall(r'HD\d+', text) if n in (self.ticket | waiting | closed).mapped('number')]

        self.assertEqual(set(listed(search=waiting.number)), {waiting.number})
        self.assertEqual(set(listed(search='printer')), {self.ticket.number})
        self.assertEqual(set(listed(filterby='open')), {self.ticket.number, waiting.number})
        self.assertEqual(set(listed(filterby='waiting')), {waiting.number})
        self.assertEqual(set(listed(filterby='closed')), {closed.number})
        # newest first (by default), priority: urgent first
        self.assertEqual(listed(sortby='newest')[0], closed.number)
        self.assertEqual(listed(sortby='priority')[0], waiting.number)
        # status: by stage sequence (New, ..., Waiting, Done)
        by_status = list(dict.fromkeys(listed(sortby='status')))
        self.assertEqual(by_status, [self.ticket.number, waiting.number, closed.number])
        # group by category: one header per category, "No category" for the others
        grouped = self.url_open('/my/helpdesk?groupby=category').text
        self.assertEqual(grouped.count('o_helpdesk_lite_group'), 2)
        self.assertIn('Portal Billing', grouped)
        self.assertIn('No category', grouped)
        grouped = self.url_open('/my/helpdesk?groupby=status').text
        self.assertEqual(grouped.count('o_helpdesk_lite_group'), 3)
        # unknown values fall back to the defaults instead of failing
        self.assertEqual(self.url_open('/my/helpdesk?sortby=x&filterby=y&groupby=z').status_code, 200)

    def test_list_pager(self):
        self.Ticket.create([{'name': f'Bulk {i}', 'partner_id': self.customer.id} for i in range(85)])
        self._login(self.portal_user)
        first = self.url_open('/my/helpdesk').text
        second = self.url_open('/my/helpdesk/page/2').text
        self.assertEqual(first.count('o_helpdesk_lite_portal_row'), 80)
        self.assertEqual(second.count('o_helpdesk_lite_portal_row'), 86 - 80)
        self.assertIn('/my/helpdesk/page/2', first)

    def test_list_query_count_does_not_grow(self):
        """Same number of queries for one ticket and for 58 (the page shows at most 80), plain and grouped."""
        self._login(self.portal_user)
        urls = ['/my/helpdesk', '/my/helpdesk?groupby=category&sortby=status&filterby=open']
        for url in urls:
            self.url_open(url)   # warm-up: caches, assets, templates

        def count_queries(url):
            # best of two: the session layer sometimes adds a query or two (device log, ...)
            counts = []
            for _i in range(2):
                self.env.flush_all()
                before = self.cr.sql_log_count
                self.assertEqual(self.url_open(url).status_code, 200)
                counts.append(self.cr.sql_log_count - before)
            return min(counts)

        few = [count_queries(url) for url in urls]
        categories = self.env['helpdesk.lite.category'].create([{'name': f'Cat {i}'} for i in range(5)])
        self.Ticket.create([{
            'name': f'Load {i}', 'partner_id': self.customer.id, 'category_id': categories[i % 5].id,
            'user_id': (self.agent, self.agent2)[i % 2].id, 'priority': str(i % 4),
        } for i in range(57)])
        many = [count_queries(url) for url in urls]
        self.assertEqual(many, few, 'the list must not run queries per ticket')


@tagged('post_install', '-at_install')
class TestPortalTicketPage(HelpdeskLitePortalCase):

    def test_owner_sees_the_ticket(self):
        self._login(self.portal_user)
        response = self.url_open(f'/my/helpdesk/{self.ticket.id}')
        self.assertEqual(response.status_code, 200)
        for text in (self.ticket.number, 'My printer is on fire', 'Smoke everywhere', 'Agnes Agent',
                     'Portal Billing', self.stage_new.name, 'o_portal_chatter'):
            self.assertIn(text, response.text)
        self.assertNotIn(self.agent.email, response.text, "the agent's email is not shown")
        # buttons that fit an open ticket: close, but neither reopen nor rate
        self.assertIn('o_helpdesk_lite_close_form', response.text)
        self.assertNotIn('o_helpdesk_lite_reopen_form', response.text)
        self.assertNotIn('o_helpdesk_lite_rate_form', response.text)

    def test_other_customer_gets_the_missing_ticket_answer(self):
        self._login(self.portal_user)
        reference = self._not_found_page()
        self.assertSameNotFound(self.url_open(f'/my/helpdesk/{self.other_ticket.id}'), reference)

    def test_anonymous_without_or_with_wrong_token(self):
        self._login(None)
        reference = self._not_found_page()
        self.assertSameNotFound(self.url_open(f'/my/helpdesk/{self.ticket.id}'), reference)
        self.assertSameNotFound(
            self.url_open(f'/my/helpdesk/{self.ticket.id}?access_token=00000000-0000-4000-8000-000000000000'),
            reference)
        self.assertSameNotFound(
            self.url_open(f'/my/helpdesk/{self.ticket.id}?access_token={self.other_ticket.access_token}'), reference)
        missing_id = self.Ticket.search([], order='id desc', limit=1).id + 1000
        self.assertSameNotFound(
            self.url_open(f'/my/helpdesk/{missing_id}?access_token={self.ticket.access_token}'), reference)

    def test_ticket_report_download(self):
        # test mode renders the report as HTML (no wkhtmltopdf); the content is what matters here
        internal = self.ticket.with_user(self.agent).message_post(body='Internal: customer is difficult',
                                                                  subtype_xmlid='mail.mt_note')
        self.assertTrue(internal)
        self._login(None)
        response = self.url_open(self.ticket.get_portal_url(report_type='html'))
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.ticket.number, response.text)
        self.assertIn('My printer is on fire', response.text)
        self.assertNotIn('customer is difficult', response.text)
        reference = self._not_found_page()
        self.assertSameNotFound(self.url_open(
            f'/my/helpdesk/{self.ticket.id}?report_type=pdf&access_token={self.other_ticket.access_token}'), reference)
        self._login(self.portal_user)
        page = self.url_open(f'/my/helpdesk/{self.ticket.id}')
        self.assertIn('o_helpdesk_lite_download_pdf', page.text)
        self.assertSameNotFound(self.url_open(f'/my/helpdesk/{self.other_ticket.id}?report_type=pdf'),
                                self._not_found_page())

    def test_token_holder_reads_the_ticket(self):
        self._login(None)
        response = self.url_open(self.ticket.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn('My printer is on fire', response.text)
        self.assertIn(f'name="access_token" value="{self.ticket.access_token}"', response.text)
        # a logged-in other customer holding the token (forwarded mail) may read it too
        self._login(self.portal_user)
        self.assertEqual(self.url_open(self.other_ticket.get_portal_url()).status_code, 200)

    def test_mail_view_link_lands_on_portal_page(self):
        self._login(None)
        response = self.url_open(
            f'/mail/view?model=helpdesk.lite.ticket&res_id={self.ticket.id}&access_token={self.ticket.access_token}')
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.split('?')[0].endswith(f'/my/helpdesk/{self.ticket.id}'))
        self.assertIn('My printer is on fire', response.text)

    def test_internal_notes_and_their_attachments_stay_hidden(self):
        note = self.ticket.with_user(self.agent).message_post(
            body='INTERNAL: customer is difficult', subtype_xmlid='mail.mt_note', message_type='comment',
            attachments=[('internal.txt', b'secret notes')])
        reply = self.ticket.with_user(self.agent).message_post(
            body='PUBLIC: we are on it', subtype_xmlid='mail.mt_comment', message_type='comment')
        attachment = note.attachment_ids
        self.assertTrue(attachment)
        for user, token in ((self.portal_user, None), (self.portal_user, self.ticket.access_token),
                            (None, self.ticket.access_token)):
            self._login(user)
            params = {'thread_model': 'helpdesk.lite.ticket', 'thread_id': self.ticket.id, 'limit': 30}
            if token:
                params['token'] = token
            result = self._rpc('/mail/chatter_fetch', params)
            bodies = json.dumps(result['data'])
            self.assertIn('PUBLIC: we are on it', bodies)
            self.assertNotIn('INTERNAL', bodies)
            self.assertNotIn('internal.txt', bodies)
            self.assertIn(reply.id, [m['id'] for m in result['data']['mail.message']])
            for url in (f'/web/content/{attachment.id}', f'/web/content/{attachment.id}?access_token={token}'):
                response = self.url_open(url)
                self.assertNotEqual(response.status_code, 200)
                self.assertNotIn('secret notes', response.text)

    def test_token_holder_replies_as_the_customer(self):
        self._login(None)
        self._rpc('/mail/message/post', {
            'thread_model': 'helpdesk.lite.ticket', 'thread_id': self.ticket.id, 'token': self.ticket.access_token,
            'post_data': {'body': 'Reply from the mail link', 'message_type': 'comment',
                          'subtype_xmlid': 'mail.mt_comment'}})
        message = self.ticket.message_ids.filtered(lambda m: 'Reply from the mail link' in m.body)
        self.assertEqual(message.author_id, self.customer)
        self.assertEqual(self.ticket.last_reply_by, 'customer')
        # a wrong token cannot post
        with self.assertRaises(JsonRpcException), mute_logger('odoo.http'):
            self._rpc('/mail/message/post', {
                'thread_model': 'helpdesk.lite.ticket', 'thread_id': self.ticket.id, 'token': 'nope',
                'post_data': {'body': 'intruder', 'message_type': 'comment', 'subtype_xmlid': 'mail.mt_comment'}})
        self.assertFalse(self.ticket.message_ids.filtered(lambda m: 'intruder' in (m.body or '')))

    def test_token_reply_without_contact_is_signed_with_requester_email(self):
        ticket = self._create_ticket(name='From the web form', partner_name='Walter Web',
                                     partner_email='walter@example.com', channel='web')
        self._login(None)
        self._rpc('/mail/message/post', {
            'thread_model': 'helpdesk.lite.ticket', 'thread_id': ticket.id, 'token': ticket.access_token,
            'post_data': {'body': 'Walter answers', 'message_type': 'comment', 'subtype_xmlid': 'mail.mt_comment'}})
        message = ticket.message_ids.filtered(lambda m: 'Walter answers' in m.body)
        self.assertFalse(message.author_id)
        self.assertEqual(message.email_from, '"Walter Web" <walter@example.com>')
        self.assertEqual(ticket.last_reply_by, 'customer')


@tagged('post_install', '-at_install')
class TestPortalActions(HelpdeskLitePortalCase):

    def test_close_then_reopen(self):
        self._login(self.portal_user)
        response = self._post(f'/my/helpdesk/{self.ticket.id}/close')
        self.assertEqual(response.status_code, 303)
        self.assertIn('success=closed', response.headers['Location'])
        self.assertEqual(self.ticket.lifecycle, 'closed')
        message = self.ticket.message_ids.filtered(lambda m: 'Closed by the customer' in m.body)
        self.assertEqual(message.author_id, self.customer)
        self.assertEqual(message.subtype_id, self.env.ref('mail.mt_comment'))
        page = self.url_open(f'/my/helpdesk/{self.ticket.id}?success=closed').text
        self.assertIn('o_helpdesk_lite_reopen_form', page)
        self.assertIn('o_helpdesk_lite_rate_form', page)
        self.assertNotIn('o_helpdesk_lite_close_form', page)
        # closing twice is refused with a message, no crash
        again = self._post(f'/my/helpdesk/{self.ticket.id}/close')
        self.assertEqual(again.status_code, 400)
        self.assertIn('already closed', again.text)

        self._post(f'/my/helpdesk/{self.ticket.id}/reopen', {'reason': 'Still smoking'})
        self.assertFalse(self.ticket.is_closed)
        self.assertEqual(self.ticket.reopen_count, 1)
        message = self.ticket.message_ids.filtered(lambda m: 'Reopened by the customer' in m.body)
        self.assertIn('Still smoking', message.body)
        self.assertEqual(message.author_id, self.customer)

    def test_state_changes_need_post_and_csrf(self):
        self._login(self.portal_user)
        with mute_logger('odoo.http'):
            no_csrf = self._post(f'/my/helpdesk/{self.ticket.id}/close', csrf=False)
            bad_csrf = self.url_open(f'/my/helpdesk/{self.ticket.id}/close', data={'csrf_token': 'forged'},
                                     allow_redirects=False)
        self.assertEqual(no_csrf.status_code, 400)
        self.assertEqual(bad_csrf.status_code, 400)
        get = self.url_open(f'/my/helpdesk/{self.ticket.id}/close', allow_redirects=False)
        self.assertEqual(get.status_code, 405)
        self.assertEqual(self.ticket.lifecycle, 'new')

    def test_other_customer_and_anonymous_cannot_act(self):
        self.other_ticket.stage_id = self.stage_done
        self._login(self.portal_user)
        reference = self._not_found_page()
        for action, data in (('close', {}), ('reopen', {}), ('rate', {'rate': '1'})):
            self.assertSameNotFound(self._post(f'/my/helpdesk/{self.ticket.id + 10 ** 6}/{action}', data), reference)
            self.assertSameNotFound(self._post(f'/my/helpdesk/{self.other_ticket.id}/{action}', data), reference)
        self._login(None)
        response = self._post(f'/my/helpdesk/{self.ticket.id}/close', {'access_token': 'guessed'})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.other_ticket.lifecycle, 'closed')
        self.assertFalse(self.other_ticket.rating_ids.filtered('consumed'))
        self.assertEqual(self.ticket.lifecycle, 'new')

    def test_token_holder_closes_and_rates(self):
        self._login(None)
        token = self.ticket.access_token
        response = self._post(f'/my/helpdesk/{self.ticket.id}/close', {'access_token': token})
        self.assertEqual(response.status_code, 303)
        self.assertIn(f'access_token={token}', response.headers['Location'])
        self.assertEqual(self.ticket.lifecycle, 'closed')
        self._post(f'/my/helpdesk/{self.ticket.id}/rate', {'access_token': token, 'rate': '5', 'feedback': 'Fast!'})
        self.assertEqual(self.ticket.rating_last_value, 5)
        rating = self.ticket.rating_ids.filtered('consumed')
        self.assertEqual(rating.partner_id, self.customer)
        self.assertEqual(rating.feedback, 'Fast!')

    def test_requester_without_contact_closes_and_rates_with_token(self):
        ticket = self._create_ticket(name='Web form request', partner_name='Walter Web',
                                     partner_email='walter@example.com', channel='web', user_id=self.agent.id)
        self._login(None)
        token = ticket.access_token
        self._post(f'/my/helpdesk/{ticket.id}/close', {'access_token': token})
        self.assertEqual(ticket.lifecycle, 'closed')
        self._post(f'/my/helpdesk/{ticket.id}/rate', {'access_token': token, 'rate': '5'})
        rating = ticket.rating_ids.filtered('consumed')
        self.assertEqual((rating.rating, rating.partner_id.id), (5, False))
        for message in rating.message_id | ticket.message_ids.filtered(lambda m: 'Closed by the customer' in m.body):
            self.assertFalse(message.author_id)
            self.assertEqual(message.email_from, '"Walter Web" <walter@example.com>')
        self.assertEqual(ticket.last_reply_by, 'customer', 'never counted as an agent reply')
        self.assertFalse(ticket.first_response_date)

    def test_rating_flow_from_portal(self):
        self._login(self.portal_user)
        # not before the ticket is resolved or closed
        refused = self._post(f'/my/helpdesk/{self.ticket.id}/rate', {'rate': '4'})
        self.assertEqual(refused.status_code, 400)
        self.assertFalse(self.ticket.rating_ids.filtered('consumed'))

        self.ticket.with_user(self.agent).action_resolve()
        for bad in ('0', '6', 'abc', ''):
            self.assertEqual(self._post(f'/my/helpdesk/{self.ticket.id}/rate', {'rate': bad}).status_code, 400)
        response = self._post(f'/my/helpdesk/{self.ticket.id}/rate', {'rate': '2', 'feedback': 'Slow answer'})
        self.assertEqual(response.status_code, 303)
        rating = self.ticket.rating_ids.filtered('consumed')
        self.assertRecordValues(rating, [{
            'rating': 2, 'feedback': 'Slow answer', 'partner_id': self.customer.id,
            'rated_partner_id': self.agent.partner_id.id}])
        self.assertEqual(self.ticket.rating_last_value, 2)
        self.assertEqual(rating.message_id.author_id, self.customer)
        page = self.url_open(f'/my/helpdesk/{self.ticket.id}').text
        self.assertIn('o_helpdesk_lite_current_rating', page)
        self.assertIn('Slow answer', page)
        # rating again updates the same rating
        self._post(f'/my/helpdesk/{self.ticket.id}/rate', {'rate': '4', 'feedback': 'Solved in the end'})
        self.assertEqual(self.ticket.rating_ids.filtered('consumed'), rating)
        self.assertEqual((rating.rating, rating.feedback), (4, 'Solved in the end'))
        self.assertEqual(self.ticket.rating_last_value, 4)
        # the rating shows in the backend list (stored field) and the smart button opens it
        self.assertEqual(self.Ticket.search([('rating_last_value', '>=', 4), ('id', '=', self.ticket.id)]),
                         self.ticket)
        action = self.ticket.with_user(self.agent).action_open_ratings()
        self.assertEqual(self.env['rating.rating'].search(action['domain']), rating)

    def test_rating_link_in_closing_mail(self):
        with self.mock_mail_gateway():
            self.ticket.with_user(self.agent).action_close()
            self.flush_tracking()
        mail = self._new_mails.filtered(lambda m: '/helpdesk/rate/' in (m.body_html or ''))
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer, 'the rating request goes to the customer only')
        token = re.search(r'/helpdesk/rate/([\w-]+)/5', mail.body_html).group(1)
        rating = self.env['rating.rating'].search([('access_token', '=', token)])
        self.assertEqual((rating.res_model, rating.res_id, rating.consumed), ('helpdesk.lite.ticket', self.ticket.id, False))
        self.assertIn(self.ticket.get_portal_url(), mail.body_html.replace('&amp;', '&'))

        self._login(None)
        form = self.url_open(f'/helpdesk/rate/{token}/5')
        self.assertEqual(form.status_code, 200)
        self.assertIn('id="helpdesk_lite_rate_5" value="5" checked="checked"', form.text)
        self.assertFalse(rating.consumed, 'opening the link (GET) changes nothing')
        self.assertEqual(self.ticket.rating_last_value, 0)
        with mute_logger('odoo.http'):
            self.assertEqual(self._post(f'/helpdesk/rate/{token}/submit', {'rate': '5'}, csrf=False).status_code, 400)
        done = self._post(f'/helpdesk/rate/{token}/submit', {'rate': '3', 'feedback': 'OK-ish'})
        self.assertEqual(done.status_code, 200)
        self.assertIn('3/5', done.text)
        self.assertRecordValues(rating, [{'consumed': True, 'rating': 3, 'feedback': 'OK-ish'}])
        self.assertEqual(self.ticket.rating_last_value, 3)

    def test_rating_link_wrong_token_or_other_model(self):
        self._login(None)
        self.assertEqual(self.url_open('/helpdesk/rate/not-a-token/5').status_code, 404)
        self.assertEqual(self._post('/helpdesk/rate/not-a-token/submit', {'rate': '5'}).status_code, 404)
        foreign = self.env['rating.rating'].create({
            'res_model_id': self.env['ir.model']._get_id('res.partner'), 'res_id': self.customer.id,
            'partner_id': self.customer.id})
        self.assertEqual(self.url_open(f'/helpdesk/rate/{foreign.access_token}/5').status_code, 404)
        self.assertEqual(self._post(f'/helpdesk/rate/{foreign.access_token}/submit', {'rate': '5'}).status_code, 404)
        self.assertFalse(foreign.consumed)

    def test_rating_link_on_reopened_ticket(self):
        self.ticket.stage_id = self.stage_done
        token = self.ticket._rating_get_access_token()
        self.ticket.stage_id = self.stage_progress
        self._login(None)
        self.assertIn('open again', self.url_open(f'/helpdesk/rate/{token}/4').text)
        response = self._post(f'/helpdesk/rate/{token}/submit', {'rate': '4'})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.ticket.rating_ids.filtered('consumed'))


@tagged('post_install', '-at_install')
class TestPortalCreate(HelpdeskLitePortalCase):

    def _submit(self, data, files=None, csrf=True):
        return self._post('/my/helpdesk/new', data, files=files, csrf=csrf)

    def test_form_offers_published_categories_of_the_company(self):
        self._login(self.portal_user)
        response = self.url_open('/my/helpdesk/new')
        self.assertEqual(response.status_code, 200)
        self.assertIn('Portal Billing', response.text)
        self.assertNotIn('Internal Escalations', response.text)
        self.assertNotIn('Company 2 Only', response.text)
        self.assertIn('data-helpdesk-lite-suggest="1"', response.text)
        self.assertIn('name="csrf_token"', response.text)
        self._login(None)
        self.assertIn('/web/login', self.url_open('/my/helpdesk/new', allow_redirects=False).headers['Location'])

    def test_create_with_attachments(self):
        self._login(self.portal_user)
        response = self._submit(
            {'name': 'VPN drops', 'description': 'Every hour\n<b>exactly</b>', 'category_id': self.category_published.id},
            files=[('attachments', ('screen.png', PNG, 'image/png')),
                   ('attachments', ('vpn.log', b'12:00 disconnected\n', 'text/plain'))])
        self.assertEqual(response.status_code, 303)
        ticket = self.Ticket.search([('name', '=', 'VPN drops')])
        self.assertEqual(len(ticket), 1)
        self.assertIn(f'/my/helpdesk/{ticket.id}', response.headers['Location'])
        self.assertRecordValues(ticket, [{
            'partner_id': self.customer.id, 'channel': 'portal', 'category_id': self.category_published.id,
            'team_id': False, 'partner_email': self.customer.email}])
        self.assertIn('&lt;b&gt;exactly&lt;/b&gt;', ticket.description, 'plain text, HTML escaped')
        self.assertIn(self.customer, ticket.message_partner_ids, 'the customer follows the ticket')
        message = ticket.message_ids.filtered('attachment_ids')
        self.assertEqual(message.author_id, self.customer)
        self.assertFalse(message.is_internal)
        self.assertEqual(message.subtype_id, self.env.ref('mail.mt_comment'))
        self.assertEqual(sorted(message.attachment_ids.mapped('name')), ['screen.png', 'vpn.log'])
        self.assertEqual(message.attachment_ids.mapped('res_id'), [ticket.id, ticket.id])
        # the customer sees the new ticket and the files in the portal chatter
        page = self.url_open(response.headers['Location'])
        self.assertIn('registered', page.text)
        fetched = self._rpc('/mail/chatter_fetch', {'thread_model': 'helpdesk.lite.ticket', 'thread_id': ticket.id})
        self.assertIn('vpn.log', json.dumps(fetched['data']))

    def test_validation_errors_keep_the_input(self):
        self._login(self.portal_user)
        count = self.Ticket.search_count([])
        response = self._submit({'name': '', 'description': 'Kept description text'})
        self.assertEqual(response.status_code, 400)
        self.assertIn('Please give your request a title.', response.text)
        self.assertIn('Kept description text', response.text)
        response = self._submit({'name': 'x' * 251, 'description': 'd'})
        self.assertIn('The title is too long', response.text)
        response = self._submit({'name': 'Kept title', 'description': 'y' * 20_001})
        self.assertIn('The description is too long', response.text)
        self.assertIn('value="Kept title"', response.text)
        for category in (self.category_hidden, self.category_other_company):
            response = self._submit({'name': 'Kept title', 'description': 'd', 'category_id': category.id})
            self.assertEqual(response.status_code, 400)
            self.assertIn('Please choose a category from the list.', response.text)
        for bad in ('999999999', '99999999999999999999', 'abc'):
            response = self._submit({'name': 'Kept title', 'description': 'd', 'category_id': bad})
            self.assertIn('Please choose a category from the list.', response.text)
        self.assertEqual(self.Ticket.search_count([]), count)

    def test_attachment_limits(self):
        self._login(self.portal_user)
        self.env['ir.config_parameter'].set_param('helpdesk_lite.portal_attachment_max_size_mb', 1)
        self.env['ir.config_parameter'].set_param('helpdesk_lite.portal_attachment_max_count', 2)
        zip_buffer = io.BytesIO()
        with zipfile.ZipFile(zip_buffer, 'w') as archive:
            archive.writestr('a.txt', 'x')
        cases = [
            ([('evil.exe', b'MZ\x90\x00\x03', 'application/octet-stream')], 'not an accepted file type'),
            ([('image.svg', b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
               'image/svg+xml')], 'not an accepted file type'),
            ([('page.html', b'<html><script>alert(1)</script></html>', 'text/html')], 'not an accepted file type'),
            # the name says PNG, the content is not
            ([('fake.png', b'MZ\x90\x00 not a png', 'image/png')], 'not an accepted file type'),
            ([('big.txt', b'a' * (1024 * 1024 + 1), 'text/plain')], 'is too large'),
            ([(f'f{i}.txt', b'hello', 'text/plain') for i in range(3)], '2 files at most'),
        ]
        for files, error in cases:
            response = self._submit({'name': 'With files', 'description': 'd'},
                                    files=[('attachments', f) for f in files])
            self.assertEqual(response.status_code, 400, error)
            self.assertIn(error, response.text)
            self.assertIn('value="With files"', response.text)
        self.assertFalse(self.Ticket.search([('name', '=', 'With files')]))
        response = self._submit({'name': 'Zip ok', 'description': 'd'},
                                files=[('attachments', ('logs.zip', zip_buffer.getvalue(), 'application/zip'))])
        self.assertEqual(response.status_code, 303)

    def test_posted_team_assignee_customer_stage_are_ignored(self):
        other_team = self.env['helpdesk.lite.team'].create({'name': 'VIP team'})
        self._login(self.portal_user)
        self._submit({
            'name': 'Sneaky', 'description': 'd', 'team_id': other_team.id, 'user_id': self.agent.id,
            'partner_id': self.other_customer.id, 'stage_id': self.stage_done.id, 'priority': '3',
            'channel': 'backend', 'company_id': self.company_2.id})
        ticket = self.Ticket.search([('name', '=', 'Sneaky')])
        self.assertRecordValues(ticket, [{
            'team_id': False, 'user_id': False, 'partner_id': self.customer.id, 'stage_id': self.stage_new.id,
            'priority': '1', 'channel': 'portal', 'company_id': self.company.id}])

    def test_create_needs_csrf(self):
        self._login(self.portal_user)
        with mute_logger('odoo.http'):
            response = self._submit({'name': 'No token', 'description': 'd'}, csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.Ticket.search([('name', '=', 'No token')]))


@tagged('post_install', '-at_install')
class TestPortalAttacker(HelpdeskLitePortalCase):
    """A portal user calling the backend JSON-RPC directly."""

    def test_backend_rpc_is_refused(self):
        self._login(self.portal_user)
        found = self._call_kw('helpdesk.lite.ticket', 'search_read', [[]], {'fields': ['name', 'number']})
        self.assertEqual([r['id'] for r in found], [self.ticket.id])
        self.assertEqual(self._call_kw('helpdesk.lite.ticket', 'search_count', [[('id', '=', self.other_ticket.id)]]), 0)
        attacks = [
            ('write', [[self.ticket.id], {'priority': '3'}]),
            ('write', [[self.other_ticket.id], {'name': 'pwned'}]),
            ('read', [[self.other_ticket.id], ['name']]),
            ('action_close', [[self.ticket.id]]),
            ('action_reopen', [[self.ticket.id]]),
            ('action_assign_to_me', [[self.ticket.id]]),
            ('create', [{'name': 'via rpc', 'partner_id': self.customer.id}]),
            ('unlink', [[self.ticket.id]]),
            ('rating_apply', [[self.ticket.id], 5]),
            ('get_portal_url', [[self.other_ticket.id]]),
            ('_portal_action_close', [[self.ticket.id]]),
            ('_portal_create_ticket', [{'name': 'private method'}]),
        ]
        for method, args in attacks:
            with self.subTest(method=method), self.assertRaises(JsonRpcException), mute_logger('odoo.http'):
                self._call_kw('helpdesk.lite.ticket', method, args)
        self.assertEqual(self.ticket.priority, '1')
        self.assertEqual(self.ticket.lifecycle, 'new')
        self.assertEqual(self.other_ticket.name, 'Otto secret problem')
        self.assertFalse(self.Ticket.search([('name', 'in', ('via rpc', 'private method'))]))

    def test_orm_rules_for_portal_user(self):
        Ticket = self.Ticket.with_user(self.portal_user)
        self.assertEqual(Ticket.search([]), self.ticket)
        with self.assertRaises(AccessError):
            self.other_ticket.with_user(self.portal_user).read(['name'])
        with self.assertRaises(AccessError):
            self.ticket.with_user(self.portal_user).write({'name': 'changed'})
        with self.assertRaises(AccessError):
            self.ticket.with_user(self.portal_user).action_close()
        # categories: published ones only
        categories = self.env['helpdesk.lite.category'].with_user(self.portal_user).search([])
        self.assertIn(self.category_published, categories)
        self.assertNotIn(self.category_hidden, categories)

    def test_company_sharing_flag(self):
        company = self.env['res.partner'].create({'name': 'ACME', 'is_company': True})
        alice = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Alice ACME', 'login': 'alice_acme', 'password': 'alice_acme', 'email': 'alice@acme.example.com',
            'groups_id': [Command.set([self.env.ref('base.group_portal').id])]})
        bob = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Bob ACME', 'login': 'bob_acme', 'password': 'bob_acme', 'email': 'bob@acme.example.com',
            'groups_id': [Command.set([self.env.ref('base.group_portal').id])]})
        (alice | bob).partner_id.parent_id = company
        alice_ticket = self._create_ticket(name='Alice problem', partner_id=alice.partner_id.id)

        self.assertFalse(self.Ticket.with_user(bob).search([('id', '=', alice_ticket.id)]))
        self.authenticate('bob_acme', 'bob_acme')
        self.assertEqual(self.url_open(f'/my/helpdesk/{alice_ticket.id}').status_code, 404)
        self.assertNotIn('Alice problem', self.url_open('/my/helpdesk').text)

        company.helpdesk_lite_share_with_company = True
        self.env.invalidate_all()
        self.assertEqual(self.Ticket.with_user(bob).search([('id', '=', alice_ticket.id)]), alice_ticket)
        self.assertEqual(self.url_open(f'/my/helpdesk/{alice_ticket.id}').status_code, 200)
        self.assertIn('Alice problem', self.url_open('/my/helpdesk').text)
        # still nobody else's
        self.assertNotIn('Otto secret problem', self.url_open('/my/helpdesk').text)
        self.assertFalse(self.Ticket.with_user(bob).search([('id', '=', self.ticket.id)]))

    def test_list_domain_and_record_rule_pick_the_same_tickets(self):
        """The portal list's domain and the portal record rule are two writings of one scope: pinned
        together for a lone customer, colleagues of a company with and without sharing, and the company."""
        company = self.env['res.partner'].create({'name': 'Scope Corp', 'is_company': True})
        users = self.env['res.users']
        for login in ('scope_ann', 'scope_ben'):
            users |= self.env['res.users'].with_context(no_reset_password=True).create({
                'name': login, 'login': login, 'email': f'{login}@scope.example.com',
                'groups_id': [Command.set([self.env.ref('base.group_portal').id])]})
        users.partner_id.parent_id = company
        company_user = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Scope Corp desk', 'login': 'scope_corp', 'partner_id': company.id,
            'groups_id': [Command.set([self.env.ref('base.group_portal').id])]})
        for partner in users.partner_id | company:
            self._create_ticket(name=f'scope {partner.name}', partner_id=partner.id)
        Ticket = self.Ticket.sudo()
        for shared in (False, True):
            company.helpdesk_lite_share_with_company = shared
            self.env.invalidate_all()
            for user in users | company_user | self.portal_user:
                by_rule = self.Ticket.with_user(user).search([])
                by_domain = Ticket.search(self.Ticket.with_user(user)._portal_my_tickets_domain())
                self.assertEqual(by_rule, by_domain, f'{user.login}, company sharing {shared}')
                self.assertTrue(by_rule, f'{user.login} sees at least their own ticket')
