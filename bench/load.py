"""Load benchmark: gunicorn serving the app with production settings, wrk on loopback.

The data set is the national-scale territory of the schedule benchmarks, in the
benchmarks' own PostgreSQL database; Redis is the cache, as in production. Each
address is warmed up, then loaded by wrk with 16 connections; the figures are wrk's.
The floor and the address take turns, ROUNDS times SECONDS each, and the address's share is
its median over the floor's: on a machine shared with other work, what the cores can give
changes from one minute to the next, and both are measured through the same minutes.
"""

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.environment import production_env

ROOT = Path(__file__).resolve().parent.parent
# BENCH_PORT: another port, for load benchmarks run beside others on one machine.
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CONNECTIONS = 16
SECONDS = 4
ROUNDS = 3
WARM_UP_SECONDS = 2
WORKERS = 4  # gunicorn's rule, 2 × cores + 1, less one: wrk needs a share of the 2 cores
# The goals of a cached public answer: a share of the floor's requests per second, in the same
# run, and its 99th percentile.
SHARE_GOAL = 0.8
P99_GOAL_MS = 100
CACHED, COMPUTED = "cached", "computed"


def addresses(stop, today, month_end, ticket_code):
    month = f"start={today}&end={month_end}"
    commitments = f"/structures/{stop.organisation.slug}/engagements/"
    return [
        ("minimal Django view (the floor)", "/bench/floor/", None),
        ("public timetable /", "/", CACHED),
        ("stop page", stop.get_absolute_url(), CACHED),
        ("API openings, one stop, one month", f"/api/v1/openings?{month}&stop={stop.slug}", CACHED),
        ("API openings, every stop, one month", f"/api/v1/openings?{month}", CACHED),
        ("ICS feed of a stop", f"/arrets/{stop.slug}/calendrier.ics", CACHED),
        ("live status of a stop, API", f"/api/v1/stops/{stop.slug}/status", CACHED),
        ("live status of a stop, the part its page asks for", f"/arrets/{stop.slug}/statut/", CACHED),
        ("a visitor's ticket page (cached until its queue moves)", f"/ticket/{ticket_code}/", CACHED),
        ("a visitor's ticket, the part its page asks for every 30 s", f"/ticket/{ticket_code}/etat/", CACHED),
        ("open data: places of the national standard, CSV", "/donnees/lieux-mediation-numerique.csv", CACHED),
        ("open data: data·inclusion services", "/donnees/data-inclusion/services.json", CACHED),
        ("open data: the stops in GeoJSON", "/donnees/arrets.geojson", CACHED),
        ("open data: the page that lists the files", "/donnees/", CACHED),
        ("API stops, every stop, with opening_hours", "/api/v1/stops", CACHED),
        ("an organisation's commitments, 12 months (computed each time)", commitments, COMPUTED),
    ]


def waiting_visitors(stop, day, count=5):
    """`count` visitors waiting at `stop` today (the ticket pages' and the status's figures); the
    code of the last one's ticket."""
    from visits.intake import new_ticket_code, next_ticket
    from visits.models import Status, Visit

    for _ in range(count):
        visit = Visit.objects.create(
            stop=stop,
            service_day=day,
            ticket=next_ticket(stop, day),
            ticket_code=new_ticket_code(),
            status=Status.WAITING,
        )
    return visit.ticket_code


def environment():
    return production_env(
        DJANGO_SETTINGS_MODULE="bench.settings",
        ALLOWED_HOSTS="127.0.0.1",
        EMAIL_URL="console://",
        SECURE_SSL_REDIRECT="0",  # wrk speaks plain HTTP on loopback
        DATABASE_CONN_MAX_AGE="60",
        LOG_LEVEL="INFO",  # one JSON line per request, as in production
    )


def start_gunicorn(log, workers=WORKERS, port=PORT, **overrides):
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "mairie_mobile.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--timeout=60",
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, env=environment() | overrides, stdout=log, stderr=log, start_new_session=True
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/floor/", timeout=1)
            return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("gunicorn did not start: see bench/results/gunicorn.log") from None
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 20 s")


