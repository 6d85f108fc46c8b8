"""The schedule engine: when and where the Mairie mobile opens.

`openings()` is the single source of truth used by the public pages, the API, the
calendar feeds and every later feature. The rules:

- a weekly slot gives every matching weekday from its first day (or forever back)
  to its last day (or forever on), every `every_weeks` weeks, the weeks counted
  from the first matching weekday on or after its first day;
- an opening is cancelled, with a reason, inside a closure of its stop or of every
  stop, on a French public holiday when the stop closes on them, and during the
  school holidays of the stop's zone (the day classes resume is a working day);
- an extra opening is always open: it wins over every closure, and replaces the
  usual opening of its stop that it overlaps;
- past the last school holiday period known for a zone, openings are computed
  without school holidays and flagged `school_holidays_known=False`.

Everything is loaded in a constant number of queries, then computed in memory.
"""

import datetime
import gc
import math
from collections import defaultdict
from contextlib import contextmanager
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from stops.models import Closure, ClosureReason, ExtraOpening, SchoolHoliday, Stop, WeeklySlot

PARIS = ZoneInfo("Europe/Paris")
OPEN = "open"
CANCELLED = "cancelled"
SCHOOL_HOLIDAYS_REASON = gettext_noop("Vacances scolaires")
PUBLIC_HOLIDAY_REASON = gettext_noop("Jour férié : %(name)s")


class Opening(NamedTuple):
    stop: Stop
    date: datetime.date
    start: datetime.time
    end: datetime.time
    status: str = OPEN
    reason: str | None = None
    extra: bool = False
    # False when the date is past the school holidays known for the stop's zone.
    school_holidays_known: bool = True
    # The weekly slot it comes from; None for an extra opening.
    slot: WeeklySlot | None = None
    # Why it is cancelled, as a ClosureReason value (the API gives it beside `reason`).
    reason_kind: str | None = None

    @property
    def is_open(self):
        return self.status == OPEN

    @property
    def starts_at(self):
        return datetime.datetime.combine(self.date, self.start, tzinfo=PARIS)

    @property
    def ends_at(self):
        return datetime.datetime.combine(self.date, self.end, tzinfo=PARIS)

    def is_open_at(self, moment):
        return self.is_open and self.starts_at <= moment < self.ends_at

    def has_ended(self, moment):
        return ended(self.date, self.end, moment)

    def is_to_come(self, moment):
        """Open and not over at `moment`: what can still be cancelled, and what an edit records
        and announces."""
        return self.is_open and not self.has_ended(moment)


def ended(day, end, moment):
    """Whether an opening of `day` closing at `end` is over at `moment`: past openings are
    never cancelled, restored nor announced again."""
    return datetime.datetime.combine(day, end, tzinfo=PARIS) <= moment


def openings(start, end, stops=None):
    """Every opening of `stops` (default: the active stops) from `start` to `end` inclusive.

    Sorted by date, start time and stop name. `stops` may be a queryset or a list.
    """
    if stops is None:
        stops = Stop.objects.active()
    stop_list = list(stops)
    if not stop_list or end < start:
        return []
    stop_filter = stops if isinstance(stops, QuerySet) else stop_list
    calendar = _Calendar(start, end, stop_list, stop_filter)

    # Slots in (start, stop name) order fill each day's list already sorted.
    slots = sorted(
        WeeklySlot.objects.filter(stop__in=stop_filter),
        key=lambda slot: (slot.start, calendar.rules[slot.stop_id].stop.name),
    )
    days = [[] for _ in range((end - start).days + 1)]
    with _gc_paused():
        for slot in slots:
            calendar.rules[slot.stop_id].add_openings(slot, start, end, days)

    for extra in ExtraOpening.objects.filter(stop__in=stop_filter, date__range=(start, end)):
        index = (extra.date - start).days
        days[index] = _with_extra(days[index], calendar.rules[extra.stop_id].extra_opening(extra))
    return [opening for day in days for opening in day]


@contextmanager
def _gc_paused():
    """Hundreds of thousands of openings, none of them in a reference cycle: the cyclic
    garbage collector would only rescan them again and again while they are made."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _with_extra(day_openings, extra):
    """An extra opening replaces the usual opening of its stop that it overlaps."""
    kept = [
        opening for opening in day_openings if not (opening.stop.pk == extra.stop.pk and hours_overlap(extra, opening))
    ]
    return sorted([*kept, extra], key=lambda o: (o.start, o.stop.name))


def closures_of(stop):
    """The closures that apply to `stop`: its own, its organisation's of every stop, and the
    country's (those `openings()` applies, grouped the same way by `_Calendar`)."""
    return Closure.objects.filter(
        Q(stop=stop) | Q(stop=None, organisation=stop.organisation_id) | Q(stop=None, organisation=None)
    )


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


def each_day(first, last):
    """Every date from `first` to `last` included."""
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


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


# Public holidays -------------------------------------------------------------

