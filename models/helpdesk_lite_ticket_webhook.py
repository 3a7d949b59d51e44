import json

from odoo import api, models, tools

from .helpdesk_lite_ticket import PRIORITY_SELECTION
from .helpdesk_lite_webhook_outbox import iso

PRIORITY_WORDS = {key: label.lower() for key, label in PRIORITY_SELECTION}
# Ticket fields whose change is a "ticket.updated", with the name the event reports.
WATCHED_FIELDS = {
    'name': 'subject', 'description': 'description', 'priority': 'priority', 'stage_id': 'stage',
    'user_id': 'assignee_id', 'user_ids': 'additional_assignee_ids', 'team_id': 'team_id',
    'category_id': 'category_id', 'tag_ids': 'tags', 'partner_id': 'customer_id', 'partner_name': 'requester_name',
    'partner_email': 'requester_email', 'partner_phone': 'requester_phone', 'sla_deadline': 'sla_deadline',
    'active': 'active', 'lifecycle': 'status',
}
WRITE_EVENTS = ('ticket.updated', 'ticket.assigned', 'ticket.resolved', 'ticket.closed')
BREACH_TYPES = {'response': 'first_response', 'resolution': 'resolution'}
MAX_COMMENT_CHARS = 65536


class HelpdeskLiteTicketWebhook(models.Model):
    """Ticket events for webhooks: ticket.created, ticket.updated (with the changed field names),
    ticket.assigned, ticket.resolved, ticket.closed, ticket.comment.added and ticket.sla.breached.

    Writes only remember the values before the transaction's first change (no query when they are
    cached); the events are worked out at commit from what really changed, so several writes give one
    ticket.updated, and a change undone in the same transaction gives none. Nothing is done while no
    active subscription listens to the events.
    """
    _inherit = 'helpdesk.lite.ticket'

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        if self.env['helpdesk.lite.webhook']._listens_to('ticket.created', 'ticket.assigned'):
            self.env['helpdesk.lite.webhook']._outbox()['created'].update(tickets.ids)
        return tickets

    def write(self, vals):
        fnames = [fname for fname in vals if fname in WATCHED_FIELDS]
        if fnames and self and self.env['helpdesk.lite.webhook']._listens_to(*WRITE_EVENTS):
            if 'stage_id' in vals:
                fnames.append('lifecycle')
            self._webhook_snapshot(fnames)
        return super().write(vals)

    def _webhook_snapshot(self, fnames):
        outbox = self.env['helpdesk.lite.webhook']._outbox()
        tickets = self.browse([id_ for id_ in self._ids if id_ not in outbox['created']])
        snapshots = outbox['snapshots']
        for ticket in tickets:
            snapshot = snapshots.setdefault(ticket.id, {})
            for fname in fnames:
                if fname not in snapshot:
                    snapshot[fname] = ticket._webhook_value(fname)

    def _webhook_value(self, fname):
        value = self[fname]
        return tuple(sorted(value.ids)) if isinstance(value, models.BaseModel) else value

    def _webhook_emit(self, event, **extra):
        """Announce ``event`` for each of these tickets at commit; "data" is the ticket's common fields
        (ticket_id, ticket_number, subject, priority, status) plus ``extra``. The same event with the same
        extra for the same ticket is sent once per transaction."""
        if not self or not self.env['helpdesk.lite.webhook']._listens_to(event):
            return
        events = self.env['helpdesk.lite.webhook']._outbox()['ticket_events']
        key = json.dumps(extra, sort_keys=True, default=str)
        for ticket_id in self._ids:
            events.setdefault((event, ticket_id, key), extra)

    def _webhook_data(self):
        """{ticket id: the fields every ticket event carries}."""
        return {ticket.id: {
            'ticket_id': ticket.id,
            'ticket_number': ticket.number,
            'subject': ticket.name,
            'priority': PRIORITY_WORDS.get(ticket.priority),
            'status': ticket.lifecycle,
        } for ticket in self}

    @api.model
    def _webhook_outbox_items(self, outbox):
        """The transaction's ticket events, as outbox items (event, model, id, data, company, team)."""
        created, snapshots, events = outbox['created'], outbox['snapshots'], outbox['ticket_events']
        ids = created | set(snapshots) | {ticket_id for _event, ticket_id, _key in events}
        if not ids:
            return []
        tickets = self.sudo().with_context(active_test=False).browse(sorted(ids)).exists()
        base = tickets._webhook_data()
        items = []

        def add(ticket, event, **extra):
            items.append((event, self._name, ticket.id, dict(base[ticket.id], **extra), ticket.company_id.id,
                          ticket.team_id.id))

        for ticket in tickets:
            if ticket.id in created:
                add(ticket, 'ticket.created', team_id=ticket.team_id.id or None,
                    category_id=ticket.category_id.id or None, assignee_id=ticket.user_id.id or None,
                    channel=ticket.channel, requester_name=ticket.partner_name or None,
                    requester_email=ticket.partner_email or None, created_at=iso(ticket.create_date))
                if ticket.user_id:
                    add(ticket, 'ticket.assigned', assignee_id=ticket.user_id.id, assignee_name=ticket.user_id.name,
                        previous_assignee_id=None)
            elif ticket.id in snapshots:
                ticket._webhook_changes(snapshots[ticket.id], add)
        for (event, ticket_id, _key), extra in events.items():
            ticket = tickets.browse(ticket_id)
            if ticket_id in base:
                add(ticket, event, **extra)
        return items

    def _webhook_changes(self, before, add):
        self.ensure_one()
        changed = sorted(WATCHED_FIELDS[fname] for fname, value in before.items() if self._webhook_value(fname) != value)
        if not changed:
            return
        add(self, 'ticket.updated', changed_fields=changed, assignee_id=self.user_id.id or None,
            team_id=self.team_id.id or None)
        if 'user_id' in before and self.user_id and before['user_id'] != (self.user_id.id,):
            add(self, 'ticket.assigned', assignee_id=self.user_id.id, assignee_name=self.user_id.name,
                previous_assignee_id=before['user_id'][0] if before['user_id'] else None)
        if before.get('lifecycle', self.lifecycle) != self.lifecycle:
            if self.lifecycle == 'resolved':
                add(self, 'ticket.resolved', resolved_at=iso(self.closed_date))
            elif self.lifecycle == 'closed':
                add(self, 'ticket.closed', closed_at=iso(self.closed_date))

    # ------------------------------------------------------------------------
    # Comments and SLA breaches
    # ------------------------------------------------------------------------
    def _message_post_after_hook(self, message, msg_vals):
        result = super()._message_post_after_hook(message, msg_vals)
        if self.env['helpdesk.lite.webhook']._listens_to('ticket.comment.added'):
            self._webhook_emit_comment(message)
        return result

    def _webhook_emit_comment(self, message):
        """Public replies, incoming emails and internal notes written by people (not system messages)."""
        xmlid_to_id = self.env['ir.model.data']._xmlid_to_res_id   # cached; env.ref costs a query
        if message.message_type not in ('comment', 'email') \
                or message.subtype_id.id not in (xmlid_to_id('mail.mt_comment'), xmlid_to_id('mail.mt_note')) \
                or message.author_id.id == xmlid_to_id('base.partner_root'):
            return
        author_user = message.author_id.user_ids[:1]
        self._webhook_emit(
            'ticket.comment.added', comment_id=message.id,
            body=tools.html2plaintext(message.body or '')[:MAX_COMMENT_CHARS],
            author_type='agent' if author_user and not author_user.share else 'customer',
            author_name=message.author_id.name or message.email_from or None,
            is_internal=bool(message.subtype_id.internal or message.is_internal),
            created_at=iso(message.date))

    def _sla_collect_breaches(self, now):
        vals_list, overdue = super()._sla_collect_breaches(now)
        for vals in vals_list:
            self.browse(vals['ticket_id'])._webhook_emit(
                'ticket.sla.breached', breach_type=BREACH_TYPES.get(vals['target_type'], vals['target_type']),
                sla_policy_id=vals['policy_id'] or None, deadline=iso(vals['deadline']))
        return vals_list, overdue
