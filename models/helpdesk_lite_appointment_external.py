"""Appointments requested from outside: structured data (the "Create appointment from external data"
server action, ``external_data`` in its context) and emails to the appointment request alias.

Both go through ``_external_prepare``: every problem is reported at once, in words, before anything is
written; creation then happens in a savepoint, so an error leaves no contact, ticket or visit behind.
Requests become **draft** visits without a technician, for the staff to review and confirm.
"""
import logging
import re
from datetime import datetime, timedelta

import pytz

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)

REQUEST_SUBJECT = 'APPOINTMENT_REQUEST'
EXTERNAL_KEYS = ('customer_email', 'customer_name', 'requested_date', 'description', 'priority', 'location',
                 'duration', 'timezone', 'ticket')
PRIORITY_WORDS = {'low': '0', 'medium': '1', 'normal': '1', 'high': '2', 'urgent': '3',
                  '0': '0', '1': '1', '2': '2', '3': '3'}
DATE_FORMATS = ('%Y-%m-%d %H:%M', '%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S')
KEY_VALUE_RE = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_ ]{0,40}?)\s*:\s*(.*?)\s*$')
MAX_TEXT = {'customer_name': 128, 'customer_email': 254, 'location': 500, 'description': 10_000}
MAX_DURATION_HOURS = 24


