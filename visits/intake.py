"""The intake of a visitor, step by step. Every transition of a visit happens here.

    pré-accueil ──handled here──▶ waiting ──▶ deblayage ──▶ ready ──▶ accompagnement ──▶ done
         │                          ▲  │          │  │                      ▲
         └──cannot──▶ oriented      └──┼──────────┘  └──▶ to_come_back      │
                                       └─────────────────────────────────────┘ (no déblayage needed)
    waiting, deblayage, ready, accompagnement ──▶ left (gave up)

A colleague may take over a déblayage or an accompaniment another agent started.

Each function checks the current step with a conditional update, so that two agents
acting on the same visitor at the same moment cannot both succeed: the second is
told who was first. An agent repeating their own action (a double click, a retry
over the bus's wifi) gets the same result, not an error.

A computer that lost its connection sends its actions later (visits.offline): each function
then takes `at`, the time the computer recorded, and marks the visit as recorded offline.
"""

import datetime
import secrets

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mairie_mobile import audit
from partners.models import Reason
from stops import live
from visits import tasks
from visits.models import (
    ACTIVE,
    CORRECTABLE_FIELDS,
    HOLDERS,
    STEPS_IN_HAND,
    Demand,
    FollowUpContact,
    Status,
    TicketCounter,
    Visit,
    VisitCorrection,
    agent_name,
)


class IntakeError(Exception):
    """A step that cannot be taken; the message is for the agent."""


def register(
    stop, agent, reasons, *, orientation_target=None, profile=None, idempotency_key=None, at=None, provisional=""
):
    """Pré-accueil: give the next ticket of the day at `stop`.

    `reasons` are partners.models.Reason. With an orientation target the request
    cannot be handled here: the visit ends at once as oriented. The same
    `idempotency_key` twice gives the same visit. A visitor registered offline arrived
    `at` and was given the `provisional` ticket ("B-3"); they keep it beside the final one.
    """
    if not reasons:
        raise IntakeError(_("Indiquez au moins un motif de visite."))
    try:
        with transaction.atomic():
            visit = _create_with_next_ticket(
                stop, agent, reasons, orientation_target, profile or {}, idempotency_key, at, provisional
            )
            live.queue_changed(stop)
            return visit
    except IntegrityError:
        if idempotency_key and (visit := Visit.objects.filter(idempotency_key=idempotency_key).first()):
            return visit  # the same form, posted twice
        raise


# A form sent again after "back" has a new idempotency key: the same agent giving a ticket for the
# same reasons at the same stop this soon is asked whether it is another person.
SAME_VISITOR_WINDOW = datetime.timedelta(minutes=2)


def just_given(stop, agent, reasons, idempotency_key=None):
    """The ticket `agent` gave at `stop` for the same `reasons` a moment ago, if any."""
    now = timezone.now()
    recent = Visit.objects.filter(
        stop=stop,
        service_day=timezone.localdate(now),  # the day's visits of the stop: the queue's index
        registered_by=agent,
        arrived_at__gte=now - SAME_VISITOR_WINDOW,
    ).prefetch_related("demands")
    if idempotency_key:  # the same form twice is the same visit, given back by register()
        recent = recent.exclude(idempotency_key=idempotency_key)
    wanted = set(reasons)
    for visit in recent.order_by("-arrived_at"):
        if {Reason(demand.partner_id, demand.procedure_id) for demand in visit.demands.all()} == wanted:
            return visit
    return None


