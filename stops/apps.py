from django.apps import AppConfig


class StopsConfig(AppConfig):
    name = "stops"
    verbose_name = "Arrêts et horaires"
