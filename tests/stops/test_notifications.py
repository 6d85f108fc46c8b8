"""Subscribers told of changes: debounced, idempotent, retried, and reminded the day before."""

import datetime
from email import message_from_bytes, policy
from email.utils import formataddr, parseaddr
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from django.utils import timezone

from organisations.models import Organisation
from stops import editing, notifications, tasks
from stops.forms import ClosureEditForm
from stops.models import Closure, ExtraOpening, Notification, ScheduleChange, Stop, Subscription
from stops.schedule import PARIS
from stops.tasks import MAX_RETRIES, send_notifications
from tests.factories import OrganisationFactory, StopFactory, WeeklySlotFactory
from tests.smtp import start_sink

pytestmark = pytest.mark.django_db

D = datetime.date
MONDAY = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def debounce_of_five_minutes(settings):
    """A worker is there to come back when the window is over (tests asking for `eager_celery` excepted)."""
    from mairie_mobile.celery import app

    settings.NOTIFICATION_DEBOUNCE_SECONDS = 300
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def subscriber(tuesday_bus):
    return Subscription.objects.create(email="resident@example.org", stop=tuesday_bus, confirmed_at=MONDAY)


def close(stop, day, reason="Bus en panne", user=None):
    """An edit as the coordinator's pages make it."""
    form = ClosureEditForm({"first_day": day.isoformat(), "last_day": "", "reason": reason}, stop=stop)
    assert form.is_valid(), form.errors
    editing.edit_schedule([stop], form.save, user=user, description=f"Fermeture : {reason}")


def dispatch_and_deliver(at):
    subscription_ids, _next_due = notifications.dispatch_due_changes(at, tasks.debounce())
    return notifications.deliver(subscription_ids)


# After commit, or not at all ------------------------------------------------------------


def test_a_saved_edit_queues_the_dispatcher_after_commit(tuesday_bus, django_capture_on_commit_callbacks):
    with time_machine.travel(MONDAY, tick=False), django_capture_on_commit_callbacks() as callbacks:
        close(tuesday_bus, D(2025, 3, 11))
    assert callbacks.count(tasks.dispatch_soon) == 1  # (the cache of public pages is told too)
    assert ScheduleChange.objects.get().dispatched_at is None


def test_a_rolled_back_edit_queues_nothing(tuesday_bus, django_capture_on_commit_callbacks):
    from django.db import transaction

    def edit_then_fail():
        with transaction.atomic():
            close(tuesday_bus, D(2025, 3, 11))
            raise RuntimeError("the request failed after the edit")

    with (
        time_machine.travel(MONDAY, tick=False),
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError, match="failed after the edit"),
    ):
        edit_then_fail()
    assert callbacks == []
    assert not ScheduleChange.objects.exists()
    assert not Closure.objects.exists()


def test_an_edit_that_changes_no_opening_tells_nobody(tuesday_bus, subscriber, django_capture_on_commit_callbacks):
    with time_machine.travel(MONDAY, tick=False), django_capture_on_commit_callbacks() as callbacks:
        close(tuesday_bus, D(2025, 3, 12))  # a Wednesday: the bus does not come anyway
    assert tasks.dispatch_soon not in callbacks
    assert not ScheduleChange.objects.exists()


# Debounce ------------------------------------------------------------------------------


def test_several_edits_within_the_window_make_one_mail(tuesday_bus, subscriber):
    for minutes, day in ((0, 11), (1, 18), (3, 25)):
        with time_machine.travel(MONDAY + datetime.timedelta(minutes=minutes), tick=False):
            close(tuesday_bus, D(2025, 3, day))
    ids, next_due = notifications.dispatch_due_changes(MONDAY + datetime.timedelta(minutes=4), tasks.debounce())
    assert ids == set()
    assert next_due == pytest.approx(4 * 60)  # the last edit's window ends at 9:08
    with time_machine.travel(MONDAY + datetime.timedelta(minutes=9), tick=False):
        assert dispatch_and_deliver(MONDAY + datetime.timedelta(minutes=9)) == 1
    (message,) = mail.outbox
    assert message.subject == "Changement d'horaires : Bus Mairie mobile – Esplanade Nathalie Sarraute"
    for day in ("mardi 11 mars", "mardi 18 mars", "mardi 25 mars"):
        assert f"- {day}, 9h30 – 13h : annulé (Bus en panne)" in message.body
    assert Notification.objects.filter(state="sent").count() == 3


