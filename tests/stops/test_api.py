import datetime

import pytest

from stops import schedule
from tests.conftest import ENGINE_QUERIES, make_stops
from tests.factories import ClosureFactory, ExtraOpeningFactory, OrganisationFactory, StopFactory, WeeklySlotFactory

pytestmark = pytest.mark.django_db


def get_openings(client, **params):
    return client.get("/api/v1/openings", params)


def test_stops_lists_the_active_stops(client, tuesday_bus):
    StopFactory(active=False)
    response = client.get("/api/v1/stops")
    assert response.status_code == 200
    (stop,) = response.json()
    assert stop["slug"] == "nathalie-sarraute"
    assert stop["landmark"] == "Devant la bibliothèque Vaclav Havel"
    assert stop["school_holidays_zone"] == "C"
    assert stop["latitude"] == pytest.approx(48.8893)
    assert stop["url"].endswith("/arrets/nathalie-sarraute/")
    assert stop["calendar_url"].endswith("/arrets/nathalie-sarraute/calendrier.ics")
    assert stop["opening_hours"] == "Tu 09:30-13:00,14:00-17:00; SH off; PH off"


def test_openings_of_a_stop(client, tuesday_bus):
    ClosureFactory(
        stop=tuesday_bus, first_day=datetime.date(2025, 3, 11), reason_kind="breakdown", reason="remplacé mardi 18"
    )
    response = get_openings(client, start="2025-03-04", end="2025-03-11", stop="nathalie-sarraute")
    assert response.status_code == 200
    assert response.json() == [
        {
            "stop": "nathalie-sarraute",
            "date": "2025-03-04",
            "start": "09:30",
            "end": "13:00",
            "status": "open",
            "reason": None,
            "reason_kind": None,
            "extra": False,
            "school_holidays_known": True,
        },
        {
            "stop": "nathalie-sarraute",
            "date": "2025-03-04",
            "start": "14:00",
            "end": "17:00",
            "status": "open",
            "reason": None,
            "reason_kind": None,
            "extra": False,
            "school_holidays_known": True,
        },
        {
            "stop": "nathalie-sarraute",
            "date": "2025-03-11",
            "start": "09:30",
            "end": "13:00",
            "status": "cancelled",
            "reason": "Bus en panne : remplacé mardi 18",
            "reason_kind": "breakdown",
            "extra": False,
            "school_holidays_known": True,
        },
        {
            "stop": "nathalie-sarraute",
            "date": "2025-03-11",
            "start": "14:00",
            "end": "17:00",
            "status": "cancelled",
            "reason": "Bus en panne : remplacé mardi 18",
            "reason_kind": "breakdown",
            "extra": False,
            "school_holidays_known": True,
        },
    ]


