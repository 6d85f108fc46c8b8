"""The coordinator cancels tomorrow's opening in two clicks; residents see it at once."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import transactional
from tests.e2e.conftest import assert_accessible, log_in, new_page
from tests.factories import StopFactory, WeeklySlotFactory

pytestmark = transactional


@pytest.fixture
def tomorrows_stop():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    stop = StopFactory(
        slug="porte-de-clignancourt", name="Bus – Porte de Clignancourt", closed_on_public_holidays=False
    )
    WeeklySlotFactory(stop=stop, weekday=tomorrow.weekday(), start=datetime.time(9, 30), end=datetime.time(13))
    return stop


@pytest.fixture
def coordinator_page(browser, live_server, coordinator):
    context, page = new_page(browser, 1280, 800)
    log_in(page, live_server.url + "/connexion/", "nadia")
    yield page
    context.close()


def test_cancel_tomorrows_opening_and_the_public_page_says_so(live_server, coordinator_page, phone, tomorrows_stop):
    page = coordinator_page
    page.goto(live_server.url + "/coordination/")
    assert_accessible(page)
    page.get_by_role("link", name="Bus – Porte de Clignancourt").click()
    assert_accessible(page)
    page.get_by_role("link", name="Annuler l'ouverture du").first.click()  # first click
    expect(page.get_by_label("Motif affiché au public")).to_have_value("breakdown")  # « Bus en panne »
    assert_accessible(page)
    page.get_by_role("button", name="Annuler cette ouverture").click()  # second click
    expect(page.locator(".alert-success")).to_contain_text("annulée. Les abonnés seront prévenus.")
    page.goto(live_server.url + "/coordination/arrets/porte-de-clignancourt/historique/")
    tomorrow_written = r"Annulé : [a-z]+ (1er|\d+) [a-zéû]+( \d{4})?, 9h30 – 13h\."  # « mercredi 1er avril »
    expect(page.locator("article").first).to_contain_text(re.compile(tomorrow_written))
    assert_accessible(page)

    phone.goto(live_server.url + "/arrets/porte-de-clignancourt/")
    expect(phone.locator(".opening-list").first).to_contain_text("Demain")
    expect(phone.locator(".opening-list").first).to_contain_text("Demain : fermé (bus en panne)")
    phone.goto(live_server.url + "/")
    expect(phone.get_by_role("article", name="Bus – Porte de Clignancourt")).to_contain_text("Bus en panne")


def test_the_edit_forms_and_their_preview_are_accessible(live_server, coordinator_page, tomorrows_stop):
    page = coordinator_page
    page.goto(live_server.url + "/coordination/arrets/porte-de-clignancourt/fermetures/nouvelle/")
    assert_accessible(page)
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    page.get_by_label("Premier jour").fill(tomorrow.isoformat())
    page.get_by_label("Motif", exact=True).select_option("other")
    page.get_by_label("Précision affichée au public").fill("Travaux")
    page.get_by_role("button", name="Voir l'effet sur les horaires").click()
    expect(page.get_by_role("status")).to_contain_text("1 ouverture annulée")
    assert_accessible(page)
    page.goto(live_server.url + "/coordination/arrets/porte-de-clignancourt/creneaux/nouveau/")
    page.get_by_role("button", name="Enregistrer").click()  # empty: every error shown
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    assert_accessible(page)


def test_the_statistics_page_is_accessible(live_server, coordinator_page, tomorrows_stop, agent):
    from partners.models import Partner, Reason
    from visits import intake

    caf = Reason.of(Partner.objects.get(code="caf"))
    for _ in range(3):
        visit = intake.register(tomorrows_stop, agent, [caf])
    intake.start_accompagnement(visit, agent)
    page = coordinator_page
    page.goto(live_server.url + "/coordination/statistiques/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques d'activité")
    expect(page.get_by_role("img", name="Demandes par partenaire")).to_be_visible()
    expect(page.get_by_role("img", name="Passages par mois")).to_be_visible()
    expect(page.get_by_role("heading", name="Engagements de service")).to_be_visible()
    expect(page.get_by_role("region", name="Tableau des engagements de service")).to_contain_text("Accueil rapide")
    expect(page.get_by_label("Période")).to_have_value("this-month")
    for details in page.locator("details").all():
        details.evaluate("element => element.open = true")
    assert_accessible(page)
