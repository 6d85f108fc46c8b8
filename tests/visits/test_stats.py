"""Every figure against a data set built by hand, where the answer is known.

March 2025: stop A opens on Tuesdays 9h30 – 13h (4 openings, 14 hours), stop B on
Fridays 9h30 – 12h30 (4 openings, 12 hours). Six visits that month, one in April.
"""

import datetime
import io

import openpyxl
import pytest
import time_machine

from organisations.models import Organisation
from partners.models import Partner
from stops import opening_counts
from stops.models import WeeklySlot
from stops.schedule import PARIS
from tests.conftest import ENGINE_QUERIES
from tests.factories import OrganisationFactory, WeeklySlotFactory
from tests.visits.conftest import at, visit
from visits import exports, stats
from visits.models import DailyActivity, Visit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mid_april")]

D = datetime.date
MARCH = stats.Filters(D(2025, 3, 1), D(2025, 3, 31))


def test_totals(march):
    result = stats.compute(MARCH)
    assert (result.visits, result.demands, result.oriented, result.left, result.to_come_back, result.done) == (
        6, 7, 1, 1, 0, 4,
    )  # fmt: skip
    assert result.oriented_share == pytest.approx(1 / 6)
    assert result.left_share == pytest.approx(1 / 6)
    assert (result.first_visits, result.first_visit_known) == (1, 2)


def test_waiting_and_duration_medians_and_90th_percentiles(march):
    result = stats.compute(MARCH)
    assert result.waiting == (25.0, 37.0)  # waits 10, 20, 30 (across midnight), 40
    assert result.duration == (25.0, 44.0)  # 15, 20, 30, 50


def test_demands_by_partner_procedure_and_outcome(march):
    result = stats.compute(MARCH)
    by_partner = {partner.code: count for partner, count in result.by_partner}
    assert by_partner["caf"] == 3
    assert (by_partner["cpam"], by_partner["point-justice"], by_partner["dgfip"], by_partner["ants"]) == (1, 1, 1, 1)
    assert by_partner["msa"] == 0
    assert result.by_partner[0][0].code == "caf"  # the busiest first
    assert dict(result.by_procedure)["Caf – Déclaration trimestrielle RSA"] == 1
    assert dict(result.by_procedure)["Caf – autre démarche"] == 1
    assert result.outcomes == [("Résolue", 3), ("En cours", 1), ("Suivi nécessaire", 1), ("Réorientée", 1)]


def test_visits_per_stop_and_per_opening(march):
    result = stats.compute(MARCH)
    a, b = result.by_stop
    assert (a.name, a.visits, a.openings, a.open_minutes) == ("A", 4, 4, 840)
    assert (a.per_opening, a.per_hour) == (1.0, pytest.approx(4 / 14))
    assert (b.name, b.visits, b.openings, b.open_minutes) == ("B", 2, 4, 720)
    assert (result.openings, result.open_minutes) == (8, 1560)
    assert result.per_hour == pytest.approx(6 / 26)


def test_monthly_trend_heatmap_and_profile(march):
    result = stats.compute(stats.Filters(D(2025, 3, 1), D(2025, 4, 30)))
    assert result.monthly == [(D(2025, 3, 1), 6, 7, 0), (D(2025, 4, 1), 1, 1, 0)]
    result = stats.compute(MARCH)
    assert result.hours == list(range(9, 24))
    heatmap = dict(result.heatmap)
    assert heatmap["Mardi"][:3] == [1, 1, 2]  # 9h, 10h, 11h
    assert heatmap["Vendredi"][0] == 1
    assert heatmap["Vendredi"][-1] == 1  # 23h
    assert set(heatmap) == {"Mardi", "Vendredi"}
    assert dict(result.age_bands) == {
        "Moins de 26 ans": 0,
        "26 à 39 ans": 1,
        "40 à 59 ans": 0,
        "60 à 74 ans": 1,
        "75 ans et plus": 0,
    }
    assert result.residences == [("Paris 18e", 2)]


def test_every_month_of_the_period_is_in_the_trend_even_without_a_visit(march):
    a, _b = march
    visit(a, D(2025, 1, 14), "done", at(D(2025, 1, 14), 10), demands=[("caf", None, "resolved")])
    result = stats.compute(stats.Filters(D(2025, 1, 1), D(2025, 3, 31)))
    assert result.monthly == [(D(2025, 1, 1), 1, 1, 0), (D(2025, 2, 1), 0, 0, 0), (D(2025, 3, 1), 6, 7, 0)]


