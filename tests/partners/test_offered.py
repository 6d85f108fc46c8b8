"""National partners, procedures and orientation targets are offered at every stop; an organisation's
own at its stops only: at the pré-accueil, the accompaniment, the correction, in the stop form and the
statistics."""

import pytest
from django.utils import timezone

from partners.models import OrientationTarget, Partner, Procedure, Reason, reason_choices
from stops.forms import StopEditForm
from tests.conftest import text_of
from tests.factories import (
    OrganisationFactory,
    PartnerFactory,
    StopFactory,
    VisitFactory,
    coordinator_user,
    pre_accueil,
    reason,
)
from visits.forms import CorrectionForm, StatsForm, demand_formset
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def paris():
    return OrganisationFactory()


@pytest.fixture
def pimms():
    return OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62")


@pytest.fixture
def local(paris, pimms):
    """Each organisation's own partner with a procedure, its own procedure of the Caf and its own place."""
    ccas = PartnerFactory(organisation=paris, short_name="CASVP", name="Centre d'action sociale", family="city")
    Procedure.objects.create(partner=ccas, label="Aide Paris Énergie Famille", organisation=paris)
    mission = PartnerFactory(organisation=pimms, short_name="Mission locale")
    Procedure.objects.create(partner=mission, label="Garantie jeunes", organisation=pimms)
    caf = Partner.objects.get(code="caf")
    Procedure.objects.create(partner=caf, label="Formulaire du CCAS de Libercourt", organisation=pimms)
    OrientationTarget.objects.create(name="Mairie de Libercourt", organisation=pimms)
    OrientationTarget.objects.create(name="Espace parisien des solidarités du 18e", organisation=paris)
    return ccas, mission


def labels(choices):
    """The options of a grouped choice list."""
    return {label for _group, options in choices[1:] for _value, label in options}


def test_each_organisation_is_offered_the_national_rows_and_its_own(paris, pimms, local):
    ccas, mission = local
    assert set(Partner.objects.offered_in(paris)) == {*Partner.objects.france_services(), ccas}
    assert set(Partner.objects.offered_in(pimms)) == {*Partner.objects.france_services(), mission}
    caf_procedures = Procedure.objects.offered_in(pimms).filter(partner__code="caf").values_list("label", flat=True)
    assert "Formulaire du CCAS de Libercourt" in caf_procedures
    assert "Formulaire du CCAS de Libercourt" not in Procedure.objects.offered_in(paris).values_list("label", flat=True)
    assert not Procedure.objects.offered_in(paris).filter(partner=mission).exists()
    targets = set(OrientationTarget.objects.offered_in(pimms).values_list("name", flat=True))
    assert "Mairie de Libercourt" in targets
    assert "Espace parisien des solidarités du 18e" not in targets


def test_a_new_installation_offers_the_city_of_paris_nowhere(paris, pimms):
    """No Paris organisation when the migrations ran (as in the test database): its partner and places
    wait, inactive, until they are attached to it."""
    city = Partner.objects.get(code="ville-de-paris")
    assert (city.organisation, city.active) == (None, False)
    for organisation in (paris, pimms):
        assert city not in Partner.objects.offered_in(organisation)
        assert not Procedure.objects.offered_in(organisation).filter(partner=city).exists()
        targets = OrientationTarget.objects.offered_in(organisation).values_list("name", flat=True)
        assert "Mairie d'arrondissement" not in targets
        assert "Point-Justice" in targets  # a place of every town


def test_an_inactive_row_is_offered_nowhere(paris, local):
    ccas, _mission = local
    Partner.objects.filter(pk=ccas.pk).update(active=False)
    Procedure.objects.filter(partner__code="cpam", label="Carte Vitale").update(active=False)
    assert ccas not in Partner.objects.offered_in(paris)
    assert not Procedure.objects.offered_in(paris).filter(partner=ccas).exists()  # its partner is not
    assert not Procedure.objects.offered_in(paris).filter(label="Carte Vitale").exists()


def test_the_reasons_of_a_stop_are_its_organisations_in_one_query(paris, pimms, local, django_assert_num_queries):
    with django_assert_num_queries(1):
        choices, reasons = reason_choices(pimms.pk)
    offered = labels(choices)
    assert {"Mission locale – Garantie jeunes", "Caf – Formulaire du CCAS de Libercourt", "Caf – autre démarche"} <= (
        offered
    )
    assert not any(label.startswith("CASVP") for label in offered)
    assert Reason(local[0].pk).value not in reasons
    at_paris = labels(reason_choices(paris.pk)[0])
    assert "CASVP – Aide Paris Énergie Famille" in at_paris
    assert "Caf – Formulaire du CCAS de Libercourt" not in at_paris
    assert not any(label.startswith("Mission locale") for label in at_paris)


