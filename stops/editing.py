"""Edits of the schedule. Each one records, in the same transaction, what it changed.

An edit is a function that saves or deletes schedule rows (a slot, a closure, an
extra opening, a stop's holiday rules). `edit_schedule()` runs it between two
readings of the schedule engine and writes a `ScheduleChange` per stop whose
openings of the coming year changed; subscribers are told after commit.
`preview()` runs it the same way inside a transaction it rolls back.
"""

import datetime
from collections import defaultdict
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mairie_mobile import audit
from stops import caching, ics, schedule, tasks
from stops.models import Closure, ClosureReason, ScheduleChange, Stop

# How far ahead a change is recorded (the calendar feeds' reach) and previewed.
HORIZON_DAYS = ics.FUTURE_DAYS
PREVIEW_WEEKS = 8


class Effect(NamedTuple):
    """Openings an edit cancels and adds, by date."""

    cancelled: list
    added: list

    def __bool__(self):
        return bool(self.cancelled or self.added)


def edit_schedule(stops, apply, *, user, description, username=""):
    """Run `apply()` and record what it changed for `stops`; returns what `apply()` returns.

    `stops` may be a function giving them, called before and after `apply()` (for
    stops that `apply()` creates). `username` names the author in the audit journal
    when there is no `user` (a command).
    """
    now = timezone.now()
    end = timezone.localdate(now) + datetime.timedelta(days=HORIZON_DAYS)
    with transaction.atomic():
        before = _open_openings(_fresh(stops), now, end)
        result = apply()
        caching.schedule_changed()  # whatever apply() wrote, bulk writes (no signals) included
        stops = _fresh(stops)
        after = _open_openings(stops, now, end)
        if _record(stops, before, after, user, description):
            transaction.on_commit(tasks.dispatch_soon, robust=True)
        organisations = {stop.organisation for stop in stops}
        audit.record(audit.Action.SCHEDULE_EDIT, description, user=user, username=username, organisations=organisations)
    return result


def preview(stops, apply, weeks=PREVIEW_WEEKS):
    """What `apply()` would cancel and add over the coming weeks; nothing is saved."""
    now = timezone.now()
    end = timezone.localdate(now) + datetime.timedelta(weeks=weeks)
    with transaction.atomic():
        before = _open_openings(_fresh(stops), now, end)
        apply()
        after = _open_openings(_fresh(stops), now, end)
        transaction.set_rollback(True)
    return _effect(before, after)


def cancellation(stop, day, reason_kind=ClosureReason.BREAKDOWN, reason=""):
    """The closure that cancels what remains of one day of a stop ("Bus en panne demain")."""
    return Closure(stop=stop, first_day=day, last_day=day, reason_kind=reason_kind, reason=reason)


def cancel_opening(stop, day, reason_kind, reason, user):
    """Cancel what remains of one day of a stop: its openings not yet over."""
    closure = cancellation(stop, day, reason_kind, reason)
    description = _("Ouverture annulée : %(label)s") % {"label": closure}
    edit_schedule([stop], closure.save, user=user, description=description)
    return closure


def cancellation_preview(stop, day):
    """What cancelling `day` would change, however far ahead it is."""
    weeks = max(PREVIEW_WEEKS, (day - timezone.localdate()).days // 7 + 1)
    return preview([stop], cancellation(stop, day).save, weeks=weeks)


def affected_stops(stop, organisation=None):
    """The stops an edit may change: `stop`, or without one every stop of `organisation`, or
    without either every stop of the country."""
    if stop:
        return [stop]
    stops = Stop.objects.active()
    return list(stops.filter(organisation=organisation) if organisation else stops)


def _fresh(stops):
    """The stops as the database has them now (a form may have changed the instances already)."""
    stops = stops() if callable(stops) else stops
    return list(Stop.objects.filter(pk__in=[stop.pk for stop in stops]).select_related("organisation"))


def _open_openings(stops, now, end):
    """The openings residents see and may still come to: those of active stops, open, not over at `now`."""
    openings = schedule.openings(timezone.localdate(now), end, stops)
    return {(o.stop.pk, o.date, o.start, o.end): o for o in openings if o.stop.active and o.is_to_come(now)}


def _effect(before, after):
    def by_date(openings):
        return sorted(openings, key=lambda o: (o.date, o.start, o.stop.name))

    return Effect(
        cancelled=by_date(before[key] for key in before.keys() - after.keys()),
        added=by_date(after[key] for key in after.keys() - before.keys()),
    )


def _record(stops, before, after, user, description):
    """A ScheduleChange for each stop whose openings changed (an edit without effect leaves no trace)."""
    effect = _effect(before, after)
    now = timezone.now()
    cancelled, added = defaultdict(list), defaultdict(list)
    for openings, by_stop in ((effect.cancelled, cancelled), (effect.added, added)):
        for opening in openings:
            by_stop[opening.stop.pk].append(_as_json(opening))
    changes = []
    for stop in stops:
        if cancelled[stop.pk] or added[stop.pk]:
            changes.append(
                ScheduleChange(
                    stop=stop,
                    description=description,
                    cancelled=cancelled[stop.pk],
                    added=added[stop.pk],
                    changed_by=user,
                    created_at=now,
                )
            )
    return ScheduleChange.objects.bulk_create(changes)


def _as_json(opening):
    return {"date": opening.date.isoformat(), "start": f"{opening.start:%H:%M}", "end": f"{opening.end:%H:%M}"}
