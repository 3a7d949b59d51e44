from datetime import datetime, time, timedelta

from odoo import api, fields, models


class HelpdeskLiteAppointmentStatistic(models.Model):
    """Weekly visit figures per technician, written by the (inactive by default) statistics cron.

    Kept as rows rather than read live so that the figures of a week stay as they were when the week
    ended, even after visits are archived by the cleanup cron."""
    _name = 'helpdesk.lite.appointment.statistic'
    _description = 'Helpdesk Lite Weekly Appointment Statistics'
    _order = 'week_start desc, user_id'

    week_start = fields.Date(required=True, readonly=True, index=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    user_id = fields.Many2one('res.users', string='Technician', readonly=True, index=True)
    planned_count = fields.Integer(string='Visits', readonly=True, help='Visits scheduled in the week.')
    done_count = fields.Integer(string='Done', readonly=True)
    cancelled_count = fields.Integer(string='Cancelled', readonly=True)
    hours_done = fields.Float(string='Hours on Site', readonly=True, digits=(16, 2))

    _sql_constraints = [
        ('week_user_company_unique', 'UNIQUE (week_start, company_id, user_id)',
         'One statistics row per week, company and technician.'),
    ]

    @api.model
    def _cron_generate(self, week_start=None):
        """(Re)compute the figures of the last full week (Monday to Sunday, UTC), or of the week of
        ``week_start``. Running it again replaces that week's rows: it never counts twice."""
        if not week_start:
            today = fields.Date.context_today(self)
            week_start = today - timedelta(days=today.weekday() + 7)
        week_start = week_start - timedelta(days=week_start.weekday())
        start = datetime.combine(week_start, time.min)
        stop = start + timedelta(days=7)
        Appointment = self.env['helpdesk.lite.appointment'].sudo().with_context(active_test=False)
        groups = Appointment._read_group(
            [('start', '>=', start), ('start', '<', stop)], ['company_id', 'user_id', 'state'],
            ['__count', 'duration:sum'])
        rows = {}
        for company, user, state, count, hours in groups:
            row = rows.setdefault((company.id, user.id), {
                'week_start': week_start, 'company_id': company.id, 'user_id': user.id or False,
                'planned_count': 0, 'done_count': 0, 'cancelled_count': 0, 'hours_done': 0.0})
            row['planned_count'] += count
            if state == 'done':
                row['done_count'] += count
                row['hours_done'] += hours
            elif state == 'cancelled':
                row['cancelled_count'] += count
        self.sudo().search([('week_start', '=', week_start)]).unlink()
        return self.sudo().create(list(rows.values()))
