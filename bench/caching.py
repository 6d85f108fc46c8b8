"""What the public cache's own gzip and conditional GET buy, against Django's middleware.

Cached public answers on the 3,000-stop territory, asked for as a browser does (gzip
accepted; once more with If-None-Match for the 304), in three variants:

A. stops/caching.py as it is: an answer without a form is kept twice, plain and
   gzip-compressed, with a weak ETag; a hit sends the stored bytes, or a 304.
B. Django's own tools: the cache keeps the plain answer only, served without ETag;
   GZipMiddleware and ConditionalGetMiddleware, first in MIDDLEWARE, compress and give
   an ETag (and the 304) on every answer, as they would for every page.
C. Half-way, to tell the two apart: the gzip copy kept, the ETag and the 304 left to
   ConditionalGetMiddleware.

B and C exist only in the benchmark: their patches and their middleware are set up for
their own test clients (and, for B under load, by bench/settings.py and bench/urls.py).
The variants take turns, round after round; each figure is the median, over the rounds,
of each round's median of a batch of hits, measured in-process (server time, no network).
"""

import contextlib
import datetime
import re
import statistics
import time

from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

from stops import caching
from stops.models import Stop

GZIP = {"Accept-Encoding": "gzip, deflate, br"}  # as browsers ask
GZIP_MIDDLEWARE = "django.middleware.gzip.GZipMiddleware"
CONDITIONAL_GET_MIDDLEWARE = "django.middleware.http.ConditionalGetMiddleware"
VARIANTS = {
    "A": ([], contextlib.nullcontext),
    "B": ([GZIP_MIDDLEWARE, CONDITIONAL_GET_MIDDLEWARE], lambda: without_own_etag(gzip_copy=False)),
    "C": ([CONDITIONAL_GET_MIDDLEWARE], lambda: without_own_etag(gzip_copy=True)),
}
REQUESTS = 200  # per batch; the 4 MB answer fewer


