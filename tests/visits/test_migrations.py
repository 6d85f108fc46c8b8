"""Migrations that write data, run on visits recorded before them."""

import datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import transactional
from tests.factories import StopFactory

pytestmark = transactional

BEFORE = [("visits", "0003_daily_activity")]
AFTER = [("visits", "0004_ticket_counters_of_existing_visits")]


def test_ticket_counters_catch_up_with_visits_recorded_without_them(executor):
    stop = StopFactory()
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Visit, TicketCounter = apps.get_model("visits", "Visit"), apps.get_model("visits", "TicketCounter")
    monday, tuesday = datetime.date(2025, 3, 10), datetime.date(2025, 3, 11)
    arrived = datetime.datetime(2025, 3, 10, 10, tzinfo=datetime.UTC)
    for day, tickets in ((monday, 3), (tuesday, 5)):
        for ticket in range(1, tickets + 1):
            Visit.objects.create(stop_id=stop.pk, service_day=day, ticket=ticket, status="waiting", arrived_at=arrived)
    TicketCounter.objects.create(stop_id=stop.pk, day=tuesday, last=2)  # behind its visits

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    counters = executor.loader.project_state(AFTER).apps.get_model("visits", "TicketCounter").objects
    assert dict(counters.values_list("day", "last")) == {monday: 3, tuesday: 5}


def test_kept_tallies_call_their_weekday_hour_buckets_arrival_hours(executor):
    before, after = [("visits", "0004_ticket_counters_of_existing_visits")], [("visits", "0005_tally_arrival_hours")]
    executor.migrate(before)
    DailyActivity = executor.loader.project_state(before).apps.get_model("visits", "DailyActivity")
    DailyActivity.objects.create(day=datetime.date(2025, 3, 11), figures={"slots": {"2-10": 4}, "status": {"done": 4}})

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    kept = executor.loader.project_state(after).apps.get_model("visits", "DailyActivity").objects.get()
    assert kept.figures == {"arrival_hours": {"2-10": 4}, "status": {"done": 4}}
