"""The actions a computer recorded without connection, sent once it is back (visits.offline)."""

import datetime
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection, connections

from stops.schedule import PARIS
from tests.conftest import SESSION_QUERIES, agent_user
from tests.factories import OrganisationFactory, StopFactory, VisitFactory, pre_accueil, reason
from visits import offline
from visits.forms import OFFLINE_ACTIONS
from visits.models import OfflineAction, Status, Visit

pytestmark = pytest.mark.django_db

URL = "/agents/hors-ligne/actions/"
MORNING = datetime.datetime(2025, 3, 4, 11, tzinfo=PARIS)  # a Tuesday, 11:00 in Paris


@pytest.fixture(autouse=True)
def eleven_oclock():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def stop():
    return StopFactory(slug="nathalie-sarraute", name="Bus – Nathalie Sarraute")


def at(hour, minute=0):
    return datetime.datetime(2025, 3, 4, hour, minute, tzinfo=PARIS)


def action(type, *, key=None, client_time=None, payload=None, **target):
    return {
        "key": str(key or uuid.uuid4()),
        "type": type,
        "client_time": (client_time or at(10, 30)).isoformat(),
        "device": "6f1c2f1e-8f7e-4a7e-9f47-0c1d2e3f4a5b",
        "payload": payload or {},
        **target,
    }


def registration(provisional="B-1", **overrides):
    payload = pre_accueil() | {"provisional_ticket": provisional}
    del payload["idempotency_key"]  # the action's key is the registration's
    return action("register", stop="nathalie-sarraute", payload=payload, **overrides)


def send(client, data):
    return client.post(URL, json.dumps(data), content_type="application/json")


# Each kind of action ---------------------------------------------------------------


def test_every_kind_of_action_has_its_transition():
    assert list(offline.ACTIONS) == OFFLINE_ACTIONS


def test_a_visitor_registered_offline_gets_a_final_ticket_and_keeps_the_provisional_one(logged_in, stop, agent):
    send(logged_in, registration("A-1"))  # another computer's, sent first
    response = send(logged_in, registration("B-1", client_time=at(10, 12)))
    assert response.status_code == 200, response.json()
    visit = Visit.objects.get(provisional_ticket="B-1")
    assert (visit.ticket, visit.arrived_at, visit.recorded_offline, visit.registered_by) == (2, at(10, 12), True, agent)
    assert response.json() == {
        "visit": visit.pk,
        "ticket": 2,
        "provisional_ticket": "B-1",
        "status": "waiting",
        "message": "Le ticket provisoire B-1 est devenu le n° 2.",
    }
    queue = logged_in.get("/agents/arrets/nathalie-sarraute/").content.decode()
    assert "2 (B-1)" in queue


def test_a_whole_visit_offline_keeps_its_times(logged_in, stop):
    register = registration(client_time=at(10, 0))
    assert send(logged_in, register).status_code == 200
    key = register["key"]  # the steps name the visitor by their registration until the server numbers them
    assert send(logged_in, action("deblayage", visit=key, client_time=at(10, 5))).status_code == 200
    then = {"has_internet": "on", "missing": "", "then": "accompagnement"}
    assert (
        send(logged_in, action("finish_deblayage", visit=key, client_time=at(10, 15), payload=then)).status_code == 200
    )
    visit = Visit.objects.get()
    finish = {
        "minutes": "20",
        "note": "",
        "follow_up_name": "Jeanne Dupont",  # never kept from a computer without connection
        "follow_up_phone": "0612345678",
        "follow_up_consent": "on",
        "demandes-TOTAL_FORMS": "1",
        "demandes-INITIAL_FORMS": "0",
        "demandes-0-demand": "",
        "demandes-0-reason": reason("caf", "Déclaration trimestrielle RSA"),
        "demandes-0-outcome": "resolved",
    }
    response = send(
        logged_in, action("finish_accompagnement", visit=str(visit.pk), client_time=at(10, 35), payload=finish)
    )
    assert response.status_code == 200, response.json()
    visit.refresh_from_db()
    assert (visit.status, visit.has_internet, visit.accompagnement_minutes) == (Status.DONE, True, 20)
    assert (visit.deblayage_started_at, visit.accompagnement_started_at, visit.ended_at) == (
        at(10, 5),
        at(10, 15),
        at(10, 35),
    )
    assert list(visit.demands.values_list("outcome", flat=True)) == ["resolved"]
    assert not hasattr(visit, "follow_up_contact") or visit.follow_up_contact is None


