"""Each confirmation mail confirms the subscriptions it named. A mail sent before named one
subscription, and its link carried that subscription's own token: it keeps confirming it."""

from django.db import migrations, models
from django.db.models import F


def mails_already_sent(apps, schema_editor):
    Subscription = apps.get_model("stops", "Subscription")
    Subscription.objects.filter(confirmation_sent_at__isnull=False).update(confirmation_token=F("token"))


class Migration(migrations.Migration):
    dependencies = [
        ("stops", "0008_dates_within_2000_and_2100"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="confirmation_token",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.RunPython(mails_already_sent, migrations.RunPython.noop),
    ]
