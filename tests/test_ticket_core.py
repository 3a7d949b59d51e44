from odoo.tests import tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestTicketCore(HelpdeskLiteCommon):

    def test_sequence_unique_in_batch(self):
        tickets = self.Ticket.create([{'name': f'Ticket {i}', 'team_id': self.team.id} for i in range(30)])
        numbers = tickets.mapped('number')
        self.assertEqual(len(set(numbers)), 30)
        self.assertTrue(all(n.startswith('HD') for n in numbers), numbers)
        self.assertEqual(tickets[0].display_name, f'[{tickets[0].number}] Ticket 0')
