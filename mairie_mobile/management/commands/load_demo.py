from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from stops.importer import import_stops
from stops.models import Stop
from visits.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    create_demo_visits,
    ensure_demo_accounts,
    ensure_demo_organisations,
    open_today,
)

DEMO_STOPS = Path(__file__).resolve().parents[3] / "stops" / "data" / "paris-18e.yaml"
DEMO_VISITS_STOP = "nathalie-sarraute"


class Command(BaseCommand):
    help = _(
        "Charge les données de démonstration : les arrêts de la Mairie mobile du 18e arrondissement, "
        "des comptes d'agent et de coordination, et une matinée de passages."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help=_("créer les comptes de démonstration même avec DEBUG=0")
        )

    def handle(self, *args, force, **options):
        ensure_demo_organisations()
        summary = import_stops(DEMO_STOPS.read_text(encoding="utf-8"))
        self.stdout.write(_("Arrêts de démonstration (Paris 18e) : %(summary)s") % {"summary": summary})
        if not settings.DEBUG and not force:
            raise CommandError(_("Les comptes de démonstration ont un mot de passe public : refusé avec DEBUG=0."))
        agents = ensure_demo_accounts()
        stop = open_today(Stop.objects.get(slug=DEMO_VISITS_STOP), timezone.localtime())
        created = create_demo_visits(stop, agents[:2])
        self.stdout.write(
            _("Passages de démonstration créés : %(created)s, la file du jour est à l'arrêt « %(stop)s ».")
            % {"created": created, "stop": stop.name}
        )
        accounts = ", ".join(username for username, *_rest in DEMO_ACCOUNTS)
        self.stdout.write(
            self.style.WARNING(
                _("Comptes de démonstration (démo seulement) : %(accounts)s ; mot de passe : %(password)s")
                % {"accounts": accounts, "password": DEMO_PASSWORD}
            )
        )
