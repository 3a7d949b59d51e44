"""Business-time arithmetic: deadlines and durations counted in working hours (or wall-clock hours)."""
from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta

from pytz import utc

# How far ahead a clock looks past the latest start it was asked about before it extends itself.
LOOKAHEAD = timedelta(days=21)
# Give up planning beyond this horizon (a calendar without working time would loop forever).
_MAX_HORIZON = timedelta(days=3 * 366)


def _to_ts(dt):
    """Naive UTC datetime (ORM value) -> POSIX seconds."""
    return utc.localize(dt).timestamp()


def _from_ts(ts):
    """POSIX seconds -> naive UTC datetime rounded to the second (ORM precision)."""
    return datetime.fromtimestamp(round(ts), tz=utc).replace(tzinfo=None)


class BusinessClock:
    """Business-time arithmetic on one working calendar for many datetimes at once.

    ``work_intervals(start, end)`` gives the working intervals between two aware UTC datetimes as
    ``(begin, end, ...)`` tuples of aware datetimes (``resource.calendar._work_intervals_batch``:
    attendances minus leaves). ``plan_hours``/``get_work_duration_data`` read attendances and leaves
    (two queries) on every call, so deadlines for a batch of tickets would cost two queries per ticket;
    the clock reads the intervals once for a window, keeps the cumulative worked seconds at each
    interval start and answers by bisection. It widens its window (one more read) only when asked
    about a datetime outside it. Datetimes in and out are naive UTC, like ORM values.
    """

    def __init__(self, work_intervals, start, end):
        self.work_intervals = work_intervals
        self.lo = self.hi = None
        self._load(start, end)

    def _load(self, start, end):
        if self.lo is not None:
            start, end = min(start, self.lo), max(end, self.hi)
        self.lo, self.hi = start, end
        intervals = self.work_intervals(utc.localize(start), utc.localize(end))
        starts, ends, cum = [], [], []
        total = 0.0
        for begin, stop, _meta in sorted(intervals, key=lambda i: i[0]):
            b, e = begin.timestamp(), stop.timestamp()
            if starts and b < ends[-1]:  # defensive: overlapping attendances
                b = ends[-1]
            if e <= b:
                continue
            starts.append(b)
            ends.append(e)
            cum.append(total)
            total += e - b
        self.starts, self.ends, self.cum = starts, ends, cum
        self.cum_end = [c + (e - b) for c, b, e in zip(cum, starts, ends)]

    def _ensure(self, start, end):
        if start < self.lo or end > self.hi:
            self._load(min(start, self.lo) - timedelta(days=1), max(end, self.hi) + LOOKAHEAD)

    def _worked_before(self, ts):
        """Worked seconds between the window start and ``ts``."""
        i = bisect_right(self.starts, ts) - 1
        if i < 0:
            return 0.0
        return self.cum[i] + min(ts - self.starts[i], self.ends[i] - self.starts[i])

    def duration(self, start, end):
        """Business hours between two naive UTC datetimes (0 if ``end`` is not after ``start``)."""
        if not start or not end or end <= start:
            return 0.0
        self._ensure(start, end)
        return (self._worked_before(_to_ts(end)) - self._worked_before(_to_ts(start))) / 3600.0

    def plan(self, start, hours):
        """The datetime at which ``hours`` business hours after ``start`` have elapsed (like
        ``resource.calendar.plan_hours`` with leaves); False if the calendar has no working time
        within three years."""
        if hours <= 0:
            return start
        self._ensure(start, start + LOOKAHEAD)
        while True:
            target = self._worked_before(_to_ts(start)) + hours * 3600.0
            i = bisect_left(self.cum_end, target)
            if i < len(self.cum_end):
                return _from_ts(self.starts[i] + (target - self.cum[i]))
            if self.hi - start > _MAX_HORIZON:
                return False
            self._load(self.lo, self.hi + max(self.hi - self.lo, LOOKAHEAD))


class WallClock:
    """The same interface in plain elapsed time, for policies that count every hour."""

    @staticmethod
    def duration(start, end):
        if not start or not end or end <= start:
            return 0.0
        return (end - start).total_seconds() / 3600.0

    @staticmethod
    def plan(start, hours):
        return start + timedelta(hours=max(hours, 0.0))
