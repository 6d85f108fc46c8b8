"""Every page of the site, as each kind of person sees it, checked by axe-core (WCAG 2.1 A and AA)."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.test import Client

from organisations.models import Membership
from partners.models import OrientationTarget, Partner, Procedure, Reason
from stops.models import Closure, ExtraOpening
from tests.conftest import transactional
from tests.e2e.conftest import WCAG_21_AA, log_in, new_page
from tests.factories import PartnerFactory, UserFactory, VisitFactory, WeeklySlotFactory
from tests.urlwalk import every_url
from visits import intake
from visits.models import Feedback

pytestmark = transactional


@pytest.fixture
def a_morning(tuesday_bus, agent):
    """A stop with a closure, an extra opening, another slot, visits at every step of the intake, and
    one left in progress the day before."""
    today = datetime.date.today()
    WeeklySlotFactory(stop=tuesday_bus, weekday=(today + datetime.timedelta(days=1)).weekday())
    in_20_days, in_40_days = today + datetime.timedelta(days=20), today + datetime.timedelta(days=40)
    Closure.objects.create(stop=tuesday_bus, first_day=in_20_days, last_day=in_20_days, reason="Travaux")
    Closure.objects.create(stop=None, first_day=in_40_days, last_day=in_40_days, reason="Fermeture de fin d'année")
    ExtraOpening.objects.create(
        stop=tuesday_bus,
        date=today + datetime.timedelta(days=9),
        start=datetime.time(10),
        end=datetime.time(12),
        reason="Forum des associations",
    )
    caf = Reason.of(Partner.objects.get(code="caf"))
    waiting = intake.register(tuesday_bus, agent, [caf])
    in_deblayage = intake.start_deblayage(intake.register(tuesday_bus, agent, [caf]), agent)
    in_accompagnement = intake.start_accompagnement(intake.register(tuesday_bus, agent, [caf]), agent)
    done = intake.start_accompagnement(intake.register(tuesday_bus, agent, [caf]), agent)
    done = intake.finish_accompagnement(done, agent, [(None, caf, "resolved")], minutes=15)
    # Left in progress yesterday: listed under the queue.
    VisitFactory(stop=tuesday_bus, ticket=1, service_day=today - datetime.timedelta(days=1))
    # The organisation's own partner, with a procedure, and its own orientation target.
    organisation = tuesday_bus.organisation
    ccas = PartnerFactory(organisation=organisation, short_name="CCAS")
    Procedure.objects.create(partner=ccas, label="Aide facultative", organisation=organisation)
    OrientationTarget.objects.create(name="Maison des solidarités", organisation=organisation)
    # Visitors' comments, one to handle and one handled.
    opinion = Feedback.objects.create(stop=tuesday_bus, service_day=today, source="ticket", mood="bad", comment="Long")
    Feedback.objects.create(
        stop=tuesday_bus,
        service_day=today,
        source="ticket",
        mood="good",
        comment="Merci",
        handled_at=done.ended_at,
        handled_by=agent,
        handled_note="Dit à l'équipe",
    )
    return {
        "opinion": opinion,
        "stop": tuesday_bus,
        "waiting": waiting,
        "deblayage": in_deblayage,
        "accompagnement": in_accompagnement,
        "done": done,
    }


def pages_of(user, urls):
    """The URLs that answer this person with an HTML page (downloads, fragments that htmx swaps into
    a page, redirects and refusals left out)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    found = []
    for url in urls:
        response = client.get(url)
        html = response["Content-Type"].startswith("text/html")
        if response.status_code == 200 and html and b"<html" in response.content:
            found.append(url)
    return found


