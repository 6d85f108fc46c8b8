import datetime

import pytest
import time_machine
from django.utils import timezone

from organisations.models import Membership, Role
from partners.models import OrientationTarget, Reason
from stops import schedule, wording
from tests.conftest import ENGINE_QUERIES, SESSION_QUERIES, agent_user, text_of
from tests.factories import (
    OrganisationFactory,
    StopFactory,
    VisitFactory,
    WeeklySlotFactory,
    demand_rows,
    pre_accueil,
    reason,
)
from visits import intake, stats
from visits.models import DailyActivity, FollowUpContact, Status, Visit, VisitCorrection

pytestmark = pytest.mark.django_db


@pytest.fixture
def stop():
    return StopFactory(slug="nathalie-sarraute", name="Bus – Nathalie Sarraute")


# Choosing the stop ----------------------------------------------------------------


def test_stops_open_today_come_first(logged_in):
    today = timezone.localdate()
    WeeklySlotFactory(weekday=today.weekday(), stop__name="Ouvert aujourd'hui", stop__slug="ouvert")
    WeeklySlotFactory(weekday=(today.weekday() + 1) % 7, stop__name="Fermé aujourd'hui", stop__slug="ferme")
    text = text_of(logged_in.get("/agents/"))
    opened, closed = text.index("Ouvert aujourd"), text.index("Fermé aujourd")
    assert text.index("Ouverts aujourd'hui") < opened < text.index("Autres arrêts") < closed


def test_an_agent_of_two_organisations_sees_both_labelled_and_an_agent_of_one_only_its_own(client, agent):
    pimms = OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62")
    StopFactory(name="Esplanade Nathalie Sarraute")
    StopFactory(name="Place de la mairie de Libercourt", organisation=pimms)
    client.force_login(agent)
    text = text_of(client.get("/agents/"))
    assert "Esplanade Nathalie Sarraute" in text
    assert "Libercourt" not in text
    assert "Mairie mobile – Ville de Paris" not in text  # one organisation: no label
    both = agent_user("yanis", first_name="Yanis")
    Membership.objects.create(user=both, organisation=pimms, role=Role.AGENT)
    client.force_login(both)
    text = text_of(client.get("/agents/"))
    assert "Esplanade Nathalie Sarraute</a> (75018 Paris) · Mairie mobile – Ville de Paris" in text
    assert "Place de la mairie de Libercourt</a> (75018 Paris) · PIMMS mobile de Libercourt" in text


# Pré-accueil ----------------------------------------------------------------------


def test_pre_accueil_gives_a_ticket(logged_in, stop, agent):
    response = logged_in.post("/agents/arrets/nathalie-sarraute/accueil/", pre_accueil(), follow=True)
    assert "Ticket n° 1 : la personne attend le déblayage." in text_of(response)
    visit = Visit.objects.get()
    assert (visit.status, visit.registered_by, visit.demands.get().procedure.label) == (
        Status.WAITING,
        agent,
        "Déclaration trimestrielle RSA",
    )


def test_pre_accueil_posted_twice_gives_one_visit(logged_in, stop):
    data = pre_accueil()
    logged_in.post("/agents/arrets/nathalie-sarraute/accueil/", data)
    response = logged_in.post("/agents/arrets/nathalie-sarraute/accueil/", data, follow=True)
    assert Visit.objects.count() == 1
    assert "Ticket n° 1" in text_of(response)


def test_pre_accueil_sent_again_after_back_asks_before_a_second_ticket(logged_in, stop):
    logged_in.post("/agents/arrets/nathalie-sarraute/accueil/", pre_accueil())
    again = pre_accueil()  # the page reloaded: a new idempotency key, the same reasons
    response = logged_in.post("/agents/arrets/nathalie-sarraute/accueil/", again)
    assert response.status_code == 200
    assert "Le n° 1 vient d'être donné pour ces motifs. Donner un autre ticket ?" in text_of(response)
    assert Visit.objects.count() == 1
    response = logged_in.post("/agents/arrets/nathalie-sarraute/accueil/", again | {"another_ticket": "1"}, follow=True)
    assert "Ticket n° 2" in text_of(response)
    assert Visit.objects.count() == 2


