"""Public answers come from the cache, and every schedule change shows at once."""

import datetime
import gzip
import re
import textwrap
import threading
from collections import Counter

import pytest
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from partners.models import Partner
from stops import caching
from stops.caching import CSRF_PLACEHOLDER, version
from stops.importer import import_stops
from stops.models import Closure, WeeklySlot
from stops.schedule import PARIS
from tests.factories import ClosureFactory, ExtraOpeningFactory, StopFactory

pytestmark = pytest.mark.django_db

MONDAY_NOON = datetime.datetime(2025, 3, 3, 12, 0, tzinfo=PARIS)
TUESDAY = datetime.date(2025, 3, 11)
PUBLIC_ANSWERS = [
    "/",
    "/arrets/nathalie-sarraute/",
    "/arrets/nathalie-sarraute/calendrier.ics",
    "/calendrier.ics",
    "/api/v1/openings?start=2025-03-10&end=2025-03-16",
    "/api/v1/openings?start=2025-03-10&end=2025-03-16&stop=nathalie-sarraute",
]
# The stop's poster: its week, partners and contact, without the openings of the coming days.
POSTER = "/arrets/nathalie-sarraute/affiche/"
# Today's live status of a stop (stops/live.py): cached too, fresh after a queue change (tests/stops/test_live.py).
LIVE_ANSWERS = ["/arrets/nathalie-sarraute/statut/", "/api/v1/stops/nathalie-sarraute/status"]


@pytest.fixture(autouse=True)
def monday_noon():
    with time_machine.travel(MONDAY_NOON, tick=False) as traveller:
        yield traveller


def without_token(response):
    """The page as every visitor sees it: each one's CSRF token differs."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


# The open-data files (stops/opendata.py), cached for the day.
OPEN_DATA = [
    "/donnees/",
    "/donnees/lieux-mediation-numerique.csv",
    "/donnees/lieux-mediation-numerique.json",
    "/donnees/data-inclusion/structures.json",
    "/donnees/data-inclusion/services.json",
    "/donnees/arrets.geojson?organisation=paris",
]


@pytest.mark.parametrize("url", [*PUBLIC_ANSWERS, POSTER, *LIVE_ANSWERS, *OPEN_DATA])
def test_a_second_visitor_is_answered_without_the_database(url, client, tuesday_bus, django_assert_num_queries):
    first = client.get(url)
    with django_assert_num_queries(0):
        second = Client().get(url)
    assert second.status_code == first.status_code == 200
    assert second["Content-Type"] == first["Content-Type"]
    assert without_token(second) == without_token(first)


# Under a language's prefix, the answers do not vary with Accept-Language.
IN_ENGLISH = ["/en/arrets/nathalie-sarraute/", "/en/arrets/nathalie-sarraute/calendrier.ics", "/en/donnees/"]


@pytest.mark.parametrize("url", [*PUBLIC_ANSWERS, *LIVE_ANSWERS, *OPEN_DATA, *IN_ENGLISH, "/api/v1/stops"])
@pytest.mark.parametrize("encoding", ["", "gzip, deflate, br"])
def test_a_hit_is_answered_early_with_the_headers_of_the_computed_answer(url, encoding, tuesday_bus):
    """PublicCacheMiddleware answers before the user is looked up, with the same headers, the
    security headers included, and the same cookies (a page with a form: a CSRF cookie)."""
    computed = Client().get(url, headers={"Accept-Encoding": encoding})
    hit = Client().get(url, headers={"Accept-Encoding": encoding})
    assert hasattr(computed.wsgi_request, "user")
    assert not hasattr(hit.wsgi_request, "user")
    assert hit.status_code == computed.status_code == 200
    assert dict(hit.headers) | {"X-Request-ID": ""} == dict(computed.headers) | {"X-Request-ID": ""}
    assert {name: dict(cookie) for name, cookie in hit.cookies.items()} == {
        name: dict(cookie) for name, cookie in computed.cookies.items()
    }


@pytest.mark.parametrize("url", ["/arrets/nathalie-sarraute/?x=%00", "/api/v1/stops?organisation=%01"])
def test_an_address_with_a_control_character_is_refused_though_its_page_is_cached(url, tuesday_bus):
    """The middleware that refuses them comes after the public cache's: no answer is ever kept for such an address."""
    page = url.split("?")[0]
    for _ in range(2):
        assert Client().get(page).status_code == 200
    assert Client().get(url).status_code == 400


