from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class NationalAdminConfig(AdminConfig):
    """The admin is the national administrator's: organisations, accounts, the journal."""

    default_site = "mairie_mobile.admin_site.NationalAdminSite"


class MairieMobileConfig(AppConfig):
    name = "mairie_mobile"
    verbose_name = _("Mairie mobile")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from mairie_mobile import audit, observability  # noqa: F401 (Celery signals: logs, heartbeats)
        from mairie_mobile.middleware import start_activity

        user_logged_in.connect(start_activity)
        user_logged_in.connect(audit.on_login)
        user_logged_out.connect(audit.on_logout)
        user_login_failed.connect(audit.on_login_failed)
