"""Celery tasks: thin wrappers around stops/notifications.py."""

import smtplib

from celery import shared_task

from stops import caching, notifications

# Retries wait 30 s, 1 min, 2 min… up to 10 min: well under the broker's visibility timeout.
MAX_RETRIES = 6


@shared_task(bind=True)
def dispatch_changes(self):
    """Turn the changes past their debounce window into notifications, and send them."""
    subscription_ids, next_due = notifications.dispatch_due_changes()
    notifications.queue_deliveries(subscription_ids)
    if next_due is not None:  # a newer edit is still in its window: come back when it is over
        self.apply_async(countdown=next_due + 1)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def send_notifications(self, subscription_ids):
    try:
        return notifications.deliver(subscription_ids)
    except (smtplib.SMTPException, OSError) as error:
        if self.request.retries >= self.max_retries:
            notifications.mark_failed(subscription_ids, error)
            raise
        raise self.retry(exc=error, countdown=min(600, 30 * 2**self.request.retries)) from error


@shared_task
def sweep_notifications():
    return notifications.sweep()


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
    subscription_ids = notifications.remind_tomorrow()
    notifications.queue_deliveries(subscription_ids)
    return len(subscription_ids)


@shared_task
def summarize_last_month():
    """Nightly: the openings of the month that ended last, for the statistics."""
    from django.utils import timezone

    from stops.summaries import summarize_last_month as summarize

    return summarize(timezone.localdate())
