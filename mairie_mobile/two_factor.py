"""Two-factor authentication for the roles of TWO_FACTOR_ROLES: a code from an authenticator
app (TOTP), or one of ten backup codes, after the password (django-otp)."""

import base64

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mairie_mobile import audit
from organisations.models import Role
from organisations.roles import is_agent, is_coordinator

PROTECTED = ("/agents/", "/coordination/", "/admin/")
BACKUP_CODES = 10


def required_for(user):
    """Whether this user must give a second factor to reach the staff pages."""
    if not user.is_authenticated:
        return False
    roles = settings.TWO_FACTOR_ROLES
    if "coordinators" in roles and (is_coordinator(user) or user.is_staff):
        return True
    return "agents" in roles and is_agent(user)


def required_for_role(role):
    """Whether the members with `role` give a second factor (said in their invitation)."""
    roles = settings.TWO_FACTOR_ROLES
    return "agents" in roles or ("coordinators" in roles and role == Role.COORDINATOR)


class TwoFactorMiddleware:
    """Staff pages wait for the second factor of those who need one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if request.path.startswith(PROTECTED) and required_for(user) and not user.is_verified():
            step = "two_factor_verify" if user_has_device(user, confirmed=True) else "two_factor_setup"
            return redirect_to_login(request.get_full_path(), reverse(step))
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=gettext_lazy("Les 6 chiffres de votre application, ou un code de secours."),
    )


@login_required
def setup(request):
    """Add the authenticator app: a QR code to scan, then a first code to prove it works."""
    user = request.user
    if user_has_device(user, confirmed=True):
        return redirect_to_login(_next(request), reverse("two_factor_verify"))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name="Application d'authentification", confirmed=False
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            audit.record(audit.Action.TWO_FACTOR, _("Double authentification activée"), user=user, request=request)
            return render(
                request, "registration/backup_codes.html", {"codes": new_backup_codes(user), "next": _next(request)}
            )
        form.add_error("code", _("Ce code ne correspond pas : vérifiez l'heure du téléphone et réessayez."))
    context = {
        "form": form,
        "qr_code": segno.make(device.config_url, error="m").svg_inline(scale=5, title=_("Code QR à scanner")),
        "secret": base64.b32encode(device.bin_key).decode(),
        "next": _next(request),
    }
    return render(request, "registration/two_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
def verify(request):
    """The second factor, after the password."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            kind = _("code de secours") if isinstance(device, StaticDevice) else _("application")
            what = _("Second facteur vérifié (%(kind)s)") % {"kind": kind}
            audit.record(audit.Action.TWO_FACTOR, what, user=request.user, request=request)
            return redirect(_next(request))
        audit.record(audit.Action.TWO_FACTOR, _("Second facteur refusé"), user=request.user, request=request)
        form.add_error("code", _("Ce code n'est pas valable. Réessayez, ou utilisez un code de secours."))
    context = {"form": form, "next": _next(request)}
    return render(request, "registration/two_factor_verify.html", context, status=400 if form.errors else 200)


def new_backup_codes(user):
    """Ten codes of one use each, replacing the previous ones; shown once."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name="Codes de secours")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _position in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or reverse("agents:home")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("agents:home")
