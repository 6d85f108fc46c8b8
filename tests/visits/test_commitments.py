"""The service commitments: chosen by a coordinator, published with their results (visits.quality
measures them; tests/visits/test_quality.py checks the figures)."""

import datetime
import re

import pytest
import time_machine

from mairie_mobile.models import AuditEvent
from stops.schedule import PARIS
from tests.conftest import text_of
from tests.factories import OrganisationFactory, StopFactory, VisitFactory, WeeklySlotFactory
from visits import stats
from visits.models import Commitment, Feedback, Mood, Status

pytestmark = pytest.mark.django_db

FORM = {
    "quick_welcome-chosen": "on",
    "quick_welcome-minutes": "15",
    "quick_welcome-target": "90",
    "quick_welcome-text": "Une chaise pour chacun pendant l'attente.",
    "reliable_hours-notice_hours": "48",
    "reliable_hours-target": "80",
    "answer_on_site-chosen": "on",
    "answer_on_site-target": "70",
    "satisfaction-target": "80",
}


@pytest.fixture
def mid_april():
    with time_machine.travel(datetime.datetime(2025, 4, 15, 12, tzinfo=PARIS), tick=False):
        yield


def test_a_coordinator_chooses_the_commitments_of_their_organisation(coordination, coordinator):
    response = coordination.get("/coordination/engagements/")
    assert response.status_code == 302
    assert response["Location"] == "/coordination/engagements/paris/"

    response = coordination.post("/coordination/engagements/paris/", FORM, follow=True)

    assert "Engagements enregistrés" in text_of(response)
    chosen = {c.kind: c for c in Commitment.objects.filter(organisation__slug="paris")}
    assert set(chosen) == {"quick_welcome", "answer_on_site"}
    assert (chosen["quick_welcome"].minutes, chosen["quick_welcome"].target) == (15, 90)
    assert chosen["quick_welcome"].text == "Une chaise pour chacun pendant l'attente."
    assert AuditEvent.objects.get(action="commitments_edit").organisation == "paris"

    # Unticked, a commitment ends; the others keep their values.
    coordination.post("/coordination/engagements/paris/", FORM | {"answer_on_site-chosen": ""})
    assert list(Commitment.objects.values_list("kind", "minutes")) == [("quick_welcome", 15)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quick_welcome-target", "0"),
        ("quick_welcome-target", "150"),
        ("quick_welcome-minutes", "moins de vingt"),
        ("quick_welcome-minutes", ""),
    ],
)
def test_a_bad_threshold_is_explained_and_changes_nothing(coordination, coordinator, field, value):
    response = coordination.post("/coordination/engagements/paris/", FORM | {field: value})

    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()
    assert not Commitment.objects.exists()


def test_a_commitment_left_aside_needs_no_value(coordination, coordinator):
    response = coordination.post("/coordination/engagements/paris/", FORM | {"satisfaction-target": ""})

    assert response.status_code == 302
    assert set(Commitment.objects.values_list("kind", flat=True)) == {"quick_welcome", "answer_on_site"}


def test_another_organisations_commitments_are_out_of_reach(coordination, coordinator):
    OrganisationFactory(slug="pimms")
    assert coordination.get("/coordination/engagements/pimms/").status_code == 404
    assert coordination.post("/coordination/engagements/pimms/", FORM).status_code == 404
    assert not Commitment.objects.exists()


def test_an_agent_cannot_choose_commitments(logged_in):
    assert logged_in.get("/coordination/engagements/paris/").status_code == 403


def test_the_commitments_are_published_with_their_thresholds(client, mid_april):
    paris = OrganisationFactory()
    Commitment.objects.create(organisation=paris, kind="quick_welcome", minutes=15, target=90, text="Une chaise.")
    Commitment.objects.create(organisation=paris, kind="reliable_hours", notice_hours=72, target=95, position=1)

    page = text_of(client.get("/structures/paris/engagements/"))

    assert "Recevoir au moins 90 % des visiteurs moins de 15 minutes après leur arrivée." in page
    assert "annoncer chaque annulation au moins 72 heures à l'avance" in page
    assert "Une chaise." in page
    assert "Réponse sur place" not in page  # not chosen
    assert "d'avril 2024 à mars 2025" in page or "de avril 2024 à mars 2025" in page


def test_an_organisation_without_commitments_says_so(client):
    OrganisationFactory()
    page = text_of(client.get("/structures/paris/engagements/"))
    assert "n'a pas encore choisi ses engagements" in page


def test_the_whole_service_is_measured_with_the_default_thresholds(client):
    OrganisationFactory()
    OrganisationFactory(slug="pimms", name="PIMMS de Libercourt")

    page = text_of(client.get("/engagements/"))

    assert "Recevoir au moins 80 % des visiteurs moins de 20 minutes après leur arrivée." in page
    assert "PIMMS de Libercourt" in page  # each organisation's page is listed


