"""What may come in from outside (a form, the API, an address, a stops file), checked the same way everywhere."""

import datetime
import re

from django.core.exceptions import BadRequest, ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

# The days the app deals with. A date outside is a typing mistake or an attack, never a day
# the bus comes; the schedule engine, the statistics and the exports are not asked for it.
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2100, 12, 31)

# NUL and the other control characters: no address, search or form field holds them. Tab,
# line feed and carriage return are fine in a form's text (a note has several lines).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_CHARACTERS_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RefusedInput(BadRequest):
    """A request that no page can read; its message, in French, is shown to the person."""


def validate_day(value):
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(
            _("Choisissez une date entre %(first)s et %(last)s."),
            code="out_of_range",
            params={"first": FIRST_DAY.year, "last": LAST_DAY.year},
        )


def parse_day(text):
    """The day an address gives as AAAA-MM-JJ, or None when it is not one the app deals with."""
    try:
        day = parse_date(text)
    except ValueError:  # well formed, but no such day (2025-02-30)
        return None
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else None


def check_request(request):
    """Raise RefusedInput when the address, its query or a posted form holds a control character."""
    if CONTROL_CHARACTERS.search(request.path) or _holds(request.GET, CONTROL_CHARACTERS):
        raise RefusedInput(_("Cette adresse contient un caractère invisible non permis : vérifiez le lien."))
    if request.method == "POST" and _holds(request.POST, CONTROL_CHARACTERS_IN_TEXT):
        raise RefusedInput(
            _("Le formulaire contient un caractère invisible non permis : retapez le texte au lieu de le coller.")
        )


def _holds(data, characters):
    """Whether a name or a value of `data` (a QueryDict) holds one of `characters`."""
    return any(characters.search(text) for name, values in data.lists() for text in (name, *values))
