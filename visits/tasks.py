from celery import shared_task
from django.conf import settings
from django.utils import timezone

from mairie_mobile import faults
from stops.models import Stop
from visits import feedback, intake, stats, tickets


@shared_task
def purge_expired_follow_up_contacts():
    """Daily: erase the follow-up contacts kept longer than the retention period."""
    return intake.purge_follow_up_contacts(settings.FOLLOW_UP_RETENTION_DAYS)


@shared_task
def forget_kiosk_minutes():
    """Nightly: the kiosk's opinions of the days over keep their day, not their minute."""
    return feedback.forget_kiosk_minutes(timezone.localdate())


@shared_task
def keep_yesterdays_activity():
    """Nightly: keep the tallies of the last days (yesterday, and any day missed in the week), then
    keep again a batch of the days kept with an older version of the tallies."""
    return stats.keep_recent_days(timezone.localdate()) + stats.keep_stale_days()


def alert_soon(stop):
    """Called after a visitor left the waiting line of `stop`: those behind may be due their SMS.
    With the broker down, the minute's sweep sends it."""
    faults.publish(send_ticket_alerts, args=[stop.pk])


@shared_task
def send_ticket_alerts(stop_id=None):
    """The SMS of the tickets due one, at a stop after its queue moved, or every minute at every
    stop (the sweep, which also erases the numbers of the days over)."""
    today = timezone.localdate()
    if stop_id is None:
        tickets.forget_alerts(today)
        stops = tickets.stops_with_alerts(today)
    else:
        stops = Stop.objects.filter(pk=stop_id)
    return sum(tickets.send_due_alerts(stop, today) for stop in stops)
