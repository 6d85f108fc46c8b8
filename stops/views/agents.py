"""What the agents say from the queue page about the bus itself: it has arrived, it leaves,
it broke down (the rest of today cancelled, as the coordinator cancels an opening)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from organisations.models import Role
from organisations.roles import agent_required
from stops import live
from stops.models import Stop
from stops.views.coordination import cancel_day


def _get_stop(user, slug):
    return get_object_or_404(Stop.objects.for_member(user, Role.AGENT).active(), slug=slug)


@agent_required
@require_POST
def arrive(request, slug):
    stop = _get_stop(request.user, slug)
    try:
        live.arrive(stop, request.user)
    except live.LiveError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("C'est noté : les habitants voient que le bus est là."))
    return redirect("agents:queue", slug=stop.slug)


@agent_required
@require_POST
def leave(request, slug):
    stop = _get_stop(request.user, slug)
    try:
        live.leave(stop, request.user)
    except live.LiveError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("C'est noté : les habitants voient que le bus est reparti."))
    return redirect("agents:queue", slug=stop.slug)


@agent_required
@require_http_methods(["GET", "POST"])
def breakdown(request, slug):
    """ "Bus en panne": the rest of today cancelled at the agent's own stop, through the same page
    and the same edit as the coordinator's cancellation (subscribers told, history kept)."""
    stop = _get_stop(request.user, slug)
    back = reverse("agents:queue", args=[stop.slug])
    return cancel_day(request, stop, timezone.localdate(), back=back, from_queue=True)
