"""Every figure of the activity of the Mairie mobile, for a period, all stops or one, all partners or one.

The views only render what `compute()` returns, and the exports write the same
figures. A visit counts on its service day (its arrival), even when it ends after
midnight; waiting is measured from arrival to the start of the accompaniment, to the
minute.

Figures are sums of counters (`Tally`): counts by step, month, weekday and hour, stop,
age band, place, partner, procedure and outcome, and minute-by-minute histograms of
waits and accompaniments, from which medians and percentiles are read; and what the service
commitments are measured from (visits/quality.py): the minutes before a visitor was received
or left, and the notice of each cancelled opening. A day's visits
seldom change once the day is over (corrections are made the same day), so each past
day's tally is kept (`DailyActivity`, written nightly): a year of every stop adds up
365 tallies instead of reading a million visits. When a visit left in progress is
finished on a later day, its day is counted again (`count_day_again`). The days not
kept yet, and the figures of one stop or one partner, are counted from the visits
themselves. Either way the number of queries does not depend on the period or the
number of stops.
"""

import datetime
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter

from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, FloatField, Func, IntegerField, OuterRef, When
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, Least, Round, TruncMonth
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from partners.models import Partner, Procedure
from stops import opening_counts
from stops.models import SmsSent, Stop, Weekday
from stops.schedule import each_day
from visits.models import AgeBand, DailyActivity, Demand, Status, Visit

WEEKDAYS = [str(capfirst(label)) for label in Weekday.labels]
ONE_MINUTE = datetime.timedelta(minutes=1)
TOP = 15  # procedures, stops and places listed on the page (exports have them all)


@dataclass(frozen=True)
class Filters:
    start: datetime.date
    end: datetime.date
    stop: Stop | None = None
    partner: Partner | None = None
    # The organisations whose activity is counted (a queryset); None: every one (the national administrator).
    organisations: object = None


def quick_periods(today):
    """(key, label, first day, last day) of the periods a coordinator asks for most."""
    this_month = opening_counts.month_start(today)
    last_month = opening_counts.previous_month(today)
    school_year = today.year if today.month >= 9 else today.year - 1  # the one under way starts in September
    return [
        ("this-month", _("Ce mois-ci"), this_month, today),
        ("last-month", _("Le mois dernier"), last_month, this_month - datetime.timedelta(days=1)),
        ("this-year", _("Cette année"), today.replace(month=1, day=1), today),
        (
            "last-school-year",
            _("L'année scolaire %(first)s-%(last)s") % {"first": school_year - 1, "last": school_year},
            datetime.date(school_year - 1, 9, 1),
            datetime.date(school_year, 8, 31),
        ),
    ]


# Counting ------------------------------------------------------------------------------

TALLY_FIELDS = [
    "status",  # step at the end of the visit -> visits
    "first",  # "yes" / "no" -> visits where it is known
    "age",  # age band -> visits where it is known
    "arrival_hours",  # "weekday-hour" of arrival (ISO weekday, Paris hour) -> visits
    "months",  # "YYYY-MM" -> visits
    "stops",  # stop id -> visits
    "places",  # arrondissement or commune -> visits where it is known
    "waits",  # minutes from arrival to accompaniment -> visits
    "durations",  # minutes of a finished accompaniment -> visits
    "demands",  # "partner id|procedure id or empty|outcome" -> demands
    "demand_months",  # "YYYY-MM" -> demands
    "received",  # minutes from arrival to the first step with an agent, rounded up -> visits (not oriented)
    "left_unreceived",  # minutes from arrival to leaving, never received, rounded down -> visits
    "cancellations",  # hours of notice of a cancelled opening, rounded down (negative: after its start) -> openings
]
# What a kept day's tally holds: a day kept before a field was added is counted again from
# the visits (`tally_of`) until the nightly task keeps it again (`keep_stale_days`).
TALLY_VERSION = 2
STALE_DAYS_A_NIGHT = 60


