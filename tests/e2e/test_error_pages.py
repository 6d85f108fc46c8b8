"""Error pages in a real browser: the shared computer of the bus, and a lost resident."""

from playwright.sync_api import expect

from tests.conftest import transactional
from tests.e2e.conftest import assert_accessible, assert_fits, log_in, new_page
from visits.models import Visit

pytestmark = transactional


def test_a_colleague_logs_in_while_a_form_is_open(browser, live_server, agent, other_agent, tuesday_bus):
    context, camille = new_page(browser, 1280, 800)
    log_in(camille, live_server.url + "/agents/arrets/nathalie-sarraute/", "camille")
    camille.get_by_label("Motif de la visite").select_option(label="Caf – Déclaration trimestrielle RSA")
    for details in camille.locator("details").all():
        details.evaluate("element => element.open = true")
    camille.get_by_label("Arrondissement ou commune de résidence").fill("Paris 18e")

    # Meanwhile, on the same computer, Yanis takes over in another tab.
    yanis = context.new_page()
    yanis.goto(live_server.url + "/agents/")
    yanis.get_by_role("button", name="Se déconnecter").click()
    # Logging out first makes sure nothing waits in the computer's outbox: then the login page.
    expect(yanis.get_by_role("button", name="Se connecter")).to_be_visible()
    log_in(yanis, live_server.url + "/connexion/", "yanis")
    expect(yanis.get_by_role("heading", level=1)).to_have_text("Accueil des visiteurs")

    camille.get_by_role("button", name="Donner un ticket").click()
    expect(camille.get_by_role("heading", level=1)).to_have_text("Un autre compte s'est connecté sur cet ordinateur")
    assert not Visit.objects.exists()
    assert_accessible(camille)
    camille.get_by_role("button", name="Envoyer ce que vous aviez saisi, au nom de Yanis Benali").click()
    expect(camille.locator(".alert-success")).to_contain_text("Ticket n° 1")
    visit = Visit.objects.get()
    assert (visit.registered_by, visit.residence) == (other_agent, "Paris 18e")
    context.close()


def test_a_resident_who_is_lost_finds_the_timetable(phone, live_server):
    phone.goto(live_server.url + "/arrets/nulle-part/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cette page n'existe pas")
    assert_accessible(phone)
    assert_fits(phone)
    phone.get_by_role("link", name="Voir les horaires et les arrêts de la Mairie mobile").click()
    expect(phone).to_have_url(live_server.url + "/")
