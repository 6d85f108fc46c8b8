"""Who may do what. Two groups: agents use /agents/, coordinators also /coordination/.

A superuser counts as a coordinator. Every staff view is guarded by one of the
decorators below; tests/test_permissions.py walks every URL to check it.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

AGENTS = "Agents"
COORDINATORS = "Coordination"


def _in_group(user, name, annotation):
    if not (user.is_authenticated and user.is_active):
        return False
    if hasattr(user, annotation):  # loaded with the user by mairie_mobile.auth.RolesBackend
        return getattr(user, annotation)
    return user.groups.filter(name=name).exists()


def is_coordinator(user):
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or _in_group(user, COORDINATORS, "in_coordinators"))
    )


def is_agent(user):
    """Agents, and coordinators, who can do everything agents do."""
    return is_coordinator(user) or _in_group(user, AGENTS, "in_agents")


def _role_required(check):
    def decorator(view):
        @wraps(view)
        @login_required
        def guarded(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorator


def may_correct(user, visit):
    """Any agent may correct any visit, whoever received the visitor: the bus's team shares one
    queue and puts right one another's slips; each correction is kept with its author. Which
    visits can still be corrected (finished, of today) is the intake's rule (visits.intake.correct)."""
    return is_agent(user)


agent_required = _role_required(is_agent)
coordinator_required = _role_required(is_coordinator)
