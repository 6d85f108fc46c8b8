"""The commitments measured against data built by hand, where the answer is known.

March 2025 (tests/visits/conftest.py): stop A opens on Tuesdays 9h30 – 13h (4, 11, 18,
25), stop B on Fridays 9h30 – 12h30 (7, 14, 21, 28). Today is 15 April.
"""

import datetime
import html
import io
import re
from collections import Counter

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from stops import opening_counts
from stops.models import ScheduleChange
from tests.conftest import ENGINE_QUERIES, text_of
from tests.factories import ClosureFactory, ExtraOpeningFactory, OrganisationFactory, StopFactory, WeeklySlotFactory
from tests.visits.conftest import D, at
from visits import quality, stats
from visits.models import Commitment, DailyActivity, Feedback, Mood, Visit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mid_april")]

MARCH = stats.Filters(D(2025, 3, 1), D(2025, 3, 31))
TUE4, TUE11, TUE18, TUE25 = D(2025, 3, 4), D(2025, 3, 11), D(2025, 3, 18), D(2025, 3, 25)
FRI14, FRI21 = D(2025, 3, 14), D(2025, 3, 21)


def queued(stop, day, status, arrived, *, deblayage=None, accompagnement=None, ended=None):
    """A visit, its steps given as seconds after its arrival."""

    def after(seconds):
        return None if seconds is None else arrived + datetime.timedelta(seconds=seconds)

    return Visit.objects.create(
        stop=stop,
        service_day=day,
        ticket=Visit.objects.filter(stop=stop, service_day=day).count() + 1,
        status=status,
        arrived_at=arrived,
        deblayage_started_at=after(deblayage),
        accompagnement_started_at=after(accompagnement),
        ended_at=after(ended),
        orientation_target_id=1 if status == "oriented" else None,
    )


def minutes(m, s=0):
    return m * 60 + s


@pytest.fixture
def waits(stops):
    a, _b = stops
    queued(a, TUE4, "done", at(TUE4, 10), deblayage=minutes(19, 59), accompagnement=minutes(40), ended=minutes(60))
    queued(a, TUE4, "done", at(TUE4, 10), accompagnement=minutes(20, 1), ended=minutes(50))  # no déblayage
    queued(a, TUE4, "left", at(TUE4, 10), ended=minutes(25))  # waited long enough: not received in time
    queued(a, TUE4, "left", at(TUE4, 10), ended=minutes(5))  # left too soon to tell: not counted
    queued(a, TUE4, "left", at(TUE4, 10), deblayage=minutes(3), ended=minutes(10))  # received, then left
    queued(a, TUE4, "oriented", at(TUE4, 10), ended=minutes(2))  # never queued
    return stops


def test_quick_welcome_counts_minutes_up_and_visitors_who_left_after_the_threshold(waits):
    share = quality.quick_welcome(stats.tally_of(MARCH), 20)
    assert (share.part, share.whole) == (2, 4)  # 19:59 and 3:00 within 20; 20:01 and the one left at 25 min not
    assert quality.quick_welcome(stats.tally_of(MARCH), 21) == quality.Share(3, 4)  # 20:01 is 21 minutes
    # With 30 minutes, the one who left after 25 is not counted: they may have been received in time.
    assert quality.quick_welcome(stats.tally_of(MARCH), 30) == quality.Share(3, 3)


def test_a_visitor_still_waiting_is_not_counted(stops):
    a, _b = stops
    today = D(2025, 4, 15)
    queued(a, today, "waiting", at(today, 11))
    queued(a, today, "deblayage", at(today, 11), deblayage=minutes(4))
    share = quality.quick_welcome(stats.tally_of(stats.Filters(today, today)), 20)
    assert (share.part, share.whole) == (1, 1)


