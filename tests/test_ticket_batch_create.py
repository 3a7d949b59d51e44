from odoo.tests import tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestTicketBatchCreate(HelpdeskLiteCommon):
    """Creating many tickets at once costs a constant number of queries for numbers and stages."""

    def test_batch_numbers_follow_the_sequence(self):
        sequence = self.env['ir.sequence'].search([('code', '=', 'helpdesk.lite.ticket')])
        expected_next = sequence.number_next_actual
        tickets = self.Ticket.create([{'name': f'Batch {i}', 'team_id': self.team.id} for i in range(5)])
        self.assertEqual(tickets.mapped('number'),
                         [sequence.get_next_char(expected_next + i) for i in range(5)])
        single = self._create_ticket()
        self.assertEqual(single.number, sequence.get_next_char(expected_next + 5))
        # an explicit number is kept
        kept = self.Ticket.create([{'name': 'Imported', 'number': 'LEGACY-1'}, {'name': 'New one'}])
        self.assertEqual(kept[0].number, 'LEGACY-1')
        self.assertEqual(kept[1].number, sequence.get_next_char(expected_next + 6))

    def test_batch_numbers_with_no_gap_sequence(self):
        sequence = self.env['ir.sequence'].search([('code', '=', 'helpdesk.lite.ticket')])
        sequence.write({'implementation': 'no_gap', 'prefix': 'T-', 'padding': 3, 'number_next': 40})
        tickets = self.Ticket.create([{'name': f'Batch {i}'} for i in range(3)])
        self.assertEqual(tickets.mapped('number'), ['T-040', 'T-041', 'T-042'])

    def test_default_stage_once_per_batch(self):
        tickets = self.Ticket.create([{'name': f'Batch {i}'} for i in range(3)])
        self.assertEqual(tickets.stage_id, self.stage_new)
        # an explicit stage, or a default from the context, still wins
        explicit = self.Ticket.create([{'name': 'Explicit', 'stage_id': self.stage_progress.id}, {'name': 'Default'}])
        self.assertEqual(explicit.mapped('stage_id'), self.stage_progress | self.stage_new)
        from_context = self.Ticket.with_context(default_stage_id=self.stage_waiting.id).create([{'name': 'Ctx'}])
        self.assertEqual(from_context.stage_id, self.stage_waiting)

    def test_numbering_and_stage_queries_do_not_grow_with_the_batch(self):
        # Numbers and the default stage are looked up once per batch: 10 more tickets, not 30 more queries.
        Ticket = self.Ticket.with_context(tracking_disable=True)
        Ticket.create([{'name': 'warm-up'}])
        self.env.flush_all()
        counts = []
        for size in (2, 12):
            start = self.env.cr.sql_log_count
            Ticket.create([{'name': f'Batch {i}'} for i in range(size)])
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - start)
        self.assertEqual(counts[0], counts[1])

    def test_batch_followers_like_one_by_one(self):
        """A batch subscribes exactly who creating the tickets one by one would, with the same subtypes."""
        def followers(tickets):
            return [sorted((f.partner_id.id, tuple(sorted(f.subtype_ids.ids))) for f in t.message_follower_ids)
                    for t in tickets]
        vals_list = [{'name': 'Agent', 'user_id': self.agent.id},
                     {'name': 'Agent 2', 'user_id': self.agent2.id},
                     {'name': 'Both', 'user_id': self.agent.id, 'user_ids': [(6, 0, self.agent2.ids)]},
                     {'name': 'Nobody'}]
        Ticket = self.Ticket.with_context(mail_auto_subscribe_no_notify=True)
        batch = Ticket.create([dict(vals) for vals in vals_list])
        singles = Ticket.browse()
        for vals in vals_list:
            singles |= Ticket.create(dict(vals))
        self.assertEqual(followers(batch), followers(singles))
        self.assertIn(self.agent2.partner_id, batch[2].message_partner_ids)
        self.assertNotIn(self.agent.partner_id, batch[3].message_partner_ids)

    def test_batch_followers_queries_do_not_grow_with_the_batch(self):
        Ticket = self.Ticket.with_context(tracking_disable=False, mail_auto_subscribe_no_notify=True)
        Ticket.create([{'name': 'warm-up', 'user_id': self.agent.id}, {'name': 'warm-up 2', 'user_id': self.agent2.id}])
        self.env.flush_all()
        counts = []
        for size in (4, 24):
            start = self.env.cr.sql_log_count
            Ticket.create([{'name': f'Batch {i}', 'user_id': (self.agent | self.agent2)[i % 2].id}
                           for i in range(size)])
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - start)
        self.assertEqual(counts[0], counts[1])
