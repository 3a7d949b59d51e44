from markupsafe import Markup

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import HelpdeskLiteCommon
from .test_mail_gateway import HelpdeskLiteMailCommon


@tagged('post_install', '-at_install')
class TestCannedResponses(HelpdeskLiteCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(partner_id=cls.customer.id, name='VPN <drops>')
        cls.canned = cls.env['mail.canned.response'].create({
            'source': 'hello', 'substitution': 'x', 'group_ids': [Command.link(
                cls.env.ref('helpdesk_lite.group_helpdesk_lite_user').id)]})

    def test_fill_every_variable_escaped(self):
        self.customer.name = 'Paula <script>alert(1)</script>'
        ticket = self.ticket.with_user(self.agent)
        text = Markup('<p>{{customer_name}}|{{ ticket_number }}|{{agent_name}}|{{ticket_title}}|{{team_name}}|'
                      '{{portal_link}}|{{unknown_thing}}</p>')
        filled, unknown = ticket._helpdesk_lite_fill_canned(text)
        self.assertIsInstance(filled, Markup)
        parts = str(filled)[3:-4].split('|')
        self.assertEqual(parts[0], 'Paula &lt;script&gt;alert(1)&lt;/script&gt;')
        self.assertEqual(parts[1], self.ticket.number)
        self.assertEqual(parts[2], 'Agnes Agent')
        self.assertEqual(parts[3], 'VPN &lt;drops&gt;')
        self.assertEqual(parts[4], 'Test Support')
        self.assertTrue(parts[5].startswith(self.ticket.get_base_url() + '/my/helpdesk/%s' % self.ticket.id))
        self.assertIn('access_token=', parts[5])
        self.assertEqual(parts[6], '{{unknown_thing}}', 'unknown variables stay visible')
        self.assertEqual(unknown, ['unknown_thing'])

    def test_post_fills_only_with_the_flag(self):
        ticket = self.ticket.with_user(self.agent)
        plain = ticket.message_post(body=Markup('<p>Hi {{customer_name}}</p>'), message_type='comment')
        self.assertIn('{{customer_name}}', plain.body, 'no canned response used: the text is left alone')
        message = ticket.with_context(helpdesk_lite_canned_ids=self.canned.ids).message_post(
            body=Markup('<p>Hi {{customer_name}} {{nope}}</p>'), message_type='comment')
        self.assertEqual(message.body, Markup('<p>Hi Paula Portal {{nope}}</p>'))
        self.assertEqual(self.canned.helpdesk_lite_use_count, 1)
        self.assertTrue(self.canned.last_used)
        # a customer (share user) writing the same text through the same flag is never filled
        customer_message = self.ticket.with_user(self.portal_user).sudo().with_context(
            helpdesk_lite_canned_ids=self.canned.ids).message_post(
            body=Markup('<p>{{agent_name}}</p>'), message_type='comment')
        self.assertIn('{{agent_name}}', customer_message.body)
        self.assertEqual(self.canned.helpdesk_lite_use_count, 1)

    def test_default_library_and_access(self):
        shortcuts = set(self.env['mail.canned.response'].with_user(self.agent).search([]).mapped('source'))
        self.assertTrue({'thanks', 'closing', 'needinfo', 'password', 'billing'} <= shortcuts)
        own = self.env['mail.canned.response'].with_user(self.agent).create({'source': 'mine', 'substitution': 'Mine'})
        own.substitution = 'Still mine'
        shared = self.env.ref('helpdesk_lite.canned_response_thanks')
        with self.assertRaises(AccessError):
            shared.with_user(self.agent).substitution = 'Hijacked'
        shared.with_user(self.manager).description = 'Thanks (edited by a manager)'
        self.assertFalse(own.with_user(self.agent2).search([('id', '=', own.id)]), 'personal stays personal')

    def test_canned_button_opens_composer_filled(self):
        action = self.ticket.with_user(self.agent).action_helpdesk_lite_canned_responses()
        self.assertEqual(action['res_model'], 'mail.canned.response')
        thanks = self.env.ref('helpdesk_lite.canned_response_thanks').with_user(self.agent).with_context(action['context'])
        composer_action = thanks.action_helpdesk_lite_use()
        context = composer_action['context']
        self.assertIn('Hello Paula Portal', context['default_body'])
        self.assertIn(self.ticket.number, context['default_body'])
        composer = self.env['mail.compose.message'].with_user(self.agent).with_context(context).create({})
        composer._action_send_mail()
        self.assertIn('Hello Paula Portal', self.ticket.message_ids[0].body)
        self.assertEqual(thanks.helpdesk_lite_use_count, 1)


@tagged('post_install', '-at_install')
class TestCannedPostRoute(HttpCase):
    """Through Odoo's own /mail/message/post route, as the chatter sends it."""

    def test_post_route_fills_and_counts(self):
        agent = self.env['res.users'].create({
            'name': 'Route Agent', 'login': 'hdl_route_agent', 'password': 'hdl_route_agent',
            'groups_id': [Command.link(self.env.ref('helpdesk_lite.group_helpdesk_lite_user').id)]})
        customer = self.env['res.partner'].create({'name': 'Dana <b>Doe</b>', 'email': 'dana@example.com'})
        ticket = self.env['helpdesk.lite.ticket'].create({'name': 'Route', 'partner_id': customer.id})
        canned = self.env.ref('helpdesk_lite.canned_response_thanks')
        self.authenticate('hdl_route_agent', 'hdl_route_agent')

        def post(body, **kwargs):
            return self.make_jsonrpc_request('/mail/message/post', dict({
                'thread_model': 'helpdesk.lite.ticket', 'thread_id': ticket.id,
                'post_data': {'body': body, 'message_type': 'comment', 'subtype_xmlid': 'mail.mt_comment'},
            }, **kwargs))
        post('Hello {{customer_name}}, {{ticket_number}} by {{agent_name}} {{bogus}}', canned_response_ids=[canned.id])
        ticket.invalidate_recordset()
        canned.invalidate_recordset()
        message = ticket.message_ids[0]
        self.assertEqual(str(message.body), f'<p>Hello Dana &lt;b&gt;Doe&lt;/b&gt;, {ticket.number} by Route Agent {{{{bogus}}}}</p>')
        self.assertEqual(canned.helpdesk_lite_use_count, 1)
        post('Plain {{customer_name}}')
        ticket.invalidate_recordset()
        canned.invalidate_recordset()
        self.assertIn('{{customer_name}}', ticket.message_ids[0].body)
        self.assertEqual(canned.helpdesk_lite_use_count, 1)
        self.assertEqual(message.author_id, agent.partner_id)


@tagged('post_install', '-at_install')
class TestCannedGateway(HelpdeskLiteMailCommon):

    def test_customer_email_keeps_placeholders_and_counts_replies(self):
        with self.mock_mail_gateway():
            ticket = self._process(subject='Placeholders', body='Dear {{agent_name}}, help')
        self.assertIn('{{agent_name}}', ticket.message_ids.filtered(lambda m: m.message_type == 'email')[0].body)
        self.assertEqual(ticket.customer_reply_count, 0, 'the request itself is not a reply')
        with self.mock_mail_gateway():
            self._process(subject=f'Re: [{ticket.number}] Placeholders', body='Any news?')
        self.assertEqual(ticket.customer_reply_count, 1)
