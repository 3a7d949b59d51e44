"""Resolve, close, auto-close: when a ticket was resolved, who closed it, and closing tickets that wait on a
customer who does not answer.

Lifecycle New → Open → Pending → Resolved → Closed: the resolved date is set when the ticket
reaches a Resolved (or directly a Closed) stage, kept when it is then closed, cleared on reopen; resolution
times are measured to it. The closed date stays the date of the last closing step.
"""
import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

CLOSED_BY_SELECTION = [('customer', 'Customer'), ('staff', 'Staff'), ('auto', 'Automatically')]
AUTO_CLOSE_DAYS_PARAM = 'helpdesk_lite.auto_close_days'
AUTO_CLOSE_WARNING_DAYS_PARAM = 'helpdesk_lite.auto_close_warning_days'
DEFAULT_AUTO_CLOSE_WARNING_DAYS = 2


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'

    resolved_date = fields.Datetime(
        readonly=True, copy=False, index=True,
        help='When the ticket was resolved: set on reaching a Resolved or Closed stage, kept when it is then '
             'closed, cleared on reopen. Resolution times are measured to it.')
    closed_by = fields.Selection(
        CLOSED_BY_SELECTION, readonly=True, copy=False, index=True,
        help='Who closed the ticket: the customer (portal, ticket link), staff, or the automatic closing of '
             'tickets waiting on the customer.')
    auto_close_warned_date = fields.Datetime(
        string='Auto-close Warning Sent', readonly=True, copy=False,
        help='When the customer was told the waiting ticket will close without an answer.')

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        tickets.filtered('is_closed')._resolution_mark(self.env.cr.now())
        return tickets

    def write(self, vals):
        if 'stage_id' not in vals:
            return super().write(vals)
        was_closed = self.filtered(lambda t: t.lifecycle == 'closed')
        result = super().write(vals)
        now = self.env.cr.now()
        closing = self.filtered('is_closed')
        closing._resolution_mark(now, was_closed)
        # reopened, or moved back to work: the resolution and the warning no longer hold
        reopened = (self - closing).filtered(lambda t: t.resolved_date or t.closed_by or t.auto_close_warned_date)
        if reopened:
            super(HelpdeskLiteTicket, reopened).write(
                {'resolved_date': False, 'closed_by': False, 'auto_close_warned_date': False})
        left_waiting = (self - closing - reopened).filtered(
            lambda t: t.auto_close_warned_date and not t.stage_id.is_waiting)
        if left_waiting:
            super(HelpdeskLiteTicket, left_waiting).write({'auto_close_warned_date': False})
        return result

    def _resolution_mark(self, now, was_closed=None):
        """Resolved date for the tickets that just reached a closing stage; "closed by" for those that
        just reached a Closed stage."""
        was_closed = was_closed or self.browse()
        to_resolve = self.filtered(lambda t: not t.resolved_date)
        if to_resolve:
            super(HelpdeskLiteTicket, to_resolve).write({'resolved_date': now})
        newly_closed = self.filtered(lambda t: t.lifecycle == 'closed') - was_closed
        if newly_closed:
            super(HelpdeskLiteTicket, newly_closed).write({'closed_by': self._resolution_closer()})

    @api.model
    def _resolution_closer(self):
        closer = self.env.context.get('helpdesk_lite_closed_by')
        if closer in dict(CLOSED_BY_SELECTION):
            return closer
        # portal users and visitors with a ticket link act as themselves, even when the change runs in sudo
        return 'customer' if self.env.user.share else 'staff'

    # ------------------------------------------------------------------------
    # Auto-close of tickets waiting on the customer (off unless the parameter is set)
    # ------------------------------------------------------------------------
    @api.model
    def _auto_close_settings(self):
        ICP = self.env['ir.config_parameter'].sudo()

        def days(param, default):
            try:
                return max(int(ICP.get_param(param, default) or 0), 0)
            except ValueError:
                _logger.warning('Helpdesk Lite: system parameter %s is not a number of days', param)
                return 0
        close_days = days(AUTO_CLOSE_DAYS_PARAM, 0)
        warning_days = min(days(AUTO_CLOSE_WARNING_DAYS_PARAM, DEFAULT_AUTO_CLOSE_WARNING_DAYS), close_days)
        return close_days, warning_days

    @api.model
    def _cron_auto_close_waiting(self, batch_size=500):
        """Warn, then close, the tickets waiting on the customer for too long.

        With ``helpdesk_lite.auto_close_days`` = N (0 or unset: off) and ``auto_close_warning_days`` = W
        (default 2): a ticket waiting since N - W days gets the "will close soon" mail once; a warned
        ticket still waiting N days after it started waiting, and at least W days after the warning, is
        closed (closed by: automatically) with a note; with W = 0 it is closed after N days without a
        warning. A customer reply moves the ticket out of its waiting stage, which cancels the warning.
        "Waiting since" is the start of the SLA pause.
        """
        close_days, warning_days = self._auto_close_settings()
        if not close_days:
            return 0
        now = self.env.cr.now()
        Ticket = self.sudo().with_context(active_test=True)
        waiting = [('is_closed', '=', False), ('stage_id.is_waiting', '=', True), ('sla_paused_since', '!=', False)]
        to_warn = Ticket.search(waiting + [
            ('auto_close_warned_date', '=', False),
            ('sla_paused_since', '<=', now - timedelta(days=close_days - warning_days))],
            limit=batch_size) if warning_days else Ticket.browse()
        overdue = waiting + [('sla_paused_since', '<=', now - timedelta(days=close_days))]
        if warning_days:  # never closed without the warning and the time it promised
            overdue.append(('auto_close_warned_date', '<=', now - timedelta(days=warning_days)))
        to_close = Ticket.search(overdue, limit=batch_size) - to_warn
        if to_warn:
            to_warn._auto_close_warn(now)
        if to_close:
            to_close.with_context(helpdesk_lite_closed_by='auto')._move_to_lifecycle(('closed',))
            body = Markup('<p>%s</p>') % self.env._(
                'Closed automatically: no answer from the customer for %(days)s days.', days=close_days)
            to_close._message_log_batch(bodies={ticket.id: body for ticket in to_close})
        if len(to_warn) == batch_size or len(to_close) == batch_size:
            self.env.ref('helpdesk_lite.ir_cron_helpdesk_lite_auto_close')._trigger()
        return len(to_close)

    def _auto_close_warn(self, now):
        template = self.env.ref('helpdesk_lite.mail_template_ticket_auto_close_warning', raise_if_not_found=False)
        if template and template.active:
            self.message_mail_with_source(template, force_send=False, message_type='auto_comment')
        self.write({'auto_close_warned_date': now})