def test_one_stop(march):
    a, _b = march
    result = stats.compute(stats.Filters(MARCH.start, MARCH.end, stop=a))
    assert (result.visits, result.demands, result.oriented) == (4, 5, 1)
    assert [s.name for s in result.by_stop] == ["A"]


def test_one_partner(march):
    caf = Partner.objects.get(code="caf")
    result = stats.compute(stats.Filters(MARCH.start, MARCH.end, partner=caf))
    assert (result.visits, result.demands) == (3, 3)  # visits with a Caf demand; their Caf demands


def test_an_empty_period(stops):
    result = stats.compute(stats.Filters(D(2024, 2, 1), D(2024, 2, 29)))
    assert (result.visits, result.demands, result.oriented_share) == (0, 0, None)
    assert result.waiting == (None, None)
    assert result.duration == (None, None)
    assert result.monthly == [(D(2024, 2, 1), 0, 0, 0)]
    assert result.heatmap == []


def test_a_period_with_no_opening(march):
    result = stats.compute(stats.Filters(D(2025, 3, 5), D(2025, 3, 6)))  # a Wednesday and a Thursday
    assert (result.openings, result.per_opening, result.per_hour) == (0, None, None)


def test_openings_of_completed_months_come_from_the_summaries(march):
    a, _b = march
    assert opening_counts.summarize(D(2025, 3, 1), D(2025, 3, 1)) == 2
    WeeklySlot.objects.filter(stop=a).delete()  # later edits do not rewrite March
    result = stats.compute(MARCH)
    assert [(s.name, s.openings) for s in result.by_stop] == [("A", 4), ("B", 4)]
    # April is not over: computed from today's schedule, where A no longer opens.
    april = stats.compute(stats.Filters(D(2025, 4, 1), D(2025, 4, 30)))
    assert {s.name: s.openings for s in april.by_stop} == {"A": 0, "B": 4}


def test_france_services_report_lists_every_partner_in_order(march):
    rows = stats.france_services_report(D(2025, 3, 1))
    assert [(partner.code, count) for partner, count in rows] == [
        ("dgfip", 1),
        ("ants", 1),
        ("point-justice", 1),
        ("la-poste", 0),
        ("france-travail", 0),
        ("caf", 3),
        ("cpam", 1),
        ("assurance-retraite", 0),
        ("msa", 0),
        ("cheque-energie", 0),
        ("anah", 0),
    ]


@pytest.mark.parametrize("count", [2, 30])
def test_queries_do_not_grow_with_the_stops_or_the_period(march, count, django_assert_max_num_queries):
    for n in range(count):
        WeeklySlotFactory(weekday=n % 5)
    queries = (
        2  # the kept days' tallies, and which days are kept
        + 7  # the other days counted from the visits and demands (stats.count)
        + 1  # the schedule's changes that cancelled openings of the other days (none: no engine)
        + 2  # partners and procedures named
        + 1  # the months whose openings are summarized
        + ENGINE_QUERIES  # the openings of the other months
        + 1  # stops named
        + 1  # the SMS sent, by month
    )
    with django_assert_max_num_queries(queries):
        stats.compute(stats.Filters(D(2023, 1, 1), D(2025, 4, 15)))
    with django_assert_max_num_queries(queries):
        stats.compute(MARCH)


def test_csv_and_xlsx_exports_carry_the_same_figures(march):
    sections = exports.sections(stats.compute(MARCH))
    text = exports.to_csv(sections).decode("utf-8-sig")
    assert "Passages;6\r\n" in text
    assert "Part des passages orientés;16,7 %\r\n" in text
    assert "Attente, 90e centile (minutes);37,0\r\n" in text
    assert "A;4;4;14,0;1,0;0,29\r\n" in text
    workbook = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(sections)))
    assert workbook.sheetnames[0] == "Synthèse"
    summary = {row[0]: row[1] for row in workbook["Synthèse"].iter_rows(min_row=2, values_only=True)}
    assert summary["Passages"] == 6
    assert summary["Attente, 90e centile (minutes)"] == 37.0
    assert next(workbook["Résultats des demandes"].iter_rows(min_row=2, values_only=True)) == (
        "Résolue",
        3,
    )


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ([exports.Section("France services – demandes de 09/2025", [], [])], "cannot name a sheet"),
        ([exports.Section("Demandes", [], []), exports.Section("Passages", [], [], sheet="demandes")], "same name"),
    ],
)
def test_an_export_refuses_a_sheet_name_excel_would_cut_or_repeat(sections, message):
    with pytest.raises(ValueError, match=message):
        exports.to_xlsx(sections)


