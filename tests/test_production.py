import threading
import time
from datetime import datetime, timedelta
from unittest.mock import patch

import odoo
from psycopg2 import IntegrityError
from odoo import SUPERUSER_ID, api
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import HelpdeskLiteCommon

TICKET = 'helpdesk.lite.ticket'


@tagged('post_install', '-at_install')
class TestHelpdeskSettings(HelpdeskLiteCommon):

    def _save_settings(self, **values):
        settings = self.env['res.config.settings'].create(values)
        settings.execute()
        return settings

    def test_settings_write_parameters_and_company(self):
        self._save_settings(
            helpdesk_lite_default_team_id=self.team.id, helpdesk_lite_sla_check_hour=9,
            helpdesk_lite_portal_attachment_max_count=2, helpdesk_lite_portal_attachment_max_size_mb=4,
            helpdesk_lite_public_submit_limit_per_ip=7, helpdesk_lite_public_submit_limit_per_email=0,
            helpdesk_lite_public_submit_window_minutes=15, helpdesk_lite_submit_log_retention_days=5,
            helpdesk_lite_reply_reopen_days=0)
        self.assertEqual(self.company.helpdesk_lite_default_team_id, self.team)
        self.assertEqual(self.company.helpdesk_lite_sla_check_hour, 9)
        ICP = self.env['ir.config_parameter']
        self.assertEqual(ICP.get_param('helpdesk_lite.portal_attachment_max_count'), '2')
        self.assertEqual(ICP.get_param('helpdesk_lite.portal_attachment_max_size_mb'), '4')
        self.assertEqual(self.env['helpdesk.lite.submit.log']._limits(), (7, 0, 15),
                         '0 disables the per-email limit instead of falling back to the default 3')
        self.assertEqual(self.env['helpdesk.lite.team'].create({'name': 'New team'}).reply_reopen_days, 0,
                         'the default reopen window of new teams')
        # the page shows what is stored, 0 included
        settings = self.env['res.config.settings'].create({})
        self.assertRecordValues(settings, [{
            'helpdesk_lite_public_submit_limit_per_email': 0, 'helpdesk_lite_public_submit_limit_per_ip': 7,
            'helpdesk_lite_reply_reopen_days': 0, 'helpdesk_lite_submit_log_retention_days': 5,
            'helpdesk_lite_default_team_id': self.team.id}])

    def test_retention_setting_drives_the_purge(self):
        Log = self.env['helpdesk.lite.submit.log']
        now = datetime.now()
        old = Log.create({'ip_hash': 'a', 'email_hash': 'b', 'date': now - timedelta(days=4)})
        recent = Log.create({'ip_hash': 'a', 'email_hash': 'b', 'date': now - timedelta(days=1)})
        self._save_settings(helpdesk_lite_submit_log_retention_days=5)
        Log._gc_submit_log()
        self.assertTrue(old.exists(), 'younger than 5 days')
        self._save_settings(helpdesk_lite_submit_log_retention_days=3)
        Log._gc_submit_log()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())

    def test_auto_close_setting_drives_the_cron(self):
        ICP = self.env['ir.config_parameter']
        stage_waiting = self.env.ref('helpdesk_lite.stage_waiting')

        def waiting_since(days):
            ticket = self._create_ticket(partner_id=self.customer.id, stage_id=stage_waiting.id)
            ticket.sla_paused_since = datetime.now() - timedelta(days=days)
            return ticket

        def cron_with(close_days, warning_days=2):
            self._save_settings(helpdesk_lite_auto_close_days=close_days,
                                helpdesk_lite_auto_close_warning_days=warning_days)
            self.Ticket._cron_auto_close_waiting()

        ticket = waiting_since(10)
        self.assertEqual(self.env['res.config.settings'].create({}).helpdesk_lite_auto_close_days, 0, 'off by default')
        self.Ticket._cron_auto_close_waiting()
        self.assertFalse(ticket.auto_close_warned_date, 'off: no warning')

        self._save_settings(helpdesk_lite_auto_close_days=7, helpdesk_lite_auto_close_warning_days=0)
        self.assertEqual(ICP.get_param('helpdesk_lite.auto_close_days'), '7')
        self.assertEqual(ICP.get_param('helpdesk_lite.auto_close_warning_days'), '0',
                         '0 (close without a warning) is kept instead of falling back to the default 2')
        settings = self.env['res.config.settings'].create({})
        self.assertEqual((settings.helpdesk_lite_auto_close_days, settings.helpdesk_lite_auto_close_warning_days), (7, 0))
        cron_with(14)
        self.assertFalse(ticket.auto_close_warned_date, 'waiting 10 days: not yet within 14 - 2 days')
        cron_with(7)
        self.assertTrue(ticket.auto_close_warned_date, 'warned first')
        self.assertFalse(ticket.is_closed)
        ticket.auto_close_warned_date = datetime.now() - timedelta(days=3)
        cron_with(0)
        self.assertFalse(ticket.is_closed, 'switched off again: nothing closes')
        cron_with(7)
        self.assertEqual((ticket.is_closed, ticket.closed_by), (True, 'auto'))

        silent = waiting_since(8)
        with self.mock_mail_gateway():
            cron_with(7, warning_days=0)
        self.assertEqual(silent.closed_by, 'auto', 'no warning wanted: closed after 7 days all the same')
        self.assertFalse(silent.auto_close_warned_date)
        self.assertFalse(self._new_mails.filtered(lambda m: 'waiting for your answer' in (m.subject or '')))

    @mute_logger('odoo.sql_db')
    def test_sla_check_hour_range(self):
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self.company.helpdesk_lite_sla_check_hour = 24
            self.company.flush_recordset()


