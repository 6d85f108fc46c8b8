"""Memory of a web worker: gunicorn with one worker and the production settings, as in the
load benchmark, asked once for each of the largest public answers, computed cold (the
schedule's version moved on just before). The peak is the worker's VmHWM (/proc), the
highest resident set size it reached since it started.
"""

import datetime
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

from bench import load

ROOT = Path(__file__).resolve().parent.parent
GOAL_MB = 300
PORT = 8766  # beside the load benchmark's


def addresses(today):
    month = f"start={today}&end={today + datetime.timedelta(days=30)}"
    return [
        ("ICS feed of every stop", "/calendrier.ics"),
        ("API openings, every stop, one month", f"/api/v1/openings?{month}"),
    ]


def memory_mb(pid, field):
    """A `field` of /proc/<pid>/status (VmRSS, VmHWM), in megabytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def worker_pid(server):
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    if len(children) != 1:
        raise RuntimeError(f"gunicorn has {len(children)} workers, one expected")
    return int(children[0])


def run():
    """Rows (what, the worker's resident MB once started, its peak MB, seconds of the request)."""
    from bench.generate import generate_territory
    from stops.caching import schedule_changed

    generate_territory()
    rows = []
    os.makedirs(ROOT / "bench/results", exist_ok=True)
    with open(ROOT / "bench/results/gunicorn-memory.log", "w") as log:
        for name, path in addresses(datetime.date.today()):
            # A worker of its own for each answer: the peak is that answer's.
            server = load.start_gunicorn(log, workers=1, port=PORT)
            try:
                pid = worker_pid(server)
                started_mb = memory_mb(pid, "VmRSS")
                schedule_changed()  # computed, not read from the cache
                request = urllib.request.Request(
                    f"http://127.0.0.1:{PORT}{path}", headers={"Accept-Encoding": "gzip, deflate, br"}
                )
                started = time.perf_counter()
                urllib.request.urlopen(request, timeout=120).read()
                seconds = time.perf_counter() - started
                rows.append((name, started_mb, memory_mb(pid, "VmHWM"), seconds))
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
    return rows


def report(rows):
    peak = max(peak_mb for _name, _started_mb, peak_mb, _seconds in rows)
    lines = [
        "### Memory of a web worker",
        "",
        "gunicorn with 1 sync worker and the production settings, started again for each answer; the answer "
        "asked once, computed (the schedule's version moved on before it), asking for gzip. Resident set "
        "size of the worker (/proc): once started and warmed by one request (VmRSS), and its peak (VmHWM).",
        "",
        "| answer | worker started | its peak | request |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {started_mb:.0f} MB | {peak_mb:.0f} MB | {seconds:.2f} s |"
        for name, started_mb, peak_mb, seconds in rows
    ]
    lines += ["", f"Goal: peak ≤ {GOAL_MB} MB: " + ("met" if peak <= GOAL_MB else "NOT met") + f" ({peak:.0f} MB)."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit("Run it as `python -m bench --only memory`.")