def test_quick_periods():
    periods = {key: (start, end) for key, _label, start, end in stats.quick_periods(D(2025, 4, 15))}
    assert periods == {
        "this-month": (D(2025, 4, 1), D(2025, 4, 15)),
        "last-month": (D(2025, 3, 1), D(2025, 3, 31)),
        "this-year": (D(2025, 1, 1), D(2025, 4, 15)),
        "last-school-year": (D(2023, 9, 1), D(2024, 8, 31)),
    }
    assert {k: (s, e) for k, _l, s, e in stats.quick_periods(D(2025, 9, 2))}["last-school-year"] == (
        D(2024, 9, 1),
        D(2025, 8, 31),
    )


def test_kept_days_give_the_same_figures_as_the_visits(march):
    counted = stats.compute(MARCH)
    for day in range(1, 32):
        stats.keep_day(D(2025, 3, day))
    Visit.objects.filter(service_day__month=3).delete()  # what is kept is read, not the visits
    kept = stats.compute(MARCH)
    for figure in ("visits", "demands", "oriented", "left", "waiting", "duration", "monthly", "heatmap", "age_bands"):
        assert getattr(kept, figure) == getattr(counted, figure), figure
    assert [(s.name, s.visits) for s in kept.by_stop] == [(s.name, s.visits) for s in counted.by_stop]
    assert kept.by_procedure == counted.by_procedure


def test_kept_days_are_not_used_for_one_stop_or_one_partner(march):
    a, _b = march
    stats.keep_day(D(2025, 3, 4))
    Visit.objects.filter(service_day=D(2025, 3, 4)).delete()
    assert stats.compute(stats.Filters(MARCH.start, MARCH.end, stop=a)).visits == 2


def test_the_nightly_task_keeps_the_days_not_kept_yet(march):
    with time_machine.travel(datetime.datetime(2025, 3, 12, 2, 30, tzinfo=PARIS), tick=False):
        assert stats.keep_recent_days(datetime.date.today()) == 7
        assert stats.keep_recent_days(datetime.date.today()) == 0
    assert DailyActivity.objects.get(day=D(2025, 3, 11), organisation=None).figures["status"] == {
        "oriented": 1,
        "left": 1,
    }


def test_a_kept_day_is_counted_again_and_a_day_not_kept_is_left_to_the_nightly_task(march):
    stats.keep_day(D(2025, 3, 11))
    Visit.objects.filter(service_day=D(2025, 3, 11), status="left").update(status="to_come_back")
    stats.count_day_again(D(2025, 3, 11))
    assert DailyActivity.objects.get(day=D(2025, 3, 11), organisation=None).figures["status"] == {
        "oriented": 1,
        "to_come_back": 1,
    }
    stats.count_day_again(D(2025, 3, 4))
    assert not DailyActivity.objects.filter(day=D(2025, 3, 4)).exists()


def test_percentiles_interpolate_as_postgresql():
    assert stats.percentiles({"10": 1, "20": 1, "30": 1, "40": 1}) == (25.0, 37.0)
    assert stats.percentiles({"5": 3}) == (5.0, 5.0)
    assert stats.percentiles({}) == (None, None)
    assert stats.percentiles({"1": 9, "100": 1}) == (1.0, 10.9)


def test_each_organisation_counts_its_own_visits_whether_its_days_are_kept_or_not(march):
    """Stop B moves to another organisation: A's and B's visits are counted apart, kept days or not."""
    _a, b = march
    pimms = OrganisationFactory(slug="pimms-libercourt", departement="62")
    b.organisation = pimms
    b.save()
    paris = Organisation.objects.filter(slug="paris")
    for kept in (False, True):
        if kept:
            for day in (D(2025, 3, 4), D(2025, 3, 7), D(2025, 3, 11), D(2025, 3, 28)):
                stats.keep_day(day)
        of_paris = stats.compute(stats.Filters(MARCH.start, MARCH.end, organisations=paris))
        of_pimms = stats.compute(
            stats.Filters(MARCH.start, MARCH.end, organisations=Organisation.objects.filter(pk=pimms.pk))
        )
        everyone = stats.compute(MARCH)
        assert (of_paris.visits, of_pimms.visits, everyone.visits) == (4, 2, 6), kept
        assert [s.name for s in of_pimms.by_stop] == [b.name]
    assert DailyActivity.objects.filter(day=D(2025, 3, 7)).count() == 2  # the PIMMS's, and the country's