def wrk(url, seconds):
    output = subprocess.run(
        [
            "wrk",
            "--threads=2",
            f"--connections={CONNECTIONS}",
            f"--duration={seconds}s",
            "--latency",
            "--header=Accept-Encoding: gzip, deflate, br",  # as browsers and calendar apps ask
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        "p99": _milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "transfer": _bytes(*re.search(r"Transfer/sec:\s+([\d.]+)([KMG]?B)", output).groups()),
        "errors": _errors(output),
    }


def _over_rounds(runs):
    """wrk's figures over rounds: the median requests/s, the highest p50 and p99, the sums."""
    return {
        "rps": statistics.median(run["rps"] for run in runs),
        "p50": max(run["p50"] for run in runs),
        "p99": max(run["p99"] for run in runs),
        "requests": sum(run["requests"] for run in runs),
        "transfer": statistics.median(run["transfer"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
    }


def _milliseconds(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def _bytes(value, unit):
    return float(value) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[unit]


def _errors(output):
    count = 0
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if match:
        count += int(match.group(1))
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if match:
        count += sum(int(n) for n in match.groups())
    return count


def run():
    import datetime

    from django.utils import timezone

    from bench.generate import generate_territory
    from stops.models import Stop

    if shutil.which("wrk") is None:
        return None, "The load benchmark needs wrk (apt-get install -y wrk)."
    generate_territory()
    stop = Stop.objects.active().filter(slug__startswith="bench-").order_by("slug")[11]
    today = datetime.date.today()
    ticket_code = waiting_visitors(stop, timezone.localdate())  # the service day, in Paris
    os.makedirs(ROOT / "bench/results", exist_ok=True)
    rows = []
    with open(ROOT / "bench/results/gunicorn.log", "w") as log:
        # As a release does: the production settings serve hashed, compressed static files.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT,
            env=environment(),
            check=True,
            stdout=log,
        )
        server = start_gunicorn(log)
        try:
            for name, path, goal in addresses(stop, today, today + datetime.timedelta(days=30), ticket_code):
                url = f"http://127.0.0.1:{PORT}{path}"
                # Computed once, alone: otherwise each worker computes it at the same time.
                urllib.request.urlopen(url, timeout=120).read()
                wrk(url, WARM_UP_SECONDS)
                floors, runs = [], []
                for _round in range(ROUNDS):
                    floors.append(wrk(f"http://127.0.0.1:{PORT}/bench/floor/", SECONDS)["rps"])
                    runs.append(wrk(url, SECONDS))
                rows.append((name, goal, _over_rounds(runs), statistics.median(floors)))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    lines = [
        "### Load (gunicorn, wrk)",
        "",
        f"gunicorn with {WORKERS} sync workers and the production settings (DEBUG=0, JSON request logs, "
        f"Redis cache); wrk with {CONNECTIONS} connections on loopback, after {WARM_UP_SECONDS} s of warm-up, "
        "asking for gzip as browsers do (answers without a form, like the commune index, the API and the "
        "feeds, are served compressed; pages with a form are not). 150 organisations of 20 stops in "
        f"PostgreSQL. The floor and each address take turns, {ROUNDS} rounds of {SECONDS} s each: the "
        "requests/s are the medians of the rounds, the share is the address's over the floor's (the first "
        "row, the floor against itself, shows how much the machine moves from one round to the next), "
        "p50 and p99 the highest of the rounds. Size: bytes sent per answer, headers included.",
        "",
        "| address | requests/s | the floor, same rounds | share of the floor | size | p50 | p99 | errors | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, goal, figures, floor in rows:
        share = figures["rps"] / floor
        size = figures["transfer"] / max(figures["rps"], 1)
        verdict = []
        if goal == CACHED:
            verdict.append(f"≥ {SHARE_GOAL * 100:.0f} % of the floor: " + ("met" if share >= SHARE_GOAL else "NOT met"))
            verdict.append(f"p99 < {P99_GOAL_MS} ms: " + ("met" if figures["p99"] < P99_GOAL_MS else "NOT met"))
        elif goal == COMPUTED:
            verdict.append("computed each time: none")
        lines.append(
            f"| {name} | {figures['rps']:,.0f} | {floor:,.0f} | {share:.0%} | {size / 1024:,.1f} KB "
            f"| {figures['p50']:.1f} ms | {figures['p99']:.1f} ms "
            f"| {figures['errors']} of {figures['requests']:,} | {'; '.join(verdict)} |"
        )
    return rows, "\n".join(lines)
