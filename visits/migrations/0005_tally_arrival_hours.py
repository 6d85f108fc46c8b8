"""The kept tallies' weekday × hour buckets were called "slots", a word the schedule uses for
weekly slots: they are "arrival_hours" now."""

from django.db import migrations


def rename_key(apps, schema_editor, old="slots", new="arrival_hours"):
    DailyActivity = apps.get_model("visits", "DailyActivity")
    kept = list(DailyActivity.objects.all())
    for activity in kept:
        if old in activity.figures:
            activity.figures[new] = activity.figures.pop(old)
    DailyActivity.objects.bulk_update(kept, ["figures"], batch_size=500)


def rename_back(apps, schema_editor):
    rename_key(apps, schema_editor, old="arrival_hours", new="slots")


class Migration(migrations.Migration):
    dependencies = [("visits", "0004_ticket_counters_of_existing_visits")]

    operations = [migrations.RunPython(rename_key, rename_back)]
