"""What a computer of the bus recorded while it had lost its connection, sent once it is back.

The computer keeps each action in an outbox with a key (a UUID made when the agent acted) and
the time it was recorded. Here each action goes through the same visits.intake transition as the
agents' pages, and its outcome is kept under its key (OfflineAction): sent again, it answers the
same and does nothing twice. A refusal (a colleague took the visitor meanwhile, a step no longer
possible) is kept and answered like a success: the computer shows it to the agent.

Times: the computer's clock is believed within the day. A time ahead of the server's is taken
as now; a time before the visit's previous step as that step's time; an action of another day
is refused (the intake of a past day is closed).
"""

import re
import string

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from visits import intake
from visits.forms import AccompagnementForm, DeblayageForm, PreAccueilForm, demand_formset
from visits.models import OfflineAction, OfflineDevice

# Two letters at most: 702 computers at one stop on one day.
LETTERS = [*string.ascii_uppercase, *(a + b for a in string.ascii_uppercase for b in string.ascii_uppercase)]
PROVISIONAL_TICKET = re.compile(r"[A-Z]{1,2}-[1-9][0-9]{0,3}")


class BadAction(Exception):
    """Not an action a page of the bus sends (400); the message is for the agent."""


def letter_for(stop, device, day):
    """The letter of `device`'s provisional tickets at `stop` on `day`: the first one free."""
    for _attempt in range(3):
        if known := OfflineDevice.objects.filter(stop=stop, day=day, device=device).first():
            return known.letter
        taken = set(OfflineDevice.objects.filter(stop=stop, day=day).values_list("letter", flat=True))
        letter = next(letter for letter in LETTERS if letter not in taken)
        try:
            with transaction.atomic():
                return OfflineDevice.objects.create(stop=stop, day=day, device=device, letter=letter).letter
        except IntegrityError:
            continue  # another computer took this letter, or this one asked twice at once
    raise BadAction(_("Trop d'ordinateurs demandent une lettre en même temps : réessayez."))


def stored(agent, key):
    """The outcome kept for `key`, as (status code, result), or None when it was never received."""
    action = OfflineAction.objects.filter(key=key).first()
    if action is None:
        return None
    if action.agent_id != agent.pk:  # a key is the computer's secret: never tell another account
        return 409, {"message": _("Cette saisie a déjà été envoyée par un autre compte.")}
    return action.status_code, action.result


def replay(agent, target, action):
    """Do `action` (the outbox's: key, type, payload, client_time, device) on `target`, the stop
    of a registration or the visit of a step, once for its key; returns (status code, result).

    Raises BadAction when the payload is not what the pages send: nothing is done nor kept.
    """
    perform = ACTIONS[action["type"]]
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    visit, status, result = perform(agent, target, action), 200, None
            except intake.IntakeError as error:
                visit, status = (None if perform is _register else target), 409
                result = {"message": str(error), "advice": _advice(action["type"])}
            except IntegrityError:  # another registration took this provisional ticket
                visit, status = None, 409
                result = {"message": _("Ce ticket provisoire a déjà été donné à une autre personne."), "advice": ""}
            OfflineAction.objects.create(
                key=action["key"],
                agent=agent,
                device=action.get("device"),
                kind=action["type"],
                visit=visit,
                recorded_at=action["client_time"],
                status_code=status,
                result=result or _described(visit),
            )
    except IntegrityError:  # the same key sent twice at once: the first one done answers for both
        return stored(agent, action["key"])
    return status, result or _described(visit)


def recorded_time(client_time, after=None, now=None):
    """The time to record for an action the computer recorded at `client_time`, never later than
    now nor earlier than `after` (the visit's previous step)."""
    now = now or timezone.now()
    moment = min(client_time, now)
    if timezone.localdate(moment) != timezone.localdate(now):
        raise intake.IntakeError(
            _(
                "Cette saisie date du %(day)s : seules celles du jour même sont reprises. "
                "Notez ce passage dans « Mes passages » ou signalez-le à votre coordination."
            )
            % {"day": format(timezone.localdate(moment), "%d/%m/%Y")}
        )
    return max(moment, after) if after else moment


