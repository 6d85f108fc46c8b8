"""A visitor's ticket: the page at /ticket/<code>/ that follows their place in the queue.

The code is given at the pré-accueil (visits.intake.new_ticket_code); the page is valid
until the end of the visit's service day. It shows counts only: the number, the people
before, the estimated wait (visits.queue, stops.live.estimated_wait), never a name, a
reason or a note.

A visitor may also ask there for an SMS when ALERT_AHEAD people are left before them, to
wait elsewhere than on the pavement. The number is kept for that SMS alone: erased when it
leaves, when the visitor is received before it is due, and at the latest once the service
day is over (`forget_alerts`). The SMS is sent once at most, within the organisation's
monthly budget; should the provider fail, it is not tried again (by then it would come too
late), and the ticket's page goes on saying how many are left.

The page and the part of it htmx asks for every 30 s are cached answers (stops.caching), per
code, language and day, computed again as soon as the ticket's stop's queue moves
(stops.live.queue_changed: every transition of the intake) or the ticket's own alert or
opinion changes (`changed`). A page that shows an alert to come is not kept: it carries the
visitor's number, even masked.
"""

import logging
from typing import NamedTuple

import segno
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from mairie_mobile import sms
from stops import live, notifications
from stops.models import SmsSent, Stop
from visits import queue
from visits.models import Status, TicketAlert, Visit

log = logging.getLogger(__name__)

# An SMS when this many people, or fewer, are left before the visitor.
ALERT_AHEAD = 2


class TicketState(NamedTuple):
    number: int
    stage: str  # waiting, your_turn, finished (Visit.ticket_stage)
    ahead: int | None = None
    wait_minutes: int | None = None


# The stop of each ticket code this process has met: a visit never changes stop, so a cached
# page of the ticket is found without a query. Forgotten past this many codes.
KNOWN_CODES = 10_000
_stop_of_code = {}


def of_code(code):
    """The visit of ticket `code`, or None."""
    visit = Visit.objects.select_related("stop").filter(ticket_code=code).first()
    if visit is not None:
        if len(_stop_of_code) >= KNOWN_CODES:
            _stop_of_code.clear()
        _stop_of_code[code] = visit.stop_id
    return visit


def version_keys(request):
    """The live versions a ticket's cached answer depends on (stops.caching.cached): its stop's
    queue. A code this process has not met yet is looked up here, and the visit kept on the
    request for the view (`of_request`): one query, as without the cache."""
    code = request.resolver_match.kwargs["code"]
    if code not in _stop_of_code:
        request.ticket_visit = of_code(code)
        if request.ticket_visit is None:
            return []  # a 404: never cached
    return [live.QUEUE_VERSION_KEY.format(pk=_stop_of_code[code])]


def of_request(request, code):
    """The visit of ticket `code`, or None: as `version_keys` found it, or from the database."""
    if hasattr(request, "ticket_visit"):
        return request.ticket_visit
    return of_code(code)


def changed(visit):
    """The ticket's own data changed (its SMS alert, its opinion): its cached pages are
    computed again, with its stop's other live answers."""
    live.queue_changed(visit.stop)


def state(visit):
    """What the ticket page says now: three queries at most while waiting, none after."""
    stage = visit.ticket_stage
    if stage != "waiting":
        return TicketState(visit.ticket, stage)
    ahead = queue.ahead_of(visit)
    estimate = live.estimated_wait(ahead, queue.minutes_per_person(visit.stop, visit.service_day))
    return TicketState(visit.ticket, stage, ahead, estimate)


def url_of(visit):
    return settings.SITE_URL + reverse("tickets:ticket", args=[visit.ticket_code])


def qr_svg(visit):
    """The ticket page's address as a QR code, an inline SVG drawn on the server."""
    title = _("Code QR du ticket n° %(ticket)s") % {"ticket": visit.ticket}
    svg = segno.make(url_of(visit), error="m").svg_inline(scale=4, title=escape(title), svgclass="ticket-qr")
    return mark_safe(svg)  # drawn by segno from our own address, the title escaped


