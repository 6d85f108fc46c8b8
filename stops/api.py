"""Public API: the stops and their openings (`/api/v1/`)."""

import datetime
import json
from collections import defaultdict
from typing import Literal

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from pydantic import BaseModel

from mairie_mobile.validators import FIRST_DAY, LAST_DAY
from organisations.models import Organisation
from stops import live, opendata, schedule
from stops.caching import cached
from stops.models import Stop

MAX_RANGE_DAYS = 366

router = Router(tags=[gettext_noop("Horaires")])


class Error(Schema):
    detail: str = Field(description=gettext_noop("Ce qui ne va pas dans la requête, en français."))


class StopOut(BaseModel):
    slug: str
    organisation: str = Field(description=gettext_noop("Identifiant de la structure qui tient l'arrêt."))
    name: str
    kind: Literal["bus", "permanence"]
    address: str
    postcode: str
    city: str
    landmark: str
    latitude: float | None
    longitude: float | None
    accessibility_note: str
    school_holidays_zone: Literal["A", "B", "C"] | None = Field(
        description=gettext_noop(
            "Fermé pendant les vacances scolaires de cette zone ; null : ouvert pendant les vacances."
        )
    )
    closed_on_public_holidays: bool
    opening_hours: str = Field(
        description=gettext_noop(
            "La semaine habituelle au format OpenStreetMap opening_hours, par exemple "
            "« Tu 09:30-13:00,14:00-17:00; SH off; PH off » (SH : vacances scolaires de la zone, PH : jours fériés). "
            "Sans les fermetures ponctuelles ni les ouvertures exceptionnelles, que donne /openings."
        )
    )
    partners: list[str] = Field(description=gettext_noop("Codes des partenaires dont les démarches sont accompagnées."))
    url: str = Field(description=gettext_noop("Page publique de l'arrêt."))
    calendar_url: str = Field(description=gettext_noop("Calendrier de l'arrêt au format iCalendar."))


class OpeningOut(BaseModel):
    stop: str = Field(description=gettext_noop("Identifiant (slug) de l'arrêt."))
    date: datetime.date
    start: str = Field(pattern=r"^\d{2}:\d{2}$", description=gettext_noop("Heure de début, HH:MM, heure de Paris."))
    end: str = Field(pattern=r"^\d{2}:\d{2}$", description=gettext_noop("Heure de fin, HH:MM, heure de Paris."))
    status: Literal["open", "cancelled"]
    reason: str | None = Field(
        description=gettext_noop(
            "Motif de l'annulation ou de l'ouverture exceptionnelle, dans la langue demandée (Accept-Language) : "
            "le motif de la liste, puis la précision telle que la structure l'a tapée."
        )
    )
    reason_kind: str | None = Field(
        description=gettext_noop(
            "cancelled : motif de l'annulation, parmi school_holidays, public_holiday, breakdown, strike, "
            "weather, training, other."
        )
    )
    extra: bool = Field(description=gettext_noop("Ouverture exceptionnelle, hors des créneaux hebdomadaires."))
    school_holidays_known: bool = Field(
        description=gettext_noop(
            "false quand la date est au-delà du dernier calendrier de vacances scolaires connu pour la zone "
            "de l'arrêt : l'ouverture est alors calculée sans les vacances scolaires et peut être annulée plus tard."
        )
    )


class LiveStatusOut(BaseModel):
    stop: str = Field(description=gettext_noop("Identifiant (slug) de l'arrêt."))
    date: datetime.date
    state: Literal[live.STATES] = Field(
        description=gettext_noop(
            "not_arrived : ouverture prévue, le bus n'est pas encore arrivé ; here : le bus est là ; "
            "gone : le bus est reparti (ou les ouvertures du jour sont finies) ; cancelled : annulé aujourd'hui ; "
            "closed : pas d'ouverture aujourd'hui."
        )
    )
    label: str = Field(description=gettext_noop("L'état en une phrase, en français."))
    start: str | None = Field(
        pattern=r"^\d{2}:\d{2}$",
        description=gettext_noop("not_arrived : heure de début prévue, HH:MM, heure de Paris."),
    )
    until: str | None = Field(
        pattern=r"^\d{2}:\d{2}$", description=gettext_noop("here : heure de fin de l'ouverture, HH:MM.")
    )
    reason: str | None = Field(description=gettext_noop("cancelled : motif de l'annulation."))
    waiting: int | None = Field(description=gettext_noop("here : nombre de personnes qui attendent."))
    estimated_wait_minutes: int | None = Field(
        description=gettext_noop(
            "here : attente estimée pour une personne qui arrive maintenant, en minutes, arrondie à 5 ; "
            "0 : pas d'attente ; null : pas assez de passages récents pour l'estimer."
        )
    )


