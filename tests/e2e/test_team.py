"""A coordinator invites an agent; the agent opens the mail's link on a phone and joins the team."""

import re

from django.core import mail
from playwright.sync_api import expect

from tests.conftest import transactional
from tests.e2e.conftest import assert_accessible, assert_fits, log_in, new_page

pytestmark = transactional


def test_invite_an_agent_who_joins_from_a_phone(browser, live_server, coordinator, agent, phone):
    context, page = new_page(browser, 1280, 800)
    log_in(page, live_server.url + "/coordination/", "nadia")
    page.get_by_role("link", name="Équipe : membres et invitations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Équipe")
    assert_accessible(page)
    page.get_by_label("Courriel de la personne").fill("ines@example.org")
    page.get_by_label("Agent", exact=True).check()
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.locator(".alert-success")).to_contain_text("Invitation envoyée à ines@example.org")
    expect(page.get_by_role("button", name="Annuler l'invitation : ines@example.org")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Retirer de l'équipe : Camille Martin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retirer Camille Martin de l'équipe ?")
    assert_accessible(page)
    context.close()

    link = re.search(r"/invitation/[\w-]+/", mail.outbox[0].body)[0]
    phone.goto(live_server.url + link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Rejoindre l'équipe de Mairie mobile – Ville de Paris")
    assert_accessible(phone)
    assert_fits(phone)
    phone.get_by_label("Prénom").fill("Inès")
    phone.get_by_label(re.compile(r"^\s*Nom\b")).fill("Moreau")
    expect(phone.get_by_label("Identifiant")).to_have_value("ines")
    phone.get_by_label(re.compile(r"^\s*Mot de passe\b")).fill("une-longue-phrase-de-passe")
    phone.get_by_label("Le même mot de passe").fill("une-longue-phrase-de-passe")
    phone.get_by_role("button", name="Créer mon compte et rejoindre la structure").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Accueil des visiteurs")
