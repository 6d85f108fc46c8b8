"""Two-factor authentication: coordinators and administrators give a code after the password."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mairie_mobile.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def required_for_coordinators(settings):
    settings.TWO_FACTOR_ROLES = ["coordinators"]


def log_in(client, username):
    response = client.post("/connexion/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def code_of(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(client):
    """Scan the QR code (read the key) and confirm a first code; the backup codes shown."""
    page = client.get("/connexion/double-authentification/activer/?next=/coordination/")
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(
        "/connexion/double-authentification/activer/", {"code": code_of(device), "next": "/coordination/"}
    )
    return page, response, device


def test_a_coordinator_is_sent_to_enrol_before_any_staff_page(client, coordinator):
    log_in(client, "nadia")
    response = client.get("/coordination/")
    assert response.status_code == 302
    assert response["Location"] == "/connexion/double-authentification/activer/?next=/coordination/"


def test_enrolment_shows_a_qr_code_and_the_key_then_backup_codes(client, coordinator):
    log_in(client, "nadia")
    page, response, device = enrol(client)
    text = page.content.decode()
    assert "<svg" in text
    assert "Code QR à scanner" in text
    device.refresh_from_db()
    assert device.confirmed
    codes = re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())
    assert len(codes) == 10
    assert "ils ne seront plus affichés" in response.content.decode()
    assert client.get("/coordination/").status_code == 200  # verified for this session
    assert AuditEvent.objects.filter(action="two_factor", summary="Double authentification activée").exists()


def test_a_wrong_code_at_enrolment_is_refused_kindly(client, coordinator):
    log_in(client, "nadia")
    client.get("/connexion/double-authentification/activer/")
    response = client.post("/connexion/double-authentification/activer/", {"code": "000000"})
    assert response.status_code == 400
    assert "Ce code ne correspond pas" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_next_login_asks_for_the_code(client, coordinator):
    log_in(client, "nadia")
    _page, _response, device = enrol(client)
    client.logout()
    log_in(client, "nadia")
    asked = client.get("/coordination/")
    assert asked["Location"] == "/connexion/double-authentification/?next=/coordination/"
    wrong = client.post("/connexion/double-authentification/", {"code": "123456", "next": "/coordination/"})
    assert wrong.status_code == 400
    assert "Ce code n&#x27;est pas valable" in wrong.content.decode()
    device.refresh_from_db()
    # A minute later: a code serves once, and django-otp makes one wait after a wrong one.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1)):
        right = client.post("/connexion/double-authentification/", {"code": code_of(device), "next": "/coordination/"})
    assert right["Location"] == "/coordination/"
    assert client.get("/coordination/").status_code == 200


def test_a_backup_code_works_once(client, coordinator):
    log_in(client, "nadia")
    _page, response, _device = enrol(client)
    code = re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())[0]
    client.logout()
    log_in(client, "nadia")
    used = client.post("/connexion/double-authentification/", {"code": code, "next": "/coordination/"})
    assert used["Location"] == "/coordination/"
    assert StaticToken.objects.count() == 9
    client.logout()
    log_in(client, "nadia")
    again = client.post("/connexion/double-authentification/", {"code": code, "next": "/coordination/"})
    assert again.status_code == 400


def test_administrators_need_it_too(client):
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    log_in(client, "admin")
    assert client.get("/admin/")["Location"].startswith("/connexion/double-authentification/activer/")


def test_agents_do_not_unless_the_setting_says_so(client, agent, settings):
    log_in(client, "camille")
    assert client.get("/agents/").status_code == 200
    settings.TWO_FACTOR_ROLES = ["coordinators", "agents"]
    assert client.get("/agents/")["Location"].startswith("/connexion/double-authentification/activer/")


def test_public_pages_never_ask(client, coordinator, tuesday_bus):
    log_in(client, "nadia")
    assert client.get("/").status_code == 200
    assert client.get("/arrets/nathalie-sarraute/").status_code == 200


def test_next_cannot_send_elsewhere(client, coordinator):
    log_in(client, "nadia")
    client.get("/connexion/double-authentification/activer/")
    device = TOTPDevice.objects.get()
    response = client.post(
        "/connexion/double-authentification/activer/", {"code": code_of(device), "next": "https://evil.example/"}
    )
    assert 'href="/agents/"' in response.content.decode()


def test_an_administrator_removes_a_lost_phone_and_its_owner_enrols_again(client, coordinator):
    log_in(client, "nadia")
    enrol(client)
    client.post("/deconnexion/")
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=admin, name="Téléphone", confirmed=True)
    client.force_login(admin)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=admin).persistent_id
    session.save()

    listing = client.get("/admin/mairie_mobile/authenticatorapp/").content.decode()
    assert "application d&#x27;authentification" in listing
    assert "nadia" in listing
    lost = TOTPDevice.objects.get(user=coordinator)
    response = client.post(f"/admin/mairie_mobile/authenticatorapp/{lost.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    codes = StaticDevice.objects.get(user=coordinator)
    response = client.post(f"/admin/mairie_mobile/backupcodes/{codes.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticDevice.objects.filter(user=coordinator).exists()
    assert TOTPDevice.objects.filter(user=admin).exists()

    client.post("/deconnexion/")
    log_in(client, "nadia")
    assert client.get("/coordination/")["Location"].startswith("/connexion/double-authentification/activer/")
