"""The members of the former groups « Agents » and « Coordination » become members of the City
of Paris's organisation with the same role; the groups go (roles are per organisation now)."""

from django.db import migrations

PARIS = {
    "name": "Mairie mobile – Ville de Paris",
    "kind": "commune",
    "departement": "75",
    "school_holidays_zone": "C",
}
GROUPS = {"Agents": "agent", "Coordination": "coordinator"}


def groups_to_memberships(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Organisation = apps.get_model("organisations", "Organisation")
    Membership = apps.get_model("organisations", "Membership")
    roles = {}
    for group in Group.objects.filter(name__in=GROUPS).prefetch_related("user_set"):
        for user in group.user_set.all():
            # Someone in both groups coordinates.
            if roles.get(user.pk) != "coordinator":
                roles[user.pk] = GROUPS[group.name]
    if roles:
        paris, _created = Organisation.objects.get_or_create(slug="paris", defaults=PARIS)
        for user_id, role in roles.items():
            Membership.objects.update_or_create(user_id=user_id, organisation=paris, defaults={"role": role})
    Group.objects.filter(name__in=GROUPS).delete()


def memberships_to_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Membership = apps.get_model("organisations", "Membership")
    for name, role in GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.user_set.add(*Membership.objects.filter(role=role, ended_at=None).values_list("user_id", flat=True))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("organisations", "0001_organisations_and_memberships"),
    ]

    operations = [migrations.RunPython(groups_to_memberships, memberships_to_groups)]
