"""System checks of the stops app (`manage.py check`, and every start)."""

from django.conf import settings
from django.core import checks
from django.urls import reverse
from django.utils import translation

from mairie_mobile import gsm
from stops import links
from stops.models import LEAVE_CODE_LENGTH

# The variable parts of an SMS (a stop's name, a reason, the sender) as short as gsm.fit makes them.
SHORTEST_PARTS = {"sender": "x" * 6, "stop": "x" * 6, "reason": "x" * 6}
# The longest fixed part of a change's SMS that is never left out (notifications.sms_text).
LONGEST_CHANGE = {"what": "mer. 30/12 ouverture exceptionnelle 10h30-12h30"}


@checks.register()
def sms_fit_in_one_segment(app_configs, **kwargs):
    """With SMS on, a change's SMS must leave room for its names once its links are written, in
    every language: a long SITE_URL would otherwise leave gsm.fit nothing to cut but the link to
    stop the SMS."""
    if not settings.SMS_URL:
        return []
    from stops.notifications import _render_sms

    for language, _name in settings.LANGUAGES:
        alphabet = gsm.alphabet(language)
        with translation.override(language):  # its words, and its links (/ar/…)
            context = LONGEST_CHANGE | {
                "link": links.printed(settings.SITE_URL + reverse("stops:short_link", args=["zzz"])),
                "leave": links.printed(settings.SITE_URL + reverse("stops:sms_leave", args=["z" * LEAVE_CODE_LENGTH])),
            }
            length = alphabet.measure(_render_sms("change", context | SHORTEST_PARTS, alphabet))
        if length > alphabet.limit:
            return [
                checks.Warning(
                    f"SITE_URL ({settings.SITE_URL}) is too long for an SMS of a change in {language!r} to fit "
                    f"in its limit ({length} characters of {alphabet.limit} with the shortest names): its end, "
                    "the link to stop the SMS, would be cut.",
                    hint="Use a shorter address for SITE_URL (a short domain, without a path).",
                    id="stops.W001",
                )
            ]
    return []
