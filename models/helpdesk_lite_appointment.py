"""On-site visits of a technician for a ticket: booking, validation, status and ticket synchronisation.

Mails, the .ics attachment and the reminder cron are in ``helpdesk_lite_appointment_mail.py``; external
creation (server action, mail alias) in ``helpdesk_lite_appointment_external.py``.
"""
import logging
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_datetime, sql

from .helpdesk_lite_ticket import PRIORITY_SELECTION

_logger = logging.getLogger(__name__)

STATE_SELECTION = [
    ('draft', 'Requested'),
    ('confirmed', 'Confirmed'),
    ('in_progress', 'In Progress'),
    ('done', 'Done'),
    ('cancelled', 'Cancelled'),
]
# States in which a visit holds the technician's time (the database refuses overlaps among them).
BOOKED_STATES = ('confirmed', 'in_progress')
# States still ahead of the visit: date, working hours and leaves are checked for them.
PLANNED_STATES = ('draft', 'confirmed')
# Changes that make a confirmed visit "rescheduled" or "updated" for the customer.
SCHEDULE_FIELDS = ('start', 'stop')
DETAIL_FIELDS = ('user_id', 'location', 'location_partner_id')
DEFAULT_DURATION_HOURS = 1.0
# Context key: skip the "not in the past" and working-hours checks (data imports, migrations).
CTX_NO_SCHEDULE_CHECK = 'helpdesk_lite_appointment_no_schedule_check'


