"""Is the bus here now? The agents say it from the queue page; the stop page, the timetable
and the API say it to residents (stops/live.py)."""

import datetime
import html

import pytest
import time_machine

from mairie_mobile.models import AuditEvent
from partners.models import Partner, Reason
from stops import live
from stops.models import Closure, LiveDay, ScheduleChange, Subscription
from stops.schedule import PARIS
from tests.conftest import text_of
from tests.factories import OrganisationFactory, StopFactory, VisitFactory, WeeklySlotFactory, agent_user
from visits import intake

pytestmark = pytest.mark.django_db

TUESDAY = datetime.date(2025, 3, 4)  # the day classes resume in zone C: a working day
STOP = "/arrets/nathalie-sarraute/"
QUEUE = "/agents/arrets/nathalie-sarraute/"
API = "/api/v1/stops/nathalie-sarraute/status"


def at(hour, minute=0, day=TUESDAY):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def clock():
    """Tuesday 4 March 2025, 9:00 in Paris, moved on by each test."""
    with time_machine.travel(at(9), tick=False) as traveller:
        yield traveller


def page_text(response):
    """The page's text as a person reads it: the status sentences carry apostrophes, escaped in HTML."""
    return html.unescape(text_of(response))


def sentence(stop):
    return live.status(stop).sentence


def test_a_day_of_two_openings_from_the_queue_page(logged_in, client, tuesday_bus, clock):
    assert sentence(tuesday_bus) == "Ouverture prévue à 9h30 : le bus n'est pas encore arrivé"
    assert "Ouverture prévue à 9h30 : le bus n'est pas encore arrivé" in page_text(logged_in.get(QUEUE))

    clock.move_to(at(9, 25))
    response = logged_in.post(f"{QUEUE}bus-arrive/", follow=True)
    assert "C'est noté : les habitants voient que le bus est là." in page_text(response)
    assert "Le bus repart" in page_text(response)
    for _ in range(4):
        VisitFactory(stop=tuesday_bus)
    assert sentence(tuesday_bus) == "Le bus est là jusqu'à 13h — 4 personnes attendent"

    clock.move_to(at(13))
    logged_in.post(f"{QUEUE}bus-repart/")
    # The morning is over: the afternoon's opening is the next one.
    assert sentence(tuesday_bus) == "Ouverture prévue à 14h : le bus n'est pas encore arrivé"

    clock.move_to(at(13, 55))
    logged_in.post(f"{QUEUE}bus-arrive/")
    assert live.status(tuesday_bus).state == live.HERE
    assert live.status(tuesday_bus).until == datetime.time(17)

    clock.move_to(at(17))
    logged_in.post(f"{QUEUE}bus-repart/")
    assert sentence(tuesday_bus) == "Le bus est reparti"
    mark = LiveDay.objects.get()
    assert (mark.day, mark.arrived_at, mark.left_at) == (TUESDAY, at(13, 55), at(17))
    assert AuditEvent.objects.filter(action=AuditEvent.Action.BUS_LIVE).count() == 4


def test_leaving_early_points_to_the_next_opening_and_a_day_over_is_gone(tuesday_bus, agent, clock):
    clock.move_to(at(9, 30))
    live.arrive(tuesday_bus, agent)
    clock.move_to(at(12, 30))
    live.leave(tuesday_bus, agent)
    assert live.status(tuesday_bus).starts == datetime.time(14)
    clock.move_to(at(17, 30))  # nobody said anything in the afternoon
    assert live.status(tuesday_bus).state == live.GONE


def test_a_double_click_marks_once(tuesday_bus, agent, other_agent, clock):
    live.arrive(tuesday_bus, agent)
    live.arrive(tuesday_bus, other_agent)
    assert LiveDay.objects.get().arrived_by == agent
    assert AuditEvent.objects.filter(action=AuditEvent.Action.BUS_LIVE).count() == 1


