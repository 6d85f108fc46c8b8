from celery import shared_task
from django.conf import settings
from django.utils import timezone

from visits import stats
from visits.intake import purge_follow_up_contacts


@shared_task
def purge_expired_follow_up_contacts():
    """Daily: erase the follow-up contacts kept longer than the retention period."""
    return purge_follow_up_contacts(settings.FOLLOW_UP_RETENTION_DAYS)


@shared_task
def keep_yesterdays_activity():
    """Nightly: keep the tallies of the last days (yesterday, and any day missed in the week)."""
    return stats.keep_recent_days(timezone.localdate())
