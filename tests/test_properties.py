"""Whatever a form or a stops file holds, the answer is a message, never a server error."""

import datetime
import itertools

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stops.importer import StopsFileError, import_stops
from stops.models import Closure, Stop
from tests.factories import StopFactory, VisitFactory, WeeklySlotFactory
from visits import intake

pytestmark = pytest.mark.django_db
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

# Values a person, a robot or a broken spreadsheet might send.
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "1", "2025-03-11", "2025-02-30", "25:00", "09:30", "on", "x" * 300, "\x00"]),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)


def form_data(*fields):
    return st.dictionaries(st.sampled_from(fields), values, max_size=len(fields))


# The stops file ----------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.dates(min_value=datetime.date(1900, 1, 1)),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "stops",
                    "closures",
                    "extra_openings",
                    "slug",
                    "name",
                    "kind",
                    "slots",
                    "weekday",
                    "start",
                    "end",
                    "stop",
                    "date",
                    "reason",
                    "partners",
                    "every_weeks",
                    "starts_on",
                    "latitude",
                    "postcode",
                    "x",
                ]
            ),
            children,
            max_size=6,
        ),
    ),
    max_leaves=25,
)


def problems_of(text):
    """None when the file is accepted, else the problems found in it."""
    try:
        import_stops(text, dry_run=True)
    except StopsFileError as error:
        return error.problems
    return None


@EXAMPLES
@given(document=documents)
def test_any_stops_file_is_imported_or_refused_with_messages(document):
    problems = problems_of(yaml.safe_dump(document, allow_unicode=True))
    assert problems is None or (problems and all(str(problem) for problem in problems))


@EXAMPLES
@given(text=st.text(max_size=300))
def test_any_text_as_a_stops_file(text):
    """Random text describes no stop: it is refused, each problem saying where and what, or
    (empty, a comment) accepted as changing nothing. Either way nothing is saved."""
    summary, problems = None, []
    try:
        summary = import_stops(text)
    except StopsFileError as error:
        problems = error.problems
    if summary is None:
        assert problems
        assert all(problem.place and problem.message for problem in problems)
    else:
        assert not summary.changed
    assert not Stop.objects.exists()


# Forms ------------------------------------------------------------------------------


@pytest.fixture
def stop():
    stop = StopFactory(slug="nathalie-sarraute")
    WeeklySlotFactory(stop=stop, weekday=1)
    return stop


def test_public_forms(client, stop):
    addresses = (f"10.0.{n // 250}.{n % 250 + 1}" for n in itertools.count())

    @EXAMPLES
    @given(data=form_data("email", "stop", "every_stop", "website"), q=values)
    def check(data, q):
        address = next(addresses)  # each example from elsewhere: the rate limits are not what is tested here
        assert client.post("/abonnement/", data, REMOTE_ADDR=address).status_code < 500
        assert client.get("/", {"q": q}).status_code < 500
        assert client.post("/abonnement/confirmer/x/", data).status_code < 500
        assert client.post("/connexion/", {"username": q, "password": q}, REMOTE_ADDR=address).status_code < 500

    check()


def test_agent_forms(client, stop, agent):
    client.force_login(agent)
    visit = intake.start_accompagnement(VisitFactory(stop=stop), agent)
    pre_accueil = form_data(
        "reason_1", "reason_2", "handled_here", "orientation_target", "idempotency_key", "age_band", "first_visit"
    )
    accompagnement = form_data(
        "demandes-TOTAL_FORMS", "demandes-INITIAL_FORMS", "demandes-0-demand", "demandes-0-reason",
        "demandes-0-outcome", "minutes", "note", "follow_up_name", "follow_up_phone", "follow_up_consent",
    )  # fmt: skip

    @EXAMPLES
    @given(first=pre_accueil, second=accompagnement)
    def check(first, second):
        assert client.post("/agents/arrets/nathalie-sarraute/accueil/", first).status_code < 500
        assert client.post(f"/agents/passages/{visit.pk}/accompagnement/", second).status_code < 500
        assert client.post(f"/agents/passages/{visit.pk}/corriger/", second).status_code < 500

    check()


def test_coordinator_forms(client, stop, coordinator):
    client.force_login(coordinator)
    closures = Closure.objects.count()

    @EXAMPLES
    @given(
        slot=form_data("weekday", "start", "end", "every_weeks", "starts_on", "ends_on", "preview"),
        closure=form_data("first_day", "last_day", "reason", "preview"),
        extra=form_data("date", "start", "end", "reason"),
        filters=form_data("period", "start", "end", "stop", "partner"),
        day=values,
    )
    def check(slot, closure, extra, filters, day):
        base = "/coordination/arrets/nathalie-sarraute/"
        assert client.post(base + "creneaux/nouveau/", slot).status_code < 500
        assert client.post(base + "fermetures/nouvelle/", {**closure, "preview": "1"}).status_code < 500
        assert client.post(base + "ouvertures/nouvelle/", {**extra, "preview": "1"}).status_code < 500
        assert client.get("/coordination/statistiques/", filters).status_code < 500
        assert client.get(base + "annuler/" + day.replace("/", "") + "/").status_code < 500

    check()
    assert Closure.objects.count() == closures  # previews only
