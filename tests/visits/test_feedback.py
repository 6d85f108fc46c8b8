"""Visitors' opinions (visits/feedback.py): on the ticket's page once the visit is over, on the
bus's kiosk, and the coordinators' handling of the comments."""

import datetime
import html
import re

import pytest
import time_machine
from django.conf import settings

from mairie_mobile.models import AuditEvent
from partners.models import OrientationTarget, Partner, Reason
from tests.conftest import text_of
from tests.factories import OrganisationFactory, StopFactory
from tests.visits.test_tickets import TUESDAY, at
from visits import feedback, intake, tasks
from visits.models import Feedback, Visit

pytestmark = pytest.mark.django_db

PHONE = "06 12 34 56 78"
COMMENT = "Très bien reçue, merci à l'agent du bus, un vrai soulagement"


@pytest.fixture
def clock():
    """TUESDAY, 10h."""
    with time_machine.travel(at(10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def caf_and_cpam():
    return [Reason.of(Partner.objects.get(code="caf")), Reason.of(Partner.objects.get(code="cpam"))]


@pytest.fixture
def done(tuesday_bus, agent, caf_and_cpam, clock):
    """A visit received for the Caf and the CPAM, over."""
    visit = intake.register(tuesday_bus, agent, caf_and_cpam)
    intake.start_accompagnement(visit, agent)
    demands = [(d.pk, Reason.of(d.partner), "resolved") for d in visit.demands.all()]
    intake.finish_accompagnement(visit, agent, demands, minutes=12)
    return visit


def page_text(response):
    return html.unescape(text_of(response))


def words(response):
    """The page's text as read, without its tags."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def answer(**overrides):
    return {"mood": "good", "answered": "yes", "clarity": "5", "comment": ""} | overrides


def give(client, visit, **overrides):
    return client.post(f"/ticket/{visit.ticket_code}/avis/", answer(**overrides))


# Masking ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("écrivez-moi à jean.dupont@gmail.com svp", "écrivez-moi à [adresse masquée] svp"),
        ("mail : A.B+bus@mairie-paris.fr.", "mail : [adresse masquée]."),
        ("appelez le 06 12 34 56 78 merci", "appelez le [numéro masqué] merci"),
        ("mon numéro +33 6 12 34 56 78", "mon numéro [numéro masqué]"),
        ("0612345678 ou 06.12.34.56.78", "[numéro masqué] ou [numéro masqué]"),
        ("fixe 01 42 76 40 40, mail x@y.org", "fixe [numéro masqué], mail [adresse masquée]"),
        # As people dodge the masking, or type in a hurry.
        ("jean @ gmail.com", "[adresse masquée]"),
        ("jean[at]gmail.com ou jean (at) gmail (point) com", "[adresse masquée] ou [adresse masquée]"),
        ("Écrivez à jean@gmail.com. Merci", "Écrivez à [adresse masquée]. Merci"),
        ("06/12/34/56/78", "[numéro masqué]"),
        ("06,12,34,56,78 ou 06-12-34-56-78", "[numéro masqué] ou [numéro masqué]"),
        ("+33 (0)6 12 34 56 78", "[numéro masqué]"),
    ],
)
def test_addresses_and_numbers_are_masked(text, masked):
    assert feedback.mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "J'ai attendu 45 minutes, le 12/03/2025 à 10h30.",
        "Venu le 05/03/2025 10h, reçu à 10h20.",
        "Dossier n° 1234567, code postal 75018, 2 personnes avant moi.",
        "Super accueil !",
        "",
    ],
)
def test_a_text_without_them_is_kept_as_it_is(text):
    assert feedback.mask(text) == text


# On the ticket's page --------------------------------------------------------------------


def test_a_waiting_visitor_is_not_asked_yet(client, tuesday_bus, agent, caf_and_cpam, clock):
    visit = intake.register(tuesday_bus, agent, caf_and_cpam)
    assert "Votre avis nous aide" not in page_text(client.get(f"/ticket/{visit.ticket_code}/"))
    response = give(client, visit)
    assert response.status_code == 409
    assert "Vous pourrez donner votre avis à la fin de votre passage." in page_text(response)
    assert not Feedback.objects.exists()


def test_once_the_visit_is_over_the_page_asks_and_thanks(client, done):
    page = client.get(f"/ticket/{done.ticket_code}/")
    text = page_text(page)
    assert "Votre avis nous aide" in text
    assert "Avez-vous eu une réponse à votre demande ?" in text
    assert "1 = pas claires du tout, 5 = très claires" in text
    assert "n'écrivez ni votre nom, ni votre adresse, ni votre numéro de téléphone" in text
    assert f'action="/ticket/{done.ticket_code}/avis/"' in page.content.decode()
    # Outside the part htmx replaces: a poll never wipes a form half filled in.
    content = page.content.decode()
    assert content.index("</div>", content.index('id="ticket-state"')) < content.index('id="avis"')

    response = give(client, done, comment=f"Rappelez-moi au {PHONE}")
    assert response.status_code == 302
    assert response["Location"] == f"/ticket/{done.ticket_code}/#avis"
    text = page_text(client.get(f"/ticket/{done.ticket_code}/"))
    assert "Merci ! Votre avis a été enregistré." in text
    assert "Votre avis nous aide" not in text
    opinion = Feedback.objects.get()
    assert (opinion.mood, opinion.answered, opinion.clarity) == ("good", "yes", 5)
    assert opinion.comment == "Rappelez-moi au [numéro masqué]"


def test_one_opinion_per_ticket(client, done):
    assert give(client, done).status_code == 302
    again = give(client, done, mood="bad")
    assert again.status_code == 409
    assert "Vous avez déjà donné votre avis pour ce ticket. Merci !" in page_text(again)
    assert Feedback.objects.get().mood == "good"
    with pytest.raises(feedback.AlreadyGiven):
        feedback.give_on_ticket(Visit.objects.get(pk=done.pk), answer(mood="bad"))


def test_the_opinion_keeps_the_stop_the_day_and_the_partners_never_the_visit(client, done):
    give(client, done)
    opinion = Feedback.objects.get()
    assert (opinion.stop, opinion.service_day, opinion.source) == (done.stop, TUESDAY, "ticket")
    assert set(opinion.partners.values_list("code", flat=True)) == {"caf", "cpam"}
    assert not [f for f in Feedback._meta.get_fields() if f.related_model is Visit]
    # Not the minute: paired with the visit's end, it would name the visit.
    visit = Visit.objects.get(pk=done.pk)
    assert opinion.created_at == visit.feedback_given_at == at(0)


def test_the_polled_part_offers_the_form_once_the_visit_is_over(client, tuesday_bus, agent, caf_and_cpam, clock):
    visit = intake.register(tuesday_bus, agent, caf_and_cpam)
    assert "Donner mon avis" not in page_text(client.get(f"/ticket/{visit.ticket_code}/etat/"))
    intake.mark_left(visit, agent)
    polled = client.get(f"/ticket/{visit.ticket_code}/etat/")
    assert polled.status_code == 286
    assert f'href="/ticket/{visit.ticket_code}/?avis#avis">Donner mon avis</a>' in polled.content.decode()
    give(client, visit, answered="", clarity="")
    assert "Donner mon avis" not in page_text(client.get(f"/ticket/{visit.ticket_code}/etat/"))


def test_who_left_without_being_received_is_asked_only_how_it_went(client, tuesday_bus, agent, caf_and_cpam, clock):
    visit = intake.register(tuesday_bus, agent, caf_and_cpam)
    intake.mark_left(visit, agent)
    text = page_text(client.get(f"/ticket/{visit.ticket_code}/"))
    assert "Comment ça s'est passé ?" in text
    assert "Avez-vous eu une réponse" not in text
    assert give(client, visit, mood="bad", answered="yes", clarity="1").status_code == 302
    assert (Feedback.objects.get().answered, Feedback.objects.get().clarity) == ("", None)


def test_an_oriented_visitor_is_asked_too(client, tuesday_bus, agent, caf_and_cpam, clock):
    visit = intake.register(tuesday_bus, agent, caf_and_cpam, orientation_target=OrientationTarget.objects.first())
    assert "Avez-vous eu une réponse à votre demande ?" in page_text(client.get(f"/ticket/{visit.ticket_code}/"))
    assert give(client, visit, answered="partly").status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mood": ""}, "Choisissez un des trois visages."),
        ({"mood": "ravi"}, "Sélectionnez un choix valide"),
        ({"clarity": "9"}, "Sélectionnez un choix valide"),
        ({"comment": "x" * 501}, "500 caractères"),
    ],
)
def test_a_bad_answer_is_said_and_nothing_kept(client, done, data, message):
    response = give(client, done, **data)
    assert response.status_code == 400
    assert message in page_text(response)
    assert not Feedback.objects.exists()


def test_a_ticket_of_a_day_over_takes_no_opinion(client, done, clock):
    clock.move_to(at(0, 1, day=TUESDAY + datetime.timedelta(days=1)))
    assert give(client, done).status_code == 410
    assert not Feedback.objects.exists()


def test_the_form_is_posted_only(client, done):
    assert client.get(f"/ticket/{done.ticket_code}/avis/").status_code == 405


# On the kiosk ------------------------------------------------------------------------------


def kiosk(client, stop, **overrides):
    return client.post(f"/agents/arrets/{stop.slug}/avis/", {"mood": "average", "answered": "no"} | overrides)


def test_the_kiosk_takes_an_opinion_for_the_stop_and_today_and_thanks(logged_in, tuesday_bus, clock):
    page = logged_in.get(f"/agents/arrets/{tuesday_bus.slug}/avis/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "site-header" not in content
    assert "site-footer" not in content
    assert "<textarea" not in content
    assert 'type="text"' not in content
    response = kiosk(logged_in, tuesday_bus)
    assert response["Location"] == f"/agents/arrets/{tuesday_bus.slug}/avis/?merci=1"
    thanks = logged_in.get(response["Location"]).content.decode()
    assert 'data-kiosk-reset="6"' in thanks
    assert f'href="/agents/arrets/{tuesday_bus.slug}/avis/">Nouvel avis</a>' in thanks
    opinion = Feedback.objects.get()
    assert (opinion.stop, opinion.service_day, opinion.source) == (tuesday_bus, TUESDAY, "kiosk")
    assert (opinion.mood, opinion.answered, opinion.clarity, opinion.comment) == ("average", "no", None, "")
    assert not opinion.partners.exists()


def test_the_kiosk_answers_on_a_day_the_stop_does_not_open(logged_in, tuesday_bus):
    with time_machine.travel(at(11, day=TUESDAY + datetime.timedelta(days=1)), tick=False):
        assert kiosk(logged_in, tuesday_bus).status_code == 302
    assert Feedback.objects.get().service_day == TUESDAY + datetime.timedelta(days=1)


def test_the_kiosk_takes_no_comment(logged_in, tuesday_bus, clock):
    response = kiosk(logged_in, tuesday_bus, comment="Appelez-moi")
    assert response.status_code == 400
    assert "La borne ne prend pas de commentaire." in page_text(response)
    with pytest.raises(feedback.FeedbackRefused):
        feedback.give_on_kiosk(tuesday_bus, {"mood": "good", "comment": "Appelez-moi"})
    assert not Feedback.objects.exists()


def test_the_kiosk_answers_at_the_pace_of_people(logged_in, tuesday_bus, clock):
    assert kiosk(logged_in, tuesday_bus).status_code == 302
    clock.move_to(at(10) + datetime.timedelta(seconds=4))
    too_soon = kiosk(logged_in, tuesday_bus)
    assert too_soon.status_code == 429
    assert "réessayez dans un moment" in page_text(too_soon)
    clock.move_to(at(10) + datetime.timedelta(seconds=6))
    assert kiosk(logged_in, tuesday_bus).status_code == 302
    assert Feedback.objects.count() == 2


def test_the_kiosk_takes_sixty_opinions_an_hour(tuesday_bus):
    start = at(10)
    for n in range(feedback.KIOSK_PER_HOUR):
        feedback.give_on_kiosk(tuesday_bus, {"mood": "good"}, now=start + datetime.timedelta(seconds=50 * n))
    last = start + datetime.timedelta(seconds=50 * feedback.KIOSK_PER_HOUR)
    with pytest.raises(feedback.TooFast):
        feedback.give_on_kiosk(tuesday_bus, {"mood": "good"}, now=last)
    # Another stop's kiosk counts on its own.
    feedback.give_on_kiosk(StopFactory(), {"mood": "good"}, now=last)
    # An hour after the first one, it takes one more.
    feedback.give_on_kiosk(tuesday_bus, {"mood": "good"}, now=start + datetime.timedelta(hours=1, seconds=1))


def test_the_kiosk_keeps_the_minute_of_an_opinion_until_the_night_only(tuesday_bus):
    # The minute would pair an opinion with the visit that had just ended, as on a ticket.
    feedback.give_on_kiosk(tuesday_bus, {"mood": "good"}, now=at(10, 42))
    feedback.give_on_kiosk(tuesday_bus, {"mood": "bad"}, now=at(16, 7))
    assert feedback.forget_kiosk_minutes(TUESDAY) == 0  # the day's pace is still counted
    wednesday = TUESDAY + datetime.timedelta(days=1)
    today = feedback.give_on_kiosk(tuesday_bus, {"mood": "good"}, now=at(9, day=wednesday))

    assert feedback.forget_kiosk_minutes(wednesday) == 2

    given = set(Feedback.objects.exclude(pk=today.pk).values_list("created_at", flat=True))
    assert given == {feedback.day_start(TUESDAY)}
    assert Feedback.objects.get(pk=today.pk).created_at == at(9, day=wednesday)


def test_the_minutes_of_the_kiosk_are_forgotten_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["forget-kiosk-minutes"]
    assert entry["task"] == tasks.forget_kiosk_minutes.name
    assert entry["schedule"].hour == {3}


def test_another_organisations_kiosk_is_not_found(logged_in, clock):
    elsewhere = StopFactory(organisation=OrganisationFactory(slug="pimms"))
    assert logged_in.get(f"/agents/arrets/{elsewhere.slug}/avis/").status_code == 404
    assert kiosk(logged_in, elsewhere).status_code == 404


def test_the_queue_page_leads_to_the_kiosk(logged_in, tuesday_bus, clock):
    content = logged_in.get(f"/agents/arrets/{tuesday_bus.slug}/").content.decode()
    assert f'href="/agents/arrets/{tuesday_bus.slug}/avis/"' in content


# The coordinators --------------------------------------------------------------------------


@pytest.fixture
def comments(tuesday_bus):
    """A comment at the coordinator's stop, and one at another organisation's."""
    mine = Feedback.objects.create(stop=tuesday_bus, service_day=TUESDAY, source="ticket", mood="bad", comment=COMMENT)
    pimms = StopFactory(name="Arrêt de Libercourt", organisation=OrganisationFactory(slug="pimms"))
    theirs = Feedback.objects.create(
        stop=pimms, service_day=TUESDAY, source="ticket", mood="good", comment="Libercourt, rien à redire"
    )
    return mine, theirs


def test_the_coordinator_reads_the_comments_of_their_stops_only(coordination, comments, clock):
    Feedback.objects.create(stop=comments[0].stop, service_day=TUESDAY, source="kiosk", mood="good")
    text = words(coordination.get("/coordination/avis/"))
    assert COMMENT in text
    assert "Libercourt" not in text
    # The kiosk's opinion counted, with no comment to list; too few to tell them apart.
    assert "2 avis en 30 jours : trop peu pour les détailler (moins de 20)." in text
    assert "1 bien" not in text
    assert COMMENT not in page_text(coordination.get("/coordination/avis/?etat=traites"))


def test_the_moods_of_twenty_opinions_are_told_apart(coordination, comments, clock):
    Feedback.objects.bulk_create(
        Feedback(stop=comments[0].stop, service_day=TUESDAY, source="kiosk", mood="good") for _ in range(19)
    )
    assert "19 bien 0 moyen 1 pas bien" in words(coordination.get("/coordination/avis/"))


def test_the_national_administrator_reads_every_comment(client, comments, clock, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.org", "x"))
    text = page_text(client.get("/coordination/avis/"))
    assert COMMENT in text
    assert "Libercourt, rien à redire" in text


def test_a_comment_marked_handled_says_who_when_and_what(coordination, comments, coordinator, clock):
    mine, theirs = comments
    response = coordination.post(
        f"/coordination/avis/{mine.pk}/traite/", {"note": "Une chaise de plus à l'accueil.", "publish": "on"}
    )
    assert response["Location"] == "/coordination/avis/"
    mine.refresh_from_db()
    assert (mine.handled_at, mine.handled_by, mine.note_published) == (at(10), coordinator, True)
    assert mine.handled_note == "Une chaise de plus à l'accueil."
    assert list(Feedback.objects.published_notes()) == [mine]
    entry = AuditEvent.objects.get(action="feedback_handled")
    assert (entry.user, entry.organisation) == (coordinator, "paris")
    handled = words(coordination.get("/coordination/avis/?etat=traites"))
    assert "Avis pris en compte – par Nadia Durand, le 4 mars 2025, 10h00" in handled
    assert "Une chaise de plus à l'accueil." in handled
    assert COMMENT not in page_text(coordination.get("/coordination/avis/"))
    # Handled once: a second answer changes nothing.
    coordination.post(f"/coordination/avis/{mine.pk}/traite/", {"note": "Autre chose"})
    mine.refresh_from_db()
    assert mine.handled_note == "Une chaise de plus à l'accueil."
    # Another organisation's comment is not found.
    assert coordination.post(f"/coordination/avis/{theirs.pk}/traite/", {"note": "x"}).status_code == 404


def test_a_comment_is_not_handled_without_saying_what_was_done(coordination, comments, clock):
    response = coordination.post(f"/coordination/avis/{comments[0].pk}/traite/", {"note": " ", "publish": "on"})
    assert response.status_code == 400
    assert "Dites en quelques mots ce qui a été fait." in page_text(response)
    assert Feedback.objects.get(pk=comments[0].pk).handled_at is None


def test_agents_do_not_read_the_comments(logged_in, comments):
    assert logged_in.get("/coordination/avis/").status_code == 403


def test_the_coordination_home_leads_to_the_comments(coordination):
    assert 'href="/coordination/avis/"' in coordination.get("/coordination/").content.decode()


def test_no_public_page_shows_a_comment(client, comments, done):
    give(client, done, comment="Un commentaire du ticket")
    for url in (
        "/",
        "/arrets/nathalie-sarraute/",
        "/structures/paris/",
        f"/ticket/{done.ticket_code}/",
        "/api/v1/openings?start=2025-03-04&end=2025-03-04",
    ):
        content = client.get(url).content.decode()
        assert COMMENT not in content, url
        assert "Un commentaire du ticket" not in content, url


def test_the_admin_shows_an_opinion_read_only(client, comments, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.org", "x"))
    page = client.get(f"/admin/visits/feedback/{comments[0].pk}/change/")
    assert page.status_code == 200
    assert COMMENT in page_text(page)
    assert 'name="comment"' not in page.content.decode()
