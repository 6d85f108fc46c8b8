"""Every URL of the project, visited by each kind of person.

A new URL must be classified here; a staff view that forgets its permission check
answers anonymous visitors, and this test fails.
"""

import pytest

from tests.factories import StopFactory, VisitFactory
from tests.urlwalk import every_url

pytestmark = pytest.mark.django_db

PUBLIC = {
    "stops:timetable",
    "stops:calendar",
    "stops:stop",
    "stops:stop_calendar",
    "stops:subscribe",
    "stops:confirm",
    "stops:unsubscribe",
    "login",
    "logout",
    "admin_login",
    "api_docs",
    "admin:login",
    "admin:logout",
    "accessibility",
    "personal_data",
    "healthz",
    "favicon",
    "manifest",
}
# Pages of one's own account: logging in is enough.
ACCOUNT = {"two_factor_verify", "two_factor_setup"}
PUBLIC_NAMESPACES = {"api"}  # the public API: schedule data only (checked below)
AGENT_NAMESPACES = {"agents"}
COORDINATOR_NAMESPACES = {"coordination", "stats"}
ADMIN_NAMESPACES = {"admin"}
PUBLIC_API_PATHS = {"/api/v1/stops", "/api/v1/openings"}


@pytest.fixture
def urls():
    stop = StopFactory(slug="nathalie-sarraute")
    return every_url(stop, VisitFactory(stop=stop))


def area_of(name, namespace):
    if name in PUBLIC or namespace in PUBLIC_NAMESPACES:
        return "public"
    if name in ACCOUNT:
        return "account"
    for area, namespaces in (
        ("agent", AGENT_NAMESPACES),
        ("coordinator", COORDINATOR_NAMESPACES),
        ("admin", ADMIN_NAMESPACES),
    ):
        if namespace in namespaces:
            return area
    raise AssertionError(f"{name} is in no area: classify it in tests/test_permissions.py")


def is_login_redirect(response, login="/connexion/"):
    return response.status_code == 302 and response["Location"].startswith(login)


def test_every_url_is_guarded(client, urls, agent, coordinator, resident):
    for name, namespace, url in urls:
        area = area_of(name, namespace)
        client.logout()
        anonymous = client.get(url)
        # /healthz says 503 when no Celery worker is running, as here.
        assert anonymous.status_code < 500 or (name, anonymous.status_code) == ("healthz", 503), (name, url)
        if area == "public":
            assert not is_login_redirect(anonymous), name
            continue
        if area == "admin":
            for user in (None, resident, agent):
                client.logout()
                if user:
                    client.force_login(user)
                assert is_login_redirect(client.get(url), "/admin/login/"), (name, user)
            continue
        assert is_login_redirect(anonymous), (name, url, anonymous.status_code)
        assert is_login_redirect(client.post(url)), (name, "POST")
        if area == "account":
            continue

        client.force_login(resident)
        assert client.get(url).status_code == 403, (name, "someone without a role")
        client.force_login(agent)
        as_agent = client.get(url).status_code
        client.force_login(coordinator)
        as_coordinator = client.get(url).status_code
        if area == "agent":
            assert as_agent in (200, 204, 302, 400, 404, 405), (name, as_agent)
            assert as_coordinator in (200, 204, 302, 400, 404, 405), (name, as_coordinator)
        else:
            assert as_agent == 403, (name, "agents do not reach /coordination/")
            assert as_coordinator in (200, 204, 302, 400, 404, 405), (name, as_coordinator)


def test_the_walk_covers_the_staff_pages(urls):
    names = {name for name, _namespace, _url in urls}
    assert {
        "agents:home",
        "agents:queue",
        "agents:accompagnement",
        "agents:correct",
        "coordination:home",
        "coordination:cancel_opening",
        "stats:statistics",
        "stats:export",
        "admin:index",
    } <= names


def test_the_api_serves_schedule_data_only(client):
    paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    assert paths == PUBLIC_API_PATHS
