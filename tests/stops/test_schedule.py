"""The schedule engine against calendars computed by hand.

Zone C school holidays used here (vacances-scolaires-france): Toussaint 2024 from
Saturday 19 October to Sunday 3 November (classes resume Monday 4 November),
Christmas 2024 from 21 December to 5 January 2025.
"""

import datetime

import pytest
import time_machine

from stops import schedule, wording
from stops.models import Closure, SchoolHoliday
from tests.conftest import ENGINE_QUERIES, make_stops
from tests.factories import ClosureFactory, ExtraOpeningFactory, OrganisationFactory, StopFactory, WeeklySlotFactory

D = datetime.date
T = datetime.time
pytestmark = pytest.mark.django_db


def dates(openings, status=None):
    return [o.date for o in openings if status is None or o.status == status]


def by_date(openings):
    return {(o.date, o.start): (o.status, o.reason) for o in openings}


def test_weekly_slot_gives_every_matching_weekday():
    slot = WeeklySlotFactory(weekday=4, start=T(9, 30), end=T(12, 30))
    openings = schedule.openings(D(2025, 3, 1), D(2025, 3, 31), [slot.stop])
    assert dates(openings) == [D(2025, 3, 7), D(2025, 3, 14), D(2025, 3, 21), D(2025, 3, 28)]
    assert {(o.start, o.end, o.status, o.reason) for o in openings} == {(T(9, 30), T(12, 30), "open", None)}


def test_every_other_week_counts_weeks_from_the_first_matching_weekday():
    # First day on a Monday: the first Wednesday on or after it, 4 September, starts the count.
    slot = WeeklySlotFactory(weekday=2, start=T(10), end=T(12), every_weeks=2, starts_on=D(2024, 9, 2))
    openings = schedule.openings(D(2024, 8, 1), D(2024, 10, 31), [slot.stop])
    assert dates(openings) == [D(2024, 9, 4), D(2024, 9, 18), D(2024, 10, 2), D(2024, 10, 16), D(2024, 10, 30)]


def test_every_third_week():
    slot = WeeklySlotFactory(weekday=0, every_weeks=3, starts_on=D(2025, 1, 6))
    openings = schedule.openings(D(2025, 1, 1), D(2025, 3, 1), [slot.stop])
    assert dates(openings) == [D(2025, 1, 6), D(2025, 1, 27), D(2025, 2, 17)]


def test_first_and_last_day_bound_the_slot():
    slot = WeeklySlotFactory(weekday=1, starts_on=D(2025, 3, 12), ends_on=D(2025, 4, 1))
    openings = schedule.openings(D(2025, 3, 1), D(2025, 4, 30), [slot.stop])
    assert dates(openings) == [D(2025, 3, 18), D(2025, 3, 25), D(2025, 4, 1)]


def test_every_other_week_with_a_last_day():
    slot = WeeklySlotFactory(weekday=2, every_weeks=2, starts_on=D(2024, 9, 4), ends_on=D(2024, 10, 20))
    openings = schedule.openings(D(2024, 9, 1), D(2024, 12, 31), [slot.stop])
    assert dates(openings) == [D(2024, 9, 4), D(2024, 9, 18), D(2024, 10, 2), D(2024, 10, 16)]


def test_zone_c_school_holidays_cancel_openings_until_classes_resume():
    stop = StopFactory(school_holidays_zone="C")
    for weekday in (0, 1, 4):  # Monday, Tuesday, Friday
        WeeklySlotFactory(stop=stop, weekday=weekday)
    openings = by_date(schedule.openings(D(2024, 10, 14), D(2024, 11, 8), [stop]))
    morning = T(9, 30)
    assert openings[(D(2024, 10, 18), morning)] == ("open", None)  # last day of classes
    for day in (D(2024, 10, 21), D(2024, 10, 22), D(2024, 10, 25), D(2024, 10, 28), D(2024, 10, 29)):
        assert openings[(day, morning)] == ("cancelled", "Vacances scolaires")
    assert openings[(D(2024, 11, 1), morning)] == ("cancelled", "Jour férié : Toussaint")
    assert openings[(D(2024, 11, 4), morning)] == ("open", None)  # classes resume: a working day
    assert openings[(D(2024, 11, 5), morning)] == ("open", None)


