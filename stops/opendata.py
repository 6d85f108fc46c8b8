"""The timetable as open data: each stop's usual week as an OpenStreetMap `opening_hours` string, and
the rows of the files published on /donnees/ (the national standard of digital-mediation places,
data·inclusion's structures and services, GeoJSON).

The strings say the usual week: the weekly slots, then `SH off` when the stop closes during the
school holidays of its zone and `PH off` when it closes on public holidays. One-off closures and
extra openings are left out: the API's openings and the calendar feeds give them.

A slot held every other week cannot always be written with ISO week numbers: `week 01-53/2`
counts week 53 and the next week 01 as two odd weeks in a row. Such a slot is written with
`week` numbers only when they give exactly its dates over the published period (PUBLISHED_WEEKS
from today); otherwise its dates of that period are listed. The files are computed again every
day, so that the period always reaches as far.
"""

import csv
import datetime
import io
import json
from collections import defaultdict
from itertools import groupby
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from organisations.models import Organisation
from stops.models import Stop
from stops.schedule import slot_days

PUBLISHED_WEEKS = 26
OSM_DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
OSM_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
SCHEMAS = Path(__file__).resolve().parent / "data" / "schemas"
MEDIATION_SCHEMA = SCHEMAS / "lieux-mediation-numerique.schema.json"
# The columns of the national standard, in its order (stops/data/schemas/README.md).
MEDIATION_FIELDS = [field["name"] for field in json.loads(MEDIATION_SCHEMA.read_text(encoding="utf-8"))["fields"]]
# The producer's name in data·inclusion's identifiers (`source`).
SOURCE = "mairie-mobile"
# The standard requires a SIRET (or RNA) for each place: until the organisation's is given in the
# admin, its rows carry this one, which the national map reads as "unknown".
UNKNOWN_PIVOT = "00000000000000"
# data·inclusion's network of each kind of organisation (reseaux_porteurs).
NETWORKS = {Organisation.Kind.COMMUNE: ["communes"]}
# data·inclusion's type of structure (typologies-de-structures), for the standard's `typologie`.
TYPOLOGIES = {
    Organisation.Kind.COMMUNE: "MUNI",
    Organisation.Kind.INTERCOMMUNALITE: "EPCI",
    Organisation.Kind.ASSOCIATION: "ASSO",
}


# OpenStreetMap opening_hours -----------------------------------------------------


def opening_hours(stop, slots, today):
    """The usual week of `stop` from its weekly `slots`, e.g. "Tu 09:30-13:00,14:00-17:00; SH off; PH off"."""
    period_end = today + datetime.timedelta(weeks=PUBLISHED_WEEKS)
    hours = defaultdict(lambda: defaultdict(list))  # selector -> weekday -> [(start, end)]
    on_dates = defaultdict(list)  # (start, end) -> the dates listed, for alternate weeks without week numbers
    for slot in slots:
        days = list(slot_days(slot, today, period_end))
        if not days:
            continue  # over, or not begun within the published period
        selector = _selector(slot, days, today, period_end)
        if selector is None:
            on_dates[(slot.start, slot.end)] += days
        else:
            hours[selector][slot.weekday].append((slot.start, slot.end))
    # Every week, weekdays apart: each rule its own days (";"). The others add to them (","), not to
    # replace the hours of a day that they select too.
    rules = [_rule("", hours.pop(""))] if "" in hours else []
    rules += [_rule(selector, by_day) for selector, by_day in sorted(hours.items())]
    rules += [f"{_dates(sorted(set(days)))} {_times([times])}" for times, days in sorted(on_dates.items())]
    if not rules:
        return "off"
    closed = [
        text
        for text, applies in (("SH off", stop.school_holidays_zone), ("PH off", stop.closed_on_public_holidays))
        if applies
    ]
    return "; ".join([", ".join(rules), *closed])


def _selector(slot, days, today, period_end):
    """What selects the slot's weeks: "" (every week), a date range, ISO week numbers; None when only
    its dates can say it."""
    since = slot.first_day if slot.first_day and slot.first_day > today else None
    bounds = _date_range(since, slot.ends_on, today)
    if slot.every_weeks == 1:
        return bounds
    first_week = (days[0].isocalendar().week - 1) % slot.every_weeks + 1
    weeks = range(first_week, 54, slot.every_weeks)
    same_weekday = _every_week(slot.weekday, since or today, min(slot.ends_on or period_end, period_end))
    if [day for day in same_weekday if day.isocalendar().week in weeks] != days:
        return None
    return " ".join(filter(None, [bounds, f"week {first_week:02d}-53/{slot.every_weeks}"]))