class HelpdeskLiteAppointment(models.Model):
    _inherit = 'helpdesk.lite.appointment'

    # ------------------------------------------------------------------------
    # Validation of external data
    # ------------------------------------------------------------------------
    @api.model
    def _external_prepare(self, data):
        """Check ``data`` (spec'd keys: customer_email, customer_name, requested_date, description,
        priority, location; optional duration in hours, timezone, ticket number) and return the
        normalised values. Raises a UserError listing every problem."""
        if not isinstance(data, dict):
            raise UserError(self.env._('No appointment data received (expected a set of key: value pairs).'))
        data = {str(key).strip().lower(): value for key, value in data.items()}
        errors = []
        values = {}
        for key, limit in MAX_TEXT.items():
            text = str(data.get(key) or '').strip()
            if len(text) > limit:
                errors.append(self.env._('%(key)s is too long (%(limit)s characters at most).', key=key, limit=limit))
            values[key] = text[:limit]
        email = tools.email_normalize(values['customer_email'])
        if not values['customer_email']:
            errors.append(self.env._('customer_email is missing.'))
        elif not email:
            errors.append(self.env._('customer_email "%(value)s" is not a valid email address.',
                                     value=values['customer_email']))
        values['customer_email'] = email
        tz_name = str(data.get('timezone') or '').strip() or self._external_default_tz()
        if tz_name not in pytz.all_timezones_set:
            errors.append(self.env._('timezone "%(value)s" is unknown (use a name such as Europe/Brussels).',
                                     value=tz_name))
            tz_name = 'UTC'
        start, error = self._external_parse_date(data.get('requested_date'), tz_name)
        if error:
            errors.append(error)
        values['start'] = start
        values['tz'] = tz_name
        priority = str(data.get('priority') or 'medium').strip().lower()
        values['priority'] = PRIORITY_WORDS.get(priority)
        if not values['priority']:
            errors.append(self.env._('priority "%(value)s" is unknown (use low, medium, high or urgent).',
                                     value=data.get('priority')))
        try:
            duration = float(data.get('duration') or 1.0)
        except (TypeError, ValueError):
            duration = -1
        if not 0 < duration <= MAX_DURATION_HOURS:
            errors.append(self.env._('duration "%(value)s" must be a number of hours between 0 and %(max)s.',
                                     value=data.get('duration'), max=MAX_DURATION_HOURS))
        values['duration'] = duration
        values['ticket'] = self.env['helpdesk.lite.ticket']
        number = str(data.get('ticket') or '').strip()
        if number and email:
            ticket = self.env['helpdesk.lite.ticket'].search([('number', '=', number)], limit=1)
            if not ticket or email not in (tools.email_normalize(ticket.partner_email or ''),
                                           ticket.partner_id.email_normalized):
                errors.append(self.env._('ticket %(number)s was not found for %(email)s.', number=number,
                                         email=email))
            values['ticket'] = ticket
        if errors:
            raise UserError('\n'.join(errors))
        return values

    @api.model
    def _external_default_tz(self):
        """Time zone of a requested date that carries none: the company's working calendar's."""
        return self.env.company.resource_calendar_id.tz or 'UTC'

    @api.model
    def _external_parse_date(self, value, tz_name):
        """``(naive UTC datetime, None)`` or ``(None, error message)``. ISO 8601 (with or without an
        offset) and DD/MM/YYYY HH:MM are accepted; a date without offset is in ``tz_name``."""
        text = str(value or '').strip()
        if not text:
            return None, self.env._('requested_date is missing (expected e.g. 2025-01-15 14:00:00).')
        parsed = None
        try:
            parsed = datetime.fromisoformat(text.replace('Z', '+00:00'))
        except ValueError:
            for fmt in DATE_FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if parsed is None:
            return None, self.env._(
                'requested_date "%(value)s" is not a date and time (expected e.g. 2025-01-15 14:00:00).',
                value=text)
        if parsed.tzinfo is None:
            parsed = pytz.timezone(tz_name).localize(parsed)
        start = parsed.astimezone(pytz.utc).replace(tzinfo=None, microsecond=0)
        if start <= fields.Datetime.now():
            return None, self.env._('requested_date %(value)s is in the past.', value=text)
        return start, None

    # ------------------------------------------------------------------------
    # Creation
    # ------------------------------------------------------------------------
    @api.model
    def _create_from_external(self, data, channel='api'):
        """Draft visit (and its ticket, and the contact when unknown) from external data; all or
        nothing. Returns the appointment."""
        values = self._external_prepare(data)
        with self.env.cr.savepoint():
            partner = self._external_customer(values)
            ticket = values['ticket']
            summary = (values['description'].splitlines() or [''])[0][:80]
            if not ticket:
                ticket = self.env['helpdesk.lite.ticket'].create({
                    'name': self.env._('On-site visit request: %(summary)s', summary=summary)
                    if summary else self.env._('On-site visit request'),
                    'partner_id': partner.id,
                    'description': tools.plaintext2html(values['description']) if values['description'] else False,
                    'priority': values['priority'],
                    'channel': channel,
                })
            appointment = self.create({
                'ticket_id': ticket.id,
                'partner_id': partner.id,
                'start': values['start'],
                'stop': values['start'] + timedelta(hours=values['duration']),
                'priority': values['priority'],
                'description': tools.plaintext2html(values['description']) if values['description'] else False,
                'state': 'draft',
                **({'location': values['location']} if values['location'] else {}),
            })
        _logger.info('Helpdesk Lite: appointment request %s created for %s (ticket %s, channel %s)',
                     appointment.name, values['customer_email'], ticket.number, channel)
        return appointment

    @api.model
    def _external_customer(self, values):
        """The contact with that email, else a new one. Sudo: agents who may book visits need not be
        contact managers, and the values are validated (normalised email, bounded name)."""
        Partner = self.env['res.partner'].sudo()
        partner = Partner.search([('email_normalized', '=', values['customer_email']),
                                  ('company_id', 'in', [self.env.company.id, False])], limit=1)
        if not partner:
            partner = Partner.create({
                'name': values['customer_name'] or values['customer_email'],
                'email': values['customer_email'],
                'tz': values['tz'],
            })
        return partner.sudo(False)

    @api.model
    def _action_create_from_context(self):
        """Body of the "Create appointment from external data" server action: ``external_data`` in
        the context. Returns an action opening the new draft visit."""
        try:
            appointment = self._create_from_external(self.env.context.get('external_data'))
        except (UserError, ValidationError) as error:
            _logger.info('Helpdesk Lite: external appointment data refused: %s', error.args[0])
            raise
        return {'type': 'ir.actions.act_window', 'res_model': self._name, 'res_id': appointment.id,
                'view_mode': 'form', 'views': [(False, 'form')]}

    # ------------------------------------------------------------------------
    # Email requests (the appointment alias)
    # ------------------------------------------------------------------------
    @api.model
    def _mail_parse_request(self, message_dict):
        """``(data, None)`` from an APPOINTMENT_REQUEST mail, or ``(None, reason)``."""
        subject = (message_dict.get('subject') or '').strip()
        if subject.upper() != REQUEST_SUBJECT:
            return None, self.env._('The subject must be exactly %(expected)s (it was "%(subject)s").',
                                    expected=REQUEST_SUBJECT, subject=subject[:100])
        data = {}
        for line in tools.html2plaintext(message_dict.get('body') or '').splitlines():
            match = KEY_VALUE_RE.match(line)
            if match:
                key = match.group(1).strip().lower().replace(' ', '_')
                if key in EXTERNAL_KEYS and key not in data:  # the first value wins (quoted replies repeat)
                    data[key] = match.group(2)
        if not data:
            return None, self.env._('The message holds no "key: value" lines.')
        # the sender is the customer unless the mail says otherwise
        data.setdefault('customer_email', tools.email_normalize(message_dict.get('email_from') or '') or '')
        try:
            self._external_prepare(data)
        except UserError as error:
            return None, error.args[0]
        return data, None

    @api.model
    def _mail_route_adjust(self, message, message_dict, routes):
        """Keep a new-appointment route only for a valid request; otherwise create nothing, log why and
        answer the sender (never an automatic mail: that could loop)."""
        new_routes = [route for route in routes if route[0] == self._name and not route[1]]
        if not new_routes:
            return routes
        others = [route for route in routes if route not in new_routes]
        automatic = self.env['helpdesk.lite.ticket']._mail_detect_automatic(message, message_dict)
        reason = automatic or self._mail_parse_request(message_dict)[1]
        if not reason:
            return others + new_routes[:1]
        _logger.info('Helpdesk Lite: appointment request from %s (Message-Id %s) refused: %s',
                     message_dict.get('email_from'), message_dict.get('message_id'), reason)
        if not automatic:
            self._mail_reply_refusal(message, message_dict, reason)
        return others

    @api.model
    def _mail_reply_refusal(self, message, message_dict, reason):
        sender = tools.email_normalize(message_dict.get('email_from') or '')
        if not sender:
            return
        author = self.env['res.partner'].browse(message_dict.get('author_id')).exists()
        lang = author.lang or self.env.company.partner_id.lang or 'en_US'
        env = self.with_context(lang=lang).env
        body = env['ir.qweb']._render('helpdesk_lite.appointment_request_refused', {
            'reason': reason, 'subject': REQUEST_SUBJECT, 'keys': EXTERNAL_KEYS[:6],
            'company': self.env.company})
        alias_email = tools.email_normalize(message_dict.get('to') or '') or self.env.company.email_normalized
        env['mail.mail'].sudo().create({
            'subject': env._('Re: %(subject)s', subject=message_dict.get('subject') or REQUEST_SUBJECT),
            'body_html': body,
            'email_to': sender,
            'email_from': tools.formataddr((self.env.company.name, alias_email)) if alias_email else False,
            'references': message_dict.get('message_id') or False,
            'headers': repr({'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All',
                             **({'In-Reply-To': message_dict['message_id']} if message_dict.get('message_id')
                                else {})}),
            'auto_delete': True,
        })
        self.env.ref('mail.ir_cron_mail_scheduler_action')._trigger()

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A request that passed ``_mail_route_adjust``: a draft visit; the gateway then posts the
        email on it."""
        data, reason = self._mail_parse_request(msg_dict)
        if reason:  # routed here without the check (e.g. forced model): refuse rather than half-create
            raise UserError(reason)
        return self._create_from_external(data, channel='email')