class OpeningsQuery(Schema):
    start: datetime.date = Field(ge=FIRST_DAY, le=LAST_DAY, description=gettext_noop("Premier jour, AAAA-MM-JJ."))
    end: datetime.date = Field(
        ge=FIRST_DAY,
        le=LAST_DAY,
        description=gettext_noop("Dernier jour inclus, AAAA-MM-JJ ; au plus 366 jours après start."),
    )
    stop: str | None = Field(
        None, description=gettext_noop("Identifiant (slug) d'un arrêt ; absent : tous les arrêts actifs.")
    )
    organisation: str | None = Field(
        None, description=gettext_noop("Identifiant d'une structure : ses arrêts seulement.")
    )


class StopsQuery(Schema):
    organisation: str | None = Field(
        None, description=gettext_noop("Identifiant d'une structure : ses arrêts seulement.")
    )


def stop_out(stop, today, partners):
    return {
        "slug": stop.slug,
        "organisation": stop.organisation.slug,
        "name": stop.name,
        "kind": stop.kind,
        "address": stop.address,
        "postcode": stop.postcode,
        "city": stop.city,
        "landmark": stop.landmark,
        "latitude": stop.latitude,
        "longitude": stop.longitude,
        "accessibility_note": stop.accessibility_note,
        "school_holidays_zone": stop.school_holidays_zone or None,
        "closed_on_public_holidays": stop.closed_on_public_holidays,
        "opening_hours": opendata.stop_opening_hours(stop, today),
        "partners": partners,
        "url": settings.SITE_URL + stop.get_absolute_url(),
        "calendar_url": settings.SITE_URL + reverse("stops:stop_calendar", args=[stop.slug]),
    }


def openings_json(openings):
    """The JSON of `openings` as OpeningOut objects, byte for byte as the API's renderer (`json.dumps`)
    writes them. Written from pieces made once, joined once: a stop's start, a day's date, a slot's
    hours, and what follows the status, for each status, reason and flags met."""
    heads, dates, hours, tails = {}, {}, {}, {}
    parts = []
    for stop, day, start, end, status, reason, extra, known, _slot, reason_kind in openings:
        if (head := heads.get(id(stop))) is None:
            head = heads[id(stop)] = f'{{"stop": {json.dumps(stop.slug)}, "date": "'
        if (date := dates.get(day)) is None:
            date = dates[day] = day.isoformat()
        if (middle := hours.get((start, end))) is None:
            middle = hours[start, end] = f'", "start": "{start:%H:%M}", "end": "{end:%H:%M}", "status": '
        if (tail := tails.get(flags := (status, reason, extra, known, reason_kind))) is None:
            tail = tails[flags] = (
                f"{json.dumps(status)}, "
                f'"reason": {json.dumps(reason)}, "reason_kind": {json.dumps(reason_kind)}, '
                f'"extra": {json.dumps(extra)}, "school_holidays_known": {json.dumps(known)}}}, '
            )
        parts += (head, date, middle, tail)
    if parts:
        parts[-1] = parts[-1].removesuffix(", ")  # the last opening's: no comma after it
    return f"[{''.join(parts)}]"


@router.get("/stops", response={200: list[StopOut], 400: Error}, summary=gettext_noop("Les arrêts actifs"))
@decorate_view(cached(per="day"))  # opening_hours: the period of alternate weeks moves on daily
def list_stops(request, query: Query[StopsQuery]):
    stops = _of_organisation(Stop.objects.active(), query.organisation)
    today = timezone.localdate()
    partners = _partner_codes(stops)
    return [
        stop_out(stop, today, partners.get(stop.pk, []))
        for stop in stops.select_related("organisation").prefetch_related("slots")
    ]


def _partner_codes(stops):
    """{stop id: the codes of its partners, in their order}, read as values in one query: every
    stop has about ten partners, and 33,000 Partner objects took half the time of the list."""
    codes = defaultdict(list)
    links = Stop.partners.through.objects.filter(stop__in=stops).order_by("partner__position", "partner__name")
    for stop_id, code in links.values_list("stop_id", "partner__code"):
        codes[stop_id].append(code)
    return codes


