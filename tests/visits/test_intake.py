import datetime
import uuid

import pytest
import time_machine
from django.utils import timezone

from mairie_mobile.models import AuditEvent
from partners.models import OrientationTarget, Partner, Procedure, Reason
from stops.schedule import PARIS
from tests.factories import StopFactory
from visits import intake
from visits.models import Demand, FollowUpContact, Status, Visit, VisitCorrection

pytestmark = pytest.mark.django_db


@pytest.fixture
def stop():
    return StopFactory(slug="nathalie-sarraute")


@pytest.fixture
def caf():
    return Partner.objects.get(code="caf")


@pytest.fixture
def rsa(caf):
    return Procedure.objects.get(partner=caf, label="Déclaration trimestrielle RSA")


@pytest.fixture
def waiting(stop, agent, caf, rsa):
    return intake.register(stop, agent, [Reason.of(caf, rsa)])


def in_deblayage(visit, agent):
    return intake.start_deblayage(visit, agent)


def in_accompagnement(visit, agent):
    return intake.start_accompagnement(visit, agent)


# Pré-accueil ------------------------------------------------------------------


def test_register_gives_tickets_in_order_per_stop_and_day(stop, agent, caf):
    other_stop = StopFactory()
    tickets = [intake.register(stop, agent, [Reason.of(caf)]).ticket for _ in range(3)]
    assert tickets == [1, 2, 3]
    assert intake.register(other_stop, agent, [Reason.of(caf)]).ticket == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        assert intake.register(stop, agent, [Reason.of(caf)]).ticket == 1


def test_register_records_the_reasons_and_the_profile(stop, agent, caf, rsa):
    cpam = Partner.objects.get(code="cpam")
    visit = intake.register(
        stop,
        agent,
        [Reason.of(caf, rsa), Reason.of(cpam)],
        profile={"age_band": "60_74", "residence": "Paris 18e", "first_visit": True},
    )
    assert visit.status == Status.WAITING
    assert visit.registered_by == agent
    assert visit.service_day == timezone.localdate()
    assert [(d.partner, d.procedure, d.outcome) for d in visit.demands.all()] == [(caf, rsa, ""), (cpam, None, "")]
    assert (visit.age_band, visit.residence, visit.first_visit) == ("60_74", "Paris 18e", True)


def test_a_request_that_cannot_be_handled_here_ends_oriented(stop, agent, caf):
    target = OrientationTarget.objects.get(name="Mairie d'arrondissement")
    visit = intake.register(stop, agent, [Reason.of(caf)], orientation_target=target)
    assert visit.status == Status.ORIENTED
    assert visit.orientation_target == target
    assert visit.ended_at is not None
    assert list(visit.demands.values_list("outcome", flat=True)) == ["redirected"]


def test_register_needs_a_reason(stop, agent):
    with pytest.raises(intake.IntakeError, match="au moins un motif"):
        intake.register(stop, agent, [])


def test_the_same_form_posted_twice_gives_one_visit(stop, agent, caf):
    key = uuid.uuid4()
    first = intake.register(stop, agent, [Reason.of(caf)], idempotency_key=key)
    second = intake.register(stop, agent, [Reason.of(caf)], idempotency_key=key)
    assert first == second
    assert Visit.objects.count() == 1
    assert Demand.objects.count() == 1


# Déblayage --------------------------------------------------------------------


def test_start_deblayage(waiting, agent):
    visit = intake.start_deblayage(waiting, agent)
    assert (visit.status, visit.deblayage_agent) == (Status.DEBLAYAGE, agent)
    assert visit.deblayage_started_at is not None


def test_taking_a_visitor_already_taken_says_who_took_it(waiting, agent, other_agent):
    intake.start_deblayage(waiting, agent)
    stale = Visit.objects.get(pk=waiting.pk)
    stale.status = Status.WAITING  # what the other computer still shows
    with pytest.raises(intake.IntakeError, match="Camille Martin s'occupe déjà du n° 1 \\(déblayage\\)"):
        intake.start_deblayage(stale, other_agent)
    assert Visit.objects.get(pk=waiting.pk).deblayage_agent == agent


def test_the_same_agent_taking_twice_is_not_an_error(waiting, agent):
    intake.start_deblayage(waiting, agent)
    assert intake.start_deblayage(waiting, agent).status == Status.DEBLAYAGE


