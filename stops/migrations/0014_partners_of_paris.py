"""The City of Paris's partner, procedures and orientation targets become its organisation's.

A database of the single-team days has a Paris organisation (0012 made it): its city partners
(« Ville de Paris », the only one the seed made) with their procedures, and every orientation
target it has today, become the Paris organisation's, offered at its stops only.

A new installation has no Paris organisation: the partners' seed (partners/0002) made « Ville de
Paris » and two places of Paris alone (« Mairie d'arrondissement », « Espace parisien des
solidarités ») all the same. They stay national rows, inactive, offered nowhere: a PIMMS in
Pas-de-Calais never sees them, and a city partner cannot be made active again without an
organisation (Partner.clean). The seed's other places (a partner's agency, a PIMMS, a Point-Justice,
an Espace France services, another place) are no city's: they stay national and offered everywhere.
When the City of Paris's organisation is created later, they are attached to it: by the national
administrator in the admin (its structure, then « actif »), by the demo in
visits.demo.ensure_demo_organisations.
"""

from django.db import migrations

CITY_FAMILY = "city"
PARIS_ONLY_TARGETS = ["Mairie d'arrondissement", "Espace parisien des solidarités (EPS)"]


def to_paris(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    Partner = apps.get_model("partners", "Partner")
    Procedure = apps.get_model("partners", "Procedure")
    OrientationTarget = apps.get_model("partners", "OrientationTarget")
    city = Partner.objects.filter(family=CITY_FAMILY, organisation=None)
    paris = Organisation.objects.filter(slug="paris").first()
    if paris is None:  # a new installation
        city.update(active=False)
        OrientationTarget.objects.filter(name__in=PARIS_ONLY_TARGETS, organisation=None).update(active=False)
        return
    Procedure.objects.filter(partner__in=city, organisation=None).update(organisation=paris)
    city.update(organisation=paris)
    OrientationTarget.objects.filter(organisation=None).update(organisation=paris)


def back(apps, schema_editor):
    """Everything national again: what a new installation set aside is offered as before."""
    Partner = apps.get_model("partners", "Partner")
    OrientationTarget = apps.get_model("partners", "OrientationTarget")
    Partner.objects.filter(family=CITY_FAMILY, organisation=None).update(active=True)
    OrientationTarget.objects.filter(name__in=PARIS_ONLY_TARGETS, organisation=None).update(active=True)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0003_local_partners_procedures_and_targets"),
        ("stops", "0013_organisation_required"),
    ]

    operations = [migrations.RunPython(to_paris, back)]
