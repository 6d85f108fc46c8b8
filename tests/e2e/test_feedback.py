"""In a real browser: the bus's kiosk on a tablet, and the opinion asked on a visitor's phone
once their visit is over."""

import datetime

import pytest
from playwright.sync_api import expect

from partners.models import Partner, Reason
from tests.conftest import transactional
from tests.e2e.conftest import assert_accessible, assert_fits, log_in, new_page
from tests.factories import StopFactory
from visits import intake
from visits.models import Feedback

pytestmark = transactional

# WCAG 2.5.5: a finger's width.
TOUCH_TARGET = 44


def small_targets(page):
    """The visible controls (buttons, links, the labels that stand for the radios) under 44 × 44 px."""
    small = []
    for control in page.locator("main a, main button, main label").all():
        box = control.bounding_box()
        if box and (box["width"] < TOUCH_TARGET or box["height"] < TOUCH_TARGET):
            small.append((control.inner_text(), box))
    return small


@pytest.fixture
def quick(settings, monkeypatch):
    settings.LIVE_REFRESH_SECONDS = 1
    monkeypatch.setattr("visits.views.agents.KIOSK_THANKS_SECONDS", 1)


@pytest.mark.usefixtures("quick")
@pytest.mark.parametrize(("width", "height"), [(800, 1280), (1280, 800)])
def test_the_kiosk_on_a_tablet(browser, live_server, agent, width, height):
    stop = StopFactory(slug="porte-montmartre", name="Bus Mairie mobile – Porte Montmartre")
    context, tablet = new_page(browser, width, height)
    log_in(tablet, f"{live_server.url}/agents/arrets/{stop.slug}/avis/", "camille")
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Votre avis sur votre passage")
    expect(tablet.locator(".site-header")).to_have_count(0)  # nothing else to touch on the tablet
    assert tablet.locator("main label").count() == 3 + 3 + 5  # the answers, each a large button
    assert small_targets(tablet) == []
    assert_accessible(tablet)
    assert_fits(tablet, width)

    tablet.get_by_text("Bien", exact=True).click()
    tablet.get_by_text("En partie", exact=True).click()
    tablet.locator("label[for=id_clarity_3]").click()
    expect(tablet.get_by_role("radio", name="Bien", exact=True)).to_be_checked()
    tablet.get_by_role("button", name="Envoyer").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Merci !")
    assert small_targets(tablet) == []
    assert_accessible(tablet)

    # A second later, a blank form for the next visitor.
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Votre avis sur votre passage")
    expect(tablet.get_by_role("radio", name="Bien", exact=True)).not_to_be_checked()
    opinion = Feedback.objects.get()
    assert (opinion.mood, opinion.answered, opinion.clarity, opinion.source) == ("good", "partly", 4, "kiosk")
    context.close()


def test_a_resident_reads_the_kiosk_in_arabic_and_the_next_one_goes_back_to_french(browser, live_server, agent):
    stop = StopFactory(slug="porte-montmartre", name="Bus Mairie mobile – Porte Montmartre")
    context, tablet = new_page(browser, 800, 1280)
    log_in(tablet, f"{live_server.url}/agents/arrets/{stop.slug}/avis/", "camille")
    tablet.get_by_role("link", name="العربية").click()
    expect(tablet.locator("html")).to_have_attribute("dir", "rtl")
    expect(tablet.get_by_role("heading", level=1)).to_have_text("رأيك في زيارتك")
    assert small_targets(tablet) == []
    assert_accessible(tablet)
    tablet.get_by_role("link", name="Français").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Votre avis sur votre passage")
    context.close()