def run(runs):
    """[(what, {variant: figures})]: median time (seconds), body bytes, how it was sent."""
    stop = Stop.objects.active().filter(slug__startswith="bench-").order_by("slug").first()
    today = datetime.date.today()
    month = f"start={today}&end={today + datetime.timedelta(days=30)}"
    cases = [
        ("timetable / (3,000 stops: the commune index, 120 KB, no form)", "/", False, REQUESTS),
        ("timetable /, the browser has it (If-None-Match)", "/", True, REQUESTS),
        ("stop page (with its subscription form)", stop.get_absolute_url(), False, REQUESTS),
        ("API openings, one stop, one month", f"/api/v1/openings?{month}&stop={stop.slug}", False, REQUESTS),
        (
            "API openings, one stop, one month, If-None-Match",
            f"/api/v1/openings?{month}&stop={stop.slug}",
            True,
            REQUESTS,
        ),
        ("API openings, every stop, one month (4 MB)", f"/api/v1/openings?{month}", False, REQUESTS // 10),
    ]
    clients = {}
    for variant, (middleware, patched) in VARIANTS.items():
        with override_settings(MIDDLEWARE=middleware + settings.MIDDLEWARE), patched():
            clients[variant] = Client()
            clients[variant].get("/", headers=GZIP)  # its handler loads its middleware now

    samples = {(case[0], variant): {"wall": [], "bytes": [], "sent": set()} for case in cases for variant in VARIANTS}
    for number in range(runs):
        order = list(VARIANTS)
        order = order[number % len(order) :] + order[: number % len(order)]
        for variant in order:
            with VARIANTS[variant][1]():
                for name, url, conditional, requests in cases:
                    batch = _batch(clients[variant], url, conditional, requests)
                    figures = samples[name, variant]
                    figures["wall"].append(statistics.median(batch["wall"]))
                    figures["bytes"] += batch["bytes"]
                    figures["sent"] |= batch["sent"]
    rows = []
    for name, *_ in cases:
        figures = {}
        for variant in VARIANTS:
            sample = samples[name, variant]
            figures[variant] = {
                "wall": statistics.median(sample["wall"]),
                "range": (min(sample["wall"]), max(sample["wall"])),
                "bytes": statistics.median(sample["bytes"]),
                "sent": " or ".join(sorted(sample["sent"])),
            }
        rows.append((name, figures))
    return rows


def _batch(client, url, conditional, requests):
    """`requests` hits on `url`, after one request that makes sure it is cached. A batch that
    straddles a minute (the timetable and the stop page are kept per minute) is run again."""
    while True:
        minute = timezone.localtime().replace(second=0, microsecond=0)
        first = client.get(url, headers=GZIP)
        assert first.status_code == 200, (url, first.status_code)
        headers = GZIP | ({"If-None-Match": first["ETag"]} if conditional else {})
        batch = {"wall": [], "bytes": [], "sent": set()}
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            batch["wall"].append(time.perf_counter() - started)
            assert response.status_code == (304 if conditional else 200), (url, response.status_code)
            batch["bytes"].append(len(response.content))
            batch["sent"].add(_how_sent(response))
        if timezone.localtime().replace(second=0, microsecond=0) == minute:
            return batch


def _how_sent(response):
    if response.status_code == 304:
        return "304"
    return ("gzip" if response.get("Content-Encoding") == "gzip" else "plain") + (
        ", ETag" if response.has_header("ETag") else ""
    )


@contextlib.contextmanager
def without_own_etag(gzip_copy):
    """The cache as variants B (`gzip_copy` False) and C keep it: answers without their ETag,
    in entries of their own; for B the plain answer only, never the gzip copy. Answers
    without a form still tell clients to ask again each time."""
    saved = {name: getattr(caching, name) for name in ("ACCEPTS_GZIP", "_key", "_entry", "_answer")}
    key, entry_of, answer = saved["_key"], saved["_entry"], saved["_answer"]

    def own_key(request, per, now=None):
        return f"{key(request, per, now)}:{'gzip-copy' if gzip_copy else 'plain-only'}"

    def entry_without_etag(response, current):
        entry = entry_of(response, current)
        shared = entry["etag"] is not None
        if not gzip_copy:
            entry |= {"content": response.content, "gzip": False}
        return entry | {"etag": None, "shared": shared}

    def answer_without_etag(request, entry, plain=None):
        response = answer(request, entry, plain)
        if entry["shared"]:
            patch_cache_control(response, no_cache=True)
            if gzip_copy:
                patch_vary_headers(response, ["Accept-Encoding"])
        return response

    if not gzip_copy:
        caching.ACCEPTS_GZIP = re.compile(r"(?!)")  # the gzip copy is never asked for
    caching._key, caching._entry, caching._answer = own_key, entry_without_etag, answer_without_etag
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(caching, name, value)


def report(rows, runs):
    lines = [
        "### The public cache's gzip and conditional GET, against Django's middleware",
        "",
        f"Cached answers, asked for with `Accept-Encoding: gzip`; {runs} rounds of {REQUESTS} hits per variant "
        f"({REQUESTS // 10} for the 4 MB answer), the variants taking turns; the cache: "
        f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}. "
        "A: stops/caching.py as it is (the gzip copy stored, its own ETag and 304). "
        "B: the plain answer cached, GZipMiddleware and ConditionalGetMiddleware on every answer. "
        "C: the gzip copy stored, ConditionalGetMiddleware for the ETag and the 304. "
        "Times: medians of the rounds' medians, the lowest and highest in brackets, then against A; "
        "body: bytes sent, and how.",
        "",
        "| what | A | B | C | A: body | B: body | C: body |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, figures in rows:
        a = figures["A"]
        times = [_time(figures["A"])] + [
            f"{_time(figures[variant])}, {figures[variant]['wall'] / a['wall'] - 1:+.0%}" for variant in ("B", "C")
        ]
        bodies = [f"{figures[variant]['bytes']:,.0f} B ({figures[variant]['sent']})" for variant in VARIANTS]
        lines.append(f"| {name} | {' | '.join(times)} | {' | '.join(bodies)} |")
    return "\n".join(lines)


def _time(figures):
    low, high = figures["range"]
    return f"{figures['wall'] * 1000:.2f} ms [{low * 1000:.2f} – {high * 1000:.2f}]"


def under_load(rounds=3):
    """wrk on the timetable `/` under gunicorn, variants A and B taking turns (B: bench/settings.py
    and bench/urls.py set it up in each worker); [(variant, [wrk's figures of each round])]."""
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    from bench import load

    url = f"http://127.0.0.1:{load.PORT}/"
    figures = {"A": [], "B": []}
    os.makedirs(load.ROOT / "bench/results", exist_ok=True)
    with open(load.ROOT / "bench/results/gunicorn.log", "w") as log:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=load.ROOT,
            env=load.environment(),
            check=True,
            stdout=log,
        )
        for number in range(rounds):
            for variant in ("A", "B") if number % 2 == 0 else ("B", "A"):
                server = load.start_gunicorn(log, BENCH_CACHE_VARIANT=variant)
                try:
                    urllib.request.urlopen(url, timeout=120).read()  # computed once, alone
                    load.wrk(url, load.WARM_UP_SECONDS)
                    figures[variant].append(load.wrk(url, load.SECONDS))
                finally:
                    os.killpg(server.pid, signal.SIGTERM)
                    server.wait(timeout=30)
    return list(figures.items())


def load_report(rows):
    from bench import load

    lines = [
        "### The timetable `/` under load, A and B",
        "",
        f"gunicorn ({load.WORKERS} sync workers, production settings), wrk with {load.CONNECTIONS} connections "
        f"for {load.SECONDS} s after {load.WARM_UP_SECONDS} s of warm-up, asking for gzip; each variant "
        f"{len(rows[0][1])} times, taking turns. Size: bytes sent per answer, headers included.",
        "",
        "| variant | requests/s | p50 | p99 | size | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for variant, runs in rows:
        for figures in runs:
            size = figures["transfer"] / max(figures["rps"], 1)
            lines.append(
                f"| {variant} | {figures['rps']:,.0f} | {figures['p50']:.1f} ms | {figures['p99']:.1f} ms "
                f"| {size / 1024:,.1f} KB | {figures['errors']} of {figures['requests']:,} |"
            )
    return "\n".join(lines)
