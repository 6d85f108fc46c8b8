"""Every URL of the project, visited by each kind of person.

A new URL must be classified here; a staff view that forgets its permission check
answers anonymous visitors, and this test fails.
"""

import datetime
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import StopFactory, VisitFactory

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
    "admin:login",
    "admin:logout",
}
PUBLIC_NAMESPACES = {"api"}  # the public API: schedule data only (checked below)
AGENT_NAMESPACES = {"visits"}
COORDINATOR_NAMESPACES = {"coordination", "stats"}
ADMIN_NAMESPACES = {"admin"}
PUBLIC_API_PATHS = {"/api/v1/stops", "/api/v1/openings"}


def all_patterns(patterns=None, namespace="", prefix="/"):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from all_patterns(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield namespace, prefix, pattern


def parameters(pattern):
    route = pattern.pattern
    return list(getattr(route, "converters", {})) or list(route.regex.groupindex)


@pytest.fixture
def urls():
    stop = StopFactory(slug="nathalie-sarraute")
    visit = VisitFactory(stop=stop)
    values = {
        "slug": stop.slug,
        "pk": visit.pk,
        "step": "parti",
        "object_id": str(visit.pk),
        "id": str(visit.pk),
        "app_label": "visits",
        "content_type_id": "1",
        "url": "inexistant/",
        "token": "jeton-inconnu",
        "fmt": "csv",
        "day": (datetime.date.today() + datetime.timedelta(days=1)).isoformat(),
    }
    found = []
    for namespace, prefix, pattern in all_patterns():
        kwargs = {parameter: values[parameter] for parameter in parameters(pattern)}
        if pattern.name:
            name = f"{namespace}:{pattern.name}".strip(":")
            url = reverse(name, kwargs=kwargs)
        else:  # the admin's redirects: rebuilt from the route
            name = f"{namespace}:{pattern.pattern}"
            url = prefix + re.sub(r"<(?:\w+:)?(\w+)>", lambda m, kw=kwargs: str(kw[m[1]]), str(pattern.pattern))
        found.append((name, namespace.split(":")[0], url))
    return found


def area_of(name, namespace):
    if name in PUBLIC or namespace in PUBLIC_NAMESPACES:
        return "public"
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
        assert anonymous.status_code < 500, (name, url, anonymous.status_code)
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
        "visits:home",
        "visits:queue",
        "visits:accompagnement",
        "visits:correct",
        "coordination:home",
        "coordination:cancel_opening",
        "stats:statistics",
        "stats:export",
        "admin:index",
    } <= names


def test_the_api_serves_schedule_data_only(client):
    paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    assert paths == PUBLIC_API_PATHS
