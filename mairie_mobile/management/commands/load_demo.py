from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from stops.importer import import_stops
from stops.models import Stop
from visits.demo import (
    DEMO_PASSWORD,
    create_demo_visits,
    ensure_demo_accounts,
    ensure_demo_commitments,
    ensure_demo_organisations,
    open_today,
)

DEMO_DATA = Path(__file__).resolve().parents[3] / "stops" / "data"
# Paris's stops, then the example PIMMS's (made up: see the file).
DEMO_STOPS = [DEMO_DATA / "paris-18e.yaml", DEMO_DATA / "pimms-libercourt.yaml"]
DEMO_VISITS_STOP = "nathalie-sarraute"


class Command(BaseCommand):
    help = _(
        "Charge les données de démonstration : les arrêts de la Mairie mobile du 18e arrondissement et ceux "
        "d'un PIMMS mobile d'exemple, des comptes d'agent et de coordination, et une matinée de passages."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help=_("créer les comptes de démonstration même avec DEBUG=0")
        )

    def handle(self, *args, force, **options):
        ensure_demo_organisations()
        ensure_demo_commitments()
        for path in DEMO_STOPS:
            summary = import_stops(path.read_text(encoding="utf-8"))
            self.stdout.write(
                _("Arrêts de démonstration (%(file)s) : %(summary)s") % {"file": path.name, "summary": summary}
            )
        if not settings.DEBUG and not force:
            raise CommandError(_("Les comptes de démonstration ont un mot de passe public : refusé avec DEBUG=0."))
        users = ensure_demo_accounts()
        stop = open_today(Stop.objects.get(slug=DEMO_VISITS_STOP), timezone.localtime())
        created = create_demo_visits(stop, users[:2])
        self.stdout.write(
            _("Passages de démonstration créés : %(created)s, la file du jour est à l'arrêt « %(stop)s ».")
            % {"created": created, "stop": stop.name}
        )
        self.stdout.write(
            self.style.WARNING(
                _("Comptes de démonstration (démo seulement), mot de passe : %(password)s")
                % {"password": DEMO_PASSWORD}
            )
        )
        for user in users:
            self.stdout.write(self.style.WARNING(_describe(user)))


def _describe(user):
    """« agent2 (Yanis Benali) : Agent, Mairie mobile – Ville de Paris ; Agent, PIMMS mobile de Libercourt »"""
    roles = [
        _("%(role)s, %(organisation)s")
        % {"role": membership.get_role_display(), "organisation": membership.organisation}
        for membership in user.memberships.current().select_related("organisation").order_by("pk")
    ]
    return _("  %(username)s (%(name)s) : %(roles)s") % {
        "username": user.username,
        "name": user.get_full_name(),
        "roles": " ; ".join(roles),
    }
