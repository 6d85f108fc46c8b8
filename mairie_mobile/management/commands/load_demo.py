from pathlib import Path

from django.core.management.base import BaseCommand

from stops.importer import import_stops

DEMO_STOPS = Path(__file__).resolve().parents[3] / "stops" / "data" / "paris-18e.yaml"


class Command(BaseCommand):
    help = "Charge les données de démonstration : les arrêts de la Mairie mobile du 18e arrondissement."

    def handle(self, *args, **options):
        summary = import_stops(DEMO_STOPS.read_text(encoding="utf-8"))
        self.stdout.write(f"Arrêts de démonstration (Paris 18e) : {summary}")
