"""Two agents at the same moment, with real concurrent transactions on PostgreSQL."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from partners.models import Partner, Reason
from tests.conftest import transactional
from tests.factories import StopFactory, VisitFactory
from visits import feedback, intake
from visits.models import Commitment, Feedback, Visit

pytestmark = [
    *transactional,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks (DATABASE_URL)"),
]


def in_thread(function, *args):
    """Run `function` on a connection of its own; returns (result, error)."""

    def run():
        try:
            return function(*args), None
        except (intake.IntakeError, feedback.FeedbackRefused) as error:
            return None, error
        finally:
            connections.close_all()

    return ThreadPoolExecutor(max_workers=1).submit(run)


def wait_until_a_transaction_waits_for_a_lock(timeout=10):
    """Block until another connection is waiting on a row or index lock held by this test."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            # Statistics are a snapshot per transaction, and the test holds one open.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the other transaction never waited for the lock")


@pytest.fixture
def caf():
    return Reason.of(Partner.objects.get(code="caf"))


def test_two_agents_taking_the_same_visitor_one_wins_the_other_is_told_who(agent, other_agent):
    visit = VisitFactory(stop=StopFactory(), ticket=5)
    with transaction.atomic():
        intake.start_deblayage(Visit.objects.get(pk=visit.pk), agent)
        # Yanis clicks while Camille's transaction still holds the row.
        second = in_thread(intake.start_deblayage, Visit.objects.get(pk=visit.pk), other_agent)
        wait_until_a_transaction_waits_for_a_lock()
    result, error = second.result(timeout=10)
    assert result is None
    assert str(error) == "Camille Martin s'occupe déjà du n° 5 (déblayage)."
    assert Visit.objects.get(pk=visit.pk).deblayage_agent == agent


def test_two_registrations_at_the_same_second_get_consecutive_tickets(agent, other_agent, caf):
    stop = StopFactory()
    with transaction.atomic():
        first = intake.register(stop, agent, [caf])
        second = in_thread(intake.register, stop, other_agent, [caf])
        wait_until_a_transaction_waits_for_a_lock()
    visit, error = second.result(timeout=10)
    assert error is None
    assert (first.ticket, visit.ticket) == (1, 2)


def test_many_agents_registering_at_once_leave_no_gap_and_no_duplicate(agent, caf):
    stop = StopFactory()
    start = threading.Barrier(8)

    def register():
        start.wait()
        return intake.register(stop, agent, [caf]).ticket

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(lambda: (register(), connections.close_all())[0]) for _ in range(8)]
        tickets = sorted(future.result(timeout=20) for future in futures)
    assert tickets == list(range(1, 9))


def test_the_same_form_posted_twice_at_the_same_moment_gives_one_visit(agent, caf):
    stop = StopFactory()
    key = uuid.uuid4()
    with transaction.atomic():
        first = intake.register(stop, agent, [caf], idempotency_key=key)
        retry = in_thread(lambda: intake.register(stop, agent, [caf], idempotency_key=key))
        wait_until_a_transaction_waits_for_a_lock()
    visit, error = retry.result(timeout=10)
    assert error is None
    assert visit.pk == first.pk
    assert Visit.objects.count() == 1


def test_one_ticket_posting_its_opinion_twice_at_once_keeps_one(agent):
    visit = VisitFactory(stop=StopFactory(), status="done")
    with transaction.atomic():
        feedback.give_on_ticket(Visit.objects.get(pk=visit.pk), {"mood": "good"})
        # The same form sent again from a second tab while the first is being saved.
        second = in_thread(feedback.give_on_ticket, Visit.objects.get(pk=visit.pk), {"mood": "bad"})
        wait_until_a_transaction_waits_for_a_lock()
    result, error = second.result(timeout=10)
    assert result is None
    assert isinstance(error, feedback.AlreadyGiven)
    assert list(Feedback.objects.values_list("mood", flat=True)) == ["good"]


def test_two_coordinators_saving_the_commitments_at_once_leave_the_last_choice(coordinator):
    organisation = coordinator.memberships.get().organisation
    with transaction.atomic():
        Commitment.objects.replace(organisation, [Commitment(organisation=organisation, kind="quick_welcome")])
        # A colleague saves another choice while the first is being saved.
        second = in_thread(
            Commitment.objects.replace, organisation, [Commitment(organisation=organisation, kind="satisfaction")]
        )
        wait_until_a_transaction_waits_for_a_lock()
    assert second.result(timeout=10) == (None, None)
    assert list(Commitment.objects.values_list("kind", flat=True)) == ["satisfaction"]
