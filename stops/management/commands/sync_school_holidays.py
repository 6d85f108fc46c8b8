from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from stops.school_holidays import sync_school_holidays


class Command(BaseCommand):
    help = _("Met à jour les vacances scolaires depuis le paquet vacances-scolaires-france (après sa mise à jour).")

    def handle(self, *args, **options):
        added, updated = sync_school_holidays()
        self.stdout.write(
            _("Vacances scolaires : %(added)s période(s) ajoutée(s), %(updated)s mise(s) à jour.")
            % {"added": added, "updated": updated}
        )
