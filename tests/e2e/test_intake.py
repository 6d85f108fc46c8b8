"""A morning in the bus, in a real browser: one visit through the three steps, then an
oriented one, while a second computer's queue follows by itself."""

import pytest
from playwright.sync_api import expect

from tests.conftest import transactional
from tests.e2e.conftest import assert_accessible, log_in, new_page

pytestmark = transactional


@pytest.fixture
def computers(browser, live_server, agent, other_agent, tuesday_bus, settings):
    """Two computers of the bus, each logged in, on a 1280×800 screen."""
    settings.QUEUE_REFRESH_SECONDS = 1
    pages, contexts = [], []
    for username in ("camille", "yanis"):
        context, page = new_page(browser, 1280, 800)
        log_in(page, live_server.url + "/agents/", username)
        expect(page.get_by_role("heading", level=1)).to_have_text("Accueil des visiteurs")
        page.get_by_role("link", name="Bus Mairie mobile – Esplanade Nathalie Sarraute").click()
        expect(page.get_by_role("heading", name="File d'attente du jour")).to_be_visible()
        contexts.append(context)
        pages.append(page)
    yield pages
    for context in contexts:
        context.close()


def queue_row(page, ticket):
    return page.locator("#queue tbody tr").filter(has=page.get_by_role("rowheader", name=str(ticket), exact=True))


def test_a_full_visit_then_an_oriented_one(computers):
    camille, yanis = computers
    for details in camille.locator("details").all():
        details.evaluate("element => element.open = true")
    assert_accessible(camille)  # the queue and the pré-accueil form

    # Pré-accueil.
    camille.get_by_label("Motif de la visite").select_option(label="Caf – Déclaration trimestrielle RSA")
    camille.get_by_label("Tranche d'âge").select_option(label="60 à 74 ans")
    camille.get_by_role("button", name="Donner un ticket").click()
    # The message, not the offline banner (an empty live region while connected).
    expect(camille.locator(".alert-success")).to_contain_text("Ticket n° 1 : la personne attend le déblayage.")
    # The other computer sees the newcomer without reloading.
    expect(queue_row(yanis, 1)).to_contain_text("En attente")
    expect(yanis.locator("#queue-summary")).to_have_text("1 personne attend le déblayage.")

    # Déblayage.
    camille.get_by_role("button", name="Prendre le suivant pour le déblayage").click()
    expect(camille.get_by_role("heading", level=1)).to_have_text("Déblayage – n° 1")
    assert_accessible(camille)
    expect(queue_row(yanis, 1)).to_contain_text("Camille Martin")
    camille.get_by_label("La connexion internet fonctionne").check()
    camille.get_by_label("Les documents nécessaires sont là").check()
    camille.get_by_label("Ce qui manque, à apporter la prochaine fois").fill("Code d'accès Caf")
    camille.get_by_role("button", name="Commencer l'accompagnement").click()

    # Accompagnement.
    expect(camille.get_by_role("heading", level=1)).to_have_text("Accompagnement – n° 1")
    for details in camille.locator("details").all():
        details.evaluate("element => element.open = true")
    assert_accessible(camille)
    expect(queue_row(yanis, 1)).to_contain_text("Accompagnement")
    camille.get_by_label("Résultat").first.select_option(label="Résolue")
    camille.get_by_label("Durée de l'accompagnement (minutes)").fill("25")
    camille.get_by_role("button", name="Terminer le passage").click()
    expect(camille.locator(".alert-success")).to_contain_text("Passage du n° 1 terminé.")
    expect(yanis.locator("#queue")).to_contain_text("Passages terminés aujourd'hui : 1")
    expect(queue_row(yanis, 1)).to_have_count(0)

    # An oriented visit.
    camille.get_by_label("Motif de la visite").select_option(label="Point-Justice – Information juridique")
    camille.get_by_label("Non, orienter ailleurs").check()
    camille.get_by_label("Orientée vers").select_option(label="Point-Justice")
    camille.get_by_role("button", name="Donner un ticket").click()
    expect(camille.locator(".alert-success")).to_contain_text("N° 2 orienté vers Point-Justice.")
    expect(yanis.locator("#queue")).to_contain_text("Passages terminés aujourd'hui : 2")


