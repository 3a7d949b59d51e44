from odoo.tests import tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestTrackingBatch(HelpdeskLiteCommon):
    """A write on many tickets logs each ticket's tracking message as Odoo would, created in one batch."""

    def _tracking_messages(self, tickets):
        return self.env['mail.message'].sudo().search([
            ('model', '=', tickets._name), ('res_id', 'in', tickets.ids), ('tracking_value_ids', '!=', False)])

    def _shape(self, message):
        return (message.message_type, message.subtype_id, message.author_id, message.is_internal, str(message.body),
                [(value.field_id.name, value.old_value_char, value.new_value_char, value.old_value_integer,
                  value.new_value_integer) for value in message.tracking_value_ids.sorted('id')])

    def test_batch_messages_equal_odoo_one_by_one(self):
        alone = self._create_ticket(name='Alone', user_id=self.agent.id)
        batch = self.Ticket.create([{'name': f'Batch {i}', 'team_id': self.team.id, 'user_id': self.agent.id}
                                    for i in range(4)])
        self.flush_tracking()
        before = self._tracking_messages(alone | batch)
        values = {'priority': '3', 'user_id': self.agent2.id}
        alone.write(values)  # one ticket: Odoo's own path
        self.flush_tracking()
        batch.write(values)
        self.flush_tracking()
        reference = self._tracking_messages(alone) - before
        self.assertEqual(len(reference), 1)
        for ticket in batch:
            message = self._tracking_messages(ticket) - before
            self.assertEqual(len(message), 1, 'one tracking message per ticket')
            self.assertEqual(self._shape(message), self._shape(reference))
        self.assertIn(('priority', 'Medium', 'Urgent', 0, 0), self._shape(reference)[5])

    def test_queries_do_not_grow_with_the_batch(self):
        def commit_time_queries(count):
            tickets = self.Ticket.create([{'name': f'Q {i}', 'team_id': self.team.id} for i in range(count)])
            self.flush_tracking()
            tickets.write({'priority': '2'})
            self.env.flush_all()
            start = self.env.cr.sql_log_count
            self.env.cr.precommit.run()
            self.assertEqual(len(self._tracking_messages(tickets)), count)
            return self.env.cr.sql_log_count - start
        self.assertLessEqual(commit_time_queries(30), commit_time_queries(3) + 2)

    def test_log_message_keeps_odoo_path(self):
        tickets = self.Ticket.create([{'name': f'Why {i}', 'team_id': self.team.id} for i in range(2)])
        self.flush_tracking()
        tickets._track_set_log_message('<p>Raised by the customer call</p>')
        tickets.write({'priority': '3'})
        self.flush_tracking()
        for ticket in tickets:
            message = self._tracking_messages(ticket)
            self.assertEqual(len(message), 1)
            self.assertIn('Raised by the customer call', message.body)