@tagged('post_install', '-at_install')
class TestSlaSchedule(HelpdeskLiteCommon):
    """The daily SLA check runs at the company's local hour, daylight saving time included."""

    def setUp(self):
        super().setUp()
        companies = self.env['res.company'].search([])
        companies.partner_id.tz = 'Europe/Paris'
        companies.helpdesk_lite_sla_check_hour = 7
        self.cron = self.env.ref('helpdesk_lite.ir_cron_helpdesk_lite_sla_check')

    def test_due_in_local_time_across_daylight_saving(self):
        due = self.company._helpdesk_lite_sla_check_due
        # winter: 07:00 in Paris is 06:00 UTC
        self.assertTrue(due(datetime(2025, 1, 15, 5, 30), datetime(2025, 1, 15, 6, 0)))
        self.assertFalse(due(datetime(2025, 1, 15, 6, 0), datetime(2025, 1, 15, 7, 0)), '07:00 UTC is 08:00 there')
        # summer: 05:00 UTC
        self.assertTrue(due(datetime(2025, 7, 15, 4, 30), datetime(2025, 7, 15, 5, 30)))
        self.assertFalse(due(datetime(2025, 7, 15, 5, 30), datetime(2025, 7, 15, 6, 30)))
        # a server down for two days catches up once
        self.assertTrue(due(datetime(2025, 1, 13, 7, 0), datetime(2025, 1, 15, 3, 0)))

    def test_scheduled_run_checks_due_companies_only(self):
        other = self.env['res.company'].create({'name': 'Tokyo Support'})
        other.partner_id.tz = 'Asia/Tokyo'
        other.helpdesk_lite_sla_check_hour = 7   # 22:00 UTC the day before
        seen = []

        def fake_check(model, *args, **kwargs):
            seen.append(model.env.context.get('helpdesk_lite_sla_company_ids'))
            return 0

        Ticket = self.env[TICKET].with_context(cron_id=self.cron.id)
        with patch.object(type(self.env[TICKET]), '_cron_check_sla_overdue', fake_check):
            with self.mock_datetime_and_now('2025-01-15 06:10:00'):
                Ticket.with_context(lastcall=datetime(2025, 1, 15, 5, 10))._cron_sla_check_scheduled()
            with self.mock_datetime_and_now('2025-01-15 22:10:00'):
                Ticket.with_context(lastcall=datetime(2025, 1, 15, 21, 10))._cron_sla_check_scheduled()
            with self.mock_datetime_and_now('2025-01-15 12:10:00'):
                Ticket.with_context(lastcall=datetime(2025, 1, 15, 11, 10))._cron_sla_check_scheduled()
            # outside a scheduled run: every company
            self.env[TICKET]._cron_sla_check_scheduled()
        self.assertIn(self.company.id, seen[0], 'Paris at 07:10 local')
        self.assertNotIn(other.id, seen[0])
        self.assertEqual(seen[1], other.ids, 'Tokyo at 07:10 local')
        self.assertEqual(len(seen), 3, 'no company due at 12:10 UTC: no check')
        self.assertIn(self.company.id, seen[2])
        self.assertIn(other.id, seen[2])

    def test_scheduled_run_filters_tickets_by_company(self):
        ticket = self._create_ticket()
        other = self.env['res.company'].create({'name': 'Elsewhere'})
        self.env.flush_all()
        self.env.cr.execute("UPDATE helpdesk_lite_ticket SET sla_check_date = now() at time zone 'UTC' - interval '1 hour' "
                            "WHERE id = %s", [ticket.id])
        self.assertEqual(self.env[TICKET].with_context(
            helpdesk_lite_sla_company_ids=other.ids)._sla_cron_candidates(datetime.now()), [])
        self.assertIn(ticket.id, self.env[TICKET].with_context(
            helpdesk_lite_sla_company_ids=self.company.ids)._sla_cron_candidates(datetime.now()))


