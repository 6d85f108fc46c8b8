"""Subscribers by SMS told of changes through the same notifications as by mail: one SMS of one
segment each, within the organisation's monthly budget, retried when the provider fails."""

import datetime
from pathlib import Path

import pytest
import time_machine
import yaml
from celery.exceptions import Retry
from django.conf import settings
from django.core import mail
from django.utils import timezone, translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bench.generate import NAMES
from mairie_mobile import gsm, sms
from stops import links, notifications, schedule, tasks, wording
from stops.models import ClosureReason, Notification, SmsSent, Subscription, new_leave_code
from stops.schedule import Opening
from stops.tasks import MAX_RETRIES, send_notifications
from tests import brevo
from tests.conftest import text_of
from tests.factories import OrganisationFactory, StopFactory, WeeklySlotFactory
from tests.stops.test_notifications import MONDAY, close, debounce_of_five_minutes, dispatch_and_deliver

pytestmark = pytest.mark.django_db
__all__ = ["debounce_of_five_minutes"]  # the fixture of the mail tests applies here too

D = datetime.date
PHONE = "+33612345678"
AFTER_DEBOUNCE = MONDAY + datetime.timedelta(minutes=6)


@pytest.fixture(autouse=True)
def _debounce(debounce_of_five_minutes):
    return


def sms_subscriber(stop, phone=PHONE, **fields):
    return Subscription.objects.create(
        phone=phone, stop=stop, confirmed_at=MONDAY, leave_code=new_leave_code(), **fields
    )


@pytest.fixture
def by_sms(tuesday_bus):
    return sms_subscriber(tuesday_bus)


@pytest.fixture
def by_mail(tuesday_bus):
    return Subscription.objects.create(email="resident@example.org", stop=tuesday_bus, confirmed_at=MONDAY)


def test_a_change_reaches_mail_and_sms_subscribers_through_the_same_notifications_once_each(
    tuesday_bus, by_mail, by_sms, sms_outbox
):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    ids, _next_due = notifications.dispatch_due_changes(AFTER_DEBOUNCE, tasks.debounce())
    assert ids == {by_mail.pk, by_sms.pk}
    with time_machine.travel(AFTER_DEBOUNCE, tick=False):
        send_notifications.apply(args=[sorted(ids)])
        send_notifications.apply(args=[sorted(ids)])  # redelivered: nothing twice
    assert len(mail.outbox) == 1
    (message,) = sms_outbox
    assert message.to == PHONE
    assert message.sender == "Mairie mobile – Ville de Paris"
    assert dict(Notification.objects.values_list("subscription", "state")) == {by_mail.pk: "sent", by_sms.pk: "sent"}
    assert SmsSent.objects.get().kind == "change"


def test_the_sms_of_a_change_says_it_in_one_segment_with_the_stop_s_short_link(tuesday_bus, by_sms, sms_outbox):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11), reason="Bus en panne")
    with time_machine.travel(AFTER_DEBOUNCE, tick=False):
        dispatch_and_deliver(AFTER_DEBOUNCE)
    (message,) = sms_outbox
    assert gsm.fits(message.body)
    # The organisation's and the stop's names shortened to fit, the rest whole:
    assert message.body.startswith("Mairie mobile...: mar. 11/3 annulé (bus en panne) à Esplanade Nathalie...")
    assert "Prochain: mar. 4/3 9h30." in message.body
    assert f" {links.printed(links.short_url(tuesday_bus))} " in message.body
    assert message.body.endswith(f"Stop SMS: 127.0.0.1:8000/d/{by_sms.leave_code}")


@pytest.mark.parametrize("language", ["ar", "zh-hans"])
def test_an_sms_subscriber_in_arabic_or_chinese_gets_it_in_their_language_billed_by_part(
    tuesday_bus, sms_outbox, language
):
    subscriber = sms_subscriber(tuesday_bus, language=language)
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11), reason="Grève")
    with time_machine.travel(AFTER_DEBOUNCE, tick=False):
        dispatch_and_deliver(AFTER_DEBOUNCE)
    (message,) = sms_outbox
    assert not gsm.is_gsm(message.body)
    assert gsm.UCS2.fits(message.body)
    with translation.override(language):
        assert str(ClosureReason.STRIKE.label) in message.body
        # Its links open the pages in its language.
        stop_sms = translation.gettext("Stop SMS: %(leave)s") % {"leave": notifications._leave_url(subscriber)}
    assert message.body.endswith(stop_sms)
    assert f"/{language}/d/{subscriber.leave_code}" in stop_sms
    # Each part of the longer SMS counts against the budget, as the provider bills it.
    assert SmsSent.objects.count() == gsm.segments(message.body) > 1


