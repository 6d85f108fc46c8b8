"""Benchmarks (`make bench`), run against a database of their own.

The database, mairie_mobile_bench on the server of DATABASE_URL, is kept between
runs so that large data sets are generated once. Timings are medians of several runs,
measured in-process: the server time, without the network.
"""

import argparse
import datetime
import itertools
import os
import shutil
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mairie_mobile.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from bench.generate import (  # noqa: E402
    ADMINISTRATOR,
    AGENT,
    AGENT_OF_TWO,
    COORDINATOR,
    generate_territory,
    generate_visits,
    organisations,
)
from stops import schedule  # noqa: E402
from stops.caching import schedule_changed  # noqa: E402
from stops.models import Stop  # noqa: E402

# BENCH_DATABASE: another name, for benchmarks run beside others on one server.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "mairie_mobile_bench")


def measure(function, runs, before=None):
    """(median wall seconds, median CPU seconds) of `runs` calls, each after `before()` if given,
    which is not measured."""
    wall, cpu = [], []
    for _ in range(runs):
        if before is not None:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def get(client, url):
    """A GET of `url` that must be answered."""

    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return fetch


def measure_get(client, url, runs):
    """measure() of a GET computed each time: the public answers' cache is emptied before it, and
    its emptying is not measured."""
    return measure(get(client, url), runs, before=schedule_changed)


def measure_with_queries(name, fetch, runs, before=None):
    """(name with the number of queries of one call, median wall seconds, median CPU seconds); `before`
    as for measure()."""
    from django.test.utils import CaptureQueriesContext

    if before is not None:
        before()
    with CaptureQueriesContext(connection) as captured:
        fetch()
    return (f"{name}, {len(captured)} queries", *measure(fetch, runs, before))


# Goals of openings() over 365 days for every stop: its time, and its time over the reference's.
OPENINGS_GOAL_MS = 50
OPENINGS_GOAL_RATIO = 2


def schedule_benchmarks(runs):
    """(rows, note): the schedule's times, and the note of openings() against its goals."""
    generate_territory()
    stop_count = Stop.objects.active().count()
    today = datetime.date.today()
    year = today + datetime.timedelta(days=364)
    found = schedule.openings(today, year)
    count = len(found)
    # The reference: as many openings made from their fields computed beforehand, the garbage
    # collector paused as openings() pauses it.
    fields = [tuple(opening) for opening in found]
    del found

    def reference():
        with schedule.gc_paused():
            return list(map(tuple.__new__, itertools.repeat(schedule.Opening), fields))

    # Taking turns, run after run: the engine given the active stops as rows of the fields it reads (as
    # the API and the feeds give them), the engine loading them as Stop objects, and the reference.
    def as_rows():
        return schedule.openings(today, year, schedule.stop_values(Stop.objects.active()))

    variants = {"rows": as_rows, "objects": lambda: schedule.openings(today, year), "reference": reference}
    times = {name: [] for name in variants}
    for _run in range(runs):
        for name, function in variants.items():
            times[name].append(measure(function, 1))
    fields.clear()  # not to weigh on the collections of the measures below
    engine, objects, made = (
        tuple(statistics.median(each) for each in zip(*times[name], strict=True)) for name in variants
    )
    rows = [
        (f"openings() over 365 days, {stop_count} stops given as rows ({count} openings)", *engine),
        ("openings() over 365 days, the same stops loaded as Stop objects", *objects),
        (f"reference: {count} openings made from their fields", *made),
    ]
    ratio = engine[1] / made[1]
    differences = engine_differences(today)
    note = (
        f"openings() over 365 days, the stops given as rows: {engine[1] * 1000:.0f} ms of CPU, "
        f"{ratio:.2f} times the reference's (loading them as Stop objects: {objects[1] * 1000:.0f} ms, "
        f"{objects[1] / made[1]:.2f} times); "
        f"goals: ≤ {OPENINGS_GOAL_MS} ms: {'met' if engine[1] * 1000 <= OPENINGS_GOAL_MS else 'NOT met'}, "
        f"≤ {OPENINGS_GOAL_RATIO}× the reference: {'met' if ratio <= OPENINGS_GOAL_RATIO else 'NOT met'}. "
        f"Against the engine before it (stops/schedule_reference.py), over 365 days, a month, "
        f"the year's end and a day: differences: {differences}."
    )
    client = Client()
    stop = Stop.objects.active().order_by("slug").first()
    month_end = today + datetime.timedelta(days=30)
    pages = [
        ("timetable / (grouped by commune)", "/"),
        (f"timetable /?q={stop.postcode}", f"/?q={stop.postcode}"),
        ("stop page", stop.get_absolute_url()),
        ("API openings, one month, every stop", f"/api/v1/openings?start={today}&end={month_end}"),
        ("API openings, one month, one stop", f"/api/v1/openings?start={today}&end={month_end}&stop={stop.slug}"),
        ("ICS feed of a stop", f"/arrets/{stop.slug}/calendrier.ics"),
    ]
    rows += [(name, *measure_get(client, url, runs)) for name, url in pages]
    rows.append(("ICS feed of every stop", *measure_get(client, "/calendrier.ics", runs)))
    rows.append(("ICS feed of every stop, its writing alone", *measure(feed_writing(), runs)))
    return rows, note


