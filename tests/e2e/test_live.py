"""In a real browser: a visitor's ticket on their phone follows the queue by itself, and a stop's
page says whether the bus is here, on a 360 px phone."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from partners.models import Partner, Reason
from stops import live
from tests.conftest import transactional
from tests.e2e.conftest import assert_accessible, assert_fits, log_in, new_page
from tests.factories import StopFactory, WeeklySlotFactory
from visits import intake
from visits.models import Visit

pytestmark = transactional


@pytest.fixture
def open_all_day(db):
    """A stop open today from midnight to 23:59, whatever the time the test runs."""
    stop = StopFactory(slug="porte-montmartre", name="Bus Mairie mobile – Porte Montmartre")
    WeeklySlotFactory(
        stop=stop, weekday=timezone.localdate().weekday(), start=datetime.time(0), end=datetime.time(23, 59)
    )
    return stop


@pytest.fixture
def quick(settings):
    settings.LIVE_REFRESH_SECONDS = 1
    settings.QUEUE_REFRESH_SECONDS = 1


@pytest.mark.usefixtures("quick")
def test_the_ticket_on_the_phone_follows_the_queue_by_itself(browser, live_server, phone, agent, open_all_day):
    caf = Reason.of(Partner.objects.get(code="caf"))
    first = intake.register(open_all_day, agent, [caf])

    # The agent gives a ticket; their screen shows its QR code.
    context, computer = new_page(browser, 1280, 800)
    log_in(computer, f"{live_server.url}/agents/arrets/{open_all_day.slug}/", "camille")
    computer.get_by_label("Motif de la visite").select_option(label="Caf – Déclaration trimestrielle RSA")
    computer.get_by_role("button", name="Donner un ticket").click()
    expect(computer.get_by_role("heading", name="Ticket n° 2 : à scanner par la personne")).to_be_visible()
    expect(computer.locator("svg.ticket-qr")).to_be_visible()
    assert_accessible(computer)
    mine = Visit.objects.get(ticket=2)

    phone.goto(f"{live_server.url}/ticket/{mine.ticket_code}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Votre numéro : 2")
    expect(phone.locator("#ticket-state")).to_contain_text("1 personne avant vous")
    assert_accessible(phone)
    assert_fits(phone)

    intake.start_deblayage(first, agent)  # a colleague takes number 1
    expect(phone.locator("#ticket-state")).to_contain_text("Plus personne avant vous")

    # The agent's queue shows number 1 taken (its refresh swaps the table: a click during the swap
    # would be lost), then the agent takes number 2: the phone says so without being reloaded.
    expect(computer.locator(f"#continue-{first.pk}")).to_be_visible()
    computer.locator(f"#deblayage-{mine.pk}").click()
    expect(computer.get_by_role("heading", level=1)).to_have_text("Déblayage – n° 2")
    expect(phone.locator("#ticket-state")).to_contain_text("C'est à vous : présentez-vous au bus")
    assert_accessible(phone)

    # The printable slip.
    computer.goto(f"{live_server.url}/agents/passages/{mine.pk}/ticket/")
    expect(computer.locator(".ticket-slip")).to_contain_text("Votre numéro : 2")
    assert_accessible(computer)
    context.close()


@pytest.mark.usefixtures("quick")
def test_the_stop_page_says_whether_the_bus_is_here(live_server, phone, agent, open_all_day):
    phone.goto(f"{live_server.url}/arrets/{open_all_day.slug}/")
    status = phone.locator("#live-status")
    expect(status).to_contain_text("le bus n'est pas encore arrivé")
    assert_accessible(phone)
    assert_fits(phone)
    # The same answer again is not swapped in: a screen reader is not told it again and again.
    phone.evaluate("document.querySelector('#live-status p').dataset.shown = 'before'")
    with phone.expect_response(lambda response: response.url.endswith("/statut/")):
        pass
    with phone.expect_response(lambda response: response.url.endswith("/statut/")):
        pass
    assert status.locator("p[data-shown='before']").count() == 1

    live.arrive(open_all_day, agent)
    expect(status).to_contain_text("Le bus est là jusqu'à 23h59 — personne n'attend")
    intake.register(open_all_day, agent, [Reason.of(Partner.objects.get(code="caf"))])
    expect(status).to_contain_text("1 personne attend")
    assert status.get_attribute("aria-live") == "polite"
    assert_accessible(phone)
    assert_fits(phone)


def test_a_visitor_asks_on_their_phone_for_an_sms_when_their_turn_is_near(live_server, phone, agent, open_all_day):
    caf = Reason.of(Partner.objects.get(code="caf"))
    mine = [intake.register(open_all_day, agent, [caf]) for _ in range(4)][-1]  # 3 people before
    phone.goto(f"{live_server.url}/ticket/{mine.ticket_code}/")
    expect(phone.get_by_role("heading", name="Attendre ailleurs ? Recevez un SMS")).to_be_visible()
    assert_accessible(phone)
    assert_fits(phone)

    phone.get_by_label("Votre numéro de mobile").fill("06 12 34 56 78")
    phone.get_by_role("button", name="Me prévenir par SMS").click()
    expect(phone.get_by_text("sans votre accord, nous ne pouvons pas garder votre numéro")).to_be_visible()
    assert_accessible(phone)

    phone.get_by_label("J'accepte que ce numéro soit gardé").check()
    phone.get_by_role("button", name="Me prévenir par SMS").click()
    masked = "06\u00a0••\u00a0••\u00a0••\u00a078"
    expect(phone.locator(".ticket-alert")).to_contain_text(f"Nous enverrons un SMS au {masked}")
    assert_accessible(phone)
    assert_fits(phone)

    phone.get_by_role("button", name="Ne plus me prévenir et effacer mon numéro").click()
    expect(phone.get_by_role("heading", name="Attendre ailleurs ? Recevez un SMS")).to_be_visible()
