"""The queue's figures for residents: people waiting, and the estimate of the wait (visits/queue.py)."""

import datetime

import pytest
import time_machine

from stops import live
from stops.schedule import PARIS
from tests.factories import StopFactory
from visits import queue
from visits.models import Status, Visit

pytestmark = pytest.mark.django_db

TUESDAY = datetime.date(2025, 3, 4)


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


@pytest.fixture(autouse=True)
def tuesday_morning():
    with time_machine.travel(at(TUESDAY, 10), tick=False):
        yield


@pytest.fixture
def stop():
    return StopFactory(slug="nathalie-sarraute")


def received(stop, day, minutes_apart, count, *, deblayage=True, start=None):
    """`count` visitors received at `stop` on `day`, `minutes_apart` from each other from 9:30."""
    start = start or at(day, 9, 30)
    first = Visit.objects.filter(stop=stop, service_day=day).count()
    for n in range(count):
        moment = start + datetime.timedelta(minutes=minutes_apart * n)
        Visit.objects.create(
            stop=stop,
            service_day=day,
            ticket=first + n + 1,
            status=Status.DONE,
            arrived_at=at(day, 9),
            deblayage_started_at=moment if deblayage else None,
            accompagnement_started_at=moment + datetime.timedelta(minutes=5),
        )


def days_ago(days):
    return TUESDAY - datetime.timedelta(days=days)


def test_too_little_data_gives_no_estimate(stop):
    received(stop, days_ago(7), 6, 10)
    received(stop, days_ago(14), 6, 9)  # 19 receptions
    assert queue.minutes_per_person(stop, TUESDAY) is None
    received(stop, days_ago(21), 6, 1)  # a day of one reception counts for nothing
    assert queue.minutes_per_person(stop, TUESDAY) is None
    received(stop, days_ago(21), 6, 1, start=at(days_ago(21), 9, 36))  # now two that day: 21 receptions
    assert queue.minutes_per_person(stop, TUESDAY) == pytest.approx((54 + 48 + 6) / (9 + 8 + 1))


def test_minutes_per_person_over_the_last_30_days(stop):
    received(stop, days_ago(7), 6, 10)  # 54 minutes for 9 turns
    received(stop, days_ago(14), 12, 11, deblayage=False)  # straight to the accompaniment: 120 minutes, 10 turns
    received(stop, days_ago(31), 60, 30)  # too long ago
    received(StopFactory(), days_ago(7), 60, 30)  # another stop
    assert queue.minutes_per_person(stop, TUESDAY) == pytest.approx((54 + 120) / (9 + 10))


def test_visitors_not_received_count_for_nothing(stop):
    received(stop, days_ago(7), 6, 20)
    Visit.objects.create(stop=stop, service_day=days_ago(7), ticket=99, status=Status.LEFT, arrived_at=at(TUESDAY, 9))
    assert queue.minutes_per_person(stop, TUESDAY) == pytest.approx(6)


@pytest.mark.parametrize(
    ("people", "per_person", "wait"),
    [
        (4, None, None),  # no estimate
        (0, 6.0, 0),  # nobody before: no wait
        (0, None, 0),  # nobody before: no wait, with or without an estimate
        (1, 1.5, 5),  # someone before: 5 minutes at least
        (3, 6.0, 20),  # 18 → 20
        (4, 8.7, 35),  # 34.8 → 35
        (5, 6.4, 30),  # 32 → 30
    ],
)
def test_the_wait_is_rounded_to_5_minutes(people, per_person, wait):
    assert live.estimated_wait(people, per_person) == wait


def test_the_wait_in_words():
    assert live.wait_sentence(0) == "pas d'attente"
    assert live.wait_sentence(35) == "attente estimée : environ 35 min"


def test_the_figures_count_those_waiting(stop):
    received(stop, days_ago(7), 7, 21)  # 7 minutes per person
    for ticket, status in enumerate([Status.WAITING] * 4 + [Status.DEBLAYAGE, Status.READY], start=1):
        Visit.objects.create(stop=stop, service_day=TUESDAY, ticket=ticket, status=status, arrived_at=at(TUESDAY, 9))
    waiting, per_person = queue.figures([stop], TUESDAY)[stop.pk]
    assert (waiting, per_person) == (4, pytest.approx(7))
    assert live.estimated_wait(waiting, per_person) == 30  # 28 → 30


@pytest.mark.parametrize("days", [3, 30])
def test_the_figures_take_two_queries_whatever_the_data(stop, days, django_assert_num_queries):
    for day in range(1, days + 1):
        received(stop, days_ago(day), 5, 8)
    with django_assert_num_queries(2):  # the people waiting; the receptions of the last 30 days, by day
        queue.figures([stop], TUESDAY)
