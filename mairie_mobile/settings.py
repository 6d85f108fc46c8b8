"""Settings, read from the environment only.

Development defaults are safe to run on a laptop; production values come from
the environment (see `.env.example` for every variable and its default).
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from mairie_mobile import sms

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    value = os.environ.get(name, default)
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (0 or 1), not {value!r}")


def envint(name, default):
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envfloat(name, default):
    value = os.environ.get(name, default)
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def email_settings(url):
    """Django's EMAIL_* settings from one URL."""
    parsed = urlsplit(url)
    query = parse_qs(parsed.query)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "file":
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": parsed.path}
    if parsed.scheme in ("smtp", "smtps"):
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": parsed.scheme == "smtps",
            "EMAIL_USE_TLS": query.get("tls", ["0"])[0] in ("1", "true"),
            "EMAIL_TIMEOUT": 20,
        }
    raise ImproperlyConfigured(f"EMAIL_URL: unknown scheme {parsed.scheme!r} (smtp, smtps, console or file)")


def envlist(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "1")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0")
    SECRET_KEY = "development-only-not-secret"
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# The public address, used in calendar feeds and mails (no request there).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "mairie_mobile.apps.NationalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "ninja",
    "axes",
    "django_ratelimit",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mairie_mobile.apps.MairieMobileConfig",
    "organisations",
    "partners",
    "stops",
    "visits",
]

MIDDLEWARE = [
    # First: every other part reads the address a request came from.
    "mairie_mobile.middleware.ClientAddressMiddleware",
    "mairie_mobile.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mairie_mobile.languages.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Cached public answers, as early as they can be: the middleware below has nothing to do
    # for a visitor without a session (stops/caching.py).
    "stops.caching.PublicCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mairie_mobile.middleware.RefuseControlCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mairie_mobile.middleware.StaffInactivityMiddleware",
    "mairie_mobile.two_factor.TwoFactorMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mairie_mobile.urls"
WSGI_APPLICATION = "mairie_mobile.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mairie_mobile.context_processors.roles",
                "mairie_mobile.languages.languages",
                "stops.caching.csrf_placeholder",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", "0"),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "mairie_mobile.auth.RolesBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "agents:home"
LOGOUT_REDIRECT_URL = "login"

# Security headers and cookies. Production values when DEBUG=0 (behind TLS).
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "0" if DEBUG else "1")
if envbool("BEHIND_TLS_PROXY", "0"):  # the proxy terminates TLS and says so
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies stand in front, each adding the address it received a request from to
# X-Forwarded-For: the visitor's address is read there (mairie_mobile.middleware).
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", "0")
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES must be 0 or more, not {TRUSTED_PROXIES}")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "0" if DEBUG else "1")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "0" if DEBUG else "1")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "mairie_mobile.views.csrf_failure"

# Content-Security-Policy: everything from this site, no inline script, no eval.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Two-factor authentication (TOTP and backup codes) for these roles: "coordinators"
# (and administrators) by default in production; add "agents" to extend it.
TWO_FACTOR_ROLES = envlist("TWO_FACTOR_ROLES", "" if DEBUG else "coordinators")
OTP_TOTP_ISSUER = "Mairie mobile"

# Staff sessions end after this much inactivity (the queue's own refreshing does not count),
# and this long after logging in, however busy.
STAFF_INACTIVITY_MINUTES = envint("STAFF_INACTIVITY_MINUTES", "60")
STAFF_SESSION_MAX_HOURS = envint("STAFF_SESSION_MAX_HOURS", "12")
SESSION_COOKIE_AGE = STAFF_SESSION_MAX_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "mairie_mobile.sessions"

# Lock an account on one computer after repeated failures, for a cool-off period.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "mairie_mobile.auth.axes_username"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
# Each language named in itself, as the switcher shows it. French is the source and the default.
LANGUAGES = [("fr", "Français"), ("en", "English"), ("ar", "العربية"), ("zh-hans", "简体中文")]
# The choice of the language switcher, kept a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: Redis when REDIS_URL is set; otherwise tasks run in the calling process.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Every Redis client gives up after this long: a hung Redis must not hang a request (the
# cache, the broker, /healthz). Redis answers in well under a millisecond when it is well.
REDIS_TIMEOUT_SECONDS = envfloat("REDIS_TIMEOUT_SECONDS", "0.25")
if not 0 < REDIS_TIMEOUT_SECONDS <= 1:
    raise ImproperlyConfigured("REDIS_TIMEOUT_SECONDS must be more than 0 and at most 1")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Fail fast when the broker is down instead of holding the request that queues a task: no
# retry (the sweeper queues what could not be), short timeouts.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    # Tasks are acknowledged late: one unacknowledged this long is given to another worker.
    "visibility_timeout": 3600,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

