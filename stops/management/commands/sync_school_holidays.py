from django.core.management.base import BaseCommand

from stops.school_holidays import sync_school_holidays


class Command(BaseCommand):
    help = "Met à jour les vacances scolaires depuis le paquet vacances-scolaires-france (après sa mise à jour)."

    def handle(self, *args, **options):
        added, updated = sync_school_holidays()
        self.stdout.write(f"Vacances scolaires : {added} période(s) ajoutée(s), {updated} mise(s) à jour.")
