"""`make bench` generates its national data set with SQL of its own: the same data, made small, must
still fit the tables as the migrations leave them."""

import pytest

from bench import generate
from stops.models import ScheduleChange
from tests.factories import OrganisationFactory, StopFactory
from visits.models import Demand, Feedback, Visit

pytestmark = pytest.mark.django_db


def test_the_benchmarks_territory_visits_and_opinions_are_generated(monkeypatch):
    monkeypatch.setattr(generate, "ORGANISATIONS", 2)
    generate.generate_territory()
    assert generate.territory().count() == 2 * generate.STOPS_EACH
    generate.generate_visits(target=120)
    visits = Visit.objects.filter(stop__in=generate.territory())
    assert visits.count() >= 120
    assert Demand.objects.filter(visit__in=visits).count() > visits.count()
    generate.generate_opinions_and_cancellations(every=5)
    assert Feedback.objects.filter(stop__in=generate.territory()).exists()
    assert ScheduleChange.objects.filter(stop__in=generate.territory(), description=generate.CANCELLED).exists()


def test_the_territory_is_kept_beside_the_stops_other_benchmarks_make(monkeypatch):
    monkeypatch.setattr(generate, "ORGANISATIONS", 2)
    generate.generate_territory()
    generate.generate_visits(target=120)
    stops, visits = set(generate.territory()), Visit.objects.count()
    # As the offline outbox's benchmark makes its own (bench/offline.py).
    StopFactory(slug="bench-hors-ligne", organisation=OrganisationFactory(slug="bench-hors-ligne"))
    generate.generate_territory()
    generate.generate_visits(target=120)
    assert set(generate.territory()) == stops
    assert Visit.objects.count() == visits
