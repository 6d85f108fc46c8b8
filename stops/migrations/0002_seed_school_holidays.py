from django.db import migrations


def seed(apps, schema_editor):
    from stops.school_holidays import sync_school_holidays

    sync_school_holidays(apps.get_model("stops", "SchoolHoliday"))


class Migration(migrations.Migration):
    dependencies = [("stops", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
