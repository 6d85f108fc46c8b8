"""The schedule engine as it was before it computed with date progressions: one dict lookup per
day per slot, each extra opening merged by sorting its day again.

Kept as a reference: the benchmark (`python -m bench --only schedule`) and
tests/stops/test_schedule_engines.py compare its openings with `schedule.openings()`'s, which must
be the same. Not used by the site.
"""

import datetime
from collections import defaultdict

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from stops.models import Closure, ClosureReason, ExtraOpening, SchoolHoliday, Stop, WeeklySlot
from stops.schedule import (
    CANCELLED,
    OPEN,
    PUBLIC_HOLIDAY_REASON,
    SCHOOL_HOLIDAYS_REASON,
    Opening,
    each_day,
    hours_overlap,
    public_holiday,
    public_holidays_subdivision,
    slot_days,
)


def openings(start, end, stops=None):
    """Every opening of `stops` (default: the active stops) from `start` to `end` inclusive."""
    if stops is None:
        stops = Stop.objects.active()
    stop_list = list(stops)
    if not stop_list or end < start:
        return []
    stop_filter = stops if isinstance(stops, QuerySet) else stop_list
    calendar = _Calendar(start, end, stop_list, stop_filter)

    # Slots in (start, stop name) order fill each day's list already sorted; those with the same start and
    # stop name in the order of their ids, as the engine gives them.
    slots = sorted(
        WeeklySlot.objects.filter(stop__in=stop_filter).order_by("pk"),
        key=lambda slot: (slot.start, calendar.rules[slot.stop_id].stop.name),
    )
    days = [[] for _ in range((end - start).days + 1)]
    for slot in slots:
        calendar.rules[slot.stop_id].add_openings(slot, start, end, days)

    for extra in ExtraOpening.objects.filter(stop__in=stop_filter, date__range=(start, end)):
        index = (extra.date - start).days
        days[index] = _with_extra(days[index], calendar.rules[extra.stop_id].extra_opening(extra))
    return [opening for day in days for opening in day]


def _with_extra(day_openings, extra):
    """An extra opening replaces the usual opening of its stop that it overlaps."""
    kept = [
        opening for opening in day_openings if not (opening.stop.pk == extra.stop.pk and hours_overlap(extra, opening))
    ]
    return sorted([*kept, extra], key=lambda o: (o.start, o.stop.name))


class _Calendar:
    """The closures and holidays of a date range, loaded once for `openings()`."""

    def __init__(self, start, end, stop_list, stop_filter):
        # ("stop", id), ("organisation", id) for every stop of one, or None for every stop of the country
        # -> day -> (reason kind, reason in the language of the moment)
        closures = defaultdict(dict)
        for closure in Closure.objects.filter(
            Q(stop__isnull=True) | Q(stop__in=stop_filter), first_day__lte=end, last_day__gte=start
        ).order_by("first_day", "pk"):
            whose = (
                ("stop", closure.stop_id)
                if closure.stop_id
                else ("organisation", closure.organisation_id)
                if closure.organisation_id
                else None
            )
            for day in each_day(max(closure.first_day, start), min(closure.last_day, end)):
                closures[whose].setdefault(day, (closure.reason_kind, closure.public_reason))
        national = closures.pop(None, {})
        of_organisation = {}  # organisation id -> its closures of every stop, and the country's
        zones = {stop.school_holidays_zone for stop in stop_list if stop.school_holidays_zone}
        school_days, known_until = school_holiday_days(zones, start, end)
        holidays_by_kind = {}
        self.rules = {}
        for stop in stop_list:
            kind = (
                stop.school_holidays_zone,
                stop.closed_on_public_holidays,
                public_holidays_subdivision(stop.postcode),
            )
            if kind not in holidays_by_kind:
                holidays_by_kind[kind] = _holidays(start, end, school_days.get(kind[0], {}), *kind[1:])
            own = closures.get(("stop", stop.pk))
            if stop.organisation_id not in of_organisation:
                of_organisation[stop.organisation_id] = {
                    **national,
                    **closures.get(("organisation", stop.organisation_id), {}),
                }
            everywhere = of_organisation[stop.organisation_id]
            self.rules[stop.pk] = _StopRules(
                stop,
                {**everywhere, **own} if own else everywhere,
                holidays_by_kind[kind],
                known_until.get(stop.school_holidays_zone) if stop.school_holidays_zone else datetime.date.max,
            )


def _holidays(start, end, school_days, closed_on_public_holidays, subdivision):
    """{day: (reason kind, reason)} of the public and school holidays that close a kind of stop."""
    reasons = dict.fromkeys(school_days, (ClosureReason.SCHOOL_HOLIDAYS, _(SCHOOL_HOLIDAYS_REASON)))
    if closed_on_public_holidays:
        for day in each_day(start, end):
            if name := public_holiday(day, subdivision):
                reasons[day] = (ClosureReason.PUBLIC_HOLIDAY, _(PUBLIC_HOLIDAY_REASON) % {"name": name})
    return reasons


class _StopRules:
    """What cancels the openings of one stop: its closures (then every stop's), then its holidays."""

    __slots__ = ("closures", "holidays", "known", "stop")

    def __init__(self, stop, closures, holidays, school_holidays_known_until):
        self.stop = stop
        self.closures = closures
        self.holidays = holidays
        # Last day for which the school holidays of the stop's zone are known.
        self.known = school_holidays_known_until or datetime.date.min

    def add_openings(self, slot, start, end, days):
        """Append the slot's openings to `days`, the list of each day's openings from `start`."""
        stop, closures, holidays, known_until = self.stop, self.closures, self.holidays, self.known
        for day in slot_days(slot, start, end):
            kind, reason = closures.get(day) or holidays.get(day) or (None, None)
            status = CANCELLED if reason else OPEN
            opening = Opening(stop, day, slot.start, slot.end, status, reason, False, day <= known_until, slot, kind)
            days[(day - start).days].append(opening)

    def extra_opening(self, extra):
        return Opening(
            self.stop,
            extra.date,
            extra.start,
            extra.end,
            OPEN,
            extra.reason or None,
            True,
            extra.date <= self.known,
        )


def school_holiday_days(zones, start, end):
    """({zone: {day: holiday name}}, {zone: last day known}) for the days of [start, end]."""
    days = {zone: {} for zone in zones}
    known_until = {}
    if not zones:
        return days, known_until
    # Every period still running or to come: those in range, and the last one known.
    for holiday in SchoolHoliday.objects.filter(zone__in=zones, last_day__gte=start).order_by("first_day"):
        known_until[holiday.zone] = max(known_until.get(holiday.zone, holiday.last_day), holiday.last_day)
        for day in each_day(max(holiday.first_day, start), min(holiday.last_day, end)):
            days[holiday.zone][day] = holiday.name
    return days, known_until
