"""Public answers kept in the cache until the schedule changes.

The timetable, the stop pages, the API and the calendar feeds are computed from the
organisations, the stops, their slots, closures, extra openings, school holidays and partners. Each of
these changes moves the schedule's version on (`schedule_changed`); an answer is cached
with the version it was computed from, and never served once the version has moved.
The version lives in the shared cache (Redis in production), so every web node sees a
change at once; it is read together with the answer, in one round trip.

Pages that show what is open now are also keyed on the minute, calendar feeds on the
day. Those that show whether the bus is here (stops.live) are also computed again when the
live versions they name move on (a stop's queue and marks), read in the same round trip.
Each language has its own entries (mairie_mobile/languages.py): a French address is never
answered with another language's page, which is served at its own prefixed address.
Only visitors without a session are served from the cache: a logged-in agent's pages
carry their name and messages. A cached page's CSRF token is a placeholder, replaced by
the visitor's own token on each answer.

An answer without a form is kept gzip-compressed only, with its ETag: left to Django's
GZipMiddleware and ConditionalGetMiddleware, a hit on the 120 KB timetable took 3.0 ms instead
of 0.8 (README, "What the engine's optimisations buy"). The rare client that does not accept
gzip gets it inflated: the openings of every stop over a month take 88 KB in the cache instead
of 4.7 MB more for a plain copy, whose storing took 16 ms of each computation.

A fresh answer is served by `PublicCacheMiddleware`, placed right after the middleware that
every answer needs (security headers, sessions, language, CSRF): the rest, which looks for a
logged-in user, their messages and their second factor, has nothing to do for a visitor without
a session, and the view is not called. A hit took about twice the instructions of the floor (a
minimal view through every middleware) before, 1.3 to 1.7 times with this middleware; with the
versions kept by each process (below), hits are served at 92 % of the floor's pace or more
under load (README, "Under load").

Each process also keeps the entries it served last (`_Kept`), served only while the version
read at each request is theirs: a large answer is not fetched and unpickled again at each hit,
and an edit is seen at once all the same. The versions themselves are kept by each process
while Redis, which tracks them for it, has not said they changed (mairie_mobile.cache.Tracked):
a hit of an entry the process holds makes no round trip to Redis at all.

When several visitors ask at once for an answer that is not cached, one worker computes
it and the others wait for it: the feed of every stop takes a third of a second to compute.
At each new minute, the visitors of a page of the minute whose data has not changed get the
page of the minute before while it is computed, rather than wait (under load, they waited
up to 0.6 s at each minute): in the minute's first WAIT_SECONDS, and not at midnight.

While Redis is unreachable the cache keeps nothing (mairie_mobile/cache.py): every answer is
computed for its visitor. A change committed meanwhile is marked (`StalePublicCache`), and
the version moves on as soon as Redis answers again (`catch_up`, every minute), so that the
answers Redis kept from before the change are not served.
"""

import datetime
import gzip
import hashlib
import re
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from functools import lru_cache, wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.urls import Resolver404, get_resolver
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from mairie_mobile import languages
from organisations.models import Organisation
from partners.models import Partner
from stops.models import Closure, ExtraOpening, SchoolHoliday, StalePublicCache, Stop, WeeklySlot

VERSION_KEY = "schedule-version"
# The content of the entries each process keeps beside the cache (_Kept), at most: the timetables,
# stop pages, feeds and API answers most asked for.
KEPT_BYTES = 32 * 1024 * 1024
CSRF_PLACEHOLDER = "csrf-token-of-the-visitor"
# Beside each entry, its version alone (see _stored).
VERSION_SUFFIX = ":version"
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Past this size (the API and the feeds of every stop, the open data: 4 to 5 MB, for programs), an
# answer is compressed at gzip's fastest level, in half the time of its default level for a sixth more
# bytes; the pages that phones read keep its default level.
FAST_GZIP_BYTES = 1024 * 1024
# Moved on when what an entry holds changes (2: an answer without a form, gzip-compressed only), so
# that the workers of the release before, still answering while the new ones start (the schedule's
# version moved on at `migrate`, before both), never read an entry of the new kind, nor these theirs.
ENTRY_FORMAT = 2
# Past this, an unused answer leaves the cache (a change makes it unreachable at once);
# an answer keyed on the minute is of no use once the minute is over.
TIMEOUT = {"minute": 60, "day": 3600, None: 3600}
# While a worker computes an answer, the others asking for it wait for it rather than
# compute it too. Past WAIT_SECONDS (well within gunicorn's 30 s timeout), a waiter computes
# it itself; should the worker computing it die, its lock lapses after COMPUTING_SECONDS.
WAIT_SECONDS = 10
COMPUTING_SECONDS = 30


