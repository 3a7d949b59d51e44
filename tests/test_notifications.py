from odoo.addons.base.models.ir_mail_server import MailDeliveryException
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestStageNotifications(HelpdeskLiteCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(partner_id=cls.customer.id, user_id=cls.agent.id)

    def _status_mails(self):
        return self._new_mails.filtered(lambda m: 'status of ticket' in (m.body_html or ''))

    def test_one_mail_per_stage_change_to_customer_and_assignee(self):
        with self.mock_mail_gateway():
            self.ticket.stage_id = self.stage_progress
            self.flush_tracking()
            mails = self._status_mails()
            self.assertEqual(len(mails), 1)
            self.assertEqual(mails.state, 'outgoing', 'queued, not sent inside the write')
            mails.send()
        self.assertEqual(mails.recipient_ids, self.customer | self.agent.partner_id)
        self.assertIn(self.ticket.number, mails.subject)
        self.assertIn('In Progress', mails.subject)
        self.assertIn(self.ticket.name, mails.body_html)
        # one link for both: /mail/view sends the customer to the portal (token) and agents to the backend
        self.assertIn(f'/mail/view?model=helpdesk.lite.ticket&amp;res_id={self.ticket.id}'
                      f'&amp;access_token={self.ticket.access_token}', mails.body_html)
        self.assertTrue(self.ticket.access_token)
        # from the team (its alias) or the company, not from whoever moved the ticket
        self.assertSentEmail(self.ticket.mail_sender, [self.customer], subject=mails.subject)
        self.assertSentEmail(self.ticket.mail_sender, [self.agent.partner_id], subject=mails.subject)
        # the mail is logged on the ticket
        self.assertIn(mails.mail_message_id, self.ticket.message_ids)

    def test_no_mail_on_noop_or_on_create(self):
        with self.mock_mail_gateway():
            self.ticket.write({'stage_id': self.ticket.stage_id.id, 'priority': '2'})
            self._create_ticket(partner_id=self.customer.id, stage_id=self.stage_progress.id)
            # there and back again in one transaction: nothing changed
            self.ticket.write({'stage_id': self.stage_waiting.id})
            self.ticket.write({'stage_id': self.stage_new.id})
            self.flush_tracking()
        self.assertFalse(self._status_mails())

    def test_one_mail_for_several_writes_in_one_transaction(self):
        with self.mock_mail_gateway():
            self.ticket.write({'stage_id': self.stage_progress.id})
            self.ticket.write({'stage_id': self.stage_waiting.id})
            self.flush_tracking()
        mails = self._status_mails()
        self.assertEqual(len(mails), 1)
        self.assertIn('Waiting', mails.subject)

    def test_batch_stage_change_one_mail_per_ticket(self):
        tickets = self.ticket | self._create_ticket(partner_id=self.other_customer.id)
        with self.mock_mail_gateway():
            tickets.write({'stage_id': self.stage_progress.id})
            self.flush_tracking()
        mails = self._status_mails()
        self.assertEqual(len(mails), 2)
        self.assertEqual(set(mails.mapped('res_id')), set(tickets.ids))
        self.assertEqual(mails.filtered(lambda m: m.res_id == tickets[1].id).recipient_ids, self.other_customer)

    def test_stage_template_overrides_default(self):
        template = self.env['mail.template'].create({
            'name': 'Custom done', 'model_id': self.env['ir.model']._get_id('helpdesk.lite.ticket'),
            'subject': 'Solved: {{ object.number }}', 'partner_to': '{{ object.partner_id.id }}',
            'body_html': '<p>We closed it.</p>'})
        self.stage_done.mail_template_id = template
        with self.mock_mail_gateway():
            self.ticket.action_close()
            self.flush_tracking()
        mails = self._new_mails.filtered(lambda m: m.subject == f'Solved: {self.ticket.number}')
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.recipient_ids, self.customer)
        self.assertFalse(self._status_mails())

    @mute_logger('odoo.addons.mail.models.mail_mail')
    def test_smtp_failure_keeps_stage_change(self):
        def _raise(*args, **kwargs):
            raise MailDeliveryException('SMTP down')
        with self.mock_mail_gateway():
            self.send_email_mocked.side_effect = _raise
            self.ticket.stage_id = self.stage_progress
            self.flush_tracking()
            mails = self._status_mails()
            mails.send(raise_exception=False)
        self.assertEqual(self.ticket.stage_id, self.stage_progress)
        self.assertEqual(mails.state, 'exception')
        self.assertIn('SMTP down', mails.failure_reason)

    def test_internal_note_stays_inside(self):
        with self.mock_mail_gateway():
            self.ticket.message_subscribe(partner_ids=self.customer.ids)
            self.ticket.with_user(self.agent).message_post(body='internal only', subtype_xmlid='mail.mt_note')
        self.assertNotSentEmail([self.customer])
        with self.mock_mail_gateway():
            self.ticket.with_user(self.agent).message_post(
                body='public answer', message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertSentEmail(self.agent.partner_id, [self.customer])


@tagged('post_install', '-at_install')
class TestAssignmentNotifications(HelpdeskLiteCommon):

    def test_single_ticket_uses_odoo_assignment_mail(self):
        self.agent.notification_type = 'email'
        with self.mock_mail_gateway():
            ticket = self._create_ticket(user_id=self.agent.id)
        self.assertIn(self.agent.partner_id, ticket.message_partner_ids, 'assignee follows')
        self.assertSentEmail(self.env.user.partner_id, [self.agent.partner_id],
                             subject=f'You have been assigned to {ticket.display_name}')

    def test_batch_create_sends_one_digest_per_assignee(self):
        self.agent.notification_type = 'email'
        self.agent2.notification_type = 'email'
        with self.mock_mail_gateway():
            tickets = self.Ticket.create(
                [{'name': f'Batch {i}', 'user_id': self.agent.id} for i in range(3)]
                + [{'name': 'Batch other', 'user_id': self.agent2.id}, {'name': 'Nobody'}])
        self.assertTrue(all(t.user_id.partner_id in t.message_partner_ids for t in tickets[:4]))
        agent_mails = [m for m in self._mails if self.agent.email in str(m['email_to'])]
        self.assertEqual(len(agent_mails), 1)
        self.assertEqual(agent_mails[0]['subject'], 'You have been assigned 3 tickets')
        for ticket in tickets[:3]:
            self.assertIn(ticket.display_name, agent_mails[0]['body'])
        self.assertNotIn(tickets[3].display_name, agent_mails[0]['body'])
        agent2_mails = [m for m in self._mails if self.agent2.email in str(m['email_to'])]
        self.assertEqual(len(agent2_mails), 1)
        self.assertIn(tickets[3].display_name, agent2_mails[0]['body'])
