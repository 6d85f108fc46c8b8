"""Partners, procedures and orientation targets of one organisation (none: national). Which existing
rows become the City of Paris's: stops/migrations/0014_partners_of_paris.py."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0002_members_of_the_groups"),
        ("partners", "0002_seed_partners"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="procedure",
            name="procedure_unique_label",
        ),
        migrations.AddField(
            model_name="orientationtarget",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                help_text="Vide : lieu proposé à tous les arrêts.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="orientation_targets",
                to="organisations.organisation",
                verbose_name="structure",
            ),
        ),
        migrations.AddField(
            model_name="partner",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                help_text="Vide : partenaire national, proposé à tous les arrêts.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="partners",
                to="organisations.organisation",
                verbose_name="structure",
            ),
        ),
        migrations.AddField(
            model_name="procedure",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                help_text="Vide : proposée partout où son partenaire l'est.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="procedures",
                to="organisations.organisation",
                verbose_name="structure",
            ),
        ),
        migrations.AlterField(
            model_name="orientationtarget",
            name="active",
            field=models.BooleanField(
                default=True, help_text="Décoché : n'est plus proposé à l'accueil.", verbose_name="active"
            ),
        ),
        migrations.AlterField(
            model_name="orientationtarget",
            name="name",
            field=models.CharField(max_length=160, verbose_name="nom"),
        ),
        migrations.AlterField(
            model_name="orientationtarget",
            name="position",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="Les lieux sont proposés à l'accueil dans cet ordre, du plus petit au plus grand.",
                verbose_name="ordre",
            ),
        ),
        migrations.AlterField(
            model_name="partner",
            name="active",
            field=models.BooleanField(
                default=True,
                help_text="Décoché : n'est plus proposé à l'accueil ni dans le fichier des arrêts.",
                verbose_name="actif",
            ),
        ),
        migrations.AlterField(
            model_name="partner",
            name="family",
            field=models.CharField(
                choices=[("france_services", "France services"), ("city", "Collectivité"), ("other", "Autre")],
                max_length=20,
                verbose_name="famille",
            ),
        ),
        migrations.AlterField(
            model_name="partner",
            name="short_name",
            field=models.CharField(
                help_text="Dans les listes de l'accueil et les statistiques : « CCAS »…",
                max_length=40,
                verbose_name="nom court",
            ),
        ),
        migrations.AlterField(
            model_name="procedure",
            name="active",
            field=models.BooleanField(
                default=True, help_text="Décochée : n'est plus proposée à l'accueil.", verbose_name="active"
            ),
        ),
        migrations.AddConstraint(
            model_name="orientationtarget",
            constraint=models.UniqueConstraint(
                fields=("organisation", "name"),
                name="orientation_target_unique_name",
                nulls_distinct=False,
                violation_error_message="Ce lieu d'orientation existe déjà.",
            ),
        ),
        migrations.AddConstraint(
            model_name="partner",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("family", "france_services"), _negated=True), ("organisation", None), _connector="OR"
                ),
                name="partner_france_services_national",
                violation_error_message="Un partenaire France services est national : laissez la structure vide.",
            ),
        ),
        migrations.AddConstraint(
            model_name="procedure",
            constraint=models.UniqueConstraint(
                fields=("partner", "organisation", "label"),
                name="procedure_unique_label",
                nulls_distinct=False,
                violation_error_message="Ce partenaire a déjà cette démarche.",
            ),
        ),
    ]
