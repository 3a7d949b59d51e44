from odoo import Command, fields
from odoo.tests import TransactionCase, tagged

from ..tools import webhook_http
from .webhook_receiver import Receiver, verify_signature


@tagged('post_install', '-at_install')
class TestWebhookTransactions(TransactionCase):
    """Real transactions on their own database connections (committed, then cleaned up): what a rolled-back
    request announces, what a committed one delivers, and two cron workers sharing the queue."""

    def setUp(self):
        super().setUp()
        self.receiver = Receiver(delay=0.01)
        self.receiver.__enter__()
        self.addCleanup(self.receiver.__exit__)
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            env['ir.config_parameter'].set_param('helpdesk_lite.webhook_allowed_networks', '127.0.0.1/32')
            team = env['helpdesk.lite.team'].create({'name': 'Webhook race team'})
            webhook = env['helpdesk.lite.webhook'].create({
                'name': 'Race', 'url': self.receiver.url,
                'event_ids': [Command.set(env['helpdesk.lite.webhook.event'].search([('builtin', '=', True)]).ids)],
                'team_ids': [Command.set(team.ids)]})
            ticket = env['helpdesk.lite.ticket'].create({'name': 'Committed ticket', 'team_id': team.id})
            self.team_id, self.webhook_id, self.ticket_id = team.id, webhook.id, ticket.id
            self.secret = webhook.sudo().secret
        self.addCleanup(self._cleanup)
        self._deliver()   # the ticket.created of the fixture
        self.receiver.requests.clear()

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            env['helpdesk.lite.ticket'].with_context(active_test=False).search([('team_id', '=', self.team_id)]).unlink()
            env['helpdesk.lite.webhook'].browse(self.webhook_id).unlink()
            env['helpdesk.lite.team'].browse(self.team_id).unlink()
            env['ir.config_parameter'].set_param('helpdesk_lite.webhook_allowed_networks', False)
            cron = env.ref('helpdesk_lite.ir_cron_helpdesk_lite_webhook_deliver')
            env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]).unlink()

    def _deliver(self):
        with self.registry.cursor() as cr:
            return self.env(cr=cr)['helpdesk.lite.webhook.delivery']._cron_deliver(auto_commit=True)

    def _queued(self):
        with self.registry.cursor() as cr:
            return self.env(cr=cr)['helpdesk.lite.webhook.delivery'].search_count(
                [('webhook_id', '=', self.webhook_id), ('state', '=', 'pending')])

    def test_rolled_back_write_sends_nothing(self):
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            env['helpdesk.lite.ticket'].browse(self.ticket_id).write({'priority': '3'})
            cr.flush()   # the precommit hooks ran: the outbox row exists, in this transaction only
            self.assertTrue(env['helpdesk.lite.webhook.delivery'].search_count([('webhook_id', '=', self.webhook_id)]))
            self.assertEqual(self._queued(), 0)
            cr.rollback()
        self.assertEqual(self._queued(), 0)
        self.assertEqual(self._deliver(), 0)
        self.assertFalse(self.receiver.requests)
        # the same write, committed: delivered once, after commit, signed
        with self.registry.cursor() as cr:
            self.env(cr=cr)['helpdesk.lite.ticket'].browse(self.ticket_id).write({'priority': '3'})
        self.assertEqual(self._queued(), 1)
        self.assertEqual(self._deliver(), 1)
        (_path, headers, body), = self.receiver.requests
        self.assertEqual(headers['x-helpdesk-lite-event'], 'ticket.updated')
        self.assertTrue(verify_signature(self.secret, headers, body))

    def test_two_senders_deliver_each_event_once(self):
        with self.registry.cursor() as cr:
            self.env(cr=cr)['helpdesk.lite.ticket'].create(
                [{'name': f'Race {i}', 'team_id': self.team_id} for i in range(30)])
        self.assertEqual(self._queued(), 30)
        # two senders on two database connections, each holding its claim while the other claims
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            sender_a = self.env(cr=cr_a)['helpdesk.lite.webhook.delivery']
            sender_b = self.env(cr=cr_b)['helpdesk.lite.webhook.delivery']
            http = webhook_http.session(webhook_http.parse_networks('127.0.0.1/32'))
            for _round in range(15):
                for cr in (cr_a, cr_b):
                    cr.execute('SET TRANSACTION ISOLATION LEVEL READ COMMITTED')
                now = fields.Datetime.now()
                claimed_a, claimed_b = sender_a._claim(now), sender_b._claim(now)
                self.assertTrue(claimed_a and claimed_b)
                self.assertNotEqual(claimed_a.id, claimed_b.id)   # SKIP LOCKED: never the same row
                claimed_a._attempt(http, now)
                cr_a.commit()
                claimed_b._attempt(http, now)
                cr_b.commit()
            http.close()
            self.assertFalse(sender_a._claim(fields.Datetime.now()))
        ids = [headers['webhook-id'] for _p, headers, _b in self.receiver.requests]
        self.assertEqual(len(ids), 30)
        self.assertEqual(len(set(ids)), 30)
        self.assertEqual(self._queued(), 0)