def _register(agent, stop, action):
    payload = action["payload"]
    provisional = payload.get("provisional_ticket", "")
    if not isinstance(provisional, str) or not PROVISIONAL_TICKET.fullmatch(provisional):
        raise BadAction(_("Le ticket provisoire n'est pas de la forme « B-3 »."))
    form = _valid(PreAccueilForm({**payload, "idempotency_key": action["key"]}, stop=stop))
    return intake.register(
        stop,
        agent,
        form.reasons(),
        orientation_target=form.target(),
        profile=form.profile(),
        idempotency_key=action["key"],
        at=recorded_time(action["client_time"]),
        provisional=provisional,
    )


def _mover(to):
    def move(agent, visit, action):
        return intake.move(visit, agent, to, at=_step_time(visit, action))

    return move


def _finish_deblayage(agent, visit, action):
    form = _valid(DeblayageForm(action["payload"]))
    checklist, missing, then = form.checklist(), form.cleaned_data["missing"], form.cleaned_data["then"]
    return intake.finish_deblayage(visit, agent, checklist, missing, then, at=_step_time(visit, action))


def _finish_accompagnement(agent, visit, action):
    # No follow-up contact is kept on a computer without connection: only what the form needs.
    payload = {name: value for name, value in action["payload"].items() if not name.startswith("follow_up")}
    form = _valid(AccompagnementForm(payload))
    demands = _valid(demand_formset(visit, payload))
    return intake.finish_accompagnement(
        visit,
        agent,
        demands.demands(),
        minutes=form.cleaned_data["minutes"],
        note=form.cleaned_data["note"],
        at=_step_time(visit, action),
    )


ACTIONS = {
    "register": _register,
    "deblayage": _mover(intake.Move.DEBLAYAGE),
    "accompagnement": _mover(intake.Move.ACCOMPAGNEMENT),
    "left": _mover(intake.Move.LEFT),
    "finish_deblayage": _finish_deblayage,
    "finish_accompagnement": _finish_accompagnement,
}


def _step_time(visit, action):
    steps = (visit.arrived_at, visit.deblayage_started_at, visit.accompagnement_started_at)
    return recorded_time(action["client_time"], after=max(time for time in steps if time))


def _valid(form):
    """`form` once valid; its first error otherwise, for the agent."""
    if form.is_valid():
        return form
    raise BadAction(_first_error(form))


def _first_error(form):
    if hasattr(form, "forms"):  # a formset
        for message in form.non_form_errors():
            return message
        return next(_first_error(row) for row in form.forms if row.errors)
    name, messages = next(iter(form.errors.items()))
    label = form.fields[name].label if name in form.fields else None
    return f"{label} : {messages[0]}" if label else messages[0]


def _described(visit):
    """What the computer needs of a visit once its action is done."""
    if visit.provisional_ticket:
        message = _("Le ticket provisoire %(provisional)s est devenu le n° %(ticket)s.") % {
            "provisional": visit.provisional_ticket,
            "ticket": visit.ticket,
        }
    else:
        message = _("N° %(ticket)s : %(step)s.") % {"ticket": visit.ticket, "step": visit.get_status_display()}
    return {
        "visit": visit.pk,
        "ticket": visit.ticket,
        "provisional_ticket": visit.provisional_ticket,
        "status": visit.status,
        "message": message,
    }


def _advice(kind):
    if kind == "register":
        return _("Ce passage n'a pas été enregistré : notez-le à nouveau si la personne est toujours là.")
    return _(
        "Regardez la file d'attente : un collègue s'occupe peut-être déjà de cette personne. "
        "Voyez avec lui, puis fermez ce message."
    )
