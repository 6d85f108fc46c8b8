"""The coordinator's pages for their organisation's own partners, procedures and orientation targets."""

import pytest

from partners.models import OrientationTarget, Partner, Procedure
from tests.conftest import SESSION_QUERIES, text_of
from tests.factories import OrganisationFactory, PartnerFactory, coordinator_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pimms():
    return OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62")


def partner_data(**overrides):
    return {"name": "Centre communal d'action sociale", "short_name": "CCAS", "family": "city", "active": "on"} | (
        overrides
    )


def test_the_coordination_home_leads_to_the_partners(coordination):
    assert 'href="/coordination/partenaires/"' in coordination.get("/coordination/").content.decode()


def test_the_list_shows_the_organisations_own_and_the_national_ones_for_reference(coordination, pimms):
    paris = OrganisationFactory()
    ccas = PartnerFactory(organisation=paris, short_name="CCAS", family="city")
    Procedure.objects.create(partner=ccas, label="Aide facultative", organisation=paris)
    Procedure.objects.create(partner=Partner.objects.get(code="caf"), label="Dossier du CCAS", organisation=paris)
    OrientationTarget.objects.create(name="Maison des solidarités", organisation=paris, active=False)
    PartnerFactory(organisation=pimms, short_name="Mission locale")
    text = text_of(coordination.get("/coordination/partenaires/"))
    own = text[text.index("Partenaires de votre structure") : text.index("Lieux d'orientation de votre structure")]
    assert "CCAS – Mairie mobile – Ville de Paris" in own
    assert "Code dans le fichier des arrêts : paris-ccas" in own
    assert f'href="/coordination/partenaires/{ccas.pk}/"' in own
    assert "Aide facultative" in own
    places = text[text.index("Lieux d'orientation de votre structure") : text.index("Partenaires nationaux")]
    assert 'Maison des solidarités <span class="badge text-bg-light">inactif</span>' in places
    assert "Point-Justice" in places  # a national place, listed below
    national = text[text.index("Partenaires nationaux") :]
    assert "Caisse d&#x27;allocations familiales (Caf)" in national
    assert 'Dossier du CCAS <span class="badge text-bg-light">votre structure</span>' in national
    assert "Ville de Paris" not in national  # set aside on a new installation: offered nowhere
    assert "Mission locale" not in text


def test_a_new_partner_gets_a_code_prefixed_by_its_organisations_slug(coordination):
    response = coordination.post("/coordination/partenaires/nouveau/", partner_data())
    assert response["Location"] == "/coordination/partenaires/"
    partner = Partner.objects.get(short_name="CCAS")
    assert (partner.code, partner.organisation.slug, partner.family) == ("paris-ccas", "paris", "city")
    coordination.post("/coordination/partenaires/nouveau/", partner_data(name="Un autre CCAS"))
    assert Partner.objects.get(name="Un autre CCAS").code == "paris-ccas-2"  # codes are unique in the country
    assert "Partenaire « CCAS » ajouté" in text_of(coordination.get("/coordination/partenaires/"))


def test_a_partner_is_changed_and_deactivated_its_code_kept(coordination):
    paris = OrganisationFactory()
    ccas = PartnerFactory(organisation=paris, short_name="CCAS", family="city")
    data = partner_data(short_name="CCAS du 18e", active="")
    assert coordination.post(f"/coordination/partenaires/{ccas.pk}/", data).status_code == 302
    ccas.refresh_from_db()
    assert (ccas.code, ccas.short_name, ccas.active) == ("paris-ccas", "CCAS du 18e", False)
    assert ccas not in Partner.objects.offered_in(paris)


def test_a_france_services_family_cannot_be_chosen(coordination):
    response = coordination.post("/coordination/partenaires/nouveau/", partner_data(family="france_services"))
    assert response.status_code == 400
    assert not Partner.objects.filter(short_name="CCAS").exists()


def test_a_coordinator_of_several_organisations_chooses_the_one_of_a_new_row(client, pimms):
    paris = OrganisationFactory()
    nadia = coordinator_user("nadia", organisation=paris)
    coordinator_user("nadia", organisation=pimms)  # of both
    client.force_login(nadia)
    assert 'name="organisation"' in client.get("/coordination/partenaires/nouveau/").content.decode()
    assert client.post("/coordination/partenaires/nouveau/", partner_data()).status_code == 400
    client.post("/coordination/partenaires/nouveau/", partner_data(organisation=pimms.pk))
    assert Partner.objects.get(short_name="CCAS").code == "pimms-libercourt-ccas"
    data = {"name": "Mairie", "position": "0", "active": "on", "organisation": paris.pk}
    client.post("/coordination/partenaires/lieux-d-orientation/nouveau/", data)
    assert OrientationTarget.objects.get(name="Mairie").organisation == paris


