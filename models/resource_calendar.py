from datetime import timedelta

from odoo import models

from ..tools.business_clock import LOOKAHEAD, BusinessClock, WallClock


class ResourceCalendar(models.Model):
    _inherit = 'resource.calendar'

    def _helpdesk_lite_clock(self, start, end):
        """A clock answering business-time questions about datetimes in [start, end] (naive UTC)
        with one read of the calendar; without a calendar, a wall clock."""
        if not self:
            return WallClock()
        self.ensure_one()
        calendar = self.sudo()
        return BusinessClock(lambda begin, stop: calendar._work_intervals_batch(begin, stop)[False],
                             start - timedelta(days=1), end + LOOKAHEAD)
