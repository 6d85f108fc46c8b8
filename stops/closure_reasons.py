"""The reasons of closures typed as text (before the list of reasons, and in stops files that
give no `reason_kind`), sorted into the list: a text that says no more than a reason of the
list is shown from then on in each language; any other is kept as typed, with the reason
« other ». Plain strings: the migration that sorted the reasons already stored uses it too."""

import unicodedata

KNOWN = {
    "vacances scolaires": "school_holidays",
    "vacances": "school_holidays",
    "jour ferie": "public_holiday",
    "ferie": "public_holiday",
    "bus en panne": "breakdown",
    "panne": "breakdown",
    "panne du bus": "breakdown",
    "greve": "strike",
    "intemperies": "weather",
    "formation de l'equipe": "training",
    "formation": "training",
}


def sort_reason(text):
    """(reason kind, detail kept as typed): « Grève » → ("strike", ""), « Marché » → ("other", "Marché")."""
    kind = KNOWN.get(_plain(text))
    return (kind, "") if kind else ("other", text.strip())


def _plain(text):
    text = unicodedata.normalize("NFKD", text.strip().rstrip(".").lower().replace("’", "'"))
    return "".join(char for char in text if not unicodedata.combining(char))
