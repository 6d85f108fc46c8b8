"""What a security reviewer checks first: production settings, headers, the Content-Security-Policy
on every page, and the rate limit on login."""

import json
import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mairie_mobile.models import AuditEvent
from tests.factories import PASSWORD, StopFactory, UserFactory, VisitFactory
from tests.urlwalk import every_url

BASE_DIR = Path(__file__).resolve().parent.parent
# Script types a browser does not run: data for the page's own scripts.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def production_environment():
    """What an operations team sets, and nothing from the developer's shell."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "mairie-mobile.example.fr",
        "CSRF_TRUSTED_ORIGINS": "https://mairie-mobile.example.fr",
        "SITE_URL": "https://mairie-mobile.example.fr",
        "EMAIL_URL": "smtp://mairie:secret@smtp.example.fr:587?tls=1",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mairie_mobile"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "BEHIND_TLS_PROXY": "1",
    }


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_deployment_checklist_passes_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_environment())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_come_from_the_environment():
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'hsts': s.SECURE_HSTS_SECONDS, 'ssl_redirect': s.SECURE_SSL_REDIRECT,"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'session_httponly': s.SESSION_COOKIE_HTTPONLY, 'two_factor': s.TWO_FACTOR_ROLES,"
        "'inactivity': s.STAFF_INACTIVITY_MINUTES, 'session_age': s.SESSION_COOKIE_AGE,"
        "'debug': s.DEBUG, 'email': s.EMAIL_HOST}))"
    )
    env = production_environment() | {"DJANGO_SETTINGS_MODULE": "mairie_mobile.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["hsts"] >= 31536000
    assert values["ssl_redirect"]
    assert values["session_secure"]
    assert values["csrf_secure"]
    assert values["session_httponly"]
    assert values["two_factor"] == ["coordinators"]
    assert values["inactivity"] == 60
    assert values["session_age"] <= 12 * 3600
    assert values["email"] == "smtp.example.fr"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "EMAIL_URL"])
def test_production_refuses_to_start_without_a_secret_or_a_mail_server(missing):
    env = production_environment()
    del env[missing]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG=0" in result.stderr


class Scripts(HTMLParser):
    """The inline scripts and event-handler attributes of a page: what a CSP without 'unsafe-inline' blocks."""

    def __init__(self):
        super().__init__()
        self.inline, self.handlers, self._in_inline = [], [], False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [f"<{tag} {name}=…>" for name in attributes if name.startswith("on")]
        if tag == "script" and "src" not in attributes and attributes.get("type") not in DATA_SCRIPT_TYPES:
            self._in_inline = True
            self.inline.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline = False

    def handle_data(self, data):
        if self._in_inline:
            self.inline[-1] += data.strip()[:80]


@pytest.mark.django_db
def test_every_page_has_the_policy_and_no_inline_script(client, agent, coordinator):
    stop = StopFactory(slug="nathalie-sarraute")
    urls = every_url(stop, VisitFactory(stop=stop))
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    pages = 0
    for user in (None, agent, coordinator, admin):
        client.logout()
        if user is not None:
            client.force_login(user)
        for name, _namespace, url in urls:
            response = client.get(url)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            pages += 1
            policy = response.get("Content-Security-Policy", "")
            assert "script-src 'self'" in policy, (name, user)
            assert "unsafe-inline" not in policy
            assert "unsafe-eval" not in policy
            assert "frame-ancestors 'none'" in policy
            assert response["X-Frame-Options"] == "DENY"
            assert response["X-Content-Type-Options"] == "nosniff"
            # No page gives its address to another site: a ticket's holds its secret code.
            assert response["Referrer-Policy"] == "same-origin", (name, url)
            if response.status_code == 200:
                scripts = Scripts()
                scripts.feed(response.content.decode())
                assert scripts.inline == [], (name, url, user)
                assert scripts.handlers == [], (name, url, user)
    assert pages > 60


def test_hsts_on_secure_requests(client, settings, db):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/accessibilite/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_cookies_are_http_only(client, agent):
    login_page = client.get("/connexion/")
    assert login_page.cookies["csrftoken"]["httponly"]
    response = client.post("/connexion/", {"username": "camille", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"]


def login_failure(client, username="inconnu", **request):
    return client.post("/connexion/", {"username": username, "password": "x"}, **request)


def test_login_is_rate_limited_per_address(client, db):
    for attempt in range(30):
        response = login_failure(client, f"inconnu{attempt}", REMOTE_ADDR="192.0.2.7")
        assert response.status_code == 200
    limited = login_failure(client, "encore", REMOTE_ADDR="192.0.2.7")
    assert limited.status_code == 429
    assert "Trop de tentatives de connexion" in limited.content.decode()
    elsewhere = login_failure(client, "encore", REMOTE_ADDR="192.0.2.8")
    assert elsewhere.status_code == 200


# Behind the reverse proxy of docs/deploy.md, every request comes from the proxy's own address.
PROXY = "127.0.0.1"


def through_the_proxy(address, sent=None):
    """A request as the proxy passes it on: from the proxy, with the address it received the request
    from added to the X-Forwarded-For the client sent, if any (nginx's `$proxy_add_x_forwarded_for`)."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{sent}, {address}" if sent else address}


def failure_addresses():
    return [event.ip for event in AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).order_by("pk")]


