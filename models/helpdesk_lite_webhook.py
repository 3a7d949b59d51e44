from datetime import timedelta
from urllib.parse import urlsplit

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools import webhook_http

SECRET_GROUPS = 'base.group_system,helpdesk_lite.group_helpdesk_lite_manager'
ALLOWED_NETWORKS_PARAM = 'helpdesk_lite.webhook_allowed_networks'
BREAKER_THRESHOLD_PARAM = 'helpdesk_lite.webhook_breaker_threshold'
DEFAULT_BREAKER_THRESHOLD = 10
# Breaker cool-down: 5 minutes, doubled on every failed probe, at most 12 hours.
BREAKER_COOLDOWN = timedelta(minutes=5)
BREAKER_MAX_COOLDOWN = timedelta(hours=12)
MAX_TIMEOUT = 30
URL_ERRORS = {
    'invalid': 'The URL must be an http(s) address with a host name.',
    'credentials': 'Remove the user name and password from the URL: deliveries are authenticated by their signature.',
    'private': 'The URL points to a loopback, private or link-local address. Allow that network first '
               '(system parameter helpdesk_lite.webhook_allowed_networks).',
    'http': 'Use https: plain http is only accepted for networks allowed in helpdesk_lite.webhook_allowed_networks.',
}


class HelpdeskLiteWebhook(models.Model):
    """A webhook subscription: which events go to which URL, signed with which secret.

    Deliveries are queued in ``helpdesk.lite.webhook.delivery`` (the outbox) when the transaction
    commits and sent by a scheduled action; see that model. ``state`` is the circuit breaker:
    "tripped" after ``helpdesk_lite.webhook_breaker_threshold`` failed attempts in a row (deliveries
    wait, nothing is lost), half-open once the cool-down has passed (the next success closes it, the next
    failure trips it again for twice as long); "paused" waits for a manager.
    """
    _name = 'helpdesk.lite.webhook'
    _description = 'Helpdesk Lite Webhook Subscription'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'helpdesk.lite.cache.mixin']
    # _subscription_index
    _cache_clearing_fields = ('active', 'event_ids', 'company_id', 'team_ids', 'include_internal_notes')
    _order = 'name, id'
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    description = fields.Text()
    active = fields.Boolean(default=True, tracking=True)
    url = fields.Char(string='URL', required=True, tracking=True, help='Deliveries are POSTed here as JSON.')
    event_ids = fields.Many2many(
        'helpdesk.lite.webhook.event', 'helpdesk_lite_webhook_event_rel', 'webhook_id', 'event_id', string='Events',
        required=True)
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company,
        help='Only records of this company are sent.')
    team_ids = fields.Many2many(
        'helpdesk.lite.team', 'helpdesk_lite_webhook_team_rel', 'webhook_id', 'team_id', string='Teams',
        check_company=True, help='Only tickets of these teams; empty: every team of the company.')
    include_internal_notes = fields.Boolean(
        help='Also send "ticket.comment.added" for internal notes (otherwise only the public conversation).')
    user_id = fields.Many2one(
        'res.users', string='Responsible', default=lambda self: self.env.user, domain=[('share', '=', False)],
        help='Gets an activity when the endpoint keeps failing.')
    timeout = fields.Integer(string='Timeout (s)', default=10, help='Per delivery; at most 30 seconds.')
    max_attempts = fields.Integer(
        default=11, help='Attempts before a delivery is marked failed (the retry schedule spans about two days '
                         'with 11).')

    secret = fields.Char(groups=SECRET_GROUPS, copy=False, default=lambda self: webhook_http.new_secret())
    secret_shown = fields.Boolean(copy=False, readonly=True, help='The secret can be shown once, right after it is made.')
    previous_secret = fields.Char(groups=SECRET_GROUPS, copy=False, readonly=True)
    previous_secret_until = fields.Datetime(
        string='Previous Secret Valid Until', copy=False, readonly=True,
        help='Until then, deliveries are signed with both the new and the previous secret.')

    state = fields.Selection(
        [('active', 'Delivering'), ('tripped', 'Failing (paused by the circuit breaker)'), ('paused', 'Paused')],
        default='active', required=True, readonly=True, copy=False, tracking=True)
    consecutive_failures = fields.Integer(default=0, readonly=True, copy=False)
    trip_count = fields.Integer(default=0, readonly=True, copy=False, help='Failed probes since the breaker tripped.')
    resume_at = fields.Datetime(string='Next Probe', readonly=True, copy=False)
    last_success_at = fields.Datetime(readonly=True, copy=False)
    last_failure_at = fields.Datetime(readonly=True, copy=False)
    last_error = fields.Char(readonly=True, copy=False)

    delivery_ids = fields.One2many('helpdesk.lite.webhook.delivery', 'webhook_id', string='Deliveries')
    delivery_count = fields.Integer(compute='_compute_delivery_counts')
    failing_count = fields.Integer(compute='_compute_delivery_counts')

    @api.depends('delivery_ids')
    def _compute_delivery_counts(self):
        Delivery = self.env['helpdesk.lite.webhook.delivery']
        counts = dict(Delivery._read_group([('webhook_id', 'in', self.ids)], ['webhook_id'], ['__count']))
        failing = dict(Delivery._read_group(
            [('webhook_id', 'in', self.ids)] + Delivery._failing_domain(), ['webhook_id'], ['__count']))
        for webhook in self:
            webhook.delivery_count = counts.get(webhook, 0)
            webhook.failing_count = failing.get(webhook, 0)

    @api.constrains('url')
    def _check_url(self):
        networks = self._allowed_networks()
        for webhook in self:
            error = webhook_http.check_url(webhook.url, networks)
            if error:
                raise ValidationError(self.env._(URL_ERRORS[error]))  # pylint: disable=translation-required

    @api.constrains('timeout', 'max_attempts')
    def _check_limits(self):
        for webhook in self:
            if not 1 <= webhook.timeout <= MAX_TIMEOUT:
                raise ValidationError(self.env._('The timeout is between 1 and %s seconds.', MAX_TIMEOUT))
            if not 1 <= webhook.max_attempts <= 11:
                raise ValidationError(self.env._('Between 1 and 11 attempts per delivery.'))

    # ------------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------------
    @api.model
    def _allowed_networks(self):
        return webhook_http.parse_networks(self.env['ir.config_parameter'].sudo().get_param(ALLOWED_NETWORKS_PARAM))

    @api.model
    def _breaker_threshold(self):
        value = self.env['ir.config_parameter'].sudo().get_param(BREAKER_THRESHOLD_PARAM)
        try:
            return max(int(value), 1)
        except (TypeError, ValueError):
            return DEFAULT_BREAKER_THRESHOLD

    @api.model
    @tools.ormcache()
    def _subscription_index(self):
        """Active subscriptions, as plain data (cached; cleared when subscriptions or events change):
        ``({event name: ((webhook_id, company_id, team_ids, include_internal_notes), ...)}``.

        A stale entry (a subscription deleted by another worker) costs nothing: deliveries are inserted
        only for subscriptions that still exist and are active."""
        index = {}
        webhooks = self.sudo().search_fetch([], ['company_id', 'team_ids', 'include_internal_notes', 'event_ids'])
        for webhook in webhooks:
            entry = (webhook.id, webhook.company_id.id, frozenset(webhook.team_ids.ids), webhook.include_internal_notes)
            for event in webhook.event_ids:
                index.setdefault(event.name, []).append(entry)
        return {name: tuple(entries) for name, entries in index.items()}

    # ------------------------------------------------------------------------
    # Signing
    # ------------------------------------------------------------------------
    def _signature(self, msg_id, timestamp, body):
        """The webhook-signature header: the current secret, plus the previous one during a rotation."""
        self.ensure_one()
        webhook = self.sudo()
        signatures = [webhook_http.sign(webhook.secret, msg_id, timestamp, body)]
        if webhook.previous_secret and webhook.previous_secret_until \
                and webhook.previous_secret_until > fields.Datetime.now():
            signatures.append(webhook_http.sign(webhook.previous_secret, msg_id, timestamp, body))
        return ' '.join(signatures)

    def _rotate_secret(self, overlap_hours=24):
        """A new secret; the old one keeps signing (as a second signature) for ``overlap_hours``.
        Returns the new secret, which is shown once."""
        self.ensure_one()
        webhook = self.sudo()
        secret = webhook_http.new_secret()
        until = fields.Datetime.now() + timedelta(hours=overlap_hours) if overlap_hours > 0 else False
        webhook.write({
            'previous_secret': webhook.secret if until else False,
            'previous_secret_until': until,
            'secret': secret,
            'secret_shown': True,
        })
        webhook.message_post(body=Markup('<p>%s</p>') % (
            self.env._('Signing secret rotated; the previous one stays valid until %(date)s.', date=until)
            if until else self.env._('Signing secret rotated; the previous one is no longer valid.')))
        return secret

    # ------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------
    def _open_secret_wizard(self, step):
        self.ensure_one()
        wizard = self.env['helpdesk.lite.webhook.secret'].create({'webhook_id': self.id, 'step': step})
        if step == 'show':
            wizard.secret = self.sudo().secret
            self.secret_shown = True
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._('Signing Secret'),
            'res_model': 'helpdesk.lite.webhook.secret',
            'res_id': wizard.id,
            'view_mode': 'form',
            'target': 'new',
        }

    def action_show_secret(self):
        self.ensure_one()
        if self.secret_shown:
            raise ValidationError(self.env._('The secret was already shown once. Rotate it to get a new one.'))
        return self._open_secret_wizard('show')

    def action_rotate_secret(self):
        return self._open_secret_wizard('confirm')

    def action_pause(self):
        self.write({'state': 'paused'})
        return True

    def action_resume(self):
        """Back to delivering: the breaker closes and the deliveries that waited go out now."""
        self.write({'state': 'active', 'consecutive_failures': 0, 'trip_count': 0, 'resume_at': False})
        self.env['helpdesk.lite.webhook.delivery']._wake()
        return True

    def action_send_test(self):
        """Queue a "ping" event for these subscriptions (whatever events they listen to)."""
        now = fields.Datetime.now()
        self._enqueue([(webhook, 'ping', webhook._name, webhook.id, {
            'webhook_id': webhook.id, 'message': 'Helpdesk Lite test event'}) for webhook in self], now)
        return {
            'type': 'ir.actions.client', 'tag': 'display_notification',
            'params': {'type': 'info', 'message': self.env._('Test event queued: see the deliveries.')},
        }

    def action_open_deliveries(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_lite.helpdesk_lite_webhook_delivery_action')
        action['domain'] = [('webhook_id', '=', self.id)]
        action['context'] = {'default_webhook_id': self.id}
        return action

    # ------------------------------------------------------------------------
    # Circuit breaker (counters updated in SQL: concurrent senders must not lose an increment)
    # ------------------------------------------------------------------------
    def _record_success(self, now):
        """Reset the failure streak; a tripped subscription recovers (managers are told)."""
        self.ensure_one()
        rows = self.env.execute_query(tools.SQL("""
            UPDATE helpdesk_lite_webhook w
               SET consecutive_failures = 0, trip_count = 0, resume_at = NULL, last_success_at = %(now)s,
                   state = CASE WHEN w.state = 'tripped' THEN 'active' ELSE w.state END
              FROM (SELECT id, state FROM helpdesk_lite_webhook
                     WHERE id = %(id)s AND (consecutive_failures > 0 OR state = 'tripped' OR last_success_at IS NULL
                                            OR last_success_at < %(now)s - interval '1 minute')
                       FOR NO KEY UPDATE) old
             WHERE w.id = old.id
         RETURNING old.state""", id=self.id, now=now))
        self.invalidate_recordset(['consecutive_failures', 'trip_count', 'resume_at', 'last_success_at', 'state'])
        if rows and rows[0][0] == 'tripped':
            self._notify_managers(self.env._('Deliveries to %(url)s work again; the waiting ones are being sent.',
                                             url=self.url), activity=False)

    def _record_failure(self, now, error, gone=False):
        """Count a failed attempt; trip the breaker at the threshold (or when the endpoint says 410 Gone:
        paused until a manager resumes it)."""
        self.ensure_one()
        threshold = self._breaker_threshold()
        rows = self.env.execute_query(tools.SQL("""
            UPDATE helpdesk_lite_webhook
               SET consecutive_failures = COALESCE(consecutive_failures, 0) + 1, last_failure_at = %(now)s,
                   last_error = %(error)s
             WHERE id = %(id)s
         RETURNING consecutive_failures, state, COALESCE(trip_count, 0)""", id=self.id, now=now, error=error[:250]))
        self.invalidate_recordset(['consecutive_failures', 'last_failure_at', 'last_error'])
        if not rows:
            return
        failures, state, trip_count = rows[0]
        if gone and state != 'paused':
            self.sudo().write({'state': 'paused'})
            self._notify_managers(self.env._(
                'The endpoint %(url)s answered 410 Gone: the subscription is paused until you resume it.',
                url=self.url))
        elif state == 'active' and failures >= threshold or state == 'tripped' and self._probing(now):
            cooldown = min(BREAKER_COOLDOWN * 2 ** trip_count, BREAKER_MAX_COOLDOWN)
            tripped = self.env.execute_query(tools.SQL("""
                UPDATE helpdesk_lite_webhook SET state = 'tripped', trip_count = COALESCE(trip_count, 0) + 1, resume_at = %(at)s
                 WHERE id = %(id)s AND state IN ('active', 'tripped') RETURNING id""",
                id=self.id, at=now + cooldown))
            self.invalidate_recordset(['state', 'trip_count', 'resume_at'])
            self.env['helpdesk.lite.webhook.delivery']._wake(now + cooldown)
            if tripped and state == 'active':
                self._notify_managers(self.env._(
                    '%(count)s deliveries in a row failed (last error: %(error)s). Deliveries to %(url)s are paused; '
                    'they are tried again from %(at)s and resume by themselves once the endpoint answers. Nothing '
                    'is lost meanwhile.', count=failures, error=error, url=self.url, at=now + cooldown))

    def _probing(self, now):
        """Half-open: the cool-down of a tripped subscription has passed."""
        return bool(self.resume_at and self.resume_at <= now)

    def _notify_managers(self, text, activity=True):
        """A note on the subscription that notifies the helpdesk managers of its company, and an activity for
        the responsible."""
        webhook = self.sudo()
        managers = self.env.ref('helpdesk_lite.group_helpdesk_lite_manager').users.filtered(
            lambda u: webhook.company_id in u.company_ids and u.active)
        webhook.message_post(
            body=Markup('<p>%s</p>') % text, partner_ids=managers.partner_id.ids, subtype_xmlid='mail.mt_note',
            message_type='comment')
        if activity and webhook.user_id:
            webhook.activity_schedule(
                'mail.mail_activity_data_warning', user_id=webhook.user_id.id,
                summary=self.env._('Webhook endpoint failing'), note=text)

    # ------------------------------------------------------------------------
    # API: what the REST endpoints for subscriptions call (access rights of the caller apply)
    # ------------------------------------------------------------------------
    def _api_serialize(self):
        self.ensure_one()
        return {
            'id': self.id,
            'name': self.name,
            'url': self.url,
            'events': sorted(self.event_ids.mapped('name')),
            'active': self.active,
            'status': self.state,
            'description': self.description or None,
            'team_ids': self.team_ids.ids,
            'include_internal_notes': self.include_internal_notes,
            'created_at': self.create_date and self.create_date.strftime('%Y-%m-%dT%H:%M:%SZ'),
            'last_success_at': self.last_success_at and self.last_success_at.strftime('%Y-%m-%dT%H:%M:%SZ') or None,
            'last_failure_at': self.last_failure_at and self.last_failure_at.strftime('%Y-%m-%dT%H:%M:%SZ') or None,
        }

    @api.model
    def api_create_subscription(self, payload):
        """Create a subscription from ``{"url", "events": [...], "name"?, "description"?, "team_ids"?,
        "include_internal_notes"?}``; returns it serialised with its ``secret`` (the only time it is given
        out). Raises ValidationError naming the offending field; nothing is created then."""
        if not isinstance(payload, dict):
            raise ValidationError(self.env._('The request body must be a JSON object.'))
        url = payload.get('url')
        if not isinstance(url, str) or not url.strip():
            raise ValidationError(self.env._('"url" is required.'))
        names = payload.get('events')
        if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
            raise ValidationError(self.env._('"events" must be a non-empty list of event names.'))
        events = self.env['helpdesk.lite.webhook.event'].search([('name', 'in', names)])
        unknown = sorted(set(names) - set(events.mapped('name')))
        if unknown:
            raise ValidationError(self.env._('Unknown events: %(events)s', events=', '.join(unknown)))
        team_ids = payload.get('team_ids') or []
        if not isinstance(team_ids, list) or not all(isinstance(team_id, int) for team_id in team_ids):
            raise ValidationError(self.env._('"team_ids" must be a list of team ids.'))
        teams = self.env['helpdesk.lite.team'].browse(team_ids).exists()
        if len(teams) != len(set(team_ids)):
            raise ValidationError(self.env._('"team_ids" names a team that does not exist.'))
        description = payload.get('description')
        if description is not None and not isinstance(description, str):
            raise ValidationError(self.env._('"description" must be a string.'))
        name = payload.get('name') or urlsplit(url.strip()).hostname or url.strip()
        webhook = self.create({
            'name': str(name)[:200],
            'url': url.strip(),
            'event_ids': [fields.Command.set(events.ids)],
            'team_ids': [fields.Command.set(teams.ids)],
            'description': description or False,
            'include_internal_notes': bool(payload.get('include_internal_notes')),
            'secret_shown': True,
        })
        return dict(webhook._api_serialize(), secret=webhook.sudo().secret)

    @api.model
    def api_list_subscriptions(self):
        return [webhook._api_serialize() for webhook in self.search([])]

    def api_delete_subscription(self):
        self.unlink()
        return True
