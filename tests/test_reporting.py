import csv
import io
from datetime import datetime, timedelta
from unittest.mock import patch

from lxml import html as lxml_html

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import HelpdeskLiteCommon


def _csv_rows(data):
    """Parse exported CSV bytes the way a consumer should: UTF-8 with BOM, csv module, newline=''."""
    return list(csv.DictReader(io.StringIO(data.decode('utf-8-sig'), newline='')))


@tagged('post_install', '-at_install')
class TestTicketPdfReports(HelpdeskLiteCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ivan = cls.env['res.partner'].create({'name': 'Иван Петров', 'email': 'ivan@example.com'})
        cls.yamada = cls.env['res.partner'].create({'name': '山田商事株式会社', 'is_company': True})
        now = fields.Datetime.now()
        cls.ticket_late = cls._create_ticket(
            name='Пароль не работает', partner_id=cls.ivan.id, user_id=cls.agent.id, priority='3',
            stage_id=cls.stage_progress.id, sla_deadline=now - timedelta(hours=2))
        cls.ticket_ok = cls._create_ticket(
            name='請求書の再発行', partner_id=cls.yamada.id, priority='1', sla_deadline=now + timedelta(days=2))
        cls.ticket_plain = cls._create_ticket(
            name='No SLA here', partner_name='Walk-in Wanda', priority='0', stage_id=cls.stage_waiting.id)
        cls.tickets = cls.ticket_late | cls.ticket_ok | cls.ticket_plain

    def _render(self, report_ref, tickets):
        content, report_type = self.env['ir.actions.report']._render_qweb_html(report_ref, tickets.ids)
        self.assertEqual(report_type, 'html')
        return lxml_html.fromstring(content)

    def test_ticket_list_columns_rows_and_age(self):
        # Backdate one ticket: its Age must be computed from its creation, not printed as stored data.
        self.env.cr.execute("UPDATE helpdesk_lite_ticket SET create_date = %s WHERE id = %s",
                            [fields.Datetime.now() - timedelta(days=3, hours=5, minutes=30), self.ticket_late.id])
        self.ticket_late.invalidate_recordset(['create_date', 'age_days'])
        root = self._render('helpdesk_lite.action_report_ticket_list', self.tickets)

        headers = [th.text_content().strip() for th in root.xpath('//table[contains(@class, "o_hdl_list")]//th')]
        self.assertEqual(headers, ['Title', 'Customer', 'Assignee', 'Priority', 'Stage', 'SLA', 'Age'])
        rows = {int(tr.get('data-ticket-id')): [td.text_content().split() for td in tr.xpath('./td')]
                for tr in root.xpath('//tr[@data-ticket-id]')}
        self.assertEqual(set(rows), set(self.tickets.ids))

        late = rows[self.ticket_late.id]
        self.assertEqual(late[0], [self.ticket_late.number, 'Пароль', 'не', 'работает'])
        self.assertEqual(late[1], ['Иван', 'Петров'])
        self.assertEqual(late[2], ['Agnes', 'Agent'])
        self.assertEqual(late[3], ['Urgent'])
        self.assertEqual(late[4], ['In', 'Progress'])
        self.assertEqual(late[5][-1], 'Breached')
        self.assertEqual(late[6], ['3d', '5h'])

        ok = rows[self.ticket_ok.id]
        self.assertEqual(ok[1], ['山田商事株式会社'])
        self.assertEqual(ok[2], ['Unassigned'])
        self.assertEqual(ok[5][-2:], ['On', 'Track'])
        plain = rows[self.ticket_plain.id]
        self.assertEqual(plain[1], ['Walk-in', 'Wanda'])
        self.assertEqual(plain[5][-1], 'Paused', 'waiting stage: the SLA clock is paused')
        self.assertEqual(plain[6], ['0m'])

        page_text = ' '.join(root.text_content().split())
        self.assertIn('Helpdesk Ticket List', page_text)
        self.assertIn(self.env.company.name, page_text)
        self.assertIn('Printed on', page_text)
        self.assertIn('3 tickets: 3 open, 1 overdue', page_text)
        self.assertIn('Urgent: 1 · Medium: 1 · Low: 1', page_text)
        self.assertIn('In Progress: 1 · Waiting: 1', page_text)

    def test_ticket_list_pages_repeat_the_header(self):
        """The unpatched wkhtmltopdf repeats no <thead> and takes one input document only: the list is
        cut into page-sized tables with their own header, all inside ONE .article."""
        ReportValues = self.env['report.helpdesk_lite.report_ticket_list']
        many = self.Ticket.create([{'name': f'Ticket {i}', 'team_id': self.team.id} for i in range(40)])
        root = self._render('helpdesk_lite.action_report_ticket_list', many)
        tables = root.xpath('//table[contains(@class, "o_hdl_list")]')
        expected_pages = 1 + -(-(40 - ReportValues._rows_first_page) // ReportValues._rows_per_page)
        self.assertEqual(len(tables), expected_pages)
        self.assertEqual([len(t.xpath('./thead')) for t in tables], [1] * expected_pages)
        self.assertEqual([len(t.xpath('./tbody/tr')) for t in tables][0], ReportValues._rows_first_page)
        self.assertEqual(sum(len(t.xpath('./tbody/tr')) for t in tables), 40)
        self.assertIn('page-break-before', tables[1].getparent().get('style'))
        self.assertEqual(len(root.xpath('//div[contains(@class, "article")]')), 1)

    def test_ticket_report_public_conversation_only(self):
        ticket = self.ticket_late
        ticket.with_user(self.agent).message_post(
            body='We are resetting your password now.', message_type='comment', subtype_xmlid='mail.mt_comment')
        ticket.with_user(self.agent).message_post(
            body='Internal: customer is on the watch list.', message_type='comment', subtype_xmlid='mail.mt_note')
        root = self._render('helpdesk_lite.action_report_ticket', ticket | self.ticket_ok)
        text = ' '.join(root.text_content().split())
        self.assertIn(f'{ticket.number} — Пароль не работает', text)
        self.assertIn('We are resetting your password now.', text)
        self.assertNotIn('watch list', text)
        self.assertIn('No public message yet.', text)  # the second ticket has no conversation
        self.assertIn('Breached', text)
        # Several tickets: one page each, still a single .article for wkhtmltopdf.
        self.assertEqual(len(root.xpath('//div[contains(@class, "article")]')), 1)
        pages = root.xpath('//div[@data-ticket-id]')
        self.assertEqual([int(p.get('data-ticket-id')) for p in pages], [ticket.id, self.ticket_ok.id])
        self.assertIn('page-break-before', pages[1].get('style'))

    def test_report_actions_bound_to_print_menu(self):
        model = self.env['ir.model']._get('helpdesk.lite.ticket')
        for xmlid in ('helpdesk_lite.action_report_ticket_list', 'helpdesk_lite.action_report_ticket'):
            report = self.env.ref(xmlid)
            self.assertEqual(report.binding_model_id, model)
            self.assertEqual(report.binding_type, 'report')
            self.assertEqual(set(report.binding_view_types.split(',')), {'list', 'form'})
        bindings = self.env['ir.actions.actions'].with_user(self.agent).get_bindings('helpdesk.lite.ticket')
        self.assertIn(self.env.ref('helpdesk_lite.action_report_ticket_list').id, [a['id'] for a in bindings['report']])
        report = self.env.ref('helpdesk_lite.action_report_ticket')
        self.assertEqual(safe_eval(report.print_report_name, {'object': self.ticket_ok}),
                         f'Ticket-{self.ticket_ok.number}')


@tagged('post_install', '-at_install')
class TestTicketAnalysis(HelpdeskLiteCommon):
    """Hand-computed fixture, calendar Mon-Fri 9:00-17:00 UTC (2024-01-01 is a Monday)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env['resource.calendar'].create({
            'name': 'Helpdesk 9-17 UTC', 'tz': 'UTC',
            'attendance_ids': [
                Command.create({'name': f'Day {day}', 'dayofweek': str(day), 'hour_from': 9, 'hour_to': 17,
                                'day_period': 'morning'})
                for day in range(5)],
        })
        cls.company.resource_calendar_id = cls.calendar
        cls.tag_login, cls.tag_billing = cls.env['helpdesk.lite.tag'].create([{'name': 'Login'}, {'name': 'Billing'}])
        Ticket = cls.Ticket.with_context(tracking_disable=True)
        cls.ticket_a, cls.ticket_b, cls.ticket_c, cls.ticket_d, cls.ticket_archived, cls.ticket_merged = \
            Ticket.create([
                {'name': 'A', 'team_id': cls.team.id, 'user_id': cls.agent.id, 'priority': '1',
                 'channel': 'email', 'tag_ids': [Command.link(cls.tag_login.id)],
                 'sla_deadline': datetime(2024, 1, 3)},
                {'name': 'B', 'team_id': cls.team.id, 'user_id': cls.agent.id, 'priority': '2',
                 'channel': 'phone', 'sla_deadline': datetime(2024, 1, 6), 'partner_id': cls.customer.id},
                {'name': 'C', 'team_id': cls.team.id, 'user_id': cls.agent2.id, 'priority': '3',
                 'channel': 'email', 'sla_deadline': datetime(2024, 1, 11), 'partner_id': cls.other_customer.id},
                {'name': 'D', 'team_id': cls.team.id, 'priority': '0', 'channel': 'portal',
                 'tag_ids': [Command.link(cls.tag_login.id), Command.link(cls.tag_billing.id)],
                 'sla_deadline': datetime(2099, 1, 1)},
                {'name': 'Archived', 'team_id': cls.team.id},
                {'name': 'Merged away', 'team_id': cls.team.id},
            ])
        created = {
            cls.ticket_a: datetime(2024, 1, 1, 9, 0),     # Monday
            cls.ticket_b: datetime(2024, 1, 5, 16, 0),    # Friday
            cls.ticket_c: datetime(2024, 1, 10, 9, 0),    # Wednesday
            cls.ticket_d: datetime(2024, 1, 10, 14, 30),  # Wednesday
            cls.ticket_archived: datetime(2024, 1, 2, 9, 0),
            cls.ticket_merged: datetime(2024, 1, 2, 9, 0),
        }
        cls.env.flush_all()
        for ticket, date in created.items():
            cls.env.cr.execute("UPDATE helpdesk_lite_ticket SET create_date = %s WHERE id = %s", [date, ticket.id])
        cls.env.invalidate_all()
        (cls.ticket_a | cls.ticket_b).with_context(tracking_disable=True).write({'stage_id': cls.stage_done.id})
        cls.ticket_a.write({'first_response_date': datetime(2024, 1, 1, 11, 30),
                            'closed_date': datetime(2024, 1, 2, 10, 0)})
        cls.ticket_b.write({'first_response_date': datetime(2024, 1, 8, 10, 0),
                            'closed_date': datetime(2024, 1, 8, 12, 0), 'reopen_count': 2})
        cls.ticket_archived.active = False
        cls.ticket_merged.merged_into_id = cls.ticket_a
        for ticket, rate in ((cls.ticket_b, 5), (cls.ticket_c, 2)):
            ticket.rating_apply(rate, token=ticket._rating_get_access_token())
        cls.all_tickets = cls.ticket_a | cls.ticket_b | cls.ticket_c | cls.ticket_d | cls.ticket_archived \
            | cls.ticket_merged
        cls.Report = cls.env['helpdesk.lite.ticket.report']

    def setUp(self):
        super().setUp()
        self.env.flush_all()  # the view reads the ticket table
        self.domain = [('ticket_id', 'in', self.all_tickets.ids)]

    def test_working_hours_on_ticket(self):
        self.assertAlmostEqual(self.ticket_a.first_response_work_hours, 2.5)
        self.assertAlmostEqual(self.ticket_a.resolution_work_hours, 9.0)   # Mon 9-17 + Tue 9-10
        self.assertAlmostEqual(self.ticket_b.first_response_work_hours, 2.0)  # Fri 16-17 + Mon 9-10
        self.assertAlmostEqual(self.ticket_b.resolution_work_hours, 4.0)
        # Recomputed as one batch (one calendar computation for all): same figures; a holiday counts as off.
        self.env['resource.calendar.leaves'].create({
            'name': 'Holiday', 'calendar_id': self.calendar.id,
            'date_from': datetime(2024, 1, 8, 0, 0), 'date_to': datetime(2024, 1, 8, 23, 59, 59)})
        tickets = self.ticket_a | self.ticket_b | self.ticket_c
        tickets._compute_work_hours()
        self.assertEqual(
            [(t.first_response_work_hours, t.resolution_work_hours) for t in tickets],
            [(2.5, 9.0), (1.0, 1.0), (0.0, 0.0)])  # B: only Friday 16-17 is left

    def test_rows_per_ticket(self):
        rows = self.Report.search(self.domain)
        self.assertEqual(rows.ticket_id, self.ticket_a | self.ticket_b | self.ticket_c | self.ticket_d,
                         'archived and merged-away tickets are left out')
        by_ticket = {row.ticket_id: row for row in rows}
        expected = {
            # ticket: (first response h, resolution h, work h to first response, work h to resolution,
            #          SLA result, met, breached, compliance, weekday, hour, reopened, rating, CSAT, rated)
            self.ticket_a: (2.5, 25.0, 2.5, 9.0, 'met', 1, 0, 100.0, '1', '09', 0, 0.0, 0.0, False),
            self.ticket_b: (66.0, 68.0, 2.0, 4.0, 'breached', 0, 1, 0.0, '5', '16', 2, 5.0, 100.0, True),
            self.ticket_c: (0.0, 0.0, 0.0, 0.0, 'breached', 0, 1, 0.0, '3', '09', 0, 2.0, 0.0, True),
            self.ticket_d: (0.0, 0.0, 0.0, 0.0, 'running', 0, 0, 0.0, '3', '14', 0, 0.0, 0.0, False),
        }
        keys = ['first_response_hours', 'resolution_hours', 'first_response_work_hours', 'resolution_work_hours',
                'sla_result', 'sla_met_count', 'sla_breached_count', 'sla_compliance', 'create_weekday',
                'create_hour', 'reopen_count', 'rating', 'csat', 'is_rated']
        for ticket, values in expected.items():
            row = by_ticket[ticket]
            self.assertEqual(tuple(row[key] for key in keys), values, ticket.name)

    def test_aggregates_match_hand_computation(self):
        [(team, count, first_response, resolution, fr_work, res_work, met, breached, compliance, reopened,
          rating, csat)] = self.Report._read_group(
            self.domain, ['team_id'],
            ['ticket_count:sum', 'first_response_hours:avg', 'resolution_hours:avg',
             'first_response_work_hours:avg', 'resolution_work_hours:avg', 'sla_met_count:sum',
             'sla_breached_count:sum', 'sla_compliance:avg', 'reopen_count:sum', 'rating:avg', 'csat:avg'])
        self.assertEqual(team, self.team)
        self.assertEqual(count, 4)
        # Averages skip tickets without the event (no reply yet, still open, not rated, no SLA verdict).
        self.assertAlmostEqual(first_response, (2.5 + 66) / 2)
        self.assertAlmostEqual(resolution, (25 + 68) / 2)
        self.assertAlmostEqual(fr_work, (2.5 + 2) / 2)
        self.assertAlmostEqual(res_work, (9 + 4) / 2)
        self.assertEqual((met, breached), (1, 2))
        self.assertAlmostEqual(compliance, 100 / 3)
        self.assertEqual(reopened, 2)
        self.assertAlmostEqual(rating, 3.5)
        self.assertAlmostEqual(csat, 50.0)

    def test_dimensions(self):
        by_user = dict(self.Report._read_group(self.domain, ['user_id'], ['ticket_count:sum']))
        self.assertEqual(by_user, {self.agent: 2, self.agent2: 1, self.env['res.users']: 1})
        by_weekday = dict(self.Report._read_group(self.domain, ['create_weekday'], ['__count']))
        self.assertEqual(by_weekday, {'1': 1, '3': 2, '5': 1})
        by_month = self.Report._read_group(self.domain, ['create_date:month', 'team_id'], ['__count'])
        self.assertEqual([(month.month, team, count) for month, team, count in by_month], [(1, self.team, 4)])
        by_channel = dict(self.Report._read_group(self.domain, ['channel'], ['__count']))
        self.assertEqual(by_channel, {'email': 2, 'phone': 1, 'portal': 1})
        # Subjects are many2many: a ticket counts in each of its subjects' groups.
        by_tag = dict(self.Report._read_group(self.domain, ['tag_ids'], ['__count']))
        self.assertEqual(by_tag, {self.tag_login: 2, self.tag_billing: 1, self.env['helpdesk.lite.tag']: 2})

    def test_multi_company_and_access(self):
        company2 = self.env['res.company'].create({'name': 'Other Helpdesk Co'})
        team2 = self.env['helpdesk.lite.team'].create({'name': 'Team 2', 'company_id': company2.id})
        ticket2 = self.Ticket.with_company(company2).create({'name': 'Elsewhere', 'team_id': team2.id})
        self.manager.write({'company_ids': [Command.link(company2.id)]})
        self.env.flush_all()
        domain = [('ticket_id', 'in', (self.all_tickets | ticket2).ids)]
        agent_rows = self.Report.with_user(self.agent).search(domain)
        self.assertNotIn(ticket2, agent_rows.ticket_id)
        self.assertEqual(len(agent_rows), 4)
        manager_rows = self.Report.with_user(self.manager).with_context(
            allowed_company_ids=[self.company.id, company2.id]).search(domain)
        self.assertIn(ticket2, manager_rows.ticket_id)
        with self.assertRaises(AccessError):
            self.Report.with_user(self.portal_user).search(domain)


@tagged('post_install', '-at_install')
class TestTicketCsvExport(HelpdeskLiteCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tricky = cls.env['res.partner'].create({'name': 'Ελένη, "Η Μεγάλη"', 'email': 'eleni@example.com'})
        cls.ticket_tricky = cls._create_ticket(
            name='Comma, "quotes" and\nnewline — 請求書', partner_id=cls.tricky.id, user_id=cls.agent.id,
            priority='3', channel='phone', sla_deadline=datetime(2030, 5, 17, 8, 30),
            description='<p>Line one, with comma</p><p>Line "two"</p>', tag_ids=[Command.create({'name': 'X'})])
        cls.ticket_formula = cls._create_ticket(name='=HYPERLINK("http://evil.example.com")', partner_name='-1+2')
        cls.tickets = cls.ticket_tricky | cls.ticket_formula
        cls.Export = cls.env['helpdesk.lite.ticket.export']

    def _export(self, user, tickets, **kwargs):
        return b''.join(self.Export.with_user(user)._csv_chunks(tickets.ids, **kwargs))

    def test_csv_round_trip(self):
        data = self._export(self.manager, self.tickets)
        self.assertTrue(data.startswith(b'\xef\xbb\xbf'), 'UTF-8 BOM for spreadsheets')
        self.assertIn(b'\r\n', data, 'RFC 4180 line ends')
        rows = _csv_rows(data)
        self.assertEqual([int(r['id']) for r in rows], self.tickets.sorted('id').ids)
        row = next(r for r in rows if int(r['id']) == self.ticket_tricky.id)
        ticket = self.ticket_tricky
        self.assertEqual(row['name'], 'Comma, "quotes" and\nnewline — 請求書')
        self.assertEqual(row['number'], ticket.number)
        self.assertEqual(row['partner_id'], 'Ελένη, "Η Μεγάλη"')
        self.assertEqual(row['partner_id.id'], str(self.tricky.id))
        self.assertEqual(row['user_id'], 'Agnes Agent')
        self.assertEqual(row['user_id.id'], str(self.agent.id))
        self.assertEqual((row['priority'], row['priority.value']), ('Urgent', '3'))
        self.assertEqual((row['channel'], row['channel.value']), ('Phone', 'phone'))
        self.assertEqual((row['stage_id'], row['stage_id.id']), ('New', str(self.stage_new.id)))
        self.assertEqual(row['sla_deadline'], '2030-05-17T08:30:00Z')
        self.assertEqual(datetime.fromisoformat(row['create_date']).replace(tzinfo=None),
                         ticket.create_date.replace(microsecond=0))
        self.assertEqual(row['is_closed'], 'false')
        self.assertEqual(row['closed_date'], '')
        self.assertIn('Line one, with comma', row['description'])
        self.assertIn('Line "two"', row['description'])
        self.assertNotIn('<p>', row['description'])
        self.assertEqual(row['company_id.id'], str(self.company.id))
        for column in ('tag_ids', 'user_ids', 'message_ids', 'access_token', 'message_follower_ids'):
            self.assertNotIn(column, row)

    def test_csv_neutralises_formulas(self):
        rows = _csv_rows(self._export(self.manager, self.ticket_formula))
        self.assertEqual(rows[0]['name'], '\'=HYPERLINK("http://evil.example.com")')
        self.assertEqual(rows[0]['partner_name'], "'-1+2")

    def test_csv_without_bom(self):
        data = self._export(self.manager, self.tickets, bom=False)
        self.assertTrue(data.startswith(b'id,number,name,'))

    def test_csv_reads_in_chunks(self):
        many = self.Ticket.create([{'name': f'Bulk {i}', 'team_id': self.team.id} for i in range(5)])
        Export = type(self.Export)
        with patch.object(Export, '_chunk_size', 2), \
                patch.object(type(self.env), 'invalidate_all', autospec=True,
                             side_effect=type(self.env).invalidate_all) as invalidate:
            chunks = list(self.Export.with_user(self.manager)._csv_chunks(many.ids))
        self.assertEqual(len(chunks), 1 + 3, 'header, then one chunk per 2 tickets')
        self.assertEqual(invalidate.call_count, 3, 'the cache is emptied after every chunk')
        self.assertEqual(len(_csv_rows(b''.join(chunks))), 5)

    def test_action_for_manager(self):
        action_record = self.env.ref('helpdesk_lite.helpdesk_lite_ticket_action_export_csv')
        action = action_record.with_user(self.manager).with_context(
            active_model='helpdesk.lite.ticket', active_ids=self.tickets.ids, active_id=self.tickets[0].id,
            active_domain=[('name', '!=', False)]).run()
        self.assertEqual(action['type'], 'ir.actions.act_url')
        export = self.Export.browse(int(action['url'].split('export_id=')[1]))
        self.assertEqual(export.create_uid, self.manager)
        self.assertEqual(export._get_domain(), [('id', 'in', self.tickets.ids)])
        # The whole domain was selected and the web client cut it at its limit: export the domain.
        self.env['ir.config_parameter'].set_param('web.active_ids_limit', 2)
        action = action_record.with_user(self.manager).with_context(
            active_model='helpdesk.lite.ticket', active_ids=self.tickets.ids,
            active_domain=[('name', '!=', False)]).run()
        export = self.Export.browse(int(action['url'].split('export_id=')[1]))
        self.assertEqual(export._get_domain(), [('name', '!=', False)])
        bindings = self.env['ir.actions.actions'].with_user(self.manager).get_bindings('helpdesk.lite.ticket')
        self.assertIn(action_record.id, [a['id'] for a in bindings['action']])

    def test_refused_for_agents(self):
        action_record = self.env.ref('helpdesk_lite.helpdesk_lite_ticket_action_export_csv')
        bindings = self.env['ir.actions.actions'].with_user(self.agent).get_bindings('helpdesk.lite.ticket')
        self.assertNotIn(action_record.id, [a['id'] for a in bindings['action']], 'agents do not see the action')
        with self.assertRaises(AccessError):
            action_record.with_user(self.agent).with_context(
                active_model='helpdesk.lite.ticket', active_ids=self.tickets.ids).run()
        # Calling the model directly (RPC or code) is refused too, before any data is read.
        Export = self.Export.with_user(self.agent)
        with self.assertRaises(AccessError):
            Export._action_export(self.tickets)
        with self.assertRaises(AccessError):
            Export.create({'domain': '[]'})
        with self.assertRaises(AccessError):
            next(Export._csv_chunks(self.tickets.ids))


@tagged('post_install', '-at_install')
class TestTicketCsvExportRoute(HttpCase, HelpdeskLiteCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager2 = new_test_user(
            cls.env, login='hdl_manager2', name='Max Manager',
            groups='base.group_user,helpdesk_lite.group_helpdesk_lite_manager')
        cls.tickets = cls.Ticket.create([
            {'name': 'Route, "one"', 'team_id': cls.team.id, 'partner_name': 'Ζωή'},
            {'name': 'Route two\nsecond line', 'team_id': cls.team.id},
        ])
        cls.url = '/helpdesk_lite/export/tickets.csv'

    def _export_id(self, user):
        action = self.env.ref('helpdesk_lite.helpdesk_lite_ticket_action_export_csv').with_user(user).with_context(
            active_model='helpdesk.lite.ticket', active_ids=self.tickets.ids).run()
        return action['url']

    def test_manager_downloads_streamed_csv(self):
        url = self._export_id(self.manager)
        self.authenticate('hdl_manager', 'hdl_manager')
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Content-Type'], 'text/csv; charset=utf-8')
        self.assertIn('attachment', response.headers['Content-Disposition'])
        self.assertNotIn('Content-Length', response.headers, 'streamed, not built in memory')
        rows = _csv_rows(response.content)
        self.assertEqual([(r['name'], r['partner_name']) for r in rows],
                         [('Route, "one"', 'Ζωή'), ('Route two\nsecond line', '')])
        response = self.url_open(f'{self.url}?ids={self.tickets[1].id}&bom=0')
        self.assertEqual([r['id'] for r in _csv_rows(response.content)], [str(self.tickets[1].id)])

    @mute_logger('odoo.http')
    def test_route_refused_for_agents_portal_and_other_managers(self):
        url = self._export_id(self.manager)
        for login in ('hdl_agent', 'hdl_portal'):
            self.authenticate(login, login)
            for target in (url, f'{self.url}?ids={self.tickets[0].id}', self.url):
                response = self.url_open(target)
                self.assertEqual(response.status_code, 403, f'{login} {target}')
                self.assertNotIn(b'Route', response.content)
        # An export belongs to whoever prepared it.
        self.authenticate('hdl_manager2', 'hdl_manager2')
        response = self.url_open(url)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(b'Route', response.content)
        self.authenticate(None, None)
        response = self.url_open(f'{self.url}?ids={self.tickets[0].id}', allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertNotIn(b'Route', response.content)
