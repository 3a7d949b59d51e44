from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestMacros(HelpdeskLiteCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag_old = cls.env['helpdesk.lite.tag'].create({'name': 'Triage'})
        cls.tag_new = cls.env['helpdesk.lite.tag'].create({'name': 'Duplicate'})
        cls.other_team = cls.env['helpdesk.lite.team'].create({'name': 'Level 2'})
        cls.Macro = cls.env['helpdesk.lite.macro'].with_user(cls.manager)

    def test_manager_creates_bound_action_visible_to_agents_only(self):
        macro = self.Macro.create({'name': 'Close as duplicate', 'lifecycle': 'resolved'})
        action = macro.sudo().action_id
        self.assertEqual(action.binding_model_id.model, 'helpdesk.lite.ticket')
        bindings = self.env['ir.actions.actions'].with_user(self.agent).get_bindings('helpdesk.lite.ticket')
        self.assertIn(action.id, [a['id'] for a in bindings['action']])
        bindings = self.env['ir.actions.actions'].with_user(self.portal_user).get_bindings('helpdesk.lite.ticket')
        self.assertNotIn(action.id, [a['id'] for a in bindings.get('action', [])])
        macro.name = 'Duplicate'
        self.assertEqual(action.name, 'Duplicate')
        macro.active = False
        self.assertFalse(action.binding_model_id, 'an archived macro leaves the Action menu')
        macro.unlink()
        self.assertFalse(action.exists())

    def test_apply_to_many_tickets_through_the_action(self):
        canned = self.env.ref('helpdesk_lite.canned_response_closing')
        macro = self.Macro.create({
            # no Resolved stage here: Done, as the button
            'name': 'Solve and tell', 'lifecycle': 'resolved', 'assign_mode': 'me', 'priority': '2',
            'team_id': self.other_team.id, 'tag_add_ids': [Command.link(self.tag_new.id)],
            'tag_remove_ids': [Command.link(self.tag_old.id)], 'reply_mode': 'reply', 'canned_response_id': canned.id,
            'activity_type_id': self.env.ref('mail.mail_activity_data_todo').id, 'activity_summary': 'Check back'})
        tickets = self.Ticket.create([{
            'name': f'Macro {i}', 'team_id': self.team.id, 'partner_id': self.customer.id,
            'tag_ids': [Command.set(self.tag_old.ids)]} for i in range(3)])
        action = macro.sudo().action_id
        result = action.with_user(self.agent).with_context(
            active_model='helpdesk.lite.ticket', active_ids=tickets.ids).run()
        self.assertEqual(result['tag'], 'soft_reload')
        tickets.invalidate_recordset()
        for ticket in tickets:
            self.assertRecordValues(ticket, [{'is_closed': True, 'user_id': self.agent.id, 'priority': '2',
                                              'team_id': self.other_team.id, 'tag_ids': self.tag_new.ids}])
            reply = ticket.message_ids.filtered(lambda m: m.subtype_id == self.env.ref('mail.mt_comment'))[:1]
            self.assertIn(f'request {ticket.number} is now solved', reply.body)
            self.assertEqual(reply.author_id, self.agent.partner_id)
            self.assertEqual(ticket.activity_ids.summary, 'Check back')
        self.assertEqual(macro.use_count, 1)
        self.assertEqual(canned.helpdesk_lite_use_count, 1)

    def test_all_or_nothing(self):
        # a step that cannot run (no Pending stage left) after one that could (the priority)
        macro = self.Macro.create({'name': 'Wait', 'priority': '3', 'lifecycle': 'pending'})
        self.env['helpdesk.lite.stage'].search([('lifecycle', '=', 'pending')]).active = False
        tickets = self._create_ticket() | self._create_ticket()
        with self.assertRaisesRegex(UserError, 'The macro "Wait" was not applied'):
            tickets.with_user(self.agent)._helpdesk_lite_apply_macro(macro.id)
        self.assertEqual(tickets.mapped('priority'), ['1', '1'], 'nothing half-applied')
        self.assertEqual(tickets.mapped('lifecycle'), ['new', 'new'])
        # tickets already in the target state are skipped, as the bulk buttons do, not an error
        resolve = self.Macro.create({'name': 'Resolve', 'lifecycle': 'resolved'})
        closed = self._create_ticket(stage_id=self.stage_done.id)
        (tickets[0] | closed).with_user(self.agent)._helpdesk_lite_apply_macro(resolve.id)
        self.assertTrue(tickets[0].is_closed)

    def test_internal_note_with_variables_and_checks(self):
        macro = self.Macro.create({'name': 'Note', 'reply_mode': 'note',
                                   'body': '<p>Escalated by {{agent_name}} for {{customer_name}}</p>'})
        ticket = self._create_ticket(partner_id=self.customer.id)
        ticket.with_user(self.agent2)._helpdesk_lite_apply_macro(macro.id)
        note = ticket.message_ids[0]
        self.assertEqual(note.subtype_id, self.env.ref('mail.mt_note'))
        self.assertIn('Escalated by Bert Agent for Paula Portal', note.body)
        with self.assertRaises(UserError):
            self.Macro.create({'name': 'Empty reply', 'reply_mode': 'reply'})
        with self.assertRaises(Exception):
            self.env['helpdesk.lite.macro'].with_user(self.agent).create({'name': 'Agents cannot'})
