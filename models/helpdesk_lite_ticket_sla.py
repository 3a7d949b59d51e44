"""The SLA engine on tickets: the policy, first-response and resolution deadlines in business time, the
pause while waiting on the customer, the status, and the scheduled check that records breaches and
escalates. Policies (matching, targets) are in helpdesk_lite_sla_policy.py; the business-time arithmetic
in tools/business_clock.py."""
from collections import defaultdict

import psycopg2.errors
import pytz
from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.osv import expression

from ..tools.cron import commits_batches
from ..tools.duration import format_hours

SLA_STATUS_SELECTION = [
    ('on_track', 'On Track'),
    ('at_risk', 'At Risk'),
    ('breached', 'Breached'),
    ('met', 'Met'),
    ('paused', 'Paused'),
]


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'

    def _sla_now(self):
        # The transaction's timestamp, like closed_date: one instant for a whole write or cron batch.
        return self.env.cr.now().replace(microsecond=0)

    sla_policy_id = fields.Many2one(
        'helpdesk.lite.sla.policy', string='SLA Policy', compute='_compute_sla_policy_id', store=True,
        index=True, tracking=True,
        help='The most specific matching policy; chosen again when priority, team, category, subjects or '
             'customer change.')

    @api.depends('team_id', 'category_id', 'tag_ids', 'partner_id', 'priority', 'company_id')
    def _compute_sla_policy_id(self):
        matches = self.env['helpdesk.lite.sla.policy']._match_tickets(self)
        for ticket in self:
            ticket.sla_policy_id = matches[ticket]

    sla_start_date = fields.Datetime(
        string='SLA Timer Start', readonly=True, copy=False, default=lambda self: self._sla_now(),
        help='Creation, or the last reopen: deadlines count from here.')
    sla_paused_since = fields.Datetime(
        string='SLA Paused Since', readonly=True, copy=False, help='Set while the ticket waits on the customer.')
    sla_paused_hours = fields.Float(
        string='SLA Paused Time', readonly=True, copy=False,
        help='Time (business hours under a business-hours policy) spent waiting on the customer since the timer '
             'started; it pushes the deadlines out.')
    sla_deadline = fields.Datetime(
        string='Manual SLA Deadline', tracking=True, index=True, copy=False,
        help='Overrides the policy\'s resolution deadline while set.')
    sla_response_date = fields.Datetime(
        string='SLA First Response', compute='_compute_sla_response_date', store=True, copy=False,
        help='First public agent reply since the timer started.')

    @api.depends('first_response_date', 'last_agent_message_date', 'sla_start_date')
    def _compute_sla_response_date(self):
        for ticket in self:
            start, current = ticket.sla_start_date, ticket.sla_response_date
            if current and (not start or current >= start):
                continue  # first reply of this cycle, already known
            first, last = ticket.first_response_date, ticket.last_agent_message_date
            if first and (not start or first >= start):
                ticket.sla_response_date = first
            elif last and start and last >= start:
                # reopened: the first agent reply after the reopen (later replies keep this value)
                ticket.sla_response_date = last
            else:
                ticket.sla_response_date = False

    sla_response_deadline = fields.Datetime(
        string='First Response Deadline', compute='_compute_sla_deadlines', store=True, copy=False,
        index='btree_not_null')
    sla_resolve_deadline = fields.Datetime(
        string='Resolution Deadline', compute='_compute_sla_deadlines', store=True, copy=False,
        index='btree_not_null', help='The manual SLA deadline when one is set, else the policy\'s.')
    sla_at_risk_date = fields.Datetime(
        string='SLA At Risk From', compute='_compute_sla_deadlines', store=True, copy=False,
        help='When the running target reaches the policy\'s "at risk" share.')

    @api.depends('sla_policy_id', 'priority', 'sla_start_date', 'sla_paused_hours', 'sla_deadline',
                 'sla_response_date')
    def _compute_sla_deadlines(self):
        now = self._sla_now()
        # One business clock per calendar for the whole batch (see tools/business_clock.py).
        by_calendar = defaultdict(list)
        for ticket in self:
            policy = ticket.sla_policy_id
            calendar = policy._get_clock_calendar() if policy else self.env['resource.calendar']
            by_calendar[calendar].append(ticket)
        for calendar, tickets in by_calendar.items():
            starts = [ticket.sla_start_date or now for ticket in tickets]
            clock = calendar._helpdesk_lite_clock(min(starts), max(starts))
            for ticket, start in zip(tickets, starts):
                ticket.update(ticket._sla_plan_deadlines(clock, start))

    def _sla_plan_deadlines(self, clock, start):
        """Deadline values of one ticket: targets counted from ``start`` plus the paused time."""
        self.ensure_one()
        policy = self.sla_policy_id
        response_hours, resolve_hours = policy._get_targets(self.priority) if policy else (0.0, 0.0)
        share = (policy.at_risk_percent if policy else 75.0) / 100.0
        paused = self.sla_paused_hours
        response = clock.plan(start, response_hours + paused) if response_hours else False
        resolve = self.sla_deadline or (clock.plan(start, resolve_hours + paused) if resolve_hours else False)
        # "At risk" follows the target that runs first: the first response, then the resolution.
        if response and not self.sla_response_date:
            at_risk = clock.plan(start, share * response_hours + paused)
        elif self.sla_deadline:
            # a manual deadline is a fixed date: the share applies to the time it leaves
            at_risk = clock.plan(start, share * clock.duration(start, self.sla_deadline))
        elif resolve:
            at_risk = clock.plan(start, share * resolve_hours + paused)
        else:
            at_risk = False
        return {'sla_response_deadline': response, 'sla_resolve_deadline': resolve, 'sla_at_risk_date': at_risk}

    def _sla_targets(self):
        """[(target type, deadline, reached on)] of the current SLA cycle; resolution stops every timer."""
        self.ensure_one()
        stopped = self.is_closed and (self.closed_date or self.write_date or self._sla_now())
        targets = []
        if self.sla_response_deadline:
            targets.append(('response', self.sla_response_deadline, self.sla_response_date or stopped))
        if self.sla_resolve_deadline:
            targets.append(('resolution', self.sla_resolve_deadline, stopped))
        return targets

    def _sla_clock_time(self, now):
        """The instant the SLA clock stands at: frozen at the start of a pause."""
        self.ensure_one()
        return (not self.is_closed and self.sla_paused_since) or now

    def _sla_status_at(self, now):
        self.ensure_one()
        targets = self._sla_targets()
        if not targets:
            return False
        clock_time = self._sla_clock_time(now)
        if any((done or clock_time) > deadline for _target, deadline, done in targets):
            return 'breached'
        if self.is_closed:
            return 'met'
        if self.sla_paused_since:
            return 'paused'
        if all(done for _target, _deadline, done in targets):
            return 'met'
        if self.sla_at_risk_date and now >= self.sla_at_risk_date:
            return 'at_risk'
        return 'on_track'

    sla_status = fields.Selection(
        SLA_STATUS_SELECTION, string='SLA Status', compute='_compute_sla_status', store=True, index=True, copy=False,
        help='Updated on every change of the ticket and by the SLA check (a scheduled action) as time passes.')

    @api.depends('sla_response_deadline', 'sla_resolve_deadline', 'sla_response_date', 'sla_at_risk_date',
                 'sla_paused_since', 'is_closed', 'closed_date')
    def _compute_sla_status(self):
        # Time also moves the status: _cron_check_sla_overdue recomputes it when sla_check_date is due.
        now = self._sla_now()
        for ticket in self:
            ticket.sla_status = ticket._sla_status_at(now)

    def _sla_is_recorded(self, target_type, deadline):
        """Whether this missed target already has its breach record. A breach recorded after the current
        deadline covers it; a deadline moved past the recording (e.g. a new manual deadline) is a new
        commitment that can be breached again."""
        self.ensure_one()
        return any(breach.target_type == target_type and breach.breached_at >= deadline
                   for breach in self.sla_breach_ids)

    sla_next_deadline = fields.Datetime(
        string='Next SLA Deadline', compute='_compute_sla_schedule', store=True, copy=False, index='btree_not_null',
        help='Earliest deadline still running (first response, then resolution); empty when closed or paused.')
    sla_check_date = fields.Datetime(
        string='Next SLA Check', compute='_compute_sla_schedule', store=True, copy=False, index='btree_not_null',
        help='When the SLA check next has something to do for this ticket (at risk, breach to record).')

    @api.depends('sla_response_deadline', 'sla_resolve_deadline', 'sla_response_date', 'sla_at_risk_date',
                 'sla_paused_since', 'is_closed', 'closed_date', 'sla_status',
                 'sla_breach_ids.target_type', 'sla_breach_ids.breached_at')
    def _compute_sla_schedule(self):
        for ticket in self:
            targets = ticket._sla_targets()
            paused_since = not ticket.is_closed and ticket.sla_paused_since
            running = [deadline for _target, deadline, done in targets if not done]
            ticket.sla_next_deadline = min(running) if running and not paused_since else False
            # sla_check_date: the next time the SLA check must look at this ticket
            due = []
            for target, deadline, done in targets:
                if ticket._sla_is_recorded(target, deadline):
                    continue
                if done:
                    if done > deadline:
                        due.append(deadline)  # reached late: the breach still has to be recorded
                elif not paused_since or deadline < paused_since:
                    due.append(deadline)
            if ticket.sla_status == 'on_track' and ticket.sla_at_risk_date:
                due.append(ticket.sla_at_risk_date)
            ticket.sla_check_date = min(due) if due else False

    sla_time_remaining = fields.Char(string='SLA Time Left', compute='_compute_sla_time_remaining')

    @api.depends('sla_next_deadline')
    def _compute_sla_time_remaining(self):
        now = self._sla_now()
        for ticket in self:
            ticket.sla_time_remaining = ticket._sla_countdown(ticket.sla_next_deadline, now)[0]

    def _sla_countdown(self, deadline, now):
        """("3h 05m left" or "40m late", whether late) for a deadline; (False, False) without one."""
        if not deadline:
            return False, False
        seconds = (deadline - now).total_seconds()
        duration = format_hours(self.env, abs(seconds) / 3600.0)
        if seconds >= 0:
            return self.env._('%(time)s left', time=duration), False
        return self.env._('%(time)s late', time=duration), True

    sla_breach_ids = fields.One2many('helpdesk.lite.sla.breach', 'ticket_id', string='SLA Breaches')
    is_overdue = fields.Boolean(compute='_compute_is_overdue', search='_search_is_overdue', string='Overdue')

    @api.depends('sla_next_deadline')
    def _compute_is_overdue(self):
        # The effective deadline: the manual SLA deadline or the policy's, first response included.
        now = self._sla_now()
        for ticket in self:
            ticket.is_overdue = bool(ticket.sla_next_deadline and ticket.sla_next_deadline < now)

    def _search_is_overdue(self, operator, value):
        if operator not in ('=', '!=') or not isinstance(value, bool):
            raise UserError(self.env._('Operation not supported'))
        domain = [('is_closed', '=', False), ('sla_next_deadline', '<', self._sla_now())]
        return domain if (operator == '=') == value else ['!'] + expression.normalize_domain(domain)

    # ------------------------------------------------------------------------
    # Timers follow the stage: start on creation, pause while waiting, restart on reopen
    # ------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        tickets._sla_track_stage_change(self.browse(), self.browse(), created=True)
        return tickets

    def write(self, vals):
        if 'stage_id' not in vals:
            return super().write(vals)
        was_waiting, was_closed = self.filtered('stage_id.is_waiting'), self.filtered('is_closed')
        result = super().write(vals)
        self._sla_track_stage_change(was_waiting, was_closed)
        return result

    def _sla_track_stage_change(self, was_waiting, was_closed, created=False):
        """Restart the timers on reopen, pause them in a waiting stage, and add the paused time on leaving it."""
        now = self._sla_now()
        reopened = was_closed.filtered(lambda t: not t.is_closed)
        if reopened:
            reopened.write({'sla_start_date': now, 'sla_paused_hours': 0.0, 'sla_paused_since': False})
        resumed = was_waiting.filtered(lambda t: t.sla_paused_since and (t.is_closed or not t.stage_id.is_waiting))
        resumed._sla_resume(now)
        paused = self.filtered(
            lambda t: t.stage_id.is_waiting and not t.is_closed and (created or not t.sla_paused_since))
        if paused:
            paused.write({'sla_paused_since': now})

    def _sla_resume(self, now):
        """Add the time spent waiting (in the policy's business time) to the paused time."""
        groups = self.grouped(
            lambda t: t.sla_policy_id._get_clock_calendar() if t.sla_policy_id else self.env['resource.calendar'])
        for calendar, tickets in groups.items():
            clock = calendar._helpdesk_lite_clock(min(tickets.mapped('sla_paused_since')), now)
            for ticket in tickets:
                ticket.write({
                    'sla_paused_hours': ticket.sla_paused_hours + clock.duration(ticket.sla_paused_since, now),
                    'sla_paused_since': False,
                })

    def _sla_recompute(self, rematch=False):
        """Recompute the SLA of these tickets after their policy changed (or, with ``rematch``, choose the
        policy again); the status and schedule follow."""
        if rematch:
            self.env.add_to_compute(self._fields['sla_policy_id'], self)
        # everything that depends on the policy is recomputed, even if the policy itself stays
        self.modified(['sla_policy_id'])
        self.flush_recordset()

    # ------------------------------------------------------------------------
    # SLA: the overdue check
    # ------------------------------------------------------------------------
    _sla_cron_batch_size = 500

    @api.model
    def _cron_check_sla_overdue(self, batch_size=None, act_type_xmlid='mail.mail_activity_data_warning'):
        """Move SLA statuses on as time passes, record breaches, warn and escalate.

        For each ticket whose next SLA event is due (``sla_check_date``, indexed): the status is
        recomputed; each target newly missed gets a breach record, and while the ticket is open one chatter
        message and one activity of type ``act_type_xmlid`` for the assignee (the team leader when
        unassigned); tickets entering "At Risk" or "Breached" get their policy's escalations. A breach is
        handled once: running the check again does nothing new.

        Works in batches: each batch is locked (``FOR NO KEY UPDATE SKIP LOCKED``, so two workers split
        the work instead of doing it twice), reports progress and, in a real cron run, is committed.
        Tickets that only cross their "at risk" point are moved in one UPDATE (``_sla_mark_at_risk``); the
        others are loaded and handled by ``_sla_check_batch``. Override ``_sla_check_batch``,
        ``_sla_breach_lines``, ``_sla_message_body`` or ``_sla_prepare_activity_vals`` (or this method, e.g.
        to pass another activity type:
        ``super()._cron_check_sla_overdue(act_type_xmlid='mail.mail_activity_data_todo')``) to adapt it.
        """
        tickets = self.sudo()
        now = self._sla_now()
        batch_size = batch_size or self._sla_cron_batch_size
        candidate_ids = tickets._sla_cron_candidates(now)
        cron = self.env['ir.cron']
        auto_commit = commits_batches(self.env)
        done = 0
        for batch_ids in tools.split_every(batch_size, candidate_ids, list):
            batch = tickets._sla_lock_batch(batch_ids, now)
            at_risk = batch._sla_mark_at_risk(now)
            (batch - at_risk)._sla_check_batch(now, act_type_xmlid)
            done += len(batch_ids)
            cron._notify_progress(done=done, remaining=len(candidate_ids) - done)
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()
            else:
                self.env.flush_all()
        if not candidate_ids:
            cron._notify_progress(done=0, remaining=0)
        return done

    def _sla_cron_candidates(self, now):
        domain = [('sla_check_date', '<=', now)]
        # the scheduled run checks only the companies whose local check hour has come
        company_ids = self.env.context.get('helpdesk_lite_sla_company_ids')
        if company_ids is not None:
            domain.append(('company_id', 'in', company_ids))
        return self.search(domain, order='id').ids

    def _sla_lock_batch(self, ids, now):
        """Lock the batch's tickets still due; rows another worker holds are skipped, not waited for.

        Under REPEATABLE READ, locking a row that another transaction changed and committed after this
        one began (a second worker, a direct call, an agent's edit) is refused with a serialization
        failure, which would abort the whole batch. Then the rows are locked one by one and those are
        skipped: another worker has handled them, or they stay due and the next run takes them."""
        self.flush_model(['sla_check_date'])
        locked = self._sla_try_lock(ids, now)
        if locked is None:
            locked = []
            for row_id in ids:
                locked += self._sla_try_lock([row_id], now) or []
        return self.browse(locked)

    def _sla_try_lock(self, ids, now):
        """Ids of ``ids`` locked for this transaction, or None on a serialization failure."""
        query = tools.SQL(
            "SELECT id FROM %s WHERE id = ANY(%s) AND sla_check_date <= %s FOR NO KEY UPDATE SKIP LOCKED",
            tools.SQL.identifier(self._table), ids, now)
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, log_exceptions=False)
                return [row[0] for row in self.env.cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            return None

    def _sla_mark_at_risk(self, now):
        """Set-based: the tickets that only cross their "at risk" point (no escalation to run) are moved
        to At Risk in one UPDATE, without loading them. Their next check is their next deadline: nothing
        is missed (next deadline ahead) and nothing is recorded yet. Returns them; the others go through
        ``_sla_check_batch``. Note: being SQL, this move does not fire automation rules on sla_status;
        use the policy's at-risk escalations (or override this method) to act on it."""
        if not self:
            return self
        escalating = self.env['helpdesk.lite.sla.policy'].sudo().with_context(active_test=False).search([
            '|', '|', ('at_risk_notify_leader', '=', True), ('at_risk_raise_priority', '=', True),
            ('at_risk_assign_leader', '=', True)])
        fnames = ['sla_status', 'is_closed', 'sla_paused_since', 'sla_at_risk_date', 'sla_next_deadline',
                  'sla_policy_id', 'sla_check_date']
        self.flush_recordset(fnames)
        rows = self.env.execute_query(tools.SQL("""
            UPDATE %(table)s
               SET sla_status = 'at_risk', sla_check_date = sla_next_deadline, write_date = %(now)s,
                   write_uid = %(uid)s
             WHERE id = ANY(%(ids)s) AND sla_status = 'on_track' AND NOT is_closed AND sla_paused_since IS NULL
               AND sla_at_risk_date <= %(now)s AND sla_next_deadline > %(now)s
               AND (sla_policy_id IS NULL OR sla_policy_id != ALL(%(escalating)s))
         RETURNING id""", table=tools.SQL.identifier(self._table), now=now, uid=self.env.uid, ids=self.ids,
            escalating=escalating.ids))
        self.invalidate_recordset(['sla_status', 'sla_check_date', 'write_date', 'write_uid'])
        return self.browse([row[0] for row in rows])

    def _sla_check_batch(self, now, act_type_xmlid):
        old_status = {ticket.id: ticket.sla_status for ticket in self}
        # time has passed since the last write: recompute the status (and what depends on it) as of now
        for fname in ('sla_status', 'sla_check_date'):
            self.env.add_to_compute(self._fields[fname], self)
        breach_vals, overdue = self._sla_collect_breaches(now)
        self.env['helpdesk.lite.sla.breach'].sudo().create(breach_vals)
        at_risk = self.filtered(lambda t: old_status[t.id] == 'on_track' and t.sla_status == 'at_risk')
        overdue_tickets = self.browse([ticket.id for ticket in overdue])
        notes, notify = overdue_tickets._sla_escalate('breach')
        risk_notes, risk_notify = at_risk._sla_escalate('at_risk')
        # one chatter message per ticket and event, naming the escalations done
        labels = dict(self.env['helpdesk.lite.sla.breach']._fields['target_type']._description_selection(self.env))
        breach_lines = {ticket: ticket._sla_breach_lines(targets, now, labels) for ticket, targets in overdue.items()}
        bodies = {}
        for ticket, lines in breach_lines.items():
            bodies[ticket.id] = ticket._sla_message_body(self.env._('SLA breached'), lines + notes.get(ticket, []))
        for ticket in at_risk.filtered(lambda t: t in risk_notes):
            bodies[ticket.id] = ticket._sla_message_body(
                self.env._('SLA at risk'), ticket._sla_risk_lines() + risk_notes[ticket])
        to_notify = notify | risk_notify
        for ticket in to_notify.filtered(lambda t: t.id in bodies):
            # the leader is notified by the message itself (inbox or email, per their preference)
            ticket.message_post(
                body=bodies.pop(ticket.id), partner_ids=ticket.team_id.leader_id.partner_id.ids,
                message_type='comment', subtype_xmlid='mail.mt_note')
        if bodies:
            self.browse(list(bodies))._message_log_batch(bodies=bodies)
        activity_type = self.env.ref(act_type_xmlid, raise_if_not_found=False) \
            or self.env.ref('mail.mail_activity_data_warning')
        common = {
            'res_model_id': self.env['ir.model']._get_id(self._name),
            'activity_type_id': activity_type.id,
            'automated': True,
            'date_deadline': fields.Date.context_today(self, now),
        }
        activity_vals = [dict(common, **vals) for ticket, targets in overdue.items()
                         if (vals := ticket._sla_prepare_activity_vals(targets, labels))]
        # additional assignees get the same warning
        extra_users = {ticket.id: ticket.user_ids for ticket in overdue}
        activity_vals += [dict(vals, user_id=user.id, user_tz=user.tz) for vals in list(activity_vals)
                          for user in extra_users[vals['res_id']] if user.id != vals['user_id']]
        if activity_vals:
            # the activity itself is the notification: no "assigned to you" email per ticket
            self.env['mail.activity'].with_context(mail_activity_quick_update=True).create(activity_vals)

    def _sla_collect_breaches(self, now):
        """Breach records to create for the newly missed targets, and {ticket: [(target, deadline)]} for the
        open tickets whose target is still running late (they get a message and an activity)."""
        vals_list = []
        overdue = defaultdict(list)
        for ticket in self:
            clock_time = ticket._sla_clock_time(now)
            for target, deadline, done in ticket._sla_targets():
                if (done or clock_time) <= deadline or ticket._sla_is_recorded(target, deadline):
                    continue
                vals_list.append({
                    'ticket_id': ticket.id,
                    'policy_id': ticket.sla_policy_id.id,
                    'team_id': ticket.team_id.id,
                    'user_id': ticket.user_id.id,
                    'priority': ticket.priority,
                    'target_type': target,
                    'deadline': deadline,
                    'breached_at': now,
                })
                if not done:
                    overdue[ticket].append((target, deadline))
        return vals_list, overdue

    def _sla_escalate(self, event):
        """Apply the policies' escalation options for ``event`` ('at_risk' or 'breach').

        Returns ({ticket: [chatter lines]}, tickets whose team leader must be notified).
        """
        notes = defaultdict(list)
        option = lambda name: lambda t: t.sla_policy_id[f'{event}_{name}']  # noqa: E731
        priorities = dict(self._fields['priority']._description_selection(self.env))
        for priority, tickets in self.filtered(option('raise_priority')).filtered(
                lambda t: t.priority < '3').grouped('priority').items():
            new_priority = str(int(priority) + 1)
            tickets.write({'priority': new_priority})
            for ticket in tickets:
                notes[ticket].append(self.env._('Priority raised to %(priority)s.', priority=priorities[new_priority]))
        to_leader = self.filtered(option('assign_leader')).filtered(
            lambda t: t.team_id.leader_id and t.user_id != t.team_id.leader_id)
        for leader, tickets in to_leader.grouped(lambda t: t.team_id.leader_id).items():
            tickets.write({'user_id': leader.id})
            for ticket in tickets:
                notes[ticket].append(self.env._('Reassigned to the team leader, %(user)s.', user=leader.name))
        notify = self.filtered(option('notify_leader')).filtered(lambda t: t.team_id.leader_id)
        for ticket in notify:
            notes[ticket].append(self.env._('Team leader %(user)s notified.', user=ticket.team_id.leader_id.name))
        return notes, notify

    def _sla_format_datetime(self, value):
        """A deadline in the policy's business timezone (else the user's), e.g. "2024-01-08 17:00 (UTC)"."""
        self.ensure_one()
        calendar = self.sla_policy_id.calendar_id if self.sla_policy_id.business_hours_only else False
        tz_name = (calendar and calendar.tz) or self.env.user.tz or 'UTC'
        local = pytz.utc.localize(value).astimezone(pytz.timezone(tz_name))
        return f'{local:%Y-%m-%d %H:%M} ({tz_name})'

    def _sla_breach_lines(self, targets, now, labels=None):
        self.ensure_one()
        if labels is None:
            labels = dict(self.env['helpdesk.lite.sla.breach']._fields['target_type']._description_selection(self.env))
        return [self.env._(
            '%(target)s target missed: due %(deadline)s, overdue by %(late)s.',
            target=labels[target], deadline=self._sla_format_datetime(deadline),
            late=format_hours(self.env, (now - deadline).total_seconds() / 3600.0))
            for target, deadline in targets]

    def _sla_risk_lines(self):
        self.ensure_one()
        return [self.env._('%(share)s%% of the time used; next deadline %(deadline)s.',
                           share=round(self.sla_policy_id.at_risk_percent),
                           deadline=self._sla_format_datetime(self.sla_next_deadline))] \
            if self.sla_next_deadline else []

    def _sla_message_body(self, title, lines):
        self.ensure_one()
        return Markup('<p><strong>%s</strong> (%s)</p><ul>%s</ul>') % (
            title, self.sla_policy_id.display_name or self.env._('manual deadline'),
            Markup().join(Markup('<li>%s</li>') % line for line in lines))

    def _sla_prepare_activity_vals(self, targets, labels):
        """Ticket-specific values of the warning activity of a newly overdue ticket (None: no one to give it
        to); type, model and date come from the caller. The summary carries the details, without an HTML
        note (each would cost an HTML sanitization per ticket)."""
        self.ensure_one()
        user = self.user_id or self.team_id.leader_id
        if not user:
            return None
        return {
            'res_id': self.id,
            'user_id': user.id,
            # what mail.activity would compute right after its INSERT (one UPDATE per 100 rows saved)
            'res_name': self.display_name,
            'user_tz': user.tz,
            'date_done': False,
            'summary': self.env._('SLA breached: %(targets)s', targets='; '.join(
                self.env._('%(target)s due %(deadline)s', target=labels[target],
                           deadline=self._sla_format_datetime(deadline))
                for target, deadline in targets)),
        }