@tagged('post_install', '-at_install')
class TestCronConcurrency(TransactionCase):
    """Crons run in two workers at once, or beside a direct call: each on its own real database
    connection (committed data, real row locks and REPEATABLE READ snapshots), in threads."""

    def _real_env(self):
        cr = odoo.sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, SUPERUSER_ID, {})

    def _committed_due_tickets(self, env, count):
        tickets = env[TICKET].with_context(helpdesk_lite_no_acknowledgement=True, mail_create_nolog=True).create(
            [{'name': f'Concurrency {n}'} for n in range(count)])
        env.flush_all()
        past = datetime.now() - timedelta(hours=2)
        env.cr.execute("""
            UPDATE helpdesk_lite_ticket
               SET sla_response_deadline = %s, sla_check_date = %s, sla_status = 'on_track',
                   sla_response_date = NULL
             WHERE id = ANY(%s)""", [past, past, tickets.ids])
        env.cr.commit()
        self.addCleanup(self._drop_tickets, tickets.ids)
        return tickets.ids

    def _drop_tickets(self, ids):
        env = self._real_env()
        env[TICKET].browse(ids).exists().unlink()
        env.cr.commit()

    def _drop_logs(self, ids):
        env = self._real_env()
        env.cr.execute('DELETE FROM helpdesk_lite_submit_log WHERE id = ANY(%s)', [ids])
        env.cr.commit()

    def test_two_direct_sla_checks_split_the_work(self):
        setup_env = self._real_env()
        first = self._committed_due_tickets(setup_env, 2)
        env_a, env_b = self._real_env(), self._real_env()
        # A's snapshot is taken before the third ticket exists, B's after: A handles 1-2, commits while
        # B's snapshot still sees them due; B must then handle the third and skip the others, not fail.
        env_a.cr.execute('SELECT 1')
        late = self._committed_due_tickets(setup_env, 1)
        env_b.cr.execute('SELECT 1')
        results, errors = {}, []

        def run(name, env):
            try:
                results[name] = env[TICKET]._cron_check_sla_overdue()
                env.cr.commit()
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                env.cr.rollback()
                errors.append(exc)

        thread_a = threading.Thread(target=run, args=('a', env_a))
        thread_a.start()
        thread_a.join(60)
        thread_b = threading.Thread(target=run, args=('b', env_b))
        thread_b.start()
        thread_b.join(60)
        self.assertFalse(errors, 'neither call fails (no serialization failure escapes)')
        self.assertEqual(set(results), {'a', 'b'})
        check_env = self._real_env()
        breaches = check_env['helpdesk.lite.sla.breach'].search([('ticket_id', 'in', first + late)])
        self.assertEqual(sorted(breaches.ticket_id.ids), sorted(first + late),
                         'every ticket handled exactly once: none lost, none twice')
        self.assertEqual(check_env[TICKET].browse(first + late).mapped('sla_status'), ['breached'] * 3)

    def test_two_acknowledgement_runs_make_each_mail_once(self):
        setup = self._real_env()
        partner = setup['res.partner'].create({'name': 'Queue Customer', 'email': 'queue.customer@example.com'})
        tickets = setup[TICKET].with_context(mail_create_nolog=True).create(
            [{'name': f'Ack race {n}', 'channel': 'portal', 'partner_id': partner.id} for n in range(3)])
        setup.cr.commit()

        def cleanup():
            env = self._real_env()
            env['mail.mail'].search([('model', '=', TICKET), ('res_id', 'in', tickets.ids)]).unlink()
            env[TICKET].browse(tickets.ids).exists().unlink()
            partner.with_env(env).unlink()
            env.cr.commit()
        self.addCleanup(cleanup)
        env_a, env_b = self._real_env(), self._real_env()
        done_a = env_a[TICKET]._cron_send_acknowledgements()   # A holds the queue rows it took
        started = time.monotonic()
        done_b = env_b[TICKET]._cron_send_acknowledgements()   # B skips them instead of waiting
        self.assertLess(time.monotonic() - started, 5)
        env_a.cr.commit()
        env_b.cr.commit()
        self.assertGreaterEqual(done_a, 3)  # (and any other committed queue rows)
        self.assertEqual(done_b, 0)
        check = self._real_env()
        acks = check['mail.mail'].search([('model', '=', TICKET), ('res_id', 'in', tickets.ids)])
        self.assertEqual(sorted(acks.mapped('res_id')), sorted(tickets.ids), 'one mail per ticket, none twice')
        self.assertFalse(check['helpdesk.lite.ticket.ack'].search([('ticket_id', 'in', tickets.ids)]))

    def test_concurrent_checks_on_locked_rows_skip_them(self):
        ids = self._committed_due_tickets(self._real_env(), 3)
        env_a, env_b = self._real_env(), self._real_env()
        locked = threading.Event()
        release = threading.Event()
        results, errors = {}, []

        def run_a():
            try:
                results['a'] = env_a[TICKET]._cron_check_sla_overdue()
                locked.set()
                release.wait(30)
                env_a.cr.commit()
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
                locked.set()

        thread = threading.Thread(target=run_a)
        thread.start()
        locked.wait(60)
        try:
            started = time.monotonic()
            env_b[TICKET]._cron_check_sla_overdue()   # A still holds the row locks
            waited = time.monotonic() - started
            env_b.cr.commit()
        finally:
            release.set()
            thread.join(60)
        self.assertFalse(errors)
        self.assertIn('a', results)
        self.assertLess(waited, 20, 'B skips what A holds instead of waiting for it')
        breaches = self._real_env()['helpdesk.lite.sla.breach'].search([('ticket_id', 'in', ids)])
        self.assertEqual(len(breaches), 3)

    def test_two_purges_of_the_rate_limit_log(self):
        env = self._real_env()
        Log = env['helpdesk.lite.submit.log']
        old = Log.create([{'ip_hash': 'x', 'email_hash': 'y', 'date': datetime.now() - timedelta(days=30)}
                          for _ in range(3)])
        env.cr.commit()
        self.addCleanup(self._drop_logs, old.ids)
        env_a, env_b = self._real_env(), self._real_env()
        env_b.cr.execute('SELECT 1')   # B's snapshot still holds the rows A deletes
        env_a['helpdesk.lite.submit.log']._gc_submit_log()
        env_a.cr.commit()
        env_b['helpdesk.lite.submit.log']._gc_submit_log()   # no serialization failure escapes
        env_b.cr.commit()
        self.assertFalse(self._real_env()['helpdesk.lite.submit.log'].browse(old.ids).exists())


