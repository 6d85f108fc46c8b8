"""The timetable as open data: OpenStreetMap opening_hours strings that say what the engine says, and
files that validate against the national schemas."""

import datetime
import json
import random

import frictionless
import jsonschema
import opening_hours
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mairie_mobile.management.commands.load_demo import DEMO_STOPS
from organisations.models import Organisation
from stops import editing, opendata, schedule
from stops.importer import import_stops
from stops.models import Closure, ExtraOpening, Stop, WeeklySlot
from tests.factories import OrganisationFactory, StopFactory, WeeklySlotFactory
from visits.demo import ensure_demo_organisations

TUESDAY = datetime.date(2026, 12, 1)  # 2026 has 53 ISO weeks: week 53, then week 01 of 2027
LATER_TUESDAY = datetime.date(2027, 2, 2)  # 26 weeks on, no year of 53 weeks is crossed
COMPARED_WEEKS = 8

pytestmark = pytest.mark.django_db


def hours(text):
    start, end = text.split("-")
    return datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)


def slot(weekday, text, every_weeks=1, starts_on=None, ends_on=None):
    start, end = hours(text)
    return WeeklySlot(
        weekday=weekday, start=start, end=end, every_weeks=every_weeks, starts_on=starts_on, ends_on=ends_on
    )


def osm(slots, zone="", public_holidays=False, today=TUESDAY):
    stop = Stop(school_holidays_zone=zone, closed_on_public_holidays=public_holidays)
    return opendata.opening_hours(stop, slots, today)


# The strings of hand-made weeks ------------------------------------------------------


def test_two_slots_a_day_closed_in_school_and_public_holidays():
    slots = [slot(1, "09:30-13:00"), slot(1, "14:00-17:00")]
    assert osm(slots, zone="C", public_holidays=True) == "Tu 09:30-13:00,14:00-17:00; SH off; PH off"


def test_days_with_the_same_hours_are_written_together():
    slots = [slot(3, "09:30-12:00"), slot(1, "09:30-12:00"), slot(2, "14:00-17:00")]
    assert osm(slots, public_holidays=True) == "Tu,Th 09:30-12:00; We 14:00-17:00; PH off"


def test_three_days_in_a_row_or_more_are_a_range():
    slots = [slot(day, "09:00-12:00") for day in (0, 1, 2, 3, 4)] + [slot(5, "09:00-12:00")]
    assert osm(slots) == "Mo-Sa 09:00-12:00"
    assert osm([slot(day, "09:00-12:00") for day in (0, 1, 3)]) == "Mo,Tu,Th 09:00-12:00"


def test_without_a_zone_nor_public_holidays_closed_nothing_is_added():
    assert osm([slot(1, "09:30-12:00")]) == "Tu 09:30-12:00"


def test_a_stop_without_slots_is_off():
    assert osm([], zone="C", public_holidays=True) == "off"


def test_every_other_week_with_week_numbers_when_they_are_exact():
    slots = [slot(1, "09:30-12:00", every_weeks=2, starts_on=datetime.date(2027, 1, 5))]  # ISO week 01
    assert osm(slots, today=LATER_TUESDAY) == "week 01-53/2 Tu 09:30-12:00"
    slots = [slot(1, "09:30-12:00", every_weeks=2, starts_on=datetime.date(2027, 1, 12))]  # week 02
    assert osm(slots, today=LATER_TUESDAY) == "week 02-53/2 Tu 09:30-12:00"


def test_every_other_week_across_a_year_of_53_weeks_lists_its_dates():
    slots = [slot(1, "09:30-12:00", every_weeks=2, starts_on=datetime.date(2026, 12, 8))]
    dates = [datetime.date(2026, 12, 8) + datetime.timedelta(weeks=2 * n) for n in range(13)]
    assert (
        dates[-1] <= TUESDAY + datetime.timedelta(weeks=opendata.PUBLISHED_WEEKS) < dates[-1] + datetime.timedelta(14)
    )
    listed = ",".join(f"{day.year} {day:%b} {day:%d}" for day in dates)
    assert osm(slots) == f"{listed} 09:30-12:00"
    assert osm(slots).startswith("2026 Dec 08,2026 Dec 22,2027 Jan 05,2027 Jan 19,")


def test_a_slot_of_a_coming_period_is_written_with_its_dates():
    slots = [
        slot(3, "14:00-17:00"),
        slot(1, "09:30-12:00", starts_on=datetime.date(2027, 1, 5), ends_on=datetime.date(2027, 3, 30)),
        slot(2, "09:30-12:00", starts_on=datetime.date(2027, 1, 6)),
    ]
    assert osm(slots, public_holidays=True) == (
        "Th 14:00-17:00, 2027 Jan 05-2027 Mar 30 Tu 09:30-12:00, 2027 Jan 06+ We 09:30-12:00; PH off"
    )


