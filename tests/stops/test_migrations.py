"""Migrations that write data, run on stops created before them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from organisations.models import Organisation
from partners.models import OrientationTarget, Partner, Procedure
from tests.conftest import transactional
from visits.demo import ensure_demo_organisations

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


def test_a_database_of_one_team_becomes_the_city_of_pariss_organisation_without_loss(executor):
    before = [
        ("stops", "0010_change_description_whole"),
        ("visits", "0005_tally_arrival_hours"),
        ("organisations", None),
    ]
    executor.migrate(before)
    old = executor.loader.project_state(before[:2]).apps
    stop = old.get_model("stops", "Stop").objects.create(slug="championnet", name="Championnet", kind="bus")
    old.get_model("stops", "Closure").objects.create(
        stop=None, first_day=datetime.date(2025, 5, 1), last_day=datetime.date(2025, 5, 1), reason="Grève"
    )
    old.get_model("stops", "Subscription").objects.create(email="a@example.org", stop=None, token="jeton-a")
    old.get_model("visits", "DailyActivity").objects.create(
        day=datetime.date(2025, 3, 11), figures={"status": {"done": 4}}
    )
    User, Group = old.get_model("auth", "User"), old.get_model("auth", "Group")
    camille, nadia = User.objects.create(username="camille"), User.objects.create(username="nadia")
    Group.objects.get_or_create(name="Agents")[0].user_set.add(camille, nadia)
    Group.objects.get_or_create(name="Coordination")[0].user_set.add(nadia)

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(latest)
    new = executor.loader.project_state(latest).apps
    paris = new.get_model("organisations", "Organisation").objects.get()
    assert (paris.slug, paris.name, paris.departement) == ("paris", "Mairie mobile – Ville de Paris", "75")
    assert new.get_model("stops", "Stop").objects.get(pk=stop.pk).organisation_id == paris.pk
    assert new.get_model("stops", "Closure").objects.get().organisation_id == paris.pk
    assert new.get_model("stops", "Subscription").objects.get().organisation_id == paris.pk
    memberships = new.get_model("organisations", "Membership").objects
    assert set(memberships.values_list("user__username", "organisation__slug", "role")) == {
        ("camille", "paris", "agent"),
        ("nadia", "paris", "coordinator"),
    }
    assert not new.get_model("auth", "Group").objects.filter(name__in=["Agents", "Coordination"]).exists()
    activity = new.get_model("visits", "DailyActivity").objects
    assert set(activity.values_list("organisation", flat=True)) == {None, paris.pk}  # the country's, and Paris's
    assert {row.figures["status"]["done"] for row in activity.all()} == {4}


BEFORE_PARTNERS = [("stops", "0013_organisation_required"), ("partners", "0002_seed_partners")]


def test_the_city_of_pariss_partner_procedures_and_places_become_its_organisations(executor):
    executor.migrate(BEFORE_PARTNERS)
    old = executor.loader.project_state(BEFORE_PARTNERS).apps
    organisations = old.get_model("organisations", "Organisation").objects
    paris = organisations.create(slug="paris", name="Mairie mobile – Ville de Paris", departement="75")
    organisations.create(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62")
    old.get_model("partners", "OrientationTarget").objects.create(name="Maison des solidarités")  # the team's own

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    city = Partner.objects.get(code="ville-de-paris")
    assert (city.organisation_id, city.active) == (paris.pk, True)
    assert set(city.procedures.values_list("organisation_id", flat=True)) == {paris.pk}
    assert set(Partner.objects.exclude(organisation=None).values_list("code", flat=True)) == {"ville-de-paris"}
    assert not Procedure.objects.exclude(partner=city).exclude(organisation=None).exists()
    assert set(OrientationTarget.objects.values_list("organisation_id", flat=True)) == {paris.pk}
    assert OrientationTarget.objects.filter(active=True).count() == 8
    pimms = Organisation.objects.get(slug="pimms-libercourt")
    assert city not in Partner.objects.offered_in(pimms)
    assert not OrientationTarget.objects.offered_in(pimms).exists()


def test_a_new_installation_sets_the_city_of_pariss_rows_aside_until_its_organisation_exists(executor):
    executor.migrate(BEFORE_PARTNERS)
    assert not Organisation.objects.exists()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    city = Partner.objects.get(code="ville-de-paris")
    assert (city.organisation, city.active) == (None, False)
    assert set(OrientationTarget.objects.filter(active=False).values_list("name", flat=True)) == {
        "Mairie d'arrondissement",
        "Espace parisien des solidarités (EPS)",
    }
    assert not OrientationTarget.objects.exclude(organisation=None).exists()
    pimms = Organisation.objects.create(slug="pimms-libercourt", name="PIMMS de Libercourt", departement="62")
    assert city not in Partner.objects.offered_in(pimms)
    assert "Mairie d'arrondissement" not in OrientationTarget.objects.offered_in(pimms).values_list("name", flat=True)
    city.active = True
    with pytest.raises(ValidationError, match="proposé qu'aux arrêts de sa structure"):
        city.full_clean()

    ensure_demo_organisations()  # the demo's City of Paris: they become its own
    paris = Organisation.objects.get(slug="paris")
    assert city in Partner.objects.offered_in(paris)
    assert Procedure.objects.offered_in(paris).filter(partner=city).count() == 5
    assert "Mairie d'arrondissement" in OrientationTarget.objects.offered_in(paris).values_list("name", flat=True)
    assert city not in Partner.objects.offered_in(pimms)


def test_closure_reasons_typed_before_the_list_are_sorted_into_it(executor, tuesday_bus):
    before, after = (
        [("stops", "0017_sms_kind_ticket")],
        [("stops", "0018_closure_reason_kind_and_subscription_language")],
    )
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("stops", "Closure")
    for day, reason in enumerate(["Bus en panne", "grève.", "Vacances scolaires", "Marché de Noël sur la place"], 1):
        old.objects.create(
            stop_id=tuesday_bus.pk,
            first_day=datetime.date(2025, 3, day),
            last_day=datetime.date(2025, 3, day),
            reason=reason,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    closures = executor.loader.project_state(after).apps.get_model("stops", "Closure").objects.order_by("first_day")
    assert list(closures.values_list("reason_kind", "reason")) == [
        ("breakdown", ""),
        ("strike", ""),
        ("school_holidays", ""),
        ("other", "Marché de Noël sur la place"),  # kept as typed
    ]
