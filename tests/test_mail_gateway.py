import ast
import base64
import itertools
import os
import time
from datetime import timedelta
from unittest.mock import patch

from odoo.addons.mail.models.mail_template import MailTemplate
from odoo.tests import Form, tagged
from odoo.tools import email_normalize, mute_logger

from .common import HelpdeskLiteCommon

MESSAGE_COUNTER = itertools.count()
EMAIL_DIR = os.path.join(os.path.dirname(__file__), 'data', 'emails')

MAIL_TEMPLATE = """Return-Path: {return_path}
From: {email_from}
To: {to}
Cc: {cc}
Subject: {subject}
Date: Mon, 03 Mar 2025 09:12:40 +0100
Message-ID: {msg_id}
{extra}MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=-boundary"

--=-boundary
Content-Type: text/plain; charset=utf-8

{body}

--=-boundary
Content-Type: text/html; charset=utf-8

<p>{body}</p>

--=-boundary--
"""

GATEWAY_LOGGERS = (
    'odoo.addons.mail.models.mail_thread',
    'odoo.addons.helpdesk_lite.models.helpdesk_lite_ticket',
    'odoo.addons.helpdesk_lite.models.helpdesk_lite_ticket_mail',
    'odoo.addons.helpdesk_lite.models.mail_thread',
)