def next_ticket(stop, day):
    """The next ticket number at `stop` on `day`.

    One statement takes the number and locks the day's counter until the
    transaction ends: two agents registering at the same second get consecutive
    numbers, and a transaction rolled back gives its number back (no gap).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TicketCounter._meta.db_table} (stop_id, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (stop_id, day) DO UPDATE SET last = {TicketCounter._meta.db_table}.last + 1 "
            "RETURNING last",
            [stop.pk, day],
        )
        return cursor.fetchone()[0]


def new_ticket_code():
    """The code of a ticket's page: 96 random bits, which nobody guesses (and the page's
    guesses are rate-limited)."""
    return secrets.token_urlsafe(12)


def _create_with_next_ticket(stop, agent, reasons, orientation_target, profile, idempotency_key, at, provisional):
    now = at or timezone.now()
    day = timezone.localdate(now)
    oriented = orientation_target is not None
    visit = Visit.objects.create(
        stop=stop,
        service_day=day,
        ticket=next_ticket(stop, day),
        ticket_code=new_ticket_code(),
        status=Status.ORIENTED if oriented else Status.WAITING,
        idempotency_key=idempotency_key,
        provisional_ticket=provisional,
        recorded_offline=at is not None,
        arrived_at=now,
        ended_at=now if oriented else None,
        registered_by=agent,
        orientation_target=orientation_target,
        **profile,
    )
    outcome = Demand.Outcome.REDIRECTED if oriented else ""
    Demand.objects.bulk_create(
        Demand(
            visit=visit,
            service_day=visit.service_day,
            partner_id=reason.partner_id,
            procedure_id=reason.procedure_id,
            outcome=outcome,
        )
        for reason in dict.fromkeys(reasons)
    )
    return visit


def start_deblayage(visit, agent, at=None):
    """Take a waiting visitor to the déblayage."""
    _of_today(visit)
    _move(
        visit,
        agent,
        _at(Status.WAITING),
        Status.DEBLAYAGE,
        deblayage_agent=agent,
        deblayage_started_at=at or timezone.now(),
        **_offline(at),
    )
    return visit


def take_next(stop, agent):
    """Take the visitor who has waited longest to the déblayage."""
    for visit in Visit.objects.in_queue(stop, timezone.localdate()).filter(status=Status.WAITING)[:10]:
        visit.stop = stop  # already at hand: the live status is told without reading it again
        try:
            return start_deblayage(visit, agent)
        except IntakeError:
            continue  # a colleague took this one first
    raise IntakeError(_("Personne n'attend le déblayage pour le moment."))


class AfterDeblayage(models.TextChoices):
    """Where the visitor goes once the déblayage is done."""

    ACCOMPAGNEMENT = "accompagnement", gettext_lazy("Commencer l'accompagnement")  # the same agent goes on
    READY = "ready", gettext_lazy("Passer la main pour l'accompagnement")  # a colleague will take over
    QUEUE = "queue", gettext_lazy("Remettre dans la file d'attente")  # e.g. to look for a code
    COME_BACK = "come_back", gettext_lazy("Reviendra avec les pièces")  # leaves with the list of what to bring


AFTER_DEBLAYAGE = {
    AfterDeblayage.ACCOMPAGNEMENT: Status.ACCOMPAGNEMENT,
    AfterDeblayage.READY: Status.READY,
    AfterDeblayage.QUEUE: Status.WAITING,
    AfterDeblayage.COME_BACK: Status.TO_COME_BACK,
}


def finish_deblayage(visit, agent, checklist, missing, then, at=None):
    """Record the checklist and what is missing, then send the visitor on (`then`, an AfterDeblayage)."""
    then = AfterDeblayage(then)
    if then == AfterDeblayage.COME_BACK and not missing.strip():
        raise IntakeError(_("Indiquez ce que la personne doit apporter la prochaine fois."))
    if then == AfterDeblayage.ACCOMPAGNEMENT:
        _of_today(visit)
    now = at or timezone.now()
    fields = {**checklist, "missing": missing, **_offline(at)}
    if then == AfterDeblayage.ACCOMPAGNEMENT:
        fields |= {"accompagnement_agent": agent, "accompagnement_started_at": now}
    elif then == AfterDeblayage.QUEUE:
        fields |= {"deblayage_agent": None, "deblayage_started_at": None}
    elif then == AfterDeblayage.COME_BACK:
        fields |= {"ended_at": now}
    _move(visit, agent, _held(Status.DEBLAYAGE, agent), AFTER_DEBLAYAGE[then], **fields)
    return visit


def start_accompagnement(visit, agent, at=None):
    """Take a visitor to the accompaniment: after the déblayage (theirs, or one done), or straight from the queue."""
    _of_today(visit)
    _move(
        visit,
        agent,
        _at(Status.READY, Status.WAITING) | _held(Status.DEBLAYAGE, agent),
        Status.ACCOMPAGNEMENT,
        accompagnement_agent=agent,
        accompagnement_started_at=at or timezone.now(),
        **_offline(at),
    )
    return visit


def finish_accompagnement(visit, agent, demands, *, minutes=None, note="", follow_up=None, at=None):
    """Close the visit with the demands handled.

    `demands` are (demand id or None for a new one, Reason, outcome); demands of
    the visit left out are removed. `minutes` overrides the duration
    measured from the timestamps (when the agent forgot to click). `follow_up` is a
    dict (name, phone, email, consent).
    """
    if not demands:
        raise IntakeError(_("Indiquez au moins une demande traitée."))
    if any(not outcome for _demand, _reason, outcome in demands):
        raise IntakeError(_("Indiquez le résultat de chaque demande."))
    now = at or timezone.now()
    with transaction.atomic():
        moved = _move(
            visit,
            agent,
            _held(Status.ACCOMPAGNEMENT, agent),
            Status.DONE,
            ended_at=now,
            note=note,
            accompagnement_minutes=minutes if minutes is not None else elapsed_minutes(visit, now),
            **_offline(at),
        )
        if moved:  # not the same form posted again
            _save_demands(visit, demands)
            if follow_up:
                record_follow_up_contact(visit, **follow_up)
    return visit


def take_over(visit, agent, step, colleague):
    """Carry on a step a colleague started (they had to leave, or asked for it).

    `step` and `colleague` are what the agent saw: if the visit moved on or someone
    else took it over meanwhile, this fails and says so rather than take it from them.
    The step's start time stays: the visitor has been at it since then. The journal
    keeps who took the visitor from whom.
    """
    if step not in STEPS_IN_HAND:
        raise IntakeError(visit.describe())
    with transaction.atomic():
        if _move(visit, agent, Q(status=step, **{HOLDERS[step]: colleague}), step, **{HOLDERS[step]: agent}):
            summary = _("Passage n° %(ticket)s du %(day)s (%(stop)s) repris à %(colleague)s (%(step)s)") % {
                **_passage(visit),
                "colleague": agent_name(colleague),
                "step": visit.get_status_display().lower(),
            }
            audit.record(audit.Action.VISIT_TAKE_OVER, summary, user=agent, organisations=[visit.stop.organisation])
    return visit


def mark_left(visit, agent, at=None):
    """The visitor gave up waiting, at whatever step they were."""
    _move(visit, agent, _at(*ACTIVE), Status.LEFT, ended_at=at or timezone.now(), **_offline(at))
    return visit


class Move(models.TextChoices):
    """Where the queue's buttons take a visitor (the last part of their address)."""

    DEBLAYAGE = "deblayage", gettext_lazy("Déblayage")
    ACCOMPAGNEMENT = "accompagnement", gettext_lazy("Accompagnement")
    LEFT = "parti", gettext_lazy("Parti sans être reçu")


