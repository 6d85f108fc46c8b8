import datetime

import pytest
from playwright.sync_api import expect

from stops.forms import QUERY_MAX_LENGTH
from tests.conftest import transactional
from tests.e2e.conftest import assert_accessible, assert_fits
from tests.factories import ClosureFactory, ExtraOpeningFactory

pytestmark = transactional


@pytest.fixture
def stops(tuesday_bus):
    today = datetime.date.today()
    next_tuesday = today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7)
    ClosureFactory(stop=tuesday_bus, first_day=next_tuesday, reason="Bus en panne")
    ExtraOpeningFactory(stop=tuesday_bus, date=today + datetime.timedelta(days=3), reason="Forum des associations")
    return [tuesday_bus]


def test_timetable_on_a_phone(live_server, phone, stops):
    phone.goto(live_server.url + "/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Où trouver la Mairie mobile ?")
    card = phone.get_by_role("article", name="Bus Mairie mobile – Esplanade Nathalie Sarraute")
    expect(card).to_contain_text("Bus en panne")
    expect(card).to_contain_text("Forum des associations")
    assert_fits(phone)
    assert_accessible(phone)


def test_stop_page_on_a_phone(live_server, phone, stops):
    phone.goto(live_server.url + "/")
    card = phone.get_by_role("article", name="Bus Mairie mobile – Esplanade Nathalie Sarraute")
    card.get_by_role("link", name="Bus Mairie mobile – Esplanade Nathalie Sarraute").click()
    expect(phone).to_have_url(live_server.url + "/arrets/nathalie-sarraute/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Bus Mairie mobile – Esplanade Nathalie Sarraute")
    expect(phone.get_by_text("Tous les mardis : 9h30 – 13h / 14h – 17h")).to_be_visible()
    expect(phone.get_by_role("link", name="Voir l'emplacement sur OpenStreetMap")).to_be_visible()
    expect(phone.get_by_role("button", name="Copier l'adresse")).to_be_visible()
    assert_fits(phone)
    assert_accessible(phone)


def test_stop_page_on_a_phone_says_where_and_when_first(live_server, phone, stops):
    phone.goto(live_server.url + "/arrets/nathalie-sarraute/")
    in_order = [
        phone.get_by_role("heading", level=1),
        phone.get_by_role("region", name="Aujourd’hui"),
        phone.get_by_role("heading", name="Adresse"),
        phone.get_by_role("link", name="Voir l'emplacement sur OpenStreetMap"),
        phone.get_by_role("heading", name="Prochaines ouvertures"),
        phone.get_by_role("heading", name="Horaires habituels"),
        phone.get_by_role("heading", name="Démarches accompagnées"),
        phone.get_by_role("heading", name="Être prévenu par courriel ou par SMS"),
        phone.get_by_role("heading", name="Ajouter à votre agenda"),
    ]
    tops = [element.bounding_box()["y"] for element in in_order]
    assert tops == sorted(tops)
    assert len(set(tops)) == len(tops)


def test_the_calendar_address_is_copied_with_one_button(live_server, phone, stops):
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    phone.goto(live_server.url + "/arrets/nathalie-sarraute/")
    address = live_server.url + "/arrets/nathalie-sarraute/calendrier.ics"
    expect(phone.get_by_label("Adresse du calendrier")).to_have_value(address)
    phone.get_by_role("button", name="Copier l'adresse").click()
    expect(phone.get_by_role("status")).to_have_text("Adresse copiée")
    assert phone.evaluate("navigator.clipboard.readText()") == address
    phone.get_by_text("Sur un iPhone ou un iPad").click()
    expect(phone.get_by_text("Ajouter un calendrier avec abonnement")).to_be_visible()
    assert_fits(phone)
    assert_accessible(phone)


def test_without_javascript_the_calendar_address_can_still_be_selected(live_server, browser, stops):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(live_server.url + "/arrets/nathalie-sarraute/")
    field = page.get_by_label("Adresse du calendrier")
    expect(field).to_have_value(live_server.url + "/arrets/nathalie-sarraute/calendrier.ics")
    expect(field).to_be_editable(editable=False)
    expect(page.get_by_role("button", name="Copier l'adresse")).to_be_hidden()
    context.close()


def test_skip_link_leads_to_the_content(live_server, phone, stops):
    phone.goto(live_server.url + "/arrets/nathalie-sarraute/")
    phone.keyboard.press("Tab")
    skip = phone.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    phone.keyboard.press("Enter")
    expect(phone).to_have_url(live_server.url + "/arrets/nathalie-sarraute/#contenu")


def test_a_search_that_finds_nothing_keeps_the_search_box(live_server, phone, stops):
    phone.goto(live_server.url + "/")
    phone.get_by_label("Commune ou code postal").fill("zzzqqq")
    phone.get_by_role("button", name="Rechercher").click()
    expect(phone.get_by_role("status")).to_contain_text("Aucun arrêt ne correspond à « zzzqqq »")
    expect(phone.get_by_label("Commune ou code postal")).to_have_value("zzzqqq")
    phone.get_by_role("link", name="Voir la liste complète des arrêts").click()
    expect(phone.get_by_role("article", name="Bus Mairie mobile – Esplanade Nathalie Sarraute")).to_be_visible()
    assert_accessible(phone)


def test_a_query_too_long_is_refused_on_the_page(live_server, phone, stops):
    phone.goto(live_server.url + "/?q=" + "x" * (QUERY_MAX_LENGTH + 1))
    field = phone.get_by_label("Commune ou code postal")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(phone.get_by_text("Cette recherche est trop longue")).to_be_visible()
    assert_fits(phone)
    assert_accessible(phone)


def test_long_words_wrap_on_a_phone(live_server, phone, tuesday_bus):
    tuesday_bus.name = "Bus" + "Mairiemobiledelesplanadenathaliesarraute" * 2
    tuesday_bus.landmark = "Devantla" + "bibliothèquevaclavhavel" * 3
    tuesday_bus.save()
    today = datetime.date.today()
    for days in range(1, 8):  # every day of the coming week, whichever the stop opens on
        day = today + datetime.timedelta(days=days)
        ClosureFactory(stop=tuesday_bus, first_day=day, last_day=day, reason="Travaux" + "dechausséeetdetrottoir" * 4)
    for url in ("/", "/arrets/nathalie-sarraute/"):
        phone.goto(live_server.url + url)
        expect(phone.get_by_text("dechausséeetdetrottoir", exact=False).first).to_be_visible()
        assert_fits(phone)


def test_the_open_data_page_on_a_phone(live_server, phone, stops):
    phone.goto(live_server.url + "/")
    phone.get_by_role("contentinfo").get_by_role("link", name="Données ouvertes").click()
    expect(phone).to_have_url(live_server.url + "/donnees/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Données ouvertes")
    expect(phone.get_by_role("link", name="Licence Ouverte / Open Licence 2.0 (Etalab)")).to_be_visible()
    expect(phone.get_by_role("link", name="lieux-mediation-numerique.csv")).to_be_visible()
    assert_fits(phone)
    assert_accessible(phone)