@pytest.mark.parametrize(
    "second",
    [
        pytest.param({"agent": "other"}, id="another agent"),
        pytest.param({"reason_1": "other"}, id="other reasons"),
        pytest.param({"minutes_later": 3}, id="three minutes later"),
    ],
)
def test_a_second_ticket_for_someone_else_is_not_questioned(client, agent, other_agent, stop, second):
    morning = datetime.datetime(2025, 3, 4, 10, tzinfo=schedule.PARIS)  # the same day three minutes later
    with time_machine.travel(morning, tick=False):
        client.force_login(agent)
        client.post("/agents/arrets/nathalie-sarraute/accueil/", pre_accueil())
        if second.get("agent"):
            client.force_login(other_agent)
    data = pre_accueil(reason_1=reason("caf")) if second.get("reason_1") else pre_accueil()
    with time_machine.travel(morning + datetime.timedelta(minutes=second.get("minutes_later", 0)), tick=False):
        response = client.post("/agents/arrets/nathalie-sarraute/accueil/", data, follow=True)
    assert "Ticket n° 2" in text_of(response)


def test_pre_accueil_orientation(logged_in, stop):
    target = OrientationTarget.objects.get(name="Mairie d'arrondissement")
    # The City of Paris's own place, which a new installation sets aside until its organisation exists.
    OrientationTarget.objects.filter(pk=target.pk).update(organisation=stop.organisation, active=True)
    data = pre_accueil(handled_here="0", orientation_target=str(target.pk))
    response = logged_in.post("/agents/arrets/nathalie-sarraute/accueil/", data, follow=True)
    assert "N° 1 orienté vers Mairie d&#x27;arrondissement." in text_of(response)
    assert Visit.objects.get().status == Status.ORIENTED


def test_orientation_needs_a_target(logged_in, stop):
    response = logged_in.post("/agents/arrets/nathalie-sarraute/accueil/", pre_accueil(handled_here="0"))
    assert response.status_code == 400
    assert "Choisissez où la personne est orientée." in text_of(response)
    assert not Visit.objects.exists()


@pytest.mark.parametrize("bad", ["", "d999999", "x12", "p"])
def test_pre_accueil_needs_a_valid_reason(logged_in, stop, bad):
    response = logged_in.post("/agents/arrets/nathalie-sarraute/accueil/", pre_accueil(reason_1=bad))
    assert response.status_code == 400
    assert not Visit.objects.exists()


def test_pre_accueil_records_the_anonymous_profile(logged_in, stop):
    data = pre_accueil(age_band="75_plus", residence="Paris 18e", first_visit="0", heard_from="social_worker")
    logged_in.post("/agents/arrets/nathalie-sarraute/accueil/", data)
    visit = Visit.objects.get()
    assert (visit.age_band, visit.residence, visit.first_visit, visit.heard_from) == (
        "75_plus",
        "Paris 18e",
        False,
        "social_worker",
    )


# The queue -----------------------------------------------------------------------


def test_queue_shows_ticket_arrival_wait_step_and_agent(logged_in, stop, other_agent):
    arrived = timezone.now() - datetime.timedelta(minutes=12)
    VisitFactory(stop=stop, ticket=1, arrived_at=arrived)
    taken = VisitFactory(stop=stop, ticket=2, arrived_at=arrived)
    intake.start_deblayage(taken, other_agent)
    text = text_of(logged_in.get("/agents/arrets/nathalie-sarraute/"))
    assert "1 personne attend le déblayage." in text
    assert f"{timezone.localtime(arrived):%H:%M}" in text
    assert "12 min" in text
    assert "Déblayage</span></td> <td>Yanis Benali</td>" in text


def test_queue_table_answers_204_when_nothing_changed(logged_in, stop):
    VisitFactory(stop=stop)
    response = logged_in.get("/agents/arrets/nathalie-sarraute/file/")
    assert response.status_code == 200
    version = response.context["version"]
    assert logged_in.get(f"/agents/arrets/nathalie-sarraute/file/?version={version}").status_code == 204
    VisitFactory(stop=stop)
    assert logged_in.get(f"/agents/arrets/nathalie-sarraute/file/?version={version}").status_code == 200


