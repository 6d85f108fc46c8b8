import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from mairie_mobile.validators import FIRST_DAY, LAST_DAY, parse_day
from stops import opening_counts
from visits import stats


class Command(BaseCommand):
    help = _(
        "Compte l'activité des journées passées et les ouvertures des mois passés, pour des statistiques rapides "
        "(ce que font les tâches de nuit, pour tout l'historique après une installation)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help=_("premier jour, AAAA-MM-JJ"))
        parser.add_argument(
            "--stale",
            action="store_true",
            help=_("compter à nouveau toutes les journées comptées par une version précédente (après une mise à jour)"),
        )

    def handle(self, *args, since, stale, **options):
        if stale:
            days = stats.keep_stale_days(limit=None)
            self.stdout.write(_("%(days)s journées comptées à nouveau.") % {"days": days})
        if since is None:
            if not stale:
                raise CommandError(_("Indiquez --since AAAA-MM-JJ, ou --stale."))
            return
        first = parse_day(since)
        if first is None:
            raise CommandError(
                _("--since attend une date AAAA-MM-JJ entre %(first)s et %(last)s.")
                % {"first": FIRST_DAY.year, "last": LAST_DAY.year}
            )
        today = timezone.localdate()
        day = first
        while day < today:
            stats.keep_day(day)
            day += datetime.timedelta(days=1)
        last_month = opening_counts.month_start(opening_counts.month_start(today) - datetime.timedelta(days=1))
        if opening_counts.month_start(first) <= last_month:
            opening_counts.summarize(opening_counts.month_start(first), last_month)
        self.stdout.write(_("Activité comptée du %(first)s à hier.") % {"first": f"{first:%d/%m/%Y}"})
