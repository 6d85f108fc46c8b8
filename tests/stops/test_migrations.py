"""Migrations that write data, run on stops created before them."""

import datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import transactional

pytestmark = transactional

NOW = datetime.datetime(2025, 3, 3, 9, tzinfo=datetime.UTC)
BEFORE = [("stops", "0005_opening_summaries")]
AFTER = [("stops", "0006_stop_search_text")]


def test_stops_created_before_the_search_key_are_found_by_it(executor):
    executor.migrate(BEFORE)
    old_stop = executor.loader.project_state(BEFORE).apps.get_model("stops", "Stop")
    old_stop.objects.create(slug="epinay", name="Bus d'Épinay", kind="bus", city="Épinay-sur-Seine")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    stop = executor.loader.project_state(AFTER).apps.get_model("stops", "Stop").objects.get()
    assert stop.search_text == "bus d epinay epinay sur seine"


def test_a_confirmation_link_mailed_before_keeps_confirming_its_subscription(executor, tuesday_bus):
    before, after = [("stops", "0008_dates_within_2000_and_2100")], [("stops", "0009_one_confirmation_per_mail")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("stops", "Subscription")
    old.objects.create(email="a@example.org", stop_id=tuesday_bus.pk, token="jeton-a", confirmation_sent_at=NOW)
    old.objects.create(email="a@example.org", stop_id=None, token="jeton-b")  # posted within the day's cap

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    subscriptions = executor.loader.project_state(after).apps.get_model("stops", "Subscription").objects
    assert dict(subscriptions.values_list("token", "confirmation_token")) == {"jeton-a": "jeton-a", "jeton-b": ""}
