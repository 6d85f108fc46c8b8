"""The visitor's ticket page (/ticket/<code>/): their place in the queue, for the day."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe
from django_ratelimit.core import is_ratelimited

from visits import tickets

# Codes that lead nowhere, per address IP: a ticket's holder never types one, so a few are plenty.
TICKET_GUESSES_PER_HOUR = "30/h"
# htmx stops polling on this status: the ticket's page will not change any more.
STOP_POLLING = 286


@require_safe
def ticket(request, code):
    return _ticket(request, code, fragment=False)


@require_safe
def ticket_state(request, code):
    """The part of the ticket's page that htmx asks for again and again."""
    return _ticket(request, code, fragment=True)


def _ticket(request, code, fragment):
    if _guesses(request, count=False):
        return _too_many_guesses(request)
    visit = tickets.of_code(code)
    if visit is None:
        if _guesses(request, count=True):
            return _too_many_guesses(request)
        raise Http404
    if visit.ticket_expired():
        template = "public/_ticket_state.html" if fragment else "public/ticket_unavailable.html"
        status = STOP_POLLING if fragment else 410
        return _private(render(request, template, {"stop": visit.stop, "expired": True}, status=status))
    state = tickets.state(visit)
    context = {"visit": visit, "stop": visit.stop, "state": state, "refresh_seconds": settings.LIVE_REFRESH_SECONDS}
    template = "public/_ticket_state.html" if fragment else "public/ticket.html"
    status = STOP_POLLING if fragment and state.stage == "finished" else 200
    return _private(render(request, template, context, status=status))


def _too_many_guesses(request):
    return _private(render(request, "public/ticket_unavailable.html", {"limited": True}, status=429))


def _guesses(request, count):
    """Whether this address guessed too many codes; `count`: one more guess."""
    return is_ratelimited(request, group="ticket-guesses", key="ip", rate=TICKET_GUESSES_PER_HOUR, increment=count)


def _private(response):
    """A ticket's page is its holder's alone: kept nowhere, indexed by no search engine, and its
    address (the code) not passed on to the sites it links to."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