def _every_week(weekday, first, last):
    """Every date of `weekday` from `first` to `last`: what week numbers select among."""
    day = first + datetime.timedelta(days=(weekday - first.weekday()) % 7)
    while day <= last:
        yield day
        day += datetime.timedelta(weeks=1)


def _date_range(since, until, today):
    if since and until:
        return f"{_date(since)}-{_date(until)}"
    if since:
        return f"{_date(since)}+"
    if until:
        return f"{_date(today)}-{_date(until)}"
    return ""


def _rule(selector, by_day):
    """ "Tu,Th 09:30-12:00; We 14:00-17:00" for the weekdays of one selector, same hours together."""
    by_hours = defaultdict(list)
    for weekday, times in sorted(by_day.items()):
        by_hours[_times(times)].append(weekday)
    rules = sorted((weekdays, times) for times, weekdays in by_hours.items())
    separator = "; " if not selector else ", "
    return separator.join(" ".join(filter(None, [selector, _weekdays(weekdays), times])) for weekdays, times in rules)


def _weekdays(weekdays):
    """[0, 1, 2, 4] -> "Mo-We,Fr": three days in a row or more as a range."""
    runs = [
        [weekday for _index, weekday in run]
        for _key, run in groupby(enumerate(weekdays), key=lambda item: item[1] - item[0])
    ]
    return ",".join(
        f"{OSM_DAYS[run[0]]}-{OSM_DAYS[run[-1]]}" if len(run) > 2 else ",".join(OSM_DAYS[day] for day in run)
        for run in runs
    )


def _times(times):
    return ",".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in sorted(set(times)))


def _date(day):
    return f"{day.year} {OSM_MONTHS[day.month - 1]} {day.day:02d}"


def _dates(days):
    """ "2026 Dec 08,2026 Dec 22,2027 Jan 05": the year each time, which every parser reads alike."""
    return ",".join(_date(day) for day in days)


# The files --------------------------------------------------------------------


def published_stops(organisation=None):
    """The active stops of the files (of `organisation`, if given), with what their rows need."""
    stops = Stop.objects.active().select_related("organisation").prefetch_related("slots")
    if organisation is not None:
        stops = stops.filter(organisation=organisation)
    return stops.order_by("organisation__slug", "slug")


def stop_opening_hours(stop, today):
    """The `opening_hours` of a stop fetched by published_stops() (its slots prefetched)."""
    return opening_hours(stop, stop.slots.all(), today)


def mediation_rows(stops, today):
    """The rows of the national standard of digital-mediation places: one per stop that has an address,
    which the standard requires (a stop without one cannot be put on a map)."""
    return [_mediation_row(stop, today) for stop in stops if stop.address and stop.postcode]


def _mediation_row(stop, today):
    organisation = stop.organisation
    return dict.fromkeys(MEDIATION_FIELDS, "") | {
        "id": stop.slug,
        "pivot": organisation.siret or UNKNOWN_PIVOT,
        "nom": stop.name,
        "commune": stop.city,
        "code_postal": stop.postcode,
        "adresse": stop.address,
        "complement_adresse": stop.landmark,
        "latitude": _coordinate(stop.latitude),
        "longitude": _coordinate(stop.longitude),
        "typologie": TYPOLOGIES.get(organisation.kind, ""),
        "telephone": international_phone(organisation.contact_phone) or "",
        "courriels": organisation.contact_email,
        "site_web": settings.SITE_URL + stop.get_absolute_url(),
        "horaires": stop_opening_hours(stop, today),
        "presentation_resume": _presentation(organisation)[:280],
        "source": organisation.name,
        "itinerance": "Itinérant",
        "structure_parente": organisation.name,
        "date_maj": today.isoformat(),
        "services": "Aide aux démarches administratives",
        "frais_a_charge": "Gratuit",
        "dispositif_programmes_nationaux": "France Services",
        "modalites_acces": "Se présenter",
        "modalites_accompagnement": "Accompagnement individuel",
    }


def _presentation(organisation):
    return _(
        "Mairie mobile de %(organisation)s : un accompagnement gratuit et sans rendez-vous dans vos démarches "
        "administratives, au plus près de chez vous."
    ) % {"organisation": organisation.name}


def _coordinate(value):
    return float(value) if value is not None else None