def change(stop, created_at, cancelled=(), added=()):
    def recorded(openings):
        return [{"date": f"{day}", "start": start, "end": end} for day, start, end in openings]

    return ScheduleChange.objects.create(
        stop=stop, description="…", cancelled=recorded(cancelled), added=recorded(added), created_at=created_at
    )


def hours_before(day, hours, start=(9, 30)):
    return at(day, *start) - datetime.timedelta(hours=hours)


@pytest.fixture
def schedule_changes(stops):
    """A: the 11th cancelled 47 hours before (after a cancellation, a restoration), the 18th 49 hours
    before, the 25th moved to 10h. B: an extra opening on Wednesday 12th, the 14th closed by a
    reorganisation recorded 41 days before, the 21st cancelled half an hour after its start."""
    a, b = stops
    tuesday = (TUE11, "09:30", "13:00")
    change(a, hours_before(TUE11, 100), cancelled=[tuesday])
    change(a, hours_before(TUE11, 80), added=[tuesday])
    change(a, hours_before(TUE11, 47), cancelled=[tuesday])
    ClosureFactory(stop=a, first_day=TUE11)
    change(a, hours_before(TUE18, 49, start=(9, 29)), cancelled=[(TUE18, "09:30", "13:00")])  # 49 h 01 min
    ClosureFactory(stop=a, first_day=TUE18)
    change(a, hours_before(TUE25, 72), cancelled=[(TUE25, "09:30", "13:00")], added=[(TUE25, "10:00", "13:00")])
    ExtraOpeningFactory(stop=a, date=TUE25, start=datetime.time(10), end=datetime.time(13))
    change(b, hours_before(D(2025, 3, 12), 24), added=[(D(2025, 3, 12), "14:00", "16:00")])
    ExtraOpeningFactory(stop=b, date=D(2025, 3, 12), start=datetime.time(14), end=datetime.time(16))
    change(b, at(D(2025, 2, 1), 10), cancelled=[(FRI14, "09:30", "12:30")])
    ClosureFactory(stop=b, first_day=FRI14)
    change(b, at(FRI21, 10), cancelled=[(FRI21, "09:30", "12:30")])
    ClosureFactory(stop=b, first_day=FRI21)
    return stops


def reliable_hours(filters, notice_hours=48):
    commitment = Commitment(kind=Commitment.Kind.RELIABLE_HOURS, notice_hours=notice_hours)
    return quality.measure(filters, [commitment])[0]


def test_cancellations_announced_47_and_49_hours_before(schedule_changes):
    a, _b = schedule_changes
    measured = reliable_hours(stats.Filters(MARCH.start, MARCH.end, stop=a))
    # Held: the 4th and the 25th (its hours moved); cancelled: the 11th and the 18th.
    assert measured.share == quality.Share(2, 4)
    assert measured.details["held"] == measured.share
    assert measured.details["announced"] == quality.Share(1, 2)  # 49 hours: yes; 47: no
    assert measured.details["median_notice_hours"] == 48.0
    assert measured.details["cancellations"] == 2
    assert measured.met is False  # 50 % < 80 %


def test_an_extra_opening_counts_held_and_a_reorganisation_is_not_a_cancellation(schedule_changes):
    _a, b = schedule_changes
    measured = reliable_hours(stats.Filters(MARCH.start, MARCH.end, stop=b))
    # Held: the 7th, the extra opening of the 12th, the 28th; the 14th was taken off the
    # timetable 41 days before: neither held nor cancelled. The 21st: cancelled after its start.
    assert measured.share == quality.Share(3, 4)
    assert measured.details["announced"] == quality.Share(0, 1)
    assert measured.details["median_notice_hours"] == -1.0