def test_openings_of_every_stop_match_the_engine(client, tuesday_bus):
    other = WeeklySlotFactory(weekday=2).stop
    ExtraOpeningFactory(stop=other, date=datetime.date(2025, 3, 15))
    response = get_openings(client, start="2025-01-01", end="2025-12-31")
    expected = schedule.openings(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert [(o["stop"], o["date"], o["start"], o["status"]) for o in response.json()] == [
        (o.stop.slug, o.date.isoformat(), f"{o.start:%H:%M}", o.status) for o in expected
    ]


def test_openings_are_written_as_the_framework_renders_its_schema(client, tuesday_bus):
    """The openings' JSON is written by hand (stops.api.openings_json): byte for byte what validating
    each opening with OpeningOut and rendering it with django-ninja's renderer gives."""
    from ninja.renderers import JSONRenderer

    from stops.api import OpeningOut

    other = WeeklySlotFactory(stop__slug="l-ecole-été", weekday=2, start=datetime.time(8, 5)).stop
    ClosureFactory(stop=tuesday_bus, first_day=datetime.date(2025, 3, 11), reason='Le "bus" \\ en panne : ça')
    ClosureFactory(stop=None, organisation=None, first_day=datetime.date(2025, 3, 19), reason_kind="strike", reason="")
    ExtraOpeningFactory(stop=other, date=datetime.date(2025, 3, 15), reason="")
    ExtraOpeningFactory(
        stop=tuesday_bus,
        date=datetime.date(2025, 3, 18),
        start=datetime.time(12),
        end=datetime.time(15),
        reason="Marché",
    )
    start, end = datetime.date(2025, 2, 1), datetime.date(2025, 3, 31)
    response = get_openings(client, start=start, end=end)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    expected = [
        OpeningOut(
            stop=o.stop.slug,
            date=o.date,
            start=f"{o.start:%H:%M}",
            end=f"{o.end:%H:%M}",
            status=o.status,
            reason=o.reason,
            reason_kind=o.reason_kind,
            extra=o.extra,
            school_holidays_known=o.school_holidays_known,
        ).model_dump()
        for o in schedule.openings(start, end)
    ]
    assert {o["reason_kind"] for o in expected} >= {"school_holidays", "other", "strike", None}
    assert {o["extra"] for o in expected} == {True, False}
    assert response.content == JSONRenderer().render(None, expected, response_status=200).encode()


def test_a_range_of_366_days_is_accepted(client, tuesday_bus):
    assert get_openings(client, start="2024-01-01", end="2024-12-31").status_code == 200


def test_dates_past_the_known_school_holidays_are_flagged(client, tuesday_bus):
    openings = get_openings(client, start="2028-08-29", end="2028-09-05").json()
    assert [(o["date"], o["status"], o["school_holidays_known"]) for o in openings[::2]] == [
        ("2028-08-29", "cancelled", True),
        ("2028-09-05", "open", False),
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2025-13-01", "end": "2025-12-31"}, "Le paramètre « start » doit être une date"),
        ({"start": "demain", "end": "2025-12-31"}, "Le paramètre « start » doit être une date"),
        ({"start": "2025-01-01", "end": "2025-02-30"}, "Le paramètre « end » doit être une date"),
        ({"end": "2025-12-31"}, "Le paramètre « start » est obligatoire"),
        ({"start": "2025-01-01"}, "Le paramètre « end » est obligatoire"),
        ({}, "Le paramètre « start » est obligatoire"),
        ({"start": "2025-03-02", "end": "2025-03-01"}, "La date de fin (end) doit être le même jour"),
        ({"start": "2025-01-01", "end": "2026-01-02"}, "La période demandée dépasse 366 jours"),
        ({"start": "2025-01-01", "end": "2025-01-31", "stop": "inconnu"}, "Aucun arrêt actif ne porte"),
    ],
)
def test_bad_requests_get_a_400_with_a_message(client, tuesday_bus, params, message):
    response = get_openings(client, **params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_an_inactive_stop_is_unknown(client):
    StopFactory(slug="ancien", active=False)
    response = get_openings(client, start="2025-01-01", end="2025-01-31", stop="ancien")
    assert response.status_code == 400


@pytest.mark.parametrize("count", [3, 300])
def test_api_queries_do_not_grow_with_the_stops(client, count, django_assert_max_num_queries):
    make_stops(count)
    with django_assert_max_num_queries(ENGINE_QUERIES):
        assert client.get("/api/v1/openings", {"start": "2025-03-01", "end": "2025-03-31"}).status_code == 200
    with django_assert_max_num_queries(3):  # the stops, their partners, their slots (opening_hours)
        assert len(client.get("/api/v1/stops").json()) == count


def test_openapi_schema_documents_every_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/organisations", "/api/v1/stops", "/api/v1/openings"} <= set(schema["paths"])
    openings = schema["paths"]["/api/v1/openings"]["get"]
    assert {p["name"] for p in openings["parameters"]} == {"start", "end", "stop", "organisation"}
    assert "400" in openings["responses"]


def test_organisations_are_listed_and_their_stops_asked_for_by_organisation(client, tuesday_bus):
    pimms = OrganisationFactory(
        slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62", contact_phone="03 21 00 00 00"
    )
    WeeklySlotFactory(stop__slug="libercourt-mairie", stop__organisation=pimms, weekday=1)
    organisations = client.get("/api/v1/organisations").json()
    assert [(o["slug"], o["departement"]) for o in organisations] == [("paris", "75"), ("pimms-libercourt", "62")]
    assert organisations[1]["url"].endswith("/structures/pimms-libercourt/")
    assert organisations[1]["calendar_url"].endswith("/structures/pimms-libercourt/calendrier.ics")
    everyone = client.get("/api/v1/stops").json()
    assert {(s["slug"], s["organisation"]) for s in everyone} == {
        ("nathalie-sarraute", "paris"),
        ("libercourt-mairie", "pimms-libercourt"),
    }
    assert [s["slug"] for s in client.get("/api/v1/stops?organisation=pimms-libercourt").json()] == [
        "libercourt-mairie"
    ]
    week = "/api/v1/openings?start=2025-03-10&end=2025-03-16"
    assert {o["stop"] for o in client.get(week).json()} == {"nathalie-sarraute", "libercourt-mairie"}
    assert {o["stop"] for o in client.get(week + "&organisation=paris").json()} == {"nathalie-sarraute"}


def test_an_unknown_organisation_is_the_callers_mistake(client, tuesday_bus):
    for url in (
        "/api/v1/stops?organisation=inconnue",
        "/api/v1/openings?start=2025-03-10&end=2025-03-16&organisation=inconnue",
    ):
        response = client.get(url)
        assert response.status_code == 400
        assert response.json() == {"detail": "Aucune structure ne porte l'identifiant « inconnue »."}
