"""The audit journal: every staff action that matters is recorded here, in one line."""

from django.utils.translation import gettext as _

from mairie_mobile.models import AuditEvent

Action = AuditEvent.Action


def record(action, summary, *, user=None, username="", request=None, organisations=()):
    """Add an entry; `request` gives the address it came from (REMOTE_ADDR, set by the proxy in production).
    `organisations`: those the action concerns; the entry names the organisation when it is one."""
    slugs = {organisation.slug for organisation in organisations if organisation is not None}
    if user is not None and not user.is_authenticated:
        user = None
    username = user.get_username() if user else username
    return AuditEvent.objects.create(
        action=action,
        summary=_printable(summary)[:500],
        user=user,
        username=_printable(username)[:150],
        ip=request.META.get("REMOTE_ADDR") if request else None,
        organisation=slugs.pop() if len(slugs) == 1 else "",
    )


def _printable(text):
    """What was typed, without the NUL characters a database text refuses."""
    return str(text).replace("\x00", "")


def on_login(sender, request, user, **kwargs):
    record(Action.LOGIN, _("Connexion réussie"), user=user, request=request)


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(Action.LOGOUT, _("Déconnexion"), user=user, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    what = _("Échec de connexion pour « %(username)s »") % {"username": username[:100]}
    record(Action.LOGIN_FAILED, what, username=username, request=request)
