from django.db import migrations, models

from stops.models import search_key


def fill_search_text(apps, schema_editor):
    Stop = apps.get_model("stops", "Stop")
    stops = list(Stop.objects.only("name", "city"))
    for stop in stops:
        stop.search_text = search_key(f"{stop.name} {stop.city}")
    Stop.objects.bulk_update(stops, ["search_text"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("stops", "0005_opening_summaries"),
    ]

    operations = [
        migrations.AddField(
            model_name="stop",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
    ]
