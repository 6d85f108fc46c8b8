"""Subscribing by SMS on a phone, the code read from the SMS outbox, and leaving by the SMS's link."""

import re

from playwright.sync_api import expect

from stops.models import Subscription
from tests.conftest import transactional
from tests.e2e.conftest import assert_accessible, assert_fits

pytestmark = transactional


def test_subscribing_by_sms_on_a_phone(live_server, phone, tuesday_bus, sms_outbox):
    phone.goto(live_server.url + "/arrets/nathalie-sarraute/")
    form = phone.locator("form.subscribe-form")
    form.get_by_label("par SMS").check()
    expect(form.get_by_label("Votre adresse électronique")).to_be_hidden()
    form.get_by_label("Votre numéro de mobile").fill("01 42 76 40 40")  # a landline
    form.get_by_role("button", name="Recevoir un code par SMS").click()
    expect(phone.get_by_text("Ce numéro n'est pas un mobile")).to_be_visible()
    assert_fits(phone)
    assert_accessible(phone)

    form = phone.locator("form.subscribe-form")
    form.get_by_label("Votre numéro de mobile").fill("06 12 34 56 78")
    form.get_by_role("button", name="Recevoir un code par SMS").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Tapez le code reçu par SMS")
    assert_fits(phone)
    assert_accessible(phone)
    (message,) = sms_outbox
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    phone.get_by_label("Code reçu par SMS (6 chiffres)").fill(code)
    phone.get_by_role("button", name="Confirmer").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Abonnement par SMS confirmé")
    assert_fits(phone)
    assert_accessible(phone)
    subscription = Subscription.objects.get()
    assert subscription.phone == "+33612345678"
    assert subscription.confirmed_at is not None

    phone.goto(f"{live_server.url}/d/{subscription.leave_code}/")
    assert_fits(phone)
    assert_accessible(phone)
    phone.get_by_role("button", name="Ne plus recevoir de SMS").click()
    expect(phone.get_by_role("status")).to_contain_text("votre numéro a été effacé")
    assert not Subscription.objects.exists()


def test_the_stop_page_s_sms_forms_are_accessible_on_a_phone(live_server, phone, tuesday_bus):
    phone.goto(live_server.url + "/arrets/nathalie-sarraute/")
    phone.locator("form.subscribe-form").get_by_label("par SMS").check()
    phone.locator("summary", has_text="Ne plus recevoir de SMS").click()
    expect(phone.locator("#id_leave_phone")).to_be_visible()
    assert_fits(phone)
    assert_accessible(phone)
