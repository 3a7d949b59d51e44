from datetime import datetime, timedelta

from pytz import utc

from odoo.tests import BaseCase, tagged

from ..tools.business_clock import LOOKAHEAD, BusinessClock, WallClock
from ..tools.duration import format_hours


def weekdays_9_to_17(start, end):
    """Working intervals Monday to Friday, 09:00-17:00 UTC, between two aware datetimes."""
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    intervals = []
    while day < end:
        if day.weekday() < 5:
            begin, stop = max(day.replace(hour=9), start), min(day.replace(hour=17), end)
            if begin < stop:
                intervals.append((begin, stop, None))
        day += timedelta(days=1)
    return intervals


class FakeEnv:
    """Just enough of an environment for format_hours: the translation call."""

    @staticmethod
    def _(source, **values):
        return source % values


@tagged('post_install', '-at_install')
class TestBusinessClock(BaseCase):
    """The business clock is pure Python: tested with a synthetic calendar, no database."""

    def setUp(self):
        super().setUp()
        self.calls = []

        def intervals(start, end):
            self.calls.append((start, end))
            return weekdays_9_to_17(start, end)

        monday = datetime(2024, 1, 8)
        # the window resource.calendar's factory asks for: the first start, and three weeks ahead
        self.clock = BusinessClock(intervals, monday - timedelta(days=1), monday + timedelta(days=7) + LOOKAHEAD)

    def test_plan_within_a_day_and_over_a_weekend(self):
        self.assertEqual(self.clock.plan(datetime(2024, 1, 8, 9), 4), datetime(2024, 1, 8, 13))
        # Friday 15:00 + 4 working hours: 2 on Friday, 2 on Monday
        self.assertEqual(self.clock.plan(datetime(2024, 1, 12, 15), 4), datetime(2024, 1, 15, 11))
        # a start outside working hours begins at the next opening
        self.assertEqual(self.clock.plan(datetime(2024, 1, 13, 20), 1), datetime(2024, 1, 15, 10))
        self.assertEqual(self.clock.plan(datetime(2024, 1, 8, 9), 0), datetime(2024, 1, 8, 9))

    def test_duration_counts_working_time_only(self):
        self.assertEqual(self.clock.duration(datetime(2024, 1, 12, 16), datetime(2024, 1, 15, 10)), 2.0)
        self.assertEqual(self.clock.duration(datetime(2024, 1, 13, 0), datetime(2024, 1, 14, 23)), 0.0)
        self.assertEqual(self.clock.duration(datetime(2024, 1, 9), datetime(2024, 1, 8)), 0.0)
        self.assertEqual(self.clock.duration(None, datetime(2024, 1, 8)), 0.0)

    def test_reads_the_calendar_once_then_widens_on_demand(self):
        for hours in (1, 5, 8, 20):
            self.clock.plan(datetime(2024, 1, 8, 9), hours)
        self.assertEqual(len(self.calls), 1, 'answers inside the window come from the first read')
        # far beyond the window: one more read, and the answer is still exact
        self.assertEqual(self.clock.plan(datetime(2024, 6, 3, 9), 8), datetime(2024, 6, 3, 17))
        self.assertEqual(len(self.calls), 2)
        self.assertTrue(all(start.tzinfo == utc and end.tzinfo == utc for start, end in self.calls))

    def test_calendar_without_working_time_gives_up(self):
        clock = BusinessClock(lambda start, end: [], datetime(2024, 1, 8), datetime(2024, 1, 9))
        self.assertFalse(clock.plan(datetime(2024, 1, 8), 1))

    def test_wall_clock(self):
        self.assertEqual(WallClock.plan(datetime(2024, 1, 13, 20), 5), datetime(2024, 1, 14, 1))
        self.assertEqual(WallClock.duration(datetime(2024, 1, 13), datetime(2024, 1, 14, 6)), 30.0)
        self.assertEqual(WallClock.duration(datetime(2024, 1, 14), datetime(2024, 1, 13)), 0.0)

    def test_format_hours(self):
        env = FakeEnv()
        self.assertEqual(format_hours(env, 0), '0m')
        self.assertEqual(format_hours(env, 0.5), '30m')
        self.assertEqual(format_hours(env, 1), '1h 00m')
        self.assertEqual(format_hours(env, 3 + 5 / 60), '3h 05m')
        self.assertEqual(format_hours(env, 51), '2d 3h')
        self.assertEqual(format_hours(env, -2), '2h 00m', 'a sign is for the caller to word ("late")')
