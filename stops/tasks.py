"""Celery tasks, and every "queue this task": the edge between stops/notifications.py and the broker.

The chain of imports is editing → tasks → notifications → models.
"""

import datetime

from celery import current_app, shared_task
from django.conf import settings
from django.utils import timezone

from mairie_mobile import faults
from stops import caching, notifications, opening_counts

# Retries wait 30 s, 1 min, 2 min… up to 10 min: well under the broker's visibility timeout.
MAX_RETRIES = 6
# Subscriptions told by one sending task (one SMTP connection, one SMS connection).
SUBSCRIPTIONS_PER_TASK = 200


def debounce():
    """How long a stop must stay quiet before its changes are mailed."""
    if current_app.conf.task_always_eager:
        return datetime.timedelta(0)  # no worker to come back later: tell at once
    return datetime.timedelta(seconds=settings.NOTIFICATION_DEBOUNCE_SECONDS)


def dispatch_soon():
    """Queue the dispatcher for when the debounce window has passed.

    Called after an edit's commit. A broker that is down must neither fail nor hold up the
    edit, which is saved: the sweeper will dispatch its change.
    """
    faults.publish(dispatch_changes, countdown=debounce().total_seconds())


def queue_deliveries(subscription_ids):
    """Queue the sending, a task per batch of subscriptions."""
    ids = sorted(subscription_ids)
    for start in range(0, len(ids), SUBSCRIPTIONS_PER_TASK):
        send_notifications.delay(ids[start : start + SUBSCRIPTIONS_PER_TASK])


@shared_task(bind=True)
def dispatch_changes(self):
    """Turn the changes past their debounce window into notifications, and send them."""
    subscription_ids, next_due = notifications.dispatch_due_changes(timezone.now(), debounce())
    queue_deliveries(subscription_ids)
    if next_due is not None:  # a newer edit is still in its window: come back when it is over
        self.apply_async(countdown=next_due + 1)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def send_notifications(self, subscription_ids):
    try:
        return notifications.deliver(subscription_ids)
    except notifications.TRANSIENT_ERRORS as error:
        undelivered = getattr(error, "undelivered", subscription_ids)  # the others were sent
        if self.request.retries >= self.max_retries:
            notifications.mark_failed(undelivered, error)
            raise
        countdown = min(600, 30 * 2**self.request.retries)
        notifications.hold(undelivered, timezone.now() + datetime.timedelta(seconds=countdown) + notifications.HOLD)
        raise self.retry(args=[undelivered], exc=error, countdown=countdown) from error


@shared_task
def sweep_notifications():
    """Every 15 seconds: what an unreachable broker left behind, and what a killed worker left unsent."""
    subscription_ids = notifications.sweep(timezone.now(), debounce())
    queue_deliveries(subscription_ids)
    if notifications.awaiting_sending():
        # Behind the sendings queued so far, on the same queue: when it runs, each has been taken.
        send_lost_notifications.delay(timezone.now().isoformat())
    return len(subscription_ids)


@shared_task
def send_lost_notifications(queued_at):
    """The sweeper's marker: what the sendings queued before it left unheld went with a lost task."""
    subscription_ids = notifications.lost(datetime.datetime.fromisoformat(queued_at), timezone.now())
    queue_deliveries(subscription_ids)
    return len(subscription_ids)


@shared_task
def send_waiting_confirmations():
    """Hourly: the confirmation mails that waited for their address's day (or for the mail server)."""
    return notifications.send_waiting_confirmations()


@shared_task
def purge_unconfirmed_subscriptions():
    """Nightly: addresses nobody confirmed are erased."""
    return notifications.purge_unconfirmed()


@shared_task
def catch_up_public_cache():
    """Every minute: the changes made while Redis was unreachable reach the public cache."""
    return caching.catch_up()


@shared_task
def remind_tomorrow():
    subscription_ids = notifications.remind_tomorrow(timezone.now())
    queue_deliveries(subscription_ids)
    return len(subscription_ids)


@shared_task
def summarize_last_month():
    """Nightly: the openings of the month that ended last, for the statistics."""
    return opening_counts.summarize_last_month(timezone.localdate())
