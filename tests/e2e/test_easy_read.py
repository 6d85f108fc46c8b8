"""The easy-to-read pages on a phone: reached from the « Facile à lire » links, readable at
360 px, and their pictograms either named or hidden from screen readers."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.conftest import transactional
from tests.e2e.conftest import assert_accessible, assert_fits

pytestmark = transactional


@pytest.fixture
def checked_bus(tuesday_bus):
    """The Tuesday bus, with a phone number, and its organisation's readers' check recorded."""
    organisation = tuesday_bus.organisation
    organisation.contact_phone = "01 42 76 40 40"
    organisation.easy_read_checked_on = datetime.date.today()
    organisation.easy_read_checked_by = "le groupe de relecture de l'ESAT des Lilas"
    organisation.save()
    return tuesday_bus


def assert_pictograms_named_or_hidden(page):
    pictograms = page.locator("svg")
    assert pictograms.count() >= 6
    for svg in pictograms.all():
        hidden = svg.get_attribute("aria-hidden") == "true"
        named = svg.get_attribute("role") == "img" and svg.locator("title").text_content().strip()
        assert hidden or named, svg.evaluate("element => element.outerHTML")


def test_the_service_page_from_the_timetable_on_a_phone(live_server, phone, checked_bus):
    phone.goto(live_server.url + "/")
    phone.get_by_role("link", name="Facile à lire").click()
    expect(phone).to_have_url(live_server.url + "/facile-a-lire/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Ce que la Mairie mobile peut faire pour vous")
    expect(phone.get_by_text("Vous ne payez rien.")).to_be_visible()
    expect(phone.get_by_text("Relu par le groupe de relecture de l'ESAT des Lilas")).to_be_visible()
    assert float(phone.locator(".easy-read p").first.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")) >= 20
    assert_pictograms_named_or_hidden(phone)
    assert_fits(phone)
    assert_accessible(phone)


def test_the_stop_s_easy_read_page_from_its_page_on_a_phone(live_server, phone, checked_bus):
    phone.goto(live_server.url + "/arrets/nathalie-sarraute/")
    phone.get_by_role("link", name="Facile à lire").click()
    expect(phone).to_have_url(live_server.url + "/arrets/nathalie-sarraute/facile-a-lire/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Bus Mairie mobile – Esplanade Nathalie Sarraute")
    expect(phone.get_by_role("heading", name="Quand ?")).to_be_visible()
    # Not the first opening: this morning's is gone from the list once it is over.
    expect(phone.locator(".easy-read-openings li", has_text=", de 9 h 30 à 13 h").first).to_be_visible()
    expect(phone.get_by_role("link", name="01 42 76 40 40")).to_be_visible()
    assert_pictograms_named_or_hidden(phone)
    assert_fits(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="Ce que la Mairie mobile peut faire pour vous").click()
    expect(phone).to_have_url(live_server.url + "/facile-a-lire/")
