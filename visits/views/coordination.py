"""The coordinator's statistics and exports (every figure comes from visits/stats.py), the service
commitments their organisation makes (measured by visits/quality.py), and the visitors' comments
to handle."""

import datetime
from collections import Counter

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mairie_mobile import audit
from organisations import access
from organisations.models import Organisation, Role
from organisations.roles import coordinator_required
from stops.models import Stop
from stops.opening_counts import month_start, previous_month
from visits import charts, exports, feedback, quality, stats
from visits.forms import CommitmentsForm, FranceServicesForm, HandleFeedbackForm, StatsForm, counted
from visits.models import Commitment, Feedback, Mood

COMMENTS_PER_PAGE = 20
# The comments listed: those still to handle, or those handled.
COMMENT_STATES = {"a-traiter": True, "traites": False}
# The counts of opinions by mood cover this many days.
MOOD_DAYS = 30

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


@coordinator_required
def commitments_home(request):
    """The commitments of the coordinator's organisation, or the list of them when there are several."""
    organisations = _visible(request.user)
    if len(organisations) == 1:
        return redirect("commitments:edit", organisations[0].slug)
    return render(request, "coordination/commitments_home.html", {"organisations": organisations})


@coordinator_required
def commitments_edit(request, slug):
    organisation = access.get_for(Organisation.objects.all(), request.user, Role.COORDINATOR, "pk", slug=slug)
    form = CommitmentsForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        commitments = form.commitments()
        Commitment.objects.replace(organisation, commitments)
        what = _("Engagements de service de %(organisation)s : %(kinds)s") % {
            "organisation": organisation.name,
            "kinds": ", ".join(str(c.get_kind_display()) for c in commitments) or _("aucun"),
        }
        audit.record(
            audit.Action.COMMITMENTS_EDIT, what, user=request.user, request=request, organisations=[organisation]
        )
        messages.success(request, _("Engagements enregistrés : ils sont publiés sur la page de la structure."))
        return redirect("commitments:edit", organisation.slug)
    context = {"organisation": organisation, "form": form, "several": len(_visible(request.user)) > 1}
    return render(request, "coordination/commitments.html", context, status=400 if form.errors else 200)


@coordinator_required
def comments(request):
    return _comments_page(request)


def _comments_page(request, invalid=None):
    """The visitors' comments at the organisation's stops, newest first: to handle, or handled.
    `invalid`: (the id of a comment, its handling form sent with an error), shown at its place."""
    state = request.GET.get("etat", "a-traiter")
    if state not in COMMENT_STATES:
        state = "a-traiter"
    mine = Feedback.objects.for_member(request.user, Role.COORDINATOR)
    listed = (
        mine.exclude(comment="")
        .filter(handled_at__isnull=COMMENT_STATES[state])
        .select_related("stop", "handled_by")
        .order_by("-service_day", "-pk")
    )
    context = {
        "page": Paginator(listed, COMMENTS_PER_PAGE).get_page(request.GET.get("page")),
        "state": state,
        **_moods(mine.filter(service_day__gte=timezone.localdate() - datetime.timedelta(days=MOOD_DAYS))),
        "mood_days": MOOD_DAYS,
        "form": HandleFeedbackForm(),
        "invalid_pk": invalid and invalid[0],
        "invalid_form": invalid and invalid[1],
    }
    return render(request, "coordination/feedback.html", context, status=400 if invalid else 200)


def _moods(opinions):
    """The number of `opinions` ("answers") and [(Mood, count)] of every mood ("moods"), or none
    under quality.MIN_ANSWERS answers, as for the satisfaction."""
    counts = Counter(dict(opinions.values_list("mood").annotate(n=Count("pk")).order_by()))
    shown = quality.moods_shown(counts)
    return {"answers": counts.total(), "moods": [(mood, shown[mood.value]) for mood in Mood if shown]}


@coordinator_required
@require_POST
def handle_comment(request, pk):
    """Mark a comment as handled, with what was done about it."""
    opinion = access.get_for(
        Feedback.objects.select_related("stop__organisation"),
        request.user,
        Role.COORDINATOR,
        "stop__organisation",
        pk=pk,
    )
    form = HandleFeedbackForm(request.POST)
    if not form.is_valid():
        return _comments_page(request, invalid=(opinion.pk, form))
    note, publish = form.cleaned_data["note"], form.cleaned_data["publish"]
    if not feedback.mark_handled(opinion, request.user, note, publish):
        messages.info(request, _("Ce commentaire était déjà traité."))
        return redirect("feedback:comments")
    what = (
        _("Avis du %(day)s à %(stop)s traité, ce qui a été fait publié")
        if publish
        else _("Avis du %(day)s à %(stop)s traité")
    ) % {"day": format(opinion.service_day, "%d/%m/%Y"), "stop": opinion.stop.name}
    audit.record(
        audit.Action.FEEDBACK_HANDLED,
        what,
        user=request.user,
        request=request,
        organisations=[opinion.stop.organisation],
    )
    messages.success(request, _("C'est noté : le commentaire est marqué comme traité."))
    return redirect("feedback:comments")
