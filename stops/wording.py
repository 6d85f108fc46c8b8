"""The schedule in plain words: dates and hours as people say them, and a stop's week in
words. Pure wording: the rules are in stops/schedule.py; the models use it to describe
themselves. It imports no module of the app (stops.models imports it).

French is written by hand, as people in France say it (« 9h30 », « mardi 1er avril »); the
other languages follow their own conventions from the Unicode CLDR, through Babel: never
French words swapped. The sentences around them are translated through gettext."""

from itertools import groupby

from babel import dates as babel_dates
from django.conf import settings
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _


def _cldr_locale():
    """The Babel locale of the language of the moment; None in French, written by hand."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return None if language == settings.LANGUAGE_CODE else translation.to_locale(language)


def format_time(value):
    """9h30, 13h; 9:30 AM in English, 09:30 in Chinese."""
    if locale := _cldr_locale():
        return babel_dates.format_time(value, "short", locale=locale)
    return f"{value.hour}h{value.minute:02d}" if value.minute else f"{value.hour}h"


def format_hours(start, end):
    return f"{format_time(start)} – {format_time(end)}"


def short_date(day):
    """« mar. 1/12 », for what has little room (an SMS)."""
    if locale := _cldr_locale():
        return babel_dates.format_skeleton("MEd", day, locale=locale)
    return f"{date_format(day, 'D')}. {day.day}/{day.month}"


def day_and_hours(day, start, end):
    """« mardi 1er décembre, 9h30 – 13h », the year only when it is not this one."""
    return _("%(day)s, %(hours)s") % {"day": long_date(day, weekday=True), "hours": format_hours(start, end)}


def long_moment(moment):
    """« mardi 1er décembre, 9h30 » in Paris time, the year only when it is not this one."""
    moment = timezone.localtime(moment)
    return _("%(day)s, %(hours)s") % {"day": long_date(moment.date(), weekday=True), "hours": format_time(moment)}


def describe_week(stop, slots, today):
    """Plain-French lines that sum up a stop's week, e.g. "Tous les mardis : 9h30 – 13h / 14h – 17h"."""
    current = [slot for slot in slots if slot.ends_on is None or slot.ends_on >= today]
    current.sort(key=lambda slot: (slot.weekday, slot.every_weeks, slot.first_day or today, slot.start))
    lines = []
    for _key, group in groupby(current, key=_pattern):
        group = list(group)
        hours = " / ".join(format_hours(slot.start, slot.end) for slot in group)
        line = _("%(recurrence)s : %(hours)s%(bounds)s")
        lines.append(line % {"recurrence": _recurrence(group[0]), "hours": hours, "bounds": _bounds(group[0], today)})
    if closed := closed_on(stop):
        lines.append(closed)
    return lines


def _pattern(slot):
    first_day = slot.first_day
    parity = (first_day.toordinal() // 7) % slot.every_weeks if first_day else 0
    return (slot.weekday, slot.every_weeks, parity, slot.starts_on, slot.ends_on)


def _recurrence(slot):
    day = slot.get_weekday_display()
    if slot.every_weeks == 1:
        return _("Tous les %(day)ss") % {"day": day}
    if slot.every_weeks == 2:
        return _("Un %(day)s sur deux") % {"day": day}
    return _("Un %(day)s toutes les %(n)s semaines") % {"day": day, "n": slot.every_weeks}


def _bounds(slot, today):
    starts = slot.starts_on if slot.starts_on and slot.starts_on > today else None
    if starts and slot.ends_on:
        return _(" (du %(start)s au %(end)s)") % {"start": long_date(starts), "end": long_date(slot.ends_on)}
    if starts:
        return _(" (à partir du %(start)s)") % {"start": long_date(starts)}
    if slot.ends_on:
        return _(" (jusqu'au %(end)s)") % {"end": long_date(slot.ends_on)}
    return ""


def long_date(day, *, weekday=False, year=None):
    """A date as people say it: « 4 septembre », « mardi 1er avril » with weekday=True; the
    year only when it is not this year in Paris (year=None), always (True) or never (False)."""
    if year is None:
        year = day.year != timezone.localdate().year
    if locale := _cldr_locale():
        if year:
            return babel_dates.format_date(day, "full" if weekday else "long", locale=locale)
        return babel_dates.format_skeleton("MMMMEEEEd" if weekday else "MMMMd", day, locale=locale)
    text = f"{'1er' if day.day == 1 else day.day} {date_format(day, 'F Y' if year else 'F')}"
    return f"{date_format(day, 'l')} {text}" if weekday else text


# Easy to read (« Facile à lire »): hours spaced as they are said, a day and its hours in one
# line with its weekday in full, as the European easy-to-read rules ask.


def spoken_time(value):
    """« 9 h 30 », « 13 h », with no-break spaces: one piece, never cut at the end of a line. In
    another language, its own way (9:30 AM)."""
    if _cldr_locale():
        return format_time(value)
    return f"{value.hour}\u00a0h\u00a0{value.minute:02d}" if value.minute else f"{value.hour}\u00a0h"


def easy_read_hours(day, start, end):
    """« Mardi 3 décembre, de 9 h 30 à 13 h »."""
    day = long_date(day, weekday=True)
    return _("%(day)s, de %(start)s à %(end)s") % {
        "day": day[:1].upper() + day[1:],
        "start": spoken_time(start),
        "end": spoken_time(end),
    }


def closed_on(stop):
    """« Fermé pendant les vacances scolaires (zone C) et les jours fériés », or "" when it opens on both;
    the last line of describe_week."""
    zone = stop.school_holidays_zone
    if zone and stop.closed_on_public_holidays:
        return _("Fermé pendant les vacances scolaires (zone %(zone)s) et les jours fériés") % {"zone": zone}
    if zone:
        return _("Fermé pendant les vacances scolaires (zone %(zone)s)") % {"zone": zone}
    if stop.closed_on_public_holidays:
        return _("Fermé les jours fériés")
    return ""


# The description of each schedule row, in the history and on the coordinator's pages.


def slot_label(slot):
    """« mardi 9h30 – 13h »."""
    return _("%(weekday)s %(hours)s") % {
        "weekday": slot.get_weekday_display(),
        "hours": format_hours(slot.start, slot.end),
    }


def closure_label(closure):
    """« Bus en panne (mardi 4 mars 2025) », « Grève (du lundi 10 mars 2025 au vendredi 14 mars 2025) ».
    Kept in the stops' history: read in another year, it must still say which day."""
    first, last = closure.first_day, closure.last_day
    when = long_date(first, weekday=True, year=True)
    if last != first:
        when = _("du %(first)s au %(last)s") % {"first": when, "last": long_date(last, weekday=True, year=True)}
    return _("%(reason)s (%(when)s)") % {"reason": closure.public_reason, "when": when}


def extra_label(extra):
    """« samedi 15 mars 2025, 10h – 12h », with the year for the history's sake."""
    return _("%(day)s, %(hours)s") % {
        "day": long_date(extra.date, weekday=True, year=True),
        "hours": format_hours(extra.start, extra.end),
    }