def test_christmas_holidays_zone_c_2024():
    stop = StopFactory(school_holidays_zone="C")
    WeeklySlotFactory(stop=stop, weekday=0)
    WeeklySlotFactory(stop=stop, weekday=1)
    openings = schedule.openings(D(2024, 12, 16), D(2025, 1, 7), [stop])
    assert dates(openings, "open") == [D(2024, 12, 16), D(2024, 12, 17), D(2025, 1, 6), D(2025, 1, 7)]
    assert dates(openings, "cancelled") == [D(2024, 12, 23), D(2024, 12, 24), D(2024, 12, 30), D(2024, 12, 31)]


def test_other_zones_holidays_do_not_apply():
    # Zone A's winter holidays 2025 start on 22 February, zone C's on 15 February.
    stop = StopFactory(school_holidays_zone="A")
    WeeklySlotFactory(stop=stop, weekday=1)
    openings = schedule.openings(D(2025, 2, 18), D(2025, 2, 25), [stop])
    assert [(o.date, o.status) for o in openings] == [(D(2025, 2, 18), "open"), (D(2025, 2, 25), "cancelled")]


def test_a_stop_without_zone_opens_during_school_holidays():
    slot = WeeklySlotFactory(weekday=1, stop__school_holidays_zone="")
    openings = schedule.openings(D(2024, 10, 22), D(2024, 10, 29), [slot.stop])
    assert [o.status for o in openings] == ["open", "open"]


def test_public_holiday_cancels_when_the_stop_closes_on_them():
    closed = WeeklySlotFactory(weekday=3, stop__name="A").stop
    open_anyway = WeeklySlotFactory(weekday=3, stop__name="B", stop__closed_on_public_holidays=False).stop
    openings = schedule.openings(D(2025, 5, 29), D(2025, 5, 29), [closed, open_anyway])
    assert [(o.stop, o.status, o.reason) for o in openings] == [
        (closed, "cancelled", "Jour férié : Ascension"),
        (open_anyway, "open", None),
    ]


def test_armistice_on_a_tuesday():
    slot = WeeklySlotFactory(weekday=1)
    openings = schedule.openings(D(2025, 11, 1), D(2025, 11, 30), [slot.stop])
    assert [(o.date.day, o.status, o.reason) for o in openings] == [
        (4, "open", None),
        (11, "cancelled", "Jour férié : Armistice"),
        (18, "open", None),
        (25, "open", None),
    ]


def test_local_public_holidays_follow_the_postcode():
    # Good Friday is a public holiday in Moselle and Alsace only.
    paris = WeeklySlotFactory(weekday=4, stop__name="Paris").stop
    metz = WeeklySlotFactory(weekday=4, stop__name="Metz", stop__postcode="57000", stop__city="Metz").stop
    openings = schedule.openings(D(2025, 4, 18), D(2025, 4, 18), [metz, paris])
    assert [(o.stop, o.reason) for o in openings] == [(metz, "Jour férié : Vendredi saint"), (paris, None)]


def test_closure_of_one_stop():
    closed = WeeklySlotFactory(weekday=1, stop__name="A").stop
    other = WeeklySlotFactory(weekday=1, stop__name="B").stop
    ClosureFactory(stop=closed, first_day=D(2025, 3, 11), last_day=D(2025, 3, 18), reason="Bus en panne")
    openings = schedule.openings(D(2025, 3, 4), D(2025, 3, 25), [closed, other])
    assert [(o.date.day, o.stop.name, o.status, o.reason) for o in openings] == [
        (4, "A", "open", None),
        (4, "B", "open", None),
        (11, "A", "cancelled", "Bus en panne"),
        (11, "B", "open", None),
        (18, "A", "cancelled", "Bus en panne"),
        (18, "B", "open", None),
        (25, "A", "open", None),
        (25, "B", "open", None),
    ]


