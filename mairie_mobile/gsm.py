"""The alphabets of SMS.

GSM 03.38: a text in it, 160 characters at most, goes in one SMS. A character out of it
turns the whole SMS into UCS-2, 70 characters a segment: a French or English text is written
in GSM by `transliterate` (ê → e, ç → c, « » → "). The characters of the extension table
(€ [ ] { } ~ ^ | \\ and the form feed) take two of the 160.

Arabic and Chinese have no letter in GSM: their SMS are written in UCS-2, as they are, in
`UCS2_PARTS` parts of 67 characters at most (a longer SMS is sent in parts, each carrying a
header). The provider bills each part as an SMS: `segments` counts them.
"""

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

ONE_SEGMENT = 160
GSM_PART = 153  # characters of one part of a longer SMS in GSM
UCS2_ONE_SEGMENT = 70
UCS2_PART = 67
UCS2_PARTS = 3  # an SMS in UCS-2 takes at most this many parts of the budget
UCS2_LIMIT = UCS2_PARTS * UCS2_PART
# The languages written in GSM; the others in UCS-2.
GSM_LANGUAGES = {"fr", "en"}
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


def ucs2_length(text):
    """How many of the 16-bit characters of UCS-2 `text` takes: two for a character beyond them (an emoji)."""
    return len(text.encode("utf-16-le")) // 2


def segments(text):
    """How many SMS the provider bills to send `text`."""
    if is_gsm(text):
        size = length(text)
        return 1 if size <= ONE_SEGMENT else math.ceil(size / GSM_PART)
    size = ucs2_length(text)
    return 1 if size <= UCS2_ONE_SEGMENT else math.ceil(size / UCS2_PART)


@dataclass(frozen=True)
class Alphabet:
    """How the SMS of a language are written: `prepare` makes a text writable in it, `measure`
    counts what it takes of `limit`."""

    prepare: Callable[[str], str]
    measure: Callable[[str], int]
    limit: int

    def fits(self, text):
        return self.prepare(text) == text and self.measure(text) <= self.limit


def _as_typed(text):
    return text


def alphabet(language):
    """The alphabet of the SMS written in `language` (a language code: fr, en, ar, zh-hans)."""
    return GSM if language in GSM_LANGUAGES else UCS2


def shorten(text, limit, measure=None):
    """`text` in `limit` septets at most (or what `measure` counts), cut on a word when it can,
    with "..." when it was cut."""
    measure = measure or length
    if measure(text) <= limit:
        return text
    room = max(0, limit - len(ELLIPSIS))
    cut = ""
    for c in text:
        if measure(cut + c) > room:
            break
        cut += c
    word = cut.rsplit(" ", 1)[0]
    # A cut on a word (not inside one), unless it loses most of the room.
    if not text[len(cut) :].startswith(" ") and len(word) >= len(cut) // 2:
        cut = word
    return cut.rstrip(" ,.;:-(") + ELLIPSIS


def fit(render, parts, *, shortest=6, alphabet=None):
    """One SMS made by `render(**parts)`, within the limit of `alphabet` (default: one GSM
    segment): while it is too long, the longest of `parts` (the variable ones: a stop's name, a
    reason) is shortened, no shorter than the next longest, so that each keeps what it can; the
    text is cut as a last resort.

    `render` returns the text already prepared for the alphabet (transliterated for GSM)."""
    alphabet = alphabet or GSM
    measure = alphabet.measure
    parts = dict(parts)
    while True:
        text = render(**parts)
        excess = measure(text) - alphabet.limit
        if excess <= 0:
            return text
        lengths = sorted((measure(value), name) for name, value in parts.items())
        if not lengths or lengths[-1][0] <= shortest:
            return shorten(text, alphabet.limit, measure)
        longest, name = lengths[-1]
        runner_up = lengths[-2][0] if len(lengths) > 1 else 0
        limit = max(shortest, longest - excess, min(runner_up, longest - 1))
        parts[name] = shorten(parts[name], limit, measure)


GSM = Alphabet(transliterate, length, ONE_SEGMENT)
UCS2 = Alphabet(_as_typed, ucs2_length, UCS2_LIMIT)
