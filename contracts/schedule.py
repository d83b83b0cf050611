"""The calendar of the follow-up: local dates, due dates and when a check is requested.

Contracts speak in calendar dates of the buyer's time zone (``TIME_ZONE``, Europe/Stockholm by
default); a day begins at local midnight. Pure functions: no database.
"""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

# A check is requested this long before its due date (API.md, "Third wave").
REQUEST_DAYS_BEFORE = 30
# Without a schedule of its own, a commitment is first checked this long after the start.
FIRST_CHECK_AFTER_DAYS = 90
# A recurring schedule is laid out to the contract's end, at most this many checks.
MAX_SCHEDULED = 240


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(local_zone()).date()


def start_of(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day``, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=local_zone())


def overdue_from(due_on: dt.date) -> dt.datetime:
    """An unanswered check is overdue from the day after its due date."""
    return start_of(due_on + dt.timedelta(days=1))


def requested_at(due_on: dt.date, now: dt.datetime) -> dt.datetime:
    """30 days before the due date, or at once when the date is nearer than that."""
    return max(now, start_of(due_on - dt.timedelta(days=REQUEST_DAYS_BEFORE)))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it has none (31 Jan + 1
    month is 28 or 29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(first: dt.date | None, every_months: int | None, ends_on: dt.date) -> list[dt.date]:
    """The due dates of a schedule: ``first``, then every ``every_months`` months up to the
    contract's last day (``first`` alone when it is a single check)."""
    if first is None or first > ends_on:
        return []
    if not every_months:
        return [first]
    dates: list[dt.date] = []
    step = 0
    while len(dates) < MAX_SCHEDULED:
        day = add_months(first, every_months * step)
        if day > ends_on:
            break
        dates.append(day)
        step += 1
    return dates


def default_first_due(starts_on: dt.date, ends_on: dt.date, now: dt.datetime) -> dt.date:
    """A quarter after the start (and not sooner than a month from today), within the
    contract."""
    first = max(
        starts_on + dt.timedelta(days=FIRST_CHECK_AFTER_DAYS),
        today(now) + dt.timedelta(days=REQUEST_DAYS_BEFORE),
    )
    return min(first, ends_on)