def test_closure_of_every_stop():
    stops = [WeeklySlotFactory(weekday=1).stop for _ in range(2)]
    ClosureFactory(stop=None, first_day=D(2025, 3, 11), reason="Grève des transports")
    openings = schedule.openings(D(2025, 3, 11), D(2025, 3, 11), stops)
    assert [(o.status, o.reason) for o in openings] == [("cancelled", "Grève des transports")] * 2


def test_closure_reason_comes_before_holidays():
    slot = WeeklySlotFactory(weekday=1, stop__school_holidays_zone="C")
    ClosureFactory(stop=slot.stop, first_day=D(2024, 10, 22), reason="Bus en panne")
    (opening,) = schedule.openings(D(2024, 10, 22), D(2024, 10, 22), [slot.stop])
    assert opening.reason == "Bus en panne"


def test_extra_opening_inside_school_holidays_is_open():
    stop = StopFactory(school_holidays_zone="C")
    WeeklySlotFactory(stop=stop, weekday=1)
    ExtraOpeningFactory(stop=stop, date=D(2024, 10, 23), start=T(10), end=T(12), reason="Permanence exceptionnelle")
    openings = schedule.openings(D(2024, 10, 21), D(2024, 10, 27), [stop])
    assert [(o.date.day, o.status, o.extra, o.reason) for o in openings] == [
        (22, "cancelled", False, "Vacances scolaires"),
        (23, "open", True, "Permanence exceptionnelle"),
    ]


def test_extra_opening_wins_over_a_closure_of_every_stop_and_replaces_the_usual_opening():
    stop = StopFactory()
    WeeklySlotFactory(stop=stop, weekday=1, start=T(9, 30), end=T(13))
    WeeklySlotFactory(stop=stop, weekday=1, start=T(14), end=T(17))
    ClosureFactory(stop=None, first_day=D(2025, 3, 11), reason="Grève")
    ExtraOpeningFactory(stop=stop, date=D(2025, 3, 11), start=T(9, 30), end=T(12), reason="Ouverture maintenue")
    openings = schedule.openings(D(2025, 3, 11), D(2025, 3, 11), [stop])
    assert [(o.start, o.status, o.reason) for o in openings] == [
        (T(9, 30), "open", "Ouverture maintenue"),
        (T(14), "cancelled", "Grève"),
    ]


def test_two_slots_the_same_day_are_sorted_by_time():
    stop = StopFactory()
    WeeklySlotFactory(stop=stop, weekday=1, start=T(14), end=T(17))
    WeeklySlotFactory(stop=stop, weekday=1, start=T(9, 30), end=T(13))
    openings = schedule.openings(D(2025, 3, 4), D(2025, 3, 4), [stop])
    assert [(o.start, o.end) for o in openings] == [(T(9, 30), T(13)), (T(14), T(17))]


def test_openings_of_several_stops_are_sorted_by_date_time_and_name():
    b = WeeklySlotFactory(weekday=1, start=T(9), stop__name="B").stop
    a = WeeklySlotFactory(weekday=1, start=T(10), stop__name="A").stop
    WeeklySlotFactory(stop=b, weekday=0, start=T(15), end=T(16))
    openings = schedule.openings(D(2025, 3, 3), D(2025, 3, 4), [a, b])
    assert [(o.date.day, o.start.hour, o.stop.name) for o in openings] == [(3, 15, "B"), (4, 9, "B"), (4, 10, "A")]


def test_names_are_compared_character_by_character_and_ties_keep_the_order_slots_were_made():
    # "Z" comes before "É" in Python's order of characters, whatever the database's collation.
    accented = WeeklySlotFactory(weekday=1, start=T(9), stop__name="Église").stop
    plain = WeeklySlotFactory(weekday=1, start=T(9), stop__name="Zénith").stop
    second = WeeklySlotFactory(weekday=1, start=T(9), stop__name="Mairie").stop
    first = WeeklySlotFactory(weekday=1, start=T(9), stop__name="Mairie").stop
    openings = schedule.openings(D(2025, 3, 4), D(2025, 3, 4), [accented, plain, first, second])
    assert [o.stop for o in openings] == [second, first, plain, accented]


