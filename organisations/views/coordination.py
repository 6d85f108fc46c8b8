"""The team pages of coordination (/coordination/equipe/): who is a member of one's organisations,
invitations to join them, and the end of a membership (organisations/invitations.py)."""

from django.conf import settings
from django.contrib import messages
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organisations import access, invitations
from organisations.forms import InvitationForm, TeamFilterForm
from organisations.models import Invitation, Membership, Role
from organisations.roles import coordinator_required

MEMBERS_LISTED = 200


def _get_membership(user, pk):
    members = Membership.objects.select_related("user", "organisation")
    return access.get_for(members, user, Role.COORDINATOR, "organisation", pk=pk)


def _get_invitation(user, pk):
    return access.get_for(
        Invitation.objects.select_related("organisation"), user, Role.COORDINATOR, "organisation", pk=pk
    )


@coordinator_required
def team(request):
    """The members and pending invitations of one's organisations, and the form to invite someone."""
    organisations = access.organisations_of(request.user, Role.COORDINATOR)
    shown = TeamFilterForm(request.GET, organisations=organisations)
    chosen = shown.cleaned_data["structure"] if shown.is_valid() else None
    form = InvitationForm(
        request.POST or None, organisations=organisations, initial={"organisation": chosen.pk if chosen else None}
    )
    status = 400 if form.is_bound else 200
    if form.is_bound and form.is_valid():
        now = timezone.now()
        try:
            invitation, _token = invitations.invite(**form.cleaned_data, by=request.user, now=now)
        except invitations.Refused as refused:
            form.add_error("email", str(refused))
        except invitations.AddressRefused:
            form.add_error(
                "email", _("Le serveur de courriel refuse cette adresse : vérifiez-la. Rien n'a été envoyé.")
            )
        except invitations.SendingFailed:
            status = 503
        else:
            messages.success(request, _sent(invitation))
            return redirect("team:home")
    context = _team(request.user, form, shown, chosen) | {"sending_failed": status == 503}
    return render(request, "coordination/team.html", context, status=status)


def _sent(invitation):
    return _("Invitation envoyée à %(email)s, valable jusqu'au %(day)s.") % {
        "email": invitation.email,
        "day": date_format(timezone.localtime(invitation.expires_at), "j F Y"),
    }


def _team(user, form, shown, chosen):
    now = timezone.now()
    members = access.scope(
        Membership.objects.select_related("user", "organisation"), user, Role.COORDINATOR, "organisation"
    )
    pending = access.scope(
        Invitation.objects.pending(now).select_related("organisation"), user, Role.COORDINATOR, "organisation"
    )
    if chosen:
        members, pending = members.filter(organisation=chosen), pending.filter(organisation=chosen)
    members = members.order_by(
        "organisation__name", F("ended_at").desc(nulls_first=True), "user__last_name", "user__first_name"
    )
    return {
        "form": form,
        "shown": shown,
        "several": form.several,
        "members": members[:MEMBERS_LISTED],
        "more": members.count() > MEMBERS_LISTED,
        "pending": pending.order_by("organisation__name", "expires_at"),
        "invitation_days": settings.INVITATION_DAYS,
    }


@coordinator_required
def end_membership(request, pk):
    """Confirm, then take someone off the team: they lose the organisation's pages at their next request."""
    membership = _get_membership(request.user, pk)
    refusal = invitations.refusal_to_end(membership, request.user)
    if request.method == "POST" and not refusal:
        try:
            invitations.end_membership(membership, request.user, timezone.now())
        except invitations.Refused as refused:  # a colleague was quicker
            refusal = str(refused)
        else:
            messages.success(request, _ended(membership))
            return redirect("team:home")
    status = 409 if request.method == "POST" else 200
    return render(request, "coordination/team_end.html", {"membership": membership, "refusal": refusal}, status=status)


def _ended(membership):
    return _("%(name)s ne fait plus partie de l'équipe de %(organisation)s.") % {
        "name": invitations.name_of(membership.user),
        "organisation": membership.organisation,
    }


@coordinator_required
@require_POST
def cancel_invitation(request, pk):
    invitation = _get_invitation(request.user, pk)
    try:
        invitations.cancel(invitation, request.user, timezone.now())
    except invitations.Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("Invitation de %(email)s annulée : son lien ne sert plus.") % {"email": invitation.email}
        )
    return redirect("team:home")
