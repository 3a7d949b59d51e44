from odoo.tests import tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestAcknowledgementQueue(HelpdeskLiteCommon):
    """A new ticket's acknowledgement is queued and made by the cron it wakes, once, in batches."""

    def _acks(self, tickets):
        return self.env['mail.mail'].sudo().search([
            ('model', '=', tickets._name), ('res_id', 'in', tickets.ids), ('body_html', 'ilike', 'received your request')])

    def test_creation_queues_and_wakes_the_cron(self):
        cron = self.env.ref('helpdesk_lite.ir_cron_helpdesk_lite_acknowledge')
        triggers = self.env['ir.cron.trigger'].sudo().search_count([('cron_id', '=', cron.id)])
        tickets = self.Ticket.create([{'name': f'Queued {i}', 'team_id': self.team.id, 'channel': 'portal',
                                       'partner_id': self.customer.id} for i in range(3)])
        queue = self.env['helpdesk.lite.ticket.ack'].sudo().search([('ticket_id', 'in', tickets.ids)])
        self.assertEqual(queue.ticket_id, tickets)
        self.assertFalse(self._acks(tickets), 'not made inside the creating request')
        self.assertGreater(self.env['ir.cron.trigger'].sudo().search_count([('cron_id', '=', cron.id)]), triggers)
        self.assertEqual(self.Ticket._cron_send_acknowledgements(), 3)
        self.assertEqual(len(self._acks(tickets)), 3)
        self.assertEqual(sorted(self._acks(tickets).mapped('res_id')), sorted(tickets.ids))
        self.assertFalse(queue.exists(), 'the queue is emptied')
        self.assertEqual(self.Ticket._cron_send_acknowledgements(), 0)
        self.assertEqual(len(self._acks(tickets)), 3, 'a second run makes nothing twice')

    def test_batches_and_per_ticket_headers(self):
        tickets = self.Ticket.create([{'name': f'Batch {i}', 'team_id': self.team.id, 'channel': 'web',
                                       'partner_email': f'visitor{i}@example.com'} for i in range(5)])
        email_ticket = self.Ticket.with_context(helpdesk_lite_ack_references='<original@customer.example>').create(
            {'name': 'By email', 'team_id': self.team.id, 'channel': 'email', 'partner_id': self.customer.id})
        self.assertEqual(self.Ticket._cron_send_acknowledgements(batch_size=2), 6, 'every batch until empty')
        for ticket in tickets:
            ack = self._acks(ticket)
            self.assertEqual(len(ack), 1)
            self.assertEqual(ack.email_to, ticket.partner_email)
            self.assertIn(ticket.number, ack.body_html)
            self.assertIn("'Auto-Submitted': 'auto-generated'", ack.headers)
            self.assertFalse(ack.references)
        ack = self._acks(email_ticket)
        self.assertEqual(ack.references, '<original@customer.example>')
        self.assertIn("'In-Reply-To': '<original@customer.example>'", ack.headers)
        self.assertIn("'Auto-Submitted': 'auto-replied'", ack.headers)

    def test_deleted_ticket_leaves_nothing(self):
        Queue = self.env['helpdesk.lite.ticket.ack'].sudo()
        self.Ticket._cron_send_acknowledgements()
        ticket = self._create_ticket(channel='portal', partner_id=self.customer.id)
        self.assertEqual(Queue.search_count([]), 1)
        ticket.unlink()
        self.assertEqual(Queue.search_count([]), 0)
        self.assertEqual(self.Ticket._cron_send_acknowledgements(), 0)
