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

import bisect
import datetime
import gc
import math
from collections import defaultdict
from contextlib import contextmanager
from functools import lru_cache
from itertools import compress, repeat
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Q, QuerySet
from django.db.models.functions import Collate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from stops.models import Closure, ClosureReason, ExtraOpening, SchoolHoliday, Stop, WeeklySlot

PARIS = ZoneInfo("Europe/Paris")
OPEN = "open"
CANCELLED = "cancelled"
SCHOOL_HOLIDAYS_REASON = gettext_noop("Vacances scolaires")
PUBLIC_HOLIDAY_REASON = gettext_noop("Jour férié : %(name)s")


# The fields of a stop that openings() reads.
STOP_FIELDS = ("id", "name", "organisation_id", "postcode", "school_holidays_zone", "closed_on_public_holidays")


def stop_values(stops, *more):
    """`stops` (a queryset) as rows of the fields openings() reads, and of `more`: for a caller that
    writes values only, such as the API. Openings name such a row as their stop (`opening.stop.name`,
    `opening.stop.slug`...), and 3,000 rows load in a third of the time of 3,000 `Stop` objects."""
    return stops.values_list(*STOP_FIELDS, *more, named=True)


class Slot(NamedTuple):
    """A weekly slot as `openings()` loads it: the fields of a `WeeklySlot` row, without a model instance
    (the national year's 6,000 instances took three times as long as their values). An opening names
    the slot it comes from with it."""

    id: int
    stop_id: int
    weekday: int
    start: datetime.time
    end: datetime.time
    every_weeks: int
    starts_on: datetime.date | None
    ends_on: datetime.date | None

    @property
    def pk(self):
        return self.id

    first_day = WeeklySlot.first_day


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
    slot: Slot | None = None
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

    Sorted by date, start time and stop name (compared character by character); openings alike in those
    in the order their slots were made. `stops` may be a queryset or a list, of `Stop` objects or of rows
    (`stop_values`).
    """
    # Paused from the loading on: the thousands of objects loaded would otherwise set off collections,
    # of what the caller holds too, before the openings are even made.
    with gc_paused():
        return _openings(start, end, stops, Opening)


def opening_fields(start, end, stops=None):
    """The same openings as `openings()`, each as a tuple of an Opening's fields in their order, for
    a caller that only unpacks them (the API writes 24,000 for a month of every stop): an Opening
    takes longer to make than its fields. An extra opening may be an Opening: a tuple too."""
    with gc_paused():
        return _openings(start, end, stops, None)


def _openings(start, end, stops, make):
    if stops is None:
        stops = Stop.objects.active()
    stop_list = list(stops)
    if not stop_list or end < start:
        return []
    stop_filter = stops.values("pk") if isinstance(stops, QuerySet) else [stop.id for stop in stop_list]
    calendar = _Calendar(start, end, stop_list, stop_filter)
    # In (start, stop name) order, the slots give each day's openings in that order: names compared
    # character by character, as Python compares them (the "C" collation), and the database sorts them.
    rows = WeeklySlot.objects.filter(stop__in=stop_filter).order_by("start", Collate("stop__name", "C"), "pk")
    slots = list(_made(Slot, rows.values_list(*Slot._fields)))
    extras = ExtraOpening.objects.filter(stop__in=stop_filter, date__range=(start, end))
    extras = list(extras.values_list("stop_id", "date", "start", "end", "reason", named=True))
    return calendar.openings(slots, extras, make)


@contextmanager
def gc_paused():
    """Hundreds of thousands of openings, none of them in a reference cycle: the cyclic
    garbage collector would only rescan them again and again while they are made."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def closures_of(stop):
    """The closures that apply to `stop`: its own, its organisation's of every stop, and the
    country's (those `openings()` applies, grouped the same way by `_Calendar`)."""
    return Closure.objects.filter(
        Q(stop=stop) | Q(stop=None, organisation=stop.organisation_id) | Q(stop=None, organisation=None)
    )


def _made(kind, fields):
    """Each tuple of `fields` made a `kind`: kind._make without its check of the number of fields
    (the engine gives them all), through `map` with no function of ours in between."""
    return map(tuple.__new__, repeat(kind), fields)