@pytest.mark.parametrize("headers", [{"Accept-Language": "en"}, {"Cookie": "django_language=ar"}])
def test_a_visitor_who_wants_another_language_is_sent_there_from_a_cached_page(headers, tuesday_bus):
    assert Client().get("/arrets/nathalie-sarraute/").status_code == 200  # cached in French
    Client().get("/arrets/nathalie-sarraute/")
    redirected = Client().get("/arrets/nathalie-sarraute/", headers=headers)
    assert redirected.status_code == 302
    assert redirected["Location"] == f"/{'en' if 'Accept-Language' in headers else 'ar'}/arrets/nathalie-sarraute/"


@pytest.mark.parametrize("url", PUBLIC_ANSWERS)
def test_a_closure_shows_at_once_everywhere(url, client, tuesday_bus):
    before = client.get(url)
    Closure.objects.create(stop=tuesday_bus, first_day=TUESDAY, last_day=TUESDAY, reason="Bus en panne")
    after = client.get(url)
    if url.endswith(".ics"):
        assert "EXDATE" in after.content.decode()
        assert "20250311T093000" in after.content.decode().split("EXDATE", 1)[1]
        assert "20250311T093000" not in before.content.decode()
    elif url.startswith("/api/"):
        cancelled = [o for o in after.json() if o["date"] == "2025-03-11"]
        assert {o["status"] for o in cancelled} == {"cancelled"}
        assert {o["status"] for o in before.json() if o["date"] == "2025-03-11"} == {"open"}
    else:
        # "Annulé Bus en panne" on the timetable, "Mardi 11 mars : fermé (bus en panne)" on the stop's page.
        assert re.search(r"Bus en panne|\(bus en panne\)", without_token(after))
        assert not re.search(r"Bus en panne|\(bus en panne\)", without_token(before))


def rename(partner, name, short_name=None):
    partner.name = name
    partner.short_name = short_name or partner.short_name
    partner.save()


def test_every_kind_of_change_moves_the_answers_on(client, tuesday_bus):
    url = "/arrets/nathalie-sarraute/"
    changes = [
        lambda: ClosureFactory(stop=tuesday_bus, first_day=TUESDAY, last_day=TUESDAY, reason="Bus en panne"),
        lambda: ExtraOpeningFactory(stop=tuesday_bus, date=datetime.date(2025, 3, 13), reason="Forum de l'emploi"),
        lambda: WeeklySlot.objects.filter(stop=tuesday_bus, start=datetime.time(14)).delete(),
        lambda: tuesday_bus.partners.set([Partner.objects.get(code="caf")]),
        lambda: rename(Partner.objects.get(code="caf"), "Caf de Paris"),
        lambda: setattr(tuesday_bus, "landmark", "Devant la médiathèque") or tuesday_bus.save(),
    ]
    for number, change in enumerate(changes):
        before = without_token(client.get(url))
        change()
        assert without_token(client.get(url)) != before, number


def test_every_change_to_what_the_poster_says_shows_at_once(client, tuesday_bus):
    changes = [
        lambda: WeeklySlot.objects.create(stop=tuesday_bus, weekday=3, start=datetime.time(10), end=datetime.time(12)),
        lambda: tuesday_bus.partners.set([Partner.objects.get(code="caf")]),
        lambda: rename(Partner.objects.get(code="caf"), "Caf de Paris", short_name="Caf de Paris"),
        lambda: setattr(tuesday_bus.organisation, "contact_phone", "01 42 76 40 40") or tuesday_bus.organisation.save(),
        lambda: setattr(tuesday_bus, "landmark", "Devant la médiathèque") or tuesday_bus.save(),
    ]
    for number, change in enumerate(changes):
        before = client.get(POSTER).content
        change()
        assert client.get(POSTER).content != before, number


def test_the_week_on_the_poster_moves_on_with_the_day(client, tuesday_bus, monday_noon):
    WeeklySlot.objects.create(
        stop=tuesday_bus, weekday=3, start=datetime.time(10), end=datetime.time(12), starts_on=datetime.date(2025, 3, 4)
    )
    assert "Tous les jeudis : 10h – 12h (à partir du 4 mars)" in client.get(POSTER).content.decode()
    monday_noon.move_to(datetime.datetime(2025, 3, 4, 0, 0, 1, tzinfo=PARIS))
    assert "Tous les jeudis : 10h – 12h</li>" in client.get(POSTER).content.decode()


