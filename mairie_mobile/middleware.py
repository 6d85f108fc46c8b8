import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse

# Requests that pages make by themselves (the queue refreshing) are not a person's activity.
AUTOMATIC_HEADER = "X-Automatic-Refresh"


def start_activity(sender, request, user, **kwargs):
    """Logging in is activity (and saves writing the session again on the next click)."""
    if request is not None and hasattr(request, "session"):
        request.session["last_activity"] = time.time()


class StaffInactivityMiddleware:
    """End a staff session after STAFF_INACTIVITY_MINUTES without anything done by a person.

    An htmx request that would be redirected (to the login page, say) makes the
    whole page go there instead of showing the login form inside the queue.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.setdefault("last_activity", now)
            if now - last > settings.STAFF_INACTIVITY_MINUTES * 60:
                logout(request)
                messages.info(request, "Votre session a pris fin après une période d'inactivité : reconnectez-vous.")
                return self._for_htmx(request, redirect_to_login(request.get_full_path()))
            # Saved at most once a minute: a session write on every click would be wasted.
            if AUTOMATIC_HEADER not in request.headers and now - last >= 60:
                request.session["last_activity"] = now
        return self._for_htmx(request, self.get_response(request))

    @staticmethod
    def _for_htmx(request, response):
        if "HX-Request" in request.headers and response.status_code in (301, 302):
            redirected = HttpResponse(status=204)
            redirected["HX-Redirect"] = response["Location"]
            return redirected
        return response
