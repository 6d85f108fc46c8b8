"""A stop's poster, printed by Chromium to an A4 PDF: one page, however long what it says."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from mairie_mobile.management.commands.load_demo import DEMO_STOPS
from stops import links
from stops.importer import import_stops
from stops.models import Stop, Weekday
from tests.conftest import transactional
from tests.e2e.conftest import assert_accessible, assert_fits, new_page
from tests.factories import OrganisationFactory, PartnerFactory, StopFactory, WeeklySlotFactory
from visits.demo import ensure_demo_organisations

pytestmark = transactional

# The PDF's page objects (« /Type /Page »), not the page tree's (« /Type /Pages »).
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
MM = 25.4 / 96  # millimetres in a CSS pixel


def printed_pages(page, url):
    """The number of pages Chromium prints `url` on, on A4 paper."""
    page.goto(url)
    return len(PDF_PAGE.findall(page.pdf(format="A4")))


@pytest.fixture
def demo_stops():
    """The demo's stops (`make run`): the stops of Paris 18e and the example PIMMS's."""
    ensure_demo_organisations()
    for path in DEMO_STOPS:
        import_stops(path.read_text(encoding="utf-8"))
    return Stop.objects.active()


@pytest.fixture
def longest_stop():
    """A stop with as much to say as a stop can: a name of 198 characters, a landmark of 255 (the
    longest there can be), six slots on six days, each with its own rhythm and dates, and twelve
    partners with long names."""
    organisation = OrganisationFactory(
        slug="grand-territoire",
        name="PIMMS mobile de la communauté d'agglomération du Grand Territoire",
        contact_phone="03 53 01 00 62",
        contact_email="mairie-mobile@agglomeration-grand-territoire.example.org",
    )
    stop = StopFactory(
        organisation=organisation,
        slug="le-plus-long",
        kind=Stop.Kind.PERMANENCE,
        name=(
            "Permanence France services itinérante de la communauté d'agglomération – Saint-Rémy-lès-Chevreuse, "
            "esplanade du Général-de-Gaulle, devant l'ancienne halle aux grains et la médiathèque intercommunale"
        ),
        address="Esplanade du Général-de-Gaulle, angle de la rue Jean-Jaurès et de l'avenue de la République",
        postcode="78470",
        city="Saint-Rémy-lès-Chevreuse",
        landmark=(
            "Sur le parking de l'ancienne halle aux grains, entre la médiathèque intercommunale et l'arrêt de bus "
            "« Mairie – Halle », près de la fontaine ; les jours de marché, devant l'entrée de la salle des fêtes, "
            "rue de la Mairie, près du poste de police municipale"
        ),
        school_holidays_zone="C",
    )
    next_school_year = datetime.date(datetime.date.today().year + 1, 9, 1)
    for weekday, every_weeks, hours in [
        (Weekday.MONDAY, 1, (datetime.time(9, 15), datetime.time(12, 45))),
        (Weekday.TUESDAY, 2, (datetime.time(13, 30), datetime.time(17, 45))),
        (Weekday.WEDNESDAY, 3, (datetime.time(8, 45), datetime.time(11, 15))),
        (Weekday.THURSDAY, 1, (datetime.time(14, 15), datetime.time(18, 30))),
        (Weekday.FRIDAY, 2, (datetime.time(9, 45), datetime.time(12, 15))),
        (Weekday.SATURDAY, 4, (datetime.time(10, 15), datetime.time(12, 45))),
    ]:
        WeeklySlotFactory(
            stop=stop,
            weekday=weekday,
            every_weeks=every_weeks,
            start=hours[0],
            end=hours[1],
            starts_on=next_school_year if every_weeks > 1 else None,
            ends_on=next_school_year.replace(year=next_school_year.year + 1, month=6, day=30),
        )
    stop.partners.set(
        PartnerFactory(
            organisation=organisation,
            code=f"partenaire-{n}",
            name=f"Centre intercommunal d'action sociale numéro {n}",
            short_name=f"Caisse intercommunale numéro {n:02d} (CIAS)",
        )
        for n in range(12)
    )
    return stop


def test_every_demo_stop_prints_on_one_a4_page(live_server, browser, demo_stops):
    context, page = new_page(browser, 1280, 900)
    assert len(demo_stops) == 7  # among them, the longest name, and the stops with 12 partners
    for stop in demo_stops:
        assert printed_pages(page, f"{live_server.url}/arrets/{stop.slug}/affiche/") == 1, stop.slug
    context.close()


def test_the_longest_poster_still_prints_on_one_a4_page(live_server, browser, longest_stop):
    context, page = new_page(browser, 1280, 900)
    assert printed_pages(page, f"{live_server.url}/arrets/le-plus-long/affiche/") == 1
    context.close()


def test_the_printed_qr_code_is_over_4_cm_wide(live_server, browser, tuesday_bus):
    """Wide enough to scan from a metre away: the code itself, without its margin of 4 modules."""
    # The width of an A4 page less its margins (static/css/poster.css), at the 96 CSS pixels an inch of print.
    context, page = new_page(browser, round((210 - 2 * 12) / MM), 1000)
    page.emulate_media(media="print")
    page.goto(f"{live_server.url}/arrets/nathalie-sarraute/affiche/")
    qr = page.locator(".poster-qr svg")
    modules = int(qr.get_attribute("viewBox").split()[2])
    assert qr.bounding_box()["width"] * MM * (modules - 8) / modules >= 40
    context.close()


@pytest.mark.parametrize(("width", "height"), [(360, 740), (1280, 900)])
def test_the_poster_on_screen_has_a_print_button_and_is_accessible(live_server, browser, tuesday_bus, width, height):
    context, page = new_page(browser, width, height)
    page.goto(f"{live_server.url}/arrets/nathalie-sarraute/affiche/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bus Mairie mobile – Esplanade Nathalie Sarraute")
    expect(
        page.get_by_role("img", name=f"Code QR menant à {links.printed(links.short_url(tuesday_bus))}")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
    expect(page.get_by_text("utilisez la commande « Imprimer » de votre navigateur")).to_be_hidden()
    page.get_by_role("link", name="Retour à la page de l'arrêt").click()
    expect(page).to_have_url(f"{live_server.url}/arrets/nathalie-sarraute/")
    page.go_back()
    assert_fits(page, width)
    assert_accessible(page)
    context.close()


def test_the_print_button_opens_the_browser_print(live_server, phone, tuesday_bus):
    phone.goto(f"{live_server.url}/arrets/nathalie-sarraute/affiche/")
    phone.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    phone.get_by_role("button", name="Imprimer").click()
    expect(phone.locator("body")).to_have_attribute("data-printed", "yes")


def test_without_javascript_the_poster_says_how_to_print_it(live_server, browser, tuesday_bus):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/arrets/nathalie-sarraute/affiche/")
    expect(page.get_by_text("utilisez la commande « Imprimer » de votre navigateur")).to_be_visible()
    expect(page.get_by_role("button", name="Imprimer")).to_be_hidden()
    context.close()


def test_printed_the_poster_is_alone_on_its_page(live_server, phone, tuesday_bus):
    phone.emulate_media(media="print")
    phone.goto(f"{live_server.url}/arrets/nathalie-sarraute/affiche/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    for hidden in [
        phone.get_by_role("banner"),
        phone.get_by_role("contentinfo"),
        phone.get_by_role("navigation", name="Fil d'Ariane"),
        phone.get_by_role("link", name="Retour à la page de l'arrêt"),
        phone.get_by_role("button", name="Imprimer"),
    ]:
        expect(hidden).to_be_hidden()