def test_an_import_that_only_adds_slots_shows_at_once(client, tuesday_bus):
    """The importer adds slots in bulk, which sends no signal: the edit it runs in says so."""
    url = "/api/v1/openings?start=2025-03-10&end=2025-03-16&stop=nathalie-sarraute"
    before = client.get(url).json()
    stops_file = textwrap.dedent(
        """
        stops:
          - slug: nathalie-sarraute
            name: "Bus Mairie mobile – Esplanade Nathalie Sarraute"
            kind: bus
            address: "26, esplanade Nathalie Sarraute"
            postcode: "75018"
            school_holidays_zone: C
            slots:
              - {weekday: tuesday, start: "09:30", end: "13:00"}
              - {weekday: tuesday, start: "14:00", end: "17:00"}
              - {weekday: thursday, start: "10:00", end: "12:00"}
        """
    )
    import_stops(stops_file)
    after = client.get(url).json()
    assert len(after) == len(before) + 1
    assert any(opening["date"] == "2025-03-13" for opening in after)


def test_what_is_open_now_follows_the_clock(client, tuesday_bus, monday_noon):
    monday_noon.move_to(datetime.datetime(2025, 3, 4, 9, 29, 30, tzinfo=PARIS))
    assert "Ouvert en ce moment" not in client.get("/arrets/nathalie-sarraute/").content.decode()
    monday_noon.move_to(datetime.datetime(2025, 3, 4, 9, 30, 5, tzinfo=PARIS))
    assert "Ouvert en ce moment" in client.get("/arrets/nathalie-sarraute/").content.decode()


def another_worker_computes(url):
    """Take the lock of the answer to `url` of this minute, as a worker computing it holds it."""
    request = RequestFactory().get(url)
    request.resolver_match = resolve(url)
    per, live_keys, _early = caching.SERVED[request.resolver_match.func]  # as the view is cached
    key, current, _entry = caching._lookup(request, per, live_keys)
    assert caches["default"].add(f"{key}:computing:{current}", "another worker", 30)


def test_at_a_new_minute_the_minute_before_is_served_while_another_worker_computes(
    tuesday_bus, monday_noon, monkeypatch, django_assert_num_queries
):
    """Rather than every visitor waiting for it: the schedule and the queue have not moved, only
    the clock, and by seconds."""
    monkeypatch.setattr(caching, "WAIT_SECONDS", 0.2)  # were it not served: computed after 0.2 s
    url = "/arrets/nathalie-sarraute/"
    monday_noon.move_to(datetime.datetime(2025, 3, 4, 9, 29, 30, tzinfo=PARIS))
    assert "Ouvert en ce moment" not in Client().get(url).content.decode()
    monday_noon.move_to(datetime.datetime(2025, 3, 4, 9, 30, 0, 100_000, tzinfo=PARIS))
    another_worker_computes(url)
    caching.KEPT.entries.clear()  # from Redis, as another process would
    with django_assert_num_queries(0):
        meanwhile = Client().get(url)
    assert meanwhile.status_code == 200
    assert "Ouvert en ce moment" not in meanwhile.content.decode()
    assert "csrfmiddlewaretoken" in meanwhile.content.decode()
    caches["default"].clear()  # the other worker is done
    assert "Ouvert en ce moment" in Client().get(url).content.decode()


def test_the_minute_before_is_sent_compressed_or_not_as_the_client_asks(
    tuesday_bus, monday_noon, monkeypatch, django_assert_num_queries
):
    """An answer without a form: its gzip copy, held by this process, inflated for a client that
    does not accept gzip."""
    monkeypatch.setattr(caching, "WAIT_SECONDS", 0.2)
    url = "/api/v1/stops/nathalie-sarraute/status"
    monday_noon.move_to(datetime.datetime(2025, 3, 4, 12, 59, 30, tzinfo=PARIS))
    before = Client().get(url)
    assert before.json()["start"] == "09:30"  # the morning's opening, until 13:00
    monday_noon.move_to(datetime.datetime(2025, 3, 4, 13, 0, 0, 100_000, tzinfo=PARIS))
    another_worker_computes(url)
    with django_assert_num_queries(0):
        plain = Client().get(url)
        compressed = Client(HTTP_ACCEPT_ENCODING="gzip").get(url)
    assert plain.content == before.content
    assert not plain.has_header("Content-Encoding")
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == before.content
    caches["default"].clear()
    assert Client().get(url).json()["start"] == "14:00"


