"""The activity data set of the statistics tests, built by hand.

March 2025: stop A opens on Tuesdays 9h30 – 13h (4 openings, 14 hours), stop B on
Fridays 9h30 – 12h30 (4 openings, 12 hours). Six visits that month, one in April.
"""

import datetime

import pytest
import time_machine

from partners.models import Partner, Procedure
from stops.schedule import PARIS
from tests.factories import StopFactory, WeeklySlotFactory
from visits.models import Demand, Visit

D = datetime.date


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def mid_april():
    """15 April 2025 at noon: March is over, its figures complete."""
    with time_machine.travel(datetime.datetime(2025, 4, 15, 12, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def stops():
    a = StopFactory(name="A", slug="a")
    WeeklySlotFactory(stop=a, weekday=1, start=datetime.time(9, 30), end=datetime.time(13))
    b = StopFactory(name="B", slug="b")
    WeeklySlotFactory(stop=b, weekday=4, start=datetime.time(9, 30), end=datetime.time(12, 30))
    return a, b


def visit(stop, day, status, arrived, started=None, minutes=None, demands=(), **profile):
    v = Visit.objects.create(
        stop=stop,
        service_day=day,
        ticket=Visit.objects.filter(stop=stop, service_day=day).count() + 1,
        status=status,
        arrived_at=arrived,
        accompagnement_started_at=started,
        accompagnement_minutes=minutes,
        orientation_target_id=1 if status == "oriented" else None,
        **profile,
    )
    for code, label, outcome in demands:
        procedure = Procedure.objects.get(partner__code=code, label=label) if label else None
        Demand.objects.create(visit=v, partner=Partner.objects.get(code=code), procedure=procedure, outcome=outcome)
    return v


@pytest.fixture
def march(stops):
    a, b = stops
    tue4, tue11, fri7, fri28 = D(2025, 3, 4), D(2025, 3, 11), D(2025, 3, 7), D(2025, 3, 28)
    visit(a, tue4, "done", at(tue4, 9, 40), at(tue4, 10), 30,
          [("caf", "Déclaration trimestrielle RSA", "resolved"), ("cpam", None, "in_progress")],
          age_band="60_74", residence="Paris 18e", first_visit=True)  # fmt: skip
    visit(a, tue4, "done", at(tue4, 10), at(tue4, 10, 40), 50, [("caf", "Prime d'activité", "follow_up")],
          age_band="26_39", first_visit=False)  # fmt: skip
    visit(a, tue11, "oriented", at(tue11, 11), demands=[("point-justice", None, "redirected")])
    visit(a, tue11, "left", at(tue11, 11, 10), demands=[("caf", None, "")])
    visit(b, fri7, "done", at(fri7, 9, 35), at(fri7, 9, 45), 20, [("dgfip", None, "resolved")], residence="Paris 18e")
    # Arrived at 23:50, accompanied after midnight: it counts on the 28th, and waited 30 minutes.
    visit(b, fri28, "done", at(fri28, 23, 50), at(D(2025, 3, 29), 0, 20), 15, [("ants", None, "resolved")])
    visit(a, D(2025, 4, 1), "done", at(D(2025, 4, 1), 10), at(D(2025, 4, 1), 10, 5), 10, [("caf", None, "resolved")])
    return a, b