def started_yesterday(step, stop, ticket, agent):
    """A visit of yesterday whose `step` began yesterday and was never finished."""
    with time_machine.travel(timezone.now() - datetime.timedelta(days=1)):
        return step(VisitFactory(stop=stop, ticket=ticket, service_day=timezone.localdate()), agent)


@time_machine.travel(datetime.datetime(2025, 12, 2, 10, tzinfo=schedule.PARIS), tick=False)
def test_an_earlier_day_reads_as_people_say_it(client, agent, stop):
    client.force_login(agent)
    VisitFactory(stop=stop, ticket=4, service_day=datetime.date(2025, 12, 1))
    VisitFactory(stop=stop, ticket=5, service_day=datetime.date(2024, 12, 3))
    text = text_of(client.get("/agents/arrets/nathalie-sarraute/"))
    assert '<td>lundi 1er décembre</td> <th scope="row">4</th>' in text
    assert '<td>mardi 3 décembre 2024</td> <th scope="row">5</th>' in text


def test_visits_left_in_progress_on_earlier_days_are_listed_to_be_finished(logged_in, stop, agent, other_agent):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    forgotten = VisitFactory(stop=stop, ticket=8, service_day=yesterday)
    held = started_yesterday(intake.start_accompagnement, stop, 9, other_agent)
    mine = started_yesterday(intake.start_deblayage, stop, 12, agent)
    VisitFactory(stop=stop, ticket=10, service_day=yesterday, status=Status.LEFT)
    VisitFactory(stop=StopFactory(), ticket=11, service_day=yesterday)  # another stop's
    VisitFactory(stop=stop, ticket=1)  # today's queue

    page = logged_in.get("/agents/arrets/nathalie-sarraute/")
    assert [visit.ticket for visit in page.context["earlier"]] == [8, 9, 12]
    assert [visit.ticket for visit in page.context["in_queue"]] == [1]
    text = text_of(page)
    assert "Passages restés en cours les jours précédents" in text
    assert f'<td>{wording.long_date(yesterday, weekday=True)}</td> <th scope="row">8</th>' in text
    assert f'href="/agents/passages/{held.pk}/reprendre/">Reprendre<span class="visually-hidden"> le n° 9 du ' in text
    # Yesterday's visitors are not taken to a step today; one in accompaniment was received.
    earlier = text[text.index("Passages restés en cours") :]
    assert f'id="deblayage-{forgotten.pk}"' not in earlier
    assert f'id="accompagnement-{forgotten.pk}"' not in earlier
    assert f'id="left-{forgotten.pk}"' in earlier
    assert f'id="left-{held.pk}"' not in earlier
    assert f'id="continue-{mine.pk}"' not in earlier  # a déblayage of yesterday: the visitor was not received
    assert f'id="left-{mine.pk}"' in earlier

    response = logged_in.post(f"/agents/passages/{forgotten.pk}/vers/parti/", follow=True)
    assert response.redirect_chain[-1][0] == "/agents/arrets/nathalie-sarraute/"
    assert [visit.ticket for visit in response.context["earlier"]] == [9, 12]
    # Nor by a form of another page, or an old one:
    response = logged_in.post(f"/agents/passages/{held.pk}/vers/accompagnement/", follow=True)
    assert "Le n° 9 est venu le" in text_of(response)
    assert "on ne commence plus d&#x27;étape" in text_of(response)


def test_an_accompaniment_of_an_earlier_day_is_finished_with_the_duration_the_agent_gives(
    logged_in, stop, agent, django_capture_on_commit_callbacks
):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    visit = started_yesterday(intake.start_accompagnement, stop, 2, agent)
    stats.keep_day(yesterday)  # the nightly tally, made while the visit was in progress
    assert DailyActivity.objects.get(day=yesterday, organisation=None).figures["status"] == {"accompagnement": 1}

    page = logged_in.get(f"/agents/passages/{visit.pk}/accompagnement/")
    assert page.context["form"].initial["minutes"] is None
    text = text_of(page)
    assert f"Arrivé le {wording.long_date(yesterday, weekday=True)} à" in text
    assert "L'accompagnement a commencé un autre jour : indiquez sa durée." in text

    data = accompagnement_data(visit.demands.get(), **{"demandes-0-outcome": "in_progress", "minutes": "25"})
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(f"/agents/passages/{visit.pk}/accompagnement/", data)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.accompagnement_minutes) == (Status.DONE, 25)
    # The day's tally follows, as the statistics of every stop read it.
    assert DailyActivity.objects.get(day=yesterday, organisation=None).figures["status"] == {"done": 1}