class HelpdeskLiteAppointment(models.Model):
    _name = 'helpdesk.lite.appointment'
    _description = 'Helpdesk Lite On-site Appointment'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'start desc, id desc'
    _check_company_auto = True

    name = fields.Char(string='Reference', required=True, readonly=True, copy=False, index='trigram',
                       default=lambda self: self.env._('New'))
    active = fields.Boolean(default=True)
    color = fields.Integer(aggregator=False)
    ticket_id = fields.Many2one(
        'helpdesk.lite.ticket', string='Ticket', required=True, index=True, ondelete='cascade', tracking=True,
        check_company=True)
    company_id = fields.Many2one(related='ticket_id.company_id', store=True, index=True)
    partner_id = fields.Many2one(
        'res.partner', string='Customer', compute='_compute_partner_id', store=True, readonly=False,
        precompute=True, index=True, tracking=True)
    user_id = fields.Many2one(
        'res.users', string='Technician', index=True, tracking=True, check_company=True,
        domain=lambda self: [('share', '=', False),
                             ('groups_id', 'in', self.env.ref('helpdesk_lite.group_helpdesk_lite_user').ids)])
    start = fields.Datetime(required=True, tracking=True, index=True)
    stop = fields.Datetime(
        string='End', required=True, tracking=True, compute='_compute_stop', store=True, readonly=False,
        precompute=True)
    duration = fields.Float(
        string='Duration (hours)', compute='_compute_duration', inverse='_inverse_duration', store=True,
        aggregator='sum')
    location_partner_id = fields.Many2one(
        'res.partner', string='Visit Address', compute='_compute_location_partner_id', store=True,
        readonly=False, precompute=True, tracking=True)
    location = fields.Char(
        compute='_compute_location', store=True, readonly=False, precompute=True, tracking=True,
        help='Where the technician goes; filled from the visit address, free to edit.')
    description = fields.Html(sanitize_style=True)
    priority = fields.Selection(PRIORITY_SELECTION, default='1', required=True, tracking=True, index=True)
    state = fields.Selection(
        STATE_SELECTION, string='Status', default='draft', required=True, tracking=True, index=True, copy=False,
        group_expand='_read_group_state')
    allow_outside_hours = fields.Boolean(
        string='Outside Working Hours Allowed', tracking=True, copy=False,
        help="Book the visit even when it falls outside the technician's working hours or during a leave.")
    send_confirmation_email = fields.Boolean(
        default=True, help='Email the customer when the visit is confirmed, rescheduled, updated or cancelled.')
    confirmation_sent = fields.Boolean(default=False, readonly=True, copy=False)
    send_reminder_email = fields.Boolean(default=True, help='Email the customer a reminder the day before.')
    reminder_sent = fields.Boolean(default=False, readonly=True, copy=False)
    reminder_sent_date = fields.Datetime(readonly=True, copy=False)
    # RFC 5545 SEQUENCE: raised on every change the customer's calendar must pick up
    ics_sequence = fields.Integer(readonly=True, copy=False)
    tz = fields.Char(compute='_compute_tz', string='Time Zone', help="The customer's, else the technician's.")
    portal_request = fields.Selection(
        [('reschedule', 'Reschedule'), ('cancel', 'Cancel')], string='Customer Request', readonly=True,
        copy=False, tracking=True, help='Pending request of the customer from the portal.')

    _sql_constraints = [
        ('stop_after_start', 'CHECK (stop > start)', 'A visit must end after it starts.'),
        # Race-free double-booking guard: Python checks cannot see a booking made by a concurrent
        # transaction. int4range(user_id, user_id, '[]') WITH = stands for "same technician" without
        # the btree_gist extension (as hr_work_entry does).
        ('no_technician_overlap', """EXCLUDE USING GIST (
            int4range(user_id, user_id, '[]') WITH =, tsrange(start, stop, '[)') WITH &&)
            WHERE (active AND user_id IS NOT NULL AND state IN ('confirmed', 'in_progress'))""",
         'The technician already has a visit at that time (booked meanwhile by someone else). '
         'Pick another slot or another technician.'),
    ]

    def init(self):
        # the reminder cron's candidates: a few rows among all upcoming visits
        sql.create_index(self.env.cr, 'helpdesk_lite_appointment_reminder_due_index', self._table, ['start'],
                         where="state = 'confirmed' AND send_reminder_email AND reminder_sent IS NOT TRUE AND active")

    @api.depends('ticket_id')
    def _compute_partner_id(self):
        for appointment in self:
            appointment.partner_id = appointment.ticket_id.partner_id or appointment.partner_id

    @api.depends('start')
    def _compute_stop(self):
        for appointment in self:
            if appointment.start and not appointment.stop:
                appointment.stop = appointment.start + timedelta(hours=DEFAULT_DURATION_HOURS)

    @api.depends('start', 'stop')
    def _compute_duration(self):
        for appointment in self:
            if appointment.start and appointment.stop:
                appointment.duration = (appointment.stop - appointment.start).total_seconds() / 3600
            else:
                appointment.duration = 0.0

    def _inverse_duration(self):
        for appointment in self.filtered(lambda a: a.start and a.duration > 0):
            appointment.stop = appointment.start + timedelta(hours=appointment.duration)

    @api.depends('partner_id')
    def _compute_location_partner_id(self):
        for appointment in self:
            appointment.location_partner_id = appointment.partner_id or appointment.location_partner_id

    @api.depends('location_partner_id')
    def _compute_location(self):
        for appointment in self.filtered('location_partner_id'):
            address = appointment.location_partner_id._display_address(without_company=True)
            lines = [line.strip() for line in (address or '').splitlines() if line.strip()]
            appointment.location = ', '.join(lines) or appointment.location

    @api.depends('partner_id.tz', 'user_id.tz', 'company_id')
    def _compute_tz(self):
        for appointment in self:
            appointment.tz = (appointment.partner_id.tz or appointment.user_id.tz
                              or appointment._working_calendar().tz or 'UTC')

    def _compute_display_name(self):
        for appointment in self:
            appointment.display_name = f'{appointment.name} - {appointment.ticket_id.number or ""}'.rstrip(' -')

    @api.model
    def _read_group_state(self, states, domain):
        return [key for key, _label in STATE_SELECTION]

    # ------------------------------------------------------------------------
    # Validation: every refusal names what is in the way
    # ------------------------------------------------------------------------
    @api.constrains('start', 'stop', 'state')
    def _check_not_in_past(self):
        if self.env.context.get(CTX_NO_SCHEDULE_CHECK):
            return
        now = fields.Datetime.now()
        for appointment in self.filtered(lambda a: a.state in PLANNED_STATES and a.start and a.start < now):
            raise ValidationError(self.env._(
                '%(name)s: the visit cannot start in the past (%(start)s). Pick a later date.',
                name=appointment.name, start=appointment._local_datetime_label(appointment.start)))

    @api.constrains('start', 'stop')
    def _check_stop_after_start(self):
        for appointment in self.filtered(lambda a: a.start and a.stop and a.stop <= a.start):
            appointment._raise_stop_before_start(appointment.start, appointment.stop)

    def _raise_stop_before_start(self, start, stop):
        raise ValidationError(self.env._(
            'A visit must end after it starts (it starts %(start)s and ends %(stop)s).',
            start=self._local_datetime_label(start), stop=self._local_datetime_label(stop)))

    @api.constrains('user_id', 'start', 'stop', 'state', 'active')
    def _check_technician_overlap(self):
        """Names the clashing visit. The EXCLUDE constraint is the guarantee (it also sees concurrent
        bookings); this check gives the readable message for the common, sequential case. It reads
        the other bookings with plain SQL: an ORM search would flush the pending booking first, and the
        database would refuse it before this message could be given."""
        booked = self.filtered(lambda a: a.active and a.user_id and a.state in BOOKED_STATES)
        if not booked:
            return
        clashes = [(a, b) for a in booked for b in booked
                   if a.id < b.id and a.user_id == b.user_id and a.start < b.stop and b.start < a.stop]
        for appointment, other in clashes:
            appointment._raise_overlap(other.name, other.ticket_id.number, other.start, other.stop)
        slots = [SQL('(%s, %s::timestamp, %s::timestamp, %s)', a.user_id.id, a.start, a.stop, a.id) for a in booked]
        self.env.cr.execute(SQL("""
            SELECT slot.id, other.name, ticket.number, other.start, other.stop
              FROM (VALUES %(slots)s) AS slot(user_id, start, stop, id)
              JOIN helpdesk_lite_appointment other
                ON other.user_id = slot.user_id AND other.start < slot.stop AND other.stop > slot.start
               AND other.id != ALL(%(ids)s) AND other.active AND other.state IN %(states)s
              JOIN helpdesk_lite_ticket ticket ON ticket.id = other.ticket_id
             LIMIT 1""", slots=SQL(', ').join(slots), ids=booked.ids, states=BOOKED_STATES))
        row = self.env.cr.fetchone()
        if row:
            self.browse(row[0])._raise_overlap(*row[1:])

    def _raise_overlap(self, other_name, ticket_number, other_start, other_stop):
        raise ValidationError(self.env._(
            '%(technician)s is already booked for %(other)s (ticket %(ticket)s) from %(start)s to %(stop)s, '
            'which overlaps %(name)s. Pick another slot or another technician.',
            technician=self.user_id.name, other=other_name, ticket=ticket_number,
            start=self._local_datetime_label(other_start), stop=self._local_datetime_label(other_stop),
            name=self.name))

    @api.constrains('user_id', 'start', 'stop', 'state', 'allow_outside_hours')
    def _check_working_hours(self):
        if self.env.context.get(CTX_NO_SCHEDULE_CHECK):
            return
        for appointment in self.filtered(lambda a: a.user_id and a.state in PLANNED_STATES
                                         and not a.allow_outside_hours):
            problem = appointment._availability_problem()
            if problem:
                raise ValidationError(problem)

    def _technician_resource(self):
        self.ensure_one()
        resources = self.user_id.sudo().resource_ids
        return resources.filtered(lambda r: r.company_id == self.company_id)[:1] or resources[:1]

    def _working_calendar(self):
        """The technician's working time: their resource's calendar, else their company's."""
        self.ensure_one()
        resource = self._technician_resource() if self.user_id else self.env['resource.resource']
        return (resource.calendar_id or self.company_id.resource_calendar_id
                or self.env.company.resource_calendar_id).sudo()

    def _availability_problem(self):
        """Why the technician cannot do this visit (leave, outside working hours), or ''."""
        self.ensure_one()
        resource = self._technician_resource()
        calendar = self._working_calendar()
        if not calendar:
            return ''
        start, stop = pytz.utc.localize(self.start), pytz.utc.localize(self.stop)
        leave = self.env['resource.calendar.leaves'].sudo().search([
            ('calendar_id', 'in', [calendar.id, False]), ('resource_id', 'in', [resource.id, False]),
            ('company_id', 'in', [self.company_id.id, False]),
            ('date_from', '<', self.stop), ('date_to', '>', self.start), ('time_type', '=', 'leave')],
            order='date_from', limit=1)
        if leave:
            return self.env._(
                '%(technician)s is not available from %(start)s to %(stop)s: %(leave)s '
                '(%(leave_start)s - %(leave_stop)s). Pick another slot, another technician, '
                'or allow the visit outside working hours.',
                technician=self.user_id.name, start=self._local_datetime_label(self.start),
                stop=self._local_datetime_label(self.stop), leave=leave.name or self.env._('Time off'),
                leave_start=self._local_datetime_label(leave.date_from),
                leave_stop=self._local_datetime_label(leave.date_to))
        intervals = calendar._work_intervals_batch(start, stop, resources=resource or None)[resource.id or False]
        covered = start
        for begin, end, _meta in sorted(intervals, key=lambda i: i[0]):
            if begin > covered:
                break
            covered = max(covered, end)
        if covered >= stop:
            return ''
        return self.env._(
            '%(start)s - %(stop)s is outside the working hours of %(technician)s (%(calendar)s). '
            'Pick another slot, another technician, or allow the visit outside working hours.',
            start=self._local_datetime_label(self.start), stop=self._local_datetime_label(self.stop),
            technician=self.user_id.name, calendar=calendar.name)

    def _local_datetime_label(self, value):
        """A datetime as the person reading the message sees it (their time zone, else the visit's)."""
        tz = self.env.user.tz or self.tz or 'UTC'
        return f'{format_datetime(self.env, value, tz=tz, dt_format="short")} ({tz})'

    # ------------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # the CHECK constraint would answer first, with a less helpful message
            start, stop = vals.get('start'), vals.get('stop')
            if start and stop and fields.Datetime.to_datetime(stop) <= fields.Datetime.to_datetime(start):
                self._raise_stop_before_start(fields.Datetime.to_datetime(start), fields.Datetime.to_datetime(stop))
            if not vals.get('name') or vals['name'] == self.env._('New'):
                vals['name'] = self.env['ir.sequence'].next_by_code('helpdesk.lite.appointment') \
                    or self.env._('New')
        appointments = super().create(vals_list)
        appointments.filtered(lambda a: a.state in BOOKED_STATES)._schedule_reminder_trigger()
        return appointments

    def write(self, vals):
        watched = any(fname in vals for fname in SCHEDULE_FIELDS + DETAIL_FIELDS + ('duration',))
        before = {a.id: (a.start, a.stop, a.user_id, a.location) for a in self} if watched else {}
        res = super().write(vals)
        rescheduled = self.filtered(lambda a: a.id in before and before[a.id][:2] != (a.start, a.stop))
        updated = self.filtered(lambda a: a.id in before and before[a.id][2:] != (a.user_id, a.location))
        if rescheduled or updated:
            (rescheduled | updated)._on_visit_changed(rescheduled)
        if vals.get('state') == 'cancelled':
            self._on_visit_cancelled()
        if 'state' in vals or rescheduled:
            self.filtered(lambda a: a.state in BOOKED_STATES)._schedule_reminder_trigger()
        return res

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        # a copy is a new proposal: it must be confirmed (and checked) on its own
        return [dict(vals, state='draft') for vals in vals_list]

    def _on_visit_changed(self, rescheduled):
        """A planned visit moved (``rescheduled``) or changed technician/place: the pending portal request
        is answered, the reminder is due again, the customer is told and the .ics revised."""
        self.sudo().write({'portal_request': False})
        for appointment in self:
            appointment.sudo().ics_sequence += 1
        moved = rescheduled.filtered(lambda a: a.state in BOOKED_STATES)
        if moved:
            now = fields.Datetime.now()
            # the "rescheduled" mail states the new time: when it is within a day, it is the reminder
            soon = moved.filtered(lambda a: a.start <= now + timedelta(hours=a._reminder_hours()))
            soon.sudo().write({'reminder_sent': True, 'reminder_sent_date': now})
            (moved - soon).sudo().write({'reminder_sent': False, 'reminder_sent_date': False})
        notified = self.filtered(lambda a: a.confirmation_sent and a.state in BOOKED_STATES)
        (notified & rescheduled)._send_customer_mail('rescheduled')
        (notified - rescheduled)._send_customer_mail('updated')

    def _on_visit_cancelled(self):
        self.sudo().write({'portal_request': False})
        for appointment in self:
            appointment.sudo().ics_sequence += 1
        self.filtered('confirmation_sent')._send_customer_mail('cancelled')

    # ------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------
    def _check_transition(self, allowed, action_label):
        wrong = self.filtered(lambda a: a.state not in allowed)
        if wrong:
            labels = dict(self._fields['state']._description_selection(self.env))
            raise UserError(self.env._(
                'Cannot %(action)s %(visits)s: only visits that are %(allowed)s can.',
                action=action_label, visits=', '.join(f'{a.name} ({labels[a.state]})' for a in wrong),
                allowed=', '.join(labels[state] for state in allowed)))

    def action_confirm(self):
        self._check_transition(('draft',), self.env._('confirm'))
        missing = self.filtered(lambda a: not a.user_id)
        if missing:
            raise UserError(self.env._('Choose a technician before confirming %(visits)s.',
                                       visits=', '.join(missing.mapped('name'))))
        self.write({'state': 'confirmed'})
        return True

    def action_start(self):
        self._check_transition(('confirmed',), self.env._('start'))
        self.write({'state': 'in_progress'})
        return True

    def action_done(self):
        self._check_transition(('confirmed', 'in_progress'), self.env._('finish'))
        self.write({'state': 'done'})
        return True

    def action_cancel(self):
        self._check_transition(('draft', 'confirmed', 'in_progress'), self.env._('cancel'))
        self.write({'state': 'cancelled'})
        return True

    def action_reset_draft(self):
        self._check_transition(('cancelled',), self.env._('reset'))
        self.write({'state': 'draft', 'confirmation_sent': False, 'reminder_sent': False,
                    'reminder_sent_date': False})
        return True

    def action_open_ticket(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_window', 'res_model': 'helpdesk.lite.ticket', 'res_id': self.ticket_id.id,
                'view_mode': 'form', 'views': [(False, 'form')]}

    # ------------------------------------------------------------------------
    # Automation rules (data/base_automation_data.xml) call these
    # ------------------------------------------------------------------------
    def _sync_ticket_stage(self):
        """Move each ticket to the lifecycle step its visits call for:

        ===========  =======================================================================
        Visit        Ticket
        ===========  =======================================================================
        Confirmed    Pending (waiting for the visit), unless the ticket is closed
        In Progress  Open
        Done         Resolved, once no other visit of the ticket is still planned or running
        Cancelled    Open again when it was pending and no other visit is booked
        ===========  =======================================================================

        Teams without a stage for the step keep their ticket where it is (logged)."""
        targets = {}
        for appointment in self:
            ticket = appointment.ticket_id
            others = ticket.appointment_ids - appointment
            busy = others.filtered(lambda a: a.state in BOOKED_STATES)
            if appointment.state == 'confirmed' and not ticket.is_closed:
                step = ('pending',)
            elif appointment.state == 'in_progress' and not ticket.is_closed:
                step = ('open',)
            elif appointment.state == 'done' and not ticket.is_closed and not busy \
                    and not others.filtered(lambda a: a.state == 'draft'):
                step = ('resolved', 'closed')
            elif appointment.state == 'cancelled' and ticket.lifecycle == 'pending' and not busy:
                step = ('open', 'new')
            else:
                continue
            if ticket.lifecycle not in step:
                targets.setdefault(step, self.env['helpdesk.lite.ticket'])
                targets[step] |= ticket
        for step, tickets in targets.items():
            for team, team_tickets in tickets.grouped('team_id').items():
                if not tickets._first_stage_of(step, team.id):
                    _logger.info('Helpdesk Lite: no %s stage for team %s; tickets %s keep their stage',
                                 '/'.join(step), team.name, team_tickets.mapped('number'))
                    continue
                team_tickets._move_to_lifecycle(step)

    def _notify_technician(self):
        """Tell the technician (unless they made the change) what, when and where."""
        for appointment in self.filtered(lambda a: a.user_id and a.user_id != self.env.user):
            body = self.env['ir.qweb']._render('helpdesk_lite.appointment_technician_notification', {
                'appointment': appointment, 'slot': appointment.with_context(
                    lang=appointment.user_id.lang)._slot_labels(appointment.user_id.tz or appointment.tz)})
            appointment.message_notify(
                partner_ids=appointment.user_id.partner_id.ids, body=body,
                subject=self.env._('Visit %(name)s: %(ticket)s', name=appointment.name,
                                   ticket=appointment.ticket_id.display_name),
                model_description=self.env._('On-site Visit'), email_layout_xmlid='mail.mail_notification_light')

    def _message_auto_subscribe_notify(self, partner_ids, template):
        """No generic "you have been assigned" mail: the shipped rule "notify technician" sends one with
        the date, time and place (``_notify_technician``); deactivate the rule to silence both."""
        return

    def _slot_labels(self, tz=None):
        """Date, times and time zone of the visit for people (in the context's language)."""
        self.ensure_one()
        tz = tz or self.tz or 'UTC'
        return {
            'date': format_datetime(self.env, self.start, tz=tz, dt_format='EEEE d MMMM y'),
            'start': format_datetime(self.env, self.start, tz=tz, dt_format='HH:mm'),
            'stop': format_datetime(self.env, self.stop, tz=tz, dt_format='HH:mm'),
            'tz': tz,
        }
