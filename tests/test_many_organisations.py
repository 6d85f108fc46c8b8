"""The pages whose query count must not grow with the number of organisations: each is
asked for with 2 organisations, then 12, within the same budget."""

import datetime

import pytest
import time_machine
from django.test import override_settings

from organisations.models import Membership, Role
from stops.schedule import PARIS
from tests.conftest import ENGINE_QUERIES, SESSION_QUERIES, text_of
from tests.factories import OrganisationFactory, StopFactory, VisitFactory, WeeklySlotFactory
from visits import stats
from visits.models import DailyActivity

pytestmark = pytest.mark.django_db

SIZES = [2, 12]
STOPS_EACH = 3
KEPT_DAY = datetime.date(2025, 4, 1)

AGENT_HOME = (
    SESSION_QUERIES
    + ENGINE_QUERIES  # their stops, with their organisations, and today's openings
    + 1  # their other stops
)
COORDINATION_HOME = (
    SESSION_QUERIES
    + 1  # how many of their stops: more than a page?
    + 1  # their stops, with subscribers and last change
    + 1  # the mails of the last 30 days about them, by state
    + 1  # this month's SMS of their organisations, against their budgets
    + 1  # their last changes
)
STATISTICS = (
    SESSION_QUERIES
    + 1  # the organisations the coordinator sees (one: no choice to offer)
    + 1  # which days are kept (the country's tallies)
    + 1  # the kept days' tallies of the coordinator's organisation
    + 7  # today, counted from the visits and demands (stats.count)
    + 1  # the schedule's changes that cancelled openings today (none: no engine)
    + 1  # the partners named (no procedure to name)
    + 1  # the months whose openings are summarized
    + ENGINE_QUERIES  # the openings of the others, at the organisation's stops
    + 1  # its stops named
    + 1  # the SMS its organisation sent, by month
    + 2  # last month's France services report: demands by partner, the partners
    + 1  # the partners of the filter's list
    + 3  # the commitments measured: the organisation concerned, its commitments, the months summarized
    + ENGINE_QUERIES  # the openings held this month
    + 1  # the opinions, by month
)
TIMETABLE_BY_COMMUNE = (
    1  # how many active stops: a large territory is grouped by commune
    + 1  # the communes
    + 1  # the organisations, each page with its subscription to every stop
)
TIMETABLE_SEARCH = (
    1  # how many stops match, for the paginator
    + ENGINE_QUERIES  # the page's stops and their openings
    + 1  # what the agents said today at those stops (stops.live)
    + 1  # the organisations
)
ORGANISATION_PAGE = (
    1  # the organisation
    + 1  # how many stops it has, for the paginator
    + ENGINE_QUERIES  # the page's stops and their openings
    + 1  # what the agents said today at those stops (stops.live)
)
# The nightly task, for a day at every organisation's stops:
KEEP_DAY = (
    7  # the day's visits and demands counted, grouped by organisation (stats.count_by_organisation)
    + 1  # the schedule's changes that cancelled openings of the day (none: no engine)
    + 1  # its tallies of each organisation replaced: the old ones deleted,
    + 1  # the new ones written at once
    + 2  # the country's tally, locked then written
    + 4  # savepoints and their releases: the transaction's (inside the test's), update_or_create's
)
API_STOPS = 1 + 1 + 1  # the stops with their organisations, their partners, their slots (opening_hours)
API_OPENINGS = ENGINE_QUERIES


@pytest.fixture(autouse=True)
def tuesday_noon():
    with time_machine.travel(datetime.datetime(2025, 4, 15, 12, tzinfo=PARIS), tick=False):
        yield


def organisations(count):
    """`count` organisations (the first, Paris, the personas'), each with its stops open on
    Tuesdays and Fridays and a visit at each: one on a kept day, one today."""
    created = [OrganisationFactory()] + [
        OrganisationFactory(slug=f"structure-{n:02d}", departement=f"{n:02d}") for n in range(1, count)
    ]
    for n, organisation in enumerate(created):
        for k in range(STOPS_EACH):
            stop = StopFactory(
                organisation=organisation,
                postcode=f"{n + 1:02d}{k:03d}",
                city=f"Commune {n}-{k}",
                school_holidays_zone="ABC"[n % 3],
            )
            WeeklySlotFactory(stop=stop, weekday=1)
            WeeklySlotFactory(stop=stop, weekday=4)
            VisitFactory(stop=stop, service_day=KEPT_DAY)
            VisitFactory(stop=stop)
    stats.keep_day(KEPT_DAY)
    return created


@pytest.fixture(params=SIZES, ids=lambda count: f"{count} organisations")
def territory(request):
    return organisations(request.param)


@pytest.fixture
def page(client, django_assert_num_queries):
    """The text of a page asked for by `user` (None: a visitor), in exactly `queries` queries."""

    def get(url, queries, user=None, **params):
        if user:
            client.force_login(user)
        with django_assert_num_queries(queries):
            return text_of(client.get(url, params))

    return get


def test_an_agent_home_of_one_organisation(territory, agent, page):
    text = page("/agents/", AGENT_HOME, agent)
    assert text.count('href="/agents/arrets/') == STOPS_EACH


def test_an_agent_home_of_two_organisations(territory, other_agent, page):
    first, second, *_others = territory
    Membership.objects.create(user=other_agent, organisation=second, role=Role.AGENT)
    text = page("/agents/", AGENT_HOME, other_agent)
    assert text.count('href="/agents/arrets/') == 2 * STOPS_EACH
    assert text.count(first.name) == text.count(second.name) == STOPS_EACH  # each stop labelled


def test_the_coordination_home(territory, coordinator, page):
    text = page("/coordination/", COORDINATION_HOME, coordinator)
    assert text.count('<th scope="row"><a href="/coordination/arrets/') == STOPS_EACH


def test_the_statistics_page_for_a_year_of_one_organisation(territory, coordinator, page):
    text = page("/coordination/statistiques/", STATISTICS, coordinator, start="2024-04-16", end="2025-04-15")
    assert "<dt>Passages</dt><dd>6</dd>" in text  # its own: a kept day's and today's, at each of its stops


@override_settings(TIMETABLE_GROUP_THRESHOLD=0)
def test_the_national_timetable_by_commune(territory, page):
    assert page("/", TIMETABLE_BY_COMMUNE).count('href="/structures/') == len(territory)


def test_the_national_timetable_searched(territory, page):
    text = page("/", TIMETABLE_SEARCH, q="Commune")
    assert f"{len(territory) * STOPS_EACH} arrêts pour « Commune »" in text


def test_an_organisation_page(territory, page):
    assert f"{STOPS_EACH} arrêts" in page(f"/structures/{territory[-1].slug}/", ORGANISATION_PAGE)


def test_the_api(territory, client, django_assert_num_queries):
    with django_assert_num_queries(API_STOPS):
        assert len(client.get("/api/v1/stops").json()) == len(territory) * STOPS_EACH
    with django_assert_num_queries(API_OPENINGS):
        openings = client.get("/api/v1/openings", {"start": "2025-04-15", "end": "2025-04-21"}).json()
    assert len(openings) == 2 * len(territory) * STOPS_EACH


def test_the_nightly_tally_of_a_day(territory, django_assert_num_queries):
    with django_assert_num_queries(KEEP_DAY):
        national = stats.keep_day(KEPT_DAY)  # kept again: each organisation's tally is replaced
    assert sum(national["status"].values()) == len(territory) * STOPS_EACH
    assert DailyActivity.objects.filter(day=KEPT_DAY).count() == len(territory) + 1  # each one's, the country's