def test_only_the_oldest_visits_left_in_progress_are_listed(logged_in, stop):
    for days_ago in range(1, 23):
        VisitFactory(stop=stop, ticket=1, service_day=timezone.localdate() - datetime.timedelta(days=days_ago))
    page = logged_in.get("/agents/arrets/nathalie-sarraute/")
    assert len(page.context["earlier"]) == 20
    assert page.context["earlier"][0].service_day == timezone.localdate() - datetime.timedelta(days=22)
    assert "Voici les 20 plus anciens" in text_of(page)


@pytest.mark.parametrize("count", [3, 60])
def test_queue_queries_do_not_grow_with_the_visitors(
    logged_in, stop, agent, other_agent, count, django_assert_max_num_queries
):
    for ticket in range(1, count + 1):
        visit = VisitFactory(stop=stop, ticket=ticket)
        if ticket % 3 == 0:
            intake.start_deblayage(visit, other_agent)
            started_yesterday(intake.start_accompagnement, stop, ticket, agent)
    queue = SESSION_QUERIES + 3  # the stop, the day's visits with their agents, their demands (kept for offline)
    form = (
        1  # the reasons of the pré-accueil form (partners and procedures)
        + 1  # the places where a visitor may be oriented
    )
    earlier = 1  # the visits of earlier days left in progress
    live = (
        1  # what the agents said today (the bus arrived, left)
        + ENGINE_QUERIES
        - 1  # today's openings (the stop is known)
        + 2  # when the bus is here: the people waiting, the pace of the last 30 days (visits.queue)
    )
    with django_assert_max_num_queries(queue + form + earlier + live):
        assert logged_in.get("/agents/arrets/nathalie-sarraute/").status_code == 200
    with django_assert_max_num_queries(queue):  # the refresh: the queue alone
        assert logged_in.get("/agents/arrets/nathalie-sarraute/file/").status_code == 200


def test_each_step_posts_within_the_query_budget(logged_in, stop, agent, django_assert_max_num_queries):
    data = pre_accueil()
    transaction = 2  # its savepoint, and its release
    pre_accueil_queries = (
        SESSION_QUERIES
        + 1  # the stop
        + 1  # the reasons the form offers
        + 1  # a ticket given a moment ago for the same reasons?
        + transaction
        + 3  # the day's next ticket, the visit, its demands
    )
    with django_assert_max_num_queries(pre_accueil_queries):
        logged_in.post("/agents/arrets/nathalie-sarraute/accueil/", data)
    visit = Visit.objects.get()
    with django_assert_max_num_queries(SESSION_QUERIES + 2):  # the visit, its move
        logged_in.post(f"/agents/passages/{visit.pk}/vers/deblayage/")
    with django_assert_max_num_queries(SESSION_QUERIES + 3):  # the visit, its demands, its move
        logged_in.post(
            f"/agents/passages/{visit.pk}/deblayage/", {"has_internet": "on", "missing": "", "then": "accompagnement"}
        )
    demand = visit.demands.get()
    data = accompagnement_data(demand, minutes="15")
    finishing = (
        SESSION_QUERIES
        + 2  # the visit, its demands
        + 1  # the reasons the form offers
        + transaction
        + 2  # the visit's end, its demands' outcomes
    )
    with django_assert_max_num_queries(finishing):
        logged_in.post(f"/agents/passages/{visit.pk}/accompagnement/", data)
    assert Visit.objects.get().status == Status.DONE


# Déblayage and accompagnement ------------------------------------------------------


def test_take_next_opens_the_deblayage(logged_in, stop):
    visit = VisitFactory(stop=stop)
    response = logged_in.post("/agents/arrets/nathalie-sarraute/suivant/")
    assert response.url == f"/agents/passages/{visit.pk}/deblayage/"
    assert "Déblayage – n° " in text_of(logged_in.get(response.url))