def test_the_notice_is_counted_in_real_hours_across_the_change_to_summer_time(stops):
    a, _b = stops
    tuesday = D(2025, 4, 1)  # the clocks went forward on Sunday 30 March
    # Saturday 10h to Tuesday 9h30 reads 71 h 30 on the clock, but 70 h 30 went by.
    change(a, at(D(2025, 3, 29), 10), cancelled=[(tuesday, "09:30", "13:00")])
    ClosureFactory(stop=a, first_day=tuesday)
    [cancellation] = opening_counts.cancellations(tuesday, tuesday)
    assert cancellation.notice_hours == 70
    april = stats.Filters(D(2025, 4, 1), D(2025, 4, 14), stop=a)
    assert reliable_hours(april, notice_hours=71).details["announced"] == quality.Share(0, 1)
    assert reliable_hours(april, notice_hours=70).details["announced"] == quality.Share(1, 1)


def test_the_whole_service_and_the_notice_threshold(schedule_changes):
    measured = reliable_hours(MARCH, notice_hours=47)
    assert measured.share == quality.Share(5, 8)
    assert measured.details["announced"] == quality.Share(2, 3)
    assert measured.details["median_notice_hours"] == 47.0


def test_an_opening_not_started_yet_is_not_counted(stops):
    a, _b = stops
    today = D(2025, 4, 15)  # a Tuesday: at noon, its opening has started
    change(a, hours_before(today, 24), cancelled=[(today, "09:30", "13:00")])
    ClosureFactory(stop=a, first_day=today)
    change(a, hours_before(D(2025, 4, 22), 72), cancelled=[(D(2025, 4, 22), "09:30", "13:00")])
    ClosureFactory(stop=a, first_day=D(2025, 4, 22))
    measured = reliable_hours(stats.Filters(D(2025, 4, 1), D(2025, 4, 30), stop=a))
    assert measured.share == quality.Share(2, 3)  # the 1st and the 8th held, the 15th cancelled


def test_answer_on_site(march):
    share = quality.answer_on_site(stats.tally_of(MARCH))
    assert (share.part, share.whole, share.value) == (3, 7, pytest.approx(3 / 7))


def opinions(stop, day, good, bad=0):
    for mood, count in ((Mood.GOOD, good), (Mood.BAD, bad)):
        Feedback.objects.bulk_create(
            Feedback(stop=stop, service_day=day, source="ticket", mood=mood) for _ in range(count)
        )


def satisfaction(filters):
    return quality.measure(filters, [Commitment(kind=Commitment.Kind.SATISFACTION)])[0]


def test_no_percentage_under_twenty_answers(stops):
    a, _b = stops
    opinions(a, TUE4, good=15, bad=4)
    measured = satisfaction(MARCH)
    assert (measured.share.whole, measured.share.value, measured.met) == (19, None, None)
    assert measured.details == {"answers": 19, "moods": {}}
    opinions(a, TUE11, good=1)
    measured = satisfaction(MARCH)
    assert (measured.share.value, measured.share.percent, measured.met) == (0.8, 80.0, True)
    assert measured.details == {"answers": 20, "moods": {"good": 16, "average": 0, "bad": 4}}


def test_a_month_without_answers_has_no_figure(stops):
    measured = satisfaction(MARCH)
    assert (measured.share, measured.share.value, measured.met) == (quality.Share(0, 0, 20), None, None)
    assert quality.satisfaction(Counter()).value is None


def test_satisfaction_of_one_stop(stops):
    a, b = stops
    opinions(a, TUE4, good=20)
    opinions(b, D(2025, 3, 7), good=10, bad=10)
    assert satisfaction(stats.Filters(MARCH.start, MARCH.end, stop=b)).share == quality.Share(10, 20, 20)


def published_satisfaction(organisation):
    commitments = [Commitment(kind=Commitment.Kind.SATISFACTION)]
    return quality.published([organisation], D(2024, 4, 1), D(2025, 3, 1), commitments)