def engine_differences(today):
    """How many openings differ between schedule.openings() and the engine before it, over a few ranges."""
    from stops import schedule_reference

    year_end = datetime.date(today.year, 12, 20)
    ranges = [
        (today, today + datetime.timedelta(days=364)),
        (today, today + datetime.timedelta(days=30)),
        (year_end, year_end + datetime.timedelta(days=21)),
        (today, today),
    ]
    differences = 0
    for start, end in ranges:
        found, expected = schedule.openings(start, end), schedule_reference.openings(start, end)
        differences += abs(len(found) - len(expected)) + sum(
            comparable(a) != comparable(b) for a, b in zip(found, expected, strict=False)
        )
    return differences


def comparable(opening):
    """The opening with its slot as its id: the engine gives a `schedule.Slot`, the one before it a `WeeklySlot`."""
    return opening._replace(slot=opening.slot and opening.slot.pk)


def feed_writing():
    """The feed of every stop written from its openings computed beforehand, with the garbage
    collector paused as the view has it: the part of the feed that is not the engine's."""
    from stops import ics

    today = datetime.date.today()
    stamp = datetime.datetime.combine(today, datetime.time(), tzinfo=datetime.UTC)
    openings = schedule.openings(*ics.feed_range(today))

    def write():
        with schedule.gc_paused():
            ics.calendar_feed(openings, "Mairie mobile", "tous-les-arrets", stamp)

    return write


def optimisation_benchmarks(runs):
    """What the engine's optimisations buy: openings() with the garbage collector paused or not, and
    its openings made with tuple.__new__ or with the named tuple's own Opening._make."""
    import contextlib
    import gc

    generate_territory()
    today = datetime.date.today()
    year = today + datetime.timedelta(days=364)

    variants = {
        "as it is": {},
        "garbage collector left on": {"gc_paused": contextlib.nullcontext},
        "openings made with Opening._make": {"_made": lambda kind, fields: map(kind._make, fields)},
    }

    @contextlib.contextmanager
    def patched(patches):
        saved = {name: getattr(schedule, name) for name in patches}
        for name, value in patches.items():
            setattr(schedule, name, value)
        try:
            yield
        finally:
            for name, value in saved.items():
                setattr(schedule, name, value)

    # The variants take turns, run after run, each after a full collection: what the heap
    # holds from one run must not weigh on the next variant's.
    times = {name: ([], []) for name in variants}
    for _run in range(runs):
        for name, patches in variants.items():
            gc.collect()
            with patched(patches):
                wall, cpu = measure(lambda: schedule.openings(today, year), 1)
            times[name][0].append(wall)
            times[name][1].append(cpu)
    return [
        (f"openings() over 365 days, {name}", statistics.median(wall), statistics.median(cpu))
        for name, (wall, cpu) in times.items()
    ]