def test_a_reminder_by_sms(tuesday_bus, by_sms, sms_outbox):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11), reason="Grève")
    evening = datetime.datetime(2025, 3, 10, 18, tzinfo=MONDAY.tzinfo)
    with time_machine.travel(evening, tick=False):
        assert notifications.deliver(notifications.remind_tomorrow(timezone.now())) == 1
        assert notifications.deliver(notifications.remind_tomorrow(timezone.now())) == 0  # once
    (message,) = sms_outbox
    assert "demain mar. 11/3 annulé (grève) à" in message.body
    assert gsm.fits(message.body)


# The provider fails ------------------------------------------------------------------------


@pytest.fixture
def fake_brevo(settings):
    with brevo.FakeBrevo() as server:
        settings.SMS_URL = server.url + "&timeout=2"
        yield server


def test_sms_go_through_brevo(tuesday_bus, by_sms, fake_brevo):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    with time_machine.travel(AFTER_DEBOUNCE, tick=False):
        assert dispatch_and_deliver(AFTER_DEBOUNCE) == 1
    (request,) = fake_brevo.requests
    assert request["json"]["recipient"] == "33612345678"
    assert request["json"]["type"] == "transactional"
    assert request["json"]["sender"] == "MairiemobileVill"[:11]


def test_brevo_down_is_retried_with_backoff_then_the_notification_is_failed(tuesday_bus, by_sms, fake_brevo):
    fake_brevo.answers = [brevo.UNAVAILABLE] * 3
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    ids, _next_due = notifications.dispatch_due_changes(AFTER_DEBOUNCE, tasks.debounce())
    with pytest.raises(Retry) as retry:
        send_notifications.apply(args=[sorted(ids)], retries=2, throw=True)
    assert retry.value.when == 120  # 30 s, 1 min, 2 min…
    assert Notification.objects.get().state == "queued"
    with pytest.raises(sms.SendingFailed):  # the last retry
        send_notifications.apply(args=[sorted(ids)], retries=MAX_RETRIES, throw=True)
    notification = Notification.objects.get()
    assert notification.state == "failed"
    assert "Brevo 503" in notification.error
    send_notifications.apply(args=[sorted(ids)])  # Brevo is back: what failed stays failed
    assert len(fake_brevo.requests) == 2
    assert not SmsSent.objects.exists()


def test_brevo_down_holds_up_no_mail_and_only_the_sms_are_tried_again(tuesday_bus, by_sms, by_mail, fake_brevo):
    fake_brevo.answers = [brevo.UNAVAILABLE] * 3
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    ids, _next_due = notifications.dispatch_due_changes(AFTER_DEBOUNCE, tasks.debounce())
    with pytest.raises(Retry) as retry:
        send_notifications.apply(args=[sorted(ids, reverse=True)], throw=True)  # the SMS subscriber first
    assert len(mail.outbox) == 1  # the mail went all the same
    assert retry.value.sig.args == ([by_sms.pk],)  # only what failed is tried again
    states = dict(Notification.objects.values_list("subscription", "state"))
    assert states == {by_mail.pk: "sent", by_sms.pk: "queued"}
    with pytest.raises(sms.SendingFailed):  # the last retry fails the SMS alone
        send_notifications.apply(args=[[by_sms.pk]], retries=MAX_RETRIES, throw=True)
    states = dict(Notification.objects.values_list("subscription", "state"))
    assert states == {by_mail.pk: "sent", by_sms.pk: "failed"}


def test_without_sms_the_mails_go_and_the_sms_subscribers_are_failed(tuesday_bus, by_sms, by_mail, settings):
    settings.SMS_URL = ""  # the production default: mail only
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    with time_machine.travel(AFTER_DEBOUNCE, tick=False):
        assert dispatch_and_deliver(AFTER_DEBOUNCE) == 1
    assert len(mail.outbox) == 1
    states = dict(Notification.objects.values_list("subscription", "state"))
    assert states == {by_mail.pk: "sent", by_sms.pk: "failed"}


