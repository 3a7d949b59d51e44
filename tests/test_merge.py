from odoo.tests import Form, tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestMerge(HelpdeskLiteCommon):

    def test_merge_moves_everything(self):
        tag_a, tag_b = self.env['helpdesk.lite.tag'].create([{'name': 'Merge A'}, {'name': 'Merge B'}])
        target = self._create_ticket(name='Original', partner_id=self.customer.id, user_id=self.agent.id,
                                     tag_ids=[(6, 0, tag_a.ids)])
        source = self._create_ticket(name="Duplicate", partner_id=self.customer.id, user_id=self.agent2.id,
                                     tag_ids=[(6, 0, tag_b.ids)])
        source.message_post(body='duplicate conversation', message_type='comment', subtype_xmlid='mail.mt_comment')
        attachment = self.env['ir.attachment'].create({
            'name': 'log.txt', 'raw': b'log', 'res_model': source._name, 'res_id': source.id})
        activity = source.activity_schedule('mail.mail_activity_data_todo', user_id=self.agent2.id, summary='Call back')
        source.message_subscribe(partner_ids=self.other_customer.ids)
        team_members = self.team.member_ids

        wizard = Form(self.env['helpdesk.lite.ticket.merge'].with_context(
            active_model=target._name, active_ids=(target | source).ids)).save()
        self.assertEqual(wizard.target_ticket_id, target)
        wizard.action_merge()

        self.assertIn('duplicate conversation', ''.join(target.message_ids.mapped('body')))
        self.assertEqual(attachment.res_id, target.id)
        self.assertEqual(activity.res_id, target.id)
        self.assertIn(self.other_customer, target.message_partner_ids)
        self.assertEqual(target.tag_ids, tag_a | tag_b)
        # the source is closed and points to the target, with a note on both sides
        self.assertEqual(source.merged_into_id, target)
        self.assertEqual(source.lifecycle, 'closed')
        self.assertIn('Merged into', source.message_ids[0].body)
        self.assertIn(source.number, target.message_ids[0].body)
        # nothing else changed as a side effect
        self.assertEqual(target.user_id, self.agent)
        self.assertEqual(source.user_id, self.agent2)
        self.assertEqual(target.partner_id, self.customer)
        self.assertEqual(self.team.member_ids, team_members)
        # the old number finds the target
        found = self.Ticket.name_search(source.number)
        self.assertIn(target.id, [ticket_id for ticket_id, _name in found])

    def test_merge_needs_another_ticket(self):
        ticket = self._create_ticket()
        wizard = self.env['helpdesk.lite.ticket.merge'].create({
            'ticket_ids': [(6, 0, ticket.ids)], 'target_ticket_id': ticket.id})
        with self.assertRaisesRegex(Exception, 'at least one other ticket'):
            wizard.action_merge()
