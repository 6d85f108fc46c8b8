"""Calendar feeds (iCalendar, RFC 5545) built from the schedule engine's openings.

Each weekly slot becomes one recurring event whose cancelled dates are excluded
(EXDATE); each extra opening is an event of its own. A calendar application thus
shows exactly the open openings, and a feed stays small at national scale.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from stops.schedule import PARIS
from stops.wording import long_date

# How far feeds reach: a month back for the record, a year ahead to plan.
PAST_DAYS = 30
FUTURE_DAYS = 365


def feed_range(today):
    return today - datetime.timedelta(days=PAST_DAYS), today + datetime.timedelta(days=FUTURE_DAYS)


def calendar_feed(openings, name, uid, stamp):
    """The open openings as an iCalendar document (bytes).

    `uid` names the feed; with `stamp`, it keeps the document the same from one
    request to the next as long as the schedule does not change.
    """
    by_slot = defaultdict(list)  # slot id (None: extra openings) -> its open openings, by date
    for opening in openings:
        if opening.is_open:
            by_slot[opening.slot.pk if opening.slot else None].append(opening)
    extras = by_slot.pop(None, [])
    events = [event for slot_openings in by_slot.values() for event in _slot_events(slot_openings, stamp)]
    events += [_event(opening, stamp, uid=_uid(opening)) for opening in extras]
    calendar = Calendar.new(
        prodid="-//Mairie mobile//Horaires//FR",
        uid=f"{uid}@mairie-mobile",
        name=name,
        description=_("Horaires de la Mairie mobile, mis à jour à chaque changement."),
        method="PUBLISH",
        refresh_interval=datetime.timedelta(hours=12),
        subcomponents=events,
    )
    calendar.add("x-wr-timezone", "Europe/Paris")
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _slot_events(open_openings, stamp):
    """One event repeating every `every_weeks` weeks from the first open date to the last, the others excluded."""
    first, last = open_openings[0], open_openings[-1]
    step = datetime.timedelta(weeks=first.slot.every_weeks)
    open_days = {o.date for o in open_openings}
    repeated_days = {first.date + step * n for n in range((last.date - first.date) // step + 1)}
    event = _event(first, stamp, uid=f"{first.stop.slug}-creneau-{first.slot.pk}@mairie-mobile")
    if len(open_openings) > 1:
        event.add(
            "rrule",
            {"freq": "weekly", "interval": first.slot.every_weeks, "until": last.starts_at.astimezone(datetime.UTC)},
        )
        excluded = sorted(repeated_days - open_days)
        if excluded:
            event.add("exdate", [datetime.datetime.combine(day, first.start, tzinfo=PARIS) for day in excluded])
    unknown = [o for o in open_openings if not o.school_holidays_known]
    if unknown:
        event["description"] = _description(first, unknown_from=unknown[0].date)
    return [event]


def _event(opening, stamp, uid):
    stop = opening.stop
    event = Event.new(
        uid=uid,
        stamp=stamp,
        start=opening.starts_at,
        end=opening.ends_at,
        summary=f"Mairie mobile – {stop.name}",
        location=", ".join(part for part in (stop.address, f"{stop.postcode} {stop.city}".strip()) if part),
        description=_description(opening, unknown_from=None if opening.school_holidays_known else opening.date),
        url=settings.SITE_URL + stop.get_absolute_url(),
    )
    if stop.latitude is not None and stop.longitude is not None:
        event.add("geo", (float(stop.latitude), float(stop.longitude)))
    return event


def _description(opening, unknown_from):
    lines = [opening.stop.landmark, opening.reason if opening.extra else ""]
    if unknown_from:
        lines.append(
            _(
                "À partir du %(day)s, les vacances scolaires ne sont pas encore connues : "
                "certaines dates pourront être annulées."
            )
            % {"day": long_date(unknown_from)}
        )
    return "\n".join(line for line in lines if line) or None


def _uid(opening):
    return f"{opening.stop.slug}-{opening.date:%Y%m%d}-{opening.start:%H%M}@mairie-mobile"
