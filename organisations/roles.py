"""Who may do what. Agents use /agents/, coordinators also /coordination/, each for the
organisations they are a member of (organisations.access); the national administrator
(a superuser) counts as a coordinator of every organisation.

Every staff view is guarded by one of the decorators below; tests/test_permissions.py walks
every URL to check it, and that an organisation's member gets a 404 for another's objects.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from organisations import access
from organisations.models import Membership, Role


def _has_role(user, role, annotation):
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    if hasattr(user, annotation):  # loaded with the user by mairie_mobile.auth.RolesBackend
        return getattr(user, annotation)
    return Membership.objects.with_role(role).filter(user=user).exists()


def is_coordinator(user):
    """Coordinator of at least one organisation."""
    return _has_role(user, Role.COORDINATOR, "coordinates")


def is_agent(user):
    """Agent or coordinator of at least one organisation: coordinators do everything agents do."""
    return _has_role(user, Role.AGENT, "is_member")


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
    """Any agent of the stop's organisation may correct any visit, whoever received the visitor:
    the bus's team shares one queue and puts right one another's slips; each correction is kept
    with its author. Which visits can still be corrected (finished, of today) is the intake's
    rule (visits.intake.correct)."""
    return access.is_member(user, visit.stop.organisation_id, Role.AGENT)


agent_required = _role_required(is_agent)
coordinator_required = _role_required(is_coordinator)
