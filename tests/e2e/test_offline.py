"""The bus loses its connection: two computers go on registering and moving visitors, then send
what they recorded once it is back (static/js/offline/, visits/offline.py)."""

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from partners.models import Partner, Reason
from tests.conftest import transactional
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, assert_accessible, log_in, new_page
from visits import intake
from visits.models import Status, Visit

pytestmark = transactional

BANNER = "Hors connexion : vos saisies sont gardées sur cet ordinateur et seront envoyées au retour du réseau"


def open_queue(page, url, username):
    log_in(page, url, username)
    expect(page.get_by_role("heading", name="File d'attente du jour")).to_be_visible()
    # Ready for the connection to go: the worker keeps the pages, the computer has its letter.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("caches.open('agents-pages').then(cache => cache.match(location.href))")
    page.wait_for_function("Object.keys(localStorage).some(name => name.startsWith('mm-letter:'))")


def give_ticket_offline(page, label):
    page.get_by_label("Motif de la visite").select_option(label=label)
    page.get_by_role("button", name="Donner un ticket").click()


@pytest.fixture
def queue_url(live_server, tuesday_bus, settings):
    settings.QUEUE_REFRESH_SECONDS = 1
    return f"{live_server.url}/agents/arrets/{tuesday_bus.slug}/"


@pytest.fixture
def waiting(tuesday_bus, other_agent):
    """N° 1, registered online before the connection went."""
    return intake.register(tuesday_bus, other_agent, [Reason.of(Partner.objects.get(code="caf"))])


def test_two_computers_offline_then_back_lose_nothing_and_duplicate_nothing(
    browser, queue_url, agent, other_agent, waiting
):
    contexts, pages = [], []
    for username in ("camille", "yanis"):
        context, page = new_page(browser, 1280, 800)
        open_queue(page, queue_url, username)
        contexts.append(context)
        pages.append(page)
    camille, yanis = pages
    cut = timezone.now()

    contexts[0].set_offline(True)
    expect(camille.locator("#offline-banner")).to_contain_text(f"{BANNER} — 0 en attente")
    expect(camille.locator(".queue-as-of")).to_contain_text("avant la coupure")
    give_ticket_offline(camille, "Caf – Déclaration trimestrielle RSA")
    expect(camille.locator("#offline-given")).to_contain_text("Ticket provisoire A-1 : donnez ce numéro à la personne.")
    # Camille takes n° 1 to the déblayage; Yanis, still online, took them a moment before.
    yanis.get_by_role("button", name="Déblayage du n° 1").click()
    expect(yanis.get_by_role("heading", level=1)).to_have_text("Déblayage – n° 1")
    camille.get_by_role("button", name="Déblayage du n° 1").click()
    # The visitor registered offline goes on too, on this computer.
    camille.get_by_role("button", name="Déblayage – A-1").click()
    expect(camille.locator("#offline-banner")).to_contain_text("— 3 en attente")
    expect(camille.locator("#offline-visits")).to_contain_text("A-1 Déblayage")

    yanis.goto(queue_url)
    contexts[1].set_offline(True)
    give_ticket_offline(yanis, "Caf – Prime d'activité")
    expect(yanis.locator("#offline-given")).to_contain_text("Ticket provisoire B-1")
    expect(yanis.locator("#offline-banner")).to_contain_text("— 1 en attente")
    assert_accessible(yanis)  # the banner and the offline list
    # Logging out now would leave the entry unsent: Yanis is told, and stays.
    yanis.get_by_role("button", name="Se déconnecter").click()
    expect(yanis.locator("#offline-logout")).to_contain_text("1 saisie(s) ne sont pas encore envoyées.")
    yanis.get_by_role("button", name="Rester connecté").click()
    expect(yanis.locator("#offline-logout")).to_be_hidden()

    # A reload without connection keeps the page and the outbox.
    camille.reload()
    expect(camille.locator("#offline-banner")).to_contain_text("— 3 en attente")
    camille.get_by_role("button", name="Terminer le déblayage – A-1").click()
    camille.get_by_label("La connexion internet fonctionne").check()
    camille.get_by_role("button", name="Passer la main pour l'accompagnement").click()
    expect(camille.locator("#offline-banner")).to_contain_text("— 4 en attente")
    assert not Visit.objects.filter(provisional_ticket__gt="").exists()

    for context in contexts:
        context.set_offline(False)
    for page in pages:
        expect(page.locator("#offline-banner")).to_have_text("Toutes vos saisies ont été envoyées.")
    refused = camille.locator("#offline-refused")
    expect(refused).to_contain_text("n° 1 – Début du déblayage : Yanis Benali s'occupe déjà du n° 1 (déblayage).")
    expect(refused).to_contain_text("Voyez avec lui, puis fermez ce message.")
    assert_accessible(camille)  # the refusal
    expect(yanis.locator("#offline-refused")).to_be_hidden()

    visits = {visit.provisional_ticket or visit.ticket: visit for visit in Visit.objects.all()}
    assert sorted(visit.ticket for visit in visits.values()) == [1, 2, 3]
    given_offline = [visits["A-1"], visits["B-1"]]
    assert all(visit.recorded_offline and cut <= visit.arrived_at <= timezone.now() for visit in given_offline)
    assert (visits["A-1"].status, visits["A-1"].deblayage_agent, visits["A-1"].has_internet) == (
        Status.READY,
        agent,
        True,
    )
    assert visits["A-1"].arrived_at <= visits["A-1"].deblayage_started_at
    assert Visit.objects.get(pk=waiting.pk).deblayage_agent == other_agent
    expect(camille.locator("#queue")).to_contain_text(f"{visits['A-1'].ticket} (A-1)")
    # Where it said to give A-1 to the visitor, it now says which number A-1 became.
    final = f"Le ticket provisoire A-1 est devenu le n° {visits['A-1'].ticket}."
    expect(camille.locator("#offline-given")).to_contain_text(final)

    camille.get_by_role("button", name="J'ai compris : n° 1 – Début du déblayage").click()
    expect(refused).to_be_hidden()
    for context in contexts:
        context.close()