def test_the_mail_says_what_comes_next_and_links_to_the_stop(tuesday_bus, subscriber):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 4), reason="Bus en panne")
    with time_machine.travel(MONDAY + datetime.timedelta(minutes=6), tick=False):
        dispatch_and_deliver(timezone.now())
    (message,) = mail.outbox
    assert "Prochaines ouvertures :\n- mardi 11 mars, 9h30 – 13h\n- mardi 11 mars, 14h – 17h" in message.body
    assert "Tous les horaires : http://127.0.0.1:8000/arrets/nathalie-sarraute/" in message.body
    assert f"/abonnement/desabonner/{subscriber.token}/" in message.extra_headers["List-Unsubscribe"]
    html, _mimetype = message.alternatives[0]
    assert '<strong style="color:#a51d2d">annulé</strong> (Bus en panne)' in html


def test_who_is_told(tuesday_bus, subscriber):
    other = WeeklySlotFactory(weekday=1).stop
    Subscription.objects.create(
        email="everything@example.org", stop=None, organisation=OrganisationFactory(), confirmed_at=MONDAY
    )
    Subscription.objects.create(email="other@example.org", stop=other, confirmed_at=MONDAY)
    Subscription.objects.create(email="unconfirmed@example.org", stop=tuesday_bus)
    pimms = OrganisationFactory(slug="pimms-libercourt", departement="62")
    Subscription.objects.create(email="pimms@example.org", stop=None, organisation=pimms, confirmed_at=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    dispatch_and_deliver(MONDAY + datetime.timedelta(minutes=6))
    assert sorted(m.to[0] for m in mail.outbox) == ["everything@example.org", "resident@example.org"]


# Idempotency ------------------------------------------------------------------------------


def test_the_same_task_delivered_twice_mails_once(tuesday_bus, subscriber):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    ids, _next_due = notifications.dispatch_due_changes(MONDAY + datetime.timedelta(minutes=6), tasks.debounce())
    assert notifications.dispatch_due_changes(MONDAY + datetime.timedelta(minutes=7), tasks.debounce())[0] == set()
    send_notifications.apply(args=[sorted(ids)])
    send_notifications.apply(args=[sorted(ids)])  # redelivered
    assert len(mail.outbox) == 1
    assert Notification.objects.get().state == "sent"


def test_notifications_are_unique_per_subscription_and_change(tuesday_bus, subscriber):
    from django.db import IntegrityError

    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    notifications.dispatch_due_changes(MONDAY + datetime.timedelta(minutes=6), tasks.debounce())
    change = ScheduleChange.objects.get()
    with pytest.raises(IntegrityError):
        Notification.objects.create(subscription=subscriber, kind="change", change=change)


def test_a_mail_rendered_once_for_many_carries_each_subscriber_s_own_link_to_leave(tuesday_bus, subscriber):
    other = Subscription.objects.create(email="neighbour@example.org", stop=tuesday_bus, confirmed_at=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    assert dispatch_and_deliver(MONDAY + datetime.timedelta(minutes=6)) == 2
    for message in mail.outbox:
        (owner,) = [s for s in (subscriber, other) if message.to == [s.email]]
        link = f"http://127.0.0.1:8000/abonnement/desabonner/{owner.token}/"
        html, _mimetype = message.alternatives[0]
        assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
        assert f"Se désabonner : {link}" in message.body
        assert f'<a href="{link}"' in html
        assert "__unsubscribe_url__" not in message.body + html


def test_a_sending_locks_and_marks_its_mails_by_the_transaction_not_one_by_one(
    tuesday_bus, subscriber, django_assert_max_num_queries
):
    for n in range(2 * notifications.MAILS_PER_TRANSACTION):
        Subscription.objects.create(email=f"resident{n}@example.org", stop=tuesday_bus, confirmed_at=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    ids, _next_due = notifications.dispatch_due_changes(MONDAY + datetime.timedelta(minutes=6), tasks.debounce())
    # The subscriptions by SMS; the notifications held (4, savepoint included); the mail's openings
    # (8, computed once); then 4 per transaction of MAILS_PER_TRANSACTION mails (3 here).
    with django_assert_max_num_queries(1 + 4 + 8 + 3 * 4):
        assert notifications.deliver(sorted(ids)) == len(ids) == 41
    assert Notification.objects.filter(state="sent").count() == 41


# Failures and the sweeper ------------------------------------------------------------------


@pytest.fixture
def smtp(settings):
    sink, controller, port = start_sink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield sink
    controller.stop()


def test_mails_go_through_smtp(tuesday_bus, subscriber, smtp):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    dispatch_and_deliver(MONDAY + datetime.timedelta(minutes=6))
    (envelope,) = smtp.messages
    assert envelope.rcpt_tos == ["resident@example.org"]
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in envelope.content


def test_an_address_the_server_refuses_is_marked_failed_and_the_others_go(tuesday_bus, subscriber, smtp):
    Subscription.objects.create(email="refuse@example.org", stop=tuesday_bus, confirmed_at=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    assert dispatch_and_deliver(MONDAY + datetime.timedelta(minutes=6)) == 1
    assert dict(Notification.objects.values_list("subscription__email", "state")) == {
        "resident@example.org": "sent",
        "refuse@example.org": "failed",
    }


def test_a_mail_server_down_leaves_the_notifications_queued_then_failed_after_the_last_retry(
    tuesday_bus, subscriber, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    ids, _next_due = notifications.dispatch_due_changes(MONDAY + datetime.timedelta(minutes=6), tasks.debounce())
    with pytest.raises(ConnectionRefusedError):
        notifications.deliver(ids)
    assert Notification.objects.get().state == "queued"
    with pytest.raises(ConnectionRefusedError):  # the last retry
        send_notifications.apply(args=[sorted(ids)], retries=MAX_RETRIES, throw=True)
    notification = Notification.objects.get()
    assert notification.state == "failed"
    assert "Connection refused" in notification.error


def test_the_sweeper_sends_what_the_broker_left_behind(tuesday_bus, subscriber, eager_celery):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))  # the dispatcher could not be queued
    with time_machine.travel(MONDAY + datetime.timedelta(minutes=10), tick=False):
        tasks.sweep_notifications()
    assert len(mail.outbox) == 1
    assert ScheduleChange.objects.get().dispatched_at is not None


def test_the_sweeper_sends_again_what_stayed_queued(tuesday_bus, subscriber, eager_celery):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
        notifications.dispatch_due_changes(MONDAY, tasks.debounce())  # eager: no debounce; the sending task was lost
    assert Notification.objects.get().state == "queued"
    with time_machine.travel(MONDAY + datetime.timedelta(minutes=3), tick=False):
        tasks.sweep_notifications()
    assert Notification.objects.get().state == "sent"
    assert len(mail.outbox) == 1


def test_the_sweeper_sends_soon_what_a_killed_worker_held_and_leaves_what_a_sending_holds(
    tuesday_bus, subscriber, eager_celery
):
    held = Subscription.objects.create(email="held@example.org", stop=tuesday_bus, confirmed_at=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
        notifications.dispatch_due_changes(MONDAY, tasks.debounce())  # the sending task was taken…
        notifications.hold([subscriber.pk], MONDAY + notifications.HOLD)  # …by a worker killed since
        notifications.hold([held.pk], MONDAY + 3 * notifications.HOLD)  # …by a worker still at it
    with time_machine.travel(MONDAY + 2 * notifications.HOLD, tick=False):
        tasks.sweep_notifications()
    assert [m.to for m in mail.outbox] == [["resident@example.org"]]
    assert Notification.objects.get(subscription=held).state == "queued"


def test_the_sweepers_marker_sends_again_what_the_sendings_queued_before_it_left_unheld(tuesday_bus, subscriber):
    taken = Subscription.objects.create(email="taken@example.org", stop=tuesday_bus, confirmed_at=MONDAY)
    later = Subscription.objects.create(email="later@example.org", stop=tuesday_bus, confirmed_at=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    dispatched = MONDAY + datetime.timedelta(minutes=6)
    with time_machine.travel(dispatched, tick=False):
        notifications.dispatch_due_changes(dispatched, tasks.debounce())
        notifications.hold([taken.pk], dispatched + notifications.HOLD)  # a sending is at it
    marker = dispatched + datetime.timedelta(seconds=5)  # queued behind the sendings of the first two
    Notification.objects.filter(subscription=later).update(created_at=marker + datetime.timedelta(seconds=1))
    assert notifications.awaiting_sending()

    assert notifications.lost(marker, marker + datetime.timedelta(seconds=2)) == {subscriber.pk}
    # Queued again and held as the sweeper holds what it queues: the next sweep leaves it to that task.
    assert notifications.sweep(marker + datetime.timedelta(seconds=30), tasks.debounce()) == {taken.pk}
    assert notifications.lost(marker, marker + datetime.timedelta(seconds=30)) == set()


def test_a_retried_sending_holds_its_notifications_until_its_retry(tuesday_bus, subscriber, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    with (
        time_machine.travel(MONDAY + datetime.timedelta(minutes=6), tick=False),
        mock.patch.object(send_notifications, "retry", side_effect=Retry),  # a worker would run it in 30 s
    ):
        ids, _next_due = notifications.dispatch_due_changes(timezone.now(), tasks.debounce())
        with pytest.raises(Retry):
            send_notifications.apply(args=[sorted(ids)])
        assert notifications.sweep(timezone.now() + datetime.timedelta(seconds=30), tasks.debounce()) == set()
        assert notifications.sweep(timezone.now() + datetime.timedelta(minutes=1), tasks.debounce()) == ids
    assert Notification.objects.get().state == "queued"


# The reminder the evening before ---------------------------------------------------------------


def evening_before(day):
    return datetime.datetime.combine(day - datetime.timedelta(days=1), datetime.time(18), tzinfo=PARIS)


def remind_and_deliver(at):
    with time_machine.travel(at, tick=False):
        return notifications.deliver(notifications.remind_tomorrow(timezone.now()))


def test_reminder_the_evening_before_a_cancelled_opening(tuesday_bus, subscriber):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11), reason="Bus en panne")
    assert remind_and_deliver(evening_before(D(2025, 3, 4))) == 0  # not the day before yet
    assert remind_and_deliver(evening_before(D(2025, 3, 11))) == 1
    assert remind_and_deliver(evening_before(D(2025, 3, 11))) == 0  # once
    (message,) = mail.outbox
    assert message.subject == (
        "Demain, mardi 11 mars : pas de Mairie mobile à Bus Mairie mobile – Esplanade Nathalie Sarraute"
    )
    assert (
        "la Mairie mobile ne sera pas à Bus Mairie mobile – Esplanade Nathalie Sarraute : bus en panne." in message.body
    )


def test_reminder_of_an_extra_opening(tuesday_bus, subscriber):
    def add():
        ExtraOpening.objects.create(
            stop=tuesday_bus, date=D(2025, 3, 15), start=datetime.time(10), end=datetime.time(12)
        )

    with time_machine.travel(MONDAY, tick=False):
        editing.edit_schedule([tuesday_bus], add, user=None, description="Ouverture exceptionnelle")
    remind_and_deliver(evening_before(D(2025, 3, 15)))
    (message,) = mail.outbox
    assert "la Mairie mobile ouvre exceptionnellement à Bus Mairie mobile – Esplanade Nathalie Sarraute" in message.body


def test_no_reminder_for_a_change_older_than_two_weeks(tuesday_bus, subscriber):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 25))
    assert remind_and_deliver(evening_before(D(2025, 3, 25))) == 0


def test_no_reminder_when_the_change_was_undone(tuesday_bus, subscriber):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
        closure = Closure.objects.get()
        editing.edit_schedule([tuesday_bus], closure.delete, user=None, description="Fermeture supprimée")
    assert remind_and_deliver(evening_before(D(2025, 3, 11))) == 0


def test_reminders_go_to_subscribers_of_every_stop_too(tuesday_bus):
    Subscription.objects.create(
        email="everything@example.org", stop=None, organisation=OrganisationFactory(), confirmed_at=MONDAY
    )
    StopFactory(name="Sans changement")
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    assert remind_and_deliver(evening_before(D(2025, 3, 11))) == 1
    assert Notification.objects.get(kind="reminder").stop == tuesday_bus


def test_the_reminder_task_runs_at_six_in_the_evening(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["remind-tomorrow"]
    assert entry["task"] == "stops.tasks.remind_tomorrow"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({18}, {0})
    assert settings.CELERY_TIMEZONE == "Europe/Paris"


# Past openings ----------------------------------------------------------------------------

TUESDAY = datetime.datetime(2025, 3, 4, tzinfo=PARIS)


def test_cancelling_then_restoring_a_day_already_over_tells_nobody(tuesday_bus, subscriber):
    with time_machine.travel(TUESDAY.replace(hour=17, minute=48), tick=False):
        close(tuesday_bus, D(2025, 3, 4))
        closure = Closure.objects.get()
        editing.edit_schedule([tuesday_bus], closure.delete, user=None, description="Fermeture supprimée")
    assert not ScheduleChange.objects.exists()
    with time_machine.travel(TUESDAY.replace(hour=18), tick=False):
        assert dispatch_and_deliver(timezone.now()) == 0
    assert mail.outbox == []


def test_a_change_whose_openings_are_over_when_it_is_due_is_mailed_to_nobody(tuesday_bus, subscriber):
    with time_machine.travel(TUESDAY.replace(hour=16, minute=58), tick=False):
        close(tuesday_bus, D(2025, 3, 4))
    change = ScheduleChange.objects.get()
    assert change.cancelled == [{"date": "2025-03-04", "start": "14:00", "end": "17:00"}]
    with time_machine.travel(TUESDAY.replace(hour=17, minute=5), tick=False):
        assert dispatch_and_deliver(timezone.now()) == 0
    change.refresh_from_db()
    assert change.dispatched_at is not None
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_the_mail_leaves_out_the_openings_already_over(tuesday_bus, subscriber):
    with time_machine.travel(TUESDAY.replace(hour=12), tick=False):  # the morning runs, the afternoon is to come
        close(tuesday_bus, D(2025, 3, 4))
    with time_machine.travel(TUESDAY.replace(hour=13, minute=30), tick=False):
        assert dispatch_and_deliver(timezone.now()) == 1
    body = mail.outbox[0].body
    assert "14h – 17h" in body
    assert "9h30 – 13h : annulé" not in body


# Under the organisation's name ---------------------------------------------------------------


def sender_address(settings):
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def test_a_change_goes_out_under_the_organisations_sender_name_with_its_contact(
    tuesday_bus, subscriber, smtp, settings
):
    Organisation.objects.filter(pk=tuesday_bus.organisation_id).update(
        sender_name="Mairie mobile de Paris", contact_phone="01 42 76 40 40", contact_email="mairie-mobile@paris.fr"
    )
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    dispatch_and_deliver(MONDAY + datetime.timedelta(minutes=6))
    (envelope,) = smtp.messages
    message = message_from_bytes(envelope.content, policy=policy.default)
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Mairie mobile de Paris", sender_address(settings))
    assert envelope.mail_from == sender_address(settings)
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Mairie mobile de Paris\nNous joindre : 01 42 76 40 40 · mairie-mobile@paris.fr\n\nSe désabonner" in text
    html = message.get_body(("html",)).get_content()
    assert '<p style="margin:0 0 16px;font-weight:bold;font-size:18px">Mairie mobile de Paris</p>' in html
    assert '<a href="tel:0142764040" style="color:#0b57b3">01 42 76 40 40</a>' in html
    assert '<a href="mailto:mairie-mobile@paris.fr" style="color:#0b57b3">mairie-mobile@paris.fr</a>' in html


def test_a_reminder_goes_out_under_the_organisations_name_when_it_has_no_sender_name(tuesday_bus, subscriber, settings):
    pimms = OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", contact_phone="03 21 00")
    Stop.objects.filter(pk=tuesday_bus.pk).update(organisation=pimms)
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    remind_and_deliver(evening_before(D(2025, 3, 11)))
    (message,) = mail.outbox
    assert message.from_email == formataddr(("PIMMS mobile de Libercourt", sender_address(settings)))
    assert "PIMMS mobile de Libercourt\nNous joindre : 03 21 00\n" in message.body


def test_a_mail_of_an_organisation_without_a_contact_only_signs(tuesday_bus, subscriber):
    with time_machine.travel(MONDAY, tick=False):
        close(tuesday_bus, D(2025, 3, 11))
    dispatch_and_deliver(MONDAY + datetime.timedelta(minutes=6))
    (message,) = mail.outbox
    assert "\nMairie mobile – Ville de Paris\n\nSe désabonner" in message.body
    assert "Nous joindre" not in message.body + message.alternatives[0][0]