@pytest.mark.parametrize("step", ["accompagnement", "left"])
def test_a_visitor_of_the_queue_moved_offline(logged_in, stop, agent, step):
    visit = VisitFactory(stop=stop, ticket=4, arrived_at=at(9, 50))
    assert send(logged_in, action(step, visit=str(visit.pk), client_time=at(10, 20))).status_code == 200
    visit.refresh_from_db()
    assert visit.status == {"accompagnement": Status.ACCOMPAGNEMENT, "left": Status.LEFT}[step]
    assert (visit.accompagnement_started_at or visit.ended_at, visit.recorded_offline) == (at(10, 20), True)


# Sent twice ------------------------------------------------------------------------


def test_the_same_action_sent_twice_answers_the_same_and_acts_once(logged_in, stop):
    register = registration()
    first, second = send(logged_in, register), send(logged_in, register)
    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert Visit.objects.count() == 1
    visit = Visit.objects.get()
    left = action("left", visit=str(visit.pk), client_time=at(10, 40))
    assert send(logged_in, left).status_code == send(logged_in, left).status_code == 200
    assert OfflineAction.objects.count() == 2


def test_a_refusal_is_kept_and_answered_again(logged_in, stop, other_agent):
    visit = VisitFactory(stop=stop, ticket=3, arrived_at=at(9, 0))
    taken = action("deblayage", visit=str(visit.pk))
    Visit.objects.filter(pk=visit.pk).update(status=Status.DEBLAYAGE, deblayage_agent=other_agent)  # meanwhile
    for _attempt in range(2):
        response = send(logged_in, taken)
        assert response.status_code == 409
        assert response.json()["message"] == "Yanis Benali s'occupe déjà du n° 3 (déblayage)."
        assert "un collègue s'occupe peut-être déjà de cette personne" in response.json()["advice"]


def test_a_key_sent_by_another_account_tells_nothing_of_the_first(client, logged_in, stop):
    register = registration()
    send(logged_in, register)
    client.force_login(agent_user("yanis"))
    response = send(client, register)
    assert response.status_code == 409
    assert "visit" not in response.json()


def test_a_replay_reads_and_writes_a_bounded_number_of_queries(logged_in, stop, django_assert_num_queries):
    register = registration()
    send(logged_in, register)
    with django_assert_num_queries(SESSION_QUERIES + 1):  # the outcome kept under the key
        assert send(logged_in, register).status_code == 200
    visit = Visit.objects.get()
    with django_assert_num_queries(
        SESSION_QUERIES
        + 1  # no outcome kept yet for this key
        + 1  # the visit, for the agent
        + 4  # two savepoints (the outcome's, the transition's) and their release
        + 1  # the conditional update
        + 1  # the outcome kept
    ):
        send(logged_in, action("left", visit=str(visit.pk), client_time=at(10, 40)))


# Times -----------------------------------------------------------------------------


def test_a_time_ahead_of_the_servers_is_taken_as_now(logged_in, stop):
    send(logged_in, registration(client_time=at(11, 30)))
    assert Visit.objects.get().arrived_at == MORNING


def test_a_step_before_the_previous_one_is_taken_at_the_previous_ones_time(logged_in, stop):
    visit = VisitFactory(stop=stop, arrived_at=at(10, 30))
    send(logged_in, action("deblayage", visit=str(visit.pk), client_time=at(10, 10)))
    visit.refresh_from_db()
    assert visit.deblayage_started_at == at(10, 30)


def test_an_action_of_another_day_is_refused_with_what_to_do(logged_in, stop):
    response = send(logged_in, registration(client_time=at(10) - datetime.timedelta(days=1)))
    assert response.status_code == 409
    assert response.json()["message"].startswith("Cette saisie date du 03/03/2025 : seules celles du jour même")
    assert not Visit.objects.exists()
    # The steps of that visitor are refused in turn, and say why.
    response = send(logged_in, action("deblayage", visit=str(uuid.uuid4())))
    assert response.status_code == 409


# Provisional tickets ---------------------------------------------------------------


def test_two_computers_get_two_letters_and_keep_theirs(logged_in, stop):
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    letters = [
        logged_in.post(
            "/agents/arrets/nathalie-sarraute/hors-ligne/lettre/",
            json.dumps({"device": device}),
            content_type="application/json",
        ).json()["letter"]
        for device in (first, second, first)
    ]
    assert letters == ["A", "B", "A"]


