import datetime

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, username="camille", password=PASSWORD):
    return client.post("/connexion/", {"username": username, "password": password})


def test_an_agent_logs_in_and_lands_on_the_intake(client, agent):
    response = log_in(client)
    assert response.status_code == 302
    assert response["Location"] == "/agents/"


def test_a_wrong_password_is_refused_in_french(client, agent):
    response = log_in(client, password="mauvais")
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


def test_repeated_failures_lock_the_account_until_the_cool_off(client, agent):
    for _ in range(5):
        log_in(client, password="mauvais")
    locked = log_in(client)  # even the right password
    assert locked.status_code == 429
    assert "Connexion bloquée pour un moment" in locked.content.decode()
    assert "pendant 15 minutes" in locked.content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert log_in(client).status_code == 302


def test_a_lockout_is_per_account(client, agent, other_agent):
    for _ in range(5):
        log_in(client, password="mauvais")
    assert log_in(client, username="yanis").status_code == 302


@pytest.mark.parametrize("password", ["court", "onze-lettre", "123456789012", "password1234"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_password_is_accepted():
    validate_password("Le bus passe mardi 9h30")


def test_the_session_ends_after_an_hour_of_inactivity(client, agent):
    log_in(client)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=59)):
        assert client.get("/agents/").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=121)):
        response = client.get("/agents/", follow=True)
    assert response.redirect_chain[0][0] == "/connexion/?next=/agents/"
    assert "après une période d&#x27;inactivité" in response.content.decode()


def test_a_session_in_steady_use_ends_twelve_hours_after_logging_in(client, agent):
    log_in(client)
    start = timezone.now()
    for minutes in range(30, 12 * 60, 30):  # a click every half hour, all day
        with time_machine.travel(start + datetime.timedelta(minutes=minutes)):
            assert client.get("/agents/").status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=12, minutes=1)):
        response = client.get("/agents/", follow=True)
    assert response.redirect_chain[0][0] == "/connexion/?next=/agents/"
    assert "Par sécurité, une session dure 12 heures au plus" in response.content.decode()


def test_the_queue_refreshing_itself_is_not_activity(client, agent, tuesday_bus):
    log_in(client)
    start = timezone.now()
    for minutes in (20, 40, 55):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes)):
            refresh = client.get("/agents/arrets/nathalie-sarraute/file/", headers={"X-Automatic-Refresh": "1"})
            assert refresh.status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=65)):
        response = client.get(
            "/agents/arrets/nathalie-sarraute/file/", headers={"X-Automatic-Refresh": "1", "HX-Request": "true"}
        )
    # htmx is told to take the whole page to the login form.
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/connexion/")


def test_logging_out(client, agent):
    log_in(client)
    client.post("/deconnexion/")
    assert client.get("/agents/")["Location"].startswith("/connexion/")
