from datetime import datetime, time, timedelta

from odoo import api, models, tools

from ..tools.business_clock import LOOKAHEAD, BusinessClock, WallClock


def _whole_days(begin, stop):
    """The UTC midnights around [begin, stop] (aware datetimes): one cache key per day asked."""
    day_from = datetime.combine(begin.date(), time.min, begin.tzinfo)
    day_to = datetime.combine(stop.date(), time.min, stop.tzinfo) + timedelta(days=1)
    return day_from, day_to


class ResourceCalendar(models.Model):
    _name = 'resource.calendar'
    _inherit = ['resource.calendar', 'helpdesk.lite.cache.mixin']  # _helpdesk_lite_work_spans

    def _helpdesk_lite_clock(self, start, end):
        """A clock answering business-time questions about datetimes in [start, end] (naive UTC)
        with one read of the calendar; without a calendar, a wall clock."""
        if not self:
            return WallClock()
        self.ensure_one()
        calendar_id = self.id

        def work_intervals(begin, stop):
            return self._helpdesk_lite_work_spans(calendar_id, *_whole_days(begin, stop))

        return BusinessClock(work_intervals, start - timedelta(days=1), end + LOOKAHEAD)

    @api.model
    @tools.ormcache('calendar_id', 'day_from', 'day_to')
    def _helpdesk_lite_work_spans(self, calendar_id, day_from, day_to):
        """The calendar's working intervals between two UTC midnights, its leaves without a resource
        deducted, as plain ``(start, stop, None)`` triples.

        Every new ticket, reply and SLA check of a day asks for the same weeks of the same calendar: four
        queries (calendar, attendances, leaves) per email otherwise. Cleared when a calendar, one of its
        attendances or a leave without a resource changes (time off of an employee does not touch it)."""
        calendar = self.sudo().browse(calendar_id)
        return tuple((begin, stop, None) for begin, stop, _meta in
                     calendar._work_intervals_batch(day_from, day_to)[False])


class ResourceCalendarAttendance(models.Model):
    _name = 'resource.calendar.attendance'
    _inherit = ['resource.calendar.attendance', 'helpdesk.lite.cache.mixin']  # _helpdesk_lite_work_spans


class ResourceCalendarLeaves(models.Model):
    _inherit = 'resource.calendar.leaves'

    def _helpdesk_lite_clear_work_spans(self, vals_list=()):
        # only the leaves of nobody in particular (public holidays, closures) change the business hours
        if any(not leave.resource_id for leave in self) or any(not vals.get('resource_id') for vals in vals_list):
            self.env.registry.clear_cache()  # resource.calendar._helpdesk_lite_work_spans

    @api.model_create_multi
    def create(self, vals_list):
        self._helpdesk_lite_clear_work_spans(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._helpdesk_lite_clear_work_spans([vals] if 'resource_id' in vals else ())
        return super().write(vals)

    def unlink(self):
        self._helpdesk_lite_clear_work_spans()
        return super().unlink()