def version():
    """The schedule's version, or None while the cache is unreachable."""
    current = cache.get(VERSION_KEY)
    if current is None:
        # A new value, never an old one: answers cached before the cache lost the key
        # must not come back.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        current = cache.get(VERSION_KEY)
    return current


def schedule_changed():
    """Stop serving cached answers: now, and again once the change is committed, so that
    an answer computed meanwhile from the old data is not kept either."""
    _bump()
    transaction.on_commit(_bump_or_mark_stale, robust=True)


def catch_up():
    """Move the version on for the changes committed while Redis was unreachable; True once done."""
    stale = list(StalePublicCache.objects.values_list("pk", flat=True))
    if stale and _bump():
        StalePublicCache.objects.filter(pk__in=stale).delete()
        return True
    return False


def _bump():
    """Move the version on; False when the cache is unreachable."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet, or no cache
        return version() is not None
    return True


def _bump_or_mark_stale():
    if not _bump() and not StalePublicCache.objects.exists():
        StalePublicCache.objects.create()


def _on_change(sender, **kwargs):
    schedule_changed()


def watch_schedule_models():
    """Called once the apps are ready: any save or deletion of what the schedule is made of,
    and every `migrate`, which each release runs: new code may render differently."""
    for model in (Organisation, Stop, WeeklySlot, Closure, ExtraOpening, SchoolHoliday, Partner):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"schedule-cache-save-{model.__name__}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"schedule-cache-delete-{model.__name__}")
    m2m_changed.connect(_on_change, sender=Stop.partners.through, dispatch_uid="schedule-cache-partners")
    post_migrate.connect(_on_migrate, dispatch_uid="schedule-cache-release")


def _on_migrate(sender, **kwargs):
    if sender.name == "stops":
        _bump_or_mark_stale()


def _from_cache_allowed(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _key(request, per, now=None):
    """The key of the answer to `request`, of the minute or of the day of `now` (default: now)."""
    moment = ""
    if per == "minute":
        # With the offset from UTC: the hour the clocks go back comes twice, its minutes are not the same.
        moment = timezone.localtime(now).strftime("%Y-%m-%dT%H:%M%z")
    elif per == "day":
        moment = timezone.localtime(now).date().isoformat()
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    # The path tells the language of a page (/en/...), not that of the API's answers
    # (Accept-Language): the language is part of the key, whatever chose it.
    digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()
    return f"public:{translation.get_language()}:{moment}:{digest}:{ENTRY_FORMAT}"


def _with_live_versions(current, keys, found):
    """The version an answer is computed from, with those of the live data it shows (stops.live:
    a stop's queue and marks), read in the same round trip as the answer."""
    versions = [current]
    for key in keys:
        if found.get(key) is None:
            cache.add(key, time.time_ns(), timeout=None)  # a new value, never an old one (see version())
            found[key] = cache.get(key)
        versions.append(found[key])
    return ":".join(str(version) for version in versions)


def cached(per=None, live=None, early=None):
    """Serve a public GET from the cache. `per`: "minute" or "day" when the answer also
    depends on the time; `live`: a function of the request giving the cache keys of the live
    versions it also depends on (stops.live). An answer without a form is the same for everyone: a client that
    has it already (same ETag) is answered 304, and it is sent gzip-compressed to the
    clients that accept it. An answer with a form carries each visitor's own CSRF token:
    it has no ETag and is never compressed (BREACH). An answer its view marks
    `Cache-Control: no-store` is not kept.

    PublicCacheMiddleware serves the hits before the view and what wraps it: `early(request,
    response)`, when the view is wrapped in more than `cached`, does to such a hit what the
    wrapping would have done, or returns None to leave the request to the view."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _from_cache_allowed(request):
                return view(request, *args, **kwargs)
            if request.resolver_match is not None:  # from now on, PublicCacheMiddleware serves its hits
                SERVED[request.resolver_match.func] = (per, live, early)
            # What PublicCacheMiddleware found missing, looked up again only if it did not look.
            key, current, entry = getattr(request, "public_cache_missed", None) or _lookup(request, per, live)
            if current is None:  # the cache is unreachable: this visitor's answer alone
                return view(request, *args, **kwargs)
            plain = None
            if entry is None:
                lock, token = f"{key}:computing:{current}", uuid.uuid4().hex
                entry = _wait_for_turn(lock, token, key, current, lambda: _minute_before(request, per, current))
                if entry is None:  # this worker's turn
                    try:
                        request.csrf_placeholder = True
                        response = view(request, *args, **kwargs)
                        if response.status_code != 200 or response.streaming or _not_to_keep(response):
                            return _with_token(request, response)
                        entry, plain = _entry(response, current), response.content
                        cache.set_many({key: entry, f"{key}{VERSION_SUFFIX}": current}, TIMEOUT[per])
                        KEPT.put(key, entry)
                    finally:
                        _release(lock, token)
            return _answer(request, entry, plain)

        return wrapper

    return decorator


def _not_to_keep(response):
    """An answer its view says to store nowhere (a ticket's page that shows the visitor's number)."""
    return "no-store" in response.get("Cache-Control", "")


# The views that `cached` serves, by the function their address resolves to: (per, live). Each
# one is found the first time it is called in this process.
SERVED = {}


class _Kept:
    """The entries this process served last, up to `limit` bytes of content: a hit whose entry
    is here and of the current version (read at each request, as ever, from the cache or from what
    the cache's tracking keeps) neither fetches nor unpickles it again. An entry of an older
    version is never served from here."""

    def __init__(self, limit):
        self.limit, self.size, self.entries, self.lock = limit, 0, OrderedDict(), threading.Lock()

    def get(self, key):
        key = cache.make_key(key)  # with the cache's prefix, as Redis keeps it
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        size = len(entry["content"])
        if size > self.limit:
            return
        key = cache.make_key(key)
        with self.lock:
            if (old := self.entries.pop(key, None)) is not None:
                self.size -= len(old["content"])
            self.entries[key] = entry
            self.size += size
            while self.size > self.limit:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped["content"])


KEPT = _Kept(KEPT_BYTES)


def _lookup(request, per, live):
    """(key, the current version, the fresh entry or None), in one round trip to the cache at most
    (two when this process does not hold the entry of the current version; none when it holds it
    and the versions too). The version is None while the cache is unreachable."""
    key = _key(request, per)
    live_keys = live(request) if live else []
    kept = KEPT.get(key)
    found = cache.get_many([VERSION_KEY, *live_keys] if kept else [VERSION_KEY, *live_keys, key])
    current = found.get(VERSION_KEY) or version()
    if current is None:
        return key, None, None
    if live_keys:
        current = _with_live_versions(current, live_keys, found)
    if _fresh(kept, current):
        return key, current, kept
    entry = _stored(key, current) if kept else found.get(key)
    if not _fresh(entry, current):
        return key, current, None
    KEPT.put(key, entry)
    return key, current, entry


class PublicCacheMiddleware:
    """Answer a visitor without a session from the cache, before the middleware after this one
    and the view. What that middleware does to such an answer is done here: the clickjacking
    header, and the Vary: Cookie of the session that the user's lookup reads.
    Anything else (not cached, stale, a page the visitor is redirected from to their
    language, an unknown address) goes on to the view, whose `cached` does the rest."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.framing = XFrameOptionsMiddleware(get_response)

    def __call__(self, request):
        response = self._from_cache(request) if _from_cache_allowed(request) else None
        return response if response is not None else self.get_response(request)

    def _from_cache(self, request):
        resolver = get_resolver(getattr(request, "urlconf", None))
        match = _resolved(resolver, translation.get_language(), request.path_info)
        served = SERVED.get(match.func) if match else None
        if served is None or languages.redirect_for(request, match.func):
            return None
        request.resolver_match = match
        per, live, early = served
        found = _lookup(request, per, live)
        _key, _current, entry = found
        if entry is None:
            request.public_cache_missed = found  # for the view's `cached`: a round trip less
            return None
        response = _answer(request, entry)
        if early is not None and (response := early(request, response)) is None:
            return None
        request.session.get(SESSION_KEY)  # as the user's lookup does: Vary: Cookie
        return self.framing.process_response(request, response)


@lru_cache(maxsize=4096)
def _resolved(resolver, language, path):
    """What `path` resolves to (None: an unknown address) with `language` active, whose prefix
    the public pages' patterns match. Remembered for the addresses asked most often: a hit does
    not resolve its address again, and an answer that goes on to the view is resolved twice
    at little cost."""
    try:
        return resolver.resolve(path)
    except Resolver404:
        return None


def _fresh(entry, current):
    return entry is not None and entry.get("version") == current


def _stored(key, current):
    """The entry `key` of version `current` in the cache, or None. Its version, kept beside
    it, is read first: after a change, the entry of the version before is not fetched and
    unpickled only to be found stale."""
    if cache.get(f"{key}{VERSION_SUFFIX}") != current:
        return None
    entry = cache.get(key)
    return entry if _fresh(entry, current) else None


def _wait_for_turn(lock, token, key, current, meanwhile):
    """The answer another worker has just computed, or None when this worker is to compute
    it: it took `lock`, or waited long enough. An answer that is not cached (an error, a
    404) leaves the lock to the next waiter, which computes it in turn. While another worker
    computes it, `meanwhile()` (asked once) is served if it gives an answer."""
    pause, deadline = 0.005, time.monotonic() + WAIT_SECONDS
    while not cache.add(lock, token, COMPUTING_SECONDS):
        if meanwhile is not None and (entry := meanwhile()) is not None:
            return entry
        meanwhile = None
        if time.monotonic() > deadline:
            return None
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
        if (entry := _stored(key, current)) is not None:
            return entry
    if (entry := _stored(key, current)) is not None:  # stored just before the lock was let go?
        _release(lock, token)
        return entry
    return None


def _minute_before(request, per, current):
    """The same answer of the minute before, if it is of the current version (the schedule and the
    live data have not moved; only the clock has), for an answer of the minute: at each minute,
    the visitors of a page that says what is open now get it while one worker computes the
    new minute's, rather than all waiting for it. Only in the minute's first WAIT_SECONDS (past
    them, a worker that computes it for so long may be stuck: the others wait, then compute it),
    and never at midnight (the page of the day before says "Demain" of today)."""
    if per != "minute":
        return None
    moment = timezone.now()
    now, before = timezone.localtime(moment), timezone.localtime(moment - datetime.timedelta(minutes=1))
    if now.second >= WAIT_SECONDS or before.date() != now.date():
        return None
    key = _key(request, per, before)
    kept = KEPT.get(key)
    return kept if _fresh(kept, current) else _stored(key, current)


def _release(lock, token):
    """Let go of `lock` if this worker holds it: not if it lapsed and another worker took it."""
    if cache.get(lock) == token:
        cache.delete(lock)


def _entry(response, current):
    """What is kept of an answer: gzip-compressed with its ETag, unless the answer has a form."""
    if CSRF_PLACEHOLDER.encode() in response.content:
        content, etag = response.content, None
    else:
        level = 1 if len(response.content) > FAST_GZIP_BYTES else 6
        content = gzip.compress(response.content, compresslevel=level, mtime=0)
        # Weak: the answer inflated is the same, byte for byte. Of the compressed bytes, which are
        # the same for the same answer (no time in their header), and 20 to 50 times fewer to hash.
        etag = f'W/"{hashlib.sha256(content).hexdigest()[:32]}"'
    return {
        "version": current,
        "content": content,
        "content_type": response["Content-Type"],
        "headers": {name: response[name] for name in ("Content-Disposition",) if response.has_header(name)},
        "etag": etag,
        "gzip": etag is not None,
    }


def _answer(request, entry, plain=None):
    """The answer of `entry`, gzip-compressed for a client that accepts it, else as it was
    written: `plain` when the caller has it at hand, or inflated."""
    if entry["etag"]:
        not_modified = get_conditional_response(request, etag=entry["etag"])
        if not_modified is not None:
            return _shared(not_modified, entry)  # with the headers of the answer it stands for
    compressed = entry["gzip"] and ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", ""))
    if not entry["gzip"] or compressed:
        content = entry["content"]
    else:
        content = plain if plain is not None else gzip.decompress(entry["content"])
    response = HttpResponse(content, content_type=entry["content_type"])
    for name, value in entry["headers"].items():
        response[name] = value
    if compressed:
        response["Content-Encoding"] = "gzip"
    if entry["etag"]:
        return _shared(response, entry)
    return _with_token(request, response)  # an answer with a form: no ETag


def _shared(response, entry):
    """`response` (the answer of `entry`, or a 304 for it) with what an answer without a form
    carries: its ETag, one per answer whatever its encoding, and that clients may keep it but
    ask each time (a cancelled opening shows at once)."""
    response["ETag"] = entry["etag"]
    patch_vary_headers(response, ["Accept-Encoding"])
    patch_cache_control(response, no_cache=True)
    return response


def _with_token(request, response):
    placeholder = CSRF_PLACEHOLDER.encode()
    if placeholder in response.content:
        response.content = response.content.replace(placeholder, visitor_token(request).encode())
    return response


# The characters of a CSRF secret, and their positions, for masking one.
_CSRF_POSITIONS = {char: position for position, char in enumerate(CSRF_ALLOWED_CHARS)}
# A random byte below this, modulo the number of characters, draws each of them as often.
_CSRF_BYTE_LIMIT = 256 - 256 % len(CSRF_ALLOWED_CHARS)


def visitor_token(request):
    """What django.middleware.csrf.get_token gives, and does to the request (its CSRF cookie is
    set or renewed), its random characters drawn from one call to the system's generator:
    Django's own draws one call per character, 64 for a new visitor, a fifth of the time of
    a cached stop page under load (README, "Under load"). Accepted by CsrfViewMiddleware as
    its own tokens are (tests/stops/test_public_cache.py)."""
    secret = request.META.get("CSRF_COOKIE") or _random_csrf_string()
    request.META.update({"CSRF_COOKIE": secret, "CSRF_COOKIE_NEEDS_UPDATE": True})
    mask = _random_csrf_string()
    count = len(CSRF_ALLOWED_CHARS)
    cipher = (
        CSRF_ALLOWED_CHARS[(_CSRF_POSITIONS[a] + _CSRF_POSITIONS[b]) % count] for a, b in zip(secret, mask, strict=True)
    )
    return mask + "".join(cipher)


def _random_csrf_string():
    """CSRF_SECRET_LENGTH characters of CSRF_ALLOWED_CHARS, each drawn uniformly."""
    drawn, count = "", len(CSRF_ALLOWED_CHARS)
    while len(drawn) < CSRF_SECRET_LENGTH:
        random = secrets.token_bytes(2 * CSRF_SECRET_LENGTH)
        drawn += "".join(CSRF_ALLOWED_CHARS[byte % count] for byte in random if byte < _CSRF_BYTE_LIMIT)
    return drawn[:CSRF_SECRET_LENGTH]


def csrf_placeholder(request):
    """Context processor: a page rendered for the cache gets a placeholder, not this visitor's token."""
    return {"csrf_token": CSRF_PLACEHOLDER} if getattr(request, "csrf_placeholder", False) else {}
