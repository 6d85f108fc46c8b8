import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0002_members_of_the_groups"),
        ("stops", "0012_existing_stops_to_paris"),
    ]

    operations = [
        migrations.AlterField(
            model_name="stop",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stops",
                to="organisations.organisation",
                verbose_name="structure",
            ),
        ),
        migrations.AddConstraint(
            model_name="closure",
            constraint=models.UniqueConstraint(
                condition=models.Q(("stop__isnull", True)),
                fields=("organisation", "first_day", "last_day"),
                name="closure_unique_everywhere",
                nulls_distinct=False,
                violation_error_message="Cette fermeture existe déjà.",
            ),
        ),
        migrations.AddConstraint(
            model_name="closure",
            constraint=models.CheckConstraint(
                condition=models.Q(("stop__isnull", True), ("organisation__isnull", True), _connector="OR"),
                name="closure_of_a_stop_or_of_an_organisation",
            ),
        ),
        migrations.AddConstraint(
            model_name="subscription",
            constraint=models.UniqueConstraint(
                condition=models.Q(("stop__isnull", True)),
                fields=("email", "organisation"),
                name="subscription_all_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="subscription",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("organisation__isnull", True), ("stop__isnull", False)),
                    models.Q(("organisation__isnull", False), ("stop__isnull", True)),
                    _connector="OR",
                ),
                name="subscription_of_a_stop_or_of_an_organisation",
            ),
        ),
    ]