class Tally(dict):
    """Counters that add up: those of a period are the sum of those of its days. JSON as it is."""

    def __init__(self, data=None):
        super().__init__({name: Counter((data or {}).get(name, {})) for name in TALLY_FIELDS})

    def __iadd__(self, other):
        for name in TALLY_FIELDS:
            self[name].update(other[name])
        return self


def count(visits, demands):
    """The tally of these visits and demands, in seven grouped queries."""
    return _count(visits, demands)[None]


def count_by_organisation(visits, demands):
    """{organisation id: the tally of the visits and demands at its stops}, in the same seven queries."""
    return dict(_count(visits, demands, "stop__organisation", "visit__stop__organisation"))


def count_by_month(visits, demands):
    """{first day of a month: the tally of its visits and demands}, in the same seven queries."""
    month = TruncMonth("service_day")
    return dict(_count(visits.annotate(tally_month=month), demands.annotate(tally_month=month), "tally_month"))


def _count(visits, demands, key=None, demand_key=None):
    """{the `key` of a group (None without one): tally}."""
    demand_key = demand_key or key
    tallies = defaultdict(Tally)
    facets = visits.annotate(month=TruncMonth("service_day"))
    for group, month, status, age_band, first_visit, n in _grouped(
        facets, key, "month", "status", "age_band", "first_visit"
    ):
        tally = tallies[group]
        tally["status"][status] += n
        tally["months"][f"{month:%Y-%m}"] += n
        if age_band:
            tally["age"][age_band] += n
        if first_visit is not None:
            tally["first"]["yes" if first_visit else "no"] += n
    for group, weekday, hour, n in _grouped(visits, key, ExtractIsoWeekDay("service_day"), ExtractHour("arrived_at")):
        tallies[group]["arrival_hours"][f"{weekday}-{hour}"] += n
    for group, stop_id, n in _grouped(visits, key, "stop"):
        tallies[group]["stops"][str(stop_id)] += n
    for group, place, n in _grouped(visits.exclude(residence=""), key, "residence"):
        tallies[group]["places"][place] += n
    for group, wait, minutes, n in _minutes(visits, key):
        if wait is not None:
            tallies[group]["waits"][str(int(wait))] += n
        if minutes is not None:
            tallies[group]["durations"][str(minutes)] += n
    for group, received, left, n in _reception(visits.exclude(status=Status.ORIENTED), key):
        if received is not None:
            tallies[group]["received"][str(received)] += n
        elif left is not None:
            tallies[group]["left_unreceived"][str(left)] += n
    months = demands.annotate(month=TruncMonth("service_day"))
    for group, partner, procedure, outcome, month, n in _grouped(
        months, demand_key, "partner", "procedure", "outcome", "month"
    ):
        tallies[group]["demands"][f"{partner}|{procedure or ''}|{outcome}"] += n
        tallies[group]["demand_months"][f"{month:%Y-%m}"] += n
    return tallies


def _grouped(queryset, key, *fields):
    """(the `key` of the group or None, *fields, count) of each group of `queryset` by `fields` (and `key`)."""
    rows = queryset.values_list(*[key] if key else [], *fields).annotate(n=Count("pk"))
    return rows if key else ((None, *row) for row in rows)


def _minutes(visits, key):
    """(group, minutes from arrival to accompaniment, minutes of a finished accompaniment, count): the
    histograms of waits and durations, to the minute."""
    duration = Case(When(status=Status.DONE, then=F("accompagnement_minutes")))
    if connection.vendor == "postgresql":
        wait = Round(
            Func(
                F("accompagnement_started_at") - F("arrived_at"),
                template="EXTRACT(EPOCH FROM %(expressions)s) / 60",
                output_field=FloatField(),
            )
        )
        return _grouped(visits, key, wait, duration)
    # SQLite (development): the difference of two instants, rounded in Python
    rows = Counter()
    fields = ("arrived_at", "accompagnement_started_at", duration)
    for group, arrived, started, minutes, n in _grouped(visits, key, *fields):
        rows[group, round((started - arrived).total_seconds() / 60) if started else None, minutes] += n
    return [(*row, n) for row, n in rows.items()]


