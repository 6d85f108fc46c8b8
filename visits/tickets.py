"""A visitor's ticket: the page at /ticket/<code>/ that follows their place in the queue.

The code is given at the pré-accueil (visits.intake.new_ticket_code); the page is valid
until the end of the visit's service day. It shows counts only: the number, the people
before, the estimated wait (visits.queue, stops.live.estimated_wait), never a name, a
reason or a note.
"""

from typing import NamedTuple

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from stops import live
from visits import queue
from visits.models import Visit


class TicketState(NamedTuple):
    number: int
    stage: str  # waiting, your_turn, finished (Visit.ticket_stage)
    ahead: int | None = None
    wait_minutes: int | None = None


def of_code(code):
    """The visit of ticket `code`, or None."""
    return Visit.objects.select_related("stop").filter(ticket_code=code).first()


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
