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

    def _assert_one_status_message(self, recipients, stage_name):
        # Odoo renders one mail.mail per recipient group (portal customer vs internal user) so that
        # each gets its own link; the status message itself is posted once.
        mails = self._status_mails()
        self.assertEqual(len(mails.mail_message_id), 1, 'a single status message')
        self.assertEqual(mails.recipient_ids, recipients)
        self.assertEqual(len(mails.recipient_ids), len(mails), 'each recipient mailed exactly once')
        self.assertTrue(all(stage_name in subject for subject in mails.mapped('subject')))
        return mails

    def test_one_mail_per_stage_change_to_customer_and_assignee(self):
        with self.mock_mail_gateway():
            self.ticket.stage_id = self.stage_progress
            self.flush_tracking()
        mails = self._assert_one_status_message(self.customer | self.agent.partner_id, 'In Progress')
        subject = mails[0].subject
        self.assertIn(self.ticket.number, subject)
        self.assertIn(self.ticket.name, mails[0].body_html)
        # each recipient gets its own link: portal (with token) for the customer, backend for the agent
        self.assertSentEmail(self.env.user.partner_id, [self.customer], subject=subject)
        self.assertSentEmail(self.env.user.partner_id, [self.agent.partner_id], subject=subject)
        customer_body = next(m['body'] for m in self._mails if self.customer.email in str(m['email_to']))
        agent_body = next(m['body'] for m in self._mails if self.agent.email in str(m['email_to']))
        self.assertIn('access_token=', customer_body)
        self.assertNotIn('access_token=', agent_body)
        self.assertIn(f'res_id={self.ticket.id}', agent_body)

    def test_no_mail_on_noop_or_on_create(self):
        with self.mock_mail_gateway():
            self.ticket.write({'stage_id': self.ticket.stage_id.id, 'priority': '2'})
            self._create_ticket(partner_id=self.customer.id, stage_id=self.stage_progress.id)
            self.flush_tracking()
        self.assertFalse(self._status_mails())

    def test_one_mail_for_several_writes_in_one_transaction(self):
        with self.mock_mail_gateway():
            self.ticket.write({'stage_id': self.stage_progress.id})
            self.ticket.write({'stage_id': self.stage_waiting.id})
            self.flush_tracking()
        self._assert_one_status_message(self.customer | self.agent.partner_id, 'Waiting')

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

    @mute_logger('odoo.addons.mail.models.mail_mail', 'odoo.models.unlink')
    def test_smtp_failure_keeps_stage_change(self):
        def _raise(*args, **kwargs):
            raise MailDeliveryException('SMTP down')
        with self.mock_mail_gateway():
            self.send_email_mocked.side_effect = _raise
            self.ticket.stage_id = self.stage_progress
            self.flush_tracking()
            mails = self._new_mails
        self.assertEqual(self.ticket.stage_id, self.stage_progress)
        self.assertTrue(mails)
        self.assertEqual(set(mails.exists().mapped('state')), {'exception'})

    def test_internal_note_stays_inside(self):
        with self.mock_mail_gateway():
            self.ticket.message_subscribe(partner_ids=self.customer.ids)
            self.ticket.with_user(self.agent).message_post(body='internal only', subtype_xmlid='mail.mt_note')
        self.assertNotSentEmail([self.customer])
        with self.mock_mail_gateway():
            self.ticket.with_user(self.agent).message_post(
                body='public answer', message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertSentEmail(self.agent.partner_id, [self.customer])