def test_procedures_of_a_local_partner_and_an_organisations_own_of_a_national_partner(coordination, pimms):
    paris = OrganisationFactory()
    ccas = PartnerFactory(organisation=paris, short_name="CCAS", family="city")
    caf = Partner.objects.get(code="caf")
    data = {"label": "Dossier du CCAS", "active": "on"}
    coordination.post(f"/coordination/partenaires/{ccas.pk}/demarches/nouvelle/", data | {"label": "Aide facultative"})
    coordination.post(f"/coordination/partenaires/{caf.pk}/demarches/nouvelle/", data)
    assert set(Procedure.objects.filter(organisation=paris).values_list("partner__code", "label")) == {
        ("paris-ccas", "Aide facultative"),
        ("caf", "Dossier du CCAS"),
    }
    assert Procedure.objects.offered_in(paris).filter(label="Dossier du CCAS").exists()
    assert not Procedure.objects.offered_in(pimms).filter(label="Dossier du CCAS").exists()

    response = coordination.post(f"/coordination/partenaires/{caf.pk}/demarches/nouvelle/", data)
    assert response.status_code == 400
    assert "Ce partenaire a déjà cette démarche." in text_of(response)
    own = Procedure.objects.get(label="Dossier du CCAS")
    coordination.post(f"/coordination/partenaires/demarches/{own.pk}/", {"label": "Dossier du CCAS", "active": ""})
    assert not Procedure.objects.offered_in(paris).filter(label="Dossier du CCAS").exists()


def test_orientation_targets_are_added_and_changed(coordination):
    data = {"name": "Maison des solidarités", "description": "Rue Ordener", "position": "3", "active": "on"}
    assert coordination.post("/coordination/partenaires/lieux-d-orientation/nouveau/", data).status_code == 302
    target = OrientationTarget.objects.get(name="Maison des solidarités")
    assert (target.organisation.slug, target.description, target.position) == ("paris", "Rue Ordener", 3)
    response = coordination.post("/coordination/partenaires/lieux-d-orientation/nouveau/", data)
    assert response.status_code == 400
    assert "Ce lieu d&#x27;orientation existe déjà." in text_of(response)
    coordination.post(f"/coordination/partenaires/lieux-d-orientation/{target.pk}/", data | {"active": ""})
    assert target not in OrientationTarget.objects.offered_in(target.organisation)


def test_national_rows_are_the_national_administrators(coordination):
    caf = Partner.objects.get(code="caf")
    national = Procedure.objects.get(partner=caf, label="Prime d'activité")
    point_justice = OrientationTarget.objects.get(name="Point-Justice")
    for url in (
        f"/coordination/partenaires/{caf.pk}/",
        f"/coordination/partenaires/demarches/{national.pk}/",
        f"/coordination/partenaires/lieux-d-orientation/{point_justice.pk}/",
    ):
        assert coordination.get(url).status_code == 404, url
        assert coordination.post(url, {"name": "X", "short_name": "X", "label": "X"}).status_code == 404, url
    caf.refresh_from_db()
    assert caf.name == "Caisse d'allocations familiales (Caf)"


def test_another_organisations_rows_are_404(coordination, pimms):
    mission = PartnerFactory(organisation=pimms, short_name="Mission locale")
    procedure = Procedure.objects.create(partner=mission, label="Garantie jeunes", organisation=pimms)
    caf_form = Procedure.objects.create(partner=Partner.objects.get(code="caf"), label="Dossier", organisation=pimms)
    target = OrientationTarget.objects.create(name="Mairie de Libercourt", organisation=pimms)
    for url in (
        f"/coordination/partenaires/{mission.pk}/",
        f"/coordination/partenaires/{mission.pk}/demarches/nouvelle/",
        f"/coordination/partenaires/demarches/{procedure.pk}/",
        f"/coordination/partenaires/demarches/{caf_form.pk}/",
        f"/coordination/partenaires/lieux-d-orientation/{target.pk}/",
    ):
        assert coordination.get(url).status_code == 404, url
        assert coordination.post(url, {"name": "X", "short_name": "X", "label": "X"}).status_code == 404, url
    assert not Procedure.objects.filter(label="X").exists()


@pytest.mark.parametrize("count", [2, 20])
def test_the_list_queries_do_not_grow(coordination, count, django_assert_max_num_queries):
    paris = OrganisationFactory()
    for n in range(count):
        partner = PartnerFactory(organisation=paris, short_name=f"Partenaire {n}")
        Procedure.objects.create(partner=partner, label="Démarche", organisation=paris)
        OrientationTarget.objects.create(name=f"Lieu {n}", organisation=paris)
    queries = (
        SESSION_QUERIES
        + 1  # the coordinator's organisations
        + 2  # the partners, their procedures
        + 1  # the orientation targets
    )
    with django_assert_max_num_queries(queries):
        assert coordination.get("/coordination/partenaires/").status_code == 200
