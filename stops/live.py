"""Is the bus here now? The live status of a stop today.

The day's openings come from the schedule engine (stops.schedule); what the agents said
("Le bus est arrivé", "Le bus repart") is a `LiveDay`; the queue's figures (people
waiting, minutes per person) come from the function `settings.LIVE_QUEUE_FIGURES` names:
stops does not import visits. The rules, in order:

- no opening today: closed;
- every opening of the day cancelled: cancelled, with the reason;
- every open opening of the day over: gone, whatever was clicked;
- the agents said the bus arrived and it has not left since: here, until the end of the
  opening in progress (or of the next one, when it came early), with the queue's figures;
- otherwise not arrived yet, with the start of the next opening: after "Le bus repart",
  the next opening starting after that moment (the afternoon of a day with two); none: gone.

Counts only, nothing about a person. Every public answer that shows a status is cached per
minute and keyed on versions kept in the cache (`version_keys`): the stop's own, moved on by
its queue and its marks (`queue_changed`, `arrive`, `leave`), and for the lists of stops the
marks' of every stop. A list's cards give the queues' figures as they were in that minute:
a queue's change anywhere does not compute every list again.
"""

import datetime
import re
import time
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from mairie_mobile import audit
from stops import schedule, wording
from stops.models import LiveDay

NOT_ARRIVED = "not_arrived"
HERE = "here"
GONE = "gone"
CANCELLED = "cancelled"
CLOSED = "closed"
STATES = (NOT_ARRIVED, HERE, GONE, CANCELLED, CLOSED)

# Moved on by every change of a stop's queue or marks: its status answers are computed again.
STOP_VERSION_KEY = "live-version:{slug}"
# Moved on by every change of a stop's queue, named by the stop's id rather than its slug, which
# a coordinator may change: for the answers that know their stop without its address (a ticket's).
QUEUE_VERSION_KEY = "queue-version:{pk}"
# Moved on by every mark of any stop: the timetable's and the organisations' stop cards.
MARKS_VERSION_KEY = "live-marks-version"
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


class LiveError(Exception):
    """A mark that cannot be made; the message is for the agent."""


class LiveStatus(NamedTuple):
    state: str
    day: datetime.date
    # Not arrived: the start expected. Here: the end of the opening.
    starts: datetime.time | None = None
    until: datetime.time | None = None
    reason: str | None = None
    # Here, when the queue's figures were asked for: people waiting, and the wait of someone
    # arriving now in minutes (a multiple of 5; 0: no wait), None without enough data.
    waiting: int | None = None
    wait_minutes: int | None = None
    is_bus: bool = True

    @property
    def sentence(self):
        """The status in one plain-French sentence."""
        what = self._sentences()[self.state]
        if self.state == HERE and self.waiting is not None:
            what += " — " + waiting_sentence(self.waiting)
            if self.wait_minutes is not None:
                what += " — " + wait_sentence(self.wait_minutes)
        return what

    def _sentences(self):
        starts = wording.format_time(self.starts) if self.starts else ""
        until = wording.format_time(self.until) if self.until else ""
        reason = _lower_first(self.reason or "")
        if self.is_bus:
            return {
                NOT_ARRIVED: _("Ouverture prévue à %(time)s : le bus n'est pas encore arrivé") % {"time": starts},
                HERE: _("Le bus est là jusqu'à %(time)s") % {"time": until},
                GONE: _("Le bus est reparti"),
                CANCELLED: _("Annulé aujourd'hui : %(reason)s") % {"reason": reason},
                CLOSED: _("Pas d'ouverture aujourd'hui"),
            }
        return {
            NOT_ARRIVED: _("Ouverture prévue à %(time)s : l'équipe n'est pas encore arrivée") % {"time": starts},
            HERE: _("L'équipe est là jusqu'à %(time)s") % {"time": until},
            GONE: _("L'équipe est repartie"),
            CANCELLED: _("Annulé aujourd'hui : %(reason)s") % {"reason": reason},
            CLOSED: _("Pas d'ouverture aujourd'hui"),
        }

    @property
    def easy_read(self):
        """The status in short sentences, one idea each, for the easy-to-read page of a stop: the
        same for a bus and a permanence, « la Mairie mobile » both."""
        if self.state == NOT_ARRIVED:
            return [_("Aujourd'hui, la Mairie mobile ouvre à %(time)s.") % {"time": wording.spoken_time(self.starts)}]
        if self.state == HERE:
            return [
                _("La Mairie mobile est là maintenant."),
                _("Elle ferme à %(time)s.") % {"time": wording.spoken_time(self.until)},
            ]
        if self.state == GONE:
            return [_("Aujourd'hui, la Mairie mobile est déjà partie.")]
        if self.state == CANCELLED:
            return [
                _("Aujourd'hui, la Mairie mobile ne vient pas."),
                _("Pourquoi ? %(reason)s") % {"reason": self.reason},
            ]
        return [_("Aujourd'hui, la Mairie mobile ne vient pas.")]