class HelpdeskLiteMailCommon(HelpdeskLiteCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.write({'alias_name': 'hd-test'})
        cls.alias_email = f'hd-test@{cls.alias_domain}'

    def _msg_id(self):
        return f'<{time.time():.6f}.{next(MESSAGE_COUNTER)}.hdl-test@customer.example>'

    @mute_logger(*GATEWAY_LOGGERS)
    def _process(self, subject='Printer on fire', email_from=None, to=None, cc='', msg_id=None, extra='',
                 body='The printer is on fire.'):
        """Run a raw email through the real gateway, then the acknowledgement cron its commit wakes;
        return the ticket it created or updated."""
        raw = self.format(
            MAIL_TEMPLATE, to=to or self.alias_email, subject=subject, cc=cc, extra=extra,
            email_from=email_from or self.customer.email_formatted, msg_id=msg_id or self._msg_id(), body=body)
        thread_id = self.env['mail.thread'].sudo().message_process(None, raw)
        self.Ticket._cron_send_acknowledgements()
        return self.Ticket.browse(thread_id or [])

    def _reply_headers(self, message_id, in_reply_to=True):
        header = 'In-Reply-To' if in_reply_to else 'References'
        return f'{header}: {message_id}\n'

    def _sent_to(self, email):
        """Sent emails (through the SMTP mock) addressed to ``email``."""
        email = email_normalize(email)
        return [mail for mail in self._mails if email in [email_normalize(to) for to in mail['email_to']]]

    def _fixture(self, filename, **tokens):
        """Raw bytes of tests/data/emails/<filename>, its {to} / {msgid} / ... tokens filled in."""
        with open(os.path.join(EMAIL_DIR, filename), 'rb') as fixture:
            raw = fixture.read()
        tokens = {'to': self.alias_email, 'msgid': f'{filename}.{time.time():.6f}@customer.example', **tokens}
        for key, value in tokens.items():
            raw = raw.replace(b'{%s}' % key.encode(), value.encode())
        return raw

    def _ack_mails(self, ticket):
        return self._new_mails.filtered(
            lambda m: m.model == ticket._name and m.res_id == ticket.id and 'received your request' in m.body_html)


@tagged('post_install', '-at_install')
class TestMailGateway(HelpdeskLiteMailCommon):

    def test_team_alias(self):
        alias = self.team.alias_id
        self.assertEqual(alias.alias_model_id.model, 'helpdesk.lite.ticket')
        self.assertEqual(alias.alias_parent_model_id.model, 'helpdesk.lite.team')
        self.assertEqual(alias.alias_parent_thread_id, self.team.id)
        self.assertEqual(self.team.alias_email, self.alias_email)
        defaults = ast.literal_eval(alias.alias_defaults)
        self.assertEqual(defaults, {'team_id': self.team.id, 'channel': 'email'})
        # the alias is optional: a team without one has an inactive alias record
        other = self.env['helpdesk.lite.team'].create({'name': 'No mail'})
        self.assertFalse(other.alias_email)
        self.assertEqual(self.team.email_cc_policy, 'partners')
        self.assertEqual(self.team.reply_reopen_days, 7)

    def test_team_form_sets_alias(self):
        with Form(self.env['helpdesk.lite.team'].with_user(self.manager)) as form:
            form.name = 'Returns'
            form.alias_name = 'Returns Desk'
            form.email_create_partner = True
            form.email_cc_policy = 'all'
            form.reply_reopen_days = 3
        team = form.record
        self.assertEqual(team.alias_email, f'returns-desk@{self.alias_domain}')
        self.assertEqual(ast.literal_eval(team.alias_defaults), {'team_id': team.id, 'channel': 'email'})
        with self.mock_mail_gateway():
            ticket = self._process(subject='Return label', to=team.alias_email)
        self.assertEqual(ticket.team_id, team)

    def test_new_ticket_known_sender(self):
        with self.mock_mail_gateway():
            ticket = self.format_and_process(
                MAIL_TEMPLATE, self.customer.email_formatted, self.alias_email, subject='Cannot print invoices',
                cc=self.other_customer.email_formatted, target_model='helpdesk.lite.ticket',
                body='Printing an invoice shows a blank page.')
        self.assertEqual(len(ticket), 1)
        self.assertRecordValues(ticket, [{
            'name': 'Cannot print invoices', 'channel': 'email', 'team_id': self.team.id,
            'partner_id': self.customer.id, 'partner_email': self.customer.email,
            'partner_name': self.customer.name, 'last_reply_by': 'customer', 'stage_id': self.stage_new.id,
        }])
        self.assertIn('Printing an invoice shows a blank page.', ticket.description)
        self.assertEqual(email_normalize(ticket.email_cc), self.other_customer.email)
        # the customer follows (gets our replies), so does the known Cc contact (default policy)
        self.assertIn(self.customer, ticket.message_partner_ids)
        self.assertIn(self.other_customer, ticket.message_partner_ids)
        incoming = ticket.message_ids.filtered(lambda m: m.message_type == 'email')
        self.assertEqual(len(incoming), 1)
        self.assertEqual(incoming.author_id, self.customer)
        self.assertEqual(incoming.subtype_id, self.env.ref('mail.mt_comment'))
        self.assertTrue(ticket.last_customer_message_date)
        self.assertEqual(len(self._ack_mails(ticket)), 1)

    def test_new_ticket_unknown_sender(self):
        partners_before = self.env['res.partner'].search_count([])
        with self.mock_mail_gateway():
            ticket = self._process(email_from='"Walter Walk-in" <Walter.Walkin@Unknown.example>')
        self.assertRecordValues(ticket, [{
            'partner_id': False, 'partner_name': 'Walter Walk-in', 'partner_email': 'walter.walkin@unknown.example',
            'channel': 'email', 'last_reply_by': 'customer',
        }])
        self.assertEqual(self.env['res.partner'].search_count([]), partners_before, 'no contact created')
        self.assertFalse(ticket.message_partner_ids)
        # the acknowledgement still reaches the bare email
        ack = self._ack_mails(ticket)
        self.assertEqual(len(ack), 1)
        self.assertFalse(ack.recipient_ids)
        self.assertEqual(ack.email_to, 'walter.walkin@unknown.example')
        # the chatter suggests the address as recipient of replies
        suggested = ticket._message_get_suggested_recipients()
        self.assertIn('walter.walkin@unknown.example', [email_normalize(s['email']) for s in suggested])

    def test_new_ticket_unknown_sender_creates_contact(self):
        self.team.email_create_partner = True
        with self.mock_mail_gateway():
            ticket = self._process(email_from='"Walter Walk-in" <walter.walkin@unknown.example>')
        partner = ticket.partner_id
        self.assertTrue(partner)
        self.assertEqual((partner.name, partner.email), ('Walter Walk-in', 'walter.walkin@unknown.example'))
        self.assertEqual(ticket.message_ids.filtered(lambda m: m.message_type == 'email').author_id, partner)
        self.assertIn(partner, ticket.message_partner_ids)
        self.assertEqual(self._ack_mails(ticket).recipient_ids, partner)

    def test_contact_of_other_company_is_not_customer(self):
        other_company = self.env['res.company'].create({'name': 'Elsewhere Ltd'})
        stranger = self.env['res.partner'].create({
            'name': 'Stranger', 'email': 'stranger@elsewhere.example', 'company_id': other_company.id})
        with self.mock_mail_gateway():
            ticket = self._process(email_from=stranger.email_formatted)
        self.assertFalse(ticket.partner_id)
        self.assertEqual(ticket.partner_email, 'stranger@elsewhere.example')

    def test_reply_threading_by_headers(self):
        with self.mock_mail_gateway():
            ticket = self._process(subject='VPN drops')
        ack = self._ack_mails(ticket)
        # agent answers and waits for the customer
        ticket.stage_id = self.stage_waiting
        with self.mock_mail_gateway():
            agent_reply = ticket.with_user(self.agent).message_post(
                body='Which VPN client do you use?', message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertEqual(ticket.last_reply_by, 'agent')
        # the customer answers the acknowledgement (In-Reply-To) ...
        with self.mock_mail_gateway():
            replied = self._process(subject='Re: whatever the client did to the subject',
                                    extra=self._reply_headers(ack.message_id))
        self.assertEqual(replied, ticket)
        self.assertEqual(ticket.last_reply_by, 'customer')
        self.assertEqual(ticket.stage_id, self.stage_progress, 'a customer reply leaves the waiting stage')
        # ... and the agent's reply (References only)
        with self.mock_mail_gateway():
            replied = self._process(subject='Re: VPN drops', extra=self._reply_headers(
                agent_reply.message_id, in_reply_to=False), body='Cisco AnyConnect')
        self.assertEqual(replied, ticket)
        self.assertEqual(self.Ticket.search_count([('name', 'ilike', 'VPN')]), 1, 'never a duplicate ticket')
        self.assertEqual(len(ticket.message_ids.filtered(lambda m: m.message_type == 'email')), 3)
        self.assertFalse(self._new_mails.filtered(lambda m: 'received your request' in (m.body_html or '')),
                         'replies are not acknowledged again')

    def test_reply_threading_by_subject_number(self):
        with self.mock_mail_gateway():
            ticket = self._process(subject='Broken keyboard')
        subject = f'RE: AW: [{ticket.number}] Broken keyboard'
        # headers lost (e.g. forwarded by another client): the number in the subject routes it
        with self.mock_mail_gateway():
            replied = self._process(subject=subject, body='Still broken')
        self.assertEqual(replied, ticket)
        # a known follower too
        ticket.message_subscribe(partner_ids=self.other_customer.ids)
        with self.mock_mail_gateway():
            replied = self._process(subject=subject, email_from=self.other_customer.email_formatted)
        self.assertEqual(replied, ticket)
        # a stranger quoting the number gets their own ticket, not write access to this one
        with self.mock_mail_gateway():
            other = self._process(subject=subject, email_from='mallory@evil.example')
        self.assertTrue(other)
        self.assertNotEqual(other, ticket)
        self.assertEqual(other.partner_email, 'mallory@evil.example')
        # unknown numbers are harmless
        with self.mock_mail_gateway():
            unknown = self._process(subject='[HD99999999] Hello')
        self.assertNotEqual(unknown, ticket)

    def test_duplicate_message_id(self):
        msg_id = self._msg_id()
        with self.mock_mail_gateway():
            ticket = self._process(subject='Twice delivered', msg_id=msg_id)
            again = self._process(subject='Twice delivered', msg_id=msg_id)
        self.assertTrue(ticket)
        self.assertFalse(again)
        self.assertEqual(self.Ticket.search_count([('name', '=', 'Twice delivered')]), 1)
        self.assertEqual(len(ticket.message_ids.filtered(lambda m: m.message_type == 'email')), 1)
        self.assertEqual(len(self._ack_mails(ticket)), 1)

    def test_duplicate_without_message_id(self):
        raw = self._fixture('19_missing_message_id.eml')
        with self.mock_mail_gateway(), mute_logger(*GATEWAY_LOGGERS):
            first = self.env['mail.thread'].sudo().message_process(None, raw)
            second = self.env['mail.thread'].sudo().message_process(None, raw)
        self.assertTrue(first)
        self.assertFalse(second)
        self.assertEqual(self.Ticket.search_count([('name', '=', 'Mail without Message-ID')]), 1)
        message = self.Ticket.browse(first).message_ids.filtered(lambda m: m.message_type == 'email')
        self.assertTrue(message.message_id.endswith('.no-message-id@mail.gateway>'))

    def test_one_ticket_for_two_team_aliases(self):
        billing = self.env['helpdesk.lite.team'].create({'name': 'Billing', 'alias_name': 'hd-billing'})
        count = self.Ticket.search_count([])
        with self.mock_mail_gateway():
            ticket = self._process(subject='Sent to both teams', to=f'{self.alias_email}, hd-billing@{self.alias_domain}')
        self.assertEqual(self.Ticket.search_count([]), count + 1)
        self.assertIn(ticket.team_id, self.team | billing)



@tagged('post_install', '-at_install')
class TestMailGatewayRobustness(HelpdeskLiteMailCommon):

    def test_automatic_mail_ignored(self):
        customer = self.customer.email_formatted
        cases = [
            ('Auto-Submitted: auto-replied\n', customer),
            ('Auto-Submitted: auto-generated\n', customer),
            ('X-Auto-Response-Suppress: All\n', customer),
            ('X-Auto-Response-Suppress: DR, OOF\n', customer),
            ('Precedence: bulk\n', customer),
            ('Precedence: junk\n', customer),
            ('Precedence: auto_reply\n', customer),
            ('X-Autoreply: yes\n', customer),
            ('', 'Mail Delivery System <MAILER-DAEMON@mx.customer.example>'),
            ('', 'postmaster@customer.example'),
            ('', f'catchall.test@{self.alias_domain}'),
            ('', f'hd-test@{self.alias_domain}'),
        ]
        count = self.Ticket.search_count([])
        for index, (extra, email_from) in enumerate(cases):
            with self.subTest(extra=extra, email_from=email_from), self.mock_mail_gateway():
                result = self._process(subject=f'Automatic {index}', extra=extra, email_from=email_from)
                self.assertFalse(result)
                self.assertFalse(self._new_mails, 'no acknowledgement, no bounce: no loop')
        self.assertEqual(self.Ticket.search_count([]), count)
        # "Auto-Submitted: no" is a human
        with self.mock_mail_gateway():
            self.assertTrue(self._process(subject='Human', extra='Auto-Submitted: no\n'))

    def test_new_and_renamed_aliases_are_ours_at_once(self):
        sales, desk = f'sales@{self.alias_domain}', f'sales-desk@{self.alias_domain}'
        self.assertFalse(self.Ticket._mail_internal_emails([sales]))
        team = self.env['helpdesk.lite.team'].create({'name': 'Sales', 'alias_name': 'sales'})
        self.assertEqual(self.Ticket._mail_internal_emails([f'Sales <{sales.upper()}>', 'someone@example.com']),
                         {sales})
        team.alias_name = 'sales-desk'
        self.assertEqual(self.Ticket._mail_internal_emails([sales, desk]), {desk})
        with self.mock_mail_gateway():
            self.assertFalse(self._process(subject='Loop', email_from=desk))
        team.unlink()
        self.assertFalse(self.Ticket._mail_internal_emails([desk]))

    def test_bounce_and_out_of_office_fixtures(self):
        count = self.Ticket.search_count([])
        for filename in ('26_bounce_dsn.eml', '27_out_of_office.eml'):
            with self.subTest(filename=filename), self.mock_mail_gateway(), mute_logger(*GATEWAY_LOGGERS):
                self.assertFalse(self.env['mail.thread'].sudo().message_process(None, self._fixture(filename)))
                self.assertFalse(self._new_mails)
        self.assertEqual(self.Ticket.search_count([]), count)

    def test_auto_reply_to_ticket_changes_nothing(self):
        with self.mock_mail_gateway():
            ticket = self._process(subject='Password reset')
        ack = self._ack_mails(ticket)
        ticket.with_user(self.agent).message_post(
            body='Done, please check.', message_type='comment', subtype_xmlid='mail.mt_comment')
        ticket.action_close()
        messages = ticket.message_ids
        with self.mock_mail_gateway():
            result = self._process(subject='Automatic reply: Password reset',
                                   extra=f'Auto-Submitted: auto-replied\n{self._reply_headers(ack.message_id)}')
        self.assertFalse(result)
        self.assertEqual(ticket.message_ids, messages)
        self.assertTrue(ticket.is_closed, 'an out-of-office reply does not reopen')
        self.assertEqual(ticket.last_reply_by, 'agent')

    def test_garbage_is_rejected_with_reason(self):
        # not an email and addressed to nobody: the gateway refuses it (the fetcher keeps it and logs why)
        with self.assertRaisesRegex(ValueError, 'No possible route found'), mute_logger(*GATEWAY_LOGGERS):
            self.env['mail.thread'].sudo().message_process(None, b'\x00\x01 this is not an email \xff\xfe')

    def test_malformed_sender(self):
        with self.mock_mail_gateway(), mute_logger(*GATEWAY_LOGGERS):
            thread_id = self.env['mail.thread'].sudo().message_process(None, self._fixture('18_malformed_from.eml'))
        ticket = self.Ticket.browse(thread_id)
        self.assertRecordValues(ticket, [{
            'name': 'Sender without a usable address', 'partner_id': False, 'partner_email': False,
            'partner_name': 'Broken Sender'}])
        self.assertFalse(self._ack_mails(ticket), 'nobody to acknowledge')


@tagged('post_install', '-at_install')
class TestMailGatewayMimeShapes(HelpdeskLiteMailCommon):
    """Odd real-world MIME shapes (tests/data/emails/*.eml): each one becomes a readable ticket."""

    # filename: (title, requester email, attachment names, texts expected in the description)
    EXPECTED = {
        '01_plain_no_display_name.eml': (
            'Printer prints only blank pages', 'jane.doe@customer.example', [], ['prints only blank pages']),
        '02_rfc2047_encoded_headers.eml': (
            'Rechnung für März – falscher Betrag € 123,45', 'juergen.mueller@kunde.example', [],
            ['Rechnung für März', 'Grüßen']),
        '03_html_only.eml': ('HTML only message with script', 'html.only@customer.example', [], ['export']),
        '04_nested_alternative_in_mixed.eml': (
            'Nested multipart with PDF', 'nina.nested@customer.example', ['invoice-2025-03.pdf'], ['Html part']),
        '05_octet_stream_no_filename.eml': (
            'Log file without a name', 'oscar.octet@customer.example', ['attachment.bin'], ['crash log']),
        '06_inline_image_related.eml': (
            'Screenshot of the error', 'ines.inline@customer.example', ['error.png'], ['/web/image/']),
        '07_winmail_dat.eml': (
            'Outlook rich text with winmail.dat', 'outlook.user@customer.example', ['winmail.dat'], ['VPN drops']),
        '08_unknown_charset.eml': ('Unknown charset body', 'uma.unknown@customer.example', [], ['error 42']),
        '09_latin1_8bit_no_charset.eml': (
            "Problème de connexion à l'espace client", 'francois.leger@client.example', [],
            ['mise à jour', 'refusé']),
        '10_empty_body_no_subject.eml': ('(no subject)', 'eddie.empty@customer.example', [], []),
        '11_very_long_subject.eml': ('Very long subject word000', 'lou.long@customer.example', [], ['says it all']),
        '12_duplicated_headers.eml': ('First subject wins', 'dora.dup@customer.example', [], ['Duplicated headers']),
        '13_tnef_vnd_no_name.eml': ('TNEF only body', 'exchange.sender@customer.example', ['winmail.dat'], []),
        '14_calendar_invite.eml': (
            'Invitation: Onboarding call @ Mon 17 Mar 2025 10:00', 'carl.calendar@customer.example',
            ['attachment.ics', 'invite.ics'], ['onboarding call']),
        '15_forwarded_rfc822.eml': (
            'Fwd: Your order cannot be shipped', 'fred.forward@customer.example', ['original.eml'],
            ['what does it mean', 'order 1234']),
        '16_huge_attachment.eml': (
            'Database dump attached (large)', 'hugo.huge@customer.example', ['dump.sql.gz'], ['it is big']),
        '17_rfc2231_filename.eml': (
            'Attachment with encoded filename', 'rita.rfc@customer.example',
            ['€ Rapport détaillé.pdf', 'notes 📝.txt'], ['Report attached']),
        '19_missing_message_id.eml': ('Mail without Message-ID', 'mia.missing@customer.example', [], ['old MTAs']),
        '20_broken_multipart_boundary.eml': (
            'Broken multipart boundary', 'bob.boundary@customer.example', [], ['never declared']),
        '21_apple_mail_deep_nesting.eml': (
            'Deeply nested Apple Mail message', 'alice.apple@customer.example', ['shot.png', 'sync.log'],
            ['Calendar sync broken', '/web/image/']),
        '22_base64_utf8_emoji.eml': ('🔥 Server down 🔥', 'emil.emoji@customer.example', [], ['😱', 'éèà']),
        '23_bad_base64_attachment.eml': (
            'Corrupted attachment encoding', 'carla.corrupt@customer.example', ['photo.jpg'], ['mangled']),
        '24_windows1252_qp_html.eml': (
            '“Smart” quotes – and dashes', 'renee.obrien@customer.example', [], ['It’s broken', '10€']),
        '25_iso2022jp.eml': ('接続エラー', 'taro.yamada@customer.example', [], ['サーバーに接続できません']),
    }

    def test_fixture_set_is_complete(self):
        fixtures = {name for name in os.listdir(EMAIL_DIR) if name.endswith('.eml')}
        # the others are covered by the robustness tests (bounce, out of office, malformed sender)
        self.assertEqual(fixtures - set(self.EXPECTED),
                         {'18_malformed_from.eml', '26_bounce_dsn.eml', '27_out_of_office.eml'})
        self.assertGreaterEqual(len(self.EXPECTED), 15)

    def test_mime_shapes(self):
        huge = base64.encodebytes(os.urandom(6 * 1024 * 1024)).decode()  # 6 MB attachment, 8 MB of base64
        for filename, (title, email, attachments, texts) in self.EXPECTED.items():
            with self.subTest(filename=filename), self.mock_mail_gateway(), mute_logger(*GATEWAY_LOGGERS):
                raw = self._fixture(filename, huge_base64=huge)
                thread_id = self.env['mail.thread'].sudo().message_process(None, raw)
                self.Ticket._cron_send_acknowledgements()
                ticket = self.Ticket.browse(thread_id)
                self.assertEqual(len(ticket), 1, 'one ticket, nothing raised')
                self.assertTrue(ticket.name.startswith(title), ticket.name)
                self.assertLessEqual(len(ticket.name), 250)
                self.assertEqual(ticket.partner_email, email)
                self.assertEqual(ticket.channel, 'email')
                self.assertEqual(ticket.team_id, self.team)
                self.assertNotIn('\ufffd', ticket.name + (ticket.description or ''), 'no mojibake')
                message = ticket.message_ids.filtered(lambda m: m.message_type == 'email')
                self.assertEqual(len(message), 1)
                self.assertEqual(sorted(message.attachment_ids.mapped('name')), sorted(attachments))
                self.assertEqual(ticket.message_attachment_count, len(attachments), 'attachments kept on the ticket')
                for text in texts:
                    self.assertIn(text, ticket.description or '')
                self.assertEqual(len(self._ack_mails(ticket)), 1)
                if filename == '03_html_only.eml':
                    self.assertNotIn('<script', ticket.description)
                    self.assertNotIn('javascript:', ticket.description)
                    self.assertNotIn('onload', ticket.description)
                if filename == '16_huge_attachment.eml':
                    self.assertEqual(message.attachment_ids.file_size, 6 * 1024 * 1024)
                if filename == '09_latin1_8bit_no_charset.eml':
                    self.assertEqual(ticket.partner_name, 'François Léger')


@tagged('post_install', '-at_install')
class TestMailGatewayLifecycle(HelpdeskLiteMailCommon):

    def _closed_ticket(self, days_ago):
        with self.mock_mail_gateway():
            ticket = self._process(subject=f'Closed {days_ago} days ago')
        ack = self._ack_mails(ticket)
        ticket.action_close()
        ticket.closed_date = self.env.cr.now() - timedelta(days=days_ago)
        self.flush_tracking()
        return ticket, ack

    def test_closed_reply_within_window_reopens(self):
        ticket, ack = self._closed_ticket(days_ago=2)
        count = self.Ticket.search_count([])
        with self.mock_mail_gateway():
            replied = self._process(subject='Re: it came back', extra=self._reply_headers(ack.message_id))
        self.assertEqual(replied, ticket)
        self.assertEqual(self.Ticket.search_count([]), count)
        self.assertFalse(ticket.is_closed)
        self.assertEqual(ticket.stage_id, self.stage_progress)
        self.assertEqual(ticket.reopen_count, 1)
        self.assertEqual(ticket.last_reply_by, 'customer')

    def test_closed_reply_by_subject_within_window_reopens(self):
        ticket, _ack = self._closed_ticket(days_ago=1)
        with self.mock_mail_gateway():
            replied = self._process(subject=f'Re: [{ticket.number}] again')
        self.assertEqual(replied, ticket)
        self.assertFalse(ticket.is_closed)

    def test_closed_reply_outside_window_opens_linked_ticket(self):
        ticket, ack = self._closed_ticket(days_ago=30)
        messages = ticket.message_ids
        with self.mock_mail_gateway():
            new = self._process(subject='Re: it came back after a month', extra=self._reply_headers(ack.message_id))
        self.assertNotEqual(new, ticket)
        self.assertRecordValues(new, [{
            'parent_ticket_id': ticket.id, 'team_id': self.team.id, 'partner_id': self.customer.id,
            'channel': 'email', 'is_closed': False, 'name': 'Re: it came back after a month'}])
        self.assertTrue(ticket.is_closed, 'the old ticket stays closed')
        self.assertEqual(ticket.message_ids, messages, 'the reply lives on the new ticket')
        self.assertEqual(len(new.message_ids.filtered(lambda m: m.message_type == 'email')), 1)
        self.assertEqual(len(self._ack_mails(new)), 1, 'the customer learns the new number')

    def test_zero_window_always_new_ticket(self):
        self.team.reply_reopen_days = 0
        ticket, ack = self._closed_ticket(days_ago=0)
        with self.mock_mail_gateway():
            new = self._process(subject='Re: one more thing', extra=self._reply_headers(ack.message_id))
        self.assertEqual(new.parent_ticket_id, ticket)

    def test_agent_reply_to_closed_ticket_does_not_reopen(self):
        ticket, ack = self._closed_ticket(days_ago=30)
        with self.mock_mail_gateway():
            replied = self._process(subject='Re: closing words', email_from=self.agent.email_formatted,
                                    extra=self._reply_headers(ack.message_id))
        self.assertEqual(replied, ticket)
        self.assertTrue(ticket.is_closed)
        self.assertEqual(ticket.last_reply_by, 'agent')

    def test_reply_to_merged_ticket_goes_to_target(self):
        with self.mock_mail_gateway():
            source = self._process(subject='Duplicate report')
        ack = self._ack_mails(source)
        target = self._create_ticket(partner_id=self.customer.id)
        target._merge_from(source)
        with self.mock_mail_gateway():
            replied = self._process(subject='Re: Duplicate report', extra=self._reply_headers(ack.message_id))
        self.assertEqual(replied, target)
        self.assertFalse(target.is_closed)


@tagged('post_install', '-at_install')
class TestMailGatewayCc(HelpdeskLiteMailCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cc = ', '.join([
            cls.other_customer.email_formatted,           # known contact
            '"New Person" <new.person@customer.example>',  # unknown
            f'hd-test@{cls.alias_domain}',                 # our own alias
            f'catchall.test@{cls.alias_domain}',           # our catchall
        ])

    def _followers_after(self, policy):
        self.team.email_cc_policy = policy
        with self.mock_mail_gateway():
            ticket = self._process(subject=f'Cc policy {policy}', cc=self.cc)
        self.assertIn('new.person@customer.example', ticket.email_cc, 'Cc always recorded')
        self.assertIn(self.other_customer.email, ticket.email_cc)
        return ticket.message_partner_ids - self.customer

    def test_cc_policy_none(self):
        self.assertFalse(self._followers_after('none'))

    def test_cc_policy_known_partners(self):
        self.assertEqual(self._followers_after('partners'), self.other_customer)
        self.assertFalse(self.env['res.partner'].search([('email', 'ilike', 'new.person@customer.example')]))

    def test_cc_policy_all(self):
        followers = self._followers_after('all')
        self.assertEqual(len(followers), 2)
        self.assertIn(self.other_customer, followers)
        self.assertEqual((followers - self.other_customer).email, 'new.person@customer.example')
        # never our own addresses
        self.assertFalse(followers.filtered(lambda p: self.alias_domain in (p.email or '')))

    def test_cc_on_reply(self):
        self.team.email_cc_policy = 'partners'
        with self.mock_mail_gateway():
            ticket = self._process(subject='Cc added later')
            ack = self._ack_mails(ticket)
            self._process(subject='Re: Cc added later', cc=self.other_customer.email_formatted,
                          extra=self._reply_headers(ack.message_id))
        self.assertIn(self.other_customer, ticket.message_partner_ids)
        self.assertIn(self.other_customer.email, ticket.email_cc)


@tagged('post_install', '-at_install')
class TestMailAcknowledgementAndOutbound(HelpdeskLiteMailCommon):

    def test_acknowledgement_content(self):
        msg_id = self._msg_id()
        with self.mock_mail_gateway():
            ticket = self._process(subject='Where is my order?', msg_id=msg_id)
            ack = self._ack_mails(ticket)
            self.assertEqual(len(ack), 1)
            self.assertEqual(ack.state, 'outgoing', 'queued, not sent during ticket creation')
            self.assertFalse(self._mails)
            ack.send()
        self.assertTrue(ticket.access_token)
        link = f'/my/helpdesk/{ticket.id}?access_token={ticket.access_token}'
        self.assertEqual(ack.references, msg_id)
        self.assertIn(self.alias_email, ticket.mail_sender, 'sent from the team alias, signed with the team name')
        self.assertSentEmail(
            ticket.mail_sender, [self.customer], subject=f'[{ticket.number}] Where is my order?',
            body_content=ticket.number, reply_to=ack.reply_to)
        sent = self._sent_to(self.customer.email)[0]
        self.assertIn(link, sent['body'])
        self.assertIn(ticket.get_base_url(), sent['body'], 'absolute link')
        self.assertEqual(sent['headers'].get('Auto-Submitted'), 'auto-replied')
        self.assertEqual(sent['headers'].get('In-Reply-To'), msg_id)
        self.assertIn(self.alias_email, ack.reply_to, 'replies come back to the team alias')

    def test_acknowledgement_channels(self):
        with self.mock_mail_gateway():
            portal = self._create_ticket(channel='portal', partner_id=self.customer.id)
            web = self._create_ticket(channel='web', partner_name='Web Visitor', partner_email='visitor@web.example')
            backend = self._create_ticket(channel='backend', partner_id=self.customer.id)
            phone = self._create_ticket(channel='phone', partner_id=self.customer.id)
            nobody = self._create_ticket(channel='web', partner_name='No email')
            silent = self.Ticket.with_context(helpdesk_lite_no_acknowledgement=True).create({
                'name': 'Imported', 'channel': 'email', 'partner_email': 'imported@web.example'})
        self.assertEqual(self._ack_mails(portal).recipient_ids, self.customer)
        web_ack = self._ack_mails(web)
        self.assertEqual(web_ack.email_to, 'visitor@web.example')
        self.assertIn(f'access_token={web.access_token}', web_ack.body_html)
        self.assertIn(web.number, web_ack.subject)
        self.assertIn('Web Visitor', web_ack.body_html)
        for ticket in (backend, phone, nobody, silent):
            self.assertFalse(self._ack_mails(ticket), ticket.channel)

    @mute_logger('odoo.addons.helpdesk_lite.models.helpdesk_lite_ticket_mail')
    def test_acknowledgement_failure_does_not_block_creation(self):
        def _boom(*args, **kwargs):
            raise ValueError('template exploded')
        with self.mock_mail_gateway(), patch.object(MailTemplate, 'send_mail_batch', _boom):
            ticket = self._process(subject='Template broken')
        self.assertTrue(ticket)
        self.assertFalse(self.env['helpdesk.lite.ticket.ack'].sudo().search([]), 'no acknowledgement retried forever')
        self.assertEqual(ticket.message_ids.filtered(lambda m: m.message_type == 'email').author_id, self.customer)

    def test_public_reply_goes_out_with_number_and_threading(self):
        msg_id = self._msg_id()
        with self.mock_mail_gateway():
            ticket = self._process(subject='Screen flickers', msg_id=msg_id, cc=self.other_customer.email_formatted)
        with self.mock_mail_gateway():
            ticket.with_user(self.agent).message_post(
                body='Please update the driver.', message_type='comment', subtype_xmlid='mail.mt_comment')
        subject = f'[{ticket.number}] Screen flickers'
        self.assertSentEmail(self.agent.partner_id, [self.customer], subject=subject,
                             references_content=msg_id, body_content='Please update the driver.')
        self.assertSentEmail(self.agent.partner_id, [self.other_customer], subject=subject)
        # a reply posted with its own subject still carries the number
        with self.mock_mail_gateway():
            ticket.with_user(self.agent).message_post(
                body='Any news?', subject='Follow-up', message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertSentEmail(self.agent.partner_id, [self.customer], subject=f'[{ticket.number}] Follow-up')
        # the customer's answer to it threads back
        sent = self._sent_to(self.customer.email)[-1]
        with self.mock_mail_gateway():
            replied = self._process(subject=f"Re: {sent['subject']}", extra=self._reply_headers(sent['message_id']))
        self.assertEqual(replied, ticket)

    def test_internal_note_reaches_nobody_outside(self):
        with self.mock_mail_gateway():
            ticket = self._process(subject='Secret discussion', cc=self.other_customer.email_formatted)
        ticket.message_subscribe(partner_ids=self.agent2.partner_id.ids)
        with self.mock_mail_gateway():
            ticket.with_user(self.agent).message_post(
                body='The customer is wrong, but be nice.', message_type='comment', subtype_xmlid='mail.mt_note',
                partner_ids=(self.customer | self.other_customer | self.agent2.partner_id).ids)
        self.assertFalse(self._sent_to(self.customer.email))
        self.assertFalse(self._sent_to(self.other_customer.email))
        note = ticket.message_ids[0]
        self.assertFalse(note.notification_ids.filtered(lambda n: n.res_partner_id.partner_share))
        self.assertTrue(note.notification_ids.filtered(lambda n: n.res_partner_id == self.agent2.partner_id),
                        'colleagues are still notified')
        self.assertEqual(ticket.last_reply_by, 'customer', 'a note is not an answer')

    def test_reply_creates_contact_of_email_only_requester(self):
        with self.mock_mail_gateway():
            ticket = self._process(subject='No contact yet', email_from='walter.walkin@unknown.example')
        self.assertFalse(ticket.partner_id)
        # what the chatter does when the agent keeps the suggested "Customer Email" recipient
        walter = self.env['res.partner']._find_or_create_from_emails(['walter.walkin@unknown.example'])[0]
        with self.mock_mail_gateway():
            ticket.with_user(self.agent).message_post(
                body='Hello Walter', message_type='comment', subtype_xmlid='mail.mt_comment',
                partner_ids=walter.ids)
        self.assertEqual(ticket.partner_id, walter)
        self.assertTrue(self._sent_to('walter.walkin@unknown.example'))