CELERY_BEAT_SCHEDULE = {
    "purge-follow-up-contacts": {
        "task": "visits.tasks.purge_expired_follow_up_contacts",
        "schedule": crontab(hour=3, minute=15),
    },
    "forget-kiosk-minutes": {
        "task": "visits.tasks.forget_kiosk_minutes",
        "schedule": crontab(hour=3, minute=25),
    },
    "send-waiting-confirmations": {
        "task": "stops.tasks.send_waiting_confirmations",
        "schedule": crontab(minute=5),
    },
    "purge-unconfirmed-subscriptions": {
        "task": "stops.tasks.purge_unconfirmed_subscriptions",
        "schedule": crontab(hour=3, minute=20),
    },
    "sweep-notifications": {
        "task": "stops.tasks.sweep_notifications",
        "schedule": 15.0,  # with stops.notifications.HOLD, how soon a killed worker's mails go
    },
    "ticket-alerts": {
        "task": "visits.tasks.send_ticket_alerts",
        "schedule": 60.0,
    },
    "keep-activity": {
        "task": "visits.tasks.keep_yesterdays_activity",
        "schedule": crontab(hour=2, minute=30),
    },
    "summarize-openings": {
        "task": "stops.tasks.summarize_last_month",
        "schedule": crontab(hour=2, minute=45),
    },
    "catch-up-public-cache": {
        "task": "stops.tasks.catch_up_public_cache",
        "schedule": 60.0,
    },
    "heartbeat": {
        "task": "mairie_mobile.tasks.heartbeat",
        "schedule": 60.0,
    },
    "remind-tomorrow": {
        "task": "stops.tasks.remind_tomorrow",
        "schedule": crontab(hour=18, minute=0),
    },
}
# Edits within this many seconds of each other make one mail to subscribers.
NOTIFICATION_DEBOUNCE_SECONDS = envint("NOTIFICATION_DEBOUNCE_SECONDS", "300")

# An invitation to join an organisation's team is valid this many days.
INVITATION_DAYS = envint("INVITATION_DAYS", "7")
if INVITATION_DAYS < 1:
    raise ImproperlyConfigured("INVITATION_DAYS must be at least 1")

# Follow-up contacts (kept only with consent) are erased after this many days.
FOLLOW_UP_RETENTION_DAYS = envint("FOLLOW_UP_RETENTION_DAYS", "90")
# How often every computer of the bus refreshes the queue.
QUEUE_REFRESH_SECONDS = envint("QUEUE_REFRESH_SECONDS", "5")
# How often the public pages (a stop's live status, a ticket) ask again; at least 30 s in production.
LIVE_REFRESH_SECONDS = envint("LIVE_REFRESH_SECONDS", "30")
# The queue's figures for the live status and the tickets (stops must not import visits):
# a function (stop, day) -> (people waiting, estimated minutes per person or None).
LIVE_QUEUE_FIGURES = "visits.queue.figures"

# Mail: smtp://user:password@host:587?tls=1, smtps://…:465, console:// or file:///path.
EMAIL_URL = os.environ.get("EMAIL_URL", "console://" if DEBUG else "")
if not EMAIL_URL:
    raise ImproperlyConfigured("EMAIL_URL must be set when DEBUG=0")
globals().update(email_settings(EMAIL_URL))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Mairie mobile <ne-pas-repondre@mairie-mobile.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# SMS: console://, file:///path, locmem:// or brevo://API_KEY@api.brevo.com?sender=MairieMob
# (mairie_mobile/sms.py). Empty: residents are offered mail only.
SMS_URL = os.environ.get("SMS_URL", "console://" if DEBUG else "")
if SMS_URL:
    sms.parse_url(SMS_URL)  # a wrong SMS_URL stops the start, saying what is wrong
# The SMS an organisation may send in a month (its own figure, when set, wins). Past 80 %, its
# coordinators are warned; at 100 %, only cancellations of the same day still go by SMS.
SMS_MONTHLY_BUDGET = envint("SMS_MONTHLY_BUDGET", "1000")


# A cache shared by every process (Redis) when there is one: rate limits count across them.
# While Redis is down, the cache keeps nothing and the rate limits count in each process
# (mairie_mobile/cache.py); without Redis (`make run`, one process), both are in memory.
# What a cached public answer is read with: its versions (stops.caching, stops.live), and for a
# ticket, the address's count of guessed codes (visits.views.public); kept by each process while
# Redis says they have not changed (mairie_mobile.cache.Tracked).
TRACKED_VERSIONS = ("schedule-version", "live-version:", "live-marks-version", "queue-version:")
TRACKED_COUNTS = ("ticket-guesses:",)


def caches(redis_url):
    def on_redis(name, when_down, tracked=()):
        if not redis_url:
            return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}
        return {
            "BACKEND": "mairie_mobile.cache.ResilientRedisCache",
            "LOCATION": redis_url,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
                "WHEN_DOWN": when_down,
                "TRACKED": tracked,
            },
        }

    return {
        "default": on_redis("default", when_down="dummy", tracked=TRACKED_VERSIONS),
        "ratelimit": on_redis("ratelimit", when_down="locmem", tracked=TRACKED_COUNTS),
    }


CACHES = caches(REDIS_URL)
RATELIMIT_USE_CACHE = "ratelimit"

# django-ratelimit counts with the cache's atomic increment: Redis' INCR (W001 only says
# django-ratelimit does not list our backend); without Redis, `make run` is one process,
# whose memory cache counts well enough (E003).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", *([] if REDIS_URL else ["django_ratelimit.E003"])]

# The public timetable groups stops by commune past this many stops.
TIMETABLE_GROUP_THRESHOLD = envint("TIMETABLE_GROUP_THRESHOLD", "20")

# A stops file larger than this is refused before it is read (10,000 stops with three
# slots each take about 6 MB).
STOPS_FILE_MAX_BYTES = envint("STOPS_FILE_MAX_BYTES", str(8 * 1000 * 1000))

# One JSON line per request and per task, with the request's id (LOG_FORMAT=text to read them raw).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "mairie_mobile.observability.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if os.environ.get("LOG_FORMAT", "json") == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # django-axes logs every login at INFO; failures and lockouts are warnings.
        "axes": {"level": "WARNING"},
        # Requests are logged once, by mairie_mobile.observability.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}

SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(dsn=SENTRY_DSN, send_default_pii=False, traces_sample_rate=0)