def test_take_next_takes_the_oldest_waiting_visitor(stop, agent, caf):
    first, second = (intake.register(stop, agent, [Reason.of(caf)]) for _ in range(2))
    assert intake.take_next(stop, agent) == first
    assert intake.take_next(stop, agent) == second
    with pytest.raises(intake.IntakeError, match="Personne n'attend le déblayage"):
        intake.take_next(stop, agent)


CHECKLIST = {"has_internet": True, "has_access_codes": False, "has_documents": True, "has_email_access": True}


def test_finish_deblayage_and_go_on_with_the_accompaniment(waiting, agent):
    in_deblayage(waiting, agent)
    visit = intake.finish_deblayage(waiting, agent, CHECKLIST, "Code Caf", "accompagnement")
    assert visit.status == Status.ACCOMPAGNEMENT
    assert visit.accompagnement_agent == agent
    assert (visit.has_internet, visit.has_access_codes, visit.missing) == (True, False, "Code Caf")


def test_finish_deblayage_and_hand_over(waiting, agent, other_agent):
    in_deblayage(waiting, agent)
    assert intake.finish_deblayage(waiting, agent, CHECKLIST, "", "ready").status == Status.READY
    visit = intake.start_accompagnement(waiting, other_agent)
    assert (visit.status, visit.accompagnement_agent) == (Status.ACCOMPAGNEMENT, other_agent)


def test_send_a_visitor_back_to_the_queue(waiting, agent, other_agent):
    in_deblayage(waiting, agent)
    visit = intake.finish_deblayage(waiting, agent, CHECKLIST, "Cherche son code", "queue")
    assert (visit.status, visit.deblayage_agent) == (Status.WAITING, None)
    assert intake.start_deblayage(visit, other_agent).deblayage_agent == other_agent


def test_a_visitor_leaves_with_the_list_of_what_to_bring(waiting, agent):
    in_deblayage(waiting, agent)
    visit = intake.finish_deblayage(waiting, agent, CHECKLIST, "Avis d'imposition 2025", "come_back")
    assert visit.status == Status.TO_COME_BACK
    assert visit.ended_at is not None
    assert visit.missing == "Avis d'imposition 2025"


def test_leaving_with_a_list_needs_the_list(waiting, agent):
    in_deblayage(waiting, agent)
    with pytest.raises(intake.IntakeError, match="ce que la personne doit apporter"):
        intake.finish_deblayage(waiting, agent, CHECKLIST, " ", "come_back")
    assert Visit.objects.get(pk=waiting.pk).status == Status.DEBLAYAGE


def test_an_unknown_way_out_of_the_deblayage_is_refused_not_guessed(waiting, agent):
    in_deblayage(waiting, agent)
    with pytest.raises(ValueError, match="'ailleurs' is not a valid AfterDeblayage"):
        intake.finish_deblayage(waiting, agent, CHECKLIST, "Avis d'imposition", "ailleurs")
    assert Visit.objects.get(pk=waiting.pk).status == Status.DEBLAYAGE


def test_only_the_agent_of_the_deblayage_finishes_it(waiting, agent, other_agent):
    in_deblayage(waiting, agent)
    with pytest.raises(intake.IntakeError, match="Camille Martin s'occupe déjà"):
        intake.finish_deblayage(waiting, other_agent, CHECKLIST, "", "ready")


def test_finish_deblayage_of_a_waiting_visitor_is_refused(waiting, agent):
    with pytest.raises(intake.IntakeError, match="est à l'étape « En attente »"):
        intake.finish_deblayage(waiting, agent, CHECKLIST, "", "ready")


# Accompagnement ----------------------------------------------------------------


def test_accompaniment_straight_from_the_queue(waiting, agent):
    assert intake.start_accompagnement(waiting, agent).status == Status.ACCOMPAGNEMENT


def test_a_colleague_cannot_take_a_visitor_in_someone_elses_deblayage(waiting, agent, other_agent):
    in_deblayage(waiting, agent)
    with pytest.raises(intake.IntakeError, match="Camille Martin s'occupe déjà du n° 1"):
        intake.start_accompagnement(waiting, other_agent)


