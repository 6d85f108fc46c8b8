from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_service_day(apps, schema_editor):
    Demand = apps.get_model("visits", "Demand")
    Visit = apps.get_model("visits", "Visit")
    Demand.objects.update(service_day=Subquery(Visit.objects.filter(pk=OuterRef("visit_id")).values("service_day")[:1]))


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="demand",
            name="service_day",
            field=models.DateField(editable=False, null=True, verbose_name="jour"),
        ),
        migrations.RunPython(copy_service_day, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="demand",
            name="service_day",
            field=models.DateField(editable=False, verbose_name="jour"),
        ),
        migrations.AddIndex(
            model_name="demand",
            index=models.Index(fields=["service_day", "partner"], name="demand_day_partner"),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["service_day"], name="visit_day"),
        ),
    ]
