"""A database of the single-team days: its stops, closures of every stop and subscriptions to
every stop become those of one organisation, the City of Paris's Mairie mobile."""

from django.db import migrations

PARIS = {
    "name": "Mairie mobile – Ville de Paris",
    "kind": "commune",
    "departement": "75",
    "school_holidays_zone": "C",
}


def to_paris(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    Stop = apps.get_model("stops", "Stop")
    Closure = apps.get_model("stops", "Closure")
    Subscription = apps.get_model("stops", "Subscription")
    everywhere = Closure.objects.filter(stop=None)
    to_all = Subscription.objects.filter(stop=None)
    if not (Stop.objects.exists() or everywhere.exists() or to_all.exists()):
        return  # a new installation: its organisations are created by its administrator
    paris, _created = Organisation.objects.get_or_create(slug="paris", defaults=PARIS)
    Stop.objects.filter(organisation=None).update(organisation=paris)
    everywhere.filter(organisation=None).update(organisation=paris)
    to_all.filter(organisation=None).update(organisation=paris)


def back(apps, schema_editor):
    apps.get_model("stops", "Closure").objects.filter(stop=None).update(organisation=None)
    apps.get_model("stops", "Subscription").objects.filter(stop=None).update(organisation=None)


class Migration(migrations.Migration):
    dependencies = [("stops", "0011_stops_of_an_organisation")]

    operations = [migrations.RunPython(to_paris, back)]
