"""A ticket that follows the visitor: its page (/ticket/<code>/), the QR code on the agent's
screen and the printed slip (visits/tickets.py)."""

import datetime
import html
import itertools
import string

import pytest
import time_machine

from partners.models import OrientationTarget, Partner, Procedure, Reason
from stops.schedule import PARIS
from tests.conftest import text_of
from tests.factories import pre_accueil
from visits import intake, tickets
from visits.models import Visit

pytestmark = pytest.mark.django_db

TUESDAY = datetime.date(2025, 3, 4)


def at(hour, minute=0, day=TUESDAY):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def clock():
    with time_machine.travel(at(10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def rsa():
    procedure = Procedure.objects.select_related("partner").get(
        partner__code="caf", label="Déclaration trimestrielle RSA"
    )
    return Reason.of(procedure.partner, procedure)


def page_text(response):
    return html.unescape(text_of(response))


def ticket_page(client, visit):
    return client.get(f"/ticket/{visit.ticket_code}/")


def test_the_pre_accueil_gives_each_visit_an_unguessable_code(tuesday_bus, agent, rsa, clock):
    codes = [intake.register(tuesday_bus, agent, [rsa]).ticket_code for _ in range(200)]
    assert len(set(codes)) == 200
    alphabet = set(string.ascii_letters + string.digits + "-_")
    for code in codes:
        assert len(code) == 16  # 12 random bytes: 96 bits
        assert set(code) <= alphabet
    # Nothing of one ticket's code tells the next one: consecutive codes differ almost everywhere.
    for one, two in itertools.pairwise(codes):
        assert sum(a == b for a, b in zip(one, two, strict=True)) < 6
    assert Visit._meta.get_field("ticket_code").unique


def test_the_same_form_posted_twice_keeps_its_code(tuesday_bus, agent, rsa, clock):
    key = "5b0e9f7e-8a7c-4c1f-9a63-1d2d3c4b5a69"
    first = intake.register(tuesday_bus, agent, [rsa], idempotency_key=key)
    assert intake.register(tuesday_bus, agent, [rsa], idempotency_key=key).ticket_code == first.ticket_code


def test_the_place_in_line_follows_the_queue(client, tuesday_bus, agent, other_agent, rsa, clock):
    first, second, mine = (intake.register(tuesday_bus, agent, [rsa]) for _ in range(3))
    text = page_text(ticket_page(client, mine))
    assert "Votre numéro : 3" in text
    assert "2 personnes avant vous" in text
    assert "Attente estimée : nous ne pouvons pas encore l'estimer." in text

    intake.start_deblayage(first, agent)
    assert "1 personne avant vous" in page_text(ticket_page(client, mine))
    intake.start_accompagnement(second, other_agent)
    assert "Plus personne avant vous" in page_text(ticket_page(client, mine))
    assert "arrivée à 10h" in page_text(ticket_page(client, mine))  # 10h, as the timetable writes it

    intake.start_deblayage(mine, agent)
    response = client.get(f"/ticket/{mine.ticket_code}/etat/")  # what htmx asks for
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert "C'est à vous : présentez-vous au bus" in page_text(response)
    assert "C'est à vous : présentez-vous au bus" in page_text(ticket_page(client, mine))

    intake.finish_deblayage(mine, agent, {}, "", "accompagnement")
    intake.finish_accompagnement(mine, agent, [(None, rsa, "resolved")], minutes=10)
    assert "Votre passage est terminé" in page_text(ticket_page(client, mine))
    # Nothing will change any more: htmx stops asking.
    assert client.get(f"/ticket/{mine.ticket_code}/etat/").status_code == 286


@pytest.mark.parametrize("ending", ["left", "oriented", "to_come_back"])
def test_every_end_of_a_visit_is_the_end_of_its_ticket(client, tuesday_bus, agent, rsa, clock, ending):
    visit = intake.register(tuesday_bus, agent, [rsa])
    if ending == "left":
        intake.mark_left(visit, agent)
    elif ending == "oriented":
        target = OrientationTarget.objects.first()
        visit = intake.register(tuesday_bus, agent, [rsa], orientation_target=target)
    else:
        intake.start_deblayage(visit, agent)
        intake.finish_deblayage(visit, agent, {}, "Avis d'imposition", "come_back")
    assert "Votre passage est terminé" in page_text(ticket_page(client, visit))


def test_the_estimated_wait_comes_from_the_stops_pace(client, tuesday_bus, agent, rsa, clock):
    # Two earlier Tuesdays of 11 receptions, 6 minutes apart: 6 minutes per person.
    for day in (TUESDAY - datetime.timedelta(days=7), TUESDAY - datetime.timedelta(days=14)):
        for n in range(11):
            Visit.objects.create(
                stop=tuesday_bus,
                service_day=day,
                ticket=n + 1,
                status="done",
                arrived_at=at(9, 30, day),
                deblayage_started_at=at(9, 30, day) + datetime.timedelta(minutes=6 * n),
            )
    waiting = [intake.register(tuesday_bus, agent, [rsa]) for _ in range(4)]
    assert "Attente estimée : environ 20 min" in page_text(ticket_page(client, waiting[3]))  # 3 × 6 = 18 → 20
    assert "Attente estimée : quelques minutes." in page_text(ticket_page(client, waiting[0]))


def test_the_ticket_page_shows_nothing_personal(client, tuesday_bus, agent, clock):
    target = OrientationTarget.objects.first()
    procedure = Procedure.objects.get(partner__code="caf", label="Déclaration trimestrielle RSA")
    visit = intake.register(
        tuesday_bus,
        agent,
        [Reason.of(procedure.partner, procedure)],
        profile={"age_band": "60_74", "residence": "Rue Ordener", "first_visit": True, "heard_from": "city"},
    )
    Visit.objects.filter(pk=visit.pk).update(note="Madame Dupont, très inquiète", missing="Relevé de la CPAM")
    intake.record_follow_up_contact(visit, name="Jeanne Dupont", phone="0612345678", consent=True)
    for response in (ticket_page(client, visit), client.get(f"/ticket/{visit.ticket_code}/etat/")):
        text = page_text(response)
        for personal in (
            "Dupont",
            "0612345678",
            "inquiète",
            "Relevé",
            "Rue Ordener",
            "60 à 74 ans",
            "Déclaration trimestrielle RSA",
            "Camille",
            str(target),
            Partner.objects.get(code="caf").name,
        ):
            assert personal not in text, personal


def test_the_ticket_page_is_kept_nowhere_and_indexed_by_no_one(client, tuesday_bus, agent, rsa, clock):
    visit = intake.register(tuesday_bus, agent, [rsa])
    for response in (ticket_page(client, visit), client.get(f"/ticket/{visit.ticket_code}/etat/")):
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert response["Referrer-Policy"] == "same-origin"  # its address (the code) to no other site


def test_the_ticket_page_refreshes_itself(client, tuesday_bus, agent, rsa, clock, settings):
    settings.LIVE_REFRESH_SECONDS = 45
    visit = intake.register(tuesday_bus, agent, [rsa])
    text = ticket_page(client, visit).content.decode()
    assert f'hx-get="/ticket/{visit.ticket_code}/etat/"' in text
    assert 'hx-trigger="every 45s, live-refresh"' in text
    assert 'aria-live="polite"' in text
    assert "/static/js/live.js" in text


def test_a_ticket_is_valid_until_the_end_of_its_day(client, tuesday_bus, agent, rsa, clock):
    visit = intake.register(tuesday_bus, agent, [rsa])
    clock.move_to(at(23, 59))
    assert ticket_page(client, visit).status_code == 200
    clock.move_to(at(0, 1, TUESDAY + datetime.timedelta(days=1)))
    response = ticket_page(client, visit)
    assert response.status_code == 410
    text = page_text(response)
    assert "Ce ticket a expiré" in text
    assert '<a href="/arrets/nathalie-sarraute/">' in text
    assert "no-store" in response["Cache-Control"]
    assert client.get(f"/ticket/{visit.ticket_code}/etat/").status_code == 286


def test_an_unknown_code_is_the_sites_404(client, clock):
    response = client.get("/ticket/pas-un-vrai-code/")
    assert response.status_code == 404
    assert "Cette page n'existe pas" in page_text(response)


def test_guessing_codes_is_limited(client, tuesday_bus, agent, rsa, clock):
    visit = intake.register(tuesday_bus, agent, [rsa])
    assert ticket_page(client, visit).status_code == 200  # a real ticket counts for nothing
    for n in range(30):
        assert client.get(f"/ticket/devine-{n}/").status_code == 404
    assert client.get("/ticket/devine-encore/").status_code == 429
    assert "Trop de tentatives" in page_text(ticket_page(client, visit))


def test_old_visits_have_no_ticket_page(logged_in, tuesday_bus, clock):
    visit = Visit.objects.create(stop=tuesday_bus, service_day=TUESDAY, ticket=1, arrived_at=at(9, 45))
    assert visit.ticket_code is None
    assert logged_in.get(f"/agents/passages/{visit.pk}/ticket/").status_code == 404


@pytest.mark.parametrize("waiting", [1, 30])
def test_the_ticket_page_queries_do_not_grow(
    client, tuesday_bus, agent, rsa, clock, waiting, django_assert_num_queries
):
    visits = [intake.register(tuesday_bus, agent, [rsa]) for _ in range(waiting)]
    with django_assert_num_queries(
        1  # the visit of the code, with its stop
        + 1  # the people before it
        + 1  # the stop's pace of the last 30 days
        + 1  # the visitor's SMS alert, if they asked for one
    ):
        assert ticket_page(client, visits[-1]).status_code == 200


# The agent's side ---------------------------------------------------------------------


def test_after_the_pre_accueil_the_agent_shows_the_qr_code(logged_in, tuesday_bus, clock):
    response = logged_in.post("/agents/arrets/nathalie-sarraute/accueil/", pre_accueil(), follow=True)
    visit = Visit.objects.get()
    content = response.content.decode()
    assert "Ticket n° 1 : à scanner par la personne" in page_text(response)
    assert str(tickets.qr_svg(visit)) in content  # an SVG drawn on the server, no script
    assert '<svg width="' in content
    assert f'href="/agents/passages/{visit.pk}/ticket/">Imprimer le ticket</a>' in content
    # The queue's row has its own link to the slip.
    assert content.count(f'href="/agents/passages/{visit.pk}/ticket/"') == 2


def test_the_qr_code_leads_to_the_ticket_page(tuesday_bus, agent, rsa, clock, settings):
    settings.SITE_URL = "https://mairie-mobile.example.org"
    visit = intake.register(tuesday_bus, agent, [rsa])
    assert tickets.url_of(visit) == f"https://mairie-mobile.example.org/ticket/{visit.ticket_code}/"


def test_the_printable_slip(logged_in, tuesday_bus, agent, rsa, clock):
    visit = intake.register(tuesday_bus, agent, [rsa])
    response = logged_in.get(f"/agents/passages/{visit.pk}/ticket/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Votre numéro : 1" in text
    assert "Bus Mairie mobile – Esplanade Nathalie Sarraute" in text
    assert "Arrivée le 04/03/2025 à 10h00" in text
    assert str(tickets.qr_svg(visit)) in response.content.decode()
