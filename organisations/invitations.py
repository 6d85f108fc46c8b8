"""A coordinator builds their team: invitations by mail, and the end of a membership.

- `invite` mails a one-time link valid INVITATION_DAYS; only the hash of its token is kept.
  When the mail cannot leave, no invitation is kept and the caller says so. Inviting an
  address again replaces its pending link: only the last mail's works.
- `find` reads a link; `accept` makes its holder a member (with a new account, or their own),
  once: a conditional update claims the invitation. A membership that had ended is reopened.
- `end_membership` ends a membership: its person loses the organisation's pages at their
  next request, and what they did stays theirs. An organisation keeps a current coordinator.

Each step is written to the audit journal.
"""

import datetime
import hashlib
import re
import secrets
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from mairie_mobile import audit, emails, two_factor
from organisations.models import Invitation, Membership, Role

UNKNOWN = "unknown"  # why a link opens nothing, besides an invitation's state (Invitation.state)


class Refused(Exception):
    """What was asked cannot be done; the message says why, in French."""


class SendingFailed(Exception):
    """The mail server could not be reached: no invitation was kept."""


class AddressRefused(Exception):
    """The mail server refuses the address: no invitation was kept."""


class LinkUnusable(Exception):
    """A link that opens nothing: `why` is UNKNOWN, or the invitation's state (accepted, cancelled, expired)."""

    def __init__(self, why):
        super().__init__(why)
        self.why = why


def invite(organisation, email, role, by, now):
    """Mail `email` a link to join `organisation` as `role`; returns the invitation and the link's token."""
    email = normalise(email)
    if Membership.objects.current().filter(organisation=organisation, user__email__iexact=email).exists():
        raise Refused(
            _("%(email)s est déjà membre de %(organisation)s.") % {"email": email, "organisation": organisation}
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        invited_by=by,
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.INVITATION_DAYS),
        token_hash=digest(token),
    )
    try:
        message(invitation, token).send()
    except smtplib.SMTPRecipientsRefused as error:
        invitation.delete()
        raise AddressRefused from error
    except (smtplib.SMTPException, OSError) as error:
        invitation.delete()
        raise SendingFailed from error
    earlier = Invitation.objects.pending(now).filter(organisation=organisation, email=email)
    earlier.exclude(pk=invitation.pk).update(cancelled_at=now)
    summary = _("Invitation de %(email)s à %(organisation)s, rôle « %(role)s »") % _facts(invitation)
    audit.record(audit.Action.INVITATION_SENT, summary, user=by, organisations=[invitation.organisation])
    return invitation, token


def message(invitation, token):
    context = {
        "invitation": invitation,
        "url": settings.SITE_URL + reverse("organisations:invitation", args=[token]),
        "two_factor": two_factor.required_for_role(invitation.role),
    }
    return emails.build("invitation", invitation.email, context)


def find(token, now):
    """The pending invitation whose link carries `token`; LinkUnusable says why there is none."""
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by").filter(token_hash=digest(token)).first()
    )
    state = invitation.state(now) if invitation else UNKNOWN
    if state != Invitation.PENDING:
        raise LinkUnusable(state)
    return invitation


def accept(invitation, user, now):
    """`user` joins the invitation's organisation with its role; returns the membership. Once only.

    `user` may be a new account, not saved yet: it is saved, with the invitation's address,
    only if the invitation is still pending.
    """
    with transaction.atomic():
        if not Invitation.objects.pending(now).filter(pk=invitation.pk).update(accepted_at=now):
            current = Invitation.objects.filter(pk=invitation.pk).first()
            raise LinkUnusable(current.state(now) if current else UNKNOWN)
        if user.pk is None:
            user.email = invitation.email
            _save_new_account(user)
        membership = _join(user, invitation, now)
    summary = _("%(username)s (%(email)s) a rejoint %(organisation)s, rôle « %(role)s »") % _facts(
        invitation, username=user.get_username()
    )
    audit.record(audit.Action.INVITATION_ACCEPTED, summary, user=user, organisations=[invitation.organisation])
    return membership