def test_the_year_gives_away_no_month_under_twenty_answers(client, mid_april):
    stop = StopFactory()
    for day, good, bad in ((datetime.date(2025, 3, 4), 20, 5), (datetime.date(2025, 2, 4), 1, 2)):
        Feedback.objects.bulk_create(
            Feedback(stop=stop, service_day=day, source="ticket", mood=mood)
            for mood, n in (("good", good), ("bad", bad))
            for _ in range(n)
        )
    Commitment.objects.create(organisation=stop.organisation, kind="satisfaction")

    page = " ".join(re.sub(r"<[^>]+>", " ", text_of(client.get("/structures/paris/engagements/"))).split())

    assert "(20 sur 25)" in page  # March
    assert "pas de pourcentage sous 20 avis (3 avis)" in page  # February
    # The year, less March, would give February.
    assert "75" not in page
    assert "21 sur 28" not in page
    assert "pas de pourcentage : il laisserait calculer celui des mois de moins de 20 avis (28 avis)" in page


def test_comments_are_never_public_only_the_notes_chosen(client, mid_april):
    stop = StopFactory()
    day = datetime.date(2025, 3, 4)
    Feedback.objects.create(stop=stop, service_day=day, source="ticket", mood=Mood.BAD, comment="Commentaire privé")
    Feedback.objects.create(
        stop=stop,
        service_day=day,
        source="ticket",
        mood=Mood.BAD,
        comment="Un autre commentaire",
        handled_note="Note gardée pour l'équipe",
        handled_at=datetime.datetime(2025, 3, 10, tzinfo=PARIS),
    )
    Feedback.objects.create(
        stop=stop,
        service_day=day,
        source="ticket",
        mood=Mood.AVERAGE,
        comment="Troisième commentaire",
        handled_note="Des chaises pliantes dans le bus.",
        handled_at=datetime.datetime(2025, 3, 10, tzinfo=PARIS),
        note_published=True,
    )

    for url in ["/structures/paris/engagements/", "/engagements/"]:
        page = text_of(client.get(url))
        assert "Des chaises pliantes dans le bus." in page
        assert "3 avis donnés en 12 mois" in page
        for private in ["Commentaire privé", "Un autre commentaire", "Troisième commentaire", "Note gardée"]:
            assert private not in page


def test_the_pages_of_a_stop_lead_to_the_commitments(client, tuesday_bus):
    link = "/structures/paris/engagements/"
    assert link in client.get("/arrets/nathalie-sarraute/").content.decode()
    assert link.rstrip("/") in client.get("/arrets/nathalie-sarraute/affiche/").content.decode()
    assert link in client.get("/structures/paris/").content.decode()
    assert "/engagements/" in client.get("/").content.decode()


def test_an_unknown_or_inactive_organisation_is_a_404(client):
    OrganisationFactory(slug="ancienne", active=False)
    assert client.get("/structures/inconnue/engagements/").status_code == 404
    assert client.get("/structures/ancienne/engagements/").status_code == 404


def _a_year_of_activity(stops, visitors):
    """Visits and opinions every Tuesday from April 2024 to March 2025, the days kept as at night."""
    day = datetime.date(2024, 4, 2)
    while day < datetime.date(2025, 4, 1):
        for stop in stops:
            for n in range(visitors):
                arrived = datetime.datetime.combine(day, datetime.time(10, n), tzinfo=PARIS)
                VisitFactory(
                    stop=stop,
                    service_day=day,
                    status=Status.DONE,
                    arrived_at=arrived,
                    accompagnement_started_at=arrived + datetime.timedelta(minutes=12),
                    ended_at=arrived + datetime.timedelta(minutes=40),
                )
                Feedback.objects.create(stop=stop, service_day=day, source="kiosk", mood=Mood.GOOD)
        stats.keep_day(day)
        day += datetime.timedelta(days=7)


@pytest.mark.parametrize(("stop_count", "visitors"), [(1, 1), (3, 2)])
def test_the_commitments_page_reads_a_constant_number_of_queries(
    client, mid_april, django_assert_num_queries, stop_count, visitors
):
    paris = OrganisationFactory()
    for kind in Commitment.Kind.values:
        Commitment.objects.create(organisation=paris, kind=kind)
    stops = StopFactory.create_batch(stop_count)
    for stop in stops:
        WeeklySlotFactory(stop=stop, weekday=1)
    _a_year_of_activity(stops, visitors)

    with django_assert_num_queries(QUERIES):
        response = client.get("/structures/paris/engagements/")
    assert response.status_code == 200
    assert "objectif atteint" in text_of(response)


# The organisation, its commitments; the kept days and the others counted (9); the cancellations; the
# openings (summarised months, the engine's 4); the opinions by month; the published notes.
QUERIES = 19
