"""Pages of the whole site: login, health, the accessibility statement and the personal data page."""

import redis
from celery import current_app
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.middleware import csrf
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from mairie_mobile.faults import Outage
from mairie_mobile.observability import HEARTBEATS, heartbeats
from mairie_mobile.validators import RefusedInput

# Beat sends the heartbeat every minute: three minutes of silence is an outage.
HEARTBEAT_MAX_AGE = 180
# The site header's navy (static/css/mairie-mobile.css), for the phone's bar around the app.
THEME_COLOUR = "#1d2b4f"
ICON_SIZES = (192, 512)


@method_decorator(ratelimit(key="ip", rate="30/h", method="POST", block=False), name="dispatch")
class LoginView(auth_views.LoginView):
    """Django's login, with django-axes' lockout per account and a limit per address."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            failure_limit=settings.AXES_FAILURE_LIMIT,
            cooloff=settings.AXES_COOLOFF_TIME,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return render(request, "registration/lockout.html", {"limited": True}, status=429)
        return super().post(request, *args, **kwargs)


@never_cache
def healthz(request):
    """The database, Redis as the cache and as the Celery broker, and the last signs of life of
    a Celery worker and of beat: 200, or 503 naming what is down."""
    checks = {"database": _check(_query_database)}
    if not settings.REDIS_URL:
        checks["redis"] = "not configured: tasks run in the web process"
    else:
        cache_url, broker_url = settings.CACHES["default"]["LOCATION"], current_app.conf.broker_url
        checks["cache"] = _check(_ping_redis, cache_url, "the cache")
        # Usually the same server: asked once, so that a hung Redis costs one timeout.
        same = Outage.of(cache_url) is Outage.of(broker_url)
        checks["broker"] = checks["cache"] if same else _check(_ping_redis, broker_url, "the Celery broker")
        if checks["cache"] == "ok":
            checks |= _heartbeats()
        else:  # they are kept in the cache
            checks |= {f"celery_{name}": "unknown: kept in the cache" for name in HEARTBEATS}
    healthy = not any(_failed(check) for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def _check(probe, *args):
    try:
        probe(*args)
    except Exception as error:  # whatever the driver raises, the answer is 503
        return f"error: {type(error).__name__}"
    return "ok"


def _heartbeats():
    checks = {}
    for name, age in heartbeats().items():
        fresh = age is not None and age < HEARTBEAT_MAX_AGE
        checks[f"celery_{name}"] = {"ok": fresh, "seconds_since_heartbeat": None if age is None else round(age)}
    return checks


def _failed(check):
    return not check["ok"] if isinstance(check, dict) else check.startswith("error")


def _query_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _ping_redis(url, what):
    """Asked each time, outage or not: /healthz tells how things are now, in REDIS_TIMEOUT_SECONDS at most."""
    timeout = settings.REDIS_TIMEOUT_SECONDS
    with (
        Outage.of(url).attempt(what),
        redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout) as client,
    ):
        client.ping()


def bad_request(request, exception):
    """400: the person is told what could not be read, in JSON for the API."""
    message = str(exception) if isinstance(exception, RefusedInput) else ""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message or _("Requête illisible.")}, status=400)
    return render(request, "400.html", {"message": message, "came_from": came_from(request)}, status=400)


def permission_denied(request, exception):
    return render(request, "403.html", {"came_from": came_from(request)}, status=403)


def page_not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Cette adresse n'existe pas.")}, status=404)
    return render(request, "404.html", {"came_from": came_from(request)}, status=404)


def server_error(request):
    """500, rendered without the request's context: the database, the session or the cache may
    be what failed, and the page must still say so."""
    page = loader.get_template("500.html").render({"came_from": came_from(request)})
    return HttpResponseServerError(page)


# A form of our own whose token no longer matches: a login or a logout on this computer since
# the page was opened. Any other refusal (no token, a foreign origin) is treated as an attack.
STALE_TOKEN_REASONS = (csrf.REASON_NO_CSRF_COOKIE, "incorrect.", "has incorrect length.")
# Never written back into a page.
SECRET_FIELDS = ("csrfmiddlewaretoken", "password", "otp", "token")


def csrf_failure(request, reason=""):
    """403 for a refused form. On the bus's shared computers it is nearly always a colleague who
    logged in after the page was opened: say so, and offer to send what was typed again, from a
    fresh page, in the name of the account now open, once the person has read whose it is."""
    stale = "HTTP_ORIGIN" in request.META and reason.endswith(STALE_TOKEN_REASONS)
    typed = [(name, values) for name, values in request.POST.lists() if name != "csrfmiddlewaretoken"]
    secret = any(word in name.lower() for name, _values in typed for word in SECRET_FIELDS)
    context = {
        "stale": stale,
        "came_from": came_from(request),
        # Django already checked that the Origin is ours: this is not another site's forged form.
        "resend": typed if stale and request.user.is_authenticated and not secret and not request.FILES else [],
    }
    return render(request, "csrf_failure.html", context, status=403)


def came_from(request):
    """The page of ours the person came from: their way back after an error."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        return ""
    if not url_has_allowed_host_and_scheme(referer, {host}, require_https=request.is_secure()):
        return ""
    return "" if referer == request.build_absolute_uri() else referer


def accessibility(request):
    return render(request, "public/accessibilite.html")


def personal_data(request):
    return render(
        request,
        "public/donnees_personnelles.html",
        {"retention_days": settings.FOLLOW_UP_RETENTION_DAYS},
    )


def api_docs(request):
    from mairie_mobile.api import documentation

    return render(request, "public/api.html", {"operations": documentation()})


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: the icon is a static file."""
    return redirect(static("icons/favicon.ico"))


def manifest(request):
    """What a phone needs to put the timetable on its home screen."""
    icons = [
        {"src": static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"} for size in ICON_SIZES
    ]
    app = {
        "name": _("Mairie mobile"),
        "short_name": _("Mairie mobile"),
        "description": _("Où et quand trouver la Mairie mobile, et ses changements d'horaires."),
        "lang": "fr",
        "start_url": reverse("stops:timetable"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": icons,
    }
    return JsonResponse(app, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