def _reception(visits, key):
    """(group, minutes before being received rounded up, minutes before leaving unreceived rounded
    down, count). Received: the start of the déblayage, or of the accompaniment without one.
    Rounded up, a wait of 19 min 59 s is 20 minutes: within 20. Rounded down, someone who left
    after 19 min 59 s had not waited 20 minutes."""
    if connection.vendor == "postgresql":
        received = Least("deblayage_started_at", "accompagnement_started_at")
        left = Case(When(status=Status.LEFT, then=F("ended_at")))
        rows = _grouped(visits, key, _minutes_since_arrival(received, "CEIL"), _minutes_since_arrival(left, "FLOOR"))
        return [(group, _int(received), _int(left), n) for group, received, left, n in rows]
    rows = Counter()
    fields = ("deblayage_started_at", "accompagnement_started_at", "ended_at", "status", "arrived_at")
    for group, deblayage, accompagnement, ended, status, arrived, n in _grouped(visits, key, *fields):
        received = min((moment for moment in (deblayage, accompagnement) if moment), default=None)
        left = ended if status == Status.LEFT and not received else None
        rows[
            group,
            math.ceil((received - arrived) / ONE_MINUTE) if received else None,
            math.floor((left - arrived) / ONE_MINUTE) if left else None,
        ] += n
    return [(*row, n) for row, n in rows.items()]


def _int(value):
    return None if value is None else int(value)


def _minutes_since_arrival(moment, rounding):
    return Func(
        moment - F("arrived_at"),
        template=f"{rounding}(EXTRACT(EPOCH FROM %(expressions)s) / 60)",
        output_field=IntegerField(),
    )


def _add_cancellations(tallies, cancellations, key):
    for cancellation in cancellations:
        tallies[key(cancellation)]["cancellations"][str(cancellation.notice_hours)] += 1


def keep_day(day):
    """Keep the tallies of a day that is over (the nightly task; `summarize_activity` for past days):
    one per organisation that had visitors or cancelled an opening, and the country's, which marks
    the day as kept."""
    by_organisation = defaultdict(
        Tally, count_by_organisation(Visit.objects.filter(service_day=day), Demand.objects.filter(service_day=day))
    )
    _add_cancellations(by_organisation, opening_counts.cancellations(day, day), key=attrgetter("organisation_id"))
    national = Tally()
    for tally in by_organisation.values():
        national += tally
    with transaction.atomic():
        DailyActivity.objects.filter(day=day, organisation__isnull=False).delete()
        DailyActivity.objects.bulk_create(
            DailyActivity(day=day, organisation_id=organisation_id, figures=_versioned(tally))
            for organisation_id, tally in by_organisation.items()
        )
        DailyActivity.objects.update_or_create(day=day, organisation=None, defaults={"figures": _versioned(national)})
    return national


def _versioned(tally):
    return {**tally, "version": TALLY_VERSION}


def _kept(rows):
    """The kept days' rows whose tallies hold every field of today's (`TALLY_VERSION`)."""
    return rows.filter(figures__version=TALLY_VERSION)


def count_again_once_saved(visit):
    """A visit of a day already counted moved (left in progress, it was finished later): count
    its day again once the move is saved. Should that fail, the move stands: the
    `summarize_activity` command counts days again by hand."""
    if visit.is_of_an_earlier_day:
        transaction.on_commit(partial(count_day_again, visit.service_day), robust=True)


def count_day_again(day):
    """Count a kept day again: one of its visits, left in progress, was finished later.
    A day not kept yet is left to the nightly task."""
    with transaction.atomic():
        # Locked, then counted: of two visits of the day finished at once, the second count sees both.
        if DailyActivity.objects.select_for_update().filter(day=day, organisation=None).exists():
            keep_day(day)


