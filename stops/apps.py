from django.apps import AppConfig


class StopsConfig(AppConfig):
    name = "stops"
    verbose_name = "Arrêts et horaires"

    def ready(self):
        from stops.caching import watch_schedule_models

        watch_schedule_models()
