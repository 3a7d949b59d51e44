from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

DEFAULT_SLA_CHECK_HOUR = 7


class ResCompany(models.Model):
    _inherit = 'res.company'

    helpdesk_lite_sla_check_hour = fields.Integer(
        string='Daily SLA Check Hour', default=DEFAULT_SLA_CHECK_HOUR,
        help="Local hour (0-23, in the company's time zone) of the daily SLA overdue and at-risk check.")

    _sql_constraints = [
        ('helpdesk_lite_sla_check_hour_range', 'CHECK (helpdesk_lite_sla_check_hour BETWEEN 0 AND 23)',
         'The SLA check hour must be between 0 and 23.'),
    ]

    def _helpdesk_lite_tz(self):
        """The company's time zone: its address's, else its working hours', else UTC."""
        self.ensure_one()
        return pytz.timezone(self.partner_id.tz or self.resource_calendar_id.tz or 'UTC')

    def _helpdesk_lite_sla_check_due(self, since, now):
        """Whether the company's local check hour fell in ``(since, now]`` (naive UTC datetimes).
        Computed in local time for each day of the span, so daylight saving changes keep the hour."""
        self.ensure_one()
        tz = self._helpdesk_lite_tz()
        hour = time(self.helpdesk_lite_sla_check_hour)
        day = pytz.utc.localize(since).astimezone(tz).date()
        while day <= pytz.utc.localize(now).astimezone(tz).date():
            moment = tz.localize(datetime.combine(day, hour)).astimezone(pytz.utc).replace(tzinfo=None)
            if since < moment <= now:
                return True
            day += timedelta(days=1)
        return False


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'

    @api.model
    def _cron_sla_check_scheduled(self):
        """Entry point of the hourly scheduled action: run the SLA check for the companies whose local
        check hour (Settings > Helpdesk) passed since the action's previous run. Odoo's own daily
        interval would keep a fixed UTC hour (07:00 UTC is 08:00 or 09:00 in Paris). Stateless: the
        window comes from the cron's ``lastcall`` (in the context), so nothing is written when no company
        is due, and a server that was down at that hour catches up at its next run. Outside a scheduled
        run ("Run Manually", direct calls) every company is checked."""
        companies = self.env['res.company'].sudo().search([])
        if self.env.context.get('cron_id'):
            now = fields.Datetime.now()
            since = self.env.context.get('lastcall') or now - timedelta(hours=1)
            companies = companies.filtered(lambda company: company._helpdesk_lite_sla_check_due(since, now))
        if not companies:
            self.env['ir.cron']._notify_progress(done=0, remaining=0)
            return 0
        return self.with_context(helpdesk_lite_sla_company_ids=companies.ids)._cron_check_sla_overdue()
