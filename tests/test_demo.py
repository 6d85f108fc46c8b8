import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from mairie_mobile.roles import is_agent, is_coordinator
from stops.models import Stop
from tests.factories import pre_accueil
from visits.demo import DEMO_PASSWORD
from visits.models import ACTIVE, Visit

pytestmark = pytest.mark.django_db


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