def test_only_active_stops_by_default():
    WeeklySlotFactory(weekday=1, stop__active=False)
    active = WeeklySlotFactory(weekday=1).stop
    assert {o.stop for o in schedule.openings(D(2025, 3, 4), D(2025, 3, 4))} == {active}


def test_past_the_known_school_holidays_openings_are_flagged():
    stop = StopFactory(school_holidays_zone="C")
    WeeklySlotFactory(stop=stop, weekday=1)
    last_known = max(SchoolHoliday.objects.filter(zone="C").values_list("last_day", flat=True))
    assert last_known == D(2028, 8, 31)
    openings = schedule.openings(D(2028, 8, 22), D(2028, 9, 12), [stop])
    assert [(o.date, o.status, o.school_holidays_known) for o in openings] == [
        (D(2028, 8, 22), "cancelled", True),
        (D(2028, 8, 29), "cancelled", True),
        (D(2028, 9, 5), "open", False),
        (D(2028, 9, 12), "open", False),
    ]


def test_a_period_added_by_hand_extends_the_known_school_holidays():
    stop = StopFactory(school_holidays_zone="C")
    WeeklySlotFactory(stop=stop, weekday=1)
    SchoolHoliday.objects.create(
        zone="C", name="Vacances de la Toussaint", first_day=D(2028, 10, 21), last_day=D(2028, 11, 5)
    )
    openings = by_date(schedule.openings(D(2028, 10, 17), D(2028, 11, 14), [stop]))
    assert openings[(D(2028, 10, 24), T(9, 30))] == ("cancelled", "Vacances scolaires")
    assert openings[(D(2028, 11, 7), T(9, 30))] == ("open", None)
    flags = {o.school_holidays_known for o in schedule.openings(D(2028, 9, 1), D(2028, 11, 5), [stop])}
    assert flags == {True}


def test_a_stop_without_zone_never_depends_on_school_holidays():
    slot = WeeklySlotFactory(weekday=1)
    (opening,) = schedule.openings(D(2030, 1, 1), D(2030, 1, 1), [slot.stop])
    assert opening.school_holidays_known


def test_no_stop_or_reversed_range_gives_nothing():
    WeeklySlotFactory(weekday=1)
    assert schedule.openings(D(2025, 3, 4), D(2025, 3, 4), []) == []
    assert schedule.openings(D(2025, 3, 5), D(2025, 3, 4)) == []


@pytest.mark.parametrize("count", [3, 30])
def test_openings_use_a_constant_number_of_queries(count, django_assert_num_queries):
    stops = make_stops(count)
    for stop in stops[:2]:
        stop.school_holidays_zone = "C"
        stop.save()
        ClosureFactory(stop=stop)
        ExtraOpeningFactory(stop=stop)
    with django_assert_num_queries(ENGINE_QUERIES):  # two stops follow zone C: the holidays are read
        openings = schedule.openings(D(2025, 1, 1), D(2025, 12, 31))
    assert len(openings) == count * 2 * 52 + 2


def test_is_open_at_uses_paris_time():
    slot = WeeklySlotFactory(weekday=1, start=T(9, 30), end=T(13))
    (opening,) = schedule.openings(D(2025, 3, 4), D(2025, 3, 4), [slot.stop])
    paris = schedule.PARIS
    assert opening.is_open_at(datetime.datetime(2025, 3, 4, 9, 30, tzinfo=paris))
    assert opening.is_open_at(datetime.datetime(2025, 3, 4, 8, 45, tzinfo=datetime.UTC))  # 9h45 in Paris
    assert not opening.is_open_at(datetime.datetime(2025, 3, 4, 13, 0, tzinfo=paris))


# Overlapping slots ------------------------------------------------------------