def _of_organisation(stops, slug):
    """The stops of the organisation `slug`, if one is asked for; an unknown one is the caller's mistake."""
    if slug is None:
        return stops
    if not Organisation.objects.active().filter(slug=slug).exists():
        raise HttpError(400, _("Aucune structure ne porte l'identifiant « %(slug)s ».") % {"slug": slug})
    return stops.filter(organisation__slug=slug)


@router.get(
    "/openings",
    response={200: list[OpeningOut], 400: Error},
    summary=gettext_noop("Les ouvertures d'une période"),
    description=gettext_noop(
        "Toutes les ouvertures (open) et annulations (cancelled) de start à end inclus, "
        "triées par date puis heure. Jours fériés, vacances scolaires et fermetures sont appliqués ; "
        "les ouvertures exceptionnelles sont incluses. Une date invalide ou absente, end avant start, "
        "une période de plus de 366 jours ou un arrêt inconnu donnent une erreur 400."
    ),
)
@decorate_view(cached())
def list_openings(request, query: Query[OpeningsQuery]):
    if query.end < query.start:
        raise HttpError(400, _("La date de fin (end) doit être le même jour que la date de début (start) ou après."))
    if (query.end - query.start).days + 1 > MAX_RANGE_DAYS:
        raise HttpError(
            400, _("La période demandée dépasse %(days)s jours : rapprochez start et end.") % {"days": MAX_RANGE_DAYS}
        )
    # The fields the engine reads, and the slug: nothing else of a stop is written.
    stops = schedule.stop_values(_of_organisation(Stop.objects.active(), query.organisation), "slug")
    if query.stop is not None:
        stops = list(stops.filter(slug=query.stop))
        if not stops:
            raise HttpError(400, _("Aucun arrêt actif ne porte l'identifiant « %(slug)s ».") % {"slug": query.stop})
    # Written here rather than validated and rendered by the framework: for every stop over a month,
    # 24,000 openings, that took ten times as long as computing them.
    body = openings_json(schedule.opening_fields(query.start, query.end, stops))
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get(
    "/stops/{slug}/status",
    response={200: LiveStatusOut, 400: Error, 404: Error},
    summary=gettext_noop("L'état d'un arrêt aujourd'hui, en direct"),
    description=gettext_noop(
        "Le bus est-il là ? Calculé à partir des ouvertures du jour et de ce qu'indiquent les agents "
        "(arrivée, départ), avec la file d'attente quand le bus est là : des nombres seulement. "
        "Mis à jour à chaque changement de la file, au plus tard chaque minute. Un arrêt inconnu donne une erreur 404, "
        "un identifiant contenant un caractère non permis une erreur 400."
    ),
)
@decorate_view(cached(per="minute", live=live.stop_version_keys))
def stop_status(request, slug: str):
    stop = Stop.objects.active().filter(slug=slug).first()
    if stop is None:
        raise HttpError(404, _("Aucun arrêt actif ne porte l'identifiant « %(slug)s ».") % {"slug": slug})
    found = live.status(stop)
    return {
        "stop": stop.slug,
        "date": found.day,
        "state": found.state,
        "label": found.sentence,
        "start": f"{found.starts:%H:%M}" if found.starts else None,
        "until": f"{found.until:%H:%M}" if found.until else None,
        "reason": found.reason,
        "waiting": found.waiting,
        "estimated_wait_minutes": found.wait_minutes,
    }


_PARAMETER_HELP = {
    "start": gettext_noop("une date au format AAAA-MM-JJ, par exemple 2025-03-14"),
    "end": gettext_noop("une date au format AAAA-MM-JJ, par exemple 2025-03-14"),
}
_OUT_OF_RANGE = ("greater_than_equal", "less_than_equal")


def validation_error_response(request, exc):
    """Bad parameters are the caller's mistake: 400 with a French sentence for each, never 422."""
    messages = []
    for error in exc.errors:
        name = str(error.get("loc", ["", "?"])[-1])
        expected = _(_PARAMETER_HELP.get(name, gettext_noop("une valeur valide")))
        if error.get("type") == "missing":
            message = _("Le paramètre « %(name)s » est obligatoire : indiquez %(expected)s.")
        elif error.get("type") in _OUT_OF_RANGE:
            message = _("Le paramètre « %(name)s » doit être une date entre %(first)s et %(last)s.")
        else:
            message = _("Le paramètre « %(name)s » doit être %(expected)s.")
        messages.append(message % {"name": name, "expected": expected, "first": FIRST_DAY, "last": LAST_DAY})
    return JsonResponse({"detail": " ".join(messages)}, status=400)
