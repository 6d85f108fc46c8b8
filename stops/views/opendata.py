"""The open-data files (/donnees/): the timetable for other maps and directories.

Computed from the schedule engine's rules (stops.opendata), cached with the schedule's version like
every public answer, and for the day: the period the alternate weeks are written for moves on daily.
Each file is for the whole service, or for one organisation with `?organisation=<its identifier>`.
The files are in French whatever the page's language (/en/donnees/…): they follow national
standards, read by French directories, and link to the French pages.
"""

import json
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from organisations.models import Organisation
from stops import opendata
from stops.caching import cached
from stops.views.public import SLUG

LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"


def in_french(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return view(request, *args, **kwargs)

    return wrapper


@cached(per="day")
def index(request):
    """What is published, in which format, under which licence, and how often it is updated."""
    organisations = Organisation.objects.active().filter(stops__active=True).distinct()
    return render(
        request,
        "public/opendata.html",
        {"organisations": organisations, "licence_url": LICENCE_URL, "published_weeks": opendata.PUBLISHED_WEEKS},
    )


@cached(per="day")
@in_french
def mediation_csv(request):
    organisation = _organisation(request)
    rows = opendata.mediation_rows(opendata.published_stops(organisation), timezone.localdate())
    return _file(opendata.csv_text(rows), "text/csv; charset=utf-8", "lieux-mediation-numerique.csv", organisation)


@cached(per="day")
@in_french
def mediation_json(request):
    organisation = _organisation(request)
    rows = opendata.mediation_rows(opendata.published_stops(organisation), timezone.localdate())
    return _json(opendata.json_rows(rows), "lieux-mediation-numerique.json", organisation)


@cached(per="day")
@in_french
def data_inclusion_structures(request):
    organisation = _organisation(request)
    organisations = [organisation] if organisation else Organisation.objects.active().order_by("slug")
    structures = opendata.data_inclusion_structures(organisations, timezone.localdate())
    return _json(structures, "data-inclusion-structures.json", organisation)


@cached(per="day")
@in_french
def data_inclusion_services(request):
    organisation = _organisation(request)
    services = opendata.data_inclusion_services(opendata.published_stops(organisation), timezone.localdate())
    return _json(services, "data-inclusion-services.json", organisation)


@cached(per="day")
@in_french
def stops_geojson(request):
    organisation = _organisation(request)
    collection = opendata.geojson(opendata.published_stops(organisation), timezone.localdate())
    return _json(collection, "arrets.geojson", organisation, "application/geo+json")


def _organisation(request):
    """The organisation of `?organisation=`, None without it; an unknown one is a 404."""
    slug = request.GET.get("organisation")
    if slug is None:
        return None
    organisation = Organisation.objects.active().filter(slug=slug).first() if SLUG.fullmatch(slug) else None
    if organisation is None:
        raise Http404(_("Aucune structure ne porte cet identifiant."))
    return organisation


def _json(data, filename, organisation, content_type="application/json"):
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return _file(body, f"{content_type}; charset=utf-8", filename, organisation)


def _file(body, content_type, filename, organisation):
    if organisation is not None:
        stem, _dot, extension = filename.rpartition(".")
        filename = f"{stem}-{organisation.slug}.{extension}"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="mairie-mobile-{filename}"'
    return response