def slot(weekday=1, start=(9, 30), end=(13, 0), every_weeks=1, starts_on=None, ends_on=None):
    from stops.models import WeeklySlot

    return WeeklySlot(
        weekday=weekday,
        start=T(*start),
        end=T(*end),
        every_weeks=every_weeks,
        starts_on=starts_on,
        ends_on=ends_on,
    )


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        (slot(), slot(start=(12, 0), end=(14, 0)), True),
        (slot(), slot(start=(13, 0), end=(17, 0)), False),  # one ends when the other starts
        (slot(), slot(weekday=2), False),
        (slot(every_weeks=2, starts_on=D(2024, 9, 3)), slot(every_weeks=2, starts_on=D(2024, 9, 10)), False),
        (slot(every_weeks=2, starts_on=D(2024, 9, 3)), slot(every_weeks=2, starts_on=D(2024, 9, 17)), True),
        (slot(every_weeks=2, starts_on=D(2024, 9, 3)), slot(every_weeks=3, starts_on=D(2024, 9, 10)), True),
        (slot(every_weeks=2, starts_on=D(2024, 9, 3)), slot(), True),
        (slot(ends_on=D(2025, 1, 1)), slot(starts_on=D(2025, 1, 2)), False),
        (slot(ends_on=D(2025, 1, 7)), slot(starts_on=D(2025, 1, 2)), True),
        # Both only meet on 14 January, after the first one's last day.
        (slot(every_weeks=2, starts_on=D(2024, 12, 31), ends_on=D(2025, 1, 13)), slot(starts_on=D(2025, 1, 8)), False),
    ],
)
def test_slots_overlap(a, b, overlap):
    assert schedule.slots_overlap(a, b) is overlap
    assert schedule.slots_overlap(b, a) is overlap


def test_overlapping_slots_lists_the_pairs():
    slots = [slot(), slot(start=(14, 0), end=(17, 0)), slot(start=(12, 0), end=(15, 0))]
    assert schedule.overlapping_slots(slots) == [(0, 2), (1, 2)]


# What residents read ------------------------------------------------------------


def test_week_summary_of_a_bus(tuesday_bus):
    assert wording.describe_week(tuesday_bus, list(tuesday_bus.slots.all()), D(2025, 3, 1)) == [
        "Tous les mardis : 9h30 – 13h / 14h – 17h",
        "Fermé pendant les vacances scolaires (zone C) et les jours fériés",
    ]


def test_week_summary_of_an_every_other_week_permanence():
    stop = StopFactory(school_holidays_zone="")
    slots = [slot(weekday=2, start=(10, 0), end=(12, 0), every_weeks=2, starts_on=D(2024, 9, 4))]
    assert wording.describe_week(stop, slots, D(2025, 3, 1)) == [
        "Un mercredi sur deux : 10h – 12h",
        "Fermé les jours fériés",
    ]


def test_week_summary_mentions_dates_and_leaves_out_ended_slots():
    stop = StopFactory(closed_on_public_holidays=False)
    slots = [
        slot(weekday=0, start=(14, 0), end=(17, 0), starts_on=D(2027, 1, 1)),
        slot(weekday=4, start=(9, 30), end=(12, 30), ends_on=D(2025, 7, 4)),
        slot(weekday=3, ends_on=D(2025, 2, 1)),
        slot(weekday=2, every_weeks=3, starts_on=D(2025, 1, 1)),
    ]
    assert wording.describe_week(stop, slots, D(2025, 3, 1)) == [
        "Tous les lundis : 14h – 17h (à partir du 1er janvier 2027)",
        "Un mercredi toutes les 3 semaines : 9h30 – 13h",
        "Tous les vendredis : 9h30 – 12h30 (jusqu'au 4 juillet 2025)",
    ]


