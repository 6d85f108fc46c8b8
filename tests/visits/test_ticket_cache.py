"""A ticket's page and the part of it htmx asks for every 30 s come from the cache (visits/tickets.py,
stops/caching.py), and every move of the queue, alert or opinion shows at once."""

import re

import pytest
from django.test import Client

from stops.caching import CSRF_PLACEHOLDER
from stops.models import Stop
from tests.visits.test_feedback import answer
from tests.visits.test_ticket_alerts import MOBILE
from tests.visits.test_tickets import clock, page_text, rsa
from visits import intake
from visits.models import TicketAlert

pytestmark = pytest.mark.django_db
__all__ = ["clock", "rsa"]  # the fixtures of the ticket tests apply here too


@pytest.fixture
def queue(tuesday_bus, agent, rsa, clock):
    """Six visitors waiting, n° 1 to 6."""
    return [intake.register(tuesday_bus, agent, [rsa]) for _ in range(6)]


def page(client, visit):
    return page_text(client.get(f"/ticket/{visit.ticket_code}/"))


def state(client, visit):
    return page_text(client.get(f"/ticket/{visit.ticket_code}/etat/"))


def without_token(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.parametrize("part", ["", "etat/"])
def test_a_ticket_asked_again_is_answered_without_the_database(
    part, client, tuesday_bus, agent, rsa, clock, django_assert_max_num_queries
):
    visit = [intake.register(tuesday_bus, agent, [rsa]) for _ in range(4)][-1]
    url = f"/ticket/{visit.ticket_code}/{part}"
    first = client.get(url)
    with django_assert_max_num_queries(0):
        again = Client().get(url)
    assert again.status_code == first.status_code == 200
    assert without_token(again) == without_token(first)
    assert "3 personnes avant vous" in page_text(again)
    # Kept nowhere else, as when it is computed.
    assert "no-store" in again["Cache-Control"]
    assert "private" in again["Cache-Control"]
    assert again["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("part", ["", "etat/"])
@pytest.mark.parametrize("encoding", ["", "gzip, deflate, br"])
def test_a_cached_ticket_is_answered_early_with_the_headers_of_the_computed_one(part, encoding, queue):
    """The public cache's middleware serves it before the view's wrapping, and does what it
    does: private, not indexed."""
    url = f"/ticket/{queue[5].ticket_code}/{part}"
    computed = Client().get(url, headers={"Accept-Encoding": encoding})
    hit = Client().get(url, headers={"Accept-Encoding": encoding})
    assert hasattr(computed.wsgi_request, "user")
    assert not hasattr(hit.wsgi_request, "user")  # served early
    assert hit.status_code == computed.status_code == 200
    assert dict(hit.headers) | {"X-Request-ID": ""} == dict(computed.headers) | {"X-Request-ID": ""}
    assert "no-store" in hit["Cache-Control"]


def test_each_move_of_the_queue_shows_at_once(client, tuesday_bus, agent, other_agent, rsa, clock):
    first, second, mine = (intake.register(tuesday_bus, agent, [rsa]) for _ in range(3))
    assert "2 personnes avant vous" in page(client, mine)
    assert "2 personnes avant vous" in state(client, mine)

    intake.start_deblayage(first, agent)  # someone else taken: one fewer before
    assert "1 personne avant vous" in page(client, mine)
    assert "1 personne avant vous" in state(client, mine)
    intake.mark_left(second, other_agent)
    assert "Plus personne avant vous" in state(client, mine)

    intake.start_deblayage(mine, agent)  # taken to the déblayage
    assert "C'est à vous : présentez-vous au bus" in state(client, mine)
    assert "C'est à vous : présentez-vous au bus" in page(client, mine)

    intake.finish_deblayage(mine, agent, {}, "", "accompagnement")
    intake.finish_accompagnement(mine, agent, [(None, rsa, "resolved")], minutes=10)
    assert "Votre passage est terminé" in page(client, mine)
    assert client.get(f"/ticket/{mine.ticket_code}/etat/").status_code == 286


def test_a_new_visitor_behind_changes_nothing_before_but_is_counted_behind(client, tuesday_bus, agent, rsa, clock):
    mine = intake.register(tuesday_bus, agent, [rsa])
    assert "Plus personne avant vous" in state(client, mine)
    behind = intake.register(tuesday_bus, agent, [rsa])
    assert "Plus personne avant vous" in state(client, mine)
    assert "1 personne avant vous" in state(client, behind)


def test_each_code_has_its_own_answer(client, tuesday_bus, agent, rsa, clock):
    first, second = (intake.register(tuesday_bus, agent, [rsa]) for _ in range(2))
    assert "Votre numéro : 1" in page(client, first)
    assert "Votre numéro : 2" in page(client, second)
    assert "1 personne avant vous" in state(client, second)
    assert "Plus personne avant vous" in state(client, first)


def test_a_renamed_stop_still_moves_its_tickets_on(client, tuesday_bus, agent, rsa, clock):
    first, mine = (intake.register(tuesday_bus, agent, [rsa]) for _ in range(2))
    assert "1 personne avant vous" in state(client, mine)
    Stop.objects.filter(pk=tuesday_bus.pk).update(slug="sarraute")  # its address, not its queue
    tuesday_bus.refresh_from_db()
    first.stop = tuesday_bus
    assert "1 personne avant vous" in state(client, mine)
    intake.start_deblayage(first, agent)
    assert "Plus personne avant vous" in state(client, mine)


def test_an_alert_asked_shows_at_once_and_its_page_is_kept_in_no_cache(client, queue):
    mine = queue[5]
    assert "Recevez un SMS" in page(client, mine)  # cached with the form
    client.post(f"/ticket/{mine.ticket_code}/sms/", {"phone": MOBILE, "consent": "on"})
    assert '<span aria-hidden="true">06 •• •• •• 78</span>' in page(client, mine)
    # The page with the number is computed each time: a number changed meanwhile shows.
    TicketAlert.objects.filter(visit=mine).update(phone="+33698765432")
    assert '<span aria-hidden="true">06 •• •• •• 32</span>' in page(client, mine)

    client.post(f"/ticket/{mine.ticket_code}/sms/", {"action": "cancel"})
    shown = page(client, mine)
    assert "Nous enverrons un SMS" not in shown
    assert "Recevez un SMS" in shown


def test_an_opinion_given_shows_at_once(client, tuesday_bus, agent, rsa, clock):
    visit = intake.register(tuesday_bus, agent, [rsa])
    intake.start_accompagnement(visit, agent)
    intake.finish_accompagnement(visit, agent, [(None, rsa, "resolved")], minutes=10)
    assert "Votre avis nous aide" in page(client, visit)  # cached with the form
    assert client.post(f"/ticket/{visit.ticket_code}/avis/", answer()).status_code == 302
    shown = page(client, visit)
    assert "Merci ! Votre avis a été enregistré." in shown
    assert "Votre avis nous aide" not in shown


def test_each_visitor_of_a_cached_ticket_gets_a_working_token_of_their_own(client, queue):
    mine = queue[5]
    visitors, tokens = [Client(enforce_csrf_checks=True) for _ in range(2)], []
    for visitor in visitors:  # the first one computes the page, the second is served it
        shown = visitor.get(f"/ticket/{mine.ticket_code}/").content.decode()
        assert CSRF_PLACEHOLDER not in shown
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', shown).group(1))
    assert tokens[0] != tokens[1]
    for visitor, token in zip(visitors, tokens, strict=True):
        response = visitor.post(
            f"/ticket/{mine.ticket_code}/sms/", {"phone": MOBILE, "consent": "on", "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302  # not refused by the CSRF check
    assert TicketAlert.objects.filter(visit=mine).exists()


@pytest.mark.parametrize("part", ["", "etat/"])
def test_an_address_that_guessed_too_many_codes_is_refused_even_a_cached_ticket(
    part, client, tuesday_bus, agent, rsa, clock
):
    url = f"/ticket/{intake.register(tuesday_bus, agent, [rsa]).ticket_code}/{part}"
    assert client.get(url).status_code == 200  # cached
    for n in range(31):  # from the addresses of one IPv6 network: counted together
        assert Client(REMOTE_ADDR=f"2001:db8::{n + 1}").get(f"/ticket/devine-{n}/").status_code in (404, 429)
    assert Client(REMOTE_ADDR="2001:db8::ffff").get(url).status_code == 429
    assert client.get(url).status_code == 200  # another address
