import csv
import io

from lxml import html

from odoo.tests import tagged

from .common import HelpdeskLiteCommon
from .test_portal import PNG, HelpdeskLitePortalCase


@tagged('post_install', '-at_install')
class TestPublicFormChecks(HelpdeskLitePortalCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['ir.config_parameter'].set_param('helpdesk_lite.public_submit_limit_per_ip', 50)

    def _submit(self, files=None, **values):
        data = {'partner_name': 'Maria Web', 'partner_email': 'maria@example.com', 'name': 'Form check',
                'description': 'Something is wrong.'}
        data.update(values)
        return self._post('/helpdesk/submit', data, files=files)

    def test_email_checked_on_the_server(self):
        self._login(None)
        for email in ('maria@@example', 'maria@example', 'a b@example.com', 'maria@example..com', '<x>@y.com',
                      'Maria <maria@example.com>', 'one@example.com, two@example.com'):
            response = self._submit(partner_email=email)
            self.assertEqual(response.status_code, 400, email)
            self.assertIn('Please enter a valid email address', response.text, email)
        self.assertFalse(self.Ticket.search([('name', '=', 'Form check')]), 'nothing stored for a bad address')
        self.assertEqual(self._submit(partner_email=' Maria@Example.com ').status_code, 303)
        self.assertEqual(self.Ticket.search([('name', '=', 'Form check')]).partner_email, 'maria@example.com')

    def test_attachments_like_the_portal_form(self):
        self._login(None)
        response = self._submit(files=[('attachments', ('fake.png', b'MZ\x90\x00 not a png', 'image/png'))])
        self.assertEqual(response.status_code, 400)
        self.assertIn('its content is not a .png file', response.text, 'the error says why')
        self.assertFalse(self.Ticket.search([('name', '=', 'Form check')]))
        response = self._submit(files=[('attachments', ('screen.png', PNG, 'image/png'))])
        self.assertEqual(response.status_code, 303)
        ticket = self.Ticket.search([('name', '=', 'Form check')])
        attachment = ticket.message_ids.attachment_ids
        self.assertEqual(attachment.mapped('name'), ['screen.png'])
        self.assertEqual(attachment.res_id, ticket.id)
        message = self.env['mail.message'].search([('attachment_ids', 'in', attachment.ids)])
        self.assertIn('maria@example.com', message.email_from or '', 'posted as the requester')

    def test_page_titles_and_links(self):
        company = self.env.company.name
        self._login(None)
        for url, title in (('/helpdesk/submit', 'Submit a Ticket'), ('/helpdesk/help', 'Help Center')):
            page = html.fromstring(self.url_open(url).content)
            self.assertEqual(page.findtext('.//title'), f'{title} | {company}', url)
            links = page.xpath('//nav[contains(@class, "o_helpdesk_lite_public_nav")]//a/@href')
            self.assertEqual(links, ['/helpdesk/help', '/helpdesk/submit', '/my/helpdesk'], url)
        self._login(self.portal_user)
        page = html.fromstring(self.url_open('/my/helpdesk').content)
        self.assertEqual(page.findtext('.//title'), f'My Tickets | {company}')
        self.assertTrue(page.xpath('//a[@href="/helpdesk/help"]'), 'the list links to the help center')
        page = html.fromstring(self.url_open(self.ticket.access_url).content)
        self.assertEqual(page.findtext('.//title'), f'{self.ticket.number} {self.ticket.name} | {company}')

    def test_portal_download_is_the_customer_copy(self):
        self._login(self.portal_user)
        response = self.url_open(f'{self.ticket.access_url}?report_type=html')
        self.assertEqual(response.status_code, 200)
        self.assertIn('My printer is on fire', response.text)
        self.assertIn('Conversation', response.text)
        for internal in (self.team.name, 'SLA', 'Channel', 'Reopened'):
            self.assertNotIn(internal, response.text, internal)

    def test_home_card_shows_its_count(self):
        self._login(self.portal_user)
        home = html.fromstring(self.url_open('/my').content)
        counter = home.xpath('//*[@data-placeholder_count="helpdesk_lite_ticket_count"]')
        self.assertEqual(len(counter), 1)
        self.assertNotIn('d-none', counter[0].get('class'), 'the count is displayed, not hidden')
        counters = self._rpc('/my/counters', {'counters': ['helpdesk_lite_ticket_count']})
        self.assertEqual(counters['helpdesk_lite_ticket_count'], 1)


@tagged('post_install', '-at_install')
class TestHelpCenterPages(HelpdeskLitePortalCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        group = cls.env['helpdesk.lite.help.group'].create({'name': 'Frobnication', 'published': True})
        cls.page = cls.env['helpdesk.lite.help.page'].create({
            'title': 'Frobnicate the widget', 'group_id': group.id, 'published': True,
            'content': '<p>Frobnicate twice.</p>'})
        cls.draft = cls.env['helpdesk.lite.help.page'].create({
            'title': 'Frobnicate secretly', 'group_id': group.id, 'published': False, 'content': '<p>Draft</p>'})

    def test_one_result_in_the_singular(self):
        self._login(None)
        text = self.url_open('/helpdesk/help/search?q=frobnicate').text
        self.assertIn('1 result', text)
        self.assertNotIn('result(s)', text)

    def test_unpublished_page_answers_a_helpful_not_found(self):
        self._login(None)
        for url in (self.draft.url, '/helpdesk/help/no-such-group', '/helpdesk/help/frobnication/no-such-page'):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 404, url)
            page = html.fromstring(response.content)
            self.assertTrue(page.xpath('//div[contains(@class, "o_helpdesk_lite_help_not_found")]'), url)
            self.assertTrue(page.xpath('//form[@action="/helpdesk/help/search"]'), 'a search box')
            self.assertNotIn('Draft', response.text)


@tagged('post_install', '-at_install')
class TestCustomerPdf(HelpdeskLiteCommon):

    def _render(self, xmlid, ticket):
        content, _type = self.env['ir.actions.report']._render_qweb_html(xmlid, ticket.ids)
        return html.fromstring(content).text_content()

    def test_customer_copy_shows_only_what_is_theirs(self):
        tag = self.env['helpdesk.lite.tag'].create({'name': 'VIP-escalation-internal'})
        ticket = self._create_ticket(
            name='Broken invoice', partner_id=self.customer.id, user_id=self.agent.id, channel='phone',
            tag_ids=[(6, 0, tag.ids)], description='<p>The PDF is empty</p>')
        ticket.message_post(body='Public answer to the customer', message_type='comment',
                            subtype_xmlid='mail.mt_comment', author_id=self.agent.partner_id.id)
        ticket.message_post(body='Internal: customer is on the watch list', message_type='comment',
                            subtype_xmlid='mail.mt_note', author_id=self.agent.partner_id.id)
        customer_copy = self._render('helpdesk_lite.action_report_ticket_customer', ticket)
        agent_copy = self._render('helpdesk_lite.action_report_ticket', ticket)
        for text in ('Broken invoice', 'The PDF is empty', 'Public answer to the customer', self.agent.name):
            self.assertIn(text, customer_copy)
            self.assertIn(text, agent_copy)
        for internal in ('SLA', self.team.name, 'Channel', 'Phone', 'VIP-escalation-internal', 'Reopened',
                         'watch list', self.env.user.name):
            self.assertNotIn(internal, customer_copy, internal)
        for internal in ('SLA', self.team.name, 'Channel', 'VIP-escalation-internal', 'Reopened'):
            self.assertIn(internal, agent_copy, 'the agent copy keeps the internals')
        self.assertNotIn('watch list', agent_copy, 'internal notes are in neither')

    def test_customer_copy_is_not_in_the_print_menu(self):
        action = self.env.ref('helpdesk_lite.action_report_ticket_customer')
        self.assertFalse(action.binding_model_id, 'not in the backend Print menu')


@tagged('post_install', '-at_install')
class TestCustomerWording(HelpdeskLiteCommon):

    def test_no_technical_name_in_mails_and_chatter(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        self.assertEqual(self.env['ir.model']._get('helpdesk.lite.ticket').name, 'Support Ticket')
        self.assertNotIn('Helpdesk Lite', ticket.message_ids[-1:].body or '')
        template = self.env.ref('helpdesk_lite.mail_template_ticket_received')
        self.assertEqual(template._render_field('email_from', ticket.ids)[ticket.id], ticket.mail_sender)

    def test_sender_is_the_team_alias_or_the_company(self):
        self.env.company.email = 'support@company.example.com'
        ticket = self._create_ticket()
        self.assertEqual(ticket.mail_sender, self.env.company.email_formatted)
        self.team.alias_name = 'printers'
        ticket.invalidate_recordset(['mail_sender'])
        self.assertIn(self.team.name, ticket.mail_sender)
        self.assertIn(self.team.alias_email, ticket.mail_sender)

    def test_visitor_messages_are_not_signed_public_user(self):
        ticket = self._create_ticket()
        public = self.env.ref('base.public_user')
        message = ticket.with_user(public).sudo().message_post(body='Hello', message_type='comment',
                                                                 subtype_xmlid='mail.mt_note')
        self.assertEqual(message.author_id, self.env.company.partner_id)
        self.assertNotEqual(message.author_id, public.partner_id)


@tagged('post_install', '-at_install')
class TestCsvLabels(HelpdeskLiteCommon):

    def test_labels_by_default_technical_names_on_request(self):
        ticket = self._create_ticket(partner_id=self.customer.id, user_id=self.agent.id)
        Export = self.env['helpdesk.lite.ticket.export'].with_user(self.manager)
        labelled = list(csv.reader(io.StringIO(b''.join(Export._csv_chunks(ticket.ids)).decode('utf-8-sig'))))
        header, row = labelled[0], dict(zip(labelled[0], labelled[1]))
        self.assertEqual(header[:3], ['ID', 'Ticket Number', 'Title'])
        self.assertIn('Assignee', header)
        self.assertIn('Assignee (ID)', header)
        self.assertEqual(len(header), len(set(header)), 'column titles are unique')
        self.assertEqual(row['Assignee'], self.agent.name)
        rating_column = next(title for title in header if 'Rating' in title)
        self.assertEqual(row[rating_column], '', 'no rating is an empty cell, not 0')
        technical = next(csv.reader(io.StringIO(
            b''.join(Export._csv_chunks(ticket.ids, technical=True)).decode('utf-8-sig'))))
        self.assertEqual(technical[:3], ['id', 'number', 'name'])
        self.assertIn('user_id.id', technical)