def test_two_computers_offline_give_no_duplicate_ticket(client, stop, agent, other_agent):
    for user, letter in ((agent, "A"), (other_agent, "B")):
        client.force_login(user)
        for number in (1, 2):
            assert send(client, registration(f"{letter}-{number}")).status_code == 200
    tickets = list(Visit.objects.order_by("ticket").values_list("ticket", "provisional_ticket"))
    assert tickets == [(1, "A-1"), (2, "A-2"), (3, "B-1"), (4, "B-2")]


def test_a_provisional_ticket_given_twice_is_refused(logged_in, stop):
    send(logged_in, registration("A-1"))
    response = send(logged_in, registration("A-1"))
    assert (response.status_code, response.json()["message"]) == (
        409,
        "Ce ticket provisoire a déjà été donné à une autre personne.",
    )
    assert Visit.objects.count() == 1


# Hostile or broken actions ----------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        lambda: "not json",
        lambda: "[1, 2]",
        lambda: json.dumps({"key": "x", "type": "register"}),
        lambda: json.dumps(registration() | {"type": "delete_everything"}),
        lambda: json.dumps(registration() | {"client_time": "yesterday"}),
        lambda: json.dumps(registration() | {"payload": ["reason_1"]}),
        lambda: json.dumps(registration() | {"payload": {"reason_1": {"$gt": ""}}}),
        lambda: json.dumps(registration(provisional="B-1; DROP TABLE")),
        lambda: json.dumps(registration() | {"payload": {"provisional_ticket": "B-1", "reason_1": "p999999"}}),
        lambda: json.dumps(action("deblayage")),
        lambda: json.dumps(action("finish_deblayage", visit="1", payload={"then": "nowhere"})),
        lambda: json.dumps({f"field{n}": "x" for n in range(200)}),
    ],
)
def test_a_broken_action_is_refused_with_a_french_message_and_nothing_kept(logged_in, stop, body):
    VisitFactory(pk=1, stop=stop, status=Status.DEBLAYAGE)
    response = logged_in.post(URL, body(), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"]
    assert not OfflineAction.objects.exists()


def test_a_form_posted_instead_of_an_action_is_refused(logged_in, stop):
    response = logged_in.post(URL, {"key": "x"})
    assert response.status_code == 400
    letter = logged_in.post("/agents/arrets/nathalie-sarraute/hors-ligne/lettre/", {"device": "x"})
    assert letter.status_code == 400


def test_a_visit_or_stop_of_another_organisation_is_not_found(logged_in, stop):
    pimms = OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt")
    elsewhere = StopFactory(slug="libercourt", organisation=pimms)
    visit = VisitFactory(stop=elsewhere)
    assert send(logged_in, registration() | {"stop": "libercourt"}).status_code == 404
    assert send(logged_in, action("left", visit=str(visit.pk))).status_code == 404
    assert Visit.objects.get(pk=visit.pk).status == Status.WAITING


def test_anonymous_actions_go_to_the_login_page(client, stop):
    response = send(client, registration())
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def test_the_service_worker_is_served_from_the_agents_pages(logged_in):
    response = logged_in.get("/agents/sw.js")
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"


# Two computers replaying the same action at once -------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's locks (DATABASE_URL)")
def test_the_same_action_replayed_twice_at_once_acts_once(agent):
    stop = StopFactory(slug="nathalie-sarraute")
    data = registration()
    envelope = {**data, "key": uuid.UUID(data["key"]), "client_time": at(10, 30), "device": None}
    start = threading.Barrier(2)

    def replay():
        start.wait()
        try:
            return offline.replay(agent, stop, envelope)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = [future.result(timeout=20) for future in [pool.submit(replay) for _ in range(2)]]
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == 200
    assert (Visit.objects.count(), OfflineAction.objects.count()) == (1, 1)


def test_the_queue_tells_the_outbox_what_each_visitor_came_for(logged_in, stop):
    """An accompaniment finished offline starts from the visitor's reasons, not from nothing (which
    would replace them): the queue's forms carry them, as the demands' forms name them."""
    visit = VisitFactory(stop=stop, ticket=1, reasons=["caf", "cpam"])

    page = logged_in.get("/agents/arrets/nathalie-sarraute/").content.decode()

    values = " ".join([reason("caf"), reason("cpam")])
    assert f'data-visit="{visit.pk}" data-label="n° 1" data-reasons="{values}"' in page
