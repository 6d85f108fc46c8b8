"""Hostile values in every URL of the project, for every kind of person: a clear 4xx, never a 5xx.

Each path parameter of each URL pattern gets in turn a NUL, a day and a month far in the future, 0,
-1, ten thousand characters and non-ASCII text, by GET and by POST, as each kind of person
who may open it. The query parameters the pages read get them too, one at a time (the
others valid), the dates together, then all at once, as the first kind of person who may
open the page.
"""

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from tests.factories import StopFactory, VisitFactory
from tests.test_permissions import area_of
from tests.urlwalk import every_route, url_of

pytestmark = pytest.mark.django_db

HOSTILE = ["\x00", "9999-12-31", "9999-12", "0", "-1", "a" * 10_000, "é漢字 🚌"]
# The query parameters the pages read, each with a valid value.
QUERY = {
    "start": "2025-03-01",
    "end": "2025-03-31",
    "month": "2025-03",
    "stop": "nathalie-sarraute",
    "period": "last-month",
    "partner": "caf",
    "q": "sarraute",
    "page": "1",
    "version": "0",
    "next": "/",
}
DATES = ("start", "end", "month")
# The admin's own, read by its lists (Django's code: a few are enough).
ADMIN_QUERY = {"q": "sarraute", "o": "1", "p": "1"}
# Who may open what; the first one of an area also gets the hostile query parameters.
AREAS = {
    "anonymous": ["public", "account", "agent", "coordinator", "admin"],
    "agent": ["agent", "public", "account"],
    "coordinator": ["coordinator", "public", "account", "agent"],
    "administrator": ["admin", "public", "account", "agent", "coordinator"],
}
FIRST = {
    "public": "anonymous",
    "account": "agent",
    "agent": "agent",
    "coordinator": "coordinator",
    "admin": "administrator",
}


@pytest.fixture
def people(agent, coordinator):
    return {
        "anonymous": None,
        "agent": agent,
        "coordinator": coordinator,
        "administrator": User.objects.create_superuser("admin", "admin@example.org", "un-mot-de-passe-solide"),
    }


def path_requests(prefix, pattern, kwargs):
    """(method, url, data) with each path parameter made hostile in turn."""
    for name in kwargs:
        for hostile in HOSTILE:
            url = url_of(prefix, pattern, kwargs | {name: hostile})
            yield "get", url, {}
            yield "post", url, {}


def query_requests(url, query):
    """(method, url, data) with each query parameter made hostile in turn (the others valid),
    the dates together, then all at once by GET and in a form by POST."""
    for hostile in HOSTILE:
        for name in query:
            yield "get", url, query | {name: hostile}
        yield "get", url, query | {name: hostile for name in DATES if name in query}
        yield "get", url, dict.fromkeys(query, hostile)
        yield "post", url, dict.fromkeys(query, hostile)


def test_no_hostile_value_anywhere_gives_a_server_error(people):
    stop = StopFactory(slug="nathalie-sarraute")
    routes = every_route(stop, VisitFactory(stop=stop))
    failures = []
    for who, user in people.items():
        client = Client(raise_request_exception=False)
        if user:
            client.force_login(user)
        for name, namespace, prefix, pattern, kwargs in routes:
            area = area_of(name, namespace)
            if area not in AREAS[who]:
                continue
            requests = list(path_requests(prefix, pattern, kwargs))
            if FIRST[area] == who:
                if area != "admin":
                    requests += query_requests(url_of(prefix, pattern, kwargs), QUERY)
                elif name.endswith("_changelist"):
                    requests += query_requests(url_of(prefix, pattern, kwargs), ADMIN_QUERY)
            for method, url, data in requests:
                status = getattr(client, method)(url, data).status_code
                # /healthz says 503 when no Celery worker is running, as here.
                if status >= 500 and (name, status) != ("healthz", 503):
                    failures.append(
                        (who, method, name, url[:80], {k: v[:20] for k, v in data.items() if v != QUERY.get(k)})
                    )
    assert not failures, "\n".join(map(repr, failures[:80])) + f"\n({len(failures)} in all)"


# The cases seen in the field, each with the answer a person gets.


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("action", ["confirmer", "desabonner"])
def test_a_nul_in_a_link_of_a_mail_is_a_clear_400(client, method, action):
    response = getattr(client, method)(f"/abonnement/{action}/%00/")
    assert response.status_code == 400
    assert "Cette adresse contient un caractère invisible non permis" in response.content.decode()
    assert "Voir les horaires et les arrêts" in response.content.decode()  # a way on


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "start=9999-12-31&end=9999-12-31",
            "Le paramètre « start » doit être une date entre 2000-01-01 et 2100-12-31.",
        ),
        ("start=2025-03-01&end=2025-03-31&stop=%00", "Cette adresse contient un caractère invisible non permis"),
    ],
)
def test_the_api_answers_hostile_parameters_in_french_json(client, tuesday_bus, query, message):
    response = client.get(f"/api/v1/openings?{query}")
    assert response.status_code == 400
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/coordination/statistiques/?start=9999-12-30&end=9999-12-31",
        "/coordination/statistiques/export.csv?start=9999-12-30&end=9999-12-31",
        "/coordination/statistiques/export.xlsx?start=1000-01-01&end=1000-01-02",
        "/coordination/statistiques/france-services.csv?month=9999-12",
    ],
)
def test_statistics_of_impossible_dates_are_refused(coordination, url):
    response = coordination.get(url)
    assert response.status_code == 400
    assert "entre 2000 et 2100" in response.content.decode()


def test_cancelling_a_day_centuries_ahead_is_refused(coordination, tuesday_bus):
    response = coordination.get("/coordination/arrets/nathalie-sarraute/annuler/9999-12-31/", follow=True)
    assert "Il n&#x27;y a plus d&#x27;ouverture à venir ce jour-là : rien à annuler." in response.content.decode()


def test_a_closure_centuries_ahead_is_refused_next_to_its_field(coordination, tuesday_bus):
    data = {"first_day": "9999-12-31", "last_day": "", "reason": "Bus en panne"}
    response = coordination.post("/coordination/arrets/nathalie-sarraute/fermetures/nouvelle/", data)
    assert response.status_code == 400
    assert "Choisissez une date entre 2000 et 2100." in response.content.decode()


def test_an_unknown_step_of_a_visit_is_404(logged_in, tuesday_bus):
    visit = VisitFactory(stop=tuesday_bus)
    assert logged_in.post(f"/agents/passages/{visit.pk}/vers/nope/").status_code == 404
    assert logged_in.post(f"/agents/passages/{visit.pk}/vers/parti/").status_code == 302


def test_counting_the_activity_since_an_impossible_day_is_refused():
    with pytest.raises(CommandError, match="entre 2000 et 2100"):
        call_command("summarize_activity", since="0001-01-01")


@pytest.mark.parametrize("cookie", ["\x00" * 8, "a" * 10_000, "é" * 32])
def test_a_forged_session_cookie_starts_a_new_session(client, tuesday_bus, cookie):
    client.cookies["sessionid"] = cookie
    assert client.get("/arrets/nathalie-sarraute/").status_code == 200
    assert client.get("/agents/")["Location"].startswith("/connexion/")
