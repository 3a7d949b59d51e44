import time
from datetime import datetime, timezone

from odoo import SUPERUSER_ID, api, fields, models
from odoo.tools import SQL

DEFAULT_LIMIT_PER_KEY = 300
DEFAULT_LIMIT_PER_IP = 30
WINDOW_SECONDS = 60


class HelpdeskLiteApiRate(models.Model):
    """Request counters of the API (fixed one-minute windows), shared by every worker: one row per
    bucket ("key:<hash of the API key>" or "ip:<hash of the address>") and window.

    Counted on a cursor of its own, committed at once: GET routes stay read-only, and refused or failed
    requests count too (an attacker cannot reset their counter by making requests fail)."""
    _name = 'helpdesk.lite.api.rate'
    _description = 'Helpdesk Lite API Rate Counter'
    _log_access = False

    bucket = fields.Char(required=True, readonly=True)
    window_start = fields.Datetime(required=True, readonly=True)
    hits = fields.Integer(readonly=True)

    _sql_constraints = [
        ('bucket_window_uniq', 'unique (bucket, window_start)', 'One counter per bucket and window.'),
    ]

    @api.model
    def _hit(self, bucket, kind):
        """Count one request of ``bucket``; returns (limit, hits in this window, seconds until the window
        resets). A limit of 0 disables the check (nothing is counted).

        Everything, the limit included, is read on the counter's own cursor: this runs first in the request,
        before its (possibly read-only) cursor has done anything. That cursor is READ COMMITTED, so that
        concurrent requests of one bucket add up on the same row instead of failing to serialize."""
        now = int(time.time())
        window = now - now % WINDOW_SECONDS
        reset = window + WINDOW_SECONDS - now
        registry = self.env.registry
        with registry.cursor() as cr:
            if not registry.in_test_mode():  # test cursors share one transaction, which is already running
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            env = api.Environment(cr, SUPERUSER_ID, {})
            default = DEFAULT_LIMIT_PER_KEY if kind == 'key' else DEFAULT_LIMIT_PER_IP
            limit = int(env['ir.config_parameter'].get_param(f'helpdesk_lite.api_rate_limit_per_{kind}', default) or 0)
            if not limit:
                return 0, 0, reset
            cr.execute(SQL("""
                INSERT INTO helpdesk_lite_api_rate (bucket, window_start, hits) VALUES (%s, %s, 1)
                ON CONFLICT (bucket, window_start) DO UPDATE SET hits = helpdesk_lite_api_rate.hits + 1
                RETURNING hits
            """, bucket, datetime.fromtimestamp(window, timezone.utc).replace(tzinfo=None)))
            return limit, cr.fetchone()[0], reset

    @api.autovacuum
    def _gc_rate_counters(self):
        self.env.execute_query(SQL(
            "DELETE FROM helpdesk_lite_api_rate WHERE window_start < %s",
            fields.Datetime.subtract(fields.Datetime.now(), hours=1)))