def move(visit, agent, to, at=None):
    """From the queue: to the déblayage or the accompaniment, or gone without being served."""
    steps = {Move.DEBLAYAGE: start_deblayage, Move.ACCOMPAGNEMENT: start_accompagnement, Move.LEFT: mark_left}
    return steps[to](visit, agent, at)


def record_follow_up_contact(visit, *, name, phone="", email="", consent=False):
    """Keep a way to reach the visitor again: only with their consent, erased after the retention period."""
    if not consent:
        raise IntakeError(_("Un contact ne peut être enregistré qu'avec l'accord de la personne : cochez la case."))
    if not name.strip() or not (phone.strip() or email.strip()):
        raise IntakeError(_("Pour un contact de suivi, indiquez un nom et un téléphone ou un courriel."))
    now = timezone.now()
    contact, _created = FollowUpContact.objects.update_or_create(
        visit=visit, defaults={"name": name, "phone": phone, "email": email, "consent_at": now, "created_at": now}
    )
    return contact


def outcome_required(visit):
    """Each demand of a visit that went through the accompaniment has an outcome."""
    return visit.status == Status.DONE


def correct(visit, agent, fields, demands):
    """Correct a finished visit of today; the change is kept in its history.

    `fields` are the visit's new values by field name, `demands` as for
    finish_accompagnement (outcome may be empty for an oriented or left visit).
    """
    if not visit.is_finished:
        raise IntakeError(
            _("Le n° %(ticket)s est encore en cours : corrigez-le à son étape.") % {"ticket": visit.ticket}
        )
    if visit.service_day != timezone.localdate():
        raise IntakeError(_("Un passage ne se corrige que le jour même."))
    if not demands:
        raise IntakeError(_("Gardez au moins une demande."))
    if outcome_required(visit) and any(not outcome for _demand, _reason, outcome in demands):
        raise IntakeError(_("Indiquez le résultat de chaque demande."))
    if not set(fields) <= set(CORRECTABLE_FIELDS):
        raise ValueError(f"Champs non corrigeables : {sorted(set(fields) - set(CORRECTABLE_FIELDS))}")
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        before = _snapshot(visit)
        for name, value in fields.items():
            setattr(visit, name, value)
        visit.save(update_fields=list(fields))
        _save_demands(visit, demands)
        after = _snapshot(visit)
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if changes:
            VisitCorrection.objects.create(visit=visit, agent=agent, changes=changes)
            what = ", ".join(sorted(changes))
            summary = _("Passage n° %(ticket)s du %(day)s (%(stop)s) corrigé : %(what)s") % {
                **_passage(visit),
                "what": what,
            }
            audit.record(audit.Action.VISIT_CORRECTION, summary, user=agent, organisations=[visit.stop.organisation])
    return visit


