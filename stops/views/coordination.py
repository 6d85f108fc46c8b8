"""The coordinator's pages (/coordination/): stops, weekly slots, closures, extra openings.

Every edit can be previewed (the openings of the coming weeks it adds or cancels)
and is recorded, once saved, in the stop's history; subscribers are told.
"""

import datetime

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mairie_mobile.validators import parse_day
from organisations import access
from organisations.models import Role
from organisations.roles import coordinator_required
from stops import editing, notifications, schedule, wording
from stops.forms import (
    CancelOpeningForm,
    ClosureEditForm,
    ExtraOpeningForm,
    StopEditForm,
    StopSearchForm,
    WeeklySlotForm,
)
from stops.models import Closure, ExtraOpening, Notification, ScheduleChange, Stop, WeeklySlot

STOPS_LISTED = 50
UPCOMING_DAYS = 28


def _get_stop(user, slug):
    return get_object_or_404(Stop.objects.for_member(user, Role.COORDINATOR), slug=slug)


def _get_closure_everywhere(user, pk):
    """A closure of every stop of one of `user`'s organisations (of the country: the national administrator's)."""
    closures = access.scope(Closure.objects.filter(stop=None), user, Role.COORDINATOR, "organisation")
    return get_object_or_404(closures, pk=pk)


@coordinator_required
def home(request):
    form = StopSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    mine = Stop.objects.for_member(request.user, Role.COORDINATOR)
    stops = (
        mine.search(query)
        .annotate(
            subscribers=Count("subscriptions", filter=Q(subscriptions__confirmed_at__isnull=False), distinct=True),
            last_change=Max("changes__created_at"),
        )
        .order_by("-active", "name")
    )
    context = {
        "form": form,
        "query": query,
        "stops": stops[:STOPS_LISTED],
        "more": stops.count() > STOPS_LISTED,
        "notifications": _notification_states(mine),
        "sms_budgets": _sms_budgets(request.user),
        "recent_changes": ScheduleChange.objects.filter(stop__in=mine)
        .newest_first()
        .select_related("stop", "changed_by")[:10],
    }
    return render(request, "coordination/home.html", context)


def _sms_budgets(user):
    """This month's SMS of the coordinator's organisations against their budgets: each one's when
    they have one or two, those that sent any otherwise (the national administrator's)."""
    budgets = notifications.sms_budgets(access.organisations_of(user, Role.COORDINATOR), timezone.localdate())
    return budgets if len(budgets) <= 2 else [(o, budget) for o, budget in budgets if budget.sent]


def _notification_states(stops):
    """How the mails and SMS of the last 30 days about `stops` fared: queued, sent, failed, over budget."""
    since = timezone.now() - datetime.timedelta(days=30)
    about = Q(change__stop__in=stops) | Q(stop__in=stops)
    rows = Notification.objects.filter(about, created_at__gte=since).values("state").annotate(count=Count("pk"))
    counts = {row["state"]: row["count"] for row in rows}
    return [(label, counts.get(state, 0), state) for state, label in Notification.State.choices]


@coordinator_required
def stop_schedule(request, slug):
    """Everything that makes a stop's week, and its coming openings with a button to cancel each."""
    stop = _get_stop(request.user, slug)
    now = timezone.now()
    today = timezone.localdate(now)
    upcoming = schedule.openings(today, today + datetime.timedelta(days=UPCOMING_DAYS), [stop])
    slots = list(stop.slots.all())  # read once: for the week in words and for the list
    context = {
        "stop": stop,
        "week": wording.describe_week(stop, slots, today),
        "slots": slots,
        "closures": schedule.closures_of(stop).filter(last_day__gte=today),
        "extras": stop.extra_openings.filter(date__gte=today),
        # Only what is not over yet can be cancelled.
        "upcoming": [(opening, opening.is_to_come(now)) for opening in upcoming],
        "subscribers": stop.subscriptions.confirmed().count(),
    }
    return render(request, "coordination/stop.html", context)


