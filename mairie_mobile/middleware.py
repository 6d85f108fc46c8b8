import ipaddress
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.utils.translation import gettext as _

from mairie_mobile.validators import check_request


class ClientAddressMiddleware:
    """Behind `TRUSTED_PROXIES` reverse proxies, the address a request came from is the one the
    farthest of them received it from: each adds the address it received from at the end of
    X-Forwarded-For, so that one is the TRUSTED_PROXIES-th from the end. The rest of the header
    was sent by the client, who can write anything there, and is not read. Without it, every
    request would come from the proxy's address, and the limits per address (logins,
    subscriptions, ticket codes) would count the whole country as one visitor.

    It becomes REMOTE_ADDR, which the rate limits, django-axes and the audit journal read. A
    header that does not end with an address (a request that did not come through the proxies)
    leaves REMOTE_ADDR as it is.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TRUSTED_PROXIES and (forwarded := request.META.get("HTTP_X_FORWARDED_FOR")):
            hops = forwarded.split(",")
            try:
                address = ipaddress.ip_address(hops[max(0, len(hops) - settings.TRUSTED_PROXIES)].strip())
            except ValueError:
                pass
            else:
                request.META["REMOTE_ADDR"] = str(address)
        return self.get_response(request)


class RefuseControlCharactersMiddleware:
    """A NUL or another control character in the address, its query or a posted form: 400, before
    any view, query or log line sees it (the database refuses NUL; nothing else needs them)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        check_request(request)
        return self.get_response(request)


# Requests that pages make by themselves (the queue refreshing) are not a person's activity.
AUTOMATIC_HEADER = "X-Automatic-Refresh"


def start_activity(sender, request, user, **kwargs):
    """Logging in starts the session's clock, and is activity (which saves writing the session
    again on the next click)."""
    if request is not None and hasattr(request, "session"):
        request.session["logged_in_at"] = request.session["last_activity"] = time.time()


class StaffInactivityMiddleware:
    """End a staff session after STAFF_INACTIVITY_MINUTES without anything done by a person,
    and STAFF_SESSION_MAX_HOURS after logging in however busy it is (a computer of the bus
    left logged in is not open for days).

    An htmx request that would be redirected (to the login page, say) makes the
    whole page go there instead of showing the login form inside the queue.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.setdefault("last_activity", now)
            # A session opened before this limit existed counts from now.
            logged_in_at = request.session.setdefault("logged_in_at", now)
            if now - logged_in_at > settings.STAFF_SESSION_MAX_HOURS * 3600:
                message = _("Par sécurité, une session dure %(hours)d heures au plus : reconnectez-vous.")
                return self._end(request, message % {"hours": settings.STAFF_SESSION_MAX_HOURS})
            if now - last > settings.STAFF_INACTIVITY_MINUTES * 60:
                return self._end(
                    request, _("Votre session a pris fin après une période d'inactivité : reconnectez-vous.")
                )
            # Saved at most once a minute: a session write on every click would be wasted.
            if AUTOMATIC_HEADER not in request.headers and now - last >= 60:
                request.session["last_activity"] = now
        return self._for_htmx(request, self.get_response(request))

    def _end(self, request, message):
        logout(request)
        messages.info(request, message)
        return self._for_htmx(request, redirect_to_login(request.get_full_path()))

    @staticmethod
    def _for_htmx(request, response):
        if "HX-Request" in request.headers and response.status_code in (301, 302):
            redirected = HttpResponse(status=204)
            redirected["HX-Redirect"] = response["Location"]
            return redirected
        return response