@pytest.mark.parametrize(
    "late",
    [
        datetime.datetime(2025, 3, 11, 0, 0, 0, 100_000, tzinfo=PARIS),  # midnight: "Demain" is today now
        datetime.datetime(2025, 3, 4, 9, 30, 12, tzinfo=PARIS),  # past the minute's first seconds: open now
    ],
)
def test_at_midnight_or_once_the_minute_is_well_begun_a_visitor_waits_for_the_new_page(
    late, tuesday_bus, monday_noon, monkeypatch
):
    """A worker computing the page for so long may be stuck: the others wait for it, then compute it."""
    monkeypatch.setattr(caching, "WAIT_SECONDS", 0.2)
    url = "/arrets/nathalie-sarraute/"
    monday_noon.move_to(late - datetime.timedelta(minutes=1))
    before = Client().get(url)
    monday_noon.move_to(late)
    another_worker_computes(url)
    now = Client().get(url)
    assert now.status_code == 200
    caches["default"].clear()
    assert without_token(now) == without_token(Client().get(url))  # computed for the new minute
    assert without_token(now) != without_token(before)


def test_when_the_clocks_go_back_the_hour_that_comes_again_has_answers_of_its_own(client, tuesday_bus, monday_noon):
    url = "/api/v1/stops/nathalie-sarraute/status"
    monday_noon.move_to(datetime.datetime(2025, 10, 26, 0, 30, 10, tzinfo=datetime.UTC))  # 02:30 summer time
    client.get(url)
    with CaptureQueriesContext(connection) as served:
        client.get(url)
    assert len(served) == 0  # the same minute: from the cache
    monday_noon.move_to(datetime.datetime(2025, 10, 26, 1, 30, 10, tzinfo=datetime.UTC))  # 02:30 again, winter time
    with CaptureQueriesContext(connection) as computed:
        client.get(url)
    assert len(computed) > 0  # not the answer of an hour ago


def test_after_a_change_a_visitor_waits_for_the_new_answer_rather_than_get_the_minute_before(
    tuesday_bus, monday_noon, monkeypatch
):
    monkeypatch.setattr(caching, "WAIT_SECONDS", 0.2)  # then computes it itself
    url = "/arrets/nathalie-sarraute/"
    monday_noon.move_to(datetime.datetime(2025, 3, 10, 9, 29, 30, tzinfo=PARIS))
    assert "fermé (bus en panne)" not in Client().get(url).content.decode()
    ClosureFactory(stop=tuesday_bus, first_day=TUESDAY, last_day=TUESDAY, reason="Bus en panne")
    monday_noon.move_to(datetime.datetime(2025, 3, 10, 9, 30, 0, 100_000, tzinfo=PARIS))
    another_worker_computes(url)
    assert "<strong>Demain</strong> : fermé (bus en panne)" in Client().get(url).content.decode()


def test_the_calendar_feed_moves_on_with_the_day(client, tuesday_bus, monday_noon):
    today = client.get("/arrets/nathalie-sarraute/calendrier.ics")
    monday_noon.move_to(datetime.datetime(2025, 3, 4, 0, 0, 1, tzinfo=PARIS))
    tomorrow = client.get("/arrets/nathalie-sarraute/calendrier.ics")
    assert today["ETag"] != tomorrow["ETag"]


