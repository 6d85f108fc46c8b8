"""The coordinator's statistics and exports. Every figure comes from visits/stats.py."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from mairie_mobile import audit
from organisations import access
from organisations.models import Role
from organisations.roles import coordinator_required
from stops.models import Stop
from stops.opening_counts import month_start, previous_month
from visits import charts, exports, quality, stats
from visits.forms import FranceServicesForm, StatsForm, counted

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _counted(user):
    """The organisations whose activity `user` sees: theirs, or None for every one (the national administrator)."""
    return None if user.is_superuser else access.organisations_of(user, Role.COORDINATOR)


def _visible(user):
    """The organisations whose activity `user` may look at, one by one."""
    return list(access.organisations_of(user, Role.COORDINATOR))


def _stats_form(request, data, organisations):
    stops = Stop.objects.for_member(request.user, Role.COORDINATOR)
    return StatsForm(data, today=timezone.localdate(), stops=stops, organisations=organisations)


@coordinator_required
def statistics(request):
    today = timezone.localdate()
    organisations = _visible(request.user)
    form = _stats_form(request, request.GET, organisations)
    last_month = previous_month(today)
    report_form = FranceServicesForm(initial={"month": last_month}, organisations=organisations)
    context = {"form": form, "report_form": report_form}
    if not form.is_valid():
        return render(request, "staff/statistics.html", context, status=400)
    filters = form.filters(_counted(request.user))
    result = stats.compute(filters)
    measures, chosen = _quality(filters, result)
    context |= {
        "stats": result,
        "filters": filters,
        "query": request.GET.urlencode(),
        "trend": charts.columns([v for _m, v, _d, _s in result.monthly], [m for m, *_counts in result.monthly]),
        "partners_chart": charts.horizontal_bars([(p.short_name, n) for p, n in result.by_partner]),
        "heat": charts.heatmap(result.hours, result.heatmap),
        "top": stats.TOP,
        "france_services": stats.france_services_report(last_month, filters.organisations),
        "last_month": last_month,
        "quality": measures,
        "commitments_chosen": chosen,
    }
    return render(request, "staff/statistics.html", context)


@coordinator_required
def export(request, fmt):
    form = _stats_form(request, request.GET or {}, _visible(request.user))
    if not form.is_valid():
        return _bad_filters(_("Période ou filtre invalide"), form)
    filters = form.filters(_counted(request.user))
    result = stats.compute(filters)
    sections = [*exports.sections(result), exports.quality_section(*_quality(filters, result))]
    response = _file(sections, fmt, f"mairie-mobile-statistiques-{filters.start}-{filters.end}")
    what = _("Statistiques du %(start)s au %(end)s (%(format)s)") % {
        "start": format(filters.start, "%d/%m/%Y"),
        "end": format(filters.end, "%d/%m/%Y"),
        "format": fmt,
    }
    concerned = [filters.stop.organisation] if filters.stop else filters.organisations or ()
    audit.record(audit.Action.EXPORT, what, user=request.user, request=request, organisations=concerned)
    return response


@coordinator_required
def france_services(request, fmt):
    form = FranceServicesForm(request.GET, organisations=_visible(request.user))
    if not form.is_valid():
        return _bad_filters(_("Indiquez un mois au format AAAA-MM"), form)
    month = month_start(form.cleaned_data["month"])
    organisations = counted(form.cleaned_data, _counted(request.user))
    sections = exports.france_services_sections(month, stats.france_services_report(month, organisations))
    response = _file(sections, fmt, f"france-services-{month:%Y-%m}")
    what = _("Rapport France services de %(month)s (%(format)s)") % {"month": format(month, "%m/%Y"), "format": fmt}
    audit.record(audit.Action.EXPORT, what, user=request.user, request=request, organisations=organisations or ())
    return response


def _quality(filters, result):
    """(the commitments measured over the figures of `result`, whether with an organisation's
    own thresholds rather than the defaults)."""
    commitments, chosen = quality.commitments_for(filters)
    return quality.measure(filters, commitments, tally=result.tally), chosen


def _bad_filters(what, form):
    """An export asked for by hand with a bad filter: what is wrong, in plain text."""
    problems = " ".join(message for messages in form.errors.values() for message in messages)
    return HttpResponse(
        _("%(what)s : %(problems)s") % {"what": what, "problems": problems},
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def _file(sections, fmt, name):
    if fmt not in CONTENT_TYPES:
        raise Http404
    body = exports.to_csv(sections) if fmt == "csv" else exports.to_xlsx(sections)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.{fmt}")
    return response
