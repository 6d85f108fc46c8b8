from django.apps import AppConfig


class StopsConfig(AppConfig):
    name = "stops"
    verbose_name = "Arrêts et horaires"

    def ready(self):
        # Django loads the models after this module: what uses them is imported once they are.
        from stops.caching import watch_schedule_models

        watch_schedule_models()