def _day_order(opening):
    return (opening[2], opening[0].name)  # start, stop's name: of an Opening or of its fields


class _Calendar:
    """The days of a range and what each brings to each stop, loaded once for `openings()`.

    Days are numbered from 0, the first of the range. For each stop, `columns` gives one list per
    field of its openings (status, reason, reason kind, school holidays known), indexed by day: the
    stops with the same holidays and the same organisation share them, and a slot's openings are
    slices of them, one day in every 7 × `every_weeks`.
    """

    def __init__(self, start, end, stop_list, stop_filter):
        self.start = start
        self.day_count = (end - start).days + 1
        # `id` rather than `pk` (a property): a plain attribute, read for each stop.
        self.stops = {stop.id: stop for stop in stop_list}
        closures = _closed_days(start, end, stop_filter)
        national = closures.pop(None, {})
        zones = {stop.school_holidays_zone for stop in stop_list if stop.school_holidays_zone}
        school_days, known_until = _school_holiday_days(zones, start, end)
        # (zone, subdivision whose public holidays close it, or False) -> its columns, with the closures of
        # every stop of the country; then (the same, organisation id) -> with those of the organisation's.
        of_holidays, of_group = {}, {}
        of_stop = self.columns = {}
        for stop in stop_list:
            key = (
                stop.school_holidays_zone,
                stop.closed_on_public_holidays and public_holidays_subdivision(stop.postcode),
                stop.organisation_id,
            )
            if (columns := of_group.get(key)) is None:
                zone, subdivision, organisation = key
                if (holidays := of_holidays.get(key[:2])) is None:
                    known = self._days_until(known_until.get(zone) if zone else datetime.date.max)
                    reasons = _holidays(start, end, school_days.get(zone, ()), subdivision)
                    holidays = of_holidays[key[:2]] = (
                        _Columns.opening(self.day_count, known).cancelled(reasons).cancelled(national)
                    )
                columns = of_group[key] = holidays.cancelled(closures.get(("organisation", organisation)))
            own = closures.get(("stop", stop.id))
            of_stop[stop.id] = columns.cancelled(own) if own else columns

    def _days_until(self, last):
        """How many days of the range are on or before `last` (None: none of them)."""
        if last is None:
            return 0
        return max(0, min(self.day_count, (last - self.start).days + 1))

    def openings(self, slots, extras, make):
        """The openings of `slots` (in their order for a day) and of `extras`, in order.

        The days fall in 7 rows by their number modulo 7, one weekday each, and each row in weeks. A
        row holds the slots of its weekday, with for each slot and week whether it applies and what
        the columns of its stop say. Turned into one tuple per week with `zip(*...)`, they give each
        day's openings, made in the order they are returned, of the class `make` (None: left as the
        tuples of their fields).
        """
        day_count, start = self.day_count, self.start
        rows = [_Row(number, len(range(number, day_count, 7))) for number in range(7)]
        has_extras = {extra.stop_id for extra in extras}
        places = defaultdict(list)  # stop id -> [(row, position)] of its slots, for the stops with extras
        weekday = start.weekday()
        last_day = day_count - 1
        stops, columns = self.stops, self.columns
        for slot in slots:
            _, stop_id, slot_weekday, slot_start, slot_end, every, starts_on, ends_on = slot
            # Most slots apply from the first of their weekdays in the range: no date to compute.
            if starts_on is None:
                first = (slot_weekday - weekday) % 7
            else:
                # Its first day (its first weekday from `starts_on`), then, if that is before the range,
                # the first of its days in the range: one in every 7 × `every` days from it.
                first = (starts_on - start).days
                first += (slot_weekday - weekday - first) % 7
                if first < 0:
                    first %= 7 * every
            last = min((ends_on - start).days, last_day) if ends_on else last_day
            if first > last:
                continue
            number = first % 7
            row = rows[number]
            if stop_id in has_extras:
                places[stop_id].append((row, len(row.entries)))
            # It applies on week `first // 7` and every `every` weeks for `more` weeks.
            week, more = first // 7, (last - first) // 7
            count = more // every + 1
            if count == row.weeks:
                applies = row.every_week
            else:
                applies = [False] * row.weeks
                applies[week : week + more + 1 : every] = [True] * count
            of_stop = columns[stop_id]
            fields = of_stop.rows.get(number) or of_stop.of_row(number)
            row.entries.append((slot, stops[stop_id], slot_start, slot_end, applies, fields))

        extras_of_day = defaultdict(list)
        for extra in extras:
            index = (extra.date - start).days
            opening = Opening(
                self.stops[extra.stop_id],
                extra.date,
                extra.start,
                extra.end,
                OPEN,
                extra.reason or None,
                True,
                self.columns[extra.stop_id].known[index],
            )
            # It replaces the openings of its stop that it overlaps: usual ones, and extra ones before it.
            for row, position in places[extra.stop_id]:
                if row is rows[index % 7] and hours_overlap(opening, row.slot(position)):
                    row.cancel(position, index // 7)
            extras_of_day[index] = [
                *(o for o in extras_of_day[index] if not (o.stop.id == extra.stop_id and hours_overlap(opening, o))),
                opening,
            ]

        for row in rows:
            row.transpose()
        found = []
        first_ordinal = start.toordinal()
        for index in range(day_count):
            row = rows[index % 7]
            if not row.slots and index not in extras_of_day:
                continue  # no opening that day: a stop's feed has some on two or three days a week
            made = row.cells(datetime.date.fromordinal(first_ordinal + index), index // 7)
            if make is not None:
                made = _made(make, made)
            if index in extras_of_day:
                made = list(made)
                for opening in extras_of_day[index]:
                    bisect.insort_right(made, opening, key=_day_order)
            found += made
        return found


class _Row:
    """The slots of one weekday over the weeks of a range (see `_Calendar.openings()`)."""

    __slots__ = (
        *("applies", "ends", "entries", "every_week", "kind", "known", "number"),
        *("reason", "slots", "starts", "status", "stops", "weeks"),
    )

    def __init__(self, number, weeks):
        # Its days are numbered `number` + 7 × week.
        self.number = number
        self.weeks = weeks
        self.every_week = [True] * weeks
        # For each slot: (slot, stop, start, end, whether it applies each week, (status, reason, known,
        # kind) with one value a week). Then, transposed, a tuple of each for the slots, and for each
        # week, a tuple of what each slot gives (`known`: None when every day's school holidays are known).
        self.entries = []
        self.slots = self.stops = self.starts = self.ends = None
        self.applies = self.status = self.reason = self.known = self.kind = None

    def slot(self, position):
        return self.entries[position][0]

    def cancel(self, position, week):
        entry = self.entries[position]
        if entry[4] is self.every_week:
            entry = self.entries[position] = (*entry[:4], self.every_week.copy(), entry[5])
        entry[4][week] = False

    def transpose(self):
        if not self.entries:
            self.slots = self.stops = self.starts = self.ends = ()
            self.applies = self.status = self.reason = self.known = self.kind = [()] * self.weeks
            return
        self.slots, self.stops, self.starts, self.ends, applies, fields = zip(*self.entries, strict=True)
        self.applies = list(zip(*applies, strict=True))
        status, reason, known, kind = zip(*fields, strict=True)
        self.status, self.reason, self.kind = (list(zip(*field, strict=True)) for field in (status, reason, kind))
        # Most often, every day's school holidays are known: nothing to transpose (the stops with the same
        # columns share their lists).
        everywhere_known = all(map(all, {id(days): days for days in known}.values()))
        self.known = None if everywhere_known else list(zip(*known, strict=True))

    def cells(self, day, week):
        """The fields of the openings of `day`, in week `week`."""
        return compress(
            zip(
                self.stops,
                repeat(day),
                self.starts,
                self.ends,
                self.status[week],
                self.reason[week],
                repeat(False),
                repeat(True) if self.known is None else self.known[week],
                self.slots,
                self.kind[week],
            ),
            self.applies[week],
        )


class _Columns:
    """For each day of a range, what an opening of some stops is: open or cancelled, why, and whether
    the school holidays of their zone are known."""

    __slots__ = ("kind", "known", "reason", "rows", "status")

    def __init__(self, status, reason, kind, known):
        self.status = status
        self.reason = reason
        self.kind = kind
        self.known = known
        self.rows = {}

    def of_row(self, number):
        """(status, reason, known, kind) of the days numbered `number` + 7 × week, week by week."""
        if number not in self.rows:
            self.rows[number] = tuple(column[number::7] for column in (self.status, self.reason, self.known, self.kind))
        return self.rows[number]

    @classmethod
    def opening(cls, count, known):
        """`count` days open, the first `known` of them with their school holidays known."""
        return cls([OPEN] * count, [None] * count, [None] * count, [True] * known + [False] * (count - known))

    def cancelled(self, reasons):
        """These columns, with the days of `reasons` ({day: (reason kind, reason)}) cancelled."""
        if not reasons:
            return self
        status, reason, kind = self.status.copy(), self.reason.copy(), self.kind.copy()
        for index, (why, text) in reasons.items():
            status[index] = CANCELLED if text else OPEN
            reason[index] = text
            kind[index] = why
        return _Columns(status, reason, kind, self.known)


def _closed_days(start, end, stop_filter):
    """{whose: {day: (reason kind, reason)}} of the closures over [start, end], days numbered from `start`.

    `whose` is ("stop", id), ("organisation", id) for every stop of one, or None for every stop of the
    country. Where closures of the same owner overlap, the first to begin (then the first created) says why.
    """
    closed = defaultdict(dict)
    reasons = {}  # (reason kind, reason as typed) -> (reason kind, what the public reads)
    rows = (
        Closure.objects.filter(Q(stop__isnull=True) | Q(stop__in=stop_filter), first_day__lte=end, last_day__gte=start)
        .order_by("first_day", "pk")
        .values_list("stop_id", "organisation_id", "first_day", "last_day", "reason_kind", "reason")
    )
    for stop_id, organisation_id, first_day, last_day, kind, typed in rows:
        whose = ("stop", stop_id) if stop_id else ("organisation", organisation_id) if organisation_id else None
        if (reason := reasons.get((kind, typed))) is None:
            reason = reasons[kind, typed] = (kind, Closure(reason_kind=kind, reason=typed).public_reason)
        days = closed[whose]
        for index in range((max(first_day, start) - start).days, (min(last_day, end) - start).days + 1):
            days.setdefault(index, reason)
    return closed


def _holidays(start, end, school_days, subdivision):
    """{day: (reason kind, reason)} of the school holidays `school_days` (days numbered from `start`) and,
    unless `subdivision` is False, of the public holidays of `subdivision`."""
    reasons = dict.fromkeys(school_days, (ClosureReason.SCHOOL_HOLIDAYS, _(SCHOOL_HOLIDAYS_REASON)))
    if subdivision is not False:
        for year in range(start.year, end.year + 1):
            for day, name in sorted(_public_holidays(year, subdivision).items()):
                if start <= day <= end:
                    reasons[(day - start).days] = (
                        ClosureReason.PUBLIC_HOLIDAY,
                        _(PUBLIC_HOLIDAY_REASON) % {"name": name},
                    )
    return reasons


def _school_holiday_days(zones, start, end):
    """({zone: set of its days of school holidays}, {zone: last day known}), days numbered from `start`."""
    days = {zone: set() for zone in zones}
    known_until = {}
    if not zones:
        return days, known_until
    # Every period still running or to come: those in range, and the last one known.
    periods = SchoolHoliday.objects.filter(zone__in=zones, last_day__gte=start)
    for zone, first_day, last_day in periods.values_list("zone", "first_day", "last_day"):
        known_until[zone] = max(known_until.get(zone, last_day), last_day)
        days[zone].update(range((max(first_day, start) - start).days, (min(last_day, end) - start).days + 1))
    return days, known_until


def each_day(first, last):
    """Every date from `first` to `last` included."""
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


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
    last = min(end, slot.ends_on) if slot.ends_on else end
    day = _first_day(slot, start)
    step = datetime.timedelta(weeks=slot.every_weeks)
    while day <= last:
        yield day
        day += step


def _first_day(slot, start):
    """The first date on or after `start` on which the slot applies, were it never to end."""
    first_day = slot.first_day
    day = _next_weekday(max(start, first_day) if first_day else start, slot.weekday)
    if first_day and slot.every_weeks > 1:
        day += datetime.timedelta(weeks=-((day - first_day).days // 7) % slot.every_weeks)
    return day


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