def _lower_first(text):
    """« Bus en panne » → « bus en panne », inside a sentence; « CAF fermée » stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def waiting_sentence(count):
    if count == 0:
        return _("personne n'attend")
    if count == 1:
        return _("1 personne attend")
    return _("%(count)s personnes attendent") % {"count": count}


def wait_sentence(minutes):
    if minutes == 0:
        return _("pas d'attente")
    return _("attente estimée : environ %(minutes)s min") % {"minutes": minutes}


def estimated_wait(people, minutes_per_person):
    """The wait of someone with `people` before them, rounded to the nearest 5 minutes (at
    least 5 when someone is before them); none before them, no wait; None without an
    estimate per person."""
    if people == 0:
        return 0
    if minutes_per_person is None:
        return None
    return max(5, 5 * round(people * minutes_per_person / 5))


def queue_figures(stops, day):
    """{stop id: (people waiting, minutes per person or None)} at `stops` on `day`, from the intake,
    in a number of queries that does not grow with the stops."""
    return import_string(settings.LIVE_QUEUE_FIGURES)(stops, day)


def with_figures(found, figures):
    waiting, per_person = figures
    return found._replace(waiting=waiting, wait_minutes=estimated_wait(waiting, per_person))


def status(stop, now=None):
    """The LiveStatus of `stop` at `now`, with the queue's figures when the bus is here."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    mark = LiveDay.objects.filter(stop=stop, day=today).first()
    found = status_from(stop, schedule.openings(today, today, [stop]), mark, now)
    if found.state != HERE:
        return found
    return with_figures(found, queue_figures([stop], today)[stop.pk])


def statuses(stops, openings, now):
    """{stop id: LiveStatus} of `stops` at `now`, from their `openings` (today's at least, as the
    engine gives them): one query, and two more for the queues' figures when a bus is here."""
    today = timezone.localdate(now)
    marks = {mark.stop_id: mark for mark in LiveDay.objects.filter(stop__in=[stop.pk for stop in stops], day=today)}
    of_today = {stop.pk: [] for stop in stops}
    for opening in openings:
        if opening.date == today:
            of_today[opening.stop.pk].append(opening)
    found = {stop.pk: status_from(stop, of_today[stop.pk], marks.get(stop.pk), now) for stop in stops}
    here = [stop for stop in stops if found[stop.pk].state == HERE]
    if here:
        for pk, figures in queue_figures(here, today).items():
            found[pk] = with_figures(found[pk], figures)
    return found


def status_from(stop, day_openings, mark, now):
    """The rules above, from the day's openings of `stop` and the agents' `mark` (or None)."""
    today = timezone.localdate(now)
    found = LiveStatus(CLOSED, today, is_bus=stop.kind == "bus")
    if not day_openings:
        return found
    open_ones = [opening for opening in day_openings if opening.is_open]
    if not open_ones:
        return found._replace(state=CANCELLED, reason=day_openings[0].reason)
    remaining = [opening for opening in open_ones if not opening.has_ended(now)]
    if not remaining:
        return found._replace(state=GONE)
    if mark is not None and mark.is_here:
        return found._replace(state=HERE, until=remaining[0].end)
    if mark is not None and mark.left_at is not None:
        remaining = [opening for opening in remaining if opening.starts_at > mark.left_at]
    if not remaining:
        return found._replace(state=GONE)
    return found._replace(state=NOT_ARRIVED, starts=remaining[0].start)


def arrive(stop, agent):
    """ "Le bus est arrivé": the day's opening has begun. Again after "Le bus repart": the next one."""
    now = timezone.now()
    today = timezone.localdate(now)
    if not any(opening.is_to_come(now) for opening in schedule.openings(today, today, [stop])):
        raise LiveError(_("Aucune ouverture de cet arrêt n'est prévue pour le reste de la journée."))
    with transaction.atomic():
        mark, _created = LiveDay.objects.select_for_update().get_or_create(stop=stop, day=today)
        if mark.is_here:
            return mark  # a double click, or a colleague's click a moment before
        mark.arrived_at, mark.arrived_by, mark.left_at, mark.left_by = now, agent, None, None
        mark.save()
        audit.record(audit.Action.BUS_LIVE, _("Bus arrivé : %(stop)s") % {"stop": stop.name}, user=agent)
    marks_changed(stop)
    return mark


def leave(stop, agent):
    """ "Le bus repart": the opening is over for the residents."""
    now = timezone.now()
    with transaction.atomic():
        mark = LiveDay.objects.select_for_update().filter(stop=stop, day=timezone.localdate(now)).first()
        if mark is None or mark.arrived_at is None:
            raise LiveError(_("Le bus n'a pas été indiqué comme arrivé aujourd'hui."))
        if not mark.is_here:
            return mark  # already said
        mark.left_at, mark.left_by = now, agent
        mark.save()
        audit.record(audit.Action.BUS_LIVE, _("Bus reparti : %(stop)s") % {"stop": stop.name}, user=agent)
    marks_changed(stop)
    return mark


# Versions of the cached answers ---------------------------------------------------------


def queue_changed(stop):
    """Called by the intake on every move of a visit: the stop's status answers, and its visitors' ticket
    pages, are computed again."""
    _bump_now_and_on_commit(STOP_VERSION_KEY.format(slug=stop.slug))
    _bump_now_and_on_commit(QUEUE_VERSION_KEY.format(pk=stop.pk))


def marks_changed(stop):
    _bump_now_and_on_commit(STOP_VERSION_KEY.format(slug=stop.slug))
    _bump_now_and_on_commit(MARKS_VERSION_KEY)


def stop_version_keys(request):
    """The versions a cached answer about one stop (`slug` in its address) depends on. An
    address that names no possible stop depends on none: it is a 404, never cached."""
    slug = request.resolver_match.kwargs.get("slug", "")
    return [STOP_VERSION_KEY.format(slug=slug)] if SLUG.fullmatch(slug) else []


def marks_version_keys(request):
    """The versions a cached list of stop cards depends on."""
    return [MARKS_VERSION_KEY]


def _bump_now_and_on_commit(key):
    """Now, and once committed: an answer computed meanwhile from the old data is not kept."""
    _bump(key)
    transaction.on_commit(lambda: _bump(key), robust=True)


def _bump(key):
    try:
        cache.incr(key)
    except ValueError:  # no version yet (or no cache): a new one, never an old one
        cache.add(key, time.time_ns(), timeout=None)
