import logging
import random
import threading
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

import requests
from urllib3 import exceptions as urllib3_exceptions

from odoo import api, fields, models
from odoo.tools import SQL, create_index

from ..tools import webhook_http

_logger = logging.getLogger(__name__)

# Delay before the next attempt after the n-th failed one (±20 % jitter): 11 attempts over about 2 days.
RETRY_DELAYS = [60, 300, 900, 3600, 7200, 14400, 28800, 43200, 43200, 43200]
JITTER = 0.2
MAX_RETRY_AFTER = 12 * 3600
CONNECT_TIMEOUT = 3.05
EXCERPT_BYTES = 2048
RETRYABLE_STATUS = {408, 425, 429}
RETENTION_PARAM = 'helpdesk_lite.webhook_retention_days'
DEFAULT_RETENTION_DAYS = 30
CRON_XMLID = 'helpdesk_lite.ir_cron_helpdesk_lite_webhook_deliver'


def retry_delay(failed_attempts, rng=random):
    """Seconds to wait after ``failed_attempts`` failures (1 = the first attempt failed)."""
    base = RETRY_DELAYS[min(failed_attempts, len(RETRY_DELAYS)) - 1]
    return base * rng.uniform(1 - JITTER, 1 + JITTER)


def parse_retry_after(value, now):
    """Seconds asked by a Retry-After header (seconds or an HTTP date), capped; None if absent or invalid."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value).replace(tzinfo=None) - now).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0), MAX_RETRY_AFTER)


class HelpdeskLiteWebhookDelivery(models.Model):
    """One event for one subscription: the outbox row, the retry queue and the delivery log at once.

    Rows are inserted at commit by ``helpdesk.lite.webhook._outbox_flush``; the payload is frozen then,
    and ``event_uuid`` (the ``webhook-id`` header) stays the same on every retry and resend, so that
    receivers can deduplicate. ``_cron_deliver`` sends them.
    """
    _name = 'helpdesk.lite.webhook.delivery'
    _description = 'Helpdesk Lite Webhook Delivery'
    _order = 'id desc'

    webhook_id = fields.Many2one(
        'helpdesk.lite.webhook', string='Subscription', required=True, index=True, ondelete='cascade', readonly=True)
    company_id = fields.Many2one('res.company', required=True, index=True, readonly=True)
    event = fields.Char(required=True, index=True, readonly=True)
    event_uuid = fields.Char(string='Webhook ID', required=True, index=True, readonly=True)
    res_model = fields.Char(string='Model', readonly=True)
    res_id = fields.Many2oneReference(string='Record ID', model_field='res_model', readonly=True)
    payload = fields.Text(readonly=True, help='The exact JSON body sent.')
    state = fields.Selection(
        [('pending', 'Pending'), ('done', 'Delivered'), ('failed', 'Failed'), ('cancelled', 'Cancelled')],
        default='pending', required=True, index=True, readonly=True)
    attempt_count = fields.Integer(string='Attempts', readonly=True)
    next_attempt_at = fields.Datetime(string='Next Try', readonly=True)
    last_attempt_at = fields.Datetime(string='Last Try', readonly=True)
    last_status_code = fields.Integer(string='HTTP Status', readonly=True)
    last_error = fields.Char(string='Error', readonly=True)
    last_duration_ms = fields.Integer(string='Duration (ms)', readonly=True)
    response_excerpt = fields.Text(string='Response', readonly=True, help='The first 2 kB of the last response.')
    done_at = fields.Datetime(string='Delivered On', readonly=True)

    _sql_constraints = [
        ('webhook_event_uniq', 'unique (webhook_id, event_uuid)', 'This event is already queued for this subscription.'),
    ]

    def init(self):
        super().init()
        # the sender's claim query: due pending rows in order
        create_index(self.env.cr, 'helpdesk_lite_webhook_delivery_pending_index', self._table,
                     ['next_attempt_at', 'id'], where="state = 'pending'")

    @api.depends('event')
    def _compute_display_name(self):
        for delivery in self:
            delivery.display_name = f'{delivery.event} #{delivery.id}'

    @api.model
    def _failing_domain(self):
        return ['|', ('state', '=', 'failed'), '&', ('state', '=', 'pending'), ('attempt_count', '>', 0)]

    # ------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------
    def action_resend(self):
        """Send again now (same webhook-id, so a receiver that got it already can ignore it)."""
        self.write({'state': 'pending', 'attempt_count': 0, 'next_attempt_at': fields.Datetime.now(),
                    'done_at': False})
        self._wake()
        return True

    def action_cancel(self):
        self.filtered(lambda d: d.state == 'pending').write({'state': 'cancelled', 'next_attempt_at': False})
        return True

    def action_open_record(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_window', 'res_model': self.res_model, 'res_id': self.res_id,
                'view_mode': 'form'}

    # ------------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------------
    @api.model
    def _wake(self, at=None):
        """Run the sender after commit (or at ``at``)."""
        cron = self.env.ref(CRON_XMLID, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at)

    @api.model
    def _cron_deliver(self, limit=500, time_budget=120, auto_commit=None):
        """Send the due deliveries, one row per transaction.

        Each delivery is claimed with ``FOR UPDATE SKIP LOCKED`` and its outcome committed right after the
        HTTP call, which also releases the lock: several cron workers share the queue and never send the
        same delivery twice (locking a batch and committing after the first would release the others).
        Never raises for a delivery problem (a cron that keeps failing gets deactivated by Odoo); reports
        progress so that ir.cron runs it again at once while work remains, and wakes itself up for the next
        retry. Commits only in a real worker, not in tests (like the mail queue).
        """
        if auto_commit is None:
            auto_commit = not getattr(threading.current_thread(), 'testing', False)
        deliveries = self.sudo()
        http = webhook_http.session(self.env['helpdesk.lite.webhook']._allowed_networks())
        deadline = time.monotonic() + time_budget
        done = 0
        if auto_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        try:
            while done < limit and time.monotonic() < deadline:
                if auto_commit:
                    # Read committed for this short transaction: the subscription's counters are updated by
                    # concurrent senders, which under repeatable read would abort the later one after its
                    # POST (and the delivery would go out twice). The delivery row itself is locked by the claim.
                    self.env.cr.execute('SET TRANSACTION ISOLATION LEVEL READ COMMITTED')
                now = fields.Datetime.now()
                delivery = deliveries._claim(now)
                if not delivery:
                    break
                delivery._attempt(http, now)
                done += 1
                if auto_commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        finally:
            http.close()
        now = fields.Datetime.now()
        remaining = deliveries._due_count(now)
        self.env['ir.cron']._notify_progress(done=done, remaining=remaining)
        if not remaining:
            deliveries._wake_for_next_retry(now)
        return done

    def _claim(self, now):
        self.env.flush_all()
        rows = self.env.execute_query(SQL("""
            SELECT d.id FROM helpdesk_lite_webhook_delivery d
              JOIN helpdesk_lite_webhook w ON w.id = d.webhook_id
             WHERE d.state = 'pending' AND d.next_attempt_at <= %(now)s AND w.active
               AND (w.state = 'active' OR (w.state = 'tripped' AND w.resume_at <= %(now)s))
             ORDER BY d.next_attempt_at, d.id
             LIMIT 1
               FOR UPDATE OF d SKIP LOCKED""", now=now))
        return self.browse(rows[0][0]) if rows else self.browse()

    def _due_count(self, now):
        self.flush_model()
        return self.env.execute_query(SQL("""
            SELECT count(*) FROM helpdesk_lite_webhook_delivery d JOIN helpdesk_lite_webhook w ON w.id = d.webhook_id
             WHERE d.state = 'pending' AND d.next_attempt_at <= %(now)s AND w.active
               AND (w.state = 'active' OR (w.state = 'tripped' AND w.resume_at <= %(now)s))""", now=now))[0][0]

    def _wake_for_next_retry(self, now):
        rows = self.env.execute_query(SQL("""
            SELECT min(next_attempt_at) FROM helpdesk_lite_webhook_delivery
             WHERE state = 'pending' AND next_attempt_at > %s""", now))
        if rows and rows[0][0]:
            self._wake(rows[0][0])

    def _attempt(self, http, now):
        """POST the frozen payload, signed for this attempt, and record the outcome on the delivery (never
        raises), and on the subscription's circuit breaker."""
        self.ensure_one()
        webhook = self.webhook_id
        body = self.payload.encode()
        timestamp = int(time.time())
        attempt = self.attempt_count + 1
        headers = {
            'Content-Type': 'application/json',
            'webhook-id': self.event_uuid,
            'webhook-timestamp': str(timestamp),
            'webhook-signature': webhook._signature(self.event_uuid, timestamp, body),
            'X-Helpdesk-Lite-Event': self.event,
            'X-Helpdesk-Lite-Attempt': str(attempt),
        }
        status, excerpt, error, retry_after, permanent = 0, False, False, None, False
        start = time.perf_counter()
        expired = None
        try:
            with webhook_http.time_limit(CONNECT_TIMEOUT + webhook.timeout) as expired:
                response = http.post(webhook.url, data=body, headers=headers, allow_redirects=False, stream=True,
                                     timeout=(CONNECT_TIMEOUT, webhook.timeout))
                try:
                    status = response.status_code
                    excerpt = response.raw.read(EXCERPT_BYTES, decode_content=True).decode('utf-8', 'replace')
                    excerpt = excerpt or False
                    retry_after = parse_retry_after(response.headers.get('Retry-After'), now)
                finally:
                    response.close()
        except webhook_http.AddressRefused as e:
            error, permanent = str(e), True
        except requests.Timeout:
            error = self.env._('No answer within %(seconds)s seconds', seconds=webhook.timeout)
        except (requests.RequestException, urllib3_exceptions.HTTPError) as e:
            error = self.env._('Connection failed: %(error)s', error=str(e)[:200])
        except Exception as e:  # noqa: BLE001 - the sender must survive anything one endpoint does
            _logger.warning('Webhook delivery %s to %s failed unexpectedly', self.id, webhook.url, exc_info=True)
            error = self.env._('Unexpected error: %(error)s', error=str(e)[:200])
        if expired is not None and expired():
            # cut off at the deadline: whatever was parsed of the answer is incomplete
            status, excerpt, retry_after = 0, False, None
            error = self.env._('No answer within %(seconds)s seconds', seconds=webhook.timeout)
        duration = int((time.perf_counter() - start) * 1000)
        vals = {'attempt_count': attempt, 'last_attempt_at': now, 'last_status_code': status, 'last_error': False,
                'last_duration_ms': duration, 'response_excerpt': excerpt}
        if 200 <= status < 300:
            vals.update(state='done', done_at=now, next_attempt_at=False)
            self.write(vals)
            webhook._record_success(now)
            return
        if status:
            error = f'HTTP {status}'
            if 300 <= status < 400:
                error += ' ' + self.env._('(redirects are not followed)')
            permanent = not (status >= 500 or status in RETRYABLE_STATUS)
        vals['last_error'] = error
        if permanent or attempt >= webhook.max_attempts:
            vals.update(state='failed', next_attempt_at=False)
        else:
            delay = timedelta(seconds=round(max(retry_delay(attempt), retry_after or 0)))
            vals['next_attempt_at'] = now + delay   # whole seconds, as the claim compares
        self.write(vals)
        webhook._record_failure(now, error, gone=status == 410)

    # ------------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------------
    @api.autovacuum
    def _gc_delivery_log(self):
        """Drop finished deliveries older than the retention (system parameter, days). Pending ones stay."""
        try:
            days = int(self.env['ir.config_parameter'].sudo().get_param(RETENTION_PARAM, DEFAULT_RETENTION_DAYS))
        except ValueError:
            days = DEFAULT_RETENTION_DAYS
        limit = fields.Datetime.now() - timedelta(days=max(days, 1))
        self.env.cr.execute(SQL(
            "DELETE FROM helpdesk_lite_webhook_delivery WHERE state != 'pending' AND create_date < %s", limit))
        self.invalidate_model()
        return self.env.cr.rowcount