def keep_recent_days(today, days=7):
    """Keep the tallies of the last `days` days that are not kept yet; returns how many were kept."""
    first = today - datetime.timedelta(days=days)
    kept = set(DailyActivity.objects.filter(day__gte=first, organisation=None).values_list("day", flat=True))
    missing = [day for day in each_day(first, today - datetime.timedelta(days=1)) if day not in kept]
    for day in missing:
        keep_day(day)
    return len(missing)


def stale_days(limit=None):
    """The kept days whose tallies are of an older version, newest first (at most `limit`)."""
    national = DailyActivity.objects.filter(organisation=None)
    stale = national.exclude(pk__in=_kept(national).values("pk")).order_by("-day").values_list("day", flat=True)
    return list(stale[:limit] if limit else stale)


def keep_stale_days(limit=STALE_DAYS_A_NIGHT):
    """Keep again the newest `limit` days kept with an older version of the tallies (nightly: a
    few at a time, so that an upgrade does not make one night's task last hours); returns how
    many. Meanwhile those days are counted from the visits: right, only slower."""
    days = stale_days(limit)
    for day in days:
        keep_day(day)
    return len(days)


def tally_of(filters):
    """The tally of the period: kept days added up, the others counted from the visits."""
    tally = Tally()
    for month_tally in tallies_by_month(filters).values():
        tally += month_tally
    return tally


def tallies_by_month(filters):
    """{first day of a month: its tally} over the period, from the kept days (of the current version)
    and, for the other days, from the visits and the schedule's changes: the same queries
    whatever the number of months, stops or visits."""
    visits, demands = _visits(filters), _demands(filters)
    tallies = defaultdict(Tally)
    others = None  # every day of the period
    if filters.stop is None and filters.partner is None:
        period = _kept(DailyActivity.objects.filter(day__range=(filters.start, filters.end)))
        national = period.filter(organisation=None)
        rows = national if filters.organisations is None else period.filter(organisation__in=filters.organisations)
        for day, figures in rows.values_list("day", "figures"):
            tallies[opening_counts.month_start(day)] += Tally(figures)
        # A day is kept once the country's row is: an organisation without activity that day has none.
        kept = set(national.values_list("day", flat=True))
        # Only the days not kept are read, by the index on the day (today, usually).
        others = [day for day in each_day(filters.start, filters.end) if day not in kept]
        visits, demands = visits.filter(service_day__in=others), demands.filter(service_day__in=others)
    for month, tally in count_by_month(visits, demands).items():
        tallies[month] += tally
    if others is None or others:
        first, last = (min(others), max(others)) if others else (filters.start, filters.end)
        found = opening_counts.cancellations(first, last, stops_of(filters))
        wanted = None if others is None else set(others)
        _add_cancellations(
            tallies,
            [c for c in found if wanted is None or c.date in wanted],
            key=lambda cancellation: opening_counts.month_start(cancellation.date),
        )
    return tallies


def stops_of(filters):
    """The stops whose openings the figures count (a partner's figures count every opening)."""
    if filters.stop:
        return [filters.stop]
    if filters.organisations is not None:
        return Stop.objects.filter(organisation__in=filters.organisations)
    return None


def _visits(filters):
    visits = Visit.objects.filter(service_day__range=(filters.start, filters.end))
    if filters.organisations is not None:
        visits = visits.filter(stop__organisation__in=filters.organisations)
    if filters.stop:
        visits = visits.filter(stop=filters.stop)
    if filters.partner:
        visits = visits.filter(Exists(Demand.objects.filter(visit=OuterRef("pk"), partner=filters.partner)))
    return visits


def _demands(filters):
    demands = Demand.objects.filter(service_day__range=(filters.start, filters.end))
    if filters.organisations is not None:
        demands = demands.filter(visit__stop__organisation__in=filters.organisations)
    if filters.stop:
        demands = demands.filter(visit__stop=filters.stop)
    if filters.partner:
        demands = demands.filter(partner=filters.partner)
    return demands


