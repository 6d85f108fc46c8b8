"""Every URL of the project, visited by each kind of person.

A new URL must be classified here; a staff view that forgets its permission check
answers anonymous visitors, and this test fails.
"""

import datetime

import pytest

from partners.models import OrientationTarget, Procedure
from stops.models import Closure
from tests.factories import (
    ClosureFactory,
    ExtraOpeningFactory,
    InvitationFactory,
    OrganisationFactory,
    PartnerFactory,
    StopFactory,
    VisitFactory,
    WeeklySlotFactory,
    agent_user,
    coordinator_user,
)
from tests.urlwalk import every_route, every_url, url_of
from visits.models import Feedback

pytestmark = pytest.mark.django_db

PUBLIC = {
    "stops:timetable",
    "stops:calendar",
    "stops:stop",
    "stops:stop_poster",
    "stops:stop_easy_read",
    "stops:easy_read",
    "stops:short_link",
    "stops:stop_calendar",
    "stops:stop_status",
    "tickets:ticket",
    "tickets:ticket_state",
    "tickets:ticket_alert",
    "tickets:ticket_feedback",
    "stops:organisation",
    "stops:organisation_calendar",
    "stops:opendata",
    "stops:opendata_mediation_csv",
    "stops:opendata_mediation_json",
    "stops:opendata_structures",
    "stops:opendata_services",
    "stops:opendata_geojson",
    "quality:service",
    "quality:organisation",
    "stops:subscribe",
    "stops:confirm",
    "stops:unsubscribe",
    "stops:confirm_sms",
    "stops:leave_sms_number",
    "stops:sms_leave",
    "organisations:invitation",
    "login",
    "logout",
    "admin_login",
    "api_docs",
    "admin:login",
    "admin:logout",
    "accessibility",
    "personal_data",
    "choose_language",
    "healthz",
    "favicon",
    "manifest",
}
# Pages of one's own account: logging in is enough.
ACCOUNT = {"two_factor_verify", "two_factor_setup"}
PUBLIC_NAMESPACES = {"api"}  # the public API: schedule data and monthly quality figures only (checked below)
AGENT_NAMESPACES = {"agents"}
COORDINATOR_NAMESPACES = {"coordination", "stats", "team", "partners", "commitments", "feedback"}
ADMIN_NAMESPACES = {"admin"}
PUBLIC_API_PATHS = {
    "/api/v1/organisations",
    "/api/v1/stops",
    "/api/v1/openings",
    "/api/v1/stops/{slug}/status",
    "/api/v1/organisations/{slug}/quality",
}


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
        "agents:bus_breakdown",
        "agents:ticket_slip",
        "agents:kiosk",
        "agents:offline_action",
        "agents:offline_letter",
        "agents:service_worker",
        "feedback:comments",
        "feedback:handle",
        "stats:statistics",
        "stats:export",
        "admin:index",
    } <= names


def test_the_api_serves_schedule_data_only(client):
    paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    assert paths == PUBLIC_API_PATHS


# Isolation between organisations -------------------------------------------------------

ELSEWHERE = "Arrêt de Libercourt"
ELSEWHERE_TEAM = "equipe-de-libercourt"  # a member's username, and in an address invited there
# Its own partner and orientation target, as lists and forms name them.
ELSEWHERE_PARTNER = "CCAS Libercourt"
ELSEWHERE_TARGET = "Maison France services de Libercourt"
# The visit's id, far above those of the partners, procedures and orientation targets the migrations seed.
ELSEWHERE_PK = 10**6


@pytest.fixture
def elsewhere():
    """Another organisation, with a stop, a visit of today and each kind of row a staff URL names,
    so that every URL of the walk names a real object of it: with the visit's id, or where more
    rows of its table are created (by the fixture or the tests), with its own id, by URL name in `named`."""
    pimms = OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62")
    stop = StopFactory(slug="libercourt-mairie", name=ELSEWHERE, organisation=pimms, postcode="62820")
    visit = VisitFactory(pk=ELSEWHERE_PK, stop=stop)
    WeeklySlotFactory(pk=visit.pk, stop=stop)
    closure = ClosureFactory(stop=stop, first_day=datetime.date(2030, 1, 2))
    ExtraOpeningFactory(pk=visit.pk, stop=stop, date=datetime.date(2030, 1, 3))
    partner = PartnerFactory(pk=visit.pk, organisation=pimms, short_name=ELSEWHERE_PARTNER)
    Procedure.objects.create(pk=visit.pk, partner=partner, label="Aide facultative", organisation=pimms)
    OrientationTarget.objects.create(pk=visit.pk, name=ELSEWHERE_TARGET, organisation=pimms)
    everywhere = Closure.objects.create(
        organisation=pimms, first_day=datetime.date(2030, 1, 4), last_day=datetime.date(2030, 1, 4), reason="Grève"
    )
    member = agent_user(ELSEWHERE_TEAM, organisation=pimms)
    opinion = Feedback.objects.create(
        stop=stop, service_day=visit.service_day, source="ticket", mood="bad", comment="Trop d'attente"
    )
    invitation = InvitationFactory(organisation=pimms, email=f"{ELSEWHERE_TEAM}-2@example.org")
    named = {
        "coordination:closure_edit": closure.pk,
        "coordination:closure_delete": closure.pk,
        "coordination:closure_everywhere_edit": everywhere.pk,
        "coordination:closure_everywhere_delete": everywhere.pk,
        "team:end_membership": member.memberships.get().pk,
        "team:cancel_invitation": invitation.pk,
        "feedback:handle": opinion.pk,
    }
    return pimms, stop, visit, named