def _save_new_account(user):
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # the form found the username free, but someone took it since
        raise Refused(_("Cet identifiant vient d'être pris par quelqu'un d'autre : choisissez-en un autre.")) from error


def _join(user, invitation, now):
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    if created:
        return membership
    if membership.ended_at is None:  # a member already: an invitation never lowers a role
        if invitation.role == Role.COORDINATOR:
            membership.role = Role.COORDINATOR
    else:  # back after a membership that ended: since today
        membership.role, membership.created_at, membership.ended_at = invitation.role, now, None
    membership.save(update_fields=["role", "created_at", "ended_at"])
    return membership


def cancel(invitation, by, now):
    """The invitation's link opens nothing any more."""
    if not Invitation.objects.pending(now).filter(pk=invitation.pk).update(cancelled_at=now):
        raise Refused(_("Cette invitation n'est plus en attente : elle a été acceptée, annulée, ou elle a expiré."))
    summary = _("Invitation de %(email)s à %(organisation)s annulée (rôle « %(role)s »)") % _facts(invitation)
    audit.record(audit.Action.INVITATION_CANCELLED, summary, user=by, organisations=[invitation.organisation])


def refusal_to_end(membership, by):
    """Why `membership` may not end (None: it may): it has, or it is its organisation's last coordinator."""
    if membership.ended_at is not None:
        return _("Cette personne ne fait déjà plus partie de l'équipe.")
    if not membership.is_last_coordinator():
        return None
    values = {"organisation": membership.organisation, "name": name_of(membership.user)}
    if membership.user_id == by.pk:
        return (
            _(
                "Vous êtes la dernière personne à coordonner %(organisation)s : invitez d'abord quelqu'un "
                "d'autre à la coordination, puis retirez-vous de l'équipe."
            )
            % values
        )
    return (
        _(
            "%(name)s est la dernière personne à coordonner %(organisation)s : invitez d'abord quelqu'un "
            "d'autre à la coordination."
        )
        % values
    )


def end_membership(membership, by, now):
    """End `membership`: its person loses the organisation's pages at their next request, and keeps
    their name on what they did. Refused (see `refusal_to_end`) when it may not end."""
    with transaction.atomic():
        # Two coordinators ending each other at the same moment: the second waits, and is refused.
        list(
            Membership.objects.select_for_update()
            .current()
            .filter(organisation_id=membership.organisation_id, role=Role.COORDINATOR)
            .values_list("pk", flat=True)
        )
        refusal = refusal_to_end(membership, by)
        if refusal:
            raise Refused(refusal)
        if not Membership.objects.filter(pk=membership.pk, ended_at=None).update(ended_at=now):
            raise Refused(_("Cette personne ne fait déjà plus partie de l'équipe."))
        membership.ended_at = now
    summary = _("%(username)s retiré·e de l'équipe de %(organisation)s (rôle « %(role)s »)") % {
        "username": membership.user.get_username(),
        "organisation": membership.organisation,
        "role": membership.get_role_display(),
    }
    audit.record(audit.Action.MEMBERSHIP_ENDED, summary, user=by, organisations=[membership.organisation])


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def normalise(email):
    return email.strip().lower()


def suggested_username(email):
    """A free username from the address's local part: « marie.dupont », else « marie.dupont2 »…"""
    base = re.sub(r"[^\w.@+-]", "", email.split("@")[0])[:140] or "membre"
    taken = {
        username.lower()
        for username in get_user_model().objects.filter(username__istartswith=base).values_list("username", flat=True)
    }
    candidate, number = base, 2
    while candidate.lower() in taken:
        candidate, number = f"{base}{number}", number + 1
    return candidate


def name_of(user):
    return (user.get_full_name() or user.get_username()) if user else ""


def _facts(invitation, **more):
    """What an audit line says of an invitation."""
    return {
        "email": invitation.email,
        "organisation": invitation.organisation,
        "role": invitation.get_role_display(),
        **more,
    }