# The figures ---------------------------------------------------------------------------


class Rates:
    """Visits per opening and per hour open, from `visits`, `openings` and `open_minutes`."""

    @property
    def per_opening(self):
        return self.visits / self.openings if self.openings else None

    @property
    def per_hour(self):
        return self.visits * 60 / self.open_minutes if self.open_minutes else None


@dataclass
class StopActivity(Rates):
    stop_id: int
    name: str
    organisation: str
    visits: int
    openings: int
    open_minutes: int


@dataclass
class Statistics(Rates):
    filters: Filters
    visits: int = 0
    oriented: int = 0
    left: int = 0
    to_come_back: int = 0
    done: int = 0
    first_visits: int = 0
    first_visit_known: int = 0
    demands: int = 0
    waiting: tuple = (None, None)  # median, 90th percentile, in minutes
    duration: tuple = (None, None)
    by_partner: list = field(default_factory=list)  # (partner, demands), busiest first
    by_procedure: list = field(default_factory=list)  # (label, demands)
    outcomes: list = field(default_factory=list)  # (label, demands)
    by_stop: list = field(default_factory=list)  # StopActivity, busiest first
    monthly: list = field(default_factory=list)  # (month, visits, demands, SMS sent), every month of the period
    heatmap: list = field(default_factory=list)  # rows (weekday label, [counts by hour])
    hours: list = field(default_factory=list)
    age_bands: list = field(default_factory=list)  # (label, visits)
    residences: list = field(default_factory=list)  # (place, visits)
    tally: Tally = field(default_factory=Tally, repr=False)  # what the figures were read from

    @property
    def by_organisation(self):
        """[(organisation, visits, openings)], busiest first: added up from the stops'."""
        totals = defaultdict(lambda: [0, 0])
        for stop in self.by_stop:
            totals[stop.organisation][0] += stop.visits
            totals[stop.organisation][1] += stop.openings
        return sorted(((name, *counts) for name, counts in totals.items()), key=lambda row: (-row[1], row[0]))

    @property
    def oriented_share(self):
        return self.oriented / self.visits if self.visits else None

    @property
    def left_share(self):
        return self.left / self.visits if self.visits else None

    @property
    def openings(self):
        return sum(s.openings for s in self.by_stop)

    @property
    def open_minutes(self):
        return sum(s.open_minutes for s in self.by_stop)


def compute(filters):
    tally = tally_of(filters)
    status = tally["status"]
    result = Statistics(
        filters,
        visits=sum(status.values()),
        oriented=status[Status.ORIENTED],
        left=status[Status.LEFT],
        to_come_back=status[Status.TO_COME_BACK],
        done=status[Status.DONE],
        first_visits=tally["first"]["yes"],
        first_visit_known=tally["first"]["yes"] + tally["first"]["no"],
        waiting=percentiles(tally["waits"]),
        duration=percentiles(tally["durations"]),
        age_bands=[(str(label), tally["age"][value]) for value, label in AgeBand.choices],
        residences=sorted(tally["places"].items(), key=lambda row: (-row[1], row[0])),
        tally=tally,
    )
    result.hours, result.heatmap = _heatmap(tally["arrival_hours"])
    _demand_figures(result, tally, filters.organisations)
    sms = _sms_by_month(filters)
    result.monthly = [
        (month, tally["months"][f"{month:%Y-%m}"], tally["demand_months"][f"{month:%Y-%m}"], sms[month])
        for month in opening_counts.months(filters.start, filters.end)
    ]
    result.by_stop = _by_stop(tally["stops"], filters)
    return result


def _sms_by_month(filters):
    """{first day of a month: SMS sent} by the organisations of `filters` (SMS are an organisation's,
    not a stop's): one query."""
    sent = SmsSent.objects.filter(day__range=(filters.start, filters.end))
    if filters.organisations is not None:
        sent = sent.filter(organisation__in=filters.organisations)
    rows = sent.annotate(month=TruncMonth("day")).values("month").annotate(n=Count("pk")).values_list("month", "n")
    return Counter(dict(rows))