def alert_offered(visit, state):
    """Whether the ticket's page offers the SMS: SMS can be sent, and the visitor has more than
    ALERT_AHEAD people before them (with fewer, the SMS would come as soon as asked)."""
    return bool(settings.SMS_URL) and state.stage == "waiting" and state.ahead > ALERT_AHEAD


def alert_of(visit):
    """The visitor's SMS alert still to come, or None."""
    return TicketAlert.objects.filter(visit=visit, sent_at=None).exclude(phone="").first()


def ask_alert(visit, phone, now=None):
    """Remember `phone` (E.164) for the SMS of `visit`, to be written in the language of the moment
    (the page's); asked again, the new number replaces it."""
    asked = {"phone": phone, "asked_at": now or timezone.now(), "sent_at": None, "language": translation.get_language()}
    try:
        with transaction.atomic():
            TicketAlert.objects.update_or_create(visit=visit, defaults=asked)
    except IntegrityError:  # the same form posted twice at once: the first one is kept
        pass
    changed(visit)


def cancel_alert(visit):
    """The visitor no longer wants the SMS: their number is erased."""
    TicketAlert.objects.filter(visit=visit).delete()
    changed(visit)


def send_due_alerts(stop, day, now=None):
    """Send the SMS of the visitors of `stop` on `day` who have ALERT_AHEAD people or fewer before
    them, and erase the numbers of those received meanwhile; returns how many SMS left."""
    pending = TicketAlert.objects.filter(visit__stop=stop, visit__service_day=day, sent_at=None).exclude(phone="")
    if not settings.SMS_URL:  # SMS turned off since they asked: their numbers serve no more
        pending.delete()
        return 0
    alerts = list(pending.select_related("visit__stop__organisation"))
    if not alerts:
        return 0
    waiting = queue.waiting_tickets(stop, day)
    sent = 0
    for alert in alerts:
        if alert.visit.status != Status.WAITING:
            TicketAlert.objects.filter(pk=alert.pk).delete()  # received, or gone: no SMS
            continue
        ahead = queue.ahead_in(waiting, alert.visit.ticket)
        if ahead > ALERT_AHEAD:
            continue
        # Taken by one sender only, and the number erased in the same statement.
        if not TicketAlert.objects.filter(pk=alert.pk, sent_at=None).update(sent_at=now or timezone.now(), phone=""):
            continue
        sent += _send_alert(alert, ahead, now)
    return sent


def alert_text(visit, ahead):
    """The SMS of `visit` with `ahead` people before it, in one segment."""
    back = _("Revenez à la permanence") if visit.stop.kind == "permanence" else _("Revenez au bus")
    context = {"ticket": visit.ticket, "ahead": ahead, "back": back}
    parts = {"sender": visit.stop.organisation.sender, "stop": notifications.short_name(visit.stop)}
    return notifications.sms_text("ticket_soon", context, parts)


def _send_alert(alert, ahead, now):
    visit = alert.visit
    try:
        with translation.override(alert.language):
            text = alert_text(visit, ahead)
            notifications.send_text(visit.stop.organisation, alert.phone, text, kind=SmsSent.Kind.TICKET, now=now)
    except (notifications.OverBudget, sms.SendingFailed) as error:
        log.warning("ticket SMS not sent", extra={"stop": visit.stop.slug, "error": type(error).__name__})
        return 0
    return 1


def stops_with_alerts(day):
    """The stops where some visitor of `day` waits for their SMS."""
    pending = TicketAlert.objects.filter(visit__service_day=day, sent_at=None).exclude(phone="")
    return Stop.objects.filter(pk__in=pending.values("visit__stop"))


def forget_alerts(today):
    """Erase the alerts of the service days before `today`: their numbers with them."""
    deleted, _by_model = TicketAlert.objects.filter(visit__service_day__lt=today).delete()
    return deleted
