"""The audit journal: who did what and when, for the staff actions that matter; added to, never changed."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from mairie_mobile.models import AppendOnly, AuditEvent
from partners.models import Partner, Procedure, Reason
from tests.factories import PASSWORD, OrganisationFactory, StopFactory, UserFactory
from visits import intake
from visits.models import FollowUpContact

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action


def entries(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_logins_failures_and_logouts_are_recorded(client, agent):
    client.post("/connexion/", {"username": "camille", "password": "mauvais"}, REMOTE_ADDR="192.0.2.4")
    client.post("/connexion/", {"username": "camille", "password": PASSWORD}, REMOTE_ADDR="192.0.2.4")
    client.post("/deconnexion/", REMOTE_ADDR="192.0.2.4")
    [failure] = entries(Action.LOGIN_FAILED)
    assert failure.username == "camille"
    assert failure.user is None
    assert failure.ip == "192.0.2.4"
    assert failure.summary == "Échec de connexion pour « camille »"
    [login] = entries(Action.LOGIN)
    assert login.user == agent
    assert login.username == "camille"
    [logout] = entries(Action.LOGOUT)
    assert logout.user == agent


def test_a_schedule_edit_is_recorded_with_its_author(client, coordinator, tuesday_bus):
    client.force_login(coordinator)
    day = timezone.localdate() + datetime.timedelta(days=10)
    data = {"first_day": day.isoformat(), "last_day": day.isoformat(), "reason": "Travaux"}
    assert client.post("/coordination/arrets/nathalie-sarraute/fermetures/nouvelle/", data).status_code == 302
    [edit] = entries(Action.SCHEDULE_EDIT)
    assert edit.user == coordinator
    assert "Travaux" in edit.summary
    assert edit.organisation == "paris"  # the national operator filters the journal by structure


def test_a_closure_of_every_stop_of_the_country_is_of_no_one_organisation(client, tuesday_bus):
    StopFactory(organisation=OrganisationFactory(slug="pimms-libercourt"))
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", PASSWORD))
    day = timezone.localdate() + datetime.timedelta(days=10)
    data = {"organisation": "", "first_day": day.isoformat(), "reason": "Grève nationale"}
    assert client.post("/coordination/fermetures/nouvelle/", data).status_code == 302
    [edit] = entries(Action.SCHEDULE_EDIT)
    assert edit.organisation == ""


def test_a_preview_is_not_an_edit(client, coordinator, tuesday_bus):
    client.force_login(coordinator)
    day = timezone.localdate() + datetime.timedelta(days=10)
    data = {"first_day": day.isoformat(), "last_day": day.isoformat(), "reason": "Travaux", "preview": "1"}
    client.post("/coordination/arrets/nathalie-sarraute/fermetures/nouvelle/", data)
    assert not entries(Action.SCHEDULE_EDIT)


def test_an_import_is_recorded_as_such(tmp_path, db):
    from django.core.management import call_command

    OrganisationFactory()
    stops_file = tmp_path / "stops.yaml"
    stops_file.write_text(
        "stops:\n  - slug: porte-montmartre\n    name: Porte Montmartre\n    kind: bus\n"
        "    address: 1, rue Binet\n    postcode: '75018'\n"
        "    slots: [{weekday: tuesday, start: '09:30', end: '13:00'}]\n"
    )
    call_command("import_stops", str(stops_file), verbosity=0)
    [edit] = entries(Action.SCHEDULE_EDIT)
    assert edit.username == "import_stops"
    assert edit.user is None


def test_a_visit_correction_is_recorded(agent, other_agent):
    caf = Partner.objects.get(code="caf")
    reason = Reason.of(caf, Procedure.objects.get(partner=caf, label="Déclaration trimestrielle RSA"))
    visit = intake.register(StopFactory(slug="nathalie-sarraute"), agent, [reason])
    intake.start_accompagnement(visit, agent)
    visit = intake.finish_accompagnement(visit, agent, [(None, reason, "resolved")], minutes=20)
    intake.correct(visit, other_agent, {"accompagnement_minutes": 35}, [(visit.demands.get().pk, reason, "resolved")])
    [correction] = entries(Action.VISIT_CORRECTION)
    assert correction.user == other_agent
    assert correction.summary.startswith(f"Passage n° {visit.ticket} du ")
    assert correction.summary.endswith("corrigé : accompagnement_minutes")
    assert correction.organisation == "paris"


def test_exports_are_recorded(client, coordinator):
    client.force_login(coordinator)
    client.get("/coordination/statistiques/export.csv", {"period": "last-month"}, REMOTE_ADDR="192.0.2.9")
    client.get("/coordination/statistiques/france-services.xlsx", {"month": "2026-10"})
    first, second = entries(Action.EXPORT)
    assert first.user == coordinator
    assert first.ip == "192.0.2.9"
    assert first.summary.startswith("Statistiques du ")
    assert second.summary == "Rapport France services de 10/2026 (xlsx)"
    assert (first.organisation, second.organisation) == ("paris", "paris")


def test_a_partners_edit_is_recorded_with_its_organisation(coordination, coordinator):
    data = {"name": "Centre communal d'action sociale", "short_name": "CCAS", "family": "city", "active": "on"}
    assert coordination.post("/coordination/partenaires/nouveau/", data).status_code == 302
    [edit] = entries(Action.PARTNERS_EDIT)
    assert (edit.user, edit.organisation) == (coordinator, "paris")
    assert edit.summary.startswith("Partenaire « CCAS » ajouté")


def test_a_purge_of_personal_data_is_recorded(agent):
    caf = Partner.objects.get(code="caf")
    visit = intake.register(StopFactory(), agent, [Reason.of(caf)])
    intake.record_follow_up_contact(visit, name="Awa", phone="0600000000", consent=True)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=91)):
        assert intake.purge_follow_up_contacts(90) == 1
        assert intake.purge_follow_up_contacts(90) == 0  # nothing erased: nothing recorded
    assert not FollowUpContact.objects.exists()
    [purge] = entries(Action.PURGE)
    assert purge.summary == "1 contact(s) de suivi effacé(s) après 90 jours"
    assert purge.username == "effacement automatique"


def test_entries_cannot_be_changed_or_deleted(agent):
    entry = AuditEvent.objects.create(action=Action.LOGIN, summary="Connexion réussie", user=agent)
    entry.summary = "rien"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=entry.pk).update(summary="rien")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().summary == "Connexion réussie"


def test_deleting_an_account_keeps_its_entries(agent):
    AuditEvent.objects.create(action=Action.LOGIN, summary="Connexion réussie", user=agent, username="camille")
    agent.delete()
    entry = AuditEvent.objects.get()
    assert entry.user is None
    assert entry.username == "camille"


def test_the_admin_shows_the_journal_read_only(client, agent):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    entry = AuditEvent.objects.create(action=Action.EXPORT, summary="Statistiques de mars", user=agent)
    client.force_login(admin)
    listing = client.get("/admin/mairie_mobile/auditevent/")
    assert listing.status_code == 200
    assert "Statistiques de mars" in listing.content.decode()
    page = client.get(f"/admin/mairie_mobile/auditevent/{entry.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/mairie_mobile/auditevent/{entry.pk}/change/", {"summary": "rien"}).status_code == 403
    assert client.post(f"/admin/mairie_mobile/auditevent/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/mairie_mobile/auditevent/add/").status_code == 403
    assert AuditEvent.objects.get(pk=entry.pk).summary == "Statistiques de mars"


def test_the_national_administrator_reads_the_journal_in_the_admin_and_coordinators_do_not(client, coordinator):
    """The journal holds every organisation's events: a coordinator's are theirs alone."""
    administrator = User.objects.create_superuser("admin", "admin@example.org", "x")
    AuditEvent.objects.create(action=Action.EXPORT, summary="Statistiques", user=coordinator)
    client.force_login(coordinator)
    assert client.get("/admin/mairie_mobile/auditevent/")["Location"].startswith("/admin/login/")
    client.force_login(administrator)
    assert "Statistiques" in client.get("/admin/mairie_mobile/auditevent/").content.decode()
    entry = AuditEvent.objects.get(action=Action.EXPORT)
    assert client.post(f"/admin/mairie_mobile/auditevent/{entry.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_national_administrator_filters_the_journal_by_organisation(client):
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "x"))
    AuditEvent.objects.create(action=Action.EXPORT, summary="Export de Paris", organisation="paris")
    AuditEvent.objects.create(action=Action.EXPORT, summary="Export de Libercourt", organisation="pimms-libercourt")
    AuditEvent.objects.create(action=Action.LOGIN, summary="Connexion réussie")
    listed = client.get("/admin/mairie_mobile/auditevent/").content.decode()
    assert "Aucune (la plateforme, ou plusieurs structures)" in listed
    paris = client.get("/admin/mairie_mobile/auditevent/", {"organisation": "paris"}).content.decode()
    assert "Export de Paris" in paris
    assert "Export de Libercourt" not in paris
    none = client.get("/admin/mairie_mobile/auditevent/", {"organisation": "-"}).content.decode()
    assert "Connexion réussie" in none
    assert "Export de Paris" not in none
