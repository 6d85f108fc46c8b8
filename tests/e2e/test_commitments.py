"""The published commitments, as a resident reads them on a phone, and as a coordinator chooses them."""

import datetime

import pytest
from playwright.sync_api import expect

from stops.schedule import PARIS
from tests.conftest import transactional
from tests.e2e.conftest import assert_accessible, assert_fits, log_in, new_page
from tests.factories import OrganisationFactory, StopFactory, VisitFactory, WeeklySlotFactory, coordinator_user
from visits import stats
from visits.models import Commitment, Feedback, Mood, Status

pytestmark = transactional


@pytest.fixture
def a_year(db):
    """Paris's four commitments, and visits and opinions on the Tuesdays of the last months."""
    paris = OrganisationFactory()
    for position, kind in enumerate(Commitment.Kind.values):
        Commitment.objects.create(organisation=paris, kind=kind, position=position, text="Précision publiée.")
    stop = StopFactory(name="Esplanade Nathalie Sarraute")
    WeeklySlotFactory(stop=stop, weekday=1)
    today = datetime.date.today()
    day = today - datetime.timedelta(days=today.weekday() - 1 + 7 * 20)
    while day < today:
        for n in range(3):
            arrived = datetime.datetime.combine(day, datetime.time(10, 10 * n), tzinfo=PARIS)
            VisitFactory(
                stop=stop,
                service_day=day,
                status=Status.DONE,
                arrived_at=arrived,
                accompagnement_started_at=arrived + datetime.timedelta(minutes=5 + 10 * n),
                ended_at=arrived + datetime.timedelta(minutes=40),
            )
            Feedback.objects.create(stop=stop, service_day=day, source="kiosk", mood=[Mood.GOOD, Mood.AVERAGE][n % 2])
        stats.keep_day(day)
        day += datetime.timedelta(days=7)
    Feedback.objects.create(
        stop=stop,
        service_day=today - datetime.timedelta(days=30),
        source="ticket",
        mood=Mood.BAD,
        comment="Il faisait froid.",
        handled_note="Le bus est chauffé dès 9 h.",
        handled_at=datetime.datetime.now(tz=PARIS),
        note_published=True,
    )
    return paris


def test_a_resident_reads_the_commitments_on_a_phone(live_server, phone, a_year):
    phone.goto(f"{live_server.url}/arrets/{a_year.stops.get().slug}/")
    phone.get_by_role("link", name="Les engagements de service de Mairie mobile – Ville de Paris").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Nos engagements de service")
    for name in ("Accueil rapide", "Horaires fiables", "Réponse sur place", "Satisfaction"):
        expect(phone.get_by_role("heading", name=name)).to_be_visible()
    expect(phone.get_by_text("Le bus est chauffé dès 9 h.")).to_be_visible()
    expect(phone.get_by_text("Il faisait froid.")).to_have_count(0)
    phone.get_by_text("Tableau : Accueil rapide, mois par mois").click()
    assert_fits(phone)
    assert_accessible(phone)
    phone.screenshot(path="/tmp/commitments-phone.png", full_page=True)


def test_a_coordinator_chooses_a_commitment(live_server, browser, a_year):
    coordinator_user("nadia", organisation=a_year)
    context, page = new_page(browser, 1280, 900)
    log_in(page, f"{live_server.url}/coordination/engagements/", "nadia")
    assert_accessible(page)

    accueil = page.get_by_role("group", name="Accueil rapide")
    accueil.get_by_label("reçu en moins de (minutes)").fill("15")
    page.get_by_role("group", name="Satisfaction").get_by_label("Nous prenons cet engagement").uncheck()
    page.get_by_role("button", name="Enregistrer et publier").click()

    expect(page.get_by_text("Engagements enregistrés")).to_be_visible()
    assert Commitment.objects.get(kind="quick_welcome").minutes == 15
    assert not Commitment.objects.filter(kind="satisfaction").exists()
    context.close()
