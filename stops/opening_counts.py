"""Openings per stop and completed month, kept for statistics (OpeningSummary), and the
openings that were cancelled, with the notice residents had.

A month is summarized once it is over, from what the schedule engine says then; later
edits of the schedule do not rewrite the past. Totals over a period take completed
months from the summaries and compute the rest (the month under way, partial months,
months never summarized) with the engine.

A cancelled opening is one a `ScheduleChange` took away (it is in the change's
`cancelled` list) and that did not take place after all: the schedule as it is now has
no open opening of the stop at an overlapping time that day (hours that merely moved
are not a cancellation). Only changes recorded within ANNOUNCE_WINDOW before the
opening count: an edit made earlier reorganises the timetable, it does not cancel an
opening residents were counting on. When an opening was cancelled, restored and
cancelled again, the last cancellation is the one residents were told of.
"""

import datetime
import math
from collections import Counter, defaultdict
from typing import NamedTuple

from django.db import transaction
from django.db.models import F, Sum

from stops import schedule
from stops.models import OpeningSummary, ScheduleChange, Stop

ANNOUNCE_WINDOW = datetime.timedelta(days=30)


def month_start(day):
    return day.replace(day=1)


def previous_month(day):
    """The first day of the month before `day`'s."""
    return month_start(month_start(day) - datetime.timedelta(days=1))


def months_before(day, count):
    """The first day of the month `count` months before `day`'s: 11 before March 2025 is April 2024."""
    index = day.year * 12 + day.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


def next_month(month):
    return (month + datetime.timedelta(days=32)).replace(day=1)


def months(start, end):
    month = month_start(start)
    while month <= end:
        yield month
        month = next_month(month)


def summarize(first_month, last_month):
    """Write the summaries of these months for every stop; returns the number of rows."""
    start, end = first_month, next_month(last_month) - datetime.timedelta(days=1)
    counts = _count(schedule.openings(start, end, Stop.objects.all()), by_month=True)
    rows = [
        OpeningSummary(stop_id=stop_id, month=month, openings=openings, minutes=minutes)
        for (stop_id, month), (openings, minutes) in counts.items()
    ]
    with transaction.atomic():
        OpeningSummary.objects.filter(month__range=(first_month, last_month)).delete()
        OpeningSummary.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def summarize_last_month(today):
    """Nightly: the month that ended last (late corrections to it are taken in until the next one ends)."""
    last = previous_month(today)
    return summarize(last, last)


def totals(start, end, stops=None, today=None):
    """{stop id: (openings, open minutes)} from `start` to `end` inclusive.

    The run of summarized months inside the period is read from the summaries; the
    days before and after it are computed: two readings of the engine at most,
    whatever the length of the period.
    """
    whole, ranges = _summarized_run(start, end, today or datetime.date.today())
    result = defaultdict(Counter)
    if whole:
        rows = _summaries(whole, stops).values_list("stop").annotate(Sum("openings"), Sum("minutes"))
        for stop_id, openings, minutes in rows:
            result[stop_id] += Counter({"openings": openings, "minutes": minutes})
    everywhere = Stop.objects.all() if stops is None else stops
    for first, last in ranges:
        for stop_id, (openings, minutes) in _count(schedule.openings(first, last, everywhere)).items():
            result[stop_id] += Counter({"openings": openings, "minutes": minutes})
    return {stop_id: (counts["openings"], counts["minutes"]) for stop_id, counts in result.items()}


def held_by_month(start, end, stops=None, now=None):
    """{first day of a month: openings that took place} from `start` to `end` inclusive, of those
    started by `now`: summarized months from the summaries, the others from the engine (the
    schedule as it is now), in the same queries as `totals()`."""
    now = now or datetime.datetime.now(schedule.PARIS)
    end = min(end, now.astimezone(schedule.PARIS).date())
    whole, ranges = _summarized_run(start, end, now.astimezone(schedule.PARIS).date())
    held = Counter()
    if whole:
        held.update(dict(_summaries(whole, stops).values_list("month").annotate(Sum("openings"))))
    everywhere = Stop.objects.all() if stops is None else stops
    for first, last in ranges:
        for opening in schedule.openings(first, last, everywhere):
            if opening.is_open and opening.starts_at <= now:
                held[month_start(opening.date)] += 1
    return held