def test_a_slot_that_ends_is_written_until_its_last_day_and_not_once_over():
    ending = slot(1, "09:30-12:00", starts_on=datetime.date(2025, 9, 2), ends_on=datetime.date(2027, 3, 30))
    assert osm([ending]) == "2026 Dec 01-2027 Mar 30 Tu 09:30-12:00"
    assert osm([ending], today=datetime.date(2027, 4, 6)) == "off"


def test_a_slot_begun_already_is_every_week():
    assert osm([slot(1, "09:30-12:00", starts_on=datetime.date(2025, 9, 2))]) == "Tu 09:30-12:00"


def test_the_phone_numbers_of_the_standard():
    assert opendata.international_phone("03 53 01 00 62") == "+33353010062"
    assert opendata.international_phone("+33 1 23 45 67 89") == "+33123456789"
    assert opendata.international_phone("0590 12 34 56") == "+590590123456"
    assert opendata.international_phone("01 23 45") is None
    assert opendata.international_phone("06 90 12 34 56") == "+590690123456"
    assert opendata.international_phone("") is None


# The strings say what the engine says --------------------------------------------------


def merged(spans):
    """Spans in order, those that touch made one: two slots 9h-12h and 12h-14h open 9h-14h."""
    result = []
    for start, end in sorted(spans):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(end, result[-1][1]))
        else:
            result.append((start, end))
    return result


def osm_spans(parsed, day):
    start = datetime.datetime.combine(day, datetime.time())
    return merged(
        (max(begin, start).time(), datetime.time.max if end.date() > day else end.time())
        for begin, end, state, _comment in parsed.intervals(start, start + datetime.timedelta(days=1))
        if state == opening_hours.State.OPEN
    )


def assert_strings_say_what_the_engine_says(stops, today):
    """Date by date over the coming weeks: the opening_hours string of each stop opens exactly when the
    engine does. Days with an opening cancelled (school and public holidays, closures) or extra are
    left out: the string says the usual week."""
    end = today + datetime.timedelta(weeks=COMPARED_WEEKS) - datetime.timedelta(days=1)
    stops = list(opendata.published_stops().filter(pk__in=[stop.pk for stop in stops]))
    by_day = {}
    for opening in schedule.openings(today, end, stops):
        by_day.setdefault((opening.stop.pk, opening.date), []).append(opening)
    compared = 0
    for stop in stops:
        text = opendata.stop_opening_hours(stop, today)
        parsed = opening_hours.OpeningHours(text)
        for day in schedule.each_day(today, end):
            found = by_day.get((stop.pk, day), [])
            if any(not opening.is_open or opening.extra for opening in found):
                continue
            expected = merged((opening.start, opening.end) for opening in found)
            assert osm_spans(parsed, day) == expected, (stop.slug, text, day)
            compared += bool(expected)
    assert compared > len(stops)  # most stops open more than once over the weeks compared


@pytest.mark.parametrize("today", [TUESDAY, LATER_TUESDAY, datetime.date(2027, 12, 20)])
def test_the_demo_stops(today):
    ensure_demo_organisations()
    for path in DEMO_STOPS:
        import_stops(path.read_text(encoding="utf-8"))
    assert_strings_say_what_the_engine_says(Stop.objects.active(), today)