def purge_follow_up_contacts(retention_days):
    """Erase the follow-up contacts older than the retention period; the visits stay, anonymous."""
    limit = timezone.now() - timezone.timedelta(days=retention_days)
    deleted, _by_model = FollowUpContact.objects.filter(created_at__lt=limit).delete()
    if deleted:
        audit.record(
            audit.Action.PURGE,
            _("%(deleted)s contact(s) de suivi effacé(s) après %(days)s jours")
            % {"deleted": deleted, "days": retention_days},
            username=_("effacement automatique"),
        )
    return deleted


# -----------------------------------------------------------------------------


def _at(*statuses):
    return Q(status__in=statuses)


def _offline(at):
    """A time sent by a computer that had lost its connection: the visit says so."""
    return {"recorded_offline": True} if at else {}


def _of_today(visit):
    """A step starts only for the day's visitors: a visit of an earlier day can only be ended."""
    if visit.is_of_an_earlier_day:
        raise IntakeError(
            _(
                "Le n° %(ticket)s est venu le %(day)s : pour un passage d'un jour précédent, on ne commence plus "
                "d'étape. Terminez celle en cours, ou notez que la personne est partie."
            )
            % _passage(visit)
        )


def _move(visit, agent, allowed, target, **fields):
    """Move `visit` to `target` if it is still where `allowed` says, and nobody moved it first.

    Updates `visit`; True when this call moved it, False when `agent` had already
    made the very same move (a form posted twice). Raises IntakeError otherwise.
    """
    left_the_line = visit.status == Status.WAITING
    if Visit.objects.filter(allowed, pk=visit.pk).update(status=target, **fields):
        visit.status = target
        for name, value in fields.items():
            setattr(visit, name, value)
        live.queue_changed(visit.stop)
        if left_the_line:  # those behind move up: some may be due their SMS (visits.tickets)
            stop = visit.stop
            transaction.on_commit(lambda: tasks.alert_soon(stop), robust=True)
        return True
    visit.refresh_from_db()
    if _repeated(visit, agent, target):
        return False
    raise IntakeError(visit.describe())


def _held(step, agent):
    return Q(status=step, **{HOLDERS[step]: agent})


def _repeated(visit, agent, target):
    """True when `agent` already made this very move (a form posted twice)."""
    return target in HOLDERS and visit.is_held_by(agent, target)


def elapsed_minutes(visit, now):
    """Minutes of accompaniment so far, at least 1; None when it began another day (when it
    ended, nobody recorded)."""
    started = visit.accompagnement_started_at
    if started is None or timezone.localdate(started) != timezone.localdate(now):
        return None
    return max(1, round((now - started).total_seconds() / 60))


def _save_demands(visit, demands):
    """Make the visit's demands what `demands` says, in at most one query per kind of change."""
    current = {demand.pk: demand for demand in visit.demands.all()}
    changed, new = [], []
    for demand_id, reason, outcome in demands:
        demand = current.pop(demand_id, None) or Demand(visit=visit, service_day=visit.service_day)
        if (demand.partner_id, demand.procedure_id, demand.outcome) != (*reason, outcome):
            demand.partner_id, demand.procedure_id, demand.outcome = *reason, outcome
            (changed if demand.pk else new).append(demand)
    if changed:
        Demand.objects.bulk_update(changed, ["partner", "procedure", "outcome"])
    if new:
        Demand.objects.bulk_create(new)
    if current:
        Demand.objects.filter(pk__in=current).delete()


def _snapshot(visit):
    """What a correction may change, as text a coordinator can read in the history."""
    snapshot = {name: _readable(visit, name) for name in CORRECTABLE_FIELDS}
    snapshot["demands"] = [
        _("%(partner)s – %(procedure)s : %(outcome)s")
        % {
            "partner": d.partner.short_name,
            "procedure": d.procedure.label if d.procedure else _("autre démarche"),
            "outcome": d.get_outcome_display() or _("à traiter"),
        }
        for d in visit.demands.select_related("partner", "procedure")
    ]
    return snapshot


def _passage(visit):
    return {"ticket": visit.ticket, "day": format(visit.service_day, "%d/%m/%Y"), "stop": visit.stop_id}


def _readable(visit, name):
    value = getattr(visit, name)
    if value in (None, ""):
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if Visit._meta.get_field(name).choices:
        return str(getattr(visit, f"get_{name}_display")())
    return str(value)
