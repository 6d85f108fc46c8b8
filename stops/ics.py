"""Calendar feeds (iCalendar, RFC 5545) built from the schedule engine's openings.

Each weekly slot becomes one recurring event whose cancelled dates are excluded
(one EXDATE line listing them); each extra opening is an event of its own. A calendar
application thus shows exactly the open openings, and a feed stays small at national scale.

The events are written here rather than by the icalendar library: building and serialising
its objects took 5 s of CPU for the feed of every stop (6,000 recurring events, 4 MB), where
writing the same lines takes 0.25 s (README, "Benchmarks"). Only the time zone, the same in
every feed, is written by icalendar, once per process.
"""

import datetime
import functools
import re
from collections import defaultdict
from operator import attrgetter

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Timezone

from stops import schedule
from stops.schedule import OPEN
from stops.wording import long_date

# How far feeds reach: a month back for the record, a year ahead to plan.
PAST_DAYS = 30
FUTURE_DAYS = 365
TZID = "Europe/Paris"
SLUG_PLACEHOLDER = "slug-of-the-stop"
# RFC 5545 §3.1: lines of at most 75 octets, without the line break.
LINE_OCTETS = 75
# RFC 5545 §3.3.11: a TEXT value escapes backslashes, semicolons, commas and line breaks, and
# holds no other control character than the tab.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# What an event says of its stop, beside the fields the engine reads.
STOP_FIELDS = ("slug", "address", "city", "landmark", "latitude", "longitude")


def feed_range(today):
    return today - datetime.timedelta(days=PAST_DAYS), today + datetime.timedelta(days=FUTURE_DAYS)


def stops_feed(stops, name, uid, today):
    """The feed of `stops` (a queryset or a list) from a month before `today` to a year after."""
    start, end = feed_range(today)
    if isinstance(stops, QuerySet):
        # As rows of the fields written: 3,000 Stop objects took a tenth of the feed of every stop.
        stops = schedule.stop_values(stops, *STOP_FIELDS)
    # A stamp that changes once a day keeps the feed byte-identical between schedule changes.
    stamp = datetime.datetime.combine(today, datetime.time(), tzinfo=datetime.UTC)
    # The openings are computed and written with the cyclic garbage collector paused: none
    # of them is in a reference cycle, and once the feed is written they are freed by their
    # reference counts. Left on, it scanned them again and again as they were grouped and
    # written (a third of the time for the feed of every stop).
    with schedule.gc_paused():
        return calendar_feed(schedule.openings(start, end, stops), name, uid, stamp)


def calendar_feed(openings, name, uid, stamp):
    """The open openings as an iCalendar document (bytes).

    `uid` names the feed; with `stamp`, it keeps the document the same from one
    request to the next as long as the schedule does not change.
    """
    by_slot = defaultdict(list)  # slot id (None: extra openings) -> its open openings, by date
    for opening in openings:
        if opening.status == OPEN:
            slot = opening.slot
            by_slot[None if slot is None else slot.id].append(opening)
    extras = by_slot.pop(None, [])
    writer = _Writer(stamp)
    for slot_openings in by_slot.values():
        writer.slot_event(slot_openings)
    for opening in extras:
        writer.extra_event(opening)
    description = _("Horaires de la Mairie mobile, mis à jour à chaque changement.")
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Mairie mobile//Horaires//FR",
        "METHOD:PUBLISH",
        f"DESCRIPTION:{text(description)}",
        f"X-WR-CALDESC:{text(description)}",
        f"NAME:{text(name)}",
        f"X-WR-CALNAME:{text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
        f"UID:{text(f'{uid}@mairie-mobile')}",
        f"X-WR-TIMEZONE:{TZID}",
    ]
    parts = [b"".join(content_line(line) for line in head)]
    if writer.events:
        parts += [_timezone(), *writer.events]
    parts.append(b"END:VCALENDAR\r\n")
    return b"".join(parts)


def text(value):
    """A TEXT value, escaped (RFC 5545 §3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    return CONTROL.sub("", value)


def content_line(line):
    """`line` in UTF-8, folded at 75 octets without splitting a character, ended by CRLF."""
    data = line.encode()
    if len(data) <= LINE_OCTETS:
        return data + b"\r\n"
    parts, start, room = [], 0, LINE_OCTETS
    while len(data) - start > room:
        cut = start + room
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            cut -= 1
        parts.append(data[start:cut])
        start, room = cut, LINE_OCTETS - 1  # the space that starts a folded line counts
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"


@functools.cache
def _timezone():
    """Europe/Paris as a VTIMEZONE component, which every feed's times refer to."""
    return Timezone.from_tzid(TZID).to_ical()