def _demand_figures(result, tally, organisations):
    by_partner, by_procedure, by_outcome = Counter(), Counter(), Counter()
    for key, n in tally["demands"].items():
        partner, procedure, outcome = key.split("|")
        by_partner[int(partner)] += n
        by_procedure[int(partner), int(procedure) if procedure else None] += n
        by_outcome[outcome] += n
    result.demands = sum(by_partner.values())
    # Those counted, and those that could have been: the active national ones and the organisations' own.
    shown = Partner.objects.filter(pk__in=list(by_partner)) | Partner.objects.active().national_or_of(organisations)
    partners = {partner.pk: partner for partner in shown.order_by("position", "name")}
    result.by_partner = sorted(((p, by_partner[pk]) for pk, p in partners.items()), key=lambda row: -row[1])
    labels = dict(Procedure.objects.filter(pk__in=[pk for _p, pk in by_procedure if pk]).values_list("pk", "label"))
    result.by_procedure = sorted(
        (
            (
                _("%(partner)s – %(procedure)s")
                % {"partner": partners[partner].short_name, "procedure": labels.get(procedure, _("autre démarche"))},
                n,
            )
            for (partner, procedure), n in by_procedure.items()
        ),
        key=lambda row: (-row[1], row[0]),
    )
    result.outcomes = [(str(label), by_outcome[value]) for value, label in Demand.Outcome.choices]


def _by_stop(visits_by_stop, filters):
    opened = opening_counts.totals(filters.start, filters.end, stops_of(filters))
    ids = {int(pk) for pk in visits_by_stop} | set(opened)
    names = {
        pk: (name, organisation)
        for pk, name, organisation in Stop.objects.filter(pk__in=ids).values_list("pk", "name", "organisation__name")
    }
    activity = [StopActivity(pk, *names[pk], visits_by_stop[str(pk)], *opened.get(pk, (0, 0))) for pk in names]
    return sorted(activity, key=lambda s: (-s.visits, s.name))


def _heatmap(arrival_hours):
    """Arrivals by weekday and hour (Paris time): (hours, rows of counts)."""
    counts = Counter()
    for key, n in arrival_hours.items():
        weekday, hour = key.split("-")
        counts[int(weekday), int(hour)] += n
    if not counts:
        return [], []
    hours = list(range(min(h for _d, h in counts), max(h for _d, h in counts) + 1))
    rows = [(label, [counts[day, hour] for hour in hours]) for day, label in enumerate(WEEKDAYS, start=1)]
    return hours, [row for row in rows if any(row[1])]


def percentiles(histogram):
    """(median, 90th percentile) of a minute -> count histogram, interpolated as PostgreSQL's percentile_cont."""
    values = sorted((int(minute), n) for minute, n in histogram.items() if n)
    total = sum(n for _m, n in values)
    if not total:
        return None, None
    return _percentile(values, total, 0.5), _percentile(values, total, 0.9)


def _percentile(values, total, share):
    position = share * (total - 1)
    below, above = int(position), min(int(position) + 1, total - 1)
    low = high = None
    seen = 0
    for minute, n in values:
        if low is None and below < seen + n:
            low = minute
        if above < seen + n:
            high = minute
            break
        seen += n
    return round(low + (high - low) * (position - below), 1)


def france_services_report(month, organisations=None):
    """Demands per partner of the France services list for a month, at the stops of `organisations`
    (None: every one): every partner, in the list's order."""
    end = opening_counts.next_month(month) - datetime.timedelta(days=1)
    demands = Demand.objects.filter(service_day__range=(month, end))
    if organisations is not None:
        demands = demands.filter(visit__stop__organisation__in=organisations)
    counts = dict(demands.values_list("partner").annotate(n=Count("pk")))
    return [(partner, counts.get(partner.pk, 0)) for partner in Partner.objects.france_services()]
