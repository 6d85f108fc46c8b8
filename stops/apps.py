from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StopsConfig(AppConfig):
    name = "stops"
    verbose_name = _("Arrêts et horaires")

    def ready(self):
        # Django loads the models after this module: what uses them is imported once they are.
        from stops import checks  # noqa: F401  (registers the system checks)
        from stops.caching import watch_schedule_models

        watch_schedule_models()