def test_brevo_back_before_the_last_retry_sends_once(tuesday_bus, by_sms, fake_brevo):
    fake_brevo.answers = [brevo.UNAVAILABLE]
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    ids, _next_due = notifications.dispatch_due_changes(AFTER_DEBOUNCE, tasks.debounce())
    with pytest.raises(Retry):
        send_notifications.apply(args=[sorted(ids)], throw=True)
    send_notifications.apply(args=[sorted(ids)], retries=1)
    send_notifications.apply(args=[sorted(ids)], retries=1)
    assert len(fake_brevo.requests) == 2
    assert Notification.objects.get().state == "sent"


def test_a_number_brevo_refuses_is_failed_at_once_and_the_others_go(tuesday_bus, by_sms, fake_brevo):
    other = sms_subscriber(tuesday_bus, phone="+33712345678")
    fake_brevo.answers = [brevo.INVALID_RECIPIENT]
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    ids, _next_due = notifications.dispatch_due_changes(AFTER_DEBOUNCE, tasks.debounce())
    send_notifications.apply(args=[sorted(ids)], throw=True)  # no retry
    states = dict(Notification.objects.values_list("subscription", "state"))
    assert states == {by_sms.pk: "failed", other.pk: "sent"}
    assert len(fake_brevo.requests) == 2


# The monthly budget ----------------------------------------------------------------------------


def spent(organisation, count, day=None):
    day = day or D(2025, 3, 1)
    SmsSent.objects.bulk_create([SmsSent(organisation=organisation, day=day, kind="change")] * count)


def test_the_budget_counts_this_month_s_sms_and_warns_at_80_percent(tuesday_bus, settings):
    settings.SMS_MONTHLY_BUDGET = 10
    paris = tuesday_bus.organisation
    spent(paris, 5, day=D(2025, 2, 28))  # last month's
    spent(paris, 7)
    assert notifications.sms_budget(paris, D(2025, 3, 3)) == (7, 10)
    assert not notifications.sms_budget(paris, D(2025, 3, 3)).warning
    spent(paris, 1)
    assert notifications.sms_budget(paris, D(2025, 3, 3)).warning
    paris.sms_monthly_budget = 100  # its own figure wins
    assert not notifications.sms_budget(paris, D(2025, 3, 3)).warning


def test_at_100_percent_a_change_of_another_day_is_not_sent_and_says_so(tuesday_bus, by_sms, by_mail, sms_outbox):
    paris = tuesday_bus.organisation
    paris.sms_monthly_budget = 3
    paris.save()
    spent(paris, 3)
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    with time_machine.travel(AFTER_DEBOUNCE, tick=False):
        dispatch_and_deliver(AFTER_DEBOUNCE)
    assert sms_outbox == []
    assert len(mail.outbox) == 1  # mails cost nothing
    assert Notification.objects.get(subscription=by_sms).get_state_display() == "Non envoyé : SMS du mois épuisés"


def test_at_100_percent_a_cancellation_of_the_same_day_is_still_sent(tuesday_bus, by_sms, sms_outbox):
    WeeklySlotFactory(stop=tuesday_bus, weekday=0, start=datetime.time(14), end=datetime.time(17))
    paris = tuesday_bus.organisation
    paris.sms_monthly_budget = 3
    paris.save()
    spent(paris, 3)
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 3), reason="Bus en panne")  # this afternoon's
    with time_machine.travel(AFTER_DEBOUNCE, tick=False):
        dispatch_and_deliver(AFTER_DEBOUNCE)
    (message,) = sms_outbox
    assert "lun. 3/3 annulé (bus en panne)" in message.body
    assert notifications.sms_budget(paris, D(2025, 3, 3)).sent == 4


