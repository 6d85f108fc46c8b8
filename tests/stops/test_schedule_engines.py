"""The schedule engine gives the same openings as the engine before it (stops/schedule_reference.py),
one day at a time, over a small territory drawn at random with every case the rules know."""

import datetime
import random

import pytest
from django.utils import translation

from stops import schedule, schedule_reference
from stops.models import Closure, ClosureReason, ExtraOpening, SchoolHoliday, Stop, WeeklySlot
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

FIRST = datetime.date(2025, 8, 25)
# Zone A's calendar stops early: the days after it have school holidays unknown.
ZONE_A_KNOWN_UNTIL = datetime.date(2026, 3, 1)
POSTCODES = ["75018", "57000", "67000", "97100", "97133", "97400", "20000"]
TIMES = [(datetime.time(9, 30), datetime.time(12, 30)), (datetime.time(14), datetime.time(17))]
RANGES = [
    (FIRST, FIRST + datetime.timedelta(days=364)),
    (FIRST, FIRST + datetime.timedelta(days=30)),
    (datetime.date(2025, 12, 20), datetime.date(2026, 1, 10)),
    (datetime.date(2026, 2, 20), datetime.date(2026, 3, 10)),
    (datetime.date(2025, 12, 25), datetime.date(2025, 12, 25)),
    (datetime.date(2024, 6, 1), datetime.date(2024, 9, 30)),
    (datetime.date(2026, 5, 1), datetime.date(2027, 4, 30)),
]


def day(rng):
    return FIRST + datetime.timedelta(days=rng.randrange(-60, 420))


@pytest.fixture
def territory():
    rng = random.Random(19)
    SchoolHoliday.objects.filter(zone="A", last_day__gt=ZONE_A_KNOWN_UNTIL).delete()
    organisations = [OrganisationFactory(slug=f"structure-{n}") for n in range(3)]
    stops = Stop.objects.bulk_create(
        Stop(
            organisation=rng.choice(organisations),
            slug=f"arret-{n}",
            # Some stops share a name: the order of their openings at the same hour is the slots'.
            name=f"Arrêt {rng.randrange(30):02d}",
            address="1, place de la Mairie",
            postcode=rng.choice(POSTCODES),
            city="Commune",
            school_holidays_zone=rng.choice(["", "A", "B", "C"]),
            closed_on_public_holidays=rng.random() < 0.7,
        )
        for n in range(60)
    )
    slots = []
    for stop in stops:
        for weekday in rng.sample(range(7), rng.randrange(4)):
            every_weeks = rng.choice([1, 1, 2, 3, 8])
            starts_on = day(rng) if every_weeks > 1 or rng.random() < 0.3 else None
            ends_on = (
                starts_on + datetime.timedelta(days=rng.randrange(200)) if starts_on and rng.random() < 0.4 else None
            )
            start, end = rng.choice(TIMES)
            slots.append(
                WeeklySlot(
                    stop=stop,
                    weekday=weekday,
                    start=start,
                    end=end,
                    every_weeks=every_weeks,
                    starts_on=starts_on,
                    ends_on=ends_on,
                )
            )
    WeeklySlot.objects.bulk_create(slots)
    closures = []
    for _ in range(120):
        first = day(rng)
        whose = rng.random()
        closures.append(
            Closure(
                stop=rng.choice(stops) if whose < 0.8 else None,
                organisation=rng.choice(organisations) if 0.8 <= whose < 0.95 else None,
                first_day=first,
                last_day=first + datetime.timedelta(days=rng.choice([0, 0, 1, 6, 20])),
                reason_kind=rng.choice(list(ClosureReason)),
                reason=rng.choice(["", "ligne 3", "Fête du quartier"]),
            )
        )
    Closure.objects.bulk_create(closures)
    extras = []
    for _ in range(80):
        start, end = rng.choice(
            [*TIMES, (datetime.time(11), datetime.time(15)), (datetime.time(18), datetime.time(20))]
        )
        extras.append(
            ExtraOpening(
                stop=rng.choice(stops[:15]),
                date=day(rng),
                start=start,
                end=end,
                reason=rng.choice(["", "Permanence exceptionnelle"]),
            )
        )
    ExtraOpening.objects.bulk_create(extras)
    # Inactive stops are not among the active ones, whose openings are given by default.
    Stop.objects.filter(pk__in=[stop.pk for stop in stops[-5:]]).update(active=False)
    return stops


def comparable(openings):
    """The openings with their slot as its id: the engine gives a `schedule.Slot`, the one before it a
    `WeeklySlot` (equal when they are the same row)."""
    return [opening._replace(slot=opening.slot and opening.slot.pk) for opening in openings]


@pytest.mark.parametrize(("start", "end"), RANGES)
def test_the_engine_gives_the_reference_engines_openings(territory, start, end):
    found = schedule.openings(start, end)
    assert comparable(found) == comparable(schedule_reference.openings(start, end))
    # And each slot carries its row's fields.
    rows = {row[0]: row for row in WeeklySlot.objects.values_list(*schedule.Slot._fields)}
    assert all(opening.slot is None or opening.slot == rows[opening.slot.pk] for opening in found)
    assert len(found) > 0 or start == end
    assert any(not opening.school_holidays_known for opening in schedule.openings(*RANGES[0]))


def test_the_same_for_some_stops_in_another_language(territory):
    some = territory[::7]
    with translation.override("en"):
        found = schedule.openings(*RANGES[0], some)
        assert comparable(found) == comparable(schedule_reference.openings(*RANGES[0], some))
        assert [opening.reason for opening in found] == [
            opening.reason for opening in schedule_reference.openings(*RANGES[0], some)
        ]
    assert {opening.stop for opening in found} <= set(some)
    assert {opening.reason_kind for opening in found} >= {ClosureReason.SCHOOL_HOLIDAYS, ClosureReason.PUBLIC_HOLIDAY}


@pytest.mark.parametrize(("start", "end"), RANGES[:3])
def test_the_same_for_stops_given_as_rows(territory, start, end):
    """The API passes rows of the fields the engine reads (schedule.stop_values): each opening names
    its stop's row, the openings are the same, extra ones over usual ones included."""
    rows = schedule.stop_values(Stop.objects.active(), "slug")
    found = schedule.openings(start, end, rows)
    expected = schedule.openings(start, end)
    assert [(opening.stop.id, opening.stop.slug) for opening in found] == [
        (opening.stop.pk, opening.stop.slug) for opening in expected
    ]
    assert [opening[1:] for opening in found] == [opening[1:] for opening in expected]
    assert any(opening.extra for opening in found)


@pytest.mark.parametrize(("start", "end"), RANGES[:3])
def test_the_openings_fields_are_those_of_the_openings(territory, start, end):
    expected = schedule.openings(start, end)
    found = schedule.opening_fields(start, end)
    assert found == [tuple(opening) for opening in expected]
    assert any(opening.extra for opening in expected)
