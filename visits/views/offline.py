"""What the agents' computers send once their connection is back (visits.offline), and the
service worker that keeps their pages working without it."""

import json
import uuid

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organisations.models import Role
from organisations.roles import agent_required
from visits import offline, stats
from visits.forms import OfflineActionForm
from visits.models import Visit
from visits.views.agents import _get_stop

# The most fields a page's form sends (the accompaniment's, with twelve demands).
MAX_PAYLOAD_FIELDS = 60


@agent_required
@require_POST
def action(request):
    """One action of a computer's outbox: done once for its key, its outcome answered each time."""
    try:
        envelope, payload = _read(request)
    except offline.BadAction as error:
        return _refusal(400, str(error))
    data = envelope.cleaned_data | {"payload": payload}
    if (known := offline.stored(request.user, data["key"])) is not None:
        return JsonResponse(known[1], status=known[0])
    if data["type"] == "register":
        target = _get_stop(request.user, data["stop"])
    elif (target := _get_visit(request.user, data["visit"])) is None:
        message = _("Ce passage n'a pas été enregistré (voir le message sur son arrivée) : cette étape est ignorée.")
        return _refusal(409, message)
    try:
        status, result = offline.replay(request.user, target, data)
    except offline.BadAction as error:
        return _refusal(400, str(error))
    if status == 200 and isinstance(target, Visit):
        stats.count_again_once_saved(target)  # a visit of an earlier day, ended offline
    return JsonResponse(result, status=status)


@agent_required
@require_POST
def letter(request, slug):
    """The letter of this computer's provisional tickets at the stop today ("B" for B-1, B-2…)."""
    stop = _get_stop(request.user, slug)
    try:
        device = uuid.UUID(str(_json(request).get("device")))
        return JsonResponse({"letter": offline.letter_for(stop, device, timezone.localdate())})
    except (ValueError, offline.BadAction):
        return _refusal(400, _("Cet ordinateur n'a pas pu être identifié : rechargez la page."))


@agent_required
def service_worker(request):
    """The script that keeps the agents' pages and their outbox working without connection;
    served from /agents/ so that it may act on every agent's page and no other."""
    response = render(request, "staff/sw.js", content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def _read(request):
    """The envelope (checked) and the payload (a form's fields, as text) of an action."""
    body = _json(request)
    envelope = OfflineActionForm(body)
    if not envelope.is_valid():
        raise offline.BadAction(_("Cette saisie est incomplète ou abîmée : %(error)s") % {"error": _error(envelope)})
    payload = body.get("payload", {})
    if not isinstance(payload, dict) or len(payload) > MAX_PAYLOAD_FIELDS:
        raise offline.BadAction(_("Cette saisie n'a pas la forme d'un formulaire."))
    if not all(isinstance(value, str) for value in payload.values()):
        raise offline.BadAction(_("Cette saisie n'a pas la forme d'un formulaire."))
    return envelope, payload


def _json(request):
    if request.content_type != "application/json":  # a form's body has been read already
        raise offline.BadAction(_("Cette saisie n'est pas lisible."))
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise offline.BadAction(_("Cette saisie n'est pas lisible.")) from None
    if not isinstance(body, dict):
        raise offline.BadAction(_("Cette saisie n'est pas lisible."))
    return body


def _get_visit(user, reference):
    """The visit an action names: by its number, or by the key of its registration sent from
    the same outbox (None when that registration was refused)."""
    visits = Visit.objects.for_member(user, Role.AGENT).select_related(
        "stop", "deblayage_agent", "accompagnement_agent", "orientation_target"
    )
    if reference.isdigit() and len(reference) < 10:
        return get_object_or_404(visits, pk=reference)
    try:
        key = uuid.UUID(reference)
    except ValueError:
        raise Http404 from None
    return visits.filter(idempotency_key=key).first()


def _error(form):
    name, messages = next(iter(form.errors.items()))
    return f"{name} : {messages[0]}" if name != "__all__" else messages[0]


def _refusal(status, message):
    return JsonResponse({"message": message, "advice": ""}, status=status)
