from odoo import api, fields, models, tools

from ..tools.cron import commits_batches


class HelpdeskLiteTicket(models.Model):
    """Escalation rules on tickets: the customer-reply counter and the escalation check (a cron)."""
    _inherit = 'helpdesk.lite.ticket'

    customer_reply_count = fields.Integer(
        string='Customer Replies Waiting', readonly=True, copy=False, default=0,
        help='Public customer messages since the last public agent answer (the request that opened the '
             'ticket excluded).')
    escalation_log_ids = fields.One2many('helpdesk.lite.escalation.log', 'ticket_id', string='Escalations')

    def _conversation_state_vals(self, by_agent, now):
        vals = super()._conversation_state_vals(by_agent, now)
        if by_agent:
            if self.customer_reply_count:
                vals['customer_reply_count'] = 0
        elif not self.env.context.get('helpdesk_lite_description_from_email'):
            # (the email that created the ticket is its request, not a reply)
            vals['customer_reply_count'] = self.customer_reply_count + 1
        return vals

    _escalation_batch_size = 500

    @api.model
    def _cron_escalate(self, batch_size=None):
        """Check every active escalation rule; returns the number of firings.

        Set-based per rule: one search gives the tickets whose condition holds, one query the rule's open
        episodes; episodes whose ticket no longer matches are closed in one UPDATE. The new matches are
        handled in batches: the batch's tickets are locked ``FOR NO KEY UPDATE SKIP LOCKED`` (two workers
        split the work), the firings are inserted ``ON CONFLICT DO NOTHING`` against the one-open-episode
        index (a ticket another worker just escalated is skipped), the actions run on the tickets really
        inserted, and in a real cron run each batch is committed.
        """
        batch_size = batch_size or self._escalation_batch_size
        tickets = self.sudo()
        now = self._sla_now()
        cron = self.env['ir.cron']
        auto_commit = commits_batches(self.env)
        fired = 0
        for rule in self.env['helpdesk.lite.escalation.rule'].sudo().search([]):
            matching = set(tickets._search(rule._ticket_domain(now)))
            rows = self.env.execute_query(tools.SQL(
                "SELECT id, ticket_id FROM helpdesk_lite_escalation_log WHERE rule_id = %s AND cleared_at IS NULL",
                rule.id))
            ended = [log_id for log_id, ticket_id in rows if ticket_id not in matching]
            if ended:
                self.env.cr.execute(tools.SQL(
                    "UPDATE helpdesk_lite_escalation_log SET cleared_at = %s WHERE id = ANY(%s)", now, ended))
            todo = sorted(matching - {ticket_id for _log_id, ticket_id in rows})
            done = 0
            for batch_ids in tools.split_every(batch_size, todo, list):
                self.flush_model()
                inserted = self.env.execute_query(tools.SQL("""
                    INSERT INTO helpdesk_lite_escalation_log (rule_id, ticket_id, fired_at)
                    SELECT %(rule)s, t.id, %(now)s FROM (
                        SELECT id FROM helpdesk_lite_ticket WHERE id = ANY(%(ids)s) ORDER BY id
                           FOR NO KEY UPDATE SKIP LOCKED) t
                    ON CONFLICT (rule_id, ticket_id) WHERE cleared_at IS NULL DO NOTHING
                    RETURNING ticket_id""", rule=rule.id, now=now, ids=batch_ids))
                batch = tickets.browse(sorted(row[0] for row in inserted))
                if batch:
                    rule._fire(batch)
                    fired += len(batch)
                done += len(batch_ids)
                cron._notify_progress(done=done, remaining=len(todo) - done)
                if auto_commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                    self.env.invalidate_all()
                else:
                    self.env.flush_all()
        self.env['helpdesk.lite.escalation.log'].invalidate_model()
        return fired
