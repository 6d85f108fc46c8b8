"""The agents' pages: pick the day's stop, the live queue, and the three steps of a visit."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from organisations.models import Role
from organisations.roles import agent_required, may_correct
from stops import live, schedule
from stops.forms import StopSearchForm
from stops.models import Stop
from visits import feedback, intake, stats, tickets
from visits.forms import (
    AccompagnementForm,
    CorrectionForm,
    DeblayageForm,
    DemandFormSet,
    KioskFeedbackForm,
    PreAccueilForm,
    TakeOverForm,
    demand_formset,
)
from visits.models import CHECKLIST_FIELDS, STEPS_IN_HAND, Demand, Status, Visit, agent_name

STOPS_LISTED = 30
# Visits of earlier days left in progress, listed under the queue to be finished.
EARLIER_LISTED = 20
# The page of each step an agent has in hand.
STEP_PAGES = {Status.DEBLAYAGE: "agents:deblayage", Status.ACCOMPAGNEMENT: "agents:accompagnement"}
# The kiosk's thank-you screen goes back to a blank form after this many seconds...
KIOSK_THANKS_SECONDS = 6
# ...and a form left half-answered is cleared after these.
KIOSK_IDLE_SECONDS = 90


def _get_stop(user, slug):
    return get_object_or_404(Stop.objects.for_member(user, Role.AGENT).active(), slug=slug)


def _get_visit(user, pk, with_demands=False):
    visits = Visit.objects.for_member(user, Role.AGENT).select_related(
        "stop", "deblayage_agent", "accompagnement_agent", "orientation_target"
    )
    if with_demands:
        visits = visits.prefetch_related(Prefetch("demands", Demand.objects.select_related("partner", "procedure")))
    return get_object_or_404(visits, pk=pk)


def _queue_url(visit):
    return reverse("agents:queue", args=[visit.stop.slug])


@agent_required
def home(request):
    """Choose the stop of the day: the stops open today come first."""
    today = timezone.localdate()
    mine = Stop.objects.for_member(request.user, Role.AGENT).active().select_related("organisation")
    open_today = {o.stop for o in schedule.openings(today, today, mine) if o.is_open}
    form = StopSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    others = mine.search(query).exclude(pk__in=[stop.pk for stop in open_today])
    listed = list(others[: STOPS_LISTED + 1])
    context = {
        "open_today": sorted(open_today, key=lambda stop: stop.name),
        "others": listed[:STOPS_LISTED],
        "more": len(listed) > STOPS_LISTED,
        # Someone in several organisations sees which one each stop is of.
        "labelled": len({stop.organisation_id for stop in [*open_today, *listed]}) > 1,
        "form": form,
        "query": query,
    }
    return render(request, "staff/home.html", context)


@agent_required
def queue(request, slug, form=None, just_given=None):
    stop = _get_stop(request.user, slug)
    form = form or PreAccueilForm(stop=stop)
    context = _queue_context(stop) | {"form": form, "stop": stop, "just_given": just_given}
    context["offline"] = _offline_forms(form)
    # The ticket just given: its row takes the focus, its buttons one Tab away.
    context["given"] = int(request.GET["nouveau"]) if request.GET.get("nouveau", "").isdigit() else None
    # Its QR code, for the visitor to follow their turn on their phone.
    new_ticket = next((v for v in context["in_queue"] if v.pk == context["given"] and v.ticket_code), None)
    context |= {"new_ticket": new_ticket, "new_ticket_qr": tickets.qr_svg(new_ticket) if new_ticket else None}
    context["live"] = live.status(stop)
    earlier = Visit.objects.left_in_progress(stop, timezone.localdate())
    earlier = list(earlier.select_related("deblayage_agent", "accompagnement_agent")[: EARLIER_LISTED + 1])
    context |= {"earlier": earlier[:EARLIER_LISTED], "more_earlier": len(earlier) > EARLIER_LISTED}
    return render(request, "staff/queue.html", context, status=400 if form and form.errors else 200)


def _offline_forms(form):
    """The steps' forms the queue's page keeps for when the computer loses its connection
    (static/js/offline/): a visitor registered offline has no page of their own yet."""
    reasons = form.fields["reason_1"]
    return {
        "deblayage": DeblayageForm(auto_id="offline-%s"),
        "accompagnement": AccompagnementForm(auto_id="offline-%s", initial={"minutes": 1}),
        "demands": DemandFormSet(reasons=(reasons.choices, reasons.reasons), organisation=None, prefix="demandes"),
    }


@agent_required
def queue_table(request, slug):
    """The queue alone, refreshed every few seconds by htmx on every computer of the bus.

    Nothing changed since the version the page shows: 204, and htmx leaves the page
    (and the keyboard focus) alone.
    """
    stop = _get_stop(request.user, slug)
    context = _queue_context(stop)
    if request.GET.get("version") == context["version"]:
        return HttpResponse(status=204)
    return render(request, "staff/_queue_table.html", context | {"stop": stop, "summary_update": True})


def _queue_context(stop):
    now = timezone.now()
    today = timezone.localdate(now)
    visits = list(
        Visit.objects.of_day(stop, today)
        .select_related("deblayage_agent", "accompagnement_agent", "orientation_target")
        .prefetch_related("demands")  # what each visitor came for, kept for an accompaniment offline
        .order_by("ticket")
    )
    state = [(v.pk, v.status, v.deblayage_agent_id, v.accompagnement_agent_id) for v in visits]
    return {
        # Waiting times are shown in minutes: the minute is part of what the page shows.
        "version": hashlib.sha1(repr((state, f"{now:%H%M}")).encode()).hexdigest()[:16],
        "now": now,
        "in_queue": [v for v in visits if v.is_active],
        "finished": [v for v in visits if v.is_finished],
        "waiting_count": sum(v.status == Status.WAITING for v in visits),
        "ready_count": sum(v.status == Status.READY for v in visits),
        "refresh_seconds": settings.QUEUE_REFRESH_SECONDS,
    }


@agent_required
@require_POST
def register(request, slug):
    """Pré-accueil: a ticket for the visitor, or their orientation elsewhere."""
    stop = _get_stop(request.user, slug)
    form = PreAccueilForm(request.POST, stop=stop)
    if not form.is_valid():
        return queue(request, slug, form=form)
    key = form.cleaned_data["idempotency_key"]
    confirmed = form.cleaned_data["another_ticket"]
    if not confirmed and (twin := intake.just_given(stop, request.user, form.reasons(), key)):
        return queue(request, slug, form=form, just_given=twin)
    visit = intake.register(
        stop,
        request.user,
        form.reasons(),
        orientation_target=form.target(),
        profile=form.profile(),
        idempotency_key=key,
    )
    if visit.status == Status.ORIENTED:
        messages.success(
            request,
            _("N° %(ticket)s orienté vers %(target)s.") % {"ticket": visit.ticket, "target": visit.orientation_target},
        )
        return redirect("agents:queue", slug=stop.slug)
    messages.success(request, _("Ticket n° %(ticket)s : la personne attend le déblayage.") % {"ticket": visit.ticket})
    return redirect(f"{_queue_url(visit)}?nouveau={visit.pk}")


@agent_required
@require_POST
def take_next(request, slug):
    stop = _get_stop(request.user, slug)
    try:
        visit = intake.take_next(stop, request.user)
    except intake.IntakeError as error:
        messages.error(request, str(error))
        return redirect("agents:queue", slug=stop.slug)
    return redirect(STEP_PAGES[Status.DEBLAYAGE], pk=visit.pk)


@agent_required
@require_POST
def move(request, pk, step):
    """Take a visitor to a step from the queue, or record that they left."""
    try:
        to = intake.Move(step)
    except ValueError:
        raise Http404 from None
    visit = _get_visit(request.user, pk)
    try:
        intake.move(visit, request.user, to)
    except intake.IntakeError as error:
        messages.error(request, str(error))
        return redirect(_queue_url(visit))
    stats.count_again_once_saved(visit)
    if to == intake.Move.LEFT:
        messages.info(request, _("N° %(ticket)s noté comme parti sans être reçu.") % {"ticket": visit.ticket})
        return redirect(_queue_url(visit))
    return redirect(STEP_PAGES[Status.DEBLAYAGE if to == intake.Move.DEBLAYAGE else Status.ACCOMPAGNEMENT], pk=visit.pk)


@agent_required
@require_http_methods(["GET", "POST"])
def take_over(request, pk):
    """Carry on the step a colleague started: a page says whose it is, a button takes it."""
    visit = _get_visit(request.user, pk, with_demands=True)
    colleague = visit.holder
    if visit.status not in STEPS_IN_HAND or colleague is None:
        return _not_at_step(request, visit)
    if colleague == request.user:
        return redirect(STEP_PAGES[visit.status], pk=visit.pk)
    if request.method == "POST":
        form = TakeOverForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("La page a changé entre-temps : vérifiez qui s'occupe de ce visiteur."))
            return redirect("agents:take_over", pk=visit.pk)
        if form.cleaned_data["colleague"] != colleague.pk:  # someone else took the visitor since
            messages.error(request, visit.describe())
            return redirect(_queue_url(visit))
        step = form.cleaned_data["step"]
        try:
            intake.take_over(visit, request.user, step, colleague)
        except intake.IntakeError as error:
            messages.error(request, str(error))
            return redirect(_queue_url(visit))
        stats.count_again_once_saved(visit)
        messages.success(
            request,
            _("Vous avez repris le n° %(ticket)s à la place de %(colleague)s.")
            % {"ticket": visit.ticket, "colleague": agent_name(colleague)},
        )
        return redirect(STEP_PAGES[step], pk=visit.pk)
    form = TakeOverForm(initial={"step": visit.status, "colleague": colleague.pk})
    started = getattr(visit, f"{visit.status}_started_at")  # deblayage_started_at, accompagnement_started_at
    context = {"visit": visit, "colleague": colleague, "started": started, "form": form}
    return render(request, "staff/take_over.html", context)


@agent_required
def deblayage(request, pk):
    visit = _get_visit(request.user, pk, with_demands=True)
    if not visit.is_held_by(request.user, Status.DEBLAYAGE):
        return _not_at_step(request, visit)
    form = DeblayageForm(request.POST or None, initial=model_to_dict(visit, fields=[*CHECKLIST_FIELDS, "missing"]))
    if form.is_valid():
        then = form.cleaned_data["then"]
        try:
            intake.finish_deblayage(visit, request.user, form.checklist(), form.cleaned_data["missing"], then)
        except intake.IntakeError as error:
            form.add_error("missing" if then == "come_back" else None, str(error))
        else:
            stats.count_again_once_saved(visit)
            if then == "accompagnement":
                return redirect(STEP_PAGES[Status.ACCOMPAGNEMENT], pk=visit.pk)
            messages.success(request, _after_deblayage(visit, then))
            return redirect(_queue_url(visit))
    return render(request, "staff/deblayage.html", {"visit": visit, "form": form}, status=400 if form.errors else 200)


def _after_deblayage(visit, then):
    message = {
        "ready": _("N° %(ticket)s prêt pour l'accompagnement."),
        "queue": _("N° %(ticket)s remis dans la file d'attente."),
        "come_back": _("N° %(ticket)s reviendra avec les pièces manquantes."),
    }[then]
    return message % {"ticket": visit.ticket}


@agent_required
def accompagnement(request, pk):
    visit = _get_visit(request.user, pk, with_demands=True)
    if not visit.is_held_by(request.user, Status.ACCOMPAGNEMENT):
        return _not_at_step(request, visit)
    elapsed = intake.elapsed_minutes(visit, timezone.now())
    form = AccompagnementForm(request.POST or None, initial={"minutes": elapsed, "note": visit.note})
    demands = demand_formset(visit, request.POST or None)
    if request.method == "POST" and form.is_valid() and demands.is_valid():
        try:
            intake.finish_accompagnement(
                visit,
                request.user,
                demands.demands(),
                minutes=form.cleaned_data["minutes"],
                note=form.cleaned_data["note"],
                follow_up=form.follow_up(),
            )
        except intake.IntakeError as error:
            form.add_error(None, str(error))
        else:
            stats.count_again_once_saved(visit)
            messages.success(request, _("Passage du n° %(ticket)s terminé. Merci !") % {"ticket": visit.ticket})
            return redirect(_queue_url(visit))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "staff/accompagnement.html", {"visit": visit, "form": form, "demands": demands}, status=status
    )


def _not_at_step(request, visit):
    messages.error(request, visit.describe())
    return redirect(_queue_url(visit))


@agent_required
def ticket_slip(request, pk):
    """The visitor's ticket, to print: number, QR code of its page, stop, time of arrival."""
    visit = _get_visit(request.user, pk)
    if not visit.ticket_code:
        raise Http404
    return render(request, "staff/ticket_slip.html", {"visit": visit, "qr": tickets.qr_svg(visit)})