def _summarized_run(start, end, today):
    """(the run of whole months from `start` to `end` that are over and summarized, the ranges of
    days around it to compute with the engine): one query."""
    limit = min(end + datetime.timedelta(days=1), today)
    summarized = set(OpeningSummary.objects.filter(month__range=(start, end)).values_list("month", flat=True))
    whole = _contiguous_run(
        [m for m in months(start, end) if start <= m and next_month(m) <= limit and m in summarized]
    )
    if not whole:
        return whole, [(start, end)] if start <= end else []
    ranges = [(start, whole[0] - datetime.timedelta(days=1)), (next_month(whole[-1]), end)]
    return whole, [(first, last) for first, last in ranges if first <= last]


def _summaries(whole, stops):
    rows = OpeningSummary.objects.filter(month__range=(whole[0], whole[-1]))
    return rows if stops is None else rows.filter(stop__in=stops)


def _contiguous_run(month_list):
    """The last run of consecutive months (a month missing in between breaks it)."""
    run = []
    for month in month_list:
        run = [*run, month] if run and next_month(run[-1]) == month else [month]
    return run


def _count(openings, by_month=False):
    counts = {}
    for opening in openings:
        if not opening.is_open:
            continue
        key = (opening.stop.pk, month_start(opening.date)) if by_month else opening.stop.pk
        count, total = counts.get(key, (0, 0))
        duration = datetime.datetime.combine(opening.date, opening.end) - datetime.datetime.combine(
            opening.date, opening.start
        )
        counts[key] = (count + 1, total + int(duration.total_seconds() // 60))
    return counts


class Cancellation(NamedTuple):
    """A published opening that did not take place, and how long before its start it was
    announced (negative: after it started, the bus broke down)."""

    stop_id: int
    organisation_id: int
    date: datetime.date
    notice: datetime.timedelta

    @property
    def notice_hours(self):
        """Whole hours of notice, rounded down: 47 h 59 is not 48 hours."""
        return math.floor(self.notice / datetime.timedelta(hours=1))


def cancellations(start, end, stops=None, now=None):
    """The openings from `start` to `end` inclusive cancelled by a change (see above), of those
    started by `now`; `stops` a queryset or a list (None: every stop). Two queries and a reading
    of the engine, whatever the period; none when no change cancelled anything."""
    now = now or datetime.datetime.now(schedule.PARIS)
    changes = ScheduleChange.objects.filter(
        created_at__gte=_starts(start) - ANNOUNCE_WINDOW, created_at__lt=_starts(end + datetime.timedelta(days=1))
    ).exclude(cancelled=[])
    if stops is not None:
        changes = changes.filter(stop__in=stops)
    changes = changes.annotate(organisation_id=F("stop__organisation")).order_by("created_at", "pk")
    last = {}  # (stop id, recorded opening): when it was last cancelled, and the stop's organisation
    for change in changes.only("stop", "created_at", "cancelled"):
        for opening in change.cancelled_openings:
            starts = _starts(opening.date, opening.start)
            if start <= opening.date <= end and starts <= now and starts - ANNOUNCE_WINDOW <= change.created_at:
                last[change.stop_id, opening] = (change.created_at, change.organisation_id)
    if not last:
        return []
    days = [opening.date for _stop, opening in last]
    held = _open_by_stop_and_day(min(days), max(days), {stop_id for stop_id, _opening in last})
    return [
        Cancellation(stop_id, organisation_id, opening.date, _starts(opening.date, opening.start) - created_at)
        for (stop_id, opening), (created_at, organisation_id) in sorted(last.items())
        if not any(schedule.hours_overlap(opening, o) for o in held[stop_id, opening.date])
    ]


def _starts(day, time=datetime.time()):
    return datetime.datetime.combine(day, time, tzinfo=schedule.PARIS)


def _open_by_stop_and_day(start, end, stop_ids):
    """{(stop id, date): its open openings} in the schedule as it is now."""
    result = defaultdict(list)
    for opening in schedule.openings(start, end, Stop.objects.filter(pk__in=stop_ids)):
        if opening.is_open:
            result[opening.stop.pk, opening.date].append(opening)
    return result