def test_the_whole_period_gives_away_no_month_under_twenty_answers(stops):
    a, _b = stops
    opinions(a, TUE4, good=20, bad=5)  # March: 80 %, shown
    opinions(a, D(2025, 2, 4), good=1, bad=2)  # February: 3 answers, no percentage
    figures = published_satisfaction(a.organisation)
    assert figures.months[-1][1][0].share.percent == 80.0
    assert figures.months[-2][1][0].share.value is None
    # 21 "Bien" of 28 over the year, less March's 20 of 25, would give February's 1 of 3.
    overall = figures.overall[0]
    assert (overall.share.value, overall.share.part, overall.met) == (None, 21, None)
    assert overall.details == {"answers": 28, "moods": {}}


def test_the_whole_period_is_shown_when_the_months_withheld_have_twenty_answers(stops):
    a, _b = stops
    opinions(a, TUE4, good=20, bad=5)
    opinions(a, D(2025, 2, 4), good=10, bad=2)
    opinions(a, D(2025, 1, 7), good=6, bad=2)  # 12 + 8 answers withheld: 20
    overall = published_satisfaction(a.organisation).overall[0]
    assert (overall.share.percent, overall.met) == (80.0, True)


def test_shares_and_targets():
    assert quality.Share(0, 0).value is None
    assert quality.Share(4, 5).reaches(80) is True
    assert quality.Share(79, 100).reaches(80) is False
    assert [c.kind for c in quality.default_commitments()] == [
        "quick_welcome", "reliable_hours", "answer_on_site", "satisfaction",
    ]  # fmt: skip
    first = quality.default_commitments()[0]
    assert (first.minutes, first.notice_hours, first.target) == (20, 48, 80)


def test_commitments_of_an_organisation_in_their_order(stops):
    a, _b = stops
    Commitment.objects.create(organisation=a.organisation, kind="satisfaction", position=2)
    Commitment.objects.create(organisation=a.organisation, kind="quick_welcome", minutes=15, position=1)
    assert [c.kind for c in quality.commitments_of(a.organisation)] == ["quick_welcome", "satisfaction"]
    assert quality.commitments_of(OrganisationFactory(slug="autre")) == []


def figures(months):
    return [(month, [(m.kind, m.share, m.met, m.details) for m in measures]) for month, measures in months]


@pytest.fixture
def busy_march(waits, schedule_changes):
    a, b = schedule_changes
    opinions(a, TUE4, good=18, bad=2)
    return a, b


def keep(first, last):
    day = first
    while day <= last:
        stats.keep_day(day)
        day += datetime.timedelta(days=1)


def test_monthly_is_the_same_from_kept_days_and_from_the_visits(busy_march):
    a, _b = busy_march
    commitments = quality.default_commitments()
    counted = figures(quality.monthly(None, D(2025, 2, 1), D(2025, 4, 1), commitments))
    of_paris = figures(quality.monthly([a.organisation], D(2025, 2, 1), D(2025, 4, 1), commitments))
    keep(D(2025, 2, 1), D(2025, 4, 14))
    assert figures(quality.monthly(None, D(2025, 2, 1), D(2025, 4, 1), commitments)) == counted
    assert figures(quality.monthly(a.organisation, D(2025, 2, 1), D(2025, 4, 1), commitments)) == of_paris
    march = dict(counted)[D(2025, 3, 1)]
    assert [share for _kind, share, _met, _details in march] == [
        quality.Share(2, 4),
        quality.Share(5, 8),
        quality.Share(0, 0),
        quality.Share(18, 20, 20),
    ]
    february = dict(counted)[D(2025, 2, 1)]
    # No visitor; 4 Tuesdays and 4 Fridays held.
    assert [share for _kind, share, _met, _details in february][:2] == [quality.Share(0, 0), quality.Share(8, 8)]


def test_a_day_with_only_a_cancellation_is_kept_for_its_organisation(schedule_changes):
    _a, b = schedule_changes
    stats.keep_day(FRI21)
    row = DailyActivity.objects.get(day=FRI21, organisation=b.organisation)
    assert row.figures["cancellations"] == {"-1": 1}
    assert row.figures["version"] == stats.TALLY_VERSION