def test_the_pre_accueil_offers_the_stops_organisations_partners_and_places(client, pimms, local):
    stop = StopFactory(slug="libercourt", organisation=pimms)
    client.force_login(coordinator_user("ines", organisation=pimms))
    text = text_of(client.get("/agents/arrets/libercourt/"))
    assert "Mission locale – Garantie jeunes" in text
    assert "Mairie de Libercourt" in text
    assert "CASVP" not in text
    assert "Espace parisien des solidarités du 18e" not in text

    paris_ccas = reason("paris-casvp")
    response = client.post("/agents/arrets/libercourt/accueil/", pre_accueil(reason_1=paris_ccas))
    assert response.status_code == 400
    paris_target = OrientationTarget.objects.get(organisation__slug="paris")
    data = pre_accueil(handled_here="0", orientation_target=str(paris_target.pk))
    assert client.post("/agents/arrets/libercourt/accueil/", data).status_code == 400
    assert not Visit.objects.exists()

    libercourt = OrientationTarget.objects.get(name="Mairie de Libercourt")
    data = pre_accueil(
        reason_1=reason("pimms-libercourt-mission-locale", "Garantie jeunes"),
        handled_here="0",
        orientation_target=str(libercourt.pk),
    )
    assert client.post("/agents/arrets/libercourt/accueil/", data).status_code == 302
    visit = Visit.objects.get(stop=stop)
    assert (visit.orientation_target, visit.demands.get().partner) == (libercourt, local[1])


def test_the_accompaniment_and_the_correction_offer_the_stops_organisations_rows(pimms, local):
    ccas, mission = local
    visit = VisitFactory(stop=StopFactory(organisation=pimms))
    rows = {
        "demandes-TOTAL_FORMS": "1",
        "demandes-INITIAL_FORMS": "0",
        "demandes-0-reason": Reason(ccas.pk).value,
        "demandes-0-outcome": "resolved",
    }
    demands = demand_formset(visit, rows)
    assert not demands.is_valid()
    assert "Sélectionnez un choix valide" in str(demands.errors)
    assert demand_formset(visit, rows | {"demandes-0-reason": Reason(mission.pk).value}).is_valid()

    target = OrientationTarget.objects.get(organisation=pimms)
    oriented = VisitFactory(stop=visit.stop, status="oriented", orientation_target=target, ended_at=timezone.now())
    names = set(CorrectionForm(instance=oriented).fields["orientation_target"].queryset.values_list("name", flat=True))
    assert "Mairie de Libercourt" in names
    assert "Espace parisien des solidarités du 18e" not in names


def stop_data(**overrides):
    return {"slug": "nouvel-arret", "name": "Nouvel arrêt", "kind": "bus", "city": "Paris", "active": "on"} | overrides


def test_the_stop_form_offers_the_national_partners_and_the_organisations_own(paris, pimms, local):
    ccas, mission = local
    form = StopEditForm(instance=StopFactory(organisation=paris), organisations=[paris])
    assert set(form.fields["partners"].queryset) == {*Partner.objects.france_services(), ccas}
    refused = StopEditForm(stop_data(partners=[mission.pk]), organisations=[paris])
    assert "partners" in refused.errors

    # A coordinator of both chooses the stop's organisation: each partner is named with its own.
    form = StopEditForm(stop_data(organisation=paris.pk, partners=[ccas.pk, mission.pk]), organisations=[paris, pimms])
    assert "CASVP (Mairie mobile – Ville de Paris)" in str(form["partners"])
    assert form.errors["partners"] == ["Mission locale : partenaire(s) d'une autre structure que celle de l'arrêt."]
    form = StopEditForm(stop_data(organisation=pimms.pk, partners=[mission.pk]), organisations=[paris, pimms])
    assert form.is_valid(), form.errors
    assert list(form.save().partners.all()) == [mission]


def test_the_statistics_filter_lists_the_national_partners_and_the_coordinators_organisations(
    paris, pimms, local, coordination
):
    ccas, mission = local
    form = StatsForm(today=timezone.localdate(), stops=None, organisations=[paris])
    assert set(form.fields["partner"].queryset) == {*Partner.objects.filter(organisation=None), ccas}
    text = text_of(coordination.get("/coordination/statistiques/"))
    assert "CASVP" in text
    assert "Mission locale" not in text
    response = coordination.get("/coordination/statistiques/", {"period": "this-month", "partner": mission.code})
    assert response.status_code == 400