def staff_urls(morning):
    stop = morning["stop"]
    base = f"/coordination/arrets/{stop.slug}/"
    slot, closure, extra = stop.slots.first(), stop.closures.first(), stop.extra_openings.first()
    everywhere = Closure.objects.get(stop=None)
    partner, procedure = Partner.objects.get(code="paris-ccas"), Procedure.objects.get(label="Aide facultative")
    target = OrientationTarget.objects.get(name="Maison des solidarités")
    urls = {url for _name, _namespace, url in every_url(stop, morning["waiting"])}
    return sorted(
        urls
        | {
            f"/agents/passages/{morning['deblayage'].pk}/deblayage/",
            f"/agents/passages/{morning['accompagnement'].pk}/accompagnement/",
            f"/agents/passages/{morning['accompagnement'].pk}/reprendre/",  # a page for the coordinator
            f"/agents/passages/{morning['done'].pk}/corriger/",
            f"{base}creneaux/{slot.pk}/",
            f"{base}creneaux/{slot.pk}/supprimer/",
            f"{base}fermetures/{closure.pk}/",
            f"{base}fermetures/{closure.pk}/supprimer/",
            f"{base}ouvertures/{extra.pk}/",
            f"{base}ouvertures/{extra.pk}/supprimer/",
            f"/coordination/fermetures/{everywhere.pk}/",
            f"/coordination/fermetures/{everywhere.pk}/supprimer/",
            f"/coordination/equipe/membres/{Membership.objects.get(user=morning['waiting'].registered_by).pk}/retirer/",
            f"/coordination/partenaires/{partner.pk}/",
            f"/coordination/partenaires/{partner.pk}/demarches/nouvelle/",
            f"/coordination/partenaires/demarches/{procedure.pk}/",
            f"/coordination/partenaires/lieux-d-orientation/{target.pk}/",
            f"/admin/stops/stop/{stop.pk}/change/",
            f"/admin/visits/visit/{morning['done'].pk}/change/",
            "/coordination/avis/?etat=traites",
            f"/admin/visits/feedback/{morning['opinion'].pk}/change/",
        }
    )


def test_every_page_for_every_role_has_no_wcag_violation(browser, live_server, a_morning, agent, coordinator):
    from axe_playwright_python.sync_playwright import Axe

    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    urls = staff_urls(a_morning)
    axe, checked, violations, too_wide = Axe(), set(), [], []
    for user in (None, agent, coordinator, admin):
        context, page = new_page(browser, 1280, 800)
        if user is not None:
            log_in(page, live_server.url + "/connexion/", user.username)
            page.wait_for_load_state()
        for url in pages_of(user, urls):
            page.goto(live_server.url + url)
            for details in page.locator("details").all():
                details.evaluate("element => element.open = true")
            results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
            checked.add((user and user.username, urlsplit(page.url).path))
            if results.violations_count:
                violations.append(f"{url} ({user and user.username}):\n{results.generate_report()}")
            # On a 360 px phone, nothing sticks out sideways (wide tables scroll in their own box).
            page.set_viewport_size({"width": 360, "height": 740})
            if not urlsplit(page.url).path.startswith("/admin/"):
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > 360:
                    too_wide.append(f"{url} ({user and user.username}): {width} px")
            page.set_viewport_size({"width": 1280, "height": 800})
        context.close()
    assert not violations, "\n".join(violations)
    assert not too_wide, "\n".join(too_wide)
    roles = {role for role, _path in checked}
    assert roles == {None, "camille", "nadia", "admin"}
    assert len(checked) > 60


def test_every_public_page_in_every_other_language_has_no_wcag_violation_and_fits_a_phone(
    browser, live_server, a_morning
):
    """French is walked above with every role; here each public page once in each other language,
    Arabic right to left: axe, then the 360 px phone."""
    from axe_playwright_python.sync_playwright import Axe

    staff = ("/agents/", "/coordination/", "/admin/", "/connexion/", "/invitation/", "/api/")
    public = [url for url in pages_of(None, staff_urls(a_morning)) if not url.startswith(staff)]
    axe, violations, too_wide, checked = Axe(), [], [], 0
    context, page = new_page(browser, 360, 740)
    for language in ("en", "ar", "zh-hans"):
        for url in public:
            page.goto(f"{live_server.url}/{language}{url}")
            assert page.locator("html").get_attribute("lang") == language, url
            results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
            if results.violations_count:
                violations.append(f"/{language}{url}:\n{results.generate_report()}")
            if (width := page.evaluate("document.documentElement.scrollWidth")) > 360:
                too_wide.append(f"/{language}{url}: {width} px")
            checked += 1
    context.close()
    assert not violations, "\n".join(violations)
    assert not too_wide, "\n".join(too_wide)
    assert checked >= 3 * 10