def test_send_text_counts_against_the_budget(tuesday_bus, sms_outbox, settings):
    settings.SMS_MONTHLY_BUDGET = 1
    paris = tuesday_bus.organisation
    notifications.send_text(paris, PHONE, "Votre tour approche : présentez-vous au bus dans 10 minutes. " * 4)
    (message,) = sms_outbox
    assert gsm.fits(message.body)
    assert message.body.endswith("...")
    assert "Votre tour approche : présentez-vous" in message.body
    assert SmsSent.objects.get().kind == "text"
    with pytest.raises(notifications.OverBudget):
        notifications.send_text(paris, PHONE, "Encore un")
    assert len(sms_outbox) == 1


# One segment, whatever the names ---------------------------------------------------------------

DATA = Path(settings.BASE_DIR) / "stops" / "data"


def longest_names():
    """The longest stop and organisation names of the demo's stops files and of the bench's territory."""
    names = []
    for path in DATA.glob("*.yaml"):
        content = yaml.safe_load(path.read_text())
        names += [stop["name"] for stop in content.get("stops", [])]
    names += [pattern.format(department="2A", rank=999) for pattern in NAMES.values()]
    names += ["France services itinérant – arrêt 99999"]
    return sorted(names, key=len, reverse=True)[:5]


LONG = "Permanence du centre social et culturel de l'Espace Jean-Baptiste Clément, entrée côté cour " * 3
WORST_CONTEXTS = {
    "change": {
        "more": 99,
        "link": "mairie-mobile.example.fr/a/xyz",
        "leave": "mairie-mobile.example.fr/d/" + "x" * 9,
    },
    "reminder": {"link": "mairie-mobile.example.fr/a/xyz", "leave": "mairie-mobile.example.fr/d/" + "x" * 9},
    "code": {"code": "123456"},
}


def every_sms(sender, stop, reason):
    """Every SMS in the language of the moment, with its longest day and hours: « mer. 31/12
    ouverture exceptionnelle 14h30-17h30 », next « mer. 31/12 14h30 »."""
    parts = {"sender": sender, "reason": reason, "stop": stop}
    day, start, end = datetime.date(2025, 12, 31), datetime.time(14, 30), datetime.time(17, 30)
    what = {"what": notifications._what(day, Opening(None, day, start, end, extra=True))[0]}
    following = {"next": f"{wording.short_date(day)} {wording.format_time(start)}"}
    yield notifications.sms_text("change", WORST_CONTEXTS["change"] | what | following, parts)
    yield notifications.sms_text("reminder", WORST_CONTEXTS["reminder"] | what, parts)
    yield notifications.sms_text("code", WORST_CONTEXTS["code"], {"sender": sender})


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("name", longest_names())
@pytest.mark.parametrize("reason", [*map(str, ClosureReason.labels), LONG[:200]])
def test_every_sms_is_within_its_alphabet_s_limit_with_the_longest_names(name, reason, language):
    """One GSM segment in French and English; three UCS-2 parts at most in Arabic and Chinese."""
    alphabet = gsm.alphabet(language)
    with translation.override(language):
        texts = list(every_sms(name, name, reason))
        stop_sms = translation.gettext("Stop SMS: %(leave)s") % {"leave": "mairie-mobile.example.fr/d/xxxxxxxxx"}
    for text in texts:
        assert alphabet.fits(text), text
        assert gsm.segments(text) <= (1 if alphabet is gsm.GSM else gsm.UCS2_PARTS)
    change, reminder, code = texts
    for text in (change, reminder):  # the link to stop the SMS is never what is cut
        assert text.endswith(stop_sms), text
    assert "123456" in code


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=200), st.text(min_size=1, max_size=200), st.text(max_size=200))
def test_every_sms_is_one_segment_whatever_the_names(sender, stop, reason):
    for text in every_sms(sender, stop, reason):
        assert gsm.fits(text)
    change, reminder, _code = every_sms(sender, stop, reason)
    assert change.endswith("/d/xxxxxxxxx")
    assert reminder.endswith("/d/xxxxxxxxx")


def test_the_sms_of_the_longest_real_names_go_whole_through_the_sending(sms_outbox):
    organisation = OrganisationFactory(slug="longue", name=NAMES["intercommunalite"].format(department="2A", rank=999))
    stop = StopFactory(organisation=organisation, name=longest_names()[0])
    WeeklySlotFactory(stop=stop, weekday=1, start=datetime.time(9, 30), end=datetime.time(13))
    subscriber = sms_subscriber(stop)
    with time_machine.travel(MONDAY, tick=False):
        close(stop, D(2025, 3, 11), reason=LONG[:200])
    with time_machine.travel(AFTER_DEBOUNCE, tick=False):
        dispatch_and_deliver(AFTER_DEBOUNCE)
    (message,) = sms_outbox
    assert gsm.fits(message.body)
    assert message.body.endswith(f"/d/{subscriber.leave_code}")


