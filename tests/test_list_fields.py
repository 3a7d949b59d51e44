from datetime import date, timedelta

from odoo.tests import tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestListFields(HelpdeskLiteCommon):
    """What lists and kanban cards read per row: the activity widgets' fields (computed in one pass) and
    the customer name (stored)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call = cls.env['mail.activity.type'].create({'name': 'Call back', 'icon': 'fa-phone'})
        cls.urgent = cls.env['mail.activity.type'].create({
            'name': 'Escalate', 'icon': 'fa-bolt', 'decoration_type': 'danger'})

    def _schedule(self, ticket, activity_type, days, summary):
        return ticket.activity_schedule(
            activity_type_id=activity_type.id, date_deadline=date.today() + timedelta(days=days),
            summary=summary, user_id=self.agent.id)

    def test_activity_widget_fields_in_one_batch(self):
        idle, busy, planned = (self._create_ticket(name=f'Ticket {i}') for i in range(3))
        self._schedule(busy, self.call, 2, 'Call the customer')
        self._schedule(busy, self.urgent, -1, 'Escalate to level 2')
        self._schedule(planned, self.call, 3, 'Ask for logs')
        tickets = (idle | busy | planned).with_user(self.agent)
        tickets.invalidate_recordset()
        rows = {row['id']: row for row in tickets.read([
            'activity_state', 'activity_exception_decoration', 'activity_exception_icon',
            'activity_summary', 'activity_type_icon', 'activity_type_id'])}
        self.assertEqual(rows[idle.id], {
            'id': idle.id, 'activity_state': False, 'activity_exception_decoration': False,
            'activity_exception_icon': False, 'activity_summary': False, 'activity_type_icon': False,
            'activity_type_id': False})
        # the first activity is the earliest deadline; the overdue one makes the state and the exception
        self.assertEqual(rows[busy.id]['activity_state'], 'overdue')
        self.assertEqual(rows[busy.id]['activity_summary'], 'Escalate to level 2')
        self.assertEqual(rows[busy.id]['activity_type_icon'], 'fa-bolt')
        self.assertEqual(rows[busy.id]['activity_type_id'][0], self.urgent.id)
        self.assertEqual(rows[busy.id]['activity_exception_decoration'], 'danger')
        self.assertEqual(rows[busy.id]['activity_exception_icon'], 'fa-bolt')
        self.assertEqual(rows[planned.id]['activity_state'], 'planned')
        self.assertEqual(rows[planned.id]['activity_summary'], 'Ask for logs')
        self.assertFalse(rows[planned.id]['activity_exception_decoration'])
        # done activities leave the fields; searches by them still work
        self.assertEqual(self.Ticket.search([('activity_state', '=', 'overdue'), ('id', 'in', tickets.ids)]), busy)
        self.assertEqual(self.Ticket.search([('activity_type_id', '=', self.call.id), ('id', 'in', tickets.ids)]),
                         busy | planned)
        busy.activity_ids.action_done()
        self.assertFalse(busy.activity_state)
        self.assertFalse(busy.activity_summary)
        self.assertFalse(busy.activity_type_id)

    def test_customer_name_follows_the_contact(self):
        contact = self.env['res.partner'].create({'name': 'Carla Client', 'email': 'carla@example.com'})
        ticket = self._create_ticket(partner_id=contact.id)
        walk_in = self._create_ticket(partner_name='Visitor at the desk', partner_email='visitor@example.com')
        self.assertEqual(ticket.partner_name, 'Carla Client')
        contact.write({'name': 'Carla Client-Martin', 'email': 'carla.martin@example.com'})
        self.assertEqual(ticket.partner_name, 'Carla Client-Martin')
        # the requester address stays the one the ticket was opened with
        self.assertEqual(ticket.partner_email, 'carla@example.com')
        self.assertEqual(walk_in.partner_name, 'Visitor at the desk')
        ticket.partner_id = self.other_customer
        self.assertEqual((ticket.partner_name, ticket.partner_email), ('Otto Other', 'otto.other@example.com'))
