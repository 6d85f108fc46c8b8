"""The link of an invitation mail (/invitation/<token>/): no login needed, since it makes the account."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from mairie_mobile import two_factor
from organisations import invitations
from organisations.forms import AccountForm
from organisations.models import Role

# The link holds a secret token: a few tries an hour are plenty.
TOKEN_POSTS_PER_HOUR = "30/h"
HOMES = {Role.AGENT: "agents:home", Role.COORDINATOR: "coordination:home"}


@never_cache
@ratelimit(key="ip", rate=TOKEN_POSTS_PER_HOUR, method="POST", block=False)
def invitation(request, token):
    """Who invites, where and as what; then a new account, or the person's own when they are logged
    in with the invited address. Accepting logs them in and opens their pages (two-factor enrolment
    first, when their role needs it: mairie_mobile.two_factor)."""
    if getattr(request, "limited", False):
        return render(request, "public/invitation_unusable.html", {"why": "limited"}, status=429)
    now = timezone.now()
    try:
        invitation = invitations.find(token, now)
    except invitations.LinkUnusable as unusable:
        return _unusable(request, unusable)
    own = _own_account(request.user, invitation)
    form = None if own else _account_form(request, invitation)
    if request.method == "POST" and (own or form.is_valid()):
        try:
            membership = invitations.accept(invitation, own or form.save(commit=False), now)
        except invitations.LinkUnusable as unusable:
            return _unusable(request, unusable)
        except invitations.Refused as refused:
            form.add_error("username", str(refused))
        else:
            if not own:
                login(request, membership.user, backend="mairie_mobile.auth.RolesBackend")
            welcome = _("Bienvenue dans l'équipe de %(organisation)s.") % {"organisation": membership.organisation}
            messages.success(request, welcome)
            return redirect(HOMES[membership.role])
    context = {
        "invitation": invitation,
        "own": own,
        "form": form,
        "two_factor": two_factor.required_for_role(invitation.role),
    }
    return render(request, "public/invitation.html", context, status=400 if form and form.errors else 200)


def _unusable(request, unusable):
    status = 404 if unusable.why == invitations.UNKNOWN else 410
    return render(request, "public/invitation_unusable.html", {"why": unusable.why}, status=status)


def _own_account(user, invitation):
    """The account the person is logged in with, when it has the invited address."""
    if user.is_authenticated and user.email.lower() == invitation.email:
        return user
    return None


def _account_form(request, invitation):
    initial = {"username": invitations.suggested_username(invitation.email)}
    return AccountForm(request.POST or None, instance=User(email=invitation.email), initial=initial)