# Numbers of the overseas départements: their country code, before the number without its 0.
OVERSEAS_PREFIXES = {
    **dict.fromkeys(["0590", "0690"], "+590"),
    **dict.fromkeys(["0594", "0694"], "+594"),
    **dict.fromkeys(["0262", "0692", "0693", "0269", "0639"], "+262"),
    **dict.fromkeys(["0596", "0696"], "+596"),
}


def international_phone(number):
    """ "03 53 01 00 62" -> "+33353010062"; None for what is not a French number of 10 digits."""
    digits = "".join(c for c in number if c.isdigit())
    if number.strip().startswith("+33") and len(digits) == 11:
        digits = "0" + digits[2:]
    if len(digits) != 10 or not digits.startswith("0") or digits[1] == "0":
        return None
    return OVERSEAS_PREFIXES.get(digits[:4], "+33") + digits[1:]


def csv_text(rows, fields=MEDIATION_FIELDS):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def json_rows(rows):
    """The same rows for a program: empty values null."""
    return [{name: (None if value == "" else value) for name, value in row.items()} for row in rows]


def data_inclusion_structures(organisations, today):
    """data·inclusion's structures: the organisations. Their stops are their services."""
    return [
        {
            "source": SOURCE,
            "id": organisation.slug,
            "nom": organisation.name,
            "siret": organisation.siret or None,
            "date_maj": today.isoformat(),
            "description": _presentation(organisation),
            "lien_source": settings.SITE_URL + organisation.get_absolute_url(),
            "site_web": settings.SITE_URL + organisation.get_absolute_url(),
            "courriel": organisation.contact_email or None,
            "telephone": international_phone(organisation.contact_phone),
            "reseaux_porteurs": NETWORKS.get(organisation.kind),
        }
        for organisation in organisations
    ]


def data_inclusion_services(stops, today):
    """data·inclusion's services: one per stop, where and when the bus helps with one's procedures."""
    return [_service(stop, today) for stop in stops]


def _service(stop, today):
    organisation = stop.organisation
    return {
        "source": SOURCE,
        "structure_id": organisation.slug,
        "id": stop.slug,
        "nom": stop.name[:150],
        "description": _(
            "La Mairie mobile de %(organisation)s s'arrête ici : ses agents vous accompagnent gratuitement et "
            "sans rendez-vous dans vos démarches administratives, en ligne ou sur papier, et vous orientent vers "
            "le bon service."
        )
        % {"organisation": organisation.name},
        "lien_source": settings.SITE_URL + stop.get_absolute_url(),
        "date_maj": today.isoformat(),
        "type": "accompagnement",
        "thematiques": ["difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"],
        "frais": "gratuit",
        "commune": stop.city or None,
        "code_postal": stop.postcode or None,
        "adresse": stop.address or None,
        "complement_adresse": stop.landmark or None,
        "latitude": _coordinate(stop.latitude),
        "longitude": _coordinate(stop.longitude),
        "telephone": international_phone(organisation.contact_phone),
        "courriel": organisation.contact_email or None,
        "modes_accueil": ["en-presentiel"],
        "modes_mobilisation": ["se-presenter"],
        "mobilisable_par": ["usagers"],
        "horaires_accueil": stop_opening_hours(stop, today),
    }


def geojson(stops, today):
    """The stops with a place on the map, as GeoJSON (RFC 7946: longitude first), for uMap or any map."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": stop.slug,
                "geometry": {"type": "Point", "coordinates": [float(stop.longitude), float(stop.latitude)]},
                "properties": _stop_properties(stop, today),
            }
            for stop in stops
            if stop.latitude is not None and stop.longitude is not None
        ],
    }


def _stop_properties(stop, today):
    hours = stop_opening_hours(stop, today)
    return {
        "name": stop.name,
        "description": " — ".join(filter(None, [stop.address, stop.landmark, hours])),
        "slug": stop.slug,
        "organisation": stop.organisation.slug,
        "organisation_name": stop.organisation.name,
        "kind": stop.kind,
        "address": stop.address,
        "postcode": stop.postcode,
        "city": stop.city,
        "landmark": stop.landmark,
        "opening_hours": hours,
        "school_holidays_zone": stop.school_holidays_zone or None,
        "closed_on_public_holidays": stop.closed_on_public_holidays,
        "url": settings.SITE_URL + stop.get_absolute_url(),
        "calendar_url": settings.SITE_URL + reverse("stops:stop_calendar", args=[stop.slug]),
    }
