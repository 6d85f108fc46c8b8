"""The visitor's ticket page (/ticket/<code>/): their place in the queue, for the day, and their
opinion once the visit is over; the service commitments, published with their results."""

import ipaddress
import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_ratelimit.decorators import ratelimit

from organisations.models import Organisation
from stops import opening_counts
from stops.caching import cached
from visits import charts, feedback, quality, tickets
from visits.forms import TicketAlertForm, TicketFeedbackForm
from visits.models import Feedback

# Codes that lead nowhere, per address IP and hour: a ticket's holder never types one, so a few are plenty.
TICKET_GUESSES_PER_HOUR = 30
# Numbers given for a ticket's SMS, per address IP: a bus's worth of visitors sharing one wifi.
ALERTS_PER_HOUR = "30/h"
# Opinions given, per address IP: one per ticket, a bus's worth of visitors sharing one wifi.
OPINIONS_PER_HOUR = "30/h"
# htmx stops polling on this status: the ticket's page will not change any more.
STOP_POLLING = 286


def _ticket_answers(view):
    """A ticket's page, or its part htmx asks for: none to an address that guessed too many
    codes, and each answer kept nowhere but in the app's own cache (`_private`)."""

    @wraps(view)
    def answer(request, code):
        if _guesses(request, count=False):
            return _too_many_guesses(request)
        return _private(view(request, code))

    return answer


def _cached_ticket_answer(request, response):
    """What `_ticket_answers` does to a ticket's answer that the cache's middleware serves
    before the view: kept private; to an address that guessed too many codes, left to the view,
    which refuses it."""
    return None if _guesses(request, count=False) else _private(response)


# Cached per day: the page shows no time that moves but the day's end, when the ticket expires.
@require_safe
@_ticket_answers
@cached(per="day", live=tickets.version_keys, early=_cached_ticket_answer)
def ticket(request, code):
    return _ticket(request, code, fragment=False)


@require_safe
@_ticket_answers
@cached(per="day", live=tickets.version_keys, early=_cached_ticket_answer)
def ticket_state(request, code):
    """The part of the ticket's page that htmx asks for again and again."""
    return _ticket(request, code, fragment=True)


def _visit_or_answer(request, code, fragment=False):
    """(the visit of ticket `code`, None), or (None, the answer instead): a ticket of a day over
    (410; for htmx, the status that stops it asking). An unknown code is a 404, and counts as
    a guess (429 past the limit)."""
    visit = tickets.of_request(request, code)
    if visit is None:
        if _guesses(request, count=True):
            return None, _too_many_guesses(request)
        raise Http404
    if visit.ticket_expired():
        template = "public/_ticket_state.html" if fragment else "public/ticket_unavailable.html"
        status = STOP_POLLING if fragment else 410
        return None, render(request, template, {"stop": visit.stop, "expired": True}, status=status)
    return visit, None


def _ticket(request, code, fragment):
    visit, answer = _visit_or_answer(request, code, fragment)
    if answer:
        return answer
    state = tickets.state(visit)
    if fragment:
        status = STOP_POLLING if state.stage == "finished" else 200
        # The form is not in the part htmx replaces: once the visit is over, a button reloads the page.
        context = {"visit": visit, "state": state, "offer_feedback": feedback.may_give_on_ticket(visit)}
        return render(request, "public/_ticket_state.html", context, status=status)
    return _ticket_page(request, visit, state)


def _ticket_page(request, visit, state, form=None, status=200, feedback_form=None, feedback_message=""):
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
    if feedback.may_give_on_ticket(visit):
        context["feedback_form"] = feedback_form or _feedback_form(visit)
    context["feedback_message"] = feedback_message
    response = render(request, "public/ticket.html", context, status=status)
    if context["alert"]:  # the visitor's number, even masked, is kept in no cache
        add_never_cache_headers(response)
    return response


def _ticket_form(view):
    """A form of a ticket's page: posted only, to the ticket of a day not over; `view` gets the visit."""

    @wraps(view)
    def guarded(request, code):
        if request.method != "POST":
            return _private(HttpResponseNotAllowed(["POST"]))
        if _guesses(request, count=False):
            return _too_many_guesses(request)
        visit, answer = _visit_or_answer(request, code)
        return _private(answer or view(request, visit))

    return guarded


@ratelimit(key="ip", rate=ALERTS_PER_HOUR, method="POST", block=False)
@_ticket_form
def ticket_alert(request, visit):
    """Ask for an SMS when one's turn is near, or no longer (`action=cancel`)."""
    if request.POST.get("action") == "cancel":
        tickets.cancel_alert(visit)
        return redirect("tickets:ticket", visit.ticket_code)
    state = tickets.state(visit)
    if not tickets.alert_offered(visit, state):  # their turn came meanwhile: the page says so
        return redirect("tickets:ticket", visit.ticket_code)
    form = TicketAlertForm(request.POST)
    if getattr(request, "limited", False):
        form.add_error(None, _("Trop de numéros ont été donnés depuis cette connexion. Réessayez dans une heure."))
        return _ticket_page(request, visit, state, form, status=429)
    if not form.is_valid():
        return _ticket_page(request, visit, state, form, status=400)
    tickets.ask_alert(visit, form.cleaned_data["phone"])
    return redirect("tickets:ticket", visit.ticket_code)