@pytest.mark.parametrize(
    "url",
    [
        "/arrets/nathalie-sarraute/calendrier.ics",
        "/calendrier.ics",
        "/api/v1/stops",
        "/api/v1/openings?start=2025-03-10&end=2025-03-16",
        POSTER,
    ],
)
def test_a_client_with_the_current_version_is_told_nothing_changed(url, client, tuesday_bus):
    first = client.get(url)
    etag = first["ETag"]
    assert "no-cache" in first["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # As the answer it stands for (RFC 9110, 15.4.5): a shared cache keeps each encoding apart.
    assert set(again["Vary"].split(", ")) == set(first["Vary"].split(", "))
    assert again["Cache-Control"] == first["Cache-Control"]

    ClosureFactory(stop=tuesday_bus, first_day=TUESDAY, last_day=TUESDAY, reason="Bus en panne")
    tuesday_bus.landmark = "Devant la médiathèque"
    tuesday_bus.save()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


@override_settings(TIMETABLE_GROUP_THRESHOLD=0)
def test_the_commune_index_is_told_nothing_changed_until_a_commune_comes(client, tuesday_bus):
    first = client.get("/")
    assert client.get("/", headers={"If-None-Match": first["ETag"]}).status_code == 304
    StopFactory(city="Roubaix", postcode="59100")
    changed = client.get("/", headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert "Roubaix (59100)" in changed.content.decode()


class KeptFor:
    """The cache, noting for how long each answer is kept."""

    def __init__(self, cache):
        self.cache, self.timeouts = cache, []

    def __getattr__(self, name):
        return getattr(self.cache, name)

    def set_many(self, entries, timeout):
        self.timeouts.append(timeout)
        return self.cache.set_many(entries, timeout)


@pytest.mark.parametrize(("url", "seconds"), [("/", 60), ("/arrets/nathalie-sarraute/", 60), ("/calendrier.ics", 3600)])
def test_an_answer_keyed_on_the_minute_is_kept_for_the_minute(url, seconds, client, tuesday_bus, monkeypatch):
    kept = KeptFor(caching.cache)
    monkeypatch.setattr(caching, "cache", kept)
    client.get(url)
    assert kept.timeouts == [seconds]


def test_each_visitor_gets_a_working_token_of_their_own(tuesday_bus, mailoutbox):
    tokens = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get("/arrets/nathalie-sarraute/").content.decode()
        assert CSRF_PLACEHOLDER not in page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        tokens.append(token)
        response = visitor.post(
            "/abonnement/",
            {"email": f"personne{len(tokens)}@example.org", "stop": "nathalie-sarraute", "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 200, response.content.decode()
    assert tokens[0] != tokens[1]
    assert len(mailoutbox) == 2


def test_a_returning_visitor_s_token_is_for_the_secret_of_their_cookie(tuesday_bus, mailoutbox):
    """Each cached page gives a new token for the same secret: a form opened before another page
    still posts."""
    visitor = Client(enforce_csrf_checks=True)
    first = visitor.get("/arrets/nathalie-sarraute/")
    secret = first.cookies[settings.CSRF_COOKIE_NAME].value
    second = visitor.get("/arrets/nathalie-sarraute/")
    assert second.cookies[settings.CSRF_COOKIE_NAME].value == secret  # renewed, not replaced
    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
        for page in (first, second)
    ]
    assert tokens[0] != tokens[1]
    response = visitor.post(
        "/abonnement/", {"email": "personne@example.org", "stop": "nathalie-sarraute", "csrfmiddlewaretoken": tokens[0]}
    )
    assert response.status_code == 200, response.content.decode()
    assert len(mailoutbox) == 1


def test_a_token_s_characters_are_drawn_evenly():
    """As Django's: each allowed character as often as the others (a byte modulo 62 would draw
    the first eight a quarter more often)."""
    drawn = Counter(
        "".join(caching.visitor_token(RequestFactory().get("/"))[:CSRF_SECRET_LENGTH] for _ in range(10_000))
    )
    assert set(drawn) == set(CSRF_ALLOWED_CHARS)
    assert max(drawn.values()) / min(drawn.values()) < 1.15


def test_a_logged_in_agent_is_not_served_the_visitors_page(client, agent, tuesday_bus):
    Client().get("/")  # cached for visitors
    client.force_login(agent)
    assert "Se déconnecter" in client.get("/").content.decode()


def test_the_cache_is_told_again_once_the_change_is_committed(tuesday_bus, django_capture_on_commit_callbacks):
    """A page computed from the old data while the change was being saved is not kept either."""
    before = version()
    with django_capture_on_commit_callbacks(execute=True):
        ClosureFactory(stop=tuesday_bus, first_day=TUESDAY, last_day=TUESDAY, reason="Bus en panne")
        during = version()
    assert before < during < version()


@pytest.mark.parametrize("url", ["/calendrier.ics", "/api/v1/openings?start=2025-03-10&end=2025-03-16", "/"])
@override_settings(TIMETABLE_GROUP_THRESHOLD=0)  # "/": the commune index of a large territory, without a form
def test_a_client_that_accepts_gzip_gets_the_same_answer_compressed(url, client, tuesday_bus):
    plain = client.get(url)
    compressed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content)
    assert compressed["ETag"] == plain["ETag"]


def public_entries():
    """{key: value} of the answers Redis keeps (not their versions nor the computing locks)."""
    client = caches["default"]._cache
    redis = client.get_client(write=False)
    keys = [key.decode() for key in redis.scan_iter(caches["default"].make_key("public:") + "*")]
    answers = [key for key in keys if not key.endswith(caching.VERSION_SUFFIX) and ":computing:" not in key]
    return {key: client._serializer.loads(redis.get(key)) for key in answers}


@pytest.mark.parametrize("accept", ["", "gzip"])
def test_an_answer_without_a_form_is_kept_once_compressed_and_inflated_for_a_plain_client(accept, tuesday_bus):
    """One entry per answer, the gzip copy, whatever the first visitor accepted: the openings of every
    stop over a month take 88 KB in Redis rather than 4.7 MB more for a plain copy."""
    url = "/api/v1/openings?start=2025-03-10&end=2025-03-16"
    first = Client(HTTP_ACCEPT_ENCODING=accept).get(url)
    [entry] = public_entries().values()
    assert entry["content"][:2] == b"\x1f\x8b"  # gzip's magic number
    caching.KEPT.entries.clear()  # this process no longer holds it: from Redis, as another worker
    plain = Client().get(url)
    assert not plain.has_header("Content-Encoding")
    assert plain.content == gzip.decompress(entry["content"])
    assert b'"stop": "nathalie-sarraute"' in plain.content
    assert plain["ETag"] == first["ETag"]
    assert Client(HTTP_ACCEPT_ENCODING="gzip").get(url).content == entry["content"]
    assert len(public_entries()) == 1


def test_a_large_answer_is_kept_compressed_at_the_fastest_level_a_page_at_the_default_one(monkeypatch, tuesday_bus):
    """gzip's header says how hard its bytes were compressed (XFL: 4 the fastest, 0 the default level)."""
    week, year = "start=2025-03-10&end=2025-03-16", "start=2025-01-01&end=2025-12-31"
    monkeypatch.setattr(caching, "FAST_GZIP_BYTES", len(Client().get(f"/api/v1/openings?{week}").content))
    for url in (f"/api/v1/openings?{week}", f"/api/v1/openings?{year}"):
        plain = Client().get(url).content
        assert gzip.decompress(Client(HTTP_ACCEPT_ENCODING="gzip").get(url).content) == plain
    entries = {entry["content"][8]: gzip.decompress(entry["content"]) for entry in public_entries().values()}
    assert entries.keys() == {0, 4}
    assert len(entries[4]) > caching.FAST_GZIP_BYTES >= len(entries[0])


@pytest.mark.parametrize("url", ["/arrets/nathalie-sarraute/", "/", "/?q=75018"])
def test_pages_with_a_form_are_never_compressed(url, client, tuesday_bus):
    """A CSRF token in a compressed answer would leak to a BREACH attack."""
    for _ in range(2):  # computed, then from the cache
        page = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert "csrfmiddlewaretoken" in page.content.decode()
        assert not page.has_header("Content-Encoding")
        assert not page.has_header("ETag")


def test_a_release_starts_from_an_empty_cache(client, tuesday_bus):
    """Every release runs `migrate`: answers rendered by the previous code are not served."""
    from django.core.management import call_command

    before = version()
    call_command("migrate", verbosity=0)
    assert version() > before


class SlowView:
    """A view whose first run takes its time, until the test lets it answer; it counts its runs."""

    def __init__(self, status=200):
        self.status, self.calls = status, 0
        self.running, self.release = threading.Event(), threading.Event()

    def __call__(self, request):
        self.calls += 1
        if self.calls == 1:
            self.running.set()
            assert self.release.wait(10)
        return HttpResponse("Le flux de tous les arrêts", status=self.status)


def ask_together(view, count, monkeypatch):
    """`count` visitors ask at once; the first computes. Returns their answers once all are in."""
    waiting = threading.Semaphore(0)
    wait_for_turn = caching._wait_for_turn

    def waits(*args):
        waiting.release()
        return wait_for_turn(*args)

    monkeypatch.setattr(caching, "_wait_for_turn", waits)
    answers = []
    ask = caching.cached()(view)

    def visitor():
        answers.append(ask(RequestFactory().get("/tous-les-arrets.ics")))

    threads = [threading.Thread(target=visitor) for _ in range(count)]
    threads[0].start()
    assert view.running.wait(10)
    for thread in threads[1:]:
        thread.start()
    for _ in range(count):  # every visitor has asked
        assert waiting.acquire(timeout=10)
    view.release.set()
    for thread in threads:
        thread.join(10)
    return answers


def test_an_answer_asked_for_by_many_at_once_is_computed_once(monkeypatch):
    view = SlowView()
    answers = ask_together(view, 4, monkeypatch)
    assert view.calls == 1
    assert [answer.status_code for answer in answers] == [200] * 4
    assert {answer.content.decode() for answer in answers} == {"Le flux de tous les arrêts"}


def test_an_answer_that_is_not_kept_is_computed_by_the_next_visitor(monkeypatch):
    view = SlowView(status=404)
    answers = ask_together(view, 2, monkeypatch)
    assert view.calls == 2
    assert [answer.status_code for answer in answers] == [404, 404]


def test_a_visitor_waits_for_another_worker_only_so_long(monkeypatch):
    """Well within gunicorn's timeout: a worker stuck or gone does not take its waiters down with it."""
    monkeypatch.setattr(caching, "WAIT_SECONDS", 0.2)
    view = SlowView()
    ask = caching.cached()(view)
    first = threading.Thread(target=ask, args=[RequestFactory().get("/tous-les-arrets.ics")])
    first.start()
    assert view.running.wait(10)
    answer = ask(RequestFactory().get("/tous-les-arrets.ics"))
    assert answer.status_code == 200
    assert view.calls == 2
    view.release.set()
    first.join(10)


def test_a_hit_this_process_holds_is_not_fetched_again_and_never_served_once_the_version_moves(
    tuesday_bus, monkeypatch
):
    url = "/api/v1/openings?start=2025-03-10&end=2025-03-16&stop=nathalie-sarraute"
    first = Client().get(url)
    asked = []
    backend = caches["default"]
    get_many = backend.get_many
    monkeypatch.setattr(backend, "get_many", lambda keys: asked.append(keys) or get_many(keys))
    again = Client().get(url)
    assert again.content == first.content
    assert asked == [[caching.VERSION_KEY]]  # the version only: the entry is the process's
    ClosureFactory(stop=tuesday_bus, first_day=TUESDAY, last_day=TUESDAY, reason="Bus en panne")
    assert b'"status": "cancelled"' in Client().get(url).content


def test_what_a_process_holds_is_bounded_oldest_first():
    kept = caching._Kept(limit=12)
    kept.put("a", {"content": b"123456"})
    kept.put("b", {"content": b"1234"})
    assert kept.get("a") is not None  # a is now the latest used
    kept.put("c", {"content": b"12345"})
    assert kept.get("b") is None
    assert kept.get("a") is not None
    assert kept.get("c") is not None
    kept.put("huge", {"content": b"x" * 13})
    assert kept.get("huge") is None
    assert kept.size == 11


def test_after_a_change_the_entry_of_the_version_before_is_not_fetched(tuesday_bus):
    """Its version is read first: the entry itself, however large, is left where it is. Were it
    fetched, its bytes, which no longer unpickle, would fail the request."""
    url = "/api/v1/openings?start=2025-03-10&end=2025-03-16"
    first = Client().get(url)
    assert Client().get(url).content == first.content  # held by this process now
    entry = next(key for key in caching.KEPT.entries if "public:" in key)
    caches["default"]._cache.get_client(entry, write=True).set(entry, b"\x80no longer a pickle")
    ClosureFactory(stop=tuesday_bus, first_day=TUESDAY, last_day=TUESDAY, reason="Bus en panne")
    assert b'"status": "cancelled"' in Client().get(url).content