def tab_to(page, target, presses=40):
    """Press Tab until `target` has the focus, as someone without a mouse would."""
    for _ in range(presses):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} cannot be reached with the Tab key")


def test_a_whole_visit_with_the_keyboard_alone(computers):
    camille, yanis = computers

    # Pré-accueil: type into the list to choose, Tab to the button, Enter.
    tab_to(camille, camille.get_by_label("Motif de la visite"))
    camille.keyboard.type("Caf – Prime")  # the list jumps to what is typed
    tab_to(camille, camille.get_by_role("button", name="Donner un ticket"))
    camille.keyboard.press("Enter")
    expect(camille.locator(".alert-success")).to_contain_text("Ticket n° 1")
    expect(queue_row(yanis, 1)).to_contain_text("En attente")

    # Déblayage: Space ticks a box.
    tab_to(camille, camille.get_by_role("button", name="Prendre le suivant pour le déblayage"))
    camille.keyboard.press("Enter")
    expect(camille.get_by_role("heading", level=1)).to_have_text("Déblayage – n° 1")
    for label in ("La connexion internet fonctionne", "Les documents nécessaires sont là"):
        tab_to(camille, camille.get_by_label(label))
        camille.keyboard.press("Space")
        expect(camille.get_by_label(label)).to_be_checked()
    tab_to(camille, camille.get_by_role("button", name="Commencer l'accompagnement"))
    camille.keyboard.press("Enter")

    # Accompagnement.
    expect(camille.get_by_role("heading", level=1)).to_have_text("Accompagnement – n° 1")
    tab_to(camille, camille.get_by_label("Résultat").first)
    camille.keyboard.type("Résolue")
    expect(camille.get_by_label("Résultat").first).to_have_value("resolved")
    tab_to(camille, camille.get_by_label("Durée de l'accompagnement (minutes)"))
    camille.keyboard.type("25")
    tab_to(camille, camille.get_by_role("button", name="Terminer le passage"))
    camille.keyboard.press("Enter")
    expect(camille.locator(".alert-success")).to_contain_text("Passage du n° 1 terminé.")
    expect(yanis.locator("#queue")).to_contain_text("Passages terminés aujourd'hui : 1")


def test_back_then_send_again_asks_before_a_second_ticket(computers):
    camille, _yanis = computers
    camille.get_by_label("Motif de la visite").select_option(label="Caf – Déclaration trimestrielle RSA")
    camille.get_by_role("button", name="Donner un ticket").click()
    expect(camille.locator(".alert-success")).to_contain_text("Ticket n° 1")
    camille.go_back()
    # The browser may show the page it kept (the same form: the same visit, as tested above)
    # or load it again, with a new idempotency key: the case asked about.
    camille.reload()
    camille.get_by_label("Motif de la visite").select_option(label="Caf – Déclaration trimestrielle RSA")
    camille.get_by_role("button", name="Donner un ticket").click()
    question = camille.get_by_role("alert")
    expect(question).to_contain_text("Le n° 1 vient d'être donné pour ces motifs. Donner un autre ticket ?")
    expect(question).to_be_focused()
    assert_accessible(camille)
    question.get_by_role("link", name="Non, c'est la même : garder le n° 1").click()
    expect(queue_row(camille, 1)).to_be_visible()
    expect(queue_row(camille, 2)).to_have_count(0)


def test_the_new_ticket_is_focused_with_its_deblayage_one_tab_away(computers, tuesday_bus, other_agent):
    from partners.models import Partner, Reason
    from visits import intake

    caf = Reason.of(Partner.objects.get(code="caf"))
    for _ in range(7):  # seven people already waiting
        intake.register(tuesday_bus, other_agent, [caf])
    camille, _yanis = computers
    camille.reload()
    camille.get_by_label("Motif de la visite").select_option(label="Caf – Déclaration trimestrielle RSA")
    camille.get_by_role("button", name="Donner un ticket").click()
    expect(camille.locator(".alert-success")).to_contain_text("Ticket n° 8")
    expect(queue_row(camille, 8)).to_be_focused()
    camille.keyboard.press("Tab")
    expect(camille.get_by_role("button", name="Déblayage du n° 8")).to_be_focused()
    camille.keyboard.press("Enter")
    expect(camille.get_by_role("heading", level=1)).to_have_text("Déblayage – n° 8")