@tagged('post_install', '-at_install')
class TestFrenchCustomer(HelpdeskLiteCommon, HttpCase):
    """The French translation reaches the customer: mails rendered in the customer's language and the
    portal in the portal user's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['res.lang']._activate_lang('fr_FR')
        cls.env['ir.module.module']._load_module_terms(['helpdesk_lite'], ['fr_FR'], overwrite=True)
        cls.french = new_test_user(cls.env, login='hdl_french', password='hdl_french', name='Françoise Client',
                                   email='francoise@example.com', groups='base.group_portal', lang='fr_FR')

    def test_acknowledgement_and_status_mail_in_french(self):
        with self.mock_mail_gateway():
            ticket = self._create_ticket(partner_id=self.french.partner_id.id, channel='portal')
            self.flush_tracking()
            ack = self._new_mails
        self.assertEqual(len(ack), 1)
        self.assertIn('Nous avons bien reçu votre demande', ack.body_html)
        self.assertNotIn('We have received your request', ack.body_html)
        with self.mock_mail_gateway():
            ticket.stage_id = self.stage_progress
            self.flush_tracking()
            status = self._new_mails
        self.assertEqual(len(status), 1)
        self.assertIn('En cours', status.subject, 'the stage name is in French')

    def test_one_batch_mails_each_customer_in_their_language(self):
        """Acknowledgements, status and closing mails of tickets created and moved together: each body
        entirely in its customer's language (two customers per language, so every language group of
        the batch is rendered as a batch)."""
        Partner = self.env['res.partner']
        french = Partner.create([{'name': f'Client {i}', 'email': f'client{i}@example.fr', 'lang': 'fr_FR'}
                                 for i in range(2)])
        english = Partner.create([{'name': f'Customer {i}', 'email': f'customer{i}@example.com',
                                   'lang': 'en_US'} for i in range(2)])
        phrases = {
            'ack': ('Nous avons bien reçu votre demande', 'We have received your request'),
            'status': ('Le statut du ticket', 'The status of ticket'),
            'closed': ('Êtes-vous satisfait de notre support', 'How satisfied are you with our support'),
        }

        def assert_languages(mails, kind):
            self.assertEqual(sorted(mails.mapped('res_id')), sorted(tickets.ids), kind)
            french_phrase, english_phrase = phrases[kind]
            for mail in mails:
                body = str(mail.body_html)
                if self.Ticket.browse(mail.res_id).partner_id in french:
                    self.assertIn(french_phrase, body, f'{kind} mail of a French customer')
                    self.assertNotIn(english_phrase, body, f'{kind} mail of a French customer')
                else:
                    self.assertIn(english_phrase, body, f'{kind} mail of an English customer')
                    self.assertNotIn(french_phrase, body, f'{kind} mail of an English customer')

        with self.mock_mail_gateway():
            tickets = self.Ticket.create([
                {'name': f'Panne {partner.name}', 'team_id': self.team.id, 'partner_id': partner.id,
                 'channel': 'portal'} for partner in french | english])
            self.flush_tracking()
            assert_languages(self._new_mails, 'ack')
        with self.mock_mail_gateway():
            tickets.stage_id = self.stage_progress
            self.flush_tracking()
            assert_languages(self._new_mails, 'status')
        with self.mock_mail_gateway():
            tickets.stage_id = self.stage_done
            self.flush_tracking()
            assert_languages(self._new_mails, 'closed')

    def test_portal_pages_in_french(self):
        ticket = self._create_ticket(partner_id=self.french.partner_id.id, channel='portal')
        self.authenticate('hdl_french', 'hdl_french')
        listing = self.url_open('/my/helpdesk')
        self.assertEqual(listing.status_code, 200)
        self.assertIn(ticket.number, listing.text)
        self.assertIn('Nouveau ticket', listing.text)
        page = self.url_open(f'/my/helpdesk/{ticket.id}')
        self.assertEqual(page.status_code, 200)
        self.assertIn('Télécharger le PDF', page.text)
        self.assertNotIn('Download PDF', page.text)
