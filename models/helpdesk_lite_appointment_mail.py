"""Appointment mails: the customer templates with their .ics, the reminder cron, portal change requests,
the outgoing webhook response, and the cleanup and statistics crons."""
import base64
import logging
from datetime import timedelta

from odoo import Command, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import ics
from ..tools.cron import commits_batches
from .helpdesk_lite_appointment import BOOKED_STATES, PLANNED_STATES

_logger = logging.getLogger(__name__)

CUSTOMER_TEMPLATES = ('confirmation', 'reminder', 'rescheduled', 'cancelled', 'updated')
DEFAULT_REMINDER_HOURS = 24
DEFAULT_CLEANUP_DAYS = 365
PORTAL_REQUEST_MAX = 2_000
# The subscription that carries the visits to helpdesk_lite.appointment_webhook_url.
WEBHOOK_RESPONSE_NAME = 'Appointment webhook response (helpdesk_lite.appointment_webhook_url)'


class HelpdeskLiteAppointment(models.Model):
    _inherit = 'helpdesk.lite.appointment'

    _reminder_batch_size = 200

    # ------------------------------------------------------------------------
    # Customer mails
    # ------------------------------------------------------------------------
    def _send_customer_mail(self, kind):
        """Post the ``kind`` template to the customer in the chatter (audit trail); the .ics comes with
        it (``_process_attachments_for_template_post``)."""
        template = self.env.ref(f'helpdesk_lite.mail_template_appointment_{kind}', raise_if_not_found=False)
        recipients = self.filtered(lambda a: a.partner_id.email)
        if template and recipients:
            recipients.message_post_with_source(template, subtype_xmlid='mail.mt_comment')

    def _process_attachments_for_template_post(self, mail_template):
        """Every mail template rendered on visits carries the visit as an .ics calendar file."""
        result = super()._process_attachments_for_template_post(mail_template)
        if self.env.context.get('helpdesk_lite_ics_attached_later'):
            return result
        for appointment in self:
            values = result.setdefault(appointment.id, {})
            values.setdefault('attachments', []).append(
                (appointment._ics_filename(), base64.b64encode(appointment._ics_content())))
        return result

    def _ics_filename(self):
        return f'{self.name}.ics'

    def _ics_content(self):
        """The visit as an RFC 5545 event, UID stable across changes, SEQUENCE raised on each change."""
        self.ensure_one()
        cancelled = self.state == 'cancelled'
        uuid = self.env['ir.config_parameter'].sudo().get_param('database.uuid', '')
        company = self.company_id
        company_email = tools.email_normalize(company.email or '')
        summary = self.env._('On-site visit %(name)s: %(ticket)s', name=self.name, ticket=self.ticket_id.name)
        description = '\n'.join(filter(None, [
            self.env._('Ticket %(number)s', number=self.ticket_id.number),
            self.user_id and self.env._('Technician: %(name)s', name=self.user_id.name),
            tools.html2plaintext(self.description or '').strip(),
        ]))
        return ics.build_event(
            uid=f'helpdesk-lite-appointment-{self.id}-{uuid}@{(company_email or "odoo").split("@")[-1]}',
            start=self.start, stop=self.stop, summary=summary, description=description, location=self.location,
            organizer=(company.name, company_email or self.user_id.email_normalized),
            attendee=(self.partner_id.name, self.partner_id.email_normalized),
            status='CANCELLED' if cancelled else ('CONFIRMED' if self.state in BOOKED_STATES + ('done',)
                                                  else 'TENTATIVE'),
            method='CANCEL' if cancelled else 'REQUEST', sequence=self.ics_sequence)

    # values the templates read (in the customer's language and time zone)
    mail_date = fields.Char(compute='_compute_mail_slot')
    mail_start_time = fields.Char(compute='_compute_mail_slot')
    mail_stop_time = fields.Char(compute='_compute_mail_slot')

    @api.depends('start', 'stop', 'tz')
    @api.depends_context('lang')
    def _compute_mail_slot(self):
        for appointment in self:
            if not (appointment.start and appointment.stop):
                appointment.mail_date = appointment.mail_start_time = appointment.mail_stop_time = ''
                continue
            slot = appointment._slot_labels()
            appointment.mail_date = slot['date']
            appointment.mail_start_time = slot['start']
            appointment.mail_stop_time = slot['stop']

    # ------------------------------------------------------------------------
    # Reminders: exactly once per visit
    # ------------------------------------------------------------------------
    @api.model
    def _reminder_hours(self):
        value = self.env['ir.config_parameter'].sudo().get_param('helpdesk_lite.appointment_reminder_hours')
        try:
            return max(int(value), 1) if value else DEFAULT_REMINDER_HOURS
        except ValueError:
            return DEFAULT_REMINDER_HOURS

    def _schedule_reminder_trigger(self):
        """Wake the reminder cron when each visit enters its reminder window, as calendar alarms do; the
        hourly run is the safety net."""
        now = fields.Datetime.now()
        hours = self._reminder_hours()
        moments = sorted({max(now, a.start - timedelta(hours=hours)) for a in self
                          if a.send_reminder_email and not a.reminder_sent and a.start > now})
        cron = self.env.ref('helpdesk_lite.ir_cron_helpdesk_lite_appointment_reminder', raise_if_not_found=False)
        if moments and cron:
            cron.sudo()._trigger(at=moments)

    @api.model
    def _cron_send_reminders(self, batch_size=None):
        """Queue the reminder of every confirmed visit starting within the next day (the
        ``helpdesk_lite.appointment_reminder_hours`` parameter, 24 by default), exactly once.

        The window is "from now to the horizon", not "the last hour's slice": a visit booked at short
        notice or a cron that missed runs still gets its one reminder, as long as the visit is ahead.
        Each batch is locked (``FOR NO KEY UPDATE SKIP LOCKED``: a second worker takes other rows or
        none), queued and flagged ``reminder_sent`` in the same transaction, so a crash loses both and a
        commit keeps both. Returns how many reminders were queued."""
        appointments = self.sudo()
        now = fields.Datetime.now()
        horizon = now + timedelta(hours=self._reminder_hours())
        batch_size = batch_size or self._reminder_batch_size
        template = self.env.ref('helpdesk_lite.mail_template_appointment_reminder')
        auto_commit = commits_batches(self.env)
        sent = 0
        while batch := appointments._reminder_lock_batch(now, horizon, batch_size):
            mails = template.with_context(helpdesk_lite_ics_attached_later=True).send_mail_batch(batch.ids)
            batch._attach_ics_to_mails(mails)
            batch.write({'reminder_sent': True, 'reminder_sent_date': now})
            sent += len(batch)
            self.env['ir.cron']._notify_progress(done=sent, remaining=0)
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()
            else:
                self.env.flush_all()
        if sent:
            self.env.ref('mail.ir_cron_mail_scheduler_action')._trigger()
        _logger.info('Helpdesk Lite: %s appointment reminders queued', sent)
        return sent

    def _attach_ics_to_mails(self, mails):
        """Attach each visit's .ics to its queued mail: one batched create and one INSERT into the
        message/attachment relation. Odoo's send_mail_batch would write every mail on its own to attach
        the files, the costliest step of a reminder run of hundreds of visits."""
        mails = mails.sudo()
        by_visit = {mail.res_id: mail for mail in mails if mail.model == self._name}
        visits = self.filtered(lambda a: a.id in by_visit)
        if not visits:
            return
        attachments = self.env['ir.attachment'].sudo().with_context(default_type=None).create([{
            'name': visit._ics_filename(), 'raw': visit._ics_content(), 'type': 'binary',
            'res_model': 'mail.message', 'res_id': by_visit[visit.id].mail_message_id.id,
        } for visit in visits])
        self.env.cr.execute(SQL("INSERT INTO message_attachment_rel (message_id, attachment_id) VALUES %s",
                                SQL(', ').join(SQL('(%s, %s)', attachment.res_id, attachment.id)
                                               for attachment in attachments)))
        mails.mail_message_id.invalidate_recordset(['attachment_ids'])

    def _reminder_lock_batch(self, now, horizon, limit):
        # plain SQL does not flush by itself: visits confirmed in this transaction must be seen
        self.flush_model(['state', 'send_reminder_email', 'reminder_sent', 'active', 'start', 'partner_id'])
        self.env['res.partner'].flush_model(['email'])
        rows = self.env.execute_query(SQL("""
            SELECT appointment.id
              FROM helpdesk_lite_appointment appointment
              JOIN res_partner partner ON partner.id = appointment.partner_id
             WHERE appointment.state = 'confirmed' AND appointment.send_reminder_email
               AND appointment.reminder_sent IS NOT TRUE AND appointment.active
               AND appointment.start > %(now)s AND appointment.start <= %(horizon)s
               AND COALESCE(partner.email, '') != ''
             ORDER BY appointment.start, appointment.id
             LIMIT %(limit)s
               FOR NO KEY UPDATE OF appointment SKIP LOCKED""", now=now, horizon=horizon, limit=limit))
        return self.browse([row[0] for row in rows])

    # ------------------------------------------------------------------------
    # Portal: the customer asks to reschedule or cancel; staff decide
    # ------------------------------------------------------------------------
    def _portal_can_request_change(self):
        self.ensure_one()
        return self.state in PLANNED_STATES and self.start > fields.Datetime.now() and not self.portal_request

    def _portal_request_change(self, partner, kind, message):
        """Record the customer's request and give the staff an activity. Called in sudo by the portal
        controller after its access check on the ticket."""
        self.ensure_one()
        labels = {'reschedule': self.env._('reschedule'), 'cancel': self.env._('cancel')}
        if kind not in labels:
            raise UserError(self.env._('Choose whether you want to reschedule or to cancel the visit.'))
        if self.portal_request:
            raise UserError(self.env._(
                'You already asked us to %(kind)s this visit; our team will get back to you.',
                kind=labels[self.portal_request]))
        if not self._portal_can_request_change():
            raise UserError(self.env._(
                'This visit can no longer be changed online. Please reply on the ticket instead.'))
        message = (message or '').strip()
        if len(message) > PORTAL_REQUEST_MAX:
            raise UserError(self.env._('Your message is too long (%(max)s characters at most).',
                                       max=PORTAL_REQUEST_MAX))
        self.portal_request = kind
        summary = self.env._('Customer asks to %(kind)s %(name)s', kind=labels[kind], name=self.name)
        self.message_post(
            body=tools.plaintext2html(f'{summary}\n\n{message}' if message else summary),
            author_id=partner.id or None, message_type='comment', subtype_xmlid='mail.mt_note')
        responsible = self.user_id or self.ticket_id.user_id or self.ticket_id.team_id.leader_id
        self.activity_schedule(
            'mail.mail_activity_data_todo', user_id=(responsible or self.env.ref('base.user_admin')).id,
            summary=summary, note=tools.plaintext2html(message) if message else None)

    # ------------------------------------------------------------------------
    # Outgoing webhook response
    # ------------------------------------------------------------------------
    def _webhook_payload(self, event):
        self.ensure_one()
        return {
            'event': event,
            'id': self.id,
            'reference': self.name,
            'state': self.state,
            'start': fields.Datetime.to_string(self.start),
            'stop': fields.Datetime.to_string(self.stop),
            'timezone': self.tz,
            'location': self.location or '',
            'priority': self.priority,
            'ticket': self.ticket_id.number,
            'technician': self.user_id.name or None,
            'customer_email': self.partner_id.email_normalized or None,
            'customer_name': self.partner_id.name or None,
        }

    def _send_webhook_response(self, event='appointment.created'):
        """Send each visit as ``event`` to the URL of the ``helpdesk_lite.appointment_webhook_url`` parameter,
        through the webhook outbox: signed, sent after commit (never for a visit that was rolled back),
        retried with backoff, logged in Configuration > Webhooks. The URL gets its own subscription (named
        after the parameter, created on first use, its secret shown there) for this event."""
        url = self.env['ir.config_parameter'].sudo().get_param('helpdesk_lite.appointment_webhook_url')
        if not url:
            _logger.warning('Helpdesk Lite: appointment webhook response skipped: the system parameter '
                            'helpdesk_lite.appointment_webhook_url is not set')
            return
        Webhook = self.env['helpdesk.lite.webhook'].sudo()
        event_record = self.env['helpdesk.lite.webhook.event'].sudo().search([('name', '=', event)], limit=1) \
            or self.env['helpdesk.lite.webhook.event'].sudo().create({
                'name': event, 'model_id': self.env['ir.model']._get_id(self._name)})
        for company in self.company_id:
            subscription = Webhook.search([('url', '=', url), ('company_id', '=', company.id),
                                           ('name', '=', WEBHOOK_RESPONSE_NAME)], limit=1)
            if not subscription:
                subscription = Webhook.create({'name': WEBHOOK_RESPONSE_NAME, 'url': url, 'company_id': company.id,
                                               'event_ids': [Command.link(event_record.id)]})
            elif event_record not in subscription.event_ids:
                subscription.event_ids = [Command.link(event_record.id)]
        Webhook._emit_for_records(event, self, {visit.id: visit._webhook_payload(event) for visit in self})

    # ------------------------------------------------------------------------
    # Housekeeping crons (shipped inactive)
    # ------------------------------------------------------------------------
    @api.model
    def _cron_cleanup_old(self, batch_size=1000):
        """Archive visits that are over (done, cancelled, or requests never confirmed) and ended longer
        ago than ``helpdesk_lite.appointment_cleanup_days`` (365 by default). Archived visits keep their
        history, leave the calendar and lists, and no longer count as bookings."""
        value = self.env['ir.config_parameter'].sudo().get_param('helpdesk_lite.appointment_cleanup_days')
        days = int(value) if value and value.isdigit() else DEFAULT_CLEANUP_DAYS
        limit = fields.Datetime.now() - timedelta(days=days)
        old = self.sudo().search([('state', 'in', ('done', 'cancelled', 'draft')), ('stop', '<', limit)])
        for batch in tools.split_every(batch_size, old.ids, self.sudo().browse):
            batch.write({'active': False})
        _logger.info('Helpdesk Lite: %s appointments older than %s days archived', len(old), days)
        return len(old)
