"""Hostile stops files given to `manage.py import_stops`: the time until each is refused, and
the memory the command allocated meanwhile (tracemalloc's peak, in this process)."""

import io
import tempfile
import time
import tracemalloc
from pathlib import Path

from django.core.management import CommandError, call_command

from tests.stops.test_import_stops import VALID, alias_bomb


def hostile_files():
    yield "alias bomb: 9 anchors of 9 aliases (9**9 values once expanded)", alias_bomb()
    yield "50 MB file", VALID * (50_000_000 // len(VALID) + 1)
    yield "20,000 levels of nesting", "stops: " + "[" * 20_000 + "]" * 20_000 + "\n"
    yield "a number of 5,000 digits", "stops:\n  - latitude: " + "1" * 5_000 + "\n"


def run():
    """[(what, size in bytes, seconds until refused, peak memory in MB, first message)]."""
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "arrets.yaml"
        for what, text in hostile_files():
            path.write_text(text)
            del text
            rows.append((what, path.stat().st_size, *_refused(path)))
    return rows


def _refused(path):
    errors = io.StringIO()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        call_command("import_stops", str(path), stderr=errors)
        outcome = "imported"
    except CommandError as error:
        outcome = str(error)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if "rien n'a été importé" not in outcome:
        raise AssertionError(f"{path}: {outcome}")
    return elapsed, peak / 1e6, errors.getvalue().splitlines()[0]


def report(rows):
    lines = [
        "### Hostile stops files",
        "",
        "| file | size | refused after | memory allocated (peak) | first message |",
        "|---|---:|---:|---:|---|",
    ]
    for what, size, seconds, megabytes, message in rows:
        size = f"{size / 1e6:.2f} MB"
        lines.append(f"| {what} | {size} | {seconds * 1000:.0f} ms | {megabytes:.2f} MB | {message[:80]} |")
    return "\n".join(lines)