def test_days_kept_with_an_older_tally_are_counted_from_the_visits_until_kept_again(waits):
    keep(MARCH.start, MARCH.end)
    old = {name: {} for name in stats.TALLY_FIELDS if name not in ("received", "left_unreceived", "cancellations")}
    DailyActivity.objects.update(figures=old)  # as kept before the commitments, without a version
    assert quality.quick_welcome(stats.tally_of(MARCH), 20) == quality.Share(2, 4)
    assert stats.stale_days()[:2] == [D(2025, 3, 31), D(2025, 3, 30)]  # the newest first
    assert stats.keep_stale_days(limit=5) == 5
    assert len(stats.stale_days()) == 26
    assert DailyActivity.objects.get(day=D(2025, 3, 31), organisation=None).figures["version"] == stats.TALLY_VERSION
    assert stats.keep_stale_days(limit=100) == 26
    assert stats.stale_days() == []
    assert quality.quick_welcome(stats.tally_of(MARCH), 20) == quality.Share(2, 4)


MONTHLY_QUERIES = (
    2  # the kept days' tallies, and which days are kept
    + 7  # the other days counted from the visits and demands (stats.count)
    + 1  # the schedule's changes that cancelled openings of the other days
    + ENGINE_QUERIES  # the schedule as it is now, on the days of those cancellations
    + 1  # the months whose openings are summarized
    + 1  # their summaries
    + 2 * ENGINE_QUERIES
    - 1  # the openings of the months before and after them (the stops read once)
    + 1  # the opinions, by month and mood
)


@pytest.mark.parametrize("size", [1, 3])
def test_monthly_queries_do_not_grow_with_the_months_the_stops_or_the_visits(size, django_assert_num_queries):
    organisations = [OrganisationFactory(slug=f"structure-{n}") for n in range(size)]
    for organisation in organisations:
        for _ in range(size):
            stop = StopFactory(organisation=organisation, school_holidays_zone="C")
            WeeklySlotFactory(stop=stop, weekday=1)
            for day in (D(2024, 6, 4), D(2025, 1, 7), D(2025, 4, 8)):
                for n in range(size):
                    queued(stop, day, "done", at(day, 10, n), deblayage=minutes(10 + n), ended=minutes(40))
                opinions(stop, day, good=size)
            change(stop, hours_before(D(2025, 4, 1), 24), cancelled=[(D(2025, 4, 1), "09:30", "13:00")])
            ClosureFactory(stop=stop, first_day=D(2025, 4, 1))
    keep(D(2025, 1, 1), D(2025, 1, 31))
    opening_counts.summarize(D(2024, 9, 1), D(2024, 12, 1))
    commitments = quality.default_commitments()
    for concerned in (None, organisations[:1], organisations):
        with django_assert_num_queries(MONTHLY_QUERIES):
            months = quality.monthly(concerned, D(2024, 5, 1), D(2025, 4, 1), commitments)
    assert len(months) == 12
    april = dict(months)[D(2025, 4, 1)]
    assert april[1].share.whole == april[1].share.part + size * size  # each stop's cancellation of the 1st
    assert dict(months)[D(2025, 1, 1)][0].share == quality.Share(size**3, size**3)


def test_the_command_keeps_every_stale_day_at_once(waits):
    keep(MARCH.start, MARCH.end)
    DailyActivity.objects.update(figures={})
    out = io.StringIO()
    call_command("summarize_activity", stale=True, stdout=out)
    assert "31 journées comptées à nouveau." in out.getvalue()
    assert stats.stale_days() == []
    with pytest.raises(CommandError, match="--since"):
        call_command("summarize_activity")


# The coordinator's statistics -----------------------------------------------------------