# Taking over ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "start"), [(Status.DEBLAYAGE, in_deblayage), (Status.ACCOMPAGNEMENT, in_accompagnement)]
)
def test_a_colleague_takes_over_a_step_and_finishes_it(waiting, agent, other_agent, caf, step, start):
    start(waiting, agent)
    started = Visit.objects.get(pk=waiting.pk)
    intake.take_over(waiting, other_agent, step, agent)
    visit = Visit.objects.get(pk=waiting.pk)
    assert (visit.status, visit.holder) == (step, other_agent)
    assert getattr(visit, f"{step}_started_at") == getattr(started, f"{step}_started_at")
    with pytest.raises(intake.IntakeError, match="Yanis Benali s'occupe déjà du n° 1"):
        intake.take_over(visit, agent, step, agent)  # the first agent, back: too late
    if step == Status.DEBLAYAGE:
        intake.finish_deblayage(visit, other_agent, CHECKLIST, "", "ready")
        assert Visit.objects.get(pk=visit.pk).status == Status.READY
    else:
        intake.finish_accompagnement(visit, other_agent, [(None, Reason.of(caf), Demand.Outcome.RESOLVED)])
        assert Visit.objects.get(pk=visit.pk).accompagnement_agent == other_agent


def test_the_first_agent_is_told_who_took_over(waiting, agent, other_agent):
    in_deblayage(waiting, agent)
    intake.take_over(Visit.objects.get(pk=waiting.pk), other_agent, Status.DEBLAYAGE, agent)
    with pytest.raises(intake.IntakeError, match="Yanis Benali s'occupe déjà du n° 1 \\(déblayage\\)"):
        intake.finish_deblayage(waiting, agent, CHECKLIST, "", "ready")


def test_taking_over_twice_is_not_an_error(waiting, agent, other_agent):
    in_deblayage(waiting, agent)
    intake.take_over(waiting, other_agent, Status.DEBLAYAGE, agent)
    intake.take_over(waiting, other_agent, Status.DEBLAYAGE, agent)  # the same form, posted again
    assert Visit.objects.get(pk=waiting.pk).deblayage_agent == other_agent
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.VISIT_TAKE_OVER)
    assert event.user == other_agent
    assert "Passage n° 1 du " in event.summary
    assert event.summary.endswith("repris à Camille Martin (déblayage)")


def test_a_visit_that_moved_on_is_not_taken_over(waiting, agent, other_agent, caf):
    in_deblayage(waiting, agent)
    intake.finish_deblayage(waiting, agent, CHECKLIST, "", "accompagnement")
    with pytest.raises(intake.IntakeError, match="Camille Martin s'occupe déjà du n° 1 \\(accompagnement\\)"):
        intake.take_over(waiting, other_agent, Status.DEBLAYAGE, agent)
    with pytest.raises(intake.IntakeError, match="est à l'étape « En attente »"):
        intake.take_over(intake.register(waiting.stop, agent, [Reason.of(caf)]), other_agent, Status.WAITING, agent)
    assert Visit.objects.get(pk=waiting.pk).accompagnement_agent == agent


def test_what_the_queue_offers_for_a_visit_of_today_and_of_an_earlier_day(waiting, agent, other_agent):
    assert waiting.actions_for(agent) == {"deblayage", "accompagnement", "left"}
    in_deblayage(waiting, agent)
    assert waiting.actions_for(agent) == {"continue", "left"}
    assert waiting.actions_for(other_agent) == {"take_over", "left"}
    waiting.service_day -= datetime.timedelta(days=1)
    assert waiting.actions_for(agent) == {"left"}  # a déblayage of yesterday: never received
    waiting.status = Status.ACCOMPAGNEMENT
    waiting.accompagnement_agent = agent
    assert waiting.actions_for(agent) == {"continue"}  # received: finished, not "left"
    assert waiting.actions_for(other_agent) == {"take_over"}


def test_no_step_starts_for_a_visit_of_an_earlier_day(waiting, agent):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Visit.objects.filter(pk=waiting.pk).update(service_day=yesterday)
    waiting.refresh_from_db()
    for start in (intake.start_deblayage, intake.start_accompagnement):
        with pytest.raises(intake.IntakeError, match="on ne commence plus d'étape"):
            start(waiting, agent)
    assert intake.mark_left(waiting, agent).status == Status.LEFT


def test_a_deblayage_of_an_earlier_day_does_not_go_on_to_an_accompaniment(waiting, agent):
    in_deblayage(waiting, agent)
    Visit.objects.filter(pk=waiting.pk).update(service_day=timezone.localdate() - datetime.timedelta(days=1))
    waiting.refresh_from_db()
    with pytest.raises(intake.IntakeError, match="on ne commence plus d'étape"):
        intake.finish_deblayage(waiting, agent, CHECKLIST, "", "accompagnement")
    assert Visit.objects.get(pk=waiting.pk).status == Status.DEBLAYAGE


