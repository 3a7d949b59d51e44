from contextlib import contextmanager

from odoo.tests import new_test_user
from odoo.addons.mail.tests.common import MailCommon


class HelpdeskLiteCommon(MailCommon):
    """Users, stages and a team shared by the Helpdesk Lite tests.

    Built on MailCommon so mail is exercised through Odoo's own mail mocks (mock_mail_gateway,
    assertSentEmail, ...) rather than skipped.
    """

    @contextmanager
    def mock_mail_gateway(self, *args, **kwargs):
        """Odoo's mail mock, ended by what the acknowledgement cron, woken at commit, does."""
        with super().mock_mail_gateway(*args, **kwargs):
            yield
            self.env['helpdesk.lite.ticket']._cron_send_acknowledgements()

    def flush_tracking(self):
        """What a commit does (flush, precommit hooks), then the acknowledgement cron it wakes."""
        super().flush_tracking()
        self.env['helpdesk.lite.ticket']._cron_send_acknowledgements()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.agent = new_test_user(
            cls.env, login='hdl_agent', name='Agnes Agent', email='agnes.agent@example.com',
            groups='base.group_user,helpdesk_lite.group_helpdesk_lite_user')
        cls.agent2 = new_test_user(
            cls.env, login='hdl_agent2', name='Bert Agent', email='bert.agent@example.com',
            groups='base.group_user,helpdesk_lite.group_helpdesk_lite_user')
        cls.manager = new_test_user(
            cls.env, login='hdl_manager', name='Mona Manager', email='mona.manager@example.com',
            groups='base.group_user,helpdesk_lite.group_helpdesk_lite_manager')
        cls.portal_user = new_test_user(
            cls.env, login='hdl_portal', name='Paula Portal', email='paula.portal@example.com',
            groups='base.group_portal')
        cls.customer = cls.portal_user.partner_id
        cls.other_customer = cls.env['res.partner'].create({
            'name': 'Otto Other', 'email': 'otto.other@example.com'})
        cls.stage_new = cls.env.ref('helpdesk_lite.stage_new')
        cls.stage_progress = cls.env.ref('helpdesk_lite.stage_in_progress')
        cls.stage_waiting = cls.env.ref('helpdesk_lite.stage_waiting')
        cls.stage_done = cls.env.ref('helpdesk_lite.stage_done')
        cls.team = cls.env['helpdesk.lite.team'].create({
            'name': 'Test Support', 'leader_id': cls.manager.id,
            'member_ids': [(6, 0, (cls.agent | cls.agent2).ids)]})
        cls.Ticket = cls.env['helpdesk.lite.ticket']

    @classmethod
    def _create_ticket(cls, **vals):
        vals.setdefault('name', 'Printer on fire')
        vals.setdefault('team_id', cls.team.id)
        return cls.Ticket.create(vals)