def generated_territory(count=120, seed=17):
    """Stops as varied as a national territory makes them: slots on any day, several a day, every 1 to 4
    weeks, begun or to come, ending or not; zones, public holidays; closures and extra openings."""
    rng = random.Random(seed)
    organisation = OrganisationFactory(slug="territoire", name="Territoire généré")
    stops = [
        StopFactory(
            organisation=organisation,
            school_holidays_zone=rng.choice(["", "A", "B", "C"]),
            closed_on_public_holidays=rng.random() < 0.8,
        )
        for _ in range(count)
    ]
    times = [("09:00", "12:00"), ("09:30", "12:30"), ("12:30", "14:00"), ("14:00", "17:00")]
    slots = []
    for stop in stops:
        for start, end in rng.sample(times, rng.randint(1, 3)):
            every_weeks = rng.choice([1, 1, 2, 2, 3, 4])
            starts_on = TUESDAY + datetime.timedelta(days=rng.randint(-500, 200))
            ends_on = starts_on + datetime.timedelta(days=rng.randint(30, 700)) if rng.random() < 0.3 else None
            slots.append(
                WeeklySlot(
                    stop=stop,
                    weekday=rng.randrange(7),
                    start=datetime.time.fromisoformat(start),
                    end=datetime.time.fromisoformat(end),
                    every_weeks=every_weeks,
                    starts_on=starts_on if every_weeks > 1 or rng.random() < 0.3 else None,
                    ends_on=ends_on,
                )
            )
    WeeklySlot.objects.bulk_create(slot for slot in slots if not _overlaps(slot, slots))
    for stop in rng.sample(stops, count // 5):
        day = TUESDAY + datetime.timedelta(days=rng.randrange(60))
        Closure.objects.create(stop=stop, first_day=day, last_day=day, reason="Bus en panne")
        ExtraOpening.objects.create(
            stop=stop, date=day + datetime.timedelta(days=3), start=datetime.time(18), end=datetime.time(20)
        )
    return stops


def _overlaps(candidate, slots):
    """The importer and the forms refuse overlapping slots: the generator leaves out the later ones."""
    earlier = slots[: slots.index(candidate)]
    return any(other.stop is candidate.stop and schedule.slots_overlap(other, candidate) for other in earlier)


@pytest.mark.parametrize("today", [TUESDAY, LATER_TUESDAY])
def test_a_generated_territory(today):
    assert_strings_say_what_the_engine_says(generated_territory(), today)


# The files ------------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    ensure_demo_organisations()
    for path in DEMO_STOPS:
        import_stops(path.read_text(encoding="utf-8"))
    StopFactory(slug="sans-adresse", address="", postcode="")  # on no map
    StopFactory(slug="ferme", active=False)


def mediation_schema():
    return frictionless.Schema.from_descriptor(json.loads(opendata.MEDIATION_SCHEMA.read_text(encoding="utf-8")))


def test_the_places_validate_against_the_national_standard(client, demo, tmp_path):
    response = client.get("/donnees/lieux-mediation-numerique.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    path = tmp_path / "lieux.csv"
    path.write_bytes(response.content)
    resource = frictionless.Resource(path=path.name, basepath=str(tmp_path), schema=mediation_schema())
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = resource.read_rows()
    slugs = {row["id"] for row in rows}
    assert slugs == set(Stop.objects.active().exclude(slug="sans-adresse").values_list("slug", flat=True))
    sarraute = next(row for row in rows if row["id"] == "nathalie-sarraute")
    assert sarraute["horaires"] == opendata.stop_opening_hours(
        Stop.objects.get(slug="nathalie-sarraute"), timezone.localdate()
    )
    assert sarraute["itinerance"] == "Itinérant"
    assert sarraute["dispositif_programmes_nationaux"] == "France Services"
    assert sarraute["services"] == "Aide aux démarches administratives"
    assert sarraute["structure_parente"] == "Mairie mobile – Ville de Paris"
    assert sarraute["pivot"] == "21750001600019"  # the City of Paris's SIRET, given in the admin
    # The demo's association has none yet: the value the national map reads as unknown.
    assert {row["pivot"] for row in rows if row["structure_parente"] == "PIMMS mobile de Libercourt"} == {
        "00000000000000"
    }


def test_the_places_in_json_validate_too(client, demo):
    response = client.get("/donnees/lieux-mediation-numerique.json")
    assert response.status_code == 200
    places = response.json()
    report = frictionless.Resource(places, schema=mediation_schema()).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert len(places) == Stop.objects.active().exclude(slug="sans-adresse").count()


def schema_validator(name):
    schema = json.loads((opendata.SCHEMAS / f"data-inclusion-{name}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_data_inclusion_structures_and_services_validate(client, demo):
    structures = client.get("/donnees/data-inclusion/structures.json").json()
    services = client.get("/donnees/data-inclusion/services.json").json()
    for name, items in (("structure", structures), ("service", services)):
        validator = schema_validator(name)
        for item in items:
            errors = [f"{list(error.path)}: {error.message}" for error in validator.iter_errors(item)]
            assert not errors, (item["id"], errors)
    assert {s["id"] for s in structures} == set(Organisation.objects.active().values_list("slug", flat=True))
    assert {s["id"] for s in services} == set(Stop.objects.active().values_list("slug", flat=True))
    assert {s["structure_id"] for s in services} <= {s["id"] for s in structures}
    assert {s["id"]: s["siret"] for s in structures} == {"paris": "21750001600019", "pimms-libercourt": None}
    sarraute = next(s for s in services if s["id"] == "nathalie-sarraute")
    assert sarraute["horaires_accueil"].endswith("; SH off; PH off")


@pytest.mark.parametrize("typed", ["2175000160001", "21750001600018", "2175000160001A", "217 500 016 00019"])
def test_a_wrong_siret_is_refused_with_what_it_should_be(typed):
    organisation = Organisation.objects.create(slug="essai", name="Essai", departement="75")
    organisation.siret = typed
    with pytest.raises(ValidationError) as refused:
        organisation.full_clean()
    assert "siret" in refused.value.message_dict
    organisation.siret = "21750001600019"
    organisation.full_clean()


def test_the_geojson_puts_each_stop_at_its_place(client, tuesday_bus):
    StopFactory(slug="sans-coordonnees")
    response = client.get("/donnees/arrets.geojson")
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    (feature,) = collection["features"]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [2.3594, 48.8893]}  # longitude first
    properties = feature["properties"]
    assert properties["name"] == "Bus Mairie mobile – Esplanade Nathalie Sarraute"
    assert properties["opening_hours"] == "Tu 09:30-13:00,14:00-17:00; SH off; PH off"
    assert properties["url"].endswith("/arrets/nathalie-sarraute/")


def test_each_file_of_one_organisation(client, tuesday_bus):
    other = StopFactory(organisation=OrganisationFactory(slug="autre"), latitude="45.0", longitude="5.0")
    urls = [
        "/donnees/lieux-mediation-numerique.json",
        "/donnees/data-inclusion/services.json",
        "/donnees/data-inclusion/structures.json",
    ]
    for url in urls:
        assert [item["id"] for item in client.get(url, {"organisation": "autre"}).json()] in ([other.slug], ["autre"])
    features = client.get("/donnees/arrets.geojson", {"organisation": "autre"}).json()["features"]
    assert [feature["id"] for feature in features] == [other.slug]
    csv = client.get("/donnees/lieux-mediation-numerique.csv", {"organisation": "paris"})
    assert "nathalie-sarraute" in csv.content.decode()
    assert other.slug not in csv.content.decode()
    assert 'filename="mairie-mobile-lieux-mediation-numerique-paris.csv"' in csv["Content-Disposition"]


@pytest.mark.parametrize("slug", ["inconnue", "<script>", "a" * 300, ""])
def test_an_unknown_organisation_is_not_found(client, slug):
    OrganisationFactory(slug="paris", active=True)
    for url in ("/donnees/arrets.geojson", "/donnees/lieux-mediation-numerique.csv"):
        response = client.get(url, {"organisation": slug})
        assert response.status_code == 404
        assert "Cette page n'existe pas" in response.content.decode()


def test_the_files_follow_each_schedule_edit(client, tuesday_bus):
    urls = ["/donnees/arrets.geojson", "/donnees/data-inclusion/services.json", "/api/v1/stops"]
    before = {url: client.get(url).content.decode() for url in urls}
    assert all("Tu 09:30-13:00,14:00-17:00" in text for text in before.values())
    afternoon = tuesday_bus.slots.get(start=datetime.time(14))

    def move_to_thursday():
        afternoon.weekday = 3
        afternoon.save()

    editing.edit_schedule([tuesday_bus], move_to_thursday, user=None, description="Jeudi après-midi")
    for url in urls:
        text = client.get(url).content.decode()
        assert "Tu 09:30-13:00; Th 14:00-17:00" in text, url


def test_the_page_lists_every_file_and_the_licence(client, tuesday_bus):
    OrganisationFactory(slug="sans-arret", name="Structure sans arrêt")
    response = client.get("/donnees/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Licence Ouverte" in text
    for url in (
        "/donnees/lieux-mediation-numerique.csv",
        "/donnees/lieux-mediation-numerique.json",
        "/donnees/data-inclusion/structures.json",
        "/donnees/data-inclusion/services.json",
        "/donnees/arrets.geojson",
        "/calendrier.ics",
        "/donnees/arrets.geojson?organisation=paris",
        "/structures/paris/calendrier.ics",
    ):
        assert f'href="{url}"' in text, url
    assert "Structure sans arrêt" not in text


@pytest.mark.parametrize("count", [3, 60])
def test_the_files_queries_do_not_grow_with_the_stops(client, count, django_assert_max_num_queries):
    for stop in StopFactory.create_batch(count, latitude="48.0", longitude="2.0"):
        WeeklySlotFactory(stop=stop)
    for url in ("/donnees/lieux-mediation-numerique.csv", "/donnees/arrets.geojson"):
        with django_assert_max_num_queries(2):  # the stops with their organisations, their slots
            assert client.get(url).status_code == 200