def test_take_next_with_nobody_waiting(logged_in, stop):
    response = logged_in.post("/agents/arrets/nathalie-sarraute/suivant/", follow=True)
    assert "Personne n&#x27;attend le déblayage pour le moment." in text_of(response)


def test_taking_a_visitor_already_taken_tells_who(logged_in, stop, other_agent):
    visit = VisitFactory(stop=stop, ticket=4)
    intake.start_deblayage(visit, other_agent)
    response = logged_in.post(f"/agents/passages/{visit.pk}/vers/deblayage/", follow=True)
    assert "Yanis Benali s&#x27;occupe déjà du n° 4 (déblayage)." in text_of(response)


def test_deblayage_come_back_needs_the_list(logged_in, stop, agent):
    visit = intake.start_deblayage(VisitFactory(stop=stop), agent)
    response = logged_in.post(f"/agents/passages/{visit.pk}/deblayage/", {"missing": "", "then": "come_back"})
    assert response.status_code == 400
    assert "Indiquez ce que la personne doit apporter" in text_of(response)
    data = {"missing": "Avis d'imposition", "then": "come_back"}
    response = logged_in.post(f"/agents/passages/{visit.pk}/deblayage/", data, follow=True)
    assert "reviendra avec les pièces manquantes" in text_of(response)
    assert Visit.objects.get().status == Status.TO_COME_BACK


def test_someone_elses_deblayage_page_sends_back_to_the_queue(logged_in, stop, other_agent):
    visit = intake.start_deblayage(VisitFactory(stop=stop), other_agent)
    response = logged_in.get(f"/agents/passages/{visit.pk}/deblayage/", follow=True)
    assert response.redirect_chain[-1][0] == "/agents/arrets/nathalie-sarraute/"
    assert "Yanis Benali s&#x27;occupe déjà" in text_of(response)


@pytest.mark.parametrize("step", ["deblayage", "accompagnement"])
def test_a_colleagues_visitor_is_taken_over_after_a_confirmation(logged_in, stop, agent, other_agent, step):
    visit = VisitFactory(stop=stop, ticket=7)
    {"deblayage": intake.start_deblayage, "accompagnement": intake.start_accompagnement}[step](visit, other_agent)
    queue = logged_in.get("/agents/arrets/nathalie-sarraute/").content.decode()
    assert f'href="/agents/passages/{visit.pk}/reprendre/">Reprendre<span class="visually-hidden"> le n° 7' in queue

    page = text_of(logged_in.get(f"/agents/passages/{visit.pk}/reprendre/"))
    started = timezone.localtime(getattr(Visit.objects.get(), f"{step}_started_at"))
    label = {"deblayage": "déblayage", "accompagnement": "accompagnement"}[step]
    assert f"Yanis Benali s'occupe du n° 7 ({label} depuis {started:%H:%M})." in page
    assert Visit.objects.get().status == step  # nothing taken yet

    data = {"step": step, "colleague": other_agent.pk}
    response = logged_in.post(f"/agents/passages/{visit.pk}/reprendre/", data, follow=True)
    assert response.redirect_chain[-1][0] == f"/agents/passages/{visit.pk}/{step}/"
    assert "Vous avez repris le n° 7 à la place de Yanis Benali." in text_of(response)
    assert Visit.objects.get().holder == agent


def test_a_visitor_taken_over_by_someone_else_meanwhile_is_not_taken_again(logged_in, stop, agent, other_agent):
    third = agent_user("lea", first_name="Léa", last_name="Dupont")
    visit = intake.start_deblayage(VisitFactory(stop=stop, ticket=3), other_agent)
    intake.take_over(visit, third, Status.DEBLAYAGE, other_agent)
    data = {"step": "deblayage", "colleague": other_agent.pk}  # what the page showed before
    response = logged_in.post(f"/agents/passages/{visit.pk}/reprendre/", data, follow=True)
    assert "Léa Dupont s&#x27;occupe déjà du n° 3 (déblayage)." in text_of(response)
    assert Visit.objects.get().holder == third


