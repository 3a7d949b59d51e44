import json
import time
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from ..models.helpdesk_lite_webhook_delivery import RETRY_DELAYS
from .test_webhooks import WebhookCommon
from .webhook_receiver import Receiver, verify_signature

T0 = datetime(2024, 1, 15, 10, 30)


@tagged('post_install', '-at_install')
class TestWebhookDelivery(WebhookCommon):
    """The sender against a real HTTP receiver on 127.0.0.1."""

    def _queue(self, receiver, count=1):
        self.webhook.url = receiver.url
        tickets = self.Ticket.create([{'name': f'Event {i}', 'team_id': self.team.id} for i in range(count)])
        return tickets, self._committed()

    def test_delivered_signed(self):
        with Receiver() as receiver:
            ticket, (delivery,) = self._queue(receiver)
            self.assertEqual(self.Delivery._cron_deliver(), 1)
        self.assertEqual(len(receiver.requests), 1)
        path, headers, body = receiver.requests[0]
        self.assertEqual(path, '/hook')
        self.assertEqual(body, delivery.payload.encode())
        self.assertEqual(json.loads(body)['data']['ticket_id'], ticket.id)
        self.assertEqual(headers['content-type'], 'application/json')
        self.assertEqual(headers['webhook-id'], delivery.event_uuid)
        self.assertEqual(headers['x-helpdesk-lite-event'], 'ticket.created')
        self.assertTrue(verify_signature(self.webhook.sudo().secret, headers, body))
        self.assertFalse(verify_signature(self.Webhook.new({}).secret, headers, body))
        self.assertFalse(verify_signature(self.webhook.sudo().secret, headers, body + b' '))
        self.assertRecordValues(delivery, [{'state': 'done', 'attempt_count': 1, 'last_status_code': 200,
                                            'response_excerpt': 'ok', 'next_attempt_at': False}])
        self.assertTrue(self.webhook.last_success_at)
        # nothing left: a second run sends nothing
        self.assertEqual(self.Delivery._cron_deliver(), 0)

    def test_rotation_signs_with_both_secrets(self):
        old = self.webhook.sudo().secret
        new = self.webhook._rotate_secret(overlap_hours=1)
        with Receiver() as receiver:
            self._queue(receiver)
            self.Delivery._cron_deliver()
        _path, headers, body = receiver.requests[0]
        self.assertTrue(verify_signature(old, headers, body))
        self.assertTrue(verify_signature(new, headers, body))

    def test_retry_schedule_with_backoff(self):
        self.env['ir.config_parameter'].set_param('helpdesk_lite.webhook_breaker_threshold', '100')
        with Receiver(status=503) as receiver, freeze_time(T0) as frozen:
            _ticket, (delivery,) = self._queue(receiver)
            elapsed = timedelta()
            for attempt, delay in enumerate(RETRY_DELAYS, start=1):
                self.assertEqual(self.Delivery._cron_deliver(), 1, (attempt, delivery.read(), self.webhook.state))
                self.assertEqual(len(receiver.requests), attempt)
                self.assertRecordValues(delivery, [{'state': 'pending', 'attempt_count': attempt,
                                                    'last_status_code': 503, 'last_error': 'HTTP 503'}])
                wait = delivery.next_attempt_at - (T0 + elapsed)
                self.assertTrue(0.8 * delay <= wait.total_seconds() <= 1.2 * delay, (attempt, wait))
                # not before its time
                frozen.move_to(delivery.next_attempt_at - timedelta(seconds=1))
                self.assertEqual(self.Delivery._cron_deliver(), 0)
                frozen.move_to(delivery.next_attempt_at)
                elapsed = delivery.next_attempt_at - T0
            self.assertEqual(self.Delivery._cron_deliver(), 1)
        self.assertEqual(len(receiver.requests), len(RETRY_DELAYS) + 1)
        self.assertRecordValues(delivery, [{'state': 'failed', 'attempt_count': 11, 'next_attempt_at': False}])
        self.assertTrue(timedelta(days=1.6) < elapsed < timedelta(days=2.6), elapsed)
        # the same webhook-id on every attempt; attempts numbered
        self.assertEqual({headers['webhook-id'] for _p, headers, _b in receiver.requests}, {delivery.event_uuid})
        self.assertEqual(receiver.requests[-1][1]['x-helpdesk-lite-attempt'], '11')
        # manual resend
        with Receiver() as receiver, freeze_time(T0 + elapsed):
            self.webhook.url = receiver.url
            delivery.action_resend()
            self.assertEqual(self.Delivery._cron_deliver(), 1)
        self.assertEqual(delivery.state, 'done')
        self.assertEqual(receiver.requests[0][1]['webhook-id'], delivery.event_uuid)

    def test_retry_after_and_permanent_errors(self):
        with Receiver(status=429, headers={'Retry-After': '7200'}) as receiver, freeze_time(T0):
            _ticket, (delivery,) = self._queue(receiver)
            self.Delivery._cron_deliver()
        self.assertEqual(delivery.next_attempt_at, T0 + timedelta(hours=2))
        delivery.action_cancel()
        for status in (400, 401, 404, 302):
            with Receiver(status=status, headers={'Location': '/elsewhere'}) as receiver:
                _ticket, (delivery,) = self._queue(receiver)
                self.Delivery._cron_deliver()
            with self.subTest(status=status):
                self.assertEqual((delivery.state, delivery.attempt_count), ('failed', 1))
                self.assertEqual([path for path, _h, _b in receiver.requests], ['/hook'])   # redirect not followed
                self.assertTrue(delivery.last_error.startswith(f'HTTP {status}'))

    def test_connection_refused_and_bounded_response(self):
        with Receiver() as receiver:
            url = receiver.url
        _ticket, (delivery,) = self._queue(type('Gone', (), {'url': url})())
        self.Delivery._cron_deliver()
        self.assertEqual((delivery.state, delivery.attempt_count, delivery.last_status_code), ('pending', 1, 0))
        self.assertIn('Connection failed', delivery.last_error)
        with Receiver(body=b'x' * 1_000_000) as receiver:
            _ticket, (delivery,) = self._queue(receiver)
            self.Delivery._cron_deliver()
        self.assertEqual(delivery.state, 'done')
        self.assertEqual(len(delivery.response_excerpt), 2048)

    def test_timeout_bounds_the_whole_answer(self):
        # each byte comes within the per-read timeout; the whole answer would take minutes
        self.webhook.timeout = 1
        with Receiver(drip=0.5) as receiver:
            _ticket, (delivery,) = self._queue(receiver)
            start = time.monotonic()
            self.Delivery._cron_deliver()
            elapsed = time.monotonic() - start
        self.assertLess(elapsed, 8)   # connect allowance (3 s) + timeout (1 s), with room for a slow machine
        self.assertEqual((delivery.state, delivery.attempt_count, delivery.last_status_code), ('pending', 1, 0))
        self.assertEqual(delivery.last_error, 'No answer within 1 seconds')

    def test_ssrf_refused_at_connect_time(self):
        # saved while loopback was allowed, then the administrator closes it: nothing may reach the receiver,
        # however the name resolves (checked on the address the socket connects to)
        with Receiver() as receiver:
            _ticket, (delivery,) = self._queue(receiver)
            self.webhook.url = receiver.url.replace('127.0.0.1', 'localhost')
            self.env['ir.config_parameter'].set_param('helpdesk_lite.webhook_allowed_networks', '10.0.0.0/8')
            self.Delivery._cron_deliver()
        self.assertFalse(receiver.requests)
        self.assertEqual(delivery.state, 'failed')
        self.assertIn('not a public address', delivery.last_error)

    def test_circuit_breaker_trips_and_recovers(self):
        self.env['ir.config_parameter'].set_param('helpdesk_lite.webhook_breaker_threshold', '3')
        self.webhook.user_id = self.manager
        with Receiver(status=500) as receiver, freeze_time(T0) as frozen:
            _tickets, deliveries = self._queue(receiver, count=5)
            self.assertEqual(self.Delivery._cron_deliver(), 3)   # the 3rd failure in a row trips it
            self.assertEqual(self.webhook.state, 'tripped')
            self.assertEqual(self.webhook.resume_at, T0 + timedelta(minutes=5))
            self.assertEqual(deliveries.mapped('state'), ['pending'] * 5)   # nothing lost
            # managers are told: a note that notifies them and an activity for the responsible
            message = self.webhook.message_ids[0]
            self.assertIn('are paused', message.body)
            self.assertIn(self.manager.partner_id, message.notified_partner_ids)
            self.assertEqual(self.webhook.activity_ids.user_id, self.manager)
            # while tripped, nothing is sent, even when due
            frozen.move_to(T0 + timedelta(minutes=2))
            self.assertEqual(self.Delivery._cron_deliver(), 0)
            # half-open after the cool-down: one more failure trips it again, for twice as long
            frozen.move_to(T0 + timedelta(minutes=5))
            self.assertEqual(self.Delivery._cron_deliver(), 1)
            self.assertEqual(self.webhook.state, 'tripped')
            self.assertEqual(self.webhook.resume_at, T0 + timedelta(minutes=15))
            self.assertEqual(len(receiver.requests), 4)
            # the endpoint is back: the first success closes the breaker and the queue drains
            receiver.status = 200
            frozen.move_to(T0 + timedelta(minutes=15))
            self.assertEqual(self.Delivery._cron_deliver(), 5)
        self.assertEqual(self.webhook.state, 'active')
        self.assertEqual(self.webhook.consecutive_failures, 0)
        self.assertEqual(deliveries.mapped('state'), ['done'] * 5)
        self.assertIn('work again', self.webhook.message_ids[0].body)

    def test_gone_pauses_until_resumed(self):
        with Receiver(status=410) as receiver:
            _tickets, deliveries = self._queue(receiver, count=2)
            self.assertEqual(self.Delivery._cron_deliver(), 1)
            self.assertEqual(self.webhook.state, 'paused')
            self.assertEqual(self.Delivery._cron_deliver(), 0)
            receiver.status = 200
            self.webhook.action_resume()
            self.assertEqual(self.Delivery._cron_deliver(), 1)
        self.assertEqual(deliveries.mapped('state'), ['failed', 'done'])

    def test_test_event(self):
        with Receiver() as receiver:
            self.webhook.url = receiver.url
            self.webhook.event_ids = [Command.clear()]
            self.webhook.action_send_test()
            self.env.cr.flush()
            self.Delivery._cron_deliver()
        body = json.loads(receiver.requests[0][2])
        self.assertEqual((body['event'], body['data']['webhook_id']), ('ping', self.webhook.id))

    def test_purge_after_retention(self):
        with Receiver() as receiver:
            _tickets, deliveries = self._queue(receiver, count=3)
            self.Delivery._cron_deliver(limit=2)
        old = fields.Datetime.now() - timedelta(days=31)
        self.env.cr.execute('UPDATE helpdesk_lite_webhook_delivery SET create_date = %s WHERE id = ANY(%s)',
                            [old, deliveries.ids])
        self.env['ir.config_parameter'].set_param('helpdesk_lite.webhook_retention_days', '30')
        self.Delivery._gc_delivery_log()
        # the two delivered ones are gone, the pending one stays
        self.assertEqual(deliveries.exists().mapped('state'), ['pending'])
