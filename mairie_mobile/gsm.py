"""The GSM 03.38 alphabet of SMS: a text in it, 160 characters at most, goes in one SMS.

A character out of it turns the whole SMS into UCS-2, 70 characters a segment: a French
text is written in it by `transliterate` (ê → e, ç → c, « » → "). The characters of the
extension table (€ [ ] { } ~ ^ | \\ and the form feed) take two of the 160.
"""

import re
import unicodedata

ONE_SEGMENT = 160
ELLIPSIS = "..."

BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
BASIC.discard("\x1b")  # the escape to the extension table, never a character of its own
EXTENSION = set("\f^{}\\[~]|€")

# What a French text uses beyond the alphabet, written with what is in it.
REPLACEMENTS = {
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "’": "'",
    "‘": "'",
    "–": "-",
    "—": "-",
    "…": ELLIPSIS,
    "\u00a0": " ",
    "\u202f": " ",
    "œ": "oe",
    "Œ": "OE",
    "°": "o",
}


FRENCH_QUOTES = re.compile(r"«\s*|\s*»")


def is_gsm(text):
    """Whether every character of `text` is in the GSM alphabet (basic or extension table)."""
    return all(c in BASIC or c in EXTENSION for c in text)


def length(text):
    """How many of the 160 septets of a segment `text` takes: two for an extension character."""
    return sum(2 if c in EXTENSION else 1 for c in text)


def fits(text):
    return is_gsm(text) and length(text) <= ONE_SEGMENT


def transliterate(text):
    """`text` in the GSM alphabet: accents it lacks dropped (ê → e, Â → A, ç → c), the others kept
    (é, è, à, É, Ç…); what has no likeness becomes "?"."""
    text = FRENCH_QUOTES.sub('"', text)  # « mot » → "mot", spaces inside dropped
    return "".join(_character(c) for c in text)


def _character(c):
    if c in BASIC or c in EXTENSION:
        return c
    if c in REPLACEMENTS:
        return REPLACEMENTS[c]
    if c.isspace():
        return " "
    bare = "".join(d for d in unicodedata.normalize("NFD", c) if not unicodedata.combining(d))
    if bare and all(d in BASIC for d in bare):
        return bare
    return "?"


def shorten(text, limit):
    """`text` in `limit` septets at most, cut on a word when it can, with "..." when it was cut."""
    if length(text) <= limit:
        return text
    room = max(0, limit - len(ELLIPSIS))
    cut = ""
    for c in text:
        if length(cut + c) > room:
            break
        cut += c
    word = cut.rsplit(" ", 1)[0]
    # A cut on a word (not inside one), unless it loses most of the room.
    if not text[len(cut) :].startswith(" ") and len(word) >= len(cut) // 2:
        cut = word
    return cut.rstrip(" ,.;:-(") + ELLIPSIS


def fit(render, parts, *, shortest=6):
    """One segment made by `render(**parts)`: while it is too long, the longest of `parts` (the
    variable ones: a stop's name, a reason) is shortened, no shorter than the next longest, so
    that each keeps what it can; the text is cut as a last resort.

    `render` returns the text already transliterated."""
    parts = dict(parts)
    while True:
        text = render(**parts)
        excess = length(text) - ONE_SEGMENT
        if excess <= 0:
            return text
        lengths = sorted((length(value), name) for name, value in parts.items())
        if not lengths or lengths[-1][0] <= shortest:
            return shorten(text, ONE_SEGMENT)
        longest, name = lengths[-1]
        runner_up = lengths[-2][0] if len(lengths) > 1 else 0
        limit = max(shortest, longest - excess, min(runner_up, longest - 1))
        parts[name] = shorten(parts[name], limit)
