from contextlib import contextmanager
from datetime import datetime

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import HelpdeskLiteCommon

# 2024-01-08 is a Monday.
MON = datetime(2024, 1, 8)


def at(day, hour, minute=0):
    """MON + ``day`` days at hour:minute (naive UTC, like ORM datetimes)."""
    return MON.replace(day=MON.day + day, hour=hour, minute=minute)


class HelpdeskLiteSlaCommon(HelpdeskLiteCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Policy = cls.env['helpdesk.lite.sla.policy']
        cls.Breach = cls.env['helpdesk.lite.sla.breach']
        cls.calendar = cls._make_calendar('Support hours UTC', 'UTC')
        # the shipped default policy, on a known timezone for the assertions
        cls.default_policy = cls.env.ref('helpdesk_lite.sla_policy_default')
        cls.default_policy.calendar_id.tz = 'UTC'
        # the test team's own policy: 2h first response / 8h resolution, urgent 1h / 4h
        cls.policy = cls.Policy.create({
            'name': 'Test team SLA',
            'team_ids': [Command.link(cls.team.id)],
            'calendar_id': cls.calendar.id,
            'response_hours': 2.0,
            'resolution_hours': 8.0,
            'line_ids': [Command.create({'priority': '3', 'response_hours': 1.0, 'resolution_hours': 4.0})],
        })
        cls.warning_type = cls.env.ref('mail.mail_activity_data_warning')

    @classmethod
    def _make_calendar(cls, name, tz):
        return cls.env['resource.calendar'].create({
            'name': name,
            'tz': tz,
            'company_id': False,
            'attendance_ids': [
                Command.create({'name': f'Day {day}', 'dayofweek': str(day), 'hour_from': 9.0, 'hour_to': 18.0,
                                'day_period': 'morning'})
                for day in range(5)
            ],
        })

    @contextmanager
    def _at(self, when):
        """Freeze time at ``when``, transaction timestamp (cr.now) included. Stored computes and tracking
        run lazily: flush them before leaving so that they see the frozen time too."""
        with self.mock_datetime_and_now(when):
            yield
            self.flush_tracking()

    def _create_ticket_at(self, when, **vals):
        with self._at(when):
            return self._create_ticket(**vals)

    def _run_cron(self, when, **kwargs):
        with self._at(when):
            done = self.Ticket._cron_check_sla_overdue(**kwargs)
            self.env.flush_all()
            return done

    def _tracking_values(self, ticket, fname):
        return self.env['mail.tracking.value'].search([
            ('mail_message_id.model', '=', ticket._name), ('mail_message_id.res_id', '=', ticket.id),
            ('field_id.name', '=', fname)])

    def _sla_messages(self, ticket):
        ticket.invalidate_recordset(['message_ids'])
        return ticket.message_ids.filtered(
            lambda m: 'SLA breached' in (m.body or '') or 'SLA at risk' in (m.body or ''))


@tagged('post_install', '-at_install')
class TestSlaBusinessTime(HelpdeskLiteSlaCommon):
    """Business-hours arithmetic: nights, weekends, holidays, timezones."""

    def test_clock_nights_weekends_holidays(self):
        clock = self.calendar._helpdesk_lite_clock(at(0, 0), at(10, 0))
        self.assertEqual(clock.plan(at(3, 17, 30), 1), at(4, 9, 30), 'Thursday 17:30 + 1h: Friday 09:30')
        self.assertEqual(clock.plan(at(4, 17), 2), at(7, 10), 'Friday 17:00 + 2h: Monday 10:00')
        self.assertEqual(clock.plan(at(5, 12), 1), at(7, 10), 'Saturday noon + 1h: Monday 10:00')
        self.assertEqual(clock.plan(at(0, 9), 4.5), at(0, 13, 30), 'minutes count')
        self.assertEqual(clock.plan(at(0, 9), 9), at(0, 18), 'a target ending with the day ends at 18:00')
        self.assertAlmostEqual(clock.duration(at(4, 17), at(7, 10)), 2.0)
        self.assertAlmostEqual(clock.duration(at(5, 8), at(6, 20)), 0.0, msg='no business time on weekends')
        # Monday 15th is a holiday (time off of this calendar)
        self.env['resource.calendar.leaves'].create({
            'name': 'Holiday', 'calendar_id': self.calendar.id,
            'date_from': at(7, 0), 'date_to': at(7, 23, 59)})
        clock = self.calendar._helpdesk_lite_clock(at(0, 0), at(10, 0))
        self.assertEqual(clock.plan(at(4, 17), 2), at(8, 10), 'Friday 17:00 + 2h over a holiday Monday: Tuesday')
        self.assertAlmostEqual(clock.duration(at(4, 17), at(8, 10)), 2.0)
        # 72 business hours: Mon-Fri (45h), holiday, Tue-Thu (27h)
        self.assertEqual(clock.plan(at(0, 9), 72), at(10, 18))
        # same answers as resource.calendar.plan_hours, beyond the clock's first window too
        for start, hours in ((at(4, 17), 2), (at(0, 9), 72), (at(2, 11, 15), 123.25)):
            self.assertEqual(
                clock.plan(start, hours), self.calendar.plan_hours(hours, start, compute_leaves=True), (start, hours))

    def test_business_hours_are_cached_until_the_calendar_changes(self):
        self.assertEqual(self.calendar._helpdesk_lite_clock(at(0, 0), at(3, 0)).plan(at(1, 17), 2), at(2, 10))
        with self.assertQueryCount(0):  # the same days again, in any later transaction: from the cache
            self.assertEqual(self.calendar._helpdesk_lite_clock(at(0, 0), at(3, 0)).plan(at(1, 17), 2), at(2, 10))
        # Tuesdays end at noon from now on
        self.calendar.attendance_ids.filtered(lambda a: a.dayofweek == '1').hour_to = 12.0
        self.assertEqual(self.calendar._helpdesk_lite_clock(at(0, 0), at(3, 0)).plan(at(1, 11), 2), at(2, 10))
        # an employee's time off is not a closure of the calendar (and keeps the cache)
        employee = self.env['resource.resource'].create({'name': 'Agent', 'calendar_id': self.calendar.id})
        self.env['resource.calendar.leaves'].create({
            'name': 'Time off', 'calendar_id': self.calendar.id, 'resource_id': employee.id,
            'date_from': at(2, 0), 'date_to': at(2, 23, 59)})
        with self.assertQueryCount(0):
            self.assertEqual(self.calendar._helpdesk_lite_clock(at(0, 0), at(3, 0)).plan(at(1, 11), 2), at(2, 10))
        # a closure on Wednesday is
        self.env['resource.calendar.leaves'].create({
            'name': 'Closed', 'calendar_id': self.calendar.id, 'date_from': at(2, 0), 'date_to': at(2, 23, 59)})
        self.assertEqual(self.calendar._helpdesk_lite_clock(at(0, 0), at(3, 0)).plan(at(1, 11), 2), at(3, 10))

    def test_non_utc_calendar_and_dst(self):
        new_york = self._make_calendar('New York office', 'America/New_York')
        self.policy.calendar_id = new_york
        # Monday 13:00 UTC is 08:00 in New York: the urgent first-response hour runs 09:00-10:00 EST
        ticket = self._create_ticket_at(at(0, 13), priority='3')
        self.assertEqual(ticket.sla_response_deadline, at(0, 15))
        self.assertEqual(ticket.sla_resolve_deadline, at(0, 18), '4h from 09:00 EST is 13:00 EST')
        # Friday 8 March 2024 17:30 EST + 1h: 30 minutes on Friday, 30 minutes on Monday after the DST switch
        ticket = self._create_ticket_at(datetime(2024, 3, 8, 22, 30), priority='3')
        self.assertEqual(ticket.sla_response_deadline, datetime(2024, 3, 11, 13, 30), '09:30 EDT is 13:30 UTC')

    def test_default_policy_spec_table(self):
        """The default priority levels on Mon-Fri 09:00-18:00, from Monday 09:00."""
        expected = {
            '3': (at(0, 10), at(0, 13)),   # Urgent 1h / 4h
            '2': (at(0, 13), at(0, 17)),   # High 4h / 8h
            '1': (at(0, 17), at(2, 15)),   # Medium 8h / 24h
            '0': (at(2, 15), at(9, 18)),   # Low 24h / 72h
        }
        with self._at(at(0, 9)):
            tickets = self.Ticket.create([{'name': f'P{p}', 'priority': p} for p in expected])
            self.assertEqual(set(tickets.mapped('sla_status')), {'on_track'})
        for ticket in tickets:
            self.assertEqual(ticket.sla_policy_id, self.default_policy)
            self.assertEqual(
                (ticket.sla_response_deadline, ticket.sla_resolve_deadline), expected[ticket.priority], ticket.name)


@tagged('post_install', '-at_install')
class TestSlaPolicyChoice(HelpdeskLiteSlaCommon):

    def test_most_specific_policy_wins(self):
        hardware = self.env['helpdesk.lite.category'].create({'name': 'Hardware'})
        printers = self.env['helpdesk.lite.category'].create({'name': 'Printers', 'parent_id': hardware.id})
        vip_company = self.env['res.partner'].create({'name': 'VIP Corp', 'is_company': True})
        vip_contact = self.env['res.partner'].create({'name': 'Vera VIP', 'parent_id': vip_company.id})
        complaint = self.env['helpdesk.lite.tag'].create({'name': 'Complaint SLA'})
        common = {'calendar_id': self.calendar.id, 'response_hours': 1.0, 'resolution_hours': 2.0}
        p_category = self.Policy.create(dict(common, name='Hardware', category_ids=[Command.link(hardware.id)]))
        p_customer = self.Policy.create(dict(common, name='VIP', partner_ids=[Command.link(vip_company.id)]))
        p_team_tag = self.Policy.create(dict(
            common, name='Team complaints', team_ids=[Command.link(self.team.id)],
            tag_ids=[Command.link(complaint.id)]))
        p_phone = self.Policy.create(dict(
            common, name='Team phone', team_ids=[Command.link(self.team.id)], domain="[('channel', '=', 'phone')]"))

        def policy_of(**vals):
            return self._create_ticket(**vals).sla_policy_id

        self.assertEqual(policy_of(), self.policy, 'team only')
        self.assertEqual(policy_of(team_id=False), self.default_policy, 'nothing matches: default policy')
        self.assertEqual(policy_of(tag_ids=[Command.link(complaint.id)]), p_team_tag, 'two criteria beat one')
        self.assertEqual(policy_of(channel='phone', partner_id=self.customer.id), p_phone, 'the extra condition counts as a criterion')
        self.assertEqual(policy_of(category_id=printers.id), p_category,
                         'a subcategory matches; category is more specific than team')
        self.assertEqual(policy_of(category_id=printers.id, partner_id=vip_contact.id), p_customer,
                         "a company's contacts match; customer is the most specific criterion")
        # the choice follows the ticket's changes
        ticket = self._create_ticket()
        ticket.tag_ids = [Command.link(complaint.id)]
        self.assertEqual(ticket.sla_policy_id, p_team_tag)
        ticket.team_id = False
        self.assertEqual(ticket.sla_policy_id, self.default_policy)
        # and shows in the form before saving
        with Form(self.Ticket) as form:
            form.name = 'From the form'
            form.team_id = self.team
            self.assertEqual(form.sla_policy_id, self.policy)
            form.priority = '2'
            form.partner_id = self.customer  # a phone ticket needs its customer
            form.channel = 'phone'  # the extra condition is evaluated with the next change of a criterion
            form.priority = '1'
            self.assertEqual(form.sla_policy_id, p_phone)

    def test_company_policies(self):
        other_company = self.env['res.company'].create({'name': 'Other SLA Co'})
        other_team = self.env['helpdesk.lite.team'].create({'name': 'Other team', 'company_id': other_company.id})
        foreign = self.Ticket.create({'name': 'Foreign', 'team_id': other_team.id})
        self.assertEqual(foreign.sla_policy_id, self.default_policy, 'the shared default policy')
        own_default = self.Policy.create({
            'name': 'Other default', 'company_id': other_company.id, 'is_default': True,
            'calendar_id': self.calendar.id, 'response_hours': 3.0})
        foreign = self.Ticket.create({'name': 'Foreign 2', 'team_id': other_team.id})
        self.assertEqual(foreign.sla_policy_id, own_default, "the company's default beats the shared one")
        with self.assertRaises(ValidationError):
            self.Policy.create({'name': 'Second default', 'company_id': other_company.id, 'is_default': True,
                                'calendar_id': self.calendar.id})
        # agents of the main company do not see the other company's policies
        self.assertNotIn(own_default, self.Policy.with_user(self.agent).search([]))

    def test_policy_constraints(self):
        with self.assertRaises(ValidationError):
            self.Policy.create({'name': 'No calendar', 'business_hours_only': True})
        with self.assertRaises(ValidationError):
            self.Policy.create({'name': 'Default with conditions', 'is_default': True, 'company_id': False,
                                'business_hours_only': False, 'team_ids': [Command.link(self.team.id)]})
        with self.assertRaises(ValidationError):
            self.Policy.create({'name': 'Bad share', 'business_hours_only': False, 'at_risk_percent': 0})
        with self.assertRaises(ValidationError):
            self.Policy.create({'name': 'Bad domain', 'business_hours_only': False, 'domain': "[('nope', '=', 1)]"})

    def test_policy_changes_reach_open_tickets(self):
        open_ticket = self._create_ticket_at(at(0, 9))
        closed_ticket = self._create_ticket_at(at(0, 9))
        with self._at(at(0, 10)):
            closed_ticket.action_resolve()
        self.assertEqual(open_ticket.sla_resolve_deadline, at(0, 17))
        self.policy.resolution_hours = 9.0
        self.assertEqual(open_ticket.sla_resolve_deadline, at(0, 18), 'new target applied to open tickets')
        self.assertEqual(closed_ticket.sla_resolve_deadline, at(0, 17), 'closed tickets keep their SLA')
        self.policy.line_ids.filtered(lambda l: l.priority == '3').resolution_hours = 3.0
        open_ticket.priority = '3'
        self.assertEqual(open_ticket.sla_resolve_deadline, at(0, 12))
        # a new, more specific policy applies to existing tickets once re-applied
        stricter = self.Policy.create({
            'name': 'Urgent in team', 'team_ids': [Command.link(self.team.id)], 'priority': '3',
            'business_hours_only': False, 'response_hours': 0.5, 'resolution_hours': 1.0})
        self.assertEqual(open_ticket.sla_policy_id, self.policy)
        with self.assertRaises(AccessError):
            self.Policy.with_user(self.agent).action_apply_to_open_tickets()
        self.Policy.with_user(self.manager).action_apply_to_open_tickets()
        self.assertEqual(open_ticket.sla_policy_id, stricter)
        self.assertEqual(open_ticket.sla_resolve_deadline, at(0, 10), 'wall-clock policy: 1h after creation')
        self.assertEqual(closed_ticket.sla_policy_id, self.policy)

    def test_access(self):
        policy_as_agent = self.policy.with_user(self.agent)
        self.assertEqual(policy_as_agent.name, 'Test team SLA', 'agents read policies')
        with self.assertRaises(AccessError):
            policy_as_agent.write({'response_hours': 99})
        with self.assertRaises(AccessError):
            self.Policy.with_user(self.agent).create({'name': 'Mine', 'business_hours_only': False})
        ticket = self._create_ticket()
        with self.assertRaises(AccessError):
            self.Breach.with_user(self.agent).create({
                'ticket_id': ticket.id, 'target_type': 'response', 'deadline': at(0, 9)})
        with self.assertRaises(AccessError):
            self.Policy.with_user(self.portal_user).search([])
        self.Policy.with_user(self.manager).create({'name': 'By manager', 'business_hours_only': False})


@tagged('post_install', '-at_install')
class TestSlaTicketTimers(HelpdeskLiteSlaCommon):

    def test_pause_and_resume(self):
        ticket = self._create_ticket_at(at(0, 9), user_id=self.agent.id)
        self.assertRecordValues(ticket, [{
            'sla_policy_id': self.policy.id, 'sla_response_deadline': at(0, 11), 'sla_resolve_deadline': at(0, 17),
            'sla_at_risk_date': at(0, 10, 30), 'sla_status': 'on_track', 'sla_next_deadline': at(0, 11),
            'sla_check_date': at(0, 10, 30)}])
        with self._at(at(0, 10)):
            ticket.stage_id = self.stage_waiting
            self.assertRecordValues(ticket, [{
                'sla_status': 'paused', 'sla_paused_since': at(0, 10), 'sla_next_deadline': False,
                'sla_check_date': False, 'is_overdue': False, 'sla_time_remaining': False}])
        # the customer answers on Tuesday 10:00: the ticket leaves the waiting stage and the timers resume,
        # pushed out by the paused business time (Monday 10-18, Tuesday 9-10: 9 hours)
        with self._at(at(1, 10)):
            ticket.message_post(body='Here you go', author_id=self.customer.id, message_type='email',
                                subtype_xmlid='mail.mt_comment')
            self.assertEqual(ticket.stage_id, self.stage_progress)
            self.assertRecordValues(ticket, [{
                'sla_paused_since': False, 'sla_paused_hours': 9.0, 'sla_response_deadline': at(1, 11),
                'sla_resolve_deadline': at(1, 17), 'sla_at_risk_date': at(1, 10, 30), 'sla_status': 'on_track',
                'sla_next_deadline': at(1, 11), 'sla_time_remaining': '1h 00m left'}])
        # the first agent reply meets the response target; "at risk" now follows the resolution target
        with self._at(at(1, 10, 15)):
            ticket.with_user(self.agent).message_post(
                body='On it', message_type='comment', subtype_xmlid='mail.mt_comment')
            self.assertRecordValues(ticket, [{
                'sla_response_date': at(1, 10, 15), 'sla_at_risk_date': at(1, 15), 'sla_next_deadline': at(1, 17),
                'sla_status': 'on_track'}])
        # a second wait, then resolution stops everything
        with self._at(at(1, 11)):
            ticket.stage_id = self.stage_waiting
        with self._at(at(1, 12)):
            ticket.stage_id = self.stage_progress
            self.assertEqual(ticket.sla_paused_hours, 10.0)
            self.assertEqual(ticket.sla_resolve_deadline, at(1, 18))
        with self._at(at(1, 16)):
            ticket.action_resolve()
            self.assertRecordValues(ticket, [{
                'sla_status': 'met', 'sla_next_deadline': False, 'sla_check_date': False, 'is_overdue': False}])
        self.assertFalse(self.Breach.search([('ticket_id', '=', ticket.id)]))

    def test_reopen_restarts_the_timers(self):
        ticket = self._create_ticket_at(at(0, 9))
        with self._at(at(0, 9, 30)):
            ticket.with_user(self.agent).message_post(body='Done', message_type='comment',
                                                      subtype_xmlid='mail.mt_comment')
            ticket.action_resolve()
        self.assertEqual(ticket.sla_status, 'met')
        with self._at(at(2, 14)):
            ticket.action_reopen()
            self.assertRecordValues(ticket, [{
                'sla_start_date': at(2, 14), 'sla_response_date': False, 'sla_response_deadline': at(2, 16),
                'sla_resolve_deadline': at(3, 13), 'sla_status': 'on_track'}])

    def test_priority_change_mid_life(self):
        ticket = self._reset_mail_context(self._create_ticket_at(at(0, 9)))
        self.assertEqual(ticket.sla_response_deadline, at(0, 11))
        with self._at(at(0, 10, 30)):
            ticket.priority = '3'  # urgent: 1h from creation, already gone
            self.assertRecordValues(ticket, [{
                'sla_response_deadline': at(0, 10), 'sla_resolve_deadline': at(0, 13), 'sla_status': 'breached',
                'is_overdue': True, 'sla_check_date': at(0, 10), 'sla_time_remaining': '30m late'}])
            self.assertIn(ticket, self.Ticket.search([('is_overdue', '=', True)]))
        with self._at(at(0, 10, 45)):
            ticket.priority = '1'  # back to medium: 2h, at risk after 1h30
            self.assertRecordValues(ticket, [{
                'sla_response_deadline': at(0, 11), 'sla_status': 'at_risk', 'is_overdue': False}])
        # a team change switches the policy, in the chatter
        with self._at(at(0, 11)):
            ticket.team_id = self.env['helpdesk.lite.team'].create({'name': 'No policy team'})
            self.flush_tracking()
        self.assertEqual(ticket.sla_policy_id, self.default_policy)
        self.assertEqual(ticket.sla_response_deadline, at(0, 17), 'default policy: medium 8h')
        tracked = self._tracking_values(ticket, 'sla_policy_id')
        self.assertEqual((tracked.old_value_char, tracked.new_value_char), ('Test team SLA', 'Standard SLA'))

    def test_manual_deadline_precedence(self):
        ticket = self._reset_mail_context(self._create_ticket_at(at(0, 9)))
        with self._at(at(0, 9, 30)):
            ticket.with_user(self.agent).message_post(body='Hi', message_type='comment',
                                                      subtype_xmlid='mail.mt_comment')
            ticket.sla_deadline = at(0, 12)
            self.flush_tracking()
        self.assertEqual(ticket.sla_resolve_deadline, at(0, 12), 'the manual deadline wins')
        self.assertEqual(ticket.sla_next_deadline, at(0, 12))
        tracked = self._tracking_values(ticket, 'sla_deadline')
        self.assertEqual(len(tracked), 1, 'the manual deadline is tracked')
        with self._at(at(0, 12, 30)):
            self.assertTrue(ticket.is_overdue)
            self.assertIn(ticket, self.Ticket.search([('is_overdue', '=', True)]))
            self.team.invalidate_recordset()
            self.assertEqual(self.team.overdue_ticket_count, 1)
            action = self.team.action_overdue_tickets()
            self.assertIn(ticket, self.Ticket.search(action['domain']))
            ticket.sla_deadline = False
            self.assertEqual(ticket.sla_resolve_deadline, at(0, 17), 'back to the policy')
            self.assertFalse(ticket.is_overdue)
            self.assertNotIn(ticket, self.Ticket.search([('is_overdue', '=', True)]))
            self.team.invalidate_recordset()
            self.assertEqual(self.team.overdue_ticket_count, 0)

    def test_manual_deadline_without_policy(self):
        self.default_policy.active = False
        ticket = self.Ticket.create({'name': 'No policy'})
        self.assertFalse(ticket.sla_policy_id)
        self.assertFalse(ticket.sla_status)
        ticket.sla_deadline = '2000-01-01 00:00:00'
        self.assertEqual(ticket.sla_status, 'breached')
        self.assertTrue(ticket.is_overdue)


@tagged('post_install', '-at_install')
class TestSlaCron(HelpdeskLiteSlaCommon):

    def test_status_transitions(self):
        ticket = self._create_ticket_at(at(0, 9), user_id=self.agent.id)
        on_time = self._create_ticket_at(at(0, 9), user_id=self.agent.id)
        with self._at(at(0, 9, 10)):
            for record in ticket | on_time:
                record.with_user(self.agent).message_post(
                    body='Looking', message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertEqual(ticket.sla_at_risk_date, at(0, 15), '75 % of the 8h resolution target')
        self.assertEqual(self._run_cron(at(0, 14)), 0, 'nothing due yet')
        self.assertEqual(ticket.sla_status, 'on_track')
        self._run_cron(at(0, 15, 30))
        self.assertEqual(ticket.sla_status, 'at_risk', 'time passing moves the stored status')
        self.assertEqual(ticket.sla_check_date, at(0, 17), 'next check: the resolution deadline')
        self.assertIn(ticket, self.Ticket.search([('sla_status', '=', 'at_risk')]))
        self.assertFalse(self._sla_messages(ticket), 'at risk without escalation: no message')
        with self._at(at(0, 16)):
            on_time.action_resolve()
        self.assertEqual(on_time.sla_status, 'met')
        self._run_cron(at(0, 17, 30))
        self.assertEqual(ticket.sla_status, 'breached')
        self.assertEqual(ticket.sla_breach_ids.target_type, 'resolution')
        with self._at(at(0, 18, 30)):
            ticket.action_resolve()
        self.assertEqual(ticket.sla_status, 'breached', 'resolved late stays breached')
        self.assertRecordValues(ticket.sla_breach_ids, [{
            'deadline': at(0, 17), 'breached_at': at(0, 17, 30), 'done_date': at(0, 18, 30), 'overdue_hours': 1.5}])
        self.assertEqual(on_time.sla_status, 'met')

    def test_cron_once_per_breach_with_activity_and_message(self):
        assigned = self._create_ticket_at(at(0, 9), user_id=self.agent.id)
        unassigned = self._create_ticket_at(at(0, 9))
        tickets = assigned | unassigned
        self.assertEqual(self._run_cron(at(0, 11, 30)), 2)
        for ticket, user in ((assigned, self.agent), (unassigned, self.manager)):
            self.assertRecordValues(ticket.sla_breach_ids, [{
                'target_type': 'response', 'deadline': at(0, 11), 'breached_at': at(0, 11, 30),
                'done_date': False, 'overdue_hours': 0.5, 'policy_id': self.policy.id}])
            self.assertEqual(ticket.sla_status, 'breached')
            activity = ticket.activity_ids
            self.assertEqual(len(activity), 1)
            self.assertEqual(activity.activity_type_id, self.warning_type)
            self.assertEqual(activity.user_id, user, 'the assignee, else the team leader')
            self.assertEqual(activity.summary, 'SLA breached: First Response due 2024-01-08 11:00 (UTC)')
            message = self._sla_messages(ticket)
            self.assertEqual(len(message), 1)
            self.assertIn('SLA breached', message.body)
            self.assertIn('Test team SLA', message.body)
            self.assertIn('First Response target missed: due 2024-01-08 11:00 (UTC), overdue by 30m.', message.body)
            self.assertEqual(message.subtype_id, self.env.ref('mail.mt_note'), 'an internal note')
        # running it again (same time or later) records nothing new; a second worker holding the same
        # candidate list would find nothing left to lock
        self.assertFalse(self.Ticket._sla_lock_batch(tickets.ids, at(0, 11, 30)))
        self.assertEqual(self._run_cron(at(0, 11, 30)), 0)
        self.assertEqual(self._run_cron(at(0, 12)), 0)
        self.assertEqual(len(tickets.sla_breach_ids), 2)
        self.assertEqual(len(tickets.activity_ids), 2)
        self.assertEqual(len(self._sla_messages(assigned) | self._sla_messages(unassigned)), 2)
        # the resolution target is another breach: once more, once
        self._run_cron(at(0, 17, 30))
        self._run_cron(at(1, 9))
        self.assertEqual(sorted(assigned.sla_breach_ids.mapped('target_type')), ['resolution', 'response'])
        self.assertEqual(len(assigned.activity_ids), 2)
        self.assertEqual(len(self._sla_messages(assigned)), 2)

    def test_scheduled_action(self):
        cron = self.env.ref('helpdesk_lite.ir_cron_helpdesk_lite_sla_check')
        self.assertRecordValues(cron, [{
            'model_id': self.env['ir.model']._get_id('helpdesk.lite.ticket'), 'interval_number': 1,
            'interval_type': 'hours', 'active': True, 'code': 'model._cron_sla_check_scheduled()'}])
        self.assertEqual((cron.nextcall.minute, cron.nextcall.second), (0, 0), 'on the hour')
        ticket = self._create_ticket_at(at(0, 9), user_id=self.agent.id)
        with self._at(at(0, 11, 30)):
            cron.method_direct_trigger()
        self.assertEqual(ticket.sla_breach_ids.target_type, 'response')
        self.assertEqual(ticket.activity_ids.activity_type_id, self.warning_type)

    def test_late_response_recorded_without_warning(self):
        ticket = self._create_ticket_at(at(0, 9), user_id=self.agent.id)
        with self._at(at(0, 11, 30)):
            ticket.with_user(self.agent).message_post(
                body='Sorry for the wait', message_type='comment', subtype_xmlid='mail.mt_comment')
            self.assertEqual(ticket.sla_status, 'breached')
            self.assertFalse(ticket.is_overdue, 'nothing is running late any more')
        self._run_cron(at(0, 12))
        self.assertRecordValues(ticket.sla_breach_ids, [{
            'target_type': 'response', 'done_date': at(0, 11, 30), 'overdue_hours': 0.5}])
        self.assertFalse(ticket.activity_ids, 'the target is reached: nothing to do')
        self.assertFalse(self._sla_messages(ticket))

    def test_paused_ticket_is_not_flagged(self):
        ticket = self._create_ticket_at(at(0, 9), user_id=self.agent.id)
        with self._at(at(0, 10)):
            ticket.stage_id = self.stage_waiting
        self.assertEqual(self._run_cron(at(3, 9)), 0)
        self.assertEqual(ticket.sla_status, 'paused')
        self.assertFalse(ticket.sla_breach_ids)

    def test_escalations(self):
        self.policy.write({
            'at_risk_notify_leader': True,
            'breach_raise_priority': True, 'breach_assign_leader': True, 'breach_notify_leader': True})
        ticket = self._create_ticket_at(at(0, 9), user_id=self.agent.id)
        leader_partner = self.manager.partner_id
        self._run_cron(at(0, 10, 45))
        self.assertEqual(ticket.sla_status, 'at_risk')
        risk_message = self._sla_messages(ticket)
        self.assertEqual(len(risk_message), 1)
        self.assertIn('SLA at risk', risk_message.body)
        self.assertIn('Team leader Mona Manager notified.', risk_message.body)
        self.assertIn(leader_partner, risk_message.partner_ids, 'the leader is notified by the message')
        self.assertEqual((ticket.priority, ticket.user_id), ('1', self.agent), 'no other at-risk escalation')
        self._run_cron(at(0, 11, 30))
        self.assertEqual(ticket.priority, '2', 'priority raised one step')
        self.assertEqual(ticket.user_id, self.manager, 'reassigned to the team leader')
        breach_message = self._sla_messages(ticket) - risk_message
        self.assertEqual(len(breach_message), 1)
        for line in ('SLA breached', 'Priority raised to High.', 'Reassigned to the team leader, Mona Manager.',
                     'Team leader Mona Manager notified.'):
            self.assertIn(line, breach_message.body)
        self.assertIn(leader_partner, breach_message.partner_ids)
        self.assertEqual(ticket.activity_ids.user_id, self.manager, 'the warning goes to the new assignee')
        self.assertEqual(ticket.sla_breach_ids.user_id, self.agent, 'the breach keeps who had it')
        # idempotent escalation too
        self._run_cron(at(0, 12))
        self.assertEqual(ticket.priority, '2')

    def test_cron_query_count_is_bounded(self):
        """The cost grows with the number of batches, not of tickets: 100 vs 1,000 overdue tickets."""
        def overdue_tickets(count, day):
            # no "assigned to you" mail per ticket: only the check is measured here
            Ticket = self.Ticket.with_context(mail_auto_subscribe_no_notify=True, mail_create_nolog=True)
            with self._at(at(day, 9)):
                return Ticket.create([
                    {'name': f'Load {day}-{i}', 'team_id': self.team.id,
                     'user_id': (self.agent | self.agent2)[i % 2].id}
                    for i in range(count)])

        queries = []
        for count, day in ((100, 0), (1000, 1)):
            tickets = overdue_tickets(count, day)
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.assertEqual(self._run_cron(at(day, 11, 30), batch_size=500), count)
            queries.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(tickets.sla_breach_ids), count)
            self.assertEqual(len(tickets.activity_ids), count)
            with self._at(at(day, 12)):
                tickets.action_close()
        # one batch vs two batches of 500: a fixed cost per batch, plus the ORM's writes in chunks of 100 rows
        self.assertLess(queries[0], 50, queries)
        self.assertLess(queries[1], 110, queries)
        self.assertLess((queries[1] - queries[0]) / 900, 0.1, f'{queries}: not a query per ticket')
