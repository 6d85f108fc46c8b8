import datetime
import io

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from organisations.models import Membership, Organisation, Role
from organisations.roles import is_agent, is_coordinator
from partners.models import OrientationTarget, Partner
from stops import live, schedule
from stops.models import Stop
from stops.schedule import PARIS
from tests.conftest import text_of
from tests.factories import pre_accueil
from visits.demo import DEMO_PASSWORD
from visits.models import ACTIVE, Visit

pytestmark = pytest.mark.django_db


PARIS_STOPS = {"nathalie-sarraute", "boulevard-ney", "lab-chapelle", "championnet"}
PIMMS_STOPS = {"exemple-libercourt-mairie", "exemple-oignies-centre-social", "exemple-carvin-marche"}


@time_machine.travel(datetime.datetime(2025, 3, 4, 11, 0, tzinfo=PARIS), tick=False)  # a Tuesday
def test_demo_data_loads_the_paris_stops_accounts_and_a_morning_of_visits(settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # twice: nothing is duplicated
    assert set(Stop.objects.filter(organisation__slug="paris").values_list("slug", flat=True)) == PARIS_STOPS
    assert is_agent(User.objects.get(username="agent"))
    assert is_coordinator(User.objects.get(username="coordination"))
    today = Visit.objects.filter(stop__slug="nathalie-sarraute", service_day=timezone.localdate())
    assert today.count() == 16
    assert today.filter(status__in=ACTIVE).count() == 4
    assert Visit.objects.exclude(service_day=timezone.localdate()).count() > 40  # earlier opening days
    assert not Visit.objects.exclude(stop__organisation__slug="paris").exists()
    # The bus is there, with its queue and an estimate from the earlier days; each visitor has a ticket page.
    status = live.status(Stop.objects.get(slug="nathalie-sarraute"))
    assert (status.state, status.waiting) == (live.HERE, 2)
    assert status.wait_minutes is not None
    assert not today.filter(ticket_code=None).exists()


def test_the_demo_has_a_second_organisation_with_example_stops_and_staff(settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # twice: nothing is duplicated
    assert set(Organisation.objects.values_list("slug", flat=True)) == {"paris", "pimms-libercourt"}
    pimms = Organisation.objects.get(slug="pimms-libercourt")
    assert (pimms.kind, pimms.departement, pimms.school_holidays_zone) == ("association", "62", "B")
    assert pimms.contact_email.endswith("@example.org")
    stops = Stop.objects.filter(organisation=pimms)
    assert set(stops.values_list("slug", flat=True)) == PIMMS_STOPS
    for stop in stops:  # nobody takes them for a real service
        assert "(exemple)" in stop.name
        assert stop.landmark.startswith("Données d'exemple")
        assert stop.school_holidays_zone == "B"
        assert stop.slots.exists()
    assert Stop.objects.count() == len(PARIS_STOPS | PIMMS_STOPS)
    memberships = Membership.objects.filter(user__username__in=["agent2", "coordination-pimms"])
    assert set(memberships.values_list("user__username", "organisation__slug", "role")) == {
        ("agent2", "paris", Role.AGENT),
        ("agent2", "pimms-libercourt", Role.AGENT),
        ("coordination-pimms", "pimms-libercourt", Role.COORDINATOR),
    }
    assert Membership.objects.count() == 5
    # Its own partner and orientation targets, offered at its stops only; the City's at the City's.
    paris = Organisation.objects.get(slug="paris")
    assert {p.code for p in Partner.objects.offered_in(pimms)} - {
        p.code for p in Partner.objects.offered_in(paris)
    } == {"pimms-libercourt-ccas"}
    assert "ville-de-paris" not in {p.code for p in Partner.objects.offered_in(pimms)}
    assert "pimms-libercourt-ccas" in set(stops.first().partners.values_list("code", flat=True))
    targets = set(OrientationTarget.objects.offered_in(pimms).values_list("name", flat=True))
    assert {"Mission locale de Carvin (exemple)", "Maison France services d'Oignies (exemple)"} <= targets
    assert "Mairie d'arrondissement" not in targets


def test_the_demo_prints_each_account_with_its_organisations(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    printed = out.getvalue()
    assert f"mot de passe : {DEMO_PASSWORD}" in printed
    assert "agent (Camille Martin) : Agent, Mairie mobile – Ville de Paris\n" in printed
    assert (
        "agent2 (Yanis Benali) : Agent, Mairie mobile – Ville de Paris ; Agent, PIMMS mobile de Libercourt\n"
    ) in printed
    assert "coordination (Nadia Durand) : Coordination, Mairie mobile – Ville de Paris\n" in printed
    assert "coordination-pimms (Sandrine Lefebvre) : Coordination, PIMMS mobile de Libercourt\n" in printed


def after_the_demo(client, username, url):
    """The text of the page at `url` as the demo account `username` sees it once the demo is loaded."""
    call_command("load_demo")
    client.post("/connexion/", {"username": username, "password": DEMO_PASSWORD})
    return text_of(client.get(url))


@time_machine.travel(datetime.datetime(2025, 3, 4, 11, 0, tzinfo=PARIS), tick=False)  # a Tuesday
def test_the_agent_of_both_organisations_sees_each_stop_with_its_organisation(client, settings):
    settings.DEBUG = True
    text = after_the_demo(client, "agent2", "/agents/")
    for stop in Stop.objects.select_related("organisation"):
        link = f'href="/agents/arrets/{stop.slug}/"'
        assert link in text, stop.slug
        after = text[text.index(link) :]
        assert after.index(stop.organisation.name) < after.index("</li>"), stop.slug


@time_machine.travel(datetime.datetime(2025, 3, 4, 11, 0, tzinfo=PARIS), tick=False)
def test_an_agent_of_one_organisation_sees_its_stops_unlabelled(client, settings):
    settings.DEBUG = True
    text = after_the_demo(client, "agent", "/agents/")
    assert all(f"/agents/arrets/{slug}/" in text for slug in PARIS_STOPS)
    assert not any(f"/agents/arrets/{slug}/" in text for slug in PIMMS_STOPS)
    assert "Mairie mobile – Ville de Paris" not in text


def test_the_pimms_coordinator_sees_only_the_pimms_stops(client, settings):
    settings.DEBUG = True
    text = after_the_demo(client, "coordination-pimms", "/coordination/")
    assert all(f'href="/coordination/arrets/{slug}/"' in text for slug in PIMMS_STOPS)
    assert not any(f"/coordination/arrets/{slug}/" in text for slug in PARIS_STOPS)
    assert client.get("/coordination/arrets/nathalie-sarraute/").status_code == 404


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
    client.post("/connexion/", {"username": "agent2", "password": DEMO_PASSWORD})  # of both organisations
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
