"""Staff accounts: the two groups and what coordinators may edit in the admin."""

from django.contrib.auth.models import Group, Permission

from mairie_mobile.roles import AGENTS, COORDINATORS

# Coordinators look after the schedule and the reference lists in the admin.
COORDINATOR_MODELS = {
    "stops": ["stop", "weeklyslot", "closure", "extraopening", "schoolholiday"],
    "partners": ["partner", "procedure", "orientationtarget"],
}


def ensure_roles(**kwargs):
    """Create the groups and give coordinators their permissions (after every migrate)."""
    Group.objects.get_or_create(name=AGENTS)
    coordinators, _created = Group.objects.get_or_create(name=COORDINATORS)
    permissions = Permission.objects.filter(
        content_type__app_label__in=COORDINATOR_MODELS,
        content_type__model__in=[model for models in COORDINATOR_MODELS.values() for model in models],
    )
    coordinators.permissions.add(*permissions)
    coordinators.permissions.add(*Permission.objects.filter(codename__in=["view_visit", "view_auditevent"]))