@pytest.mark.parametrize("data", [{}, {"step": "waiting", "colleague": "1"}, {"step": "deblayage", "colleague": "x"}])
def test_a_take_over_with_bad_data_changes_nothing(logged_in, stop, other_agent, data):
    visit = intake.start_deblayage(VisitFactory(stop=stop), other_agent)
    response = logged_in.post(f"/agents/passages/{visit.pk}/reprendre/", data, follow=True)
    assert response.status_code == 200
    assert "La page a changé entre-temps" in text_of(response)
    assert Visit.objects.get().holder == other_agent


def test_only_a_visitor_in_someone_elses_hands_can_be_taken_over(logged_in, stop, agent):
    waiting = VisitFactory(stop=stop, ticket=5)
    response = logged_in.get(f"/agents/passages/{waiting.pk}/reprendre/", follow=True)
    assert response.redirect_chain[-1][0] == "/agents/arrets/nathalie-sarraute/"
    assert "est à l&#x27;étape « En attente »" in text_of(response)
    mine = intake.start_deblayage(VisitFactory(stop=stop, ticket=6), agent)
    response = logged_in.get(f"/agents/passages/{mine.pk}/reprendre/")
    assert response.url == f"/agents/passages/{mine.pk}/deblayage/"


def accompagnement_data(demand, **overrides):
    return {
        **demand_rows(demand, total=3),
        "minutes": "20",
        "note": "",
        "follow_up_name": "",
        "follow_up_phone": "",
        "follow_up_email": "",
    } | overrides


def test_accompagnement_page_warns_about_sensitive_data_and_prefills_the_duration(client, stop, agent):
    morning = datetime.datetime(2025, 3, 4, 10, tzinfo=schedule.PARIS)  # not across midnight
    with time_machine.travel(morning - datetime.timedelta(minutes=18), tick=False):
        visit = VisitFactory(stop=stop, arrived_at=timezone.now() - datetime.timedelta(minutes=22))
        intake.start_accompagnement(visit, agent)
    with time_machine.travel(morning, tick=False):
        client.force_login(agent)
        response = client.get(f"/agents/passages/{visit.pk}/accompagnement/")
    text = text_of(response)
    assert "N'écrivez ni nom, ni numéro" in text
    assert response.context["form"].initial["minutes"] == 18


def test_accompagnement_with_a_follow_up_contact_needs_consent(logged_in, stop, agent):
    visit = intake.start_accompagnement(VisitFactory(stop=stop), agent)
    data = accompagnement_data(visit.demands.get(), follow_up_name="Mme Diallo", follow_up_phone="0612345678")
    response = logged_in.post(f"/agents/passages/{visit.pk}/accompagnement/", data)
    assert response.status_code == 400
    assert "Sans l&#x27;accord de la personne, ne notez pas ses coordonnées." in text_of(response)
    assert Visit.objects.get().status == Status.ACCOMPAGNEMENT
    data["follow_up_consent"] = "on"
    logged_in.post(f"/agents/passages/{visit.pk}/accompagnement/", data)
    assert FollowUpContact.objects.get().name == "Mme Diallo"
    assert Visit.objects.get().status == Status.DONE


def test_accompagnement_needs_an_outcome_for_each_demand(logged_in, stop, agent):
    visit = intake.start_accompagnement(VisitFactory(stop=stop), agent)
    response = logged_in.post(
        f"/agents/passages/{visit.pk}/accompagnement/",
        accompagnement_data(visit.demands.get(), **{"demandes-0-outcome": ""}),
    )
    assert response.status_code == 400
    assert "Indiquez le résultat de cette demande." in text_of(response)


def test_accompagnement_can_add_a_demand(logged_in, stop, agent):
    visit = intake.start_accompagnement(VisitFactory(stop=stop), agent)
    extra = {"demandes-1-reason": reason("dgfip", "Déclaration de revenus"), "demandes-1-outcome": "in_progress"}
    logged_in.post(f"/agents/passages/{visit.pk}/accompagnement/", accompagnement_data(visit.demands.get(), **extra))
    assert list(Visit.objects.get().demands.values_list("partner__code", "outcome")) == [
        ("caf", "resolved"),
        ("dgfip", "in_progress"),
    ]


def test_mark_left_from_the_queue(logged_in, stop):
    visit = VisitFactory(stop=stop, ticket=7)
    response = logged_in.post(f"/agents/passages/{visit.pk}/vers/parti/", follow=True)
    assert "N° 7 noté comme parti sans être reçu." in text_of(response)
    assert Visit.objects.get().status == Status.LEFT