def intake_benchmarks(runs):
    """The agents' queue and each step's POST, with a million visits in the database."""
    import uuid

    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from partners.models import Partner
    from visits.models import Demand, Visit

    generate_visits(1_000_000)
    client = _client_as(AGENT)
    stop = Stop.objects.active().filter(slug__startswith="bench-").order_by("slug")[1]
    caf = Partner.objects.get(code="caf")
    Visit.objects.filter(stop=stop, service_day=timezone.localdate()).delete()
    queue_url = f"/agents/arrets/{stop.slug}/"
    for _ in range(12):  # a busy morning: a dozen people in the queue
        client.post(queue_url + "accueil/", _pre_accueil(caf, uuid.uuid4()))

    names = ("queue page", "queue refresh", "pré-accueil", "take", "déblayage", "accompagnement")
    timings = {name: [] for name in names}
    cpu = {name: [] for name in names}
    queries = dict.fromkeys(names, 0)

    def timed(name, method, url, data=None):
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = getattr(client, method)(url, data or {})
            timings[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
        assert response.status_code in (200, 302), (name, response.status_code)
        queries[name] = max(queries[name], len(captured))
        return response

    for _ in range(runs * 4):
        timed("queue page", "get", queue_url)
        timed("queue refresh", "get", queue_url + "file/")
        timed("pré-accueil", "post", queue_url + "accueil/", _pre_accueil(caf, uuid.uuid4()))
        visit = Visit.objects.filter(stop=stop, service_day=timezone.localdate()).order_by("-ticket").first()
        timed("take", "post", f"/agents/passages/{visit.pk}/vers/deblayage/")
        timed(
            "déblayage",
            "post",
            f"/agents/passages/{visit.pk}/deblayage/",
            {"has_internet": "on", "then": "accompagnement"},
        )
        demand = visit.demands.get()
        timed("accompagnement", "post", f"/agents/passages/{visit.pk}/accompagnement/", _accompagnement(demand))
    labels = {
        "queue page": "queue page (GET)",
        "queue refresh": "queue refresh (GET by htmx)",
        "pré-accueil": "pré-accueil (POST)",
        "take": "take to the déblayage (POST)",
        "déblayage": "finish the déblayage (POST)",
        "accompagnement": "finish the accompagnement (POST)",
    }
    rows = [
        (f"{labels[name]}, {queries[name]} queries", statistics.median(values), statistics.median(cpu[name]))
        for name, values in timings.items()
    ]
    return rows, f"{Visit.objects.count():,} visits and {Demand.objects.count():,} demands in the database"


def stats_benchmarks(runs):
    """The national administrator's statistics page and exports for a year of every stop, with a million
    visits; EXPLAIN of one stop's month."""
    from stops import opening_counts
    from visits import stats
    from visits.models import Demand, Visit

    generate_visits(1_000_000)
    _activity_kept()
    today = datetime.date.today()
    client = _client_as(ADMINISTRATOR)
    year = {"start": (today - datetime.timedelta(days=364)).isoformat(), "end": today.isoformat()}
    rows = [
        measure_with_queries(name, lambda url=url, params=params: _ok(client.get(url, params)), times)
        for name, url, params, times in (
            ("statistics page, one year, every stop", "/coordination/statistiques/", year, runs),
            (
                "statistics page, last school year, every stop",
                "/coordination/statistiques/",
                {"period": "last-school-year"},
                runs,
            ),
            ("CSV export, one year", "/coordination/statistiques/export.csv", year, max(1, runs // 2)),
            ("XLSX export, one year", "/coordination/statistiques/export.xlsx", year, max(1, runs // 2)),
        )
    ]

    stop = Stop.objects.filter(slug__startswith="bench-").order_by("slug")[7]
    month = opening_counts.month_start(today - datetime.timedelta(days=40))
    filters = stats.Filters(month, opening_counts.next_month(month) - datetime.timedelta(days=1), stop=stop)
    plans = [
        ("visits of one stop's month", stats._visits(filters).values("status").annotate(n=Count("pk")).explain()),
        ("demands of one stop's month", stats._demands(filters).values("partner").annotate(n=Count("pk")).explain()),
    ]
    for title, plan in plans:
        assert "Seq Scan on visits_" not in plan, (title, plan)
    note = (
        f"{Visit.objects.count():,} visits and {Demand.objects.count():,} demands, 3 years, "
        f"{Stop.objects.count():,} stops; as the national administrator"
    )
    return rows, note, plans


def stats_sections(runs):
    rows, note, plans = stats_benchmarks(runs)
    return [report("Statistics", rows, note)] + [f"EXPLAIN, {title}:\n\n```\n{plan}\n```" for title, plan in plans]


def quality_benchmarks(runs, visits=1_000_000):
    """The commitments measured month by month over the last 12 months (visits/quality.py), for one
    organisation (as its commitments page) and for the whole service, and the API's answer for a
    month: from the kept days, with their query counts."""
    from bench.generate import generate_opinions_and_cancellations
    from stops import opening_counts
    from stops.models import ScheduleChange
    from visits import quality
    from visits.models import Commitment, Feedback, Visit

    generate_visits(visits)
    generate_opinions_and_cancellations()
    _activity_kept()
    today = datetime.date.today()
    last_month = opening_counts.previous_month(today)
    first_month = opening_counts.months_before(last_month, 11)
    first = organisations().order_by("slug").first()
    defaults = quality.default_commitments()
    rows = [
        measure_with_queries(
            f"quality.monthly(), 12 months, {name}",
            lambda concerned=concerned: quality.monthly(concerned, first_month, last_month, defaults),
            runs,
        )
        for name, concerned in ((f"one organisation ({first.stops.count()} stops)", [first]), ("every stop", None))
    ]
    visitor = Client()
    rows.append(
        measure_with_queries(
            "API quality of one organisation, last month",
            lambda: _ok(visitor.get(f"/api/v1/organisations/{first.slug}/quality")),
            runs,
        )
    )
    # The published pages, computed for each visitor (they are not cached): the organisation with its
    # four commitments, the whole service with the defaults.
    chosen = [Commitment(organisation=first, kind=kind, position=n) for n, kind in enumerate(Commitment.Kind.values)]
    Commitment.objects.replace(first, chosen)
    pages = [
        (
            f"an organisation's commitments page ({first.stops.count()} stops)",
            f"{first.get_absolute_url()}engagements/",
        ),
        (f"the whole service's commitments page ({Stop.objects.count():,} stops)", "/engagements/"),
    ]
    rows += [measure_with_queries(name, lambda url=url: _ok(visitor.get(url)), runs) for name, url in pages]
    note = (
        f"{Visit.objects.count():,} visits, {Feedback.objects.count():,} opinions, "
        f"{ScheduleChange.objects.exclude(cancelled=[]).count():,} changes that cancelled openings; "
        f"{Stop.objects.count():,} stops; the days kept (as the nightly task does)"
    )
    return rows, note


def organisation_benchmarks(runs):
    """What must not grow with the number of organisations, with 150 organisations of 20 stops and a
    million visits: the national pages, an organisation's, and its staff's, each with its query count."""
    from visits.models import Demand, Visit

    generate_visits(1_000_000)
    _activity_kept()
    today = datetime.date.today()
    first, second = organisations().order_by("slug")[:2]
    visitor = Client()
    agent, agent_of_two, coordinator = (_client_as(name) for name in (AGENT, AGENT_OF_TWO, COORDINATOR))
    year = {"start": (today - datetime.timedelta(days=364)).isoformat(), "end": today.isoformat()}
    stops = Stop.objects.active().count()
    public = [
        (f"national timetable / ({stops:,} stops by commune, a link to each organisation)", "/"),
        (f"an organisation's page ({first.stops.count()} stops)", first.get_absolute_url()),
        (f"API stops ({stops:,} stops)", "/api/v1/stops"),
    ]
    rows = [measure_with_queries(name, get(visitor, url), runs, before=schedule_changed) for name, url in public]
    staff = [
        ("agent's home, one organisation", agent, "/agents/", {}),
        ("agent's home, two organisations", agent_of_two, "/agents/", {}),
        ("coordinator's home", coordinator, "/coordination/", {}),
        (
            "coordinator's statistics page, one year of their organisation",
            coordinator,
            "/coordination/statistiques/",
            year,
        ),
    ]
    rows += [
        measure_with_queries(name, lambda client=client, url=url, params=params: _ok(client.get(url, params)), runs)
        for name, client, url, params in staff
    ]
    note = (
        f"{organisations().count()} organisations, {stops:,} active stops; {Visit.objects.count():,} visits and "
        f"{Demand.objects.count():,} demands over 3 years. The agent of one organisation and the coordinator are "
        f"of {first.name} ({first.stops.count()} stops); the agent of two, also of {second.name}."
    )
    return rows, note


def opendata_benchmarks(runs):
    """Each open-data file of the whole territory computed once (the cache emptied before each call),
    with its query count: what a reuser's first download after a schedule change costs the server."""
    first = organisations().order_by("slug").first()
    stops = Stop.objects.active().count()
    files = [
        (f"places of the national standard, CSV ({stops:,} stops)", "/donnees/lieux-mediation-numerique.csv"),
        ("places of the national standard, JSON", "/donnees/lieux-mediation-numerique.json"),
        ("data·inclusion structures", "/donnees/data-inclusion/structures.json"),
        ("data·inclusion services", "/donnees/data-inclusion/services.json"),
        ("stops in GeoJSON", "/donnees/arrets.geojson"),
        (
            f"stops in GeoJSON of one organisation ({first.stops.count()} stops)",
            f"/donnees/arrets.geojson?organisation={first.slug}",
        ),
        ("API stops, with opening_hours", "/api/v1/stops"),
        ("the /donnees/ page", "/donnees/"),
    ]
    client = Client()
    return [measure_with_queries(name, get(client, url), runs, before=schedule_changed) for name, url in files]


def _activity_kept():
    """What the nightly tasks have done, month after month: each past month's openings summarized,
    each past day's tallies kept."""
    from stops import opening_counts
    from stops.models import OpeningSummary
    from visits import stats

    today = datetime.date.today()
    first = opening_counts.month_start(today - datetime.timedelta(days=3 * 366))
    if not OpeningSummary.objects.filter(month=first).exists():
        opening_counts.summarize(first, opening_counts.previous_month(today))
    stats.keep_recent_days(today, days=(today - first).days)
    stats.keep_stale_days(limit=None)  # kept before the tallies last changed (TALLY_VERSION)


def _ok(response):
    assert response.status_code == 200, (response.request["PATH_INFO"], response.status_code)


def _client_as(username):
    """A test client logged in as one of the benchmarks' staff (bench.generate)."""
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _pre_accueil(caf, key):
    return {"reason_1": f"p{caf.pk}", "handled_here": "1", "idempotency_key": str(key)}


def _accompagnement(demand):
    from tests.factories import demand_rows

    return {**demand_rows(demand), "minutes": "20"}


def on_postgresql(what, sections):
    """The `sections()` of a benchmark that needs PostgreSQL, on the territory; or why it cannot run."""
    if connection.vendor != "postgresql":
        return [f"The {what} benchmark needs PostgreSQL (DATABASE_URL)."]
    generate_territory()
    return sections()


def report(title, rows, note=""):
    lines = [
        f"### {title}",
        "",
        *([note, ""] if note else []),
        "| what | median time | median CPU |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms |" for name, wall, cpu in rows]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--runs", type=int, default=7, help="runs per measure (median)")
    parser.add_argument(
        "--visits",
        type=int,
        default=1_000_000,
        help="visits generated for the quality benchmark (fewer: a quick try; the others use a million)",
    )
    parser.add_argument(
        "--only",
        choices=[
            "schedule",
            "optimisations",
            "caching",
            "intake",
            "stats",
            "organisations",
            "quality",
            "opendata",
            "notify",
            "notify-sms",
            "load",
            "memory",
            "faults",
            "importer",
            "offline",
        ],
        help="run one group of benchmarks",
    )
    args = parser.parse_args()
    # Not setup_test_environment(): it instruments template rendering, which would slow every page.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    # A database of the benchmarks' own, kept between runs (and apart from the tests').
    connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    # Not serialized: no test rolls back to it (serializing a million visits takes minutes).
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=True)
    header = f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, database {connection.vendor}"
    sections = [header]
    if args.only in (None, "schedule"):
        rows, note = schedule_benchmarks(args.runs)
        sections.append(report("Schedule", rows, note))
    if args.only in (None, "optimisations"):
        sections.append(report("What the engine's optimisations buy", optimisation_benchmarks(args.runs)))
    if args.only in (None, "caching"):
        from bench import caching

        generate_territory()
        sections.append(caching.report(caching.run(args.runs), args.runs))
        if shutil.which("wrk") and connection.vendor == "postgresql" and settings.REDIS_URL:
            sections.append(caching.load_report(caching.under_load()))
        else:
            sections.append("The caching benchmark under load needs wrk, PostgreSQL and Redis.")
    if args.only in (None, "intake"):
        sections += on_postgresql("intake", lambda: [report("Intake", *intake_benchmarks(args.runs))])
    if args.only in (None, "stats"):
        sections += on_postgresql("statistics", lambda: stats_sections(args.runs))
    if args.only in (None, "organisations"):
        sections += on_postgresql(
            "organisations", lambda: [report("Organisations", *organisation_benchmarks(args.runs))]
        )
    if args.only in (None, "quality"):
        sections += on_postgresql(
            "quality", lambda: [report("Service commitments", *quality_benchmarks(args.runs, args.visits))]
        )
    if args.only in (None, "opendata"):
        sections += on_postgresql("open data", lambda: [report("Open data", opendata_benchmarks(args.runs))])
    if args.only in (None, "notify"):
        if connection.vendor == "postgresql" and settings.REDIS_URL:
            from bench import notify

            rows = notify.run()
            lines = ["### Notifications", "", "| what | time |", "|---|---:|"]
            lines += [f"| {name} | {'' if seconds is None else f'{seconds:.0f} s'} |" for name, seconds in rows]
            sections.append("\n".join(lines))
        else:
            sections.append("The notifications benchmark needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL).")
    if args.only in (None, "notify-sms"):
        if connection.vendor == "postgresql" and settings.REDIS_URL:
            from bench import notify_sms

            rows = notify_sms.run()
            lines = ["### Notifications by SMS", "", "| what | time |", "|---|---:|"]
            lines += [f"| {name} | {'' if seconds is None else f'{seconds:.0f} s'} |" for name, seconds in rows]
            sections.append("\n".join(lines))
        else:
            sections.append("The SMS benchmark needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL).")
    if args.only in (None, "load"):
        if connection.vendor == "postgresql" and settings.REDIS_URL:
            from bench import load

            _rows, text = load.run()
            sections.append(text)
        else:
            sections.append("The load benchmark needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL).")
    if args.only in (None, "memory"):
        if connection.vendor == "postgresql" and settings.REDIS_URL:
            from bench import memory

            sections.append(memory.report(memory.run()))
        else:
            sections.append("The memory benchmark needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL).")
    if args.only in (None, "faults"):
        from bench import faults

        generate_territory()
        coordination = _client_as(COORDINATOR)
        sections.append(faults.report(faults.run(coordination, args.runs)))
    if args.only in (None, "importer"):
        from bench import importer

        sections.append(importer.report(importer.run()))
    if args.only in (None, "offline"):
        from bench import offline

        sections.append(offline.report(offline.run(max(1, args.runs // 3))))
    text = "\n\n".join(sections)
    print(text)
    os.makedirs("bench/results", exist_ok=True)
    with open("bench/results/latest.md", "w") as file:
        file.write(text + "\n")


if __name__ == "__main__":
    main()