def test_accompaniment_of_an_oriented_visit_is_refused(stop, agent, caf):
    target = OrientationTarget.objects.get(name="Point-Justice")
    visit = intake.register(stop, agent, [Reason.of(caf)], orientation_target=target)
    with pytest.raises(intake.IntakeError, match="a été orienté vers Point-Justice : son passage est terminé"):
        intake.start_accompagnement(visit, agent)
    assert Visit.objects.get(pk=visit.pk).status == Status.ORIENTED


def test_finish_accompagnement(stop, agent, caf, rsa):
    cpam = Partner.objects.get(code="cpam")
    morning = datetime.datetime(2025, 3, 4, 10, tzinfo=PARIS)  # a fixed day: not across midnight
    with time_machine.travel(morning, tick=False):
        waiting = intake.register(stop, agent, [Reason.of(caf, rsa)])
        in_accompagnement(waiting, agent)
    demand = waiting.demands.get()
    with time_machine.travel(morning + datetime.timedelta(minutes=25), tick=False):
        visit = intake.finish_accompagnement(
            waiting,
            agent,
            [(demand.pk, Reason.of(caf, rsa), "resolved"), (None, Reason.of(cpam), "follow_up")],
            note="Rappeler la CPAM",
        )
    assert visit.status == Status.DONE
    assert visit.accompagnement_minutes == 25
    assert visit.note == "Rappeler la CPAM"
    assert list(visit.demands.values_list("partner__code", "outcome")) == [("caf", "resolved"), ("cpam", "follow_up")]


def test_a_forgotten_duration_can_be_given(waiting, agent, caf):
    in_accompagnement(waiting, agent)
    visit = intake.finish_accompagnement(waiting, agent, [(None, Reason.of(caf), "resolved")], minutes=40)
    assert visit.accompagnement_minutes == 40


def test_demands_left_out_are_removed(waiting, agent, caf):
    in_accompagnement(waiting, agent)
    cpam = Partner.objects.get(code="cpam")
    intake.finish_accompagnement(waiting, agent, [(None, Reason.of(cpam), "redirected")])
    assert list(waiting.demands.values_list("partner__code", flat=True)) == ["cpam"]


def test_every_demand_needs_an_outcome(waiting, agent, caf):
    in_accompagnement(waiting, agent)
    with pytest.raises(intake.IntakeError, match="résultat de chaque demande"):
        intake.finish_accompagnement(waiting, agent, [(None, Reason.of(caf), "")])
    with pytest.raises(intake.IntakeError, match="au moins une demande"):
        intake.finish_accompagnement(waiting, agent, [])


def test_finishing_twice_records_the_demands_once(waiting, agent, caf):
    in_accompagnement(waiting, agent)
    intake.finish_accompagnement(waiting, agent, [(None, Reason.of(caf), "resolved")])
    intake.finish_accompagnement(Visit.objects.get(pk=waiting.pk), agent, [(None, Reason.of(caf), "resolved")])
    assert waiting.demands.count() == 1


def test_finish_accompagnement_of_a_waiting_visitor_is_refused(waiting, agent, caf):
    with pytest.raises(intake.IntakeError):
        intake.finish_accompagnement(waiting, agent, [(None, Reason.of(caf), "resolved")])


# Follow-up contact --------------------------------------------------------------


def test_a_follow_up_contact_needs_consent(waiting, agent, caf):
    in_accompagnement(waiting, agent)
    contact = {"name": "Mme Diallo", "phone": "06 12 34 56 78", "consent": False}
    with pytest.raises(intake.IntakeError, match="qu'avec l'accord de la personne"):
        intake.finish_accompagnement(waiting, agent, [(None, Reason.of(caf), "follow_up")], follow_up=contact)
    assert not FollowUpContact.objects.exists()
    assert Visit.objects.get(pk=waiting.pk).status == Status.ACCOMPAGNEMENT  # nothing saved


def test_a_follow_up_contact_with_consent_is_kept(waiting, agent, caf):
    in_accompagnement(waiting, agent)
    contact = {"name": "Mme Diallo", "phone": "06 12 34 56 78", "consent": True}
    intake.finish_accompagnement(waiting, agent, [(None, Reason.of(caf), "follow_up")], follow_up=contact)
    kept = FollowUpContact.objects.get(visit=waiting)
    assert (kept.name, kept.phone) == ("Mme Diallo", "06 12 34 56 78")
    assert kept.consent_at is not None


