import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from organisations.roles import is_agent, is_coordinator
from stops import schedule
from stops.models import Stop
from stops.schedule import PARIS
from tests.conftest import text_of
from tests.factories import pre_accueil
from visits.demo import DEMO_PASSWORD
from visits.models import ACTIVE, Visit

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime.datetime(2025, 3, 4, 11, 0, tzinfo=PARIS), tick=False)  # a Tuesday
def test_demo_data_loads_the_paris_stops_accounts_and_a_morning_of_visits(settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # twice: nothing is duplicated
    assert set(Stop.objects.values_list("slug", flat=True)) == {
        "nathalie-sarraute",
        "boulevard-ney",
        "lab-chapelle",
        "championnet",
    }
    assert is_agent(User.objects.get(username="agent"))
    assert is_coordinator(User.objects.get(username="coordination"))
    today = Visit.objects.filter(stop__slug="nathalie-sarraute", service_day=timezone.localdate())
    assert today.count() == 16
    assert today.filter(status__in=ACTIVE).count() == 4
    assert Visit.objects.exclude(service_day=timezone.localdate()).count() > 40  # earlier opening days


@pytest.mark.parametrize(
    ("moment", "stop"),
    [
        pytest.param(datetime.datetime(2025, 3, 4, 11, 0), "nathalie-sarraute", id="tuesday"),
        pytest.param(datetime.datetime(2025, 3, 3, 15, 0), "championnet", id="monday"),
        pytest.param(datetime.datetime(2025, 3, 9, 12, 0), "nathalie-sarraute", id="sunday: a demo opening"),
    ],
)
def test_the_demo_queue_is_at_a_stop_open_the_day_it_is_loaded(client, settings, moment, stop):
    settings.DEBUG = True
    with time_machine.travel(moment.replace(tzinfo=PARIS), tick=False):
        call_command("load_demo")
        call_command("load_demo")  # again the same day: the same stop
        today = timezone.localdate()
        visits = Visit.objects.filter(service_day=today)
        assert set(visits.values_list("stop__slug", flat=True)) == {stop}
        assert any(o.is_open for o in schedule.openings(today, today, Stop.objects.filter(slug=stop)))
        client.post("/connexion/", {"username": "agent", "password": DEMO_PASSWORD})
        text = text_of(client.get("/agents/"))
    name = Stop.objects.get(slug=stop).name
    assert text.index("Ouverts aujourd'hui") < text.index(name) < text.index("Autres arrêts")


def test_right_after_the_demo_every_stop_gives_the_next_ticket(client, settings):
    settings.DEBUG = True
    call_command("load_demo")
    client.post("/connexion/", {"username": "agent", "password": DEMO_PASSWORD})
    today = timezone.localdate()
    for stop in Stop.objects.all():
        last = max(Visit.objects.filter(stop=stop, service_day=today).values_list("ticket", flat=True), default=0)
        response = client.post(f"/agents/arrets/{stop.slug}/accueil/", pre_accueil())
        assert response.status_code == 302, stop.slug
        assert Visit.objects.filter(stop=stop, service_day=today).latest("ticket").ticket == last + 1


def test_demo_accounts_are_refused_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refusé avec DEBUG=0"):
        call_command("load_demo")
    assert not User.objects.exists()
