"""The acknowledgement queue: the "we received your request" mail is made by a cron, in batches, instead of
inside the customer's own request (an email through the gateway, the portal or the public form)."""

from odoo import api, fields, models, tools

from ..tools.cron import commits_batches


class HelpdeskLiteTicketAck(models.Model):
    """One row per new ticket waiting for its acknowledgement.

    Rendering the template and creating the mail cost about 12 ms and 9 queries per ticket, a quarter of a
    new ticket's email processing, and each email is its own transaction. Each creation queues a row and
    wakes the cron (``ir.cron._trigger``); the cron renders many tickets' mails in one batch. The mail
    queue itself was already asynchronous: the acknowledgement leaves with the next mail-queue run.
    """
    _name = 'helpdesk.lite.ticket.ack'
    _description = 'Helpdesk Lite Acknowledgement Queue'
    _order = 'id'
    _log_access = False

    ticket_id = fields.Many2one('helpdesk.lite.ticket', required=True, ondelete='cascade', index=True)
    references = fields.Char(help='Message-Id of the email that opened the ticket: the In-Reply-To of the mail.')


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'

    _acknowledgement_batch_size = 200

    def _queue_acknowledgement(self):
        if not self:
            return
        references = self.env.context.get('helpdesk_lite_ack_references') or False
        self.env['helpdesk.lite.ticket.ack'].sudo().create(
            [{'ticket_id': ticket.id, 'references': references} for ticket in self])
        cron = self.env['ir.cron'].browse(
            self.env['ir.model.data']._xmlid_to_res_id('helpdesk_lite.ir_cron_helpdesk_lite_acknowledge'))
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _cron_send_acknowledgements(self, batch_size=None):
        """Make the queued acknowledgements, a batch at a time; returns how many tickets were handled.

        Rows are taken ``FOR UPDATE SKIP LOCKED`` (two workers split the queue) and deleted with their
        batch, so a mail is made once; in a real cron run each batch is committed.
        """
        batch_size = batch_size or self._acknowledgement_batch_size
        auto_commit = commits_batches(self.env)
        done = 0
        while True:
            rows = self.env.execute_query(tools.SQL(
                "SELECT id, ticket_id, \"references\" FROM helpdesk_lite_ticket_ack ORDER BY id LIMIT %s "
                "FOR UPDATE SKIP LOCKED", batch_size))
            if not rows:
                return done
            references = {ticket_id: refs for _id, ticket_id, refs in rows}
            self.sudo().browse(list(references)).exists()._send_acknowledgement(references)
            self.env.cr.execute(tools.SQL("DELETE FROM helpdesk_lite_ticket_ack WHERE id = ANY(%s)",
                                          [row[0] for row in rows]))
            done += len(rows)
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()
            if len(rows) < batch_size:
                return done
