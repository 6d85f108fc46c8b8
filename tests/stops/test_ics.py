"""Calendar feeds, read back as a calendar application would."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import time_machine

from tests.factories import ClosureFactory, ExtraOpeningFactory, StopFactory, WeeklySlotFactory

PARIS = ZoneInfo("Europe/Paris")
TODAY = datetime.date(2025, 3, 10)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("travel_to_today")]


@pytest.fixture
def travel_to_today():
    with time_machine.travel(datetime.datetime(2025, 3, 10, 8, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def territory(tuesday_bus):
    """Two stops with holidays, a public holiday, closures and extra openings over the feeds' range."""
    permanence = StopFactory(slug="lab-chapelle", name="Lab'Chapelle", school_holidays_zone="C")
    WeeklySlotFactory(
        stop=permanence,
        weekday=2,
        start=datetime.time(10),
        end=datetime.time(12),
        every_weeks=2,
        starts_on=datetime.date(2024, 9, 4),
    )
    ClosureFactory(stop=tuesday_bus, first_day=datetime.date(2025, 3, 18), reason="Bus en panne")
    ClosureFactory(stop=None, first_day=datetime.date(2025, 6, 3), last_day=datetime.date(2025, 6, 4), reason="Grève")
    ExtraOpeningFactory(
        stop=tuesday_bus, date=datetime.date(2025, 7, 8), start=datetime.time(10), end=datetime.time(12)
    )
    ExtraOpeningFactory(
        stop=permanence, date=datetime.date(2025, 4, 16), start=datetime.time(10), end=datetime.time(12)
    )
    return [tuesday_bus, permanence]


def events_of(content):
    calendar = icalendar.Calendar.from_ical(content)
    start = datetime.datetime(2000, 1, 1, tzinfo=PARIS)
    end = datetime.datetime(2100, 1, 1, tzinfo=PARIS)
    return recurring_ical_events.of(calendar).between(start, end)


def open_openings_from_api(client, stop=None):
    """The open openings the API gives over the feeds' range (30 days back, 365 ahead), in two calls."""
    ranges = [("2025-02-08", "2025-12-31"), ("2026-01-01", "2026-03-10")]
    items = []
    for start, end in ranges:
        params = {"start": start, "end": end} | ({"stop": stop} if stop else {})
        response = client.get("/api/v1/openings", params)
        assert response.status_code == 200
        items += response.json()
    return {
        (
            item["stop"],
            datetime.datetime.combine(
                datetime.date.fromisoformat(item["date"]), datetime.time.fromisoformat(item["start"]), tzinfo=PARIS
            ),
            datetime.datetime.combine(
                datetime.date.fromisoformat(item["date"]), datetime.time.fromisoformat(item["end"]), tzinfo=PARIS
            ),
        )
        for item in items
        if item["status"] == "open"
    }


def as_openings(events):
    """(stop slug, start, end) of each event; the stop is read from the event's link to its page."""
    return {(str(event["URL"]).split("/")[-2], event["DTSTART"].dt, event["DTEND"].dt) for event in events}


def test_stop_feed_equals_the_api(client, territory):
    response = client.get("/arrets/nathalie-sarraute/calendrier.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = events_of(response.content)
    expected = open_openings_from_api(client, "nathalie-sarraute")
    assert as_openings(events) == expected
    assert len(expected) > 50


def test_all_stops_feed_equals_the_api(client, territory):
    events = events_of(client.get("/calendrier.ics").content)
    assert as_openings(events) == open_openings_from_api(client)


def test_feed_leaves_out_cancellations_and_includes_extra_openings(client, territory):
    starts = {event["DTSTART"].dt for event in events_of(client.get("/calendrier.ics").content)}
    assert datetime.datetime(2025, 3, 11, 9, 30, tzinfo=PARIS) in starts
    assert datetime.datetime(2025, 3, 18, 9, 30, tzinfo=PARIS) not in starts  # bus en panne
    assert datetime.datetime(2025, 4, 15, 9, 30, tzinfo=PARIS) not in starts  # school holidays
    assert datetime.datetime(2025, 6, 3, 9, 30, tzinfo=PARIS) not in starts  # every stop closed
    assert datetime.datetime(2025, 7, 8, 10, 0, tzinfo=PARIS) in starts  # extra, in the summer holidays
    assert datetime.datetime(2025, 4, 16, 10, 0, tzinfo=PARIS) in starts


def test_feed_times_are_paris_times(client, territory):
    events = events_of(client.get("/arrets/nathalie-sarraute/calendrier.ics").content)
    winter = next(e for e in events if e["DTSTART"].dt.date() == datetime.date(2025, 3, 11))
    summer = next(e for e in events if e["DTSTART"].dt.date() == datetime.date(2025, 6, 10))
    for event in (winter, summer):
        assert str(event["DTSTART"].dt.tzinfo) == "Europe/Paris"
        assert event["DTSTART"].dt.time() == datetime.time(9, 30)
    assert winter["DTSTART"].dt.utcoffset() == datetime.timedelta(hours=1)
    assert summer["DTSTART"].dt.utcoffset() == datetime.timedelta(hours=2)


def test_feed_covers_the_past_month_and_the_coming_year(client, territory):
    days = sorted(event["DTSTART"].dt.date() for event in events_of(client.get("/calendrier.ics").content))
    assert days[0] >= TODAY - datetime.timedelta(days=30)
    assert days[0] <= TODAY - datetime.timedelta(days=20)
    assert days[-1] >= TODAY + datetime.timedelta(days=358)


def test_unknown_stop_feed_is_404(client):
    assert client.get("/arrets/inconnu/calendrier.ics").status_code == 404


@pytest.mark.parametrize("count", [3, 300])
def test_feed_queries_do_not_grow_with_the_stops(client, count, django_assert_max_num_queries):
    from tests.conftest import ENGINE_QUERIES, make_stops

    stops = make_stops(count)
    with django_assert_max_num_queries(ENGINE_QUERIES):
        assert client.get("/calendrier.ics").status_code == 200
    with django_assert_max_num_queries(ENGINE_QUERIES):  # the stop itself is the engine's first
        assert client.get(f"/arrets/{stops[0].slug}/calendrier.ics").status_code == 200