def routes_of(stop, visit, named_pks):
    """The staff URLs naming an object of `stop`'s organisation, and those that list."""
    named, lists = [], []
    for name, namespace, prefix, pattern, kwargs in every_route(stop, visit):
        if area_of(name, namespace) not in ("agent", "coordinator"):
            continue
        if name in named_pks:
            kwargs = {**kwargs, "pk": named_pks[name]}
        (named if kwargs.keys() & {"slug", "pk"} else lists).append(
            (name, area_of(name, namespace), url_of(prefix, pattern, kwargs))
        )
    return named, lists


def test_another_organisations_objects_are_404_for_its_members_and_found_by_its_own(client, elsewhere):
    """Fails when a view reads an object without the organisations' access helpers."""
    pimms, stop, visit, named_pks = elsewhere
    StopFactory(slug="nathalie-sarraute")
    agent, coordinator = agent_user("camille"), coordinator_user("nadia")
    own_coordinator = coordinator_user("ines", organisation=pimms)
    named, _lists = routes_of(stop, visit, named_pks)
    assert len(named) > 15
    for name, area, url in named:
        client.force_login(own_coordinator)
        assert client.get(url).status_code != 404, (
            name,
            url,
            "the object exists: its organisation's coordinator finds it",
        )
        client.force_login(coordinator)
        assert client.get(url).status_code in (404, 405), (name, url)  # 405: a form's target, POST only
        assert client.post(url).status_code == 404, (name, url, "POST")
        client.force_login(agent)
        assert client.get(url).status_code in ((404, 405) if area == "agent" else (403,)), (name, url)


def test_lists_exports_and_counts_show_nothing_of_another_organisation(client, elsewhere):
    pimms, stop, visit, named_pks = elsewhere
    StopFactory(slug="nathalie-sarraute", name="Esplanade Nathalie Sarraute")
    own_coordinator = coordinator_user("ines", organisation=pimms)
    _named, lists = routes_of(stop, visit, named_pks)
    assert {
        "agents:home",
        "agents:my_visits",
        "coordination:home",
        "stats:statistics",
        "stats:export",
        "team:home",
        "partners:home",
    } <= {name for name, _area, _url in lists}
    # What its own coordinator sees of it on each list (the stop's name, unless said here).
    seen_there = {"partners:home": ELSEWHERE_PARTNER, "coordination:stop_new": ELSEWHERE_PARTNER}
    forms = ("coordination:closure_everywhere_new", "partners:partner_new", "partners:target_new")
    # The outbox's endpoint and the service worker's script list nothing.
    offline = ("agents:offline_action", "agents:service_worker")
    for name, _area, url in lists:
        if name == "stats:france_services":
            continue  # counts, not names: below
        mark = ELSEWHERE_TEAM if name.startswith("team:") else seen_there.get(name, ELSEWHERE)
        client.force_login(own_coordinator)
        seen = client.get(url).content.decode()
        # The commitments' home leads to one's organisation's page: it lists nothing of the stops.
        if name not in ("agents:my_visits", "commitments:home", *forms, *offline):
            assert mark in seen, (name, "its own coordinator sees it")
        if name == "team:home":
            assert f"(identifiant {ELSEWHERE_TEAM})" in seen, "its member"
            assert f"<strong>{ELSEWHERE_TEAM}-2@example.org</strong>" in seen, "its invitation"
        for user in (agent_user("camille"), coordinator_user("nadia")):
            client.force_login(user)
            page = client.get(url).content.decode()
            for what in (ELSEWHERE, ELSEWHERE_TEAM, ELSEWHERE_PARTNER, ELSEWHERE_TARGET):
                assert what not in page, (name, user, what)


def test_the_france_services_report_counts_the_demands_of_ones_own_organisation(client, elsewhere):
    pimms, _stop, _visit, _named_pks = elsewhere
    month = f"/coordination/statistiques/france-services.csv?month={datetime.date.today():%Y-%m}"

    def counts(user):
        client.force_login(user)
        rows = client.get(month).content.decode().splitlines()
        return [row.rsplit(";", 1)[-1] for row in rows if row.startswith("Caisse d'allocations familiales")]

    assert counts(coordinator_user("ines", organisation=pimms)) == ["1"]
    assert counts(coordinator_user("nadia")) == ["0"]