# Postcode prefixes of the territories whose public holidays differ from the mainland's.
_HOLIDAY_SUBDIVISIONS = {
    "57": "57",  # Moselle
    "67": "6AE",  # Bas-Rhin
    "68": "6AE",  # Haut-Rhin
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "975": "PM",
    "976": "976",
    "97133": "BL",
    "97150": "MF",
}


@lru_cache(maxsize=4096)
def public_holidays_subdivision(postcode):
    for length in (5, 3, 2):
        if subdivision := _HOLIDAY_SUBDIVISIONS.get(postcode[:length]):
            return subdivision
    return None


def public_holiday(day, subdivision=None):
    """The French name of the public holiday on `day`, or None."""
    return _public_holidays(day.year, subdivision).get(day)


@lru_cache(maxsize=256)
def _public_holidays(year, subdivision):
    return dict(holidays.France(years=year, subdiv=subdivision, language="fr"))


# Weekly slots ----------------------------------------------------------------


def slot_days(slot, start, end):
    """The dates from `start` to `end` inclusive on which the slot applies."""
    first_day = slot.first_day
    last = min(end, slot.ends_on) if slot.ends_on else end
    day = _next_weekday(max(start, first_day) if first_day else start, slot.weekday)
    if first_day and slot.every_weeks > 1:
        day += datetime.timedelta(weeks=-((day - first_day).days // 7) % slot.every_weeks)
    step = datetime.timedelta(weeks=slot.every_weeks)
    while day <= last:
        yield day
        day += step


def slot_applies(slot, day):
    return next(slot_days(slot, day, day), None) is not None


def hours_overlap(a, b):
    """True when the hours of `a` and `b` (slots, openings: anything with start and end) overlap."""
    return a.start < b.end and b.start < a.end


def slots_overlap(a, b):
    """True when both slots apply on some date and their hours overlap that day."""
    if a.weekday != b.weekday or not hours_overlap(a, b):
        return False
    first = max((d for d in (a.first_day, b.first_day) if d), default=None)
    last = min((d for d in (a.ends_on, b.ends_on) if d), default=None)
    if first is not None and last is not None and first > last:
        return False
    # Both patterns repeat every lcm(every_weeks) weeks: one cycle from a common date is enough.
    if first is None:
        first = a.first_day or b.first_day or _next_weekday(datetime.date(2000, 1, 3), a.weekday)
    cycle = math.lcm(a.every_weeks, b.every_weeks)
    for week in range(cycle):
        day = first + datetime.timedelta(weeks=week)
        if last is not None and day > last:
            return False
        if slot_applies(a, day) and slot_applies(b, day):
            return True
    return False


def overlapping_slots(slots):
    """The pairs of indexes of `slots` that overlap."""
    return [(i, j) for i, a in enumerate(slots) for j in range(i + 1, len(slots)) if slots_overlap(a, slots[j])]


def _next_weekday(day, weekday):
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


# What residents read ----------------------------------------------------------


def next_openings(stop, now, count=8, horizon_days=366):
    """The openings of `stop` from `now` until its `count`-th coming open one, cancelled ones included."""
    today = now.astimezone(PARIS).date()
    upcoming = []
    open_count = 0
    for opening in openings(today, today + datetime.timedelta(days=horizon_days), [stop]):
        if opening.ends_at <= now:
            continue
        upcoming.append(opening)
        open_count += opening.is_open
        if open_count == count:
            break
    return upcoming


class Status(NamedTuple):
    """What a resident wants to know first: is it open now, when does it open next, and
    what was cancelled today and why."""

    open_now: Opening | None
    next_opening: Opening | None
    cancelled_today: list


def status(upcoming, now):
    """The Status of a stop at `now`, from its next openings (`next_openings`)."""
    today = now.astimezone(PARIS).date()
    return Status(
        open_now=next((o for o in upcoming if o.is_open_at(now)), None),
        next_opening=next((o for o in upcoming if o.is_open and o.starts_at > now), None),
        cancelled_today=[o for o in upcoming if not o.is_open and o.date == today],
    )


class Run(NamedTuple):
    """One open opening, or cancelled openings in a row with the same reason."""

    openings: list
    # Cancelled, with nothing open on its first or last day: the days are closed, not some hours.
    closed_all_day: bool

    @property
    def first(self):
        return self.openings[0]

    @property
    def last(self):
        return self.openings[-1]


def cancelled_runs(upcoming):
    """Group consecutive cancelled openings with the same reason, for a compact list."""
    groups = []
    for opening in upcoming:
        if groups and not opening.is_open and not groups[-1][0].is_open and groups[-1][0].reason == opening.reason:
            groups[-1].append(opening)
        else:
            groups.append([opening])
    open_days = {opening.date for opening in upcoming if opening.is_open}
    return [Run(group, not group[0].is_open and not {group[0].date, group[-1].date} & open_days) for group in groups]
