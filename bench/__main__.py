"""Benchmarks (`make bench`), run against a database of their own.

The database is the test database of DATABASE_URL (test_<name>), kept between runs
so that large data sets are generated once. Timings are medians of several runs,
measured in-process: the server time, without the network.
"""

import argparse
import datetime
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mairie_mobile.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench.generate import generate_territory  # noqa: E402
from stops import schedule  # noqa: E402
from stops.models import Stop  # noqa: E402


def measure(function, runs):
    """(median wall seconds, median CPU seconds) of `runs` calls."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def get(client, url):
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return fetch


def schedule_benchmarks(runs):
    generate_territory(3000)
    stop_count = Stop.objects.active().count()
    today = datetime.date.today()
    year = today + datetime.timedelta(days=364)
    count = len(schedule.openings(today, year))
    rows = [
        (
            f"openings() over 365 days, {stop_count} stops ({count} openings)",
            *measure(lambda: schedule.openings(today, year), runs),
        )
    ]
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
    rows += [(name, *measure(get(client, url), runs)) for name, url in pages]
    rows.append(("ICS feed of every stop", *measure(get(client, "/calendrier.ics"), max(1, runs // 3))))
    return rows


def report(title, rows):
    lines = [f"### {title}", "", "| what | median time | median CPU |", "|---|---:|---:|"]
    lines += [f"| {name} | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms |" for name, wall, cpu in rows]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--runs", type=int, default=7, help="runs per measure (median)")
    args = parser.parse_args()
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
    header = f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, database {connection.vendor}"
    text = "\n\n".join([header, report("Schedule (issue 2)", schedule_benchmarks(args.runs))])
    print(text)
    os.makedirs("bench/results", exist_ok=True)
    with open("bench/results/latest.md", "w") as file:
        file.write(text + "\n")


if __name__ == "__main__":
    main()