# What the coordinator sees ---------------------------------------------------------------------


def test_the_coordinator_sees_this_month_s_sms_and_is_warned_at_80_percent(coordination, tuesday_bus, settings):
    settings.SMS_MONTHLY_BUDGET = 10
    today = timezone.localdate()
    spent(tuesday_bus.organisation, 7, day=today)
    text = text_of(coordination.get("/coordination/"))
    assert "SMS envoyés ce mois-ci" in text
    assert "<strong>7</strong> sur 10" in text
    assert "Plus de 80 %" not in text
    spent(tuesday_bus.organisation, 1, day=today)
    assert "Plus de 80 % du budget SMS du mois est utilisé." in text_of(coordination.get("/coordination/"))
    spent(tuesday_bus.organisation, 2, day=today)
    text = text_of(coordination.get("/coordination/"))
    assert "Budget du mois atteint : seules les annulations du jour partent encore par SMS." in text


def test_sms_not_sent_for_the_budget_are_counted_for_the_coordinator(
    coordination, tuesday_bus, by_sms, sms_outbox, settings
):
    settings.SMS_MONTHLY_BUDGET = 0
    now = timezone.now()
    tuesday = timezone.localdate(now) + datetime.timedelta(days=(1 - timezone.localdate(now).weekday()) % 7 or 7)
    close(tuesday_bus, tuesday)
    dispatch_and_deliver(timezone.now() + datetime.timedelta(minutes=6))
    assert sms_outbox == []
    assert "<strong>1</strong> non envoyé : sms du mois épuisés" in text_of(coordination.get("/coordination/"))


def test_the_statistics_count_the_sms_sent_each_month(coordination, tuesday_bus):
    from visits import stats

    spent(tuesday_bus.organisation, 3, day=D(2025, 3, 10))
    spent(tuesday_bus.organisation, 2, day=D(2025, 4, 2))
    spent(OrganisationFactory(slug="autre"), 5, day=D(2025, 3, 10))
    paris = tuesday_bus.organisation._meta.model.objects.filter(pk=tuesday_bus.organisation.pk)
    result = stats.compute(stats.Filters(D(2025, 3, 1), D(2025, 4, 30), organisations=paris))
    assert [(month, sms) for month, _visits, _demands, sms in result.monthly] == [
        (D(2025, 3, 1), 3),
        (D(2025, 4, 1), 2),
    ]
    page = text_of(coordination.get("/coordination/statistiques/", {"start": "2025-03-01", "end": "2025-04-30"}))
    assert '<th scope="col">SMS envoyés</th>' in page


def test_a_number_confirmed_without_its_code_still_gets_its_link_to_leave(tuesday_bus, sms_outbox):
    subscription = Subscription.objects.create(phone=PHONE, stop=tuesday_bus, confirmed_at=MONDAY)  # as in the admin
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11), reason="CAF fermée")
    with time_machine.travel(AFTER_DEBOUNCE, tick=False):
        dispatch_and_deliver(AFTER_DEBOUNCE)
    subscription.refresh_from_db()
    (message,) = sms_outbox
    assert message.body.endswith(f"/d/{subscription.leave_code}")
    assert "annulé (CAF fermée)" in message.body  # the reason lower-cased but its acronyms


def test_the_preview_of_an_edit_counts_the_subscribers_by_mail_and_by_sms(coordination, tuesday_bus, by_sms, by_mail):
    day = "2025-03-11"
    data = {"first_day": day, "last_day": day, "reason": "Travaux", "preview": "1"}
    with time_machine.travel(datetime.datetime(2025, 3, 4, 8, tzinfo=schedule.PARIS), tick=False):
        page = text_of(coordination.post("/coordination/arrets/nathalie-sarraute/fermetures/nouvelle/", data))
    assert "2 abonnés seront prévenus : 1 par courriel, 1 par SMS." in page