@coordinator_required
def stop_edit(request, slug=None):
    stop = _get_stop(request.user, slug) if slug else None
    organisations = access.organisations_of(request.user, Role.COORDINATOR)
    form = StopEditForm(request.POST or None, instance=stop, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        if stop is None:
            stop = form.save()
            messages.success(request, _("Arrêt « %(name)s » créé. Ajoutez-lui ses créneaux.") % {"name": stop.name})
        else:
            description = _("Informations de l'arrêt modifiées")
            editing.edit_schedule([stop], form.save, user=request.user, description=description)
            messages.success(request, _("Arrêt enregistré."))
        return redirect("coordination:stop", slug=stop.slug)
    title = _("Modifier l'arrêt") if stop else _("Nouvel arrêt")
    return render(request, "coordination/form.html", {"form": form, "stop": stop, "title": title}, status=_status(form))


def _edit(request, form, stop, *, title, done, success):
    """The shape of every schedule edit: preview on demand, save with its recorded change
    (`done`, with the saved row's description as %(label)s)."""
    stops, effect = None, None
    if request.method == "POST" and form.is_valid():
        stops = editing.affected_stops(stop, getattr(form.instance, "organisation", None))
        if "preview" in request.POST:
            effect = editing.preview(stops, form.save)
        else:
            description = done % {"label": form.instance}  # the form's values are on its instance
            editing.edit_schedule(stops, form.save, user=request.user, description=description)
            messages.success(request, success)
            return redirect("coordination:stop", slug=stop.slug) if stop else redirect("coordination:home")
    context = {
        "form": form,
        "stop": stop,
        "title": title,
        "effect": effect,
        "told": notifications.audience(stops) if effect else None,
        "previewed": effect is not None,
        "can_preview": True,
    }
    return render(request, "coordination/form.html", context, status=_status(form))


def _status(form):
    return 400 if form.is_bound and form.errors else 200


def _delete(request, stop, instance, *, what, description, success):
    """Confirm a deletion, showing what it changes; delete with its recorded change."""
    stops = editing.affected_stops(stop, getattr(instance, "organisation", None))
    if request.method == "POST":
        editing.edit_schedule(stops, instance.delete, user=request.user, description=description)
        messages.success(request, success)
        return redirect("coordination:stop", slug=stop.slug) if stop else redirect("coordination:home")
    effect = editing.preview(stops, instance.delete)
    return render(request, "coordination/delete.html", {"stop": stop, "what": what, "effect": effect})


@coordinator_required
def slot_edit(request, slug, pk=None):
    stop = _get_stop(request.user, slug)
    slot = get_object_or_404(WeeklySlot, stop=stop, pk=pk) if pk else None
    form = WeeklySlotForm(request.POST or None, instance=slot, stop=stop)
    if slot:
        title, done, success = _("Modifier le créneau"), _("Créneau modifié : %(label)s"), _("Créneau modifié.")
    else:
        title, done, success = _("Nouveau créneau"), _("Créneau ajouté : %(label)s"), _("Créneau ajouté.")
    return _edit(
        request,
        form,
        stop,
        title=title,
        done=done,
        success=success,
    )


@coordinator_required
def slot_delete(request, slug, pk):
    stop = _get_stop(request.user, slug)
    slot = get_object_or_404(WeeklySlot, stop=stop, pk=pk)
    label = str(slot)
    return _delete(
        request,
        stop,
        slot,
        what=_("le créneau du %(label)s") % {"label": label},
        description=_("Créneau supprimé : %(label)s") % {"label": label},
        success=_("Créneau supprimé."),
    )


@coordinator_required
def closure_edit(request, slug=None, pk=None):
    """A closure of one stop, or with no stop of every stop of an organisation."""
    stop = _get_stop(request.user, slug) if slug else None
    if stop:
        closure = get_object_or_404(Closure, stop=stop, pk=pk) if pk else None
    else:
        closure = _get_closure_everywhere(request.user, pk) if pk else None
    organisations = None if stop else access.organisations_of(request.user, Role.COORDINATOR)
    form = ClosureEditForm(
        request.POST or None,
        instance=closure,
        stop=stop,
        organisations=organisations,
        national=request.user.is_superuser,
    )
    title, done, success = _closure_texts(closure is not None, everywhere=stop is None)
    return _edit(
        request,
        form,
        stop,
        title=title,
        done=done,
        success=success,
    )


def _closure_texts(edited, everywhere):
    """The title, the history's description and the message of a closure's edit."""
    if edited and everywhere:
        return (
            _("Modifier la fermeture de tous les arrêts"),
            _("Fermeture de tous les arrêts modifiée : %(label)s"),
            _("Fermeture de tous les arrêts modifiée."),
        )
    if edited:
        return _("Modifier la fermeture"), _("Fermeture modifiée : %(label)s"), _("Fermeture modifiée.")
    if everywhere:
        return (
            _("Nouvelle fermeture de tous les arrêts"),
            _("Fermeture de tous les arrêts ajoutée : %(label)s"),
            _("Fermeture de tous les arrêts ajoutée."),
        )
    return _("Nouvelle fermeture"), _("Fermeture ajoutée : %(label)s"), _("Fermeture ajoutée.")


@coordinator_required
def closure_delete(request, slug=None, pk=None):
    stop = _get_stop(request.user, slug) if slug else None
    closure = get_object_or_404(Closure, stop=stop, pk=pk) if stop else _get_closure_everywhere(request.user, pk)
    label = str(closure)
    return _delete(
        request,
        stop,
        closure,
        what=_("la fermeture « %(label)s »") % {"label": label},
        description=_("Fermeture supprimée : %(label)s") % {"label": label},
        success=_("Fermeture supprimée : les ouvertures reprennent."),
    )


@coordinator_required
def extra_edit(request, slug, pk=None):
    stop = _get_stop(request.user, slug)
    extra = get_object_or_404(ExtraOpening, stop=stop, pk=pk) if pk else None
    form = ExtraOpeningForm(request.POST or None, instance=extra, stop=stop)
    if extra:
        title = _("Modifier l'ouverture exceptionnelle")
        done, success = _("Ouverture exceptionnelle modifiée : %(label)s"), _("Ouverture exceptionnelle modifiée.")
    else:
        title = _("Nouvelle ouverture exceptionnelle")
        done, success = _("Ouverture exceptionnelle ajoutée : %(label)s"), _("Ouverture exceptionnelle ajoutée.")
    return _edit(
        request,
        form,
        stop,
        title=title,
        done=done,
        success=success,
    )


@coordinator_required
def extra_delete(request, slug, pk):
    stop = _get_stop(request.user, slug)
    extra = get_object_or_404(ExtraOpening, stop=stop, pk=pk)
    label = str(extra)
    return _delete(
        request,
        stop,
        extra,
        what=_("l'ouverture exceptionnelle du %(label)s") % {"label": label},
        description=_("Ouverture exceptionnelle supprimée : %(label)s") % {"label": label},
        success=_("Ouverture exceptionnelle supprimée."),
    )


@coordinator_required
def cancel_opening(request, slug, day):
    """The second click of "Bus en panne demain": confirm, with the public reason."""
    stop = _get_stop(request.user, slug)
    back = reverse("coordination:stop", args=[stop.slug])
    return cancel_day(request, stop, parse_day(day), back=back)


def cancel_day(request, stop, day, *, back, from_queue=False):
    """Cancel what remains of `day` at `stop`, after a page showing what it cancels and how many
    subscribers will be told: the coordinator's "Annuler", and the agents' "Bus en panne" of
    today from the queue (`from_queue`). `back`: where to go once done or without changing anything."""
    now = timezone.now()
    openings = [o for o in schedule.openings(day, day, [stop]) if o.is_to_come(now)] if day else []
    if not openings:
        messages.error(request, _("Il n'y a plus d'ouverture à venir ce jour-là : rien à annuler."))
        return redirect(back)
    form = CancelOpeningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        editing.cancel_opening(stop, day, form.cleaned_data["reason_kind"], form.cleaned_data["reason"], request.user)
        day_name = wording.long_date(day, weekday=True)
        message = _("Ouverture du %(day)s annulée. Les abonnés seront prévenus.") % {"day": day_name}
        messages.success(request, message)
        return redirect(back)
    context = {
        "stop": stop,
        "day": day,
        "openings": openings,
        "in_progress": [o for o in openings if o.is_open_at(now)],
        "form": form,
        "effect": editing.cancellation_preview(stop, day),
        "told": notifications.audience([stop]),
        "back": back,
        "from_queue": from_queue,
    }
    return render(request, "coordination/cancel.html", context, status=_status(form))


@coordinator_required
def history(request, slug):
    stop = _get_stop(request.user, slug)
    changes = (
        stop.changes.newest_first()
        .select_related("changed_by")
        .annotate(
            sent=Count("notifications", filter=Q(notifications__state=Notification.State.SENT)),
            queued=Count("notifications", filter=Q(notifications__state=Notification.State.QUEUED)),
            failed=Count("notifications", filter=Q(notifications__state=Notification.State.FAILED)),
        )[:100]
    )
    return render(request, "coordination/history.html", {"stop": stop, "changes": changes})
