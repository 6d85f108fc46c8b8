"""The visitor's ticket page (/ticket/<code>/): their place in the queue, for the day."""

from django.conf import settings
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from visits import tickets
from visits.forms import TicketAlertForm

# Codes that lead nowhere, per address IP: a ticket's holder never types one, so a few are plenty.
TICKET_GUESSES_PER_HOUR = "30/h"
# Numbers given for a ticket's SMS, per address IP: a bus's worth of visitors sharing one wifi.
ALERTS_PER_HOUR = "30/h"
# htmx stops polling on this status: the ticket's page will not change any more.
STOP_POLLING = 286


@require_safe
def ticket(request, code):
    return _ticket(request, code, fragment=False)


@require_safe
def ticket_state(request, code):
    """The part of the ticket's page that htmx asks for again and again."""
    return _ticket(request, code, fragment=True)


def _visit_or_answer(request, code, fragment=False):
    """(the visit of ticket `code`, None), or (None, the answer instead): too many guesses from
    this address (429), a ticket of a day over (410; for htmx, the status that stops it asking).
    An unknown code is a 404, and counts as a guess."""
    if _guesses(request, count=False):
        return None, _too_many_guesses(request)
    visit = tickets.of_code(code)
    if visit is None:
        if _guesses(request, count=True):
            return None, _too_many_guesses(request)
        raise Http404
    if visit.ticket_expired():
        template = "public/_ticket_state.html" if fragment else "public/ticket_unavailable.html"
        status = STOP_POLLING if fragment else 410
        return None, _private(render(request, template, {"stop": visit.stop, "expired": True}, status=status))
    return visit, None


def _ticket(request, code, fragment):
    visit, answer = _visit_or_answer(request, code, fragment)
    if answer:
        return answer
    state = tickets.state(visit)
    if fragment:
        status = STOP_POLLING if state.stage == "finished" else 200
        return _private(render(request, "public/_ticket_state.html", {"visit": visit, "state": state}, status=status))
    return _ticket_page(request, visit, state)


def _ticket_page(request, visit, state, form=None, status=200):
    context = {
        "visit": visit,
        "stop": visit.stop,
        "state": state,
        "refresh_seconds": settings.LIVE_REFRESH_SECONDS,
        "alert": tickets.alert_of(visit) if settings.SMS_URL else None,
        "alert_ahead": tickets.ALERT_AHEAD,
    }
    if not context["alert"] and tickets.alert_offered(visit, state):
        context["alert_form"] = form or TicketAlertForm()
    return _private(render(request, "public/ticket.html", context, status=status))


@ratelimit(key="ip", rate=ALERTS_PER_HOUR, method="POST", block=False)
def ticket_alert(request, code):
    """Ask for an SMS when one's turn is near, or no longer (`action=cancel`)."""
    if request.method != "POST":
        return _private(HttpResponseNotAllowed(["POST"]))
    visit, answer = _visit_or_answer(request, code)
    if answer:
        return answer
    if request.POST.get("action") == "cancel":
        tickets.cancel_alert(visit)
        return redirect("tickets:ticket", code)
    state = tickets.state(visit)
    if not tickets.alert_offered(visit, state):  # their turn came meanwhile: the page says so
        return redirect("tickets:ticket", code)
    form = TicketAlertForm(request.POST)
    if getattr(request, "limited", False):
        form.add_error(None, _("Trop de numéros ont été donnés depuis cette connexion. Réessayez dans une heure."))
        return _ticket_page(request, visit, state, form, status=429)
    if not form.is_valid():
        return _ticket_page(request, visit, state, form, status=400)
    tickets.ask_alert(visit, form.cleaned_data["phone"])
    return redirect("tickets:ticket", code)


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
    # The site's own policy, same-origin, already gives its address to no other site. Not
    # no-referrer: the browser would then send its forms with "Origin: null", which Django's
    # CSRF check refuses, as it must.
    return response
