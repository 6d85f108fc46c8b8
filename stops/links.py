"""Short links to a stop's page, for what has little room: an SMS, a poster, a QR code.

`/a/<code>/` leads to the stop's page. The code spells the stop's primary key in an
alphabet without the characters people confuse when they copy a link by hand (0 and o,
1, i and l): two characters for the first 961 stops, three up to 29,791. Stops are
public, so a code need not be secret; it never changes, since a stop is deactivated,
never deleted, once it has had visitors. A code is not case-sensitive: a phone that
capitalises the first letter of what is typed still finds the stop.
"""

import segno
from django.conf import settings
from django.urls import reverse

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
SHORTEST = 2
LONGEST = 8  # more than any primary key of a stop will need


def code(stop_pk):
    """The short code of the stop whose primary key is `stop_pk`."""
    base, digits, number = len(ALPHABET), [], stop_pk
    while number:
        number, digit = divmod(number, base)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits)).rjust(SHORTEST, ALPHABET[0])


def stop_pk(short_code):
    """The primary key `short_code` spells, or None when it spells none."""
    short_code = short_code.lower()
    if not SHORTEST <= len(short_code) <= LONGEST or any(c not in ALPHABET for c in short_code):
        return None
    number = 0
    for character in short_code:
        number = number * len(ALPHABET) + ALPHABET.index(character)
    # One spelling per stop: "22x7" would otherwise lead where "x7" does.
    return number if number and code(number) == short_code else None


def short_url(stop):
    """The stop's short link, whole, as printed or sent: "https://…/a/x7"."""
    return settings.SITE_URL + reverse("stops:short_link", args=[code(stop.pk)])


def printed(url):
    """A link as people type it on a phone: without "https://" and its last slash."""
    return url.removeprefix("https://").removeprefix("http://").removesuffix("/")


def qr_code(url, title):
    """The QR code of `url` as inline SVG, `title` its text alternative. A plain QR code, never a
    Micro QR (many phones do not read them); no size of its own: the page's CSS sizes it."""
    return segno.make(url, micro=False).svg_inline(omitsize=True, title=title, svgclass="qr-code-image")
