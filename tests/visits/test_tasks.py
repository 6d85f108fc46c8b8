import datetime

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from tests.factories import VisitFactory
from visits.models import FollowUpContact, Visit
from visits.tasks import purge_expired_follow_up_contacts

pytestmark = pytest.mark.django_db


def test_the_purge_runs_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-follow-up-contacts"]
    assert entry["task"] == purge_expired_follow_up_contacts.name
    assert entry["schedule"].hour == {3}


def test_the_purge_task_erases_contacts_past_the_retention_period(settings):
    settings.FOLLOW_UP_RETENTION_DAYS = 30
    old, recent = VisitFactory(), VisitFactory()
    now = timezone.now()
    FollowUpContact.objects.create(visit=old, name="A", phone="0600000000", consent_at=now, created_at=now)
    with time_machine.travel(now + datetime.timedelta(days=20)):
        FollowUpContact.objects.create(visit=recent, name="B", phone="0600000001", consent_at=timezone.now())
    with time_machine.travel(now + datetime.timedelta(days=31)):
        assert purge_expired_follow_up_contacts.apply().get() == 1
    assert list(FollowUpContact.objects.values_list("name", flat=True)) == ["B"]
    assert Visit.objects.count() == 2
