"""A real Celery worker, on the real Redis, sends the mails of a schedule change."""

import datetime
import time

import pytest
from celery.signals import task_success
from django.conf import settings
from django.core import mail
from django.utils import timezone

from mairie_mobile.celery import app
from stops import editing, notifications, tasks
from stops.models import Closure, Notification, ScheduleChange, Subscription, new_leave_code
from stops.tasks import send_notifications, sweep_notifications
from tests.conftest import transactional
from tests.faults import RedisServer
from tests.workers import queued_on_redis, taken_by_a_killed_worker, use_broker, wait_for, worker

pytestmark = [
    *transactional,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)"),
]


@pytest.fixture(autouse=True)
def broker(settings):
    """The test Redis, emptied of what other tests queued; a debounce of one second."""
    settings.NOTIFICATION_DEBOUNCE_SECONDS = 1
    with queued_on_redis(settings.CELERY_BROKER_URL) as app:
        yield app


@pytest.fixture
def subscriber(tuesday_bus):
    return Subscription.objects.create(
        email="resident@example.org", stop=tuesday_bus, confirmed_at=datetime.datetime.now(datetime.UTC)
    )


def cancel_next_tuesday(stop):
    today = datetime.date.today()
    tuesday = today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7)
    closure = Closure(stop=stop, first_day=tuesday, last_day=tuesday, reason="Bus en panne")
    editing.edit_schedule([stop], closure.save, user=None, description="Fermeture : Bus en panne")
    return tuesday


def test_a_worker_sends_the_mail_of_an_edit(tuesday_bus, subscriber):
    with worker():
        cancel_next_tuesday(tuesday_bus)  # committed: the dispatcher is queued on Redis
        wait_for(lambda: len(mail.outbox) == 1)
    (message,) = mail.outbox
    assert message.to == ["resident@example.org"]
    assert "annulé (Bus en panne)" in message.body
    assert Notification.objects.get().state == "sent"
    assert ScheduleChange.objects.get().dispatched_at is not None


def test_with_redis_unreachable_the_edit_is_saved_and_the_sweeper_sends_later(tuesday_bus, subscriber):
    use_broker("redis://127.0.0.1:1/0")  # nothing listens there
    cancel_next_tuesday(tuesday_bus)
    assert Closure.objects.exists()  # the edit is saved
    assert ScheduleChange.objects.get().dispatched_at is None  # nobody was told yet
    assert mail.outbox == []

    use_broker(settings.CELERY_BROKER_URL)  # Redis is back
    time.sleep(1.1)  # past the debounce window of one second
    with worker():
        sweep_notifications.delay()  # what beat does every 15 seconds
        wait_for(lambda: len(mail.outbox) == 1)
    assert ScheduleChange.objects.get().dispatched_at is not None


def test_a_worker_tells_a_mail_and_an_sms_subscriber_once_each(tuesday_bus, subscriber, sms_outbox):
    by_sms = Subscription.objects.create(
        phone="+33612345678",
        stop=tuesday_bus,
        confirmed_at=datetime.datetime.now(datetime.UTC),
        leave_code=new_leave_code(),
    )
    with worker():
        cancel_next_tuesday(tuesday_bus)
        wait_for(lambda: len(mail.outbox) == 1 and len(sms_outbox) == 1)
        ids = sorted(Notification.objects.values_list("subscription", flat=True))
        send_notifications.delay(ids)  # a duplicated task
        send_notifications.delay(ids)
        time.sleep(2)  # what the worker would send twice, it would have sent by now
    assert len(mail.outbox) == 1
    (message,) = sms_outbox
    assert message.to == "+33612345678"
    assert "annulé (bus en panne)" in message.body
    assert dict(Notification.objects.values_list("subscription", "state")) == {subscriber.pk: "sent", by_sms.pk: "sent"}


def sending_queued_on_redis(stop):
    """An edit of `stop` whose sending waits on Redis (its dispatcher run here)."""
    cancel_next_tuesday(stop)
    app.control.purge()  # the dispatcher the edit queued: run below instead
    time.sleep(1.1)  # past the debounce window of one second
    subscription_ids, _next_due = notifications.dispatch_due_changes(timezone.now(), tasks.debounce())
    tasks.queue_deliveries(subscription_ids)


def test_a_sending_lost_with_the_worker_that_took_it_goes_at_the_next_sweep(tuesday_bus, subscriber):
    sending_queued_on_redis(tuesday_bus)
    assert taken_by_a_killed_worker(settings.CELERY_BROKER_URL) == "stops.tasks.send_notifications"
    with worker():
        sweep_notifications.delay()  # what beat does every 15 seconds, not two minutes later
        wait_for(lambda: len(mail.outbox) == 1, timeout=15)
    assert Notification.objects.get().state == "sent"


def test_a_sending_lost_with_redis_restarted_empty_goes_at_the_next_sweep(tuesday_bus, subscriber, tmp_path):
    server = RedisServer(str(tmp_path))
    server.start()
    try:
        with queued_on_redis(server.url):
            sending_queued_on_redis(tuesday_bus)
            server.kill()
            server.start()  # it keeps nothing on disk: the sending is gone
            use_broker(server.url)  # connections to the server before it are of no use
            assert server.client().dbsize() == 0
            with worker():
                sweep_notifications.delay()
                wait_for(lambda: len(mail.outbox) == 1, timeout=15)
    finally:
        server.stop()
    assert Notification.objects.get().state == "sent"


def test_the_sweepers_marker_leaves_a_sending_that_waits_in_the_queue_to_it(tuesday_bus, subscriber):
    sending_queued_on_redis(tuesday_bus)
    finished = []

    def record(sender, result, **kwargs):
        finished.append((sender.name, result))

    sweep_notifications.apply()  # here: its marker is queued behind the sending
    task_success.connect(record)
    try:
        with worker():
            wait_for(lambda: ("stops.tasks.send_lost_notifications", 0) in finished)
    finally:
        task_success.disconnect(record)
    assert finished == [("stops.tasks.send_notifications", 1), ("stops.tasks.send_lost_notifications", 0)]
    assert len(mail.outbox) == 1