def test_behind_a_proxy_logins_are_limited_per_visitor_whatever_they_send(client, db, settings):
    settings.TRUSTED_PROXIES = 1
    for attempt in range(30):
        response = login_failure(client, f"inconnu{attempt}", **through_the_proxy("192.0.2.7", f"198.51.100.{attempt}"))
        assert response.status_code == 200
    limited = login_failure(client, **through_the_proxy("192.0.2.7", sent="198.51.100.99"))
    assert limited.status_code == 429
    elsewhere = login_failure(client, **through_the_proxy("192.0.2.8"))
    assert elsewhere.status_code == 200
    assert set(failure_addresses()) == {"192.0.2.7", "192.0.2.8"}


def test_without_a_trusted_proxy_the_forwarded_header_is_not_read(client, db):
    for attempt in range(30):
        response = login_failure(
            client, f"inconnu{attempt}", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}"
        )
        assert response.status_code == 200
    limited = login_failure(client, REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert limited.status_code == 429
    assert set(failure_addresses()) == {"192.0.2.7"}


@pytest.mark.parametrize(
    ("forwarded", "address"),
    [
        ("198.51.100.1, 192.0.2.7, 10.0.0.5", "192.0.2.7"),  # the client's header, then the two proxies'
        ("192.0.2.7, 10.0.0.5", "192.0.2.7"),
        ("192.0.2.7", "192.0.2.7"),  # through the nearer proxy only
        ("198.51.100.1, 2001:db8::7 , 10.0.0.5", "2001:db8::7"),
    ],
)
def test_behind_two_proxies_the_address_is_the_second_from_the_end(client, db, settings, forwarded, address):
    settings.TRUSTED_PROXIES = 2
    login_failure(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert failure_addresses() == [address]


@pytest.mark.parametrize("forwarded", ["unknown", " ", "192.0.2.300", "192.0.2.7:4431", "<script>", "\u00e9"])
def test_a_forwarded_header_without_an_address_leaves_the_proxys(client, db, settings, forwarded):
    settings.TRUSTED_PROXIES = 1
    response = login_failure(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 200
    assert failure_addresses() == [PROXY]


def test_a_negative_number_of_proxies_stops_the_start():
    env = production_environment() | {"TRUSTED_PROXIES": "-1"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "TRUSTED_PROXIES must be 0 or more" in result.stderr


@pytest.mark.parametrize("username", ["x" * 300, "<script>alert(1)</script>"])
def test_a_strange_username_is_an_ordinary_failure(client, agent, username):
    response = client.post("/connexion/", {"username": username, "password": "x"})
    assert response.status_code == 200
    assert 'class="alert alert-danger" role="alert"' in response.content.decode()
    assert "<script>alert" not in response.content.decode()


def test_a_control_character_in_a_form_is_refused_before_any_check(client, agent):
    response = client.post("/connexion/", {"username": "camille\x00", "password": "x"})
    assert response.status_code == 400
    assert "Le formulaire contient un caractère invisible non permis" in response.content.decode()


def test_the_admin_login_is_ours_rate_limit_included(client, db):
    for attempt in range(30):
        client.post("/admin/login/", {"username": f"inconnu{attempt}", "password": "x"}, REMOTE_ADDR="192.0.2.77")
    assert client.post("/admin/login/", {"username": "x", "password": "x"}, REMOTE_ADDR="192.0.2.77").status_code == 429


def test_an_agent_sent_to_the_admin_is_told_why_not_looped(client, agent):
    client.force_login(agent)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain == [("/admin/login/?next=/admin/", 302)]
    assert "sans accès à la page demandée" in response.content.decode()