def commitments_section(response):
    """The words of the page's section on the commitments, without its tags."""
    text = text_of(response)
    section = text[text.index('<section aria-labelledby="engagements"') : text.index('aria-labelledby="tendance"')]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def test_the_statistics_page_shows_the_commitments_with_the_defaults(coordination, busy_march):
    section = commitments_section(coordination.get("/coordination/statistiques/", {"period": "last-month"}))
    assert "seuils et les objectifs par défaut" in section
    assert "Visiteurs reçus dans le délai (reçu en 20 minutes au plus) 50,0 % (2 sur 4)" in section
    assert "Ouvertures prévues qui ont eu lieu" in section
    assert "Annulations annoncées au moins 48 h avant : 33,3 % (1 sur 3) ; préavis médian : 47,0 h" in section
    assert "Avis « Bien » (pas de pourcentage sous 20 avis) 90,0 % (18 sur 20) 80 % · atteint" in section


def test_the_statistics_page_uses_the_commitments_of_the_organisation(coordination, busy_march):
    a, _b = busy_march
    Commitment.objects.create(organisation=a.organisation, kind="quick_welcome", minutes=21, target=70)
    section = commitments_section(
        coordination.get("/coordination/statistiques/", {"period": "last-month", "stop": "a"})
    )
    assert "que la structure a choisis" in section
    assert "(reçu en 21 minutes au plus) 75,0 % (3 sur 4) 70 % · atteint" in section
    assert "Satisfaction" not in section


def test_too_few_answers_give_no_percentage_on_the_page_nor_in_the_export(coordination, stops):
    a, _b = stops
    opinions(a, TUE4, good=19)
    text = text_of(coordination.get("/coordination/statistiques/", {"period": "last-month"}))
    assert "19 avis : trop peu pour donner un pourcentage." in text
    export = coordination.get("/coordination/statistiques/export.csv", {"period": "last-month"})
    assert "Satisfaction;Avis « Bien »;pas de pourcentage sous 20 avis;;19;;80;\r\n" in export.content.decode(
        "utf-8-sig"
    )


def test_the_exports_have_the_commitments(coordination, busy_march):
    export = coordination.get("/coordination/statistiques/export.csv", {"period": "last-month"})
    text = export.content.decode("utf-8-sig")
    quality_part = text[text.index("Qualité\r\n") :]
    assert (
        "Accueil rapide;Visiteurs reçus dans le délai;reçu en 20 minutes au plus;2;4;50,0 %;80;non\r\n" in quality_part
    )
    assert (
        "Horaires fiables;Annulations annoncées à temps;annulation annoncée au moins 48 h avant;1;3;33,3 %;;\r\n"
        in (quality_part)
    )
    assert "Horaires fiables;Préavis médian des annulations (heures);;47,0\r\n" in quality_part
    assert "Seuils;les seuils par défaut\r\n" in quality_part
    workbook = openpyxl.load_workbook(io.BytesIO(coordination.get("/coordination/statistiques/export.xlsx").content))
    assert next(workbook["Qualité"].iter_rows(values_only=True))[:3] == ("Engagement", "Indicateur", "Seuil")


# The API ----------------------------------------------------------------------------------


def test_the_api_gives_the_default_commitments_of_last_month(client, busy_march):
    answer = client.get("/api/v1/organisations/paris/quality")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["organisation"], body["month"], body["chosen"]) == ("paris", "2025-03", False)
    welcome, hours, on_site, opinion = body["commitments"]
    assert welcome == {
        "kind": "quick_welcome",
        "label": "Accueil rapide",
        "text": "",
        "target": 80,
        "minutes": 20,
        "notice_hours": None,
        "value": 0.5,
        "part": 2,
        "whole": 4,
        "met": False,
        "details": {
            "counted": 4,
            "held": None,
            "announced": None,
            "median_notice_hours": None,
            "cancellations": None,
            "demands": None,
            "answers": None,
            "moods": None,
        },
    }
    assert (hours["notice_hours"], hours["part"], hours["whole"]) == (48, 5, 8)
    assert hours["details"]["announced"] == {"part": 1, "whole": 3, "value": pytest.approx(1 / 3)}
    assert hours["details"]["median_notice_hours"] == 47.0
    assert (on_site["value"], on_site["details"]["demands"]) == (None, 0)
    assert (opinion["value"], opinion["details"]["moods"]) == (0.9, {"good": 18, "average": 0, "bad": 2})


