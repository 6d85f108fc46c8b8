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


@pytest.fixture
def awkward_stop():
    """A stop whose texts hold every character TEXT values escape, letters outside ASCII, and
    lines long enough to be folded in the middle of a character."""
    stop = StopFactory(
        slug="salle-des-fetes",
        name="Salle des fêtes « Les Tilleuls », 1er étage; côté cour\\entrée B – 图书馆",
        address="2, place de l'Église; bâtiment C, escalier « Ü »",
        postcode="97400",
        city="Saint-Denis",
        landmark="Entrée par la cour, à gauche;\nsonnez à l'interphone « Mairie »\r\npuis montez — ça y est ! 🚌" * 2,
        school_holidays_zone="C",
    )
    WeeklySlotFactory(
        stop=stop,
        weekday=3,
        start=datetime.time(14),
        end=datetime.time(16, 30),
        every_weeks=3,
        starts_on=datetime.date(2025, 1, 2),
    )
    ClosureFactory(stop=stop, first_day=datetime.date(2025, 4, 3), reason="Travaux")
    ExtraOpeningFactory(
        stop=stop,
        date=datetime.date(2025, 5, 2),
        start=datetime.time(9),
        end=datetime.time(11),
        reason="Permanence exceptionnelle, salle « B »; entrée libre",
    )
    return stop


def test_feed_escapes_and_folds_texts(client, awkward_stop):
    content = client.get(f"/arrets/{awkward_stop.slug}/calendrier.ics").content
    lines = content.split(b"\r\n")
    assert lines[-1] == b""  # every line ends with CRLF, the last one too
    for line in lines:
        assert b"\n" not in line
        assert b"\r" not in line
        assert len(line) <= 75
        line.decode()  # a folded line never ends in the middle of a character
    unfolded = content.replace(b"\r\n ", b"").decode()
    assert "LOCATION:2\\, place de l'Église\\; bâtiment C\\, escalier « Ü »\\, 97400 Saint-Denis\r\n" in unfolded
    assert "SUMMARY:Mairie mobile – Salle des fêtes « Les Tilleuls »\\, 1er étage\\; côté cour\\\\entrée B" in unfolded
    events = events_of(content)
    summaries = {str(event["SUMMARY"]) for event in events}
    assert summaries == {f"Mairie mobile – {awkward_stop.name}"}
    locations = {str(event["LOCATION"]) for event in events}
    assert locations == {"2, place de l'Église; bâtiment C, escalier « Ü », 97400 Saint-Denis"}
    landmark = awkward_stop.landmark.replace("\r\n", "\n")
    assert all(str(event["DESCRIPTION"]).startswith(landmark) for event in events)
    extra = next(event for event in events if event["DTSTART"].dt.date() == datetime.date(2025, 5, 2))
    assert "Permanence exceptionnelle, salle « B »; entrée libre" in str(extra["DESCRIPTION"])
    assert as_openings(events) == open_openings_from_api(client, awkward_stop.slug)


def test_the_feed_of_every_stop_writes_a_stop_as_its_own_feed_does(client, awkward_stop, territory):
    """The feed of every stop reads its stops as rows of the fields it writes, a stop's own feed
    reads a Stop: the same events, line for line, with its place, its landmark and its link."""
    from stops.models import Stop

    Stop.objects.filter(pk=awkward_stop.pk).update(latitude="-20.878900", longitude="55.448100")

    def events_of_stop(content):
        events = content.removesuffix(b"END:VCALENDAR\r\n").split(b"BEGIN:VEVENT\r\n")[1:]
        return sorted(event for event in events if b"/arrets/salle-des-fetes/" in event.replace(b"\r\n ", b""))

    own = client.get(f"/arrets/{awkward_stop.slug}/calendrier.ics").content
    assert b"GEO:-20.8789;55.4481\r\n" in own
    assert events_of_stop(client.get("/calendrier.ics").content) == events_of_stop(own) != []


def test_feed_has_one_exdate_line_per_recurring_event(client, territory):
    content = client.get("/calendrier.ics").content.replace(b"\r\n ", b"")  # unfolded
    calendar = icalendar.Calendar.from_ical(content)
    recurring = [event for event in calendar.walk("VEVENT") if "RRULE" in event]
    assert len(recurring) == 3  # one per weekly slot
    for event in recurring:
        block = content.split(f"UID:{event['UID']}\r\n".encode())[1].split(b"END:VEVENT")[0]
        assert block.count(b"EXDATE") == 1
        assert event["RRULE"]["UNTIL"][0].utcoffset() == datetime.timedelta(0)  # UNTIL in UTC
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"


@pytest.mark.parametrize("prefix", range(0, 8))
def test_lines_are_folded_between_characters(prefix):
    from stops.ics import content_line

    line = "DESCRIPTION:" + "x" * prefix + "éà€🚌" * 40
    folded = content_line(line)
    assert folded.endswith(b"\r\n")
    parts = folded[:-2].split(b"\r\n")
    assert all(len(part) <= 75 for part in parts)
    assert all(part.startswith(b" ") for part in parts[1:])
    for part in parts:
        part.decode()
    assert b"".join([parts[0], *(part[1:] for part in parts[1:])]).decode() == line


def test_text_values_are_escaped():
    from stops.ics import text

    assert text("a\\b;c,d\ne\r\nf\rg\x07h\ti") == "a\\\\b\\;c\\,d\\ne\\nf\\ng" + "h\ti"
