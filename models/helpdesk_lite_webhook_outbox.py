import json
import uuid

from odoo import api, fields, models
from odoo.tools import SQL

OUTBOX_KEY = 'helpdesk_lite.webhook_outbox'


def iso(value):
    """Spec-style UTC timestamp: 2024-01-15T10:30:00Z."""
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


def new_message(event, now, data):
    """(webhook-id, JSON body) of a new event: the body is exactly {"event", "timestamp", "data"}."""
    body = json.dumps({'event': event, 'timestamp': iso(now), 'data': data},
                      ensure_ascii=False, separators=(',', ':'), default=str)
    return f'msg_{uuid.uuid4().hex}', body


class HelpdeskLiteWebhookOutbox(models.Model):
    """Emission side of webhooks: events are collected during the transaction and written to the outbox
    (``helpdesk.lite.webhook.delivery``) by one precommit callback, in one INSERT, together with the change
    they announce. A rolled-back transaction (or savepoint) therefore announces nothing, a committed one
    loses nothing, and the sender only ever sees committed changes."""
    _inherit = 'helpdesk.lite.webhook'

    @api.model
    def _outbox(self):
        data = self.env.cr.precommit.data
        outbox = data.get(OUTBOX_KEY)
        if outbox is None:
            outbox = data[OUTBOX_KEY] = {
                'records': [],                 # (event, model, res_id, data, company_id, team_id)
                'created': set(),              # ticket ids created in the transaction
                'snapshots': {},               # ticket id -> {field: value before the first write}
                'ticket_events': {},           # (event, ticket id, extra as JSON) -> extra
            }
            self.env.cr.precommit.add(self.sudo()._outbox_flush)
        return outbox

    @api.model
    def _listens_to(self, *events):
        """Whether an active subscription listens to one of ``events`` (cached, no query)."""
        index = self._subscription_index()
        return any(event in index for event in events)

    @api.model
    def _emit_for_records(self, event, records, payloads):
        """Queue ``event`` for each of ``records`` with ``payloads[record.id]`` as its "data".

        Sent, at commit, to the active subscriptions listening to ``event`` whose company is the record's
        (when the model has a company) and whose teams include the record's team (when it has one).
        """
        if not records or not self._listens_to(event):
            return
        outbox = self._outbox()
        has_company, has_team = 'company_id' in records._fields, 'team_id' in records._fields
        for record in records:
            outbox['records'].append((
                event, records._name, record.id, payloads[record.id],
                record.company_id.id if has_company else None, record.team_id.id if has_team else None))

    def _outbox_flush(self):
        outbox = self.env.cr.precommit.data.pop(OUTBOX_KEY, None)
        if not outbox:
            return
        items = outbox['records'] + self.env['helpdesk.lite.ticket']._webhook_outbox_items(outbox)
        index = self._subscription_index()
        now = fields.Datetime.now()
        rows = []
        for event, model, res_id, data, company_id, team_id in items:
            internal = data.get('is_internal') is True
            targets = [webhook_id for webhook_id, webhook_company, teams, with_internal in index.get(event, ())
                       if (company_id is None or company_id == webhook_company)
                       and (not teams or team_id is None or team_id in teams)
                       and (with_internal or not internal)]
            if targets:
                msg_id, body = new_message(event, now, data)
                rows.extend((webhook_id, event, msg_id, model, res_id, body) for webhook_id in targets)
        self._insert_deliveries(rows, now)

    def _enqueue(self, items, now):
        """Queue (webhook, event, model, res_id, data) items for exactly these subscriptions, bypassing their
        event filter (test events)."""
        rows = []
        for webhook, event, model, res_id, data in items:
            msg_id, body = new_message(event, now, data)
            rows.append((webhook.id, event, msg_id, model, res_id, body))
        self._insert_deliveries(rows, now)

    @api.model
    def _insert_deliveries(self, rows, now):
        """One INSERT for the whole batch, whatever its size (the ORM would send one per 100 rows and
        recompute nothing useful here); only subscriptions that still exist and are active get rows."""
        if not rows:
            return
        webhook_ids, events, msg_ids, models_, res_ids, bodies = zip(*rows)
        self.env.cr.execute(SQL("""
            INSERT INTO helpdesk_lite_webhook_delivery
                   (webhook_id, company_id, event, event_uuid, res_model, res_id, payload, state, attempt_count,
                    next_attempt_at, create_uid, create_date, write_uid, write_date)
            SELECT w.id, w.company_id, r.event, r.msg_id, r.model, r.res_id, r.body, 'pending', 0,
                   %(now)s, %(uid)s, %(stamp)s, %(uid)s, %(stamp)s
              FROM unnest(%(webhook_ids)s::int[], %(events)s::varchar[], %(msg_ids)s::varchar[],
                          %(models)s::varchar[], %(res_ids)s::int[], %(bodies)s::text[]) WITH ORDINALITY
                   AS r(webhook_id, event, msg_id, model, res_id, body, n)
              JOIN helpdesk_lite_webhook w ON w.id = r.webhook_id AND w.active
             ORDER BY r.n""",
            now=now, uid=self.env.uid, stamp=self.env.cr.now(), webhook_ids=list(webhook_ids), events=list(events),
            msg_ids=list(msg_ids), models=list(models_), res_ids=list(res_ids), bodies=list(bodies)))
        self.env['helpdesk.lite.webhook.delivery'].invalidate_model()
        self.invalidate_model(['delivery_ids'])
        self.env['helpdesk.lite.webhook.delivery']._wake()
        self.env.flush_all()
