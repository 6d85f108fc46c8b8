"""The SMS a visitor may ask for on their ticket's page, when two people are left before them
(visits/tickets.py): asked with consent, sent once, the number erased."""

import datetime
import html

import pytest
import time_machine
from django.utils import translation

from mairie_mobile import gsm
from partners.models import Procedure, Reason
from stops.models import SmsSent
from tests.conftest import text_of as raw_text_of
from tests.visits.test_tickets import TUESDAY, at
from visits import intake, tasks, tickets
from visits.models import TicketAlert

pytestmark = pytest.mark.django_db

MOBILE = "06 12 34 56 78"


@pytest.fixture
def clock():
    with time_machine.travel(at(10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def queue(tuesday_bus, agent, clock):
    """Six visitors waiting, n° 1 to 6."""
    procedure = Procedure.objects.select_related("partner").get(
        partner__code="caf", label="Déclaration trimestrielle RSA"
    )
    reason = Reason.of(procedure.partner, procedure)
    return [intake.register(tuesday_bus, agent, [reason]) for _ in range(6)]


def text_of(response):
    return html.unescape(raw_text_of(response))


def ask(client, visit, **data):
    return client.post(f"/ticket/{visit.ticket_code}/sms/", {"phone": MOBILE, "consent": "on"} | data)


def test_the_ticket_page_offers_the_sms_and_says_why_the_number_is_kept(client, queue):
    page = text_of(client.get(f"/ticket/{queue[5].ticket_code}/"))
    assert "Attendre ailleurs ? Recevez un SMS" in page
    assert "Il est effacé dès l'envoi, et ce soir au plus tard." in page
    # With two people before them or fewer, the SMS would come at once: not offered.
    assert "Recevez un SMS" not in text_of(client.get(f"/ticket/{queue[2].ticket_code}/"))


def test_no_sms_is_offered_where_none_can_be_sent(client, queue, settings):
    settings.SMS_URL = ""
    assert "Recevez un SMS" not in text_of(client.get(f"/ticket/{queue[5].ticket_code}/"))
    assert ask(client, queue[5]).status_code == 302
    assert not TicketAlert.objects.exists()


def test_without_consent_or_with_a_landline_nothing_is_kept(client, queue):
    response = ask(client, queue[5], consent="")
    assert response.status_code == 400
    assert "sans votre accord, nous ne pouvons pas garder votre numéro" in text_of(response)
    response = ask(client, queue[5], phone="01 42 76 40 40")
    assert response.status_code == 400
    assert not TicketAlert.objects.exists()


def test_asked_the_page_says_it_and_the_sms_leaves_when_two_are_left(client, queue, agent, sms_outbox):
    waiting = queue[5]
    assert ask(client, waiting).status_code == 302
    page = text_of(client.get(f"/ticket/{waiting.ticket_code}/"))
    assert "Nous enverrons un SMS au" in page
    assert '<span aria-hidden="true">06 •• •• •• 78</span>' in page  # bullets, not read aloud
    assert '<span class="visually-hidden">numéro finissant par 78</span>' in page
    assert TicketAlert.objects.get().phone_shown == "06\u00a0••\u00a0••\u00a0••\u00a078"  # never cut at a line's end

    intake.take_next(queue[0].stop, agent)  # n° 1 taken: 4 before n° 6
    intake.take_next(queue[0].stop, agent)  # n° 2 taken: 3 before
    assert tickets.send_due_alerts(waiting.stop, TUESDAY) == 0
    assert sms_outbox == []

    intake.mark_left(queue[2], agent)  # n° 3 gave up: 2 before
    assert tickets.send_due_alerts(waiting.stop, TUESDAY) == 1
    [message] = sms_outbox
    assert message.to == "+33612345678"
    assert "votre numéro 6, plus que 2 personnes avant vous" in message.body
    assert gsm.fits(message.body)
    alert = TicketAlert.objects.get()
    assert alert.sent_at is not None
    assert alert.phone == ""  # the number erased as it left
    assert SmsSent.objects.get().kind == SmsSent.Kind.TICKET  # counted against the budget

    intake.take_next(queue[0].stop, agent)
    assert tickets.send_due_alerts(waiting.stop, TUESDAY) == 0  # once only
    assert len(sms_outbox) == 1


def test_the_queue_moving_sends_it_after_its_commit(
    client, queue, agent, sms_outbox, eager_celery, django_capture_on_commit_callbacks
):
    ask(client, queue[3])  # n° 4: 3 before
    with django_capture_on_commit_callbacks(execute=True):
        intake.take_next(queue[0].stop, agent)
    assert "votre numéro 4, plus que 2 personnes avant vous" in sms_outbox[0].body


def test_received_before_the_sms_was_due_the_number_is_erased_and_nothing_sent(client, queue, agent, sms_outbox):
    ask(client, queue[5])
    intake.start_deblayage(queue[5], agent)  # taken out of turn
    assert tickets.send_due_alerts(queue[5].stop, TUESDAY) == 0
    assert sms_outbox == []
    assert not TicketAlert.objects.exists()


def test_the_visitor_may_take_it_back_and_their_number_is_erased(client, queue):
    ask(client, queue[5])
    assert client.post(f"/ticket/{queue[5].ticket_code}/sms/", {"action": "cancel"}).status_code == 302
    assert not TicketAlert.objects.exists()
    assert "Attendre ailleurs ? Recevez un SMS" in text_of(client.get(f"/ticket/{queue[5].ticket_code}/"))


def test_the_numbers_are_erased_once_the_day_is_over(client, queue, clock):
    ask(client, queue[5])
    clock.move_to(at(3, day=TUESDAY + datetime.timedelta(days=1)))
    assert tasks.send_ticket_alerts() == 0  # the minute's sweep
    assert not TicketAlert.objects.exists()
    # And the ticket of yesterday takes no number any more.
    assert ask(client, queue[4]).status_code == 410
    assert not TicketAlert.objects.exists()


def test_over_the_months_budget_the_sms_is_not_sent_and_the_number_still_erased(
    client, queue, agent, sms_outbox, settings
):
    settings.SMS_MONTHLY_BUDGET = 0
    ask(client, queue[3])
    intake.take_next(queue[0].stop, agent)
    assert tickets.send_due_alerts(queue[0].stop, TUESDAY) == 0
    assert sms_outbox == []
    assert TicketAlert.objects.get().phone == ""


def test_sms_turned_off_meanwhile_the_numbers_are_erased_and_nothing_fails(client, queue, agent, settings):
    ask(client, queue[3])
    settings.SMS_URL = ""
    intake.take_next(queue[0].stop, agent)
    assert tickets.send_due_alerts(queue[0].stop, TUESDAY) == 0
    assert not TicketAlert.objects.exists()


@pytest.mark.parametrize(("language", "words"), [("en", "your number 6"), ("ar", "رقمك 6"), ("zh-hans", "您的号码 6")])
def test_the_sms_is_written_in_the_language_of_the_page_it_was_asked_from(
    client, queue, agent, sms_outbox, language, words
):
    waiting = queue[5]
    response = client.post(
        f"/{language}/ticket/{waiting.ticket_code}/sms/", {"phone": "06 12 34 56 78", "consent": "on"}
    )
    assert response.status_code == 302
    assert TicketAlert.objects.get().language == language
    for visit in queue[:3]:
        intake.take_next(visit.stop, agent)
    assert tickets.send_due_alerts(waiting.stop, TUESDAY) == 1
    [message] = sms_outbox
    assert words in message.body
    with translation.override(language):
        back = translation.gettext("Revenez au bus")
    assert back != "Revenez au bus"
    assert back in message.body
    assert gsm.alphabet(language).fits(message.body)
    assert SmsSent.objects.count() == gsm.segments(message.body)


def test_an_unknown_ticket_takes_no_number(client, queue):
    assert client.post("/ticket/inconnu/sms/", {"phone": MOBILE, "consent": "on"}).status_code == 404
    assert client.get(f"/ticket/{queue[5].ticket_code}/sms/").status_code == 405
    assert not TicketAlert.objects.exists()


def test_the_sms_fits_one_segment_with_the_longest_names(queue):
    stop = queue[0].stop
    stop.name = "Bus Mairie mobile – " + "Très long nom d'arrêt près de la place " * 5
    stop.organisation.name = "Structure au nom très long " * 4
    for ahead in (0, 1, 2):
        text = tickets.alert_text(queue[5], ahead)
        assert gsm.fits(text), text


def test_at_a_permanence_the_words_are_a_permanence_s(client, queue, agent, sms_outbox):
    stop = queue[0].stop
    stop.kind = "permanence"
    stop.save()
    page = text_of(client.get(f"/ticket/{queue[5].ticket_code}/"))
    assert "pas loin de la permanence" in page
    assert "bus" not in tickets.alert_text(queue[5], 2)
    assert "Revenez à la permanence" in tickets.alert_text(queue[5], 2)
    intake.start_deblayage(queue[5], agent)
    assert "présentez-vous à l'accueil de la permanence" in text_of(client.get(f"/ticket/{queue[5].ticket_code}/"))
