from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger, safe_eval

from odoo.addons.base.models.ir_qweb import IrQWeb
from odoo.addons.mail.models.mail_render_mixin import MailRenderMixin as OdooMailRenderMixin

from ..tools import inline_template
from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestMailBatchRender(HelpdeskLiteCommon):
    """Status mails of a batch: the template body is compiled once, each ticket gets its own values."""

    def _count_compiles(self):
        calls = []
        original = IrQWeb._compile

        def counting(qweb, template):
            if not isinstance(template, (int, str)):    # a mail body (lxml element), not a view
                calls.append(template)
            return original(qweb, template)
        return calls, patch.object(IrQWeb, '_compile', counting)

    def test_batch_stage_change_compiles_body_once(self):
        customers = self.env['res.partner'].create([
            {'name': f'Batch Customer {i}', 'email': f'batch{i}@example.com'} for i in range(6)])
        tickets = self.Ticket.create([{
            'name': f'Batch issue {i}', 'team_id': self.team.id, 'partner_id': customer.id,
            'user_id': self.agent.id} for i, customer in enumerate(customers)])
        calls, patcher = self._count_compiles()
        with self.mock_mail_gateway(), patcher:
            tickets.write({'stage_id': self.stage_progress.id})
            self.flush_tracking()
        mails = self._new_mails.filtered(lambda m: 'status of ticket' in (m.body_html or ''))
        self.assertEqual(len(mails), 6)
        self.assertEqual(len(calls), 1, 'one compilation of the status body for the whole batch')
        for ticket in tickets:
            mail = mails.filtered(lambda m: m.res_id == ticket.id)
            self.assertIn(ticket.number, mail.body_html)
            self.assertIn(f'Hello {ticket.partner_id.name},', mail.body_html)
            self.assertIn(f'access_token={ticket.access_token}', mail.body_html)
            for other in mails - mail:
                self.assertNotIn(ticket.number, other.body_html)

    def test_batch_render_equals_odoo_loop(self):
        tickets = self.Ticket.create([{'name': f'Same {i}', 'team_id': self.team.id,
                                       'partner_id': self.customer.id} for i in range(3)])
        template = self.env.ref('helpdesk_lite.mail_template_ticket_status')
        Render = self.env['mail.render.mixin']
        batched = Render._render_template_qweb(template.body_html, tickets._name, tickets.ids)
        odoo_loop = OdooMailRenderMixin._render_template_qweb(Render, template.body_html, tickets._name, tickets.ids)
        self.assertEqual(batched, odoo_loop)
        self.assertEqual(len(set(batched.values())), 3)

    def test_successive_acknowledgements_compile_once(self):
        # each incoming email is its own transaction and cron run: the compiled body is reused, and a
        # changed body is used
        def acknowledged_ticket(name):
            ticket = self._create_ticket(name=name, partner_id=self.customer.id, channel='email')
            self.Ticket._cron_send_acknowledgements()
            return ticket
        acknowledged_ticket('First email')  # compiles (or finds) the body
        calls, patcher = self._count_compiles()
        generated = []
        original_generate = IrQWeb._generate_code

        def counting_generate(qweb, template):
            generated.append(template)
            return original_generate(qweb, template)
        with self.mock_mail_gateway():
            with patcher, patch.object(IrQWeb, '_generate_code', counting_generate):
                tickets = [acknowledged_ticket(f'Email {i}') for i in range(3)]
        self.assertEqual(calls, [], 'the acknowledgement body is not compiled again')
        self.assertEqual(generated, [], 'nor its code generated to check its expressions')
        for ticket in tickets:
            mail = self._new_mails.filtered(lambda m, t=ticket: m.res_id == t.id)
            self.assertEqual(len(mail), 1)
            self.assertIn(ticket.number, mail.body_html)
        template = self.env.ref('helpdesk_lite.mail_template_ticket_received')
        template.body_html = '<p>Edited acknowledgement for <t t-out="object.number"/></p>'
        with self.mock_mail_gateway():
            with patcher:
                ticket = acknowledged_ticket('After the edit')
        self.assertEqual(len(calls), 1, 'the edited body is compiled')
        self.assertIn(f'Edited acknowledgement for {ticket.number}', self._new_mails.body_html)

    def test_broken_template_reports_odoo_error(self):
        tickets = self.Ticket.create([{'name': f'Broken {i}', 'team_id': self.team.id} for i in range(2)])
        with self.assertRaises(Exception) as caught, mute_logger('odoo.addons.mail.models.mail_render_mixin'):
            self.env['mail.render.mixin']._render_template_qweb(
                '<p t-out="object.no_such_field.name"/>', tickets._name, tickets.ids)
        self.assertIn('Failed to render QWeb template', str(caught.exception))

    def test_inline_fields_compiled_once_and_equal_odoo_loop(self):
        customers = self.env['res.partner'].create([
            {'name': f'Inline Customer {i}', 'email': f'inline{i}@example.com'} for i in range(5)])
        tickets = self.Ticket.create([{
            'name': f'Inline issue {i}', 'team_id': self.team.id, 'partner_id': customer.id,
            'user_id': self.agent.id} for i, customer in enumerate(customers)])
        tickets[0].partner_id = False
        tickets[0].partner_email = 'walk-in@example.com'
        template = self.env.ref('helpdesk_lite.mail_template_ticket_status')
        Render = self.env['mail.render.mixin']
        compiled = []
        original = safe_eval.test_expr

        def counting(expr, *args, **kwargs):
            compiled.append(expr)
            return original(expr, *args, **kwargs)
        inline_template.compiled_inline_template.cache_clear()
        for fname in ('subject', 'email_from', 'partner_to', 'email_to', 'lang'):
            with patch.object(safe_eval, 'test_expr', counting):
                batched = Render._render_template_inline_template(template[fname], tickets._name, tickets.ids)
            odoo_loop = OdooMailRenderMixin._render_template_inline_template(
                Render, template[fname], tickets._name, tickets.ids)
            self.assertEqual(batched, odoo_loop, fname)
        self.assertEqual(len(set(Render._render_template_inline_template(
            template.subject, tickets._name, tickets.ids).values())), 5)
        self.assertEqual(len(compiled), len(set(compiled)), 'each expression compiled once for the batch')
        self.assertEqual(len(compiled), 7)  # subject 3, sender, partner_to, email_to, lang

    def test_inline_forbidden_expression_reports_odoo_error(self):
        tickets = self.Ticket.create([{'name': f'Forbidden {i}', 'team_id': self.team.id} for i in range(2)])
        Render = self.env['mail.render.mixin']
        for text in ('{{ object.__class__ }}', '{{ object.no_such_field }}', "{{ open('/etc/passwd').read() }}",
                     "{{ __import__('os').getcwd() }}"):
            with self.subTest(text=text):
                with self.assertRaises(UserError) as caught, \
                        mute_logger('odoo.addons.mail.models.mail_render_mixin'):
                    Render._render_template_inline_template(text, tickets._name, tickets.ids)
                self.assertIn('Failed to render inline_template', str(caught.exception))

    def test_inline_expressions_need_the_template_editor(self):
        tickets = self.Ticket.create([{'name': 'Editor check', 'team_id': self.team.id}])
        editor = self.env.ref('mail.group_mail_template_editor')
        self.env.ref('base.group_user').implied_ids -= editor
        editor.users -= self.agent
        Render = self.env['mail.render.mixin'].with_user(self.agent)
        with self.assertRaises(AccessError):
            Render._render_template_inline_template("{{ object.name or 'none' }}", tickets._name, tickets.ids)
        editor.users += self.agent
        self.assertEqual(Render._render_template_inline_template("{{ object.name or 'none' }}", tickets._name,
                                                                 tickets.ids), {tickets.id: 'Editor check'})