class _Writer:
    """The VEVENT components of one feed, as bytes. What belongs to a stop (its name, address,
    link) or to a day is formatted once for the whole feed."""

    def __init__(self, stamp):
        self.stamp = stamp.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.events = []
        self._stops = {}
        self._days = _DayValues()
        self._long_dates = {}
        # The stops' pages differ only by their slug: reverse() once.
        self._stop_url = settings.SITE_URL + reverse("stops:stop", args=[SLUG_PLACEHOLDER])

    def slot_event(self, open_openings):
        """One event repeating every `every_weeks` weeks from the first open date to the last, the others excluded."""
        first, last = open_openings[0], open_openings[-1]
        slot = first.slot
        repeat = excluded = ""
        if len(open_openings) > 1:
            until = last.starts_at.astimezone(datetime.UTC)
            repeat = f"RRULE:FREQ=WEEKLY;UNTIL={until:%Y%m%dT%H%M%SZ};INTERVAL={slot.every_weeks}\r\n"
            # Days as ordinals: the repeated days are a range, the excluded ones a set difference.
            open_days = set(map(datetime.date.toordinal, map(attrgetter("date"), open_openings)))
            repeated_days = range(first.date.toordinal(), last.date.toordinal() + 1, 7 * slot.every_weeks)
            if excluded_days := sorted(set(repeated_days) - open_days):
                time = f"T{first.start:%H%M%S}"
                excluded = f"{time},".join(map(self._days.__getitem__, excluded_days)) + time
        known = list(map(attrgetter("school_holidays_known"), open_openings))
        unknown_from = open_openings[known.index(False)].date if False in known else None
        self._add(
            first,
            uid=f"{first.stop.slug}-creneau-{slot.id}@mairie-mobile",
            repeat=repeat,
            excluded=excluded,
            description=self._description(first, unknown_from),
        )

    def extra_event(self, opening):
        unknown_from = None if opening.school_holidays_known else opening.date
        self._add(
            opening,
            uid=f"{opening.stop.slug}-{opening.date:%Y%m%d}-{opening.start:%H%M}@mairie-mobile",
            description=self._description(opening, unknown_from),
        )

    def _add(self, opening, uid, description, repeat="", excluded=""):
        summary, place = self._stop(opening.stop)
        day = self._days[opening.date.toordinal()]
        # Lines short enough never to be folded, written as they are.
        times = (
            f"DTSTART;TZID={TZID}:{day}T{opening.start:%H%M%S}\r\n"
            f"DTEND;TZID={TZID}:{day}T{opening.end:%H%M%S}\r\n"
            f"DTSTAMP:{self.stamp}\r\n"
        )
        self.events += [b"BEGIN:VEVENT\r\n", summary, times.encode(), content_line(f"UID:{text(uid)}")]
        if repeat:
            self.events.append(repeat.encode())
        if excluded:
            self.events.append(content_line(f"EXDATE;TZID={TZID}:{excluded}"))
        if description:
            self.events.append(content_line(f"DESCRIPTION:{text(description)}"))
        self.events += [place, b"END:VEVENT\r\n"]

    def _stop(self, stop):
        """A stop's SUMMARY line, and its GEO, LOCATION and URL lines."""
        if stop.id not in self._stops:
            location = ", ".join(part for part in (stop.address, f"{stop.postcode} {stop.city}".strip()) if part)
            place = []
            if stop.latitude is not None and stop.longitude is not None:
                place.append(f"GEO:{float(stop.latitude)};{float(stop.longitude)}")
            if location:
                place.append(f"LOCATION:{text(location)}")
            place.append(f"URL:{self._stop_url.replace(SLUG_PLACEHOLDER, stop.slug)}")
            self._stops[stop.id] = (
                content_line(f"SUMMARY:{text(f'Mairie mobile – {stop.name}')}"),
                b"".join(map(content_line, place)),
            )
        return self._stops[stop.id]

    def _description(self, opening, unknown_from):
        lines = [opening.stop.landmark, opening.reason if opening.extra else ""]
        if unknown_from:
            if unknown_from not in self._long_dates:
                self._long_dates[unknown_from] = long_date(unknown_from)
            lines.append(
                _(
                    "À partir du %(day)s, les vacances scolaires ne sont pas encore connues : "
                    "certaines dates pourront être annulées."
                )
                % {"day": self._long_dates[unknown_from]}
            )
        return "\n".join(line for line in lines if line)


class _DayValues(dict):
    """A day's ordinal -> its DATE value, formatted once for the whole feed."""

    def __missing__(self, ordinal):
        self[ordinal] = value = f"{datetime.date.fromordinal(ordinal):%Y%m%d}"
        return value