def test_steps_only_accept_post(logged_in, stop):
    visit = VisitFactory(stop=stop)
    assert logged_in.get(f"/agents/passages/{visit.pk}/vers/parti/").status_code == 405
    assert logged_in.get("/agents/arrets/nathalie-sarraute/suivant/").status_code == 405


# My visits and corrections ----------------------------------------------------------


@pytest.fixture
def finished_visit(stop, agent):
    visit = intake.start_accompagnement(VisitFactory(stop=stop, ticket=3), agent)
    demand = visit.demands.get()
    return intake.finish_accompagnement(visit, agent, [(demand.pk, Reason(demand.partner_id), "resolved")], minutes=20)


def test_a_finished_visit_sent_again_says_so_once(logged_in, finished_visit):
    response = logged_in.post(f"/agents/passages/{finished_visit.pk}/vers/parti/", follow=True)
    text = text_of(response)
    assert "Le passage du n° 3 est déjà terminé." in text
    assert "(terminé)" not in text


def test_my_visits_lists_what_i_handled_today(logged_in, finished_visit, other_agent, stop):
    VisitFactory(stop=stop, ticket=9, registered_by=other_agent)
    text = text_of(logged_in.get("/agents/mes-passages/"))
    assert 'Corriger<span class="visually-hidden"> le n° 3' in text
    assert "le n° 9" not in text


def test_correct_a_visit_and_see_the_history(logged_in, finished_visit):
    demand = finished_visit.demands.get()
    data = {
        **demand_rows(demand, "follow_up"),
        "accompagnement_minutes": "45",
        "note": "",
        "age_band": "",
        "residence": "",
        "first_visit": "",
        "heard_from": "",
    }
    response = logged_in.post(f"/agents/passages/{finished_visit.pk}/corriger/", data, follow=True)
    assert "Passage du n° 3 corrigé." in text_of(response)
    assert VisitCorrection.objects.get().changes["accompagnement_minutes"] == ["20", "45"]
    text = text_of(logged_in.get(f"/agents/passages/{finished_visit.pk}/corriger/"))
    assert "Durée de l&#x27;accompagnement (minutes) : 20 → 45" in text
    assert "par Camille Martin" in text


def test_any_agent_corrects_a_visit_a_colleague_received(client, finished_visit, other_agent):
    client.force_login(other_agent)  # Camille received n° 3; Yanis puts a slip right
    demand = finished_visit.demands.get()
    data = {**demand_rows(demand, "follow_up"), "accompagnement_minutes": "30", "note": ""}
    data |= {"age_band": "", "residence": "", "first_visit": "", "heard_from": ""}
    response = client.post(f"/agents/passages/{finished_visit.pk}/corriger/", data, follow=True)
    assert "Passage du n° 3 corrigé." in text_of(response)
    assert VisitCorrection.objects.get().agent == other_agent


def test_someone_who_is_not_an_agent_corrects_nothing(client, finished_visit, resident):
    client.force_login(resident)
    assert client.get(f"/agents/passages/{finished_visit.pk}/corriger/").status_code == 403


def test_a_visit_of_yesterday_cannot_be_corrected(logged_in, finished_visit):
    Visit.objects.filter(pk=finished_visit.pk).update(service_day=timezone.localdate() - datetime.timedelta(days=1))
    demand = finished_visit.demands.get()
    data = {
        **demand_rows(demand, reason=reason("caf")),
        "accompagnement_minutes": "30",
    }
    response = logged_in.post(f"/agents/passages/{finished_visit.pk}/corriger/", data)
    assert response.status_code == 400
    assert "Un passage ne se corrige que le jour même." in text_of(response)
    assert not VisitCorrection.objects.exists()


def test_a_reason_without_a_procedure_reads_as_its_partner_alone(logged_in, stop, agent):
    visit = VisitFactory(stop=stop)
    assert visit.demands.get().procedure is None  # the factory's: the Caf, no procedure
    intake.start_deblayage(visit, agent)
    text = text_of(logged_in.get(f"/agents/passages/{visit.pk}/deblayage/"))
    assert "Motif : Caf." in text
    assert "– —" not in text
