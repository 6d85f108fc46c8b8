"""Error pages: French, in the site's layout, each with a way forward."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import text_of
from tests.factories import PASSWORD, StopFactory, pre_accueil
from visits.models import Visit

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"
REGISTER = "/agents/arrets/nathalie-sarraute/accueil/"


def test_page_not_found_is_french_with_the_timetable_and_the_way_back():
    response = Client().get("/pas-de-page-ici/", HTTP_REFERER=f"{ORIGIN}/arrets/")
    text = text_of(response)
    assert response.status_code == 404
    assert "Cette page n'existe pas" in text
    assert "Mairie mobile" in text
    assert 'href="/"' in response.content.decode()
    assert f'href="{ORIGIN}/arrets/"' in response.content.decode()


def test_the_way_back_is_never_another_site():
    response = Client().get("/pas-de-page-ici/", HTTP_REFERER="https://ailleurs.example/piege")
    assert response.status_code == 404
    assert "ailleurs.example" not in response.content.decode()
    assert "Revenir à la page précédente" not in text_of(response)


def test_an_unknown_api_address_answers_in_json():
    response = Client().get("/api/v1/rien")
    assert response.status_code == 404
    assert response.json() == {"detail": "Cette adresse n'existe pas."}


def test_permission_denied_names_the_account_and_leads_back(client, agent):
    client.force_login(agent)
    response = client.get("/coordination/", HTTP_REFERER=f"{ORIGIN}/agents/")
    text = text_of(response)
    assert response.status_code == 403
    assert "Cette page ne vous est pas ouverte" in text
    assert "Vous êtes connecté en tant que Camille Martin" in text
    assert f'href="{ORIGIN}/agents/"' in response.content.decode()
    assert "Revenir à l'accueil des visiteurs" in text


def test_server_error_page_renders_without_the_database(tmp_path):
    """The database really unreachable (nothing listens on port 1): the 500 page still comes, in French."""
    script = (
        "import sys, django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.management import call_command\n"
        "from django.test import Client\n"
        "settings.STATIC_ROOT = sys.argv[1]\n"
        "call_command('collectstatic', interactive=False, verbosity=0)  # as in production\n"
        "response = Client(raise_request_exception=False).get('/', secure=True, HTTP_HOST='mairie.example')\n"
        "print(response.status_code)\n"
        "print(response.content.decode())\n"
    )
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "mairie_mobile.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/mairie_mobile",
        "DEBUG": "0",
        "SECRET_KEY": "une-clef-pour-ce-test-seulement-" * 2,
        "ALLOWED_HOSTS": "mairie.example",
        "EMAIL_URL": "console://",
        "REDIS_URL": "",
        "LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    status, page = result.stdout.split("\n", 1)
    assert status == "500"
    assert "Le site a rencontré un problème" in page
    assert '<a class="site-name" href="/">Mairie mobile</a>' in page
    assert "Server Error" not in page


@pytest.fixture
def stop():
    return StopFactory(slug="nathalie-sarraute", name="Bus – Nathalie Sarraute")


def _token_of(response):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


def _stale_form(agent, other_agent):
    """A pré-accueil form opened by `agent`; on the same browser, a colleague logs out and in."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    token = _token_of(client.get("/agents/arrets/nathalie-sarraute/"))
    client.post("/deconnexion/", {"csrfmiddlewaretoken": token}, HTTP_ORIGIN=ORIGIN)
    login = {"csrfmiddlewaretoken": _token_of(client.get("/connexion/")), "password": PASSWORD}
    client.post("/connexion/", login | {"username": other_agent.username}, HTTP_ORIGIN=ORIGIN)
    assert client.session["_auth_user_id"] == str(other_agent.pk)
    return client, token


def test_a_colleague_logged_in_since_the_form_was_opened(stop, agent, other_agent):
    client, token = _stale_form(agent, other_agent)
    data = pre_accueil(csrfmiddlewaretoken=token, residence="Paris 18e")
    response = client.post(REGISTER, data, HTTP_ORIGIN=ORIGIN)
    text = text_of(response)
    assert response.status_code == 403
    assert "Un autre compte s'est connecté sur cet ordinateur" in text
    assert "C'est maintenant le compte de <strong>Yanis Benali</strong> qui est ouvert." in text
    assert not Visit.objects.exists()
    # What was typed is kept in the page, with a fresh token, for the person to send knowingly.
    resend = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', response.content.decode()))
    assert resend["residence"] == "Paris 18e"
    assert resend["csrfmiddlewaretoken"] != token
    client.post(REGISTER, resend, HTTP_ORIGIN=ORIGIN)
    visit = Visit.objects.get()
    assert (visit.registered_by, visit.residence) == (other_agent, "Paris 18e")


def test_a_forged_form_from_elsewhere_is_not_offered_again(stop, agent, other_agent):
    client, token = _stale_form(agent, other_agent)
    response = client.post(REGISTER, pre_accueil(csrfmiddlewaretoken=token))  # no Origin: not one of our pages
    assert response.status_code == 403
    assert "Ce formulaire a été refusé" in text_of(response)
    assert 'type="hidden" name="reason_1"' not in response.content.decode()


def test_a_password_is_never_written_back(agent, other_agent, stop):
    client, token = _stale_form(agent, other_agent)
    data = {"csrfmiddlewaretoken": token, "username": "camille", "password": "secret-qui-ne-revient-pas"}
    response = client.post("/connexion/", data, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 403
    assert "secret-qui-ne-revient-pas" not in response.content.decode()
    assert "Revenez à la page, rechargez-la" in text_of(response)


def test_logged_out_since_the_form_was_opened(stop, agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    token = _token_of(client.get("/agents/arrets/nathalie-sarraute/"))
    client.cookies.pop("csrftoken")
    client.logout()
    response = client.post(REGISTER, pre_accueil(csrfmiddlewaretoken=token), HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 403
    assert "Plus personne n'est connecté sur cet ordinateur" in text_of(response)
