from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from visits.intake import purge_follow_up_contacts


class Command(BaseCommand):
    help = _("Efface les contacts de suivi gardés plus longtemps que la durée de conservation (la tâche quotidienne).")

    def handle(self, *args, **options):
        deleted = purge_follow_up_contacts(settings.FOLLOW_UP_RETENTION_DAYS)
        self.stdout.write(_("%(count)s contact(s) de suivi effacé(s).") % {"count": deleted})
