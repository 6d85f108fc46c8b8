"""Openings per stop and completed month, kept for statistics (OpeningSummary).

A month is summarized once it is over, from what the schedule engine says then; later
edits of the schedule do not rewrite the past. Totals over a period take completed
months from the summaries and compute the rest (the month under way, partial months,
months never summarized) with the engine.
"""

import datetime
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Sum

from stops import schedule
from stops.models import OpeningSummary, Stop


def month_start(day):
    return day.replace(day=1)


def previous_month(day):
    """The first day of the month before `day`'s."""
    return month_start(month_start(day) - datetime.timedelta(days=1))


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
    today = today or datetime.date.today()
    limit = min(end + datetime.timedelta(days=1), today)
    summarized = set(OpeningSummary.objects.filter(month__range=(start, end)).values_list("month", flat=True))
    whole = _contiguous_run(
        [m for m in months(start, end) if start <= m and next_month(m) <= limit and m in summarized]
    )
    result = defaultdict(Counter)
    if whole:
        rows = OpeningSummary.objects.filter(month__range=(whole[0], whole[-1]))
        if stops is not None:
            rows = rows.filter(stop__in=stops)
        for stop_id, openings, minutes in rows.values_list("stop").annotate(Sum("openings"), Sum("minutes")):
            result[stop_id] += Counter({"openings": openings, "minutes": minutes})
        ranges = [(start, whole[0] - datetime.timedelta(days=1)), (next_month(whole[-1]), end)]
    else:
        ranges = [(start, end)]
    everywhere = Stop.objects.all() if stops is None else stops
    for first, last in ranges:
        if first <= last:
            for stop_id, (openings, minutes) in _count(schedule.openings(first, last, everywhere)).items():
                result[stop_id] += Counter({"openings": openings, "minutes": minutes})
    return {stop_id: (counts["openings"], counts["minutes"]) for stop_id, counts in result.items()}


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