def test_the_outbox_outlives_a_browser_restart_without_connection(browser, queue_url, tmp_path, agent):
    def launch():
        """Chromium started on the same profile: its IndexedDB, caches and cookies."""
        context = browser.browser_type.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            locale="fr-FR",
            timezone_id="Europe/Paris",
        )
        context.set_default_timeout(10_000)
        return context, context.pages[0] if context.pages else context.new_page()

    context, page = launch()
    # As in a browser without Background Sync (Firefox, Safari): Chromium's offline emulation does
    # not hold back the worker's own sending, here or at the next start, in a persistent profile.
    context.add_init_script("if (window.SyncManager) SyncManager.prototype.register = () => Promise.resolve();")
    open_queue(page, queue_url, "camille")
    context.set_offline(True)
    give_ticket_offline(page, "Caf – Déclaration trimestrielle RSA")
    expect(page.locator("#offline-banner")).to_contain_text("— 1 en attente")
    page.wait_for_timeout(3000)  # Chromium writes its caches' index to disk a moment after a change
    context.close()

    context, page = launch()
    context.set_offline(True)
    page.goto(queue_url)
    expect(page.locator("#offline-banner")).to_contain_text(f"{BANNER} — 1 en attente")
    expect(page.locator("#offline-visits")).to_contain_text("A-1 En attente")
    assert not Visit.objects.exists()
    # Back online, after the session ended meanwhile: the agent is asked to log in again.
    Session.objects.all().delete()
    context.set_offline(False)
    expect(page.locator("#offline-banner")).to_have_text(
        "1 saisie(s) en attente : reconnectez-vous pour qu'elles soient envoyées."
    )
    log_in(page, queue_url, "camille")
    expect(page.locator("#offline-banner")).to_have_text("Toutes vos saisies ont été envoyées.")
    context.close()
    visit = Visit.objects.get()
    assert (visit.provisional_ticket, visit.registered_by, visit.recorded_offline) == ("A-1", agent, True)