def test_a_follow_up_contact_needs_a_way_to_reach_the_person(waiting, agent):
    with pytest.raises(intake.IntakeError, match="un téléphone ou un courriel"):
        intake.record_follow_up_contact(waiting, name="Mme Diallo", consent=True)


def test_purge_erases_old_contacts_and_keeps_the_visits(waiting, agent, caf):
    in_accompagnement(waiting, agent)
    contact = {"name": "Mme Diallo", "email": "diallo@example.org", "consent": True}
    intake.finish_accompagnement(waiting, agent, [(None, Reason.of(caf), "follow_up")], follow_up=contact)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=89)):
        assert intake.purge_follow_up_contacts(90) == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(days=91)):
        assert intake.purge_follow_up_contacts(90) == 1
    assert not FollowUpContact.objects.exists()
    visit = Visit.objects.get(pk=waiting.pk)
    assert visit.status == Status.DONE
    assert visit.demands.get().outcome == "follow_up"


# Leaving -------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["waiting", "deblayage", "ready", "accompagnement"])
def test_a_visitor_can_leave_from_any_step(waiting, agent, step):
    if step != "waiting":
        in_deblayage(waiting, agent)
    if step == "ready":
        intake.finish_deblayage(waiting, agent, CHECKLIST, "", "ready")
    if step == "accompagnement":
        intake.finish_deblayage(waiting, agent, CHECKLIST, "", "accompagnement")
    visit = intake.mark_left(waiting, agent)
    assert visit.status == Status.LEFT
    assert visit.ended_at is not None


def test_a_finished_visit_cannot_be_marked_left(waiting, agent, caf):
    in_accompagnement(waiting, agent)
    intake.finish_accompagnement(waiting, agent, [(None, Reason.of(caf), "resolved")])
    with pytest.raises(intake.IntakeError, match=r"^Le passage du n° 1 est déjà terminé\.$"):
        intake.mark_left(waiting, agent)


# Corrections ---------------------------------------------------------------------


@pytest.fixture
def done(waiting, agent, caf, rsa):
    in_accompagnement(waiting, agent)
    return intake.finish_accompagnement(waiting, agent, [(None, Reason.of(caf, rsa), "resolved")], minutes=20)


def test_correct_a_finished_visit_keeps_a_history(done, agent, other_agent, caf, rsa):
    demand = done.demands.get()
    intake.correct(
        done, other_agent, {"accompagnement_minutes": 35, "note": ""}, [(demand.pk, Reason.of(caf, rsa), "in_progress")]
    )
    visit = Visit.objects.get(pk=done.pk)
    assert visit.accompagnement_minutes == 35
    assert visit.demands.get().outcome == "in_progress"
    correction = VisitCorrection.objects.get()
    assert correction.agent == other_agent
    assert correction.changes == {
        "accompagnement_minutes": ["20", "35"],
        "demands": [
            ["Caf – Déclaration trimestrielle RSA : Résolue"],
            ["Caf – Déclaration trimestrielle RSA : En cours"],
        ],
    }
    assert list(correction.lines()) == [
        "Durée de l'accompagnement (minutes) : 20 → 35",
        "Demandes : Caf – Déclaration trimestrielle RSA : Résolue → Caf – Déclaration trimestrielle RSA : En cours",
    ]


def test_a_correction_that_changes_nothing_leaves_no_history(done, agent, caf, rsa):
    intake.correct(
        done, agent, {"accompagnement_minutes": 20}, [(done.demands.get().pk, Reason.of(caf, rsa), "resolved")]
    )
    assert not VisitCorrection.objects.exists()


def test_a_visit_of_another_day_cannot_be_corrected(done, agent, caf):
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with time_machine.travel(tomorrow), pytest.raises(intake.IntakeError, match="le jour même"):
        intake.correct(done, agent, {"note": "oubli"}, [(None, Reason.of(caf), "resolved")])


def test_a_visit_in_progress_is_not_corrected(waiting, agent, caf):
    with pytest.raises(intake.IntakeError, match="encore en cours"):
        intake.correct(waiting, agent, {"note": "x"}, [(None, Reason.of(caf), "")])