@agent_required
def my_visits(request):
    today = timezone.localdate()
    visits = (
        Visit.objects.for_member(request.user, Role.AGENT)
        .handled_by(request.user)
        .filter(service_day=today)
        .select_related("stop", "orientation_target")
        .prefetch_related("demands__partner", "demands__procedure", "corrections")
        .order_by("stop__name", "ticket")
    )
    return render(request, "staff/my_visits.html", {"visits": visits, "today": today})


@agent_required
def correct(request, pk):
    visit = _get_visit(request.user, pk, with_demands=True)
    if not may_correct(request.user, visit):
        raise PermissionDenied
    form = CorrectionForm(request.POST or None, instance=visit)
    demands = demand_formset(visit, request.POST or None, require_outcome=intake.outcome_required(visit))
    if request.method == "POST" and form.is_valid() and demands.is_valid():
        try:
            intake.correct(visit, request.user, form.changes(), demands.demands())
        except intake.IntakeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Passage du n° %(ticket)s corrigé.") % {"ticket": visit.ticket})
            return redirect("agents:my_visits")
    corrections = visit.corrections.select_related("agent")
    context = {"visit": visit, "form": form, "demands": demands, "corrections": corrections}
    return render(request, "staff/correct.html", context, status=400 if form.errors or demands.errors else 200)


@agent_required
@require_http_methods(["GET", "POST"])
def kiosk(request, slug):
    """The bus's kiosk: a tablet by the door where visitors without a phone give their opinion,
    for the stop and today, whether or not the stop opens today."""
    stop = _get_stop(request.user, slug)
    form = KioskFeedbackForm(request.POST or None)
    status, refusal = 200, ""
    if form.is_bound and form.is_valid():
        try:
            feedback.give_on_kiosk(stop, form.cleaned_data)
        except feedback.TooFast as error:
            status, refusal = 429, str(error)
        else:
            return redirect(reverse("agents:kiosk", args=[stop.slug]) + "?merci=1")
    elif form.is_bound:
        status = 400
    context = {
        "stop": stop,
        "form": form,
        "refusal": refusal,
        "thanks": request.method == "GET" and "merci" in request.GET,
        "thanks_seconds": KIOSK_THANKS_SECONDS,
        "idle_seconds": KIOSK_IDLE_SECONDS,
    }
    return render(request, "staff/kiosk.html", context, status=status)