def test_next_openings_stop_after_the_eighth_open_one(tuesday_bus):
    now = datetime.datetime(2024, 10, 15, 10, 0, tzinfo=schedule.PARIS)
    upcoming = schedule.next_openings(tuesday_bus, now)
    assert [(o.date.day, o.start.hour, o.status) for o in upcoming] == [
        (15, 9, "open"),  # under way
        (15, 14, "open"),
        (22, 9, "cancelled"),
        (22, 14, "cancelled"),
        (29, 9, "cancelled"),
        (29, 14, "cancelled"),
        (5, 9, "open"),
        (5, 14, "open"),
        (12, 9, "open"),
        (12, 14, "open"),
        (19, 9, "open"),
        (19, 14, "open"),
    ]
    runs = schedule.cancelled_runs(upcoming)
    days = [(run.first.date.day, run.last.date.day, len(run.openings)) for run in runs]
    assert days[1:3] == [(15, 15, 1), (22, 29, 4)]
    assert [run.closed_all_day for run in runs][1:4] == [False, True, False]


def test_a_run_of_cancelled_hours_on_a_day_still_open_is_not_a_closed_day(tuesday_bus):
    now = datetime.datetime(2025, 3, 4, 8, 0, tzinfo=schedule.PARIS)
    ExtraOpeningFactory(stop=tuesday_bus, date=D(2025, 3, 11), start=T(17), end=T(18))
    ClosureFactory(stop=tuesday_bus, first_day=D(2025, 3, 11), reason="Bus en panne")
    runs = schedule.cancelled_runs(schedule.next_openings(tuesday_bus, now, count=3))
    assert [(run.first.date.day, len(run.openings), run.closed_all_day) for run in runs] == [
        (4, 1, False),
        (4, 1, False),
        (11, 2, False),  # the extra opening, at 17h, still takes place
        (11, 1, False),
    ]


def test_next_openings_skip_what_has_ended(tuesday_bus):
    now = datetime.datetime(2024, 10, 15, 13, 0, tzinfo=schedule.PARIS)
    assert schedule.next_openings(tuesday_bus, now, count=1)[0].start == T(14)


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (D(2026, 12, 1), "mardi 1er décembre"),
        (D(2026, 1, 1), "jeudi 1er janvier"),
        (D(2026, 3, 4), "mercredi 4 mars"),
        (D(2027, 1, 1), "vendredi 1er janvier 2027"),  # not this year: with the year
        (D(2025, 12, 31), "mercredi 31 décembre 2025"),
    ],
)
def test_long_date_reads_as_people_say_it(day, text):
    # Half past midnight on New Year's Day in Paris, still 2025 in UTC: the year is Paris's.
    with time_machine.travel(datetime.datetime(2026, 1, 1, 0, 30, tzinfo=schedule.PARIS), tick=False):
        assert wording.long_date(day, weekday=True) == text


def test_long_date_can_always_give_the_year():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=schedule.PARIS), tick=False):
        assert wording.long_date(D(2026, 6, 1), year=True) == "1er juin 2026"
        assert wording.long_date(D(2027, 6, 1), year=False) == "1er juin"


@pytest.mark.parametrize(("value", "text"), [(T(9, 30), "9h30"), (T(13), "13h"), (T(0, 5), "0h05")])
def test_format_time(value, text):
    assert wording.format_time(value) == text


def test_a_closure_of_every_stop_of_an_organisation_leaves_the_others_open_and_the_countrys_closes_all():
    paris = WeeklySlotFactory(weekday=1).stop
    pimms = WeeklySlotFactory(weekday=1, stop__organisation=OrganisationFactory(slug="pimms-libercourt")).stop
    Closure.objects.create(
        organisation=paris.organisation,
        first_day=D(2025, 3, 11),
        last_day=D(2025, 3, 11),
        reason="Formation de l'équipe",
    )
    Closure.objects.create(
        organisation=None, first_day=D(2025, 3, 18), last_day=D(2025, 3, 18), reason="Grève nationale"
    )
    openings = schedule.openings(D(2025, 3, 11), D(2025, 3, 18))
    assert {(o.stop.pk, o.date): (o.status, o.reason) for o in openings} == {
        (paris.pk, D(2025, 3, 11)): ("cancelled", "Formation de l'équipe"),
        (pimms.pk, D(2025, 3, 11)): ("open", None),
        (paris.pk, D(2025, 3, 18)): ("cancelled", "Grève nationale"),
        (pimms.pk, D(2025, 3, 18)): ("cancelled", "Grève nationale"),
    }
