"""Migrations that write data, run on stops created before them."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import transactional

pytestmark = transactional

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