@pytest.mark.usefixtures("quick")
def test_the_ticket_asks_for_an_opinion_once_the_visit_is_over(live_server, phone, agent):
    stop = StopFactory(slug="porte-montmartre", name="Bus Mairie mobile – Porte Montmartre")
    visit = intake.register(stop, agent, [Reason.of(Partner.objects.get(code="caf"))])
    phone.goto(f"{live_server.url}/ticket/{visit.ticket_code}/")
    expect(phone.locator("#ticket-state")).to_contain_text("Plus personne avant vous")

    intake.start_accompagnement(visit, agent)
    intake.finish_accompagnement(
        visit, agent, [(visit.demands.get().pk, Reason.of(visit.demands.get().partner), "resolved")], minutes=5
    )
    # The page asked again by itself: it offers the form.
    phone.locator("#ticket-state").get_by_role("link", name="Donner mon avis").click()
    expect(phone.get_by_role("heading", name="Votre avis nous aide")).to_be_visible()
    assert_accessible(phone)
    assert_fits(phone)
    phone.get_by_role("button", name="Envoyer mon avis").click()  # nothing answered
    expect(phone.get_by_text("Choisissez un des trois visages.")).to_be_visible()
    assert_accessible(phone)

    phone.get_by_text("Moyen", exact=True).click()
    phone.get_by_text("Oui", exact=True).click()
    phone.locator("label[for=id_clarity_4]").click()
    phone.get_by_label("Un commentaire ? (facultatif)").fill("Rappelez-moi au 06 12 34 56 78, merci")
    phone.get_by_role("button", name="Envoyer mon avis").click()
    expect(phone.get_by_text("Merci ! Votre avis a été enregistré.")).to_be_visible()
    expect(phone.get_by_role("heading", name="Votre avis nous aide")).to_have_count(0)
    assert_accessible(phone)
    assert_fits(phone)
    opinion = Feedback.objects.get()
    assert (opinion.mood, opinion.answered, opinion.clarity) == ("average", "yes", 5)
    assert opinion.comment == "Rappelez-moi au [numéro masqué], merci"


def focus_ring(page, label_for):
    """The ring drawn around the answer whose radio has the focus (Bootstrap's btn-check)."""
    return page.locator(f"label[for={label_for}]").evaluate(
        "label => { const s = getComputedStyle(label); return [s.boxShadow, s.outlineStyle]; }"
    )


def test_the_kiosk_is_answered_with_the_keyboard(browser, live_server, agent):
    stop = StopFactory(slug="porte-montmartre")
    context, tablet = new_page(browser, 800, 1280)
    log_in(tablet, f"{live_server.url}/agents/arrets/{stop.slug}/avis/", "camille")
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Votre avis sur votre passage")

    tablet.keyboard.press("Tab")  # the link to the content, as on every page
    for _language in range(4):  # the kiosk's languages, each named in itself
        tablet.keyboard.press("Tab")
    tablet.keyboard.press("Tab")  # into the first question, on its first answer
    expect(tablet.get_by_role("radio", name="Bien", exact=True)).to_be_focused()
    box_shadow, outline = focus_ring(tablet, "id_mood_0")
    assert box_shadow != "none" or outline != "none"  # the focus is seen
    tablet.keyboard.press("Space")
    expect(tablet.get_by_role("radio", name="Bien", exact=True)).to_be_checked()
    tablet.keyboard.press("ArrowRight")  # the arrows move within the group, as radios do
    expect(tablet.get_by_role("radio", name="Moyen", exact=True)).to_be_checked()
    tablet.keyboard.press("Tab")  # on to the next question
    expect(tablet.get_by_role("radio", name="Oui", exact=True)).to_be_focused()
    tablet.keyboard.press("Space")
    tablet.keyboard.press("Tab")
    tablet.keyboard.press("ArrowRight")
    tablet.keyboard.press("ArrowRight")
    tablet.keyboard.press("Tab")
    expect(tablet.get_by_role("button", name="Envoyer")).to_be_focused()
    tablet.keyboard.press("Enter")
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Merci !")
    opinion = Feedback.objects.get()
    assert (opinion.mood, opinion.answered, opinion.clarity) == ("average", "yes", 3)
    context.close()


def test_the_comments_page_with_comments_to_handle_and_handled(browser, live_server, coordinator):
    stop = StopFactory()
    for n in range(3):
        Feedback.objects.create(
            stop=stop,
            service_day=datetime.date.today(),
            source="ticket",
            mood="bad",
            comment=f"Il faisait froid ({n}).",
        )
    Feedback.objects.create(stop=stop, service_day=datetime.date.today(), source="kiosk", mood="good")
    context, page = new_page(browser, 360, 740)
    log_in(page, f"{live_server.url}/coordination/avis/", "nadia")
    expect(page.get_by_role("heading", level=1)).to_have_text("Avis des visiteurs")
    assert_accessible(page)
    assert_fits(page)

    page.get_by_label("Ce que nous avons fait").first.fill("   ")  # nothing said of what was done
    page.get_by_role("button", name="Marquer comme traité").first.click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Ce que nous avons fait").first.fill("Le bus est chauffé dès 9 h.")
    page.get_by_label("Publier ce que nous avons fait sur la page des engagements").first.check()
    page.get_by_role("button", name="Marquer comme traité").first.click()
    expect(page.get_by_text("C'est noté : le commentaire est marqué comme traité.")).to_be_visible()
    page.get_by_role("link", name="Traités").click()
    expect(page.get_by_text("Avis pris en compte")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    context.close()