@ratelimit(key="ip", rate=OPINIONS_PER_HOUR, method="POST", block=False)
@_ticket_form
def ticket_feedback(request, visit):
    """The visitor's opinion, once their visit is over; once per ticket."""
    state = tickets.state(visit)
    form = _feedback_form(visit, request.POST)
    if getattr(request, "limited", False):
        form.add_error(None, _("Trop d'avis ont été donnés depuis cette connexion. Réessayez dans une heure."))
        return _ticket_page(request, visit, state, feedback_form=form, status=429)
    if not form.is_valid():
        return _ticket_page(request, visit, state, feedback_form=form, status=400)
    try:
        feedback.give_on_ticket(visit, form.cleaned_data)
    except feedback.FeedbackRefused as refusal:
        return _ticket_page(request, visit, state, feedback_message=str(refusal), status=409)
    return redirect(reverse("tickets:ticket", args=[visit.ticket_code]) + "#avis")


def _feedback_form(visit, data=None):
    return TicketFeedbackForm(data, asks_whether_answered=feedback.asks_whether_answered(visit))


def _too_many_guesses(request):
    return _private(render(request, "public/ticket_unavailable.html", {"limited": True}, status=429))


def _guesses(request, count):
    """Whether this address guessed too many codes this hour; `count`: one more guess. Every
    answer about a ticket asks first, cached or not: one read of the cache (django-ratelimit's
    own check would write then read)."""
    counter = caches[settings.RATELIMIT_USE_CACHE]
    key = f"ticket-guesses:{_address(request)}:{int(time.time() // 3600)}"
    if not count:
        return (counter.get(key) or 0) > TICKET_GUESSES_PER_HOUR
    if counter.add(key, 1, timeout=3600 + 60):
        return False  # the hour's first
    try:
        return counter.incr(key) > TICKET_GUESSES_PER_HOUR
    except ValueError:  # the hour's count lapsed meanwhile
        return False


def _address(request):
    """The address of a request as django-ratelimit's `ip` key counts it: an IPv6 one by its /64."""
    address = request.META["REMOTE_ADDR"]
    return str(ipaddress.ip_network(f"{address}/{64 if ':' in address else 32}", strict=False).network_address)


def _private(response):
    """A ticket's page is its holder's alone: kept nowhere, indexed by no search engine, and its
    address (the code) not passed on to the sites it links to."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The site's own policy, same-origin, already gives its address to no other site. Not
    # no-referrer: the browser would then send its forms with "Origin: null", which Django's
    # CSRF check refuses, as it must.
    return response


# The service commitments, published ------------------------------------------------------------

# The results of this many months are published, up to the last month over.
PUBLISHED_MONTHS = 12
PUBLISHED_NOTES = 20


@require_safe
def organisation_commitments(request, slug):
    """An organisation's commitments and their results month by month (visits.quality), with what
    it changed thanks to the visitors' opinions."""
    organisation = get_object_or_404(Organisation.objects.active(), slug=slug)
    commitments = quality.commitments_of(organisation)
    context = _commitments_page([organisation], commitments) | {"organisation": organisation}
    return render(request, "quality/commitments.html", context)


@require_safe
def service_commitments(request):
    """The whole service's results, measured against the default commitments, and every organisation's page."""
    context = _commitments_page(None, quality.default_commitments())
    context["organisations"] = Organisation.objects.active().order_by("name")
    return render(request, "quality/commitments.html", context)


def _commitments_page(organisations, commitments):
    last = opening_counts.previous_month(timezone.localdate())
    first = opening_counts.months_before(last, PUBLISHED_MONTHS - 1)
    # Measured with the defaults when none is chosen, for the number of opinions.
    figures = quality.published(organisations, first, last, commitments or quality.default_commitments())
    notes = Feedback.objects.published_notes().select_related("stop")
    if organisations is not None:
        notes = notes.filter(stop__organisation__in=organisations)
    return {
        "first": first,
        "last": last,
        "results": [
            _results(commitment, index, figures.months, figures.overall[index])
            for index, commitment in enumerate(commitments)
        ],
        "opinions": figures.opinions,
        "notes": notes[:PUBLISHED_NOTES],
    }


def _results(commitment, index, by_month, overall):
    """A commitment, its measure over the whole period, its months (month, measure) and the chart of them."""
    months = [(month, measures[index]) for month, measures in by_month]
    chart = charts.shares(
        [measure.share.value if measure.share else None for _month, measure in months],
        [month for month, _measure in months],
        target=commitment.target,
    )
    return commitment, overall, months, chart
