from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import hmac
from odoo.tools.sql import create_index

# Two classes of advisory locks (first key of pg_advisory_xact_lock): always taken IP first, then
# email, so that two transactions can never wait on each other in a cycle.
_LOCK_CLASS_IP = 0x48444C01
_LOCK_CLASS_EMAIL = 0x48444C02

DEFAULT_LIMIT_PER_IP = 5
DEFAULT_LIMIT_PER_EMAIL = 3
DEFAULT_WINDOW_MINUTES = 60
RETENTION_DAYS = 2


class HelpdeskLiteSubmitLog(models.Model):
    """One row per accepted public submission, to rate-limit the public form per IP address and per
    email across all workers (an in-memory counter would be per process). Only keyed hashes are
    stored, never the address or the email themselves; rows are purged after two days."""
    _name = 'helpdesk.lite.submit.log'
    _description = 'Helpdesk Lite Public Submission (rate limiting)'
    _order = 'date desc, id desc'
    _log_access = False

    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    ip_hash = fields.Char(string='IP Address Key', required=True, readonly=True)
    email_hash = fields.Char(string='Email Key', required=True, readonly=True)

    def init(self):
        super().init()
        create_index(self.env.cr, 'helpdesk_lite_submit_log_ip_date_idx', self._table, ['ip_hash', 'date'])
        create_index(self.env.cr, 'helpdesk_lite_submit_log_email_date_idx', self._table, ['email_hash', 'date'])

    @api.model
    def _key(self, kind, value):
        # Keys of rows written before this formula no longer match: rows live two days, so the limits
        # start afresh once after the upgrade.
        return hmac(self.env(su=True), f'helpdesk_lite.submit.{kind}', (value or '').strip().lower())

    @api.model
    def _limits(self):
        ICP = self.env['ir.config_parameter'].sudo()
        return (
            int(ICP.get_param('helpdesk_lite.public_submit_limit_per_ip', DEFAULT_LIMIT_PER_IP)),
            int(ICP.get_param('helpdesk_lite.public_submit_limit_per_email', DEFAULT_LIMIT_PER_EMAIL)),
            int(ICP.get_param('helpdesk_lite.public_submit_window_minutes', DEFAULT_WINDOW_MINUTES)),
        )

    @api.model
    def _register_submission(self, ip, email):
        """Record a submission from ``ip`` for ``email`` unless either has reached its limit within
        the window; return whether it is allowed. A limit of 0 disables that check."""
        ip_key, email_key = self._key('ip', ip), self._key('email', email)
        # Serialize concurrent submissions for the same IP or email (other workers wait until this
        # transaction ends), so that the count below cannot be raced past the limit.
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", _LOCK_CLASS_IP, ip_key))
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", _LOCK_CLASS_EMAIL, email_key))
        ip_limit, email_limit, window = self._limits()
        since = fields.Datetime.now() - timedelta(minutes=window)
        for field_name, key, limit in (('ip_hash', ip_key, ip_limit), ('email_hash', email_key, email_limit)):
            if limit and self.search_count([(field_name, '=', key), ('date', '>=', since)], limit=limit) >= limit:
                return False
        self.create({'ip_hash': ip_key, 'email_hash': email_key})
        return True

    @api.autovacuum
    def _gc_submit_log(self):
        # one DELETE, however many rows a flood left behind
        self.flush_model(['date'])
        self.env.cr.execute(SQL(
            "DELETE FROM helpdesk_lite_submit_log WHERE date < %s",
            fields.Datetime.now() - timedelta(days=RETENTION_DAYS)))
        self.invalidate_model()