def test_no_arrival_on_a_day_without_opening(logged_in, tuesday_bus, clock):
    clock.move_to(at(10, day=TUESDAY + datetime.timedelta(days=1)))
    assert sentence(tuesday_bus) == "Pas d'ouverture aujourd'hui"
    response = logged_in.post(f"{QUEUE}bus-arrive/", follow=True)
    assert "Aucune ouverture de cet arrêt n'est prévue pour le reste de la journée." in page_text(response)
    assert not LiveDay.objects.exists()


def test_leaving_before_arriving_is_refused(logged_in, tuesday_bus, clock):
    response = logged_in.post(f"{QUEUE}bus-repart/", follow=True)
    assert "Le bus n'a pas été indiqué comme arrivé aujourd'hui." in page_text(response)


def test_marks_are_posted_only(logged_in, tuesday_bus, clock):
    assert logged_in.get(f"{QUEUE}bus-arrive/").status_code == 405
    assert not LiveDay.objects.exists()


def test_an_agent_marks_only_their_organisations_stops(client, tuesday_bus, clock):
    pimms = OrganisationFactory(slug="pimms-libercourt")
    client.force_login(agent_user("ines", organisation=pimms))
    assert client.post(f"{QUEUE}bus-arrive/").status_code == 404
    assert client.get(f"{QUEUE}bus-en-panne/").status_code == 404
    assert not LiveDay.objects.exists()


def test_bus_breakdown_cancels_the_rest_of_today_as_the_coordinator_does(logged_in, agent, client, tuesday_bus, clock):
    for email in ("a@example.org", "b@example.org"):
        Subscription.objects.create(email=email, stop=tuesday_bus, confirmed_at=at(8))
    clock.move_to(at(11))
    live.arrive(tuesday_bus, agent)
    text = page_text(logged_in.get(QUEUE))
    assert f'href="{QUEUE}bus-en-panne/"' in text

    preview = logged_in.get(f"{QUEUE}bus-en-panne/")
    text = page_text(preview)
    assert preview.status_code == 200
    assert "Annuler l'ouverture du mardi 4 mars" in text
    assert "L'ouverture en cours s'arrête maintenant" in text
    assert "2 abonnés seront prévenus par courriel." in text
    assert "mardi 4 mars, 14h – 17h" in text  # what it cancels
    assert f'href="{QUEUE}"' in text  # « Ne rien changer » leads back to the queue
    assert not Closure.objects.exists()

    response = logged_in.post(f"{QUEUE}bus-en-panne/", {"reason": "Bus en panne"})
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    change = ScheduleChange.objects.get()
    assert change.cancelled == [
        {"date": "2025-03-04", "start": "09:30", "end": "13:00"},
        {"date": "2025-03-04", "start": "14:00", "end": "17:00"},
    ]
    assert change.changed_by.username == "camille"
    assert sentence(tuesday_bus) == "Annulé aujourd'hui : bus en panne"
    client.logout()
    assert "Annulé aujourd'hui : bus en panne" in page_text(client.get(STOP))
    assert client.get(API).json()["state"] == "cancelled"
    # Nothing is left to cancel today.
    assert logged_in.get(f"{QUEUE}bus-en-panne/").status_code == 302


def test_the_status_in_json(client, tuesday_bus, agent, clock):
    clock.move_to(at(10))
    live.arrive(tuesday_bus, agent)
    VisitFactory(stop=tuesday_bus)
    answer = client.get(API)
    assert answer.status_code == 200
    assert answer.json() == {
        "stop": "nathalie-sarraute",
        "date": "2025-03-04",
        "state": "here",
        "label": "Le bus est là jusqu'à 13h — 1 personne attend",
        "start": None,
        "until": "13:00",
        "reason": None,
        "waiting": 1,
        "estimated_wait_minutes": None,
    }


