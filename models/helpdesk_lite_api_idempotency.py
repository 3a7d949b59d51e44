import json
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

RETENTION_HOURS = 24
MAX_KEY = 255


class HelpdeskLiteApiIdempotency(models.Model):
    """``Idempotency-Key`` of the API's creating POSTs: the first request with a key stores its answer;
    a retry with the same key and body gets that answer again (nothing is created twice), the same
    key with another body is refused (422), and a retry while the first request is still running
    gets 409. Keys are per user and kept 24 hours.

    The row is written in the request's own transaction: a request that fails leaves no row, so the
    client can retry with the same key."""
    _name = 'helpdesk.lite.api.idempotency'
    _description = 'Helpdesk Lite API Idempotency Key'
    _log_access = False

    user_id = fields.Many2one('res.users', required=True, ondelete='cascade', readonly=True)
    key = fields.Char(required=True, readonly=True)
    route = fields.Char(required=True, readonly=True)
    request_hash = fields.Char(required=True, readonly=True)
    status = fields.Integer(readonly=True)
    response_body = fields.Text(readonly=True)
    date = fields.Datetime(readonly=True, default=fields.Datetime.now, index=True)

    _sql_constraints = [
        ('user_key_uniq', 'unique (user_id, key)', 'This idempotency key was already used.'),
    ]

    @api.model
    def _begin(self, key, route, request_hash):
        """Claim ``key`` for the current user. Returns None when claimed (go on, then ``_finish``), else
        ``('replay', status, body)``, ``('mismatch',)`` or ``('in_progress',)``.

        The INSERT waits on the unique index while another transaction holds the same key; once that one
        commits, PostgreSQL reports a serialization failure (repeatable read) and Odoo runs the request
        again, which then finds the stored answer and replays it."""
        self.flush_model()
        rows = self.env.execute_query(SQL("""
            INSERT INTO helpdesk_lite_api_idempotency (user_id, key, route, request_hash, date)
            VALUES (%s, %s, %s, %s, now() AT TIME ZONE 'UTC')
            ON CONFLICT (user_id, key) DO NOTHING
            RETURNING id
        """, self.env.uid, key, route, request_hash))
        if rows:
            self.env.cr.precommit.data['helpdesk_lite.idempotency'] = rows[0][0]
            return None
        existing = self.env.execute_query(SQL(
            "SELECT route, request_hash, status, response_body FROM helpdesk_lite_api_idempotency "
            "WHERE user_id = %s AND key = %s", self.env.uid, key))
        if not existing or existing[0][2] is None:
            return ('in_progress',)
        stored_route, stored_hash, status, body = existing[0]
        if (stored_route, stored_hash) != (route, request_hash):
            return ('mismatch',)
        return ('replay', status, json.loads(body))

    @api.model
    def _finish(self, status, body):
        row_id = self.env.cr.precommit.data.pop('helpdesk_lite.idempotency', None)
        if row_id:
            self.env.execute_query(SQL(
                "UPDATE helpdesk_lite_api_idempotency SET status = %s, response_body = %s WHERE id = %s",
                status, json.dumps(body, default=str), row_id))

    @api.autovacuum
    def _gc_idempotency_keys(self):
        self.env.execute_query(SQL(
            "DELETE FROM helpdesk_lite_api_idempotency WHERE date < %s",
            fields.Datetime.now() - timedelta(hours=RETENTION_HOURS)))
