import threading

from odoo import Command
from odoo.tests import TransactionCase, tagged

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
        # the first two requests wait for each other: both workers are sending at the same time
        self.receiver.barrier = threading.Barrier(2, timeout=10)
        done, errors = [], []

        def worker():
            try:
                done.append(self._deliver())
            except Exception as e:  # noqa: BLE001 - reported by the assertion below
                errors.append(e)
        threads = [threading.Thread(target=worker) for _i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertFalse(errors)
        self.assertFalse(self.receiver.barrier.broken, 'the two senders did not overlap')
        self.assertEqual(sum(done), 30)
        self.assertTrue(all(done), done)
        ids = [headers['webhook-id'] for _p, headers, _b in self.receiver.requests]
        self.assertEqual(len(ids), 30)
        self.assertEqual(len(set(ids)), 30)
        self.assertEqual(self._queued(), 0)