def test_the_api_gives_the_commitments_the_organisation_chose(client, busy_march):
    a, _b = busy_march
    Commitment.objects.create(organisation=a.organisation, kind="satisfaction", target=95, text="Votre avis compte.")
    body = client.get("/api/v1/organisations/paris/quality", {"month": "2025-03"}).json()
    assert body["chosen"] is True
    [opinion] = body["commitments"]
    assert (opinion["kind"], opinion["text"], opinion["met"]) == ("satisfaction", "Votre avis compte.", False)


def test_the_api_gives_no_satisfaction_rate_under_twenty_answers(client, stops):
    a, _b = stops
    opinions(a, TUE4, good=19)
    opinion = client.get("/api/v1/organisations/paris/quality", {"month": "2025-03"}).json()["commitments"][3]
    assert (opinion["value"], opinion["part"], opinion["whole"], opinion["met"]) == (None, None, 19, None)
    assert opinion["details"]["moods"] == {}


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2025-13", "Le paramètre « month » doit être un mois au format AAAA-MM, par exemple 2025-03."),
        ("mars", "Le paramètre « month » doit être un mois au format AAAA-MM, par exemple 2025-03."),
        ("2025-05", "Le mois 2025-05 n'a pas encore commencé."),
        ("1999-12", "Le mois doit être en 2000 ou après."),
        ("0000-01", "Le mois doit être en 2000 ou après."),
        ("٢٠٢٥-٠٣", "Le paramètre « month » doit être un mois au format AAAA-MM, par exemple 2025-03."),
    ],
)
def test_the_api_refuses_a_bad_month(client, stops, month, message):
    answer = client.get("/api/v1/organisations/paris/quality", {"month": month})
    assert (answer.status_code, answer.json()) == (400, {"detail": message})


def test_the_api_this_month_so_far(client, stops):
    assert client.get("/api/v1/organisations/paris/quality", {"month": "2025-04"}).status_code == 200


def test_the_api_gives_no_satisfaction_rate_of_the_month_under_way(client, stops):
    a, _b = stops
    opinions(a, D(2025, 4, 8), good=20, bad=5)
    # Asked again after one more opinion, the rate or the detail would tell what that person said.
    opinion = client.get("/api/v1/organisations/paris/quality", {"month": "2025-04"}).json()["commitments"][3]
    assert (opinion["value"], opinion["part"], opinion["whole"], opinion["met"]) == (None, None, 25, None)
    assert opinion["details"] == {**opinion["details"], "answers": 25, "moods": {}}


@pytest.mark.parametrize("slug", ["inconnue", "endormie"])
def test_the_api_does_not_know_an_unknown_or_inactive_organisation(client, stops, slug):
    OrganisationFactory(slug="endormie", active=False)
    answer = client.get(f"/api/v1/organisations/{slug}/quality")
    assert (answer.status_code, answer.json()) == (
        404,
        {"detail": f"Aucune structure ne porte l'identifiant « {slug} »."},
    )


def test_the_api_is_in_the_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    operation = paths["/api/v1/organisations/{slug}/quality"]["get"]
    assert set(operation["responses"]) == {"200", "400", "404"}


def test_the_api_documentation_describes_it(client):
    text = html.unescape(text_of(client.get("/api/v1/docs")))
    assert "Les engagements de service d'une structure, mesurés sur un mois" in text
    assert "false : elle n'en a pas choisi, les engagements par défaut sont mesurés." in text