def test_an_unknown_stop_has_no_status(client, clock):
    answer = client.get("/api/v1/stops/inconnu/status")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Aucun arrêt actif ne porte l'identifiant « inconnu »."}
    assert client.get("/arrets/inconnu/statut/").status_code == 404


def test_the_status_is_in_the_apis_schema_and_documentation(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert set(schema["paths"]["/api/v1/stops/{slug}/status"]["get"]["responses"]) == {"200", "400", "404"}
    assert "L'état d'un arrêt aujourd'hui, en direct" in page_text(client.get("/api/v1/docs"))


def test_the_status_is_fresh_at_once_after_a_queue_change(client, tuesday_bus, agent, clock):
    clock.move_to(at(10))
    live.arrive(tuesday_bus, agent)
    caf = Reason.of(Partner.objects.get(code="caf"))
    assert client.get(API).json()["waiting"] == 0
    assert "personne n'attend" in page_text(client.get(f"{STOP}statut/"))
    assert "personne n'attend" in page_text(client.get(STOP))

    visit = intake.register(tuesday_bus, agent, [caf])  # the same minute
    assert client.get(API).json()["waiting"] == 1
    assert "1 personne attend" in page_text(client.get(f"{STOP}statut/"))
    assert "1 personne attend" in page_text(client.get(STOP))

    intake.start_deblayage(visit, agent)
    assert client.get(API).json()["waiting"] == 0
    live.leave(tuesday_bus, agent)
    assert client.get(API).json()["state"] == "not_arrived"
    assert "Ouverture prévue à 14h" in page_text(client.get("/"))


def test_the_status_part_of_the_stop_page_refreshes_itself(client, tuesday_bus, clock):
    text = client.get(STOP).content.decode()
    assert 'aria-live="polite"' in text
    assert f'hx-get="{STOP}statut/"' in text
    assert 'hx-trigger="every 30s, live-refresh"' in text
    assert "/static/js/live.js" in text
    fragment = client.get(f"{STOP}statut/")
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    assert "Ouverture prévue à 9h30 : le bus n'est pas encore arrivé" in page_text(fragment)


def test_the_timetable_cards_say_whether_the_bus_is_here(client, tuesday_bus, agent, clock):
    other = StopFactory(slug="porte-montmartre", name="Porte Montmartre")
    clock.move_to(at(10))
    live.arrive(tuesday_bus, agent)
    VisitFactory(stop=tuesday_bus)
    VisitFactory(stop=tuesday_bus)
    text = page_text(client.get("/"))
    assert "Le bus est là jusqu'à 13h — 2 personnes attendent" in text
    assert other.name in text


@pytest.mark.parametrize("stops", [2, 12])
def test_the_timetable_counts_every_queue_in_the_same_queries(
    client, tuesday_bus, agent, clock, stops, django_assert_max_num_queries
):
    clock.move_to(at(10))
    for n in range(stops):
        stop = WeeklySlotFactory(stop__slug=f"arret-{n}", weekday=1).stop
        live.arrive(stop, agent)
        VisitFactory(stop=stop)
    # The same budget with 2 buses here or 12: the people waiting and the pace of every
    # queue come in two queries (visits.queue.figures).
    with django_assert_max_num_queries(11):
        text = page_text(client.get("/"))
    assert text.count("1 personne attend") == stops


@pytest.mark.parametrize("visitors", [2, 40])
def test_the_status_queries_do_not_grow(client, tuesday_bus, agent, clock, visitors, django_assert_max_num_queries):
    clock.move_to(at(10))
    live.arrive(tuesday_bus, agent)
    for _ in range(visitors):
        VisitFactory(stop=tuesday_bus)
    queries = (
        1  # the stop
        + 1  # what the agents said today
        + 3  # today's openings: slots, closures, extra openings (the stop is known)
        + 1  # the school holidays of its zone
        + 2  # the people waiting, the pace of the last 30 days (visits.queue)
    )
    with django_assert_max_num_queries(queries):
        assert client.get(API).json()["waiting"] == visitors
