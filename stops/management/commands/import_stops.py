from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from stops.importer import StopsFileError, import_stops, refuse_if_too_big


class Command(BaseCommand):
    help = _(
        "Charge ou met à jour des arrêts, leurs créneaux, fermetures et ouvertures exceptionnelles "
        "depuis un fichier YAML. Tout ou rien : à la moindre erreur, rien n'est modifié."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("le fichier des arrêts (YAML)"))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("vérifier le fichier et dire ce qui changerait, sans rien modifier"),
        )

    def handle(self, *args, file, dry_run, **options):
        try:
            summary = import_stops(self.read(Path(file)), dry_run=dry_run)
        except StopsFileError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("%(count)s erreur(s) : rien n'a été importé.") % {"count": len(error.problems)}
            ) from None
        prefix = _("Simulation, rien n'a été modifié.") + " " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + str(summary)))

    def read(self, path):
        """The file's text; past STOPS_FILE_MAX_BYTES, refused without reading the rest (a pipe
        has no size to ask beforehand)."""
        try:
            refuse_if_too_big(path.stat().st_size)
            with path.open("rb") as file:
                data = file.read(settings.STOPS_FILE_MAX_BYTES + 1)
            refuse_if_too_big(len(data))
            return data.decode("utf-8")
        except FileNotFoundError:
            raise CommandError(_("Fichier introuvable : %(path)s") % {"path": path}) from None
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                _("Lecture impossible de %(path)s : %(error)s") % {"path": path, "error": error}
            ) from None
