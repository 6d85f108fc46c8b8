"""Pages for residents: the timetable, a stop's page and the calendar feeds."""

import datetime
import re

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from mairie_mobile import sms
from organisations.models import Organisation
from stops import ics, links, live, notifications, schedule, wording
from stops.caching import cached
from stops.forms import SmsCodeForm, SmsLeaveForm, StopSearchForm, SubscriptionForm
from stops.models import Stop

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")
TIMETABLE_DAYS = 14
# An easy-to-read list is short: the next few times, one a line.
EASY_READ_OPENINGS = 4
STOPS_PER_PAGE = 20
SUBSCRIPTIONS_PER_HOUR = "10/h"  # per address IP
# Confirming or leaving takes a secret token from a mail: a few tries an hour are plenty.
TOKEN_POSTS_PER_HOUR = "30/h"
# A code by SMS costs money and reaches someone's phone: a few an hour for a number.
CODES_PER_NUMBER = "3/h"
# Codes typed: 5 wrong ones void a code; these few an hour keep a number from being tried at length.
CODE_POSTS_PER_HOUR = "20/h"


@cached(per="minute", live=live.marks_version_keys)
def timetable(request):
    now = timezone.localtime()
    form = StopSearchForm(request.GET)
    if not form.is_valid():
        return render(request, "public/timetable.html", {"form": form, "now": now}, status=400)
    query = form.cleaned_data["q"]
    stops = Stop.objects.active()
    context = {"form": form, "query": query, "now": now}
    if not query and stops.count() > settings.TIMETABLE_GROUP_THRESHOLD:
        context["communes"] = _communes(stops)
        # The commune index has no form: a link to the subscription page, or to each organisation's.
        context["organisations"] = _subscription_of_every_stop().get("organisations")
        return render(request, "public/timetable.html", context)

    found = stops.search(query)
    # Without a search, the stops were just counted, and are few: listed, not counted again.
    page = Paginator(found if query else list(found), STOPS_PER_PAGE).get_page(request.GET.get("page"))
    today = now.date()
    upcoming = schedule.openings(today, today + datetime.timedelta(days=TIMETABLE_DAYS - 1), page.object_list)
    cards = _stop_cards(page.object_list, upcoming, now)
    context |= {
        "page": page,
        "cards": cards,
        "open_now": [card["open_now"] for card in cards if card["open_now"]],
        "next_opening": next((o for o in upcoming if o.is_open and o.starts_at > now), None),
    }
    return render(request, "public/timetable.html", context | _subscription_of_every_stop())


def _subscription_of_every_stop():
    """One organisation: its form for every stop. Several: each one's page, where the form is."""
    organisations = list(Organisation.objects.active())
    if len(organisations) == 1:
        return {"subscription_form": SubscriptionForm(organisation=organisations[0])}
    return {"organisations": organisations}


@cached(per="minute", live=live.marks_version_keys)
def organisation(request, slug):
    """An organisation's page: who it is, how to reach it, its stops' coming openings, and a
    subscription and a calendar for all of them."""
    organisation = get_object_or_404(Organisation.objects.active(), slug=slug)
    now = timezone.localtime()
    page = Paginator(organisation.stops.active(), STOPS_PER_PAGE).get_page(request.GET.get("page"))
    today = now.date()
    upcoming = schedule.openings(today, today + datetime.timedelta(days=TIMETABLE_DAYS - 1), page.object_list)
    feed = reverse("stops:organisation_calendar", args=[organisation.slug])
    context = {
        "organisation": organisation,
        "now": now,
        "page": page,
        "cards": _stop_cards(page.object_list, upcoming, now),
        "subscription_form": SubscriptionForm(organisation=organisation),
        "feed_url": request.build_absolute_uri(feed),
        "download_url": feed,
    }
    return render(request, "public/organisation.html", context)


@cached(per="minute", live=live.stop_version_keys)
def stop_detail(request, slug):
    stop = get_object_or_404(
        Stop.objects.active().select_related("organisation").prefetch_related("partners"), slug=slug
    )
    now = timezone.localtime()
    upcoming = schedule.next_openings(stop, now)
    context = {
        "stop": stop,
        "now": now,
        "week": wording.describe_week(stop, list(stop.slots.all()), now.date()),
        "runs": schedule.cancelled_runs(upcoming),
        "status": schedule.status(upcoming, now),
        "live": live.status(stop, now),
        "live_refresh_seconds": settings.LIVE_REFRESH_SECONDS,
        "unknown_holidays": any(not o.school_holidays_known for o in upcoming),
        "subscription_form": SubscriptionForm(initial={"stop": stop.slug}, organisation=stop.organisation),
        "feed_url": request.build_absolute_uri(reverse("stops:stop_calendar", args=[stop.slug])),
    }
    return render(request, "public/stop_detail.html", context)


@cached()
def easy_read(request):
    """« Ce que la Mairie mobile peut faire pour vous », easy to read. The same text serves every
    organisation: once one of them records that its readers checked it, the page names that check."""
    check = Organisation.objects.active().easy_read_checked().first()
    return render(request, "public/easy_read.html", {"checked_by": check})


@cached(per="minute", live=live.stop_version_keys)
def stop_easy_read(request, slug):
    """A stop's page, easy to read: today, where, the next times, what to bring, whom to call; and
    whether its organisation's readers checked the text."""
    stop = get_object_or_404(Stop.objects.active().select_related("organisation"), slug=slug)
    now = timezone.localtime()
    upcoming = schedule.next_openings(stop, now, count=EASY_READ_OPENINGS)
    context = {
        "stop": stop,
        "live": live.status(stop, now),
        "runs": schedule.cancelled_runs(upcoming),
        "checked_by": stop.organisation if stop.organisation.easy_read_checked_on else None,
    }
    return render(request, "public/stop_easy_read.html", context)


@cached(per="day")  # the week in words moves on with the date ("à partir du…", slots ended)
def stop_poster(request, slug):
    """A stop's poster, one A4 page to print and stick where the bus stops: its week, what it
    helps with, who runs it, and a QR code of its short link."""
    stop = get_object_or_404(
        Stop.objects.active().select_related("organisation").prefetch_related("partners"), slug=slug
    )
    short_url = links.short_url(stop)
    printed = links.printed(short_url)
    # The week's hours in large letters; when it closes (holidays) below them, in smaller ones.
    closed_on = wording.closed_on(stop)
    week = wording.describe_week(stop, list(stop.slots.all()), timezone.localdate())
    hours = [line for line in week if line != closed_on]
    partners = list(stop.partners.all())
    context = {
        "stop": stop,
        "hours": hours,
        "closed_on": closed_on,
        "partners": partners,
        "sizes": _poster_sizes(stop, hours, partners),
        "short_url": short_url,
        "printed_link": printed,
        "qr_code": links.qr_code(short_url, _("Code QR menant à %(link)s") % {"link": printed}),
        "commitments_link": links.printed(
            settings.SITE_URL + reverse("quality:organisation", args=[stop.organisation.slug])
        ),
    }
    return render(request, "public/stop_poster.html", context)


def _poster_sizes(stop, hours, partners):
    """The pieces of a poster too long for its largest letters: the classes that print them smaller
    (static/css/poster.css), so that the poster stays on one A4 page."""
    sizes = {
        "poster-name-long": 50 < len(stop.name) <= 100,
        "poster-name-longest": len(stop.name) > 100,
        "poster-place-long": len(stop.address) + len(stop.landmark) > 120,
        "poster-week-long": len(hours) > 3 or sum(len(line) for line in hours) > 150,
        "poster-partners-many": len(partners) > 6,
        "poster-partners-long": sum(len(partner.short_name) for partner in partners) > 250,
    }
    return " ".join(name for name, applies in sizes.items() if applies)


def short_link(request, short_code):
    """A stop's short link (stops/links.py): on to its page."""
    pk = links.stop_pk(short_code)
    if pk is None:
        raise Http404
    return redirect(get_object_or_404(Stop.objects.active().only("slug"), pk=pk))


@cached(per="minute", live=live.stop_version_keys)
def stop_status(request, slug):
    """Today's live status of a stop alone, which its page asks for again and again (htmx)."""
    stop = get_object_or_404(Stop.objects.active(), slug=slug)
    return render(request, "public/_live_status_body.html", {"live": live.status(stop)})


@cached(per="day")
def calendar(request):
    return _calendar_response(Stop.objects.active(), "Mairie mobile", "tous-les-arrets")


@cached(per="day")
def organisation_calendar(request, slug):
    organisation = get_object_or_404(Organisation.objects.active(), slug=slug)
    return _calendar_response(organisation.stops.active(), organisation.name, organisation.slug)


@cached(per="day")
def stop_calendar(request, slug):
    stop = get_object_or_404(Stop.objects.active(), slug=slug)
    return _calendar_response([stop], stop.name, stop.slug)


def _calendar_response(stops, name, feed_id):
    body = ics.stops_feed(stops, name, feed_id, timezone.localdate())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="mairie-mobile-{feed_id}.ics"'
    return response


def _communes(stops):
    rows = stops.values("postcode", "city").annotate(stop_count=Count("pk")).order_by("postcode", "city")
    return [{**row, "department": _department(row["postcode"])} for row in rows]


def _department(postcode):
    return postcode[:3] if postcode.startswith("97") else postcode[:2]


def _stop_cards(stops, upcoming, now):
    by_stop = {stop.pk: [] for stop in stops}
    for opening in upcoming:
        if opening.ends_at > now:
            by_stop[opening.stop.pk].append(opening)
    statuses = live.statuses(stops, upcoming, now)
    return [
        {
            "stop": stop,
            "openings": by_stop[stop.pk],
            "open_now": next((o for o in by_stop[stop.pk] if o.is_open_at(now)), None),
            "live": statuses[stop.pk],
        }
        for stop in stops
    ]


@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(key="ip", rate=SUBSCRIPTIONS_PER_HOUR, method="POST", block=False)
def subscribe(request):
    """Ask to be told of a stop's changes (or of every stop's) by mail."""
    if request.method in ("GET", "HEAD"):
        shown = _subscription_of_every_stop()
        return render(request, "public/subscribe.html", {"form": shown.pop("subscription_form", None)} | shown)
    form = SubscriptionForm(request.POST)
    valid = form.is_valid()
    stop = form.cleaned_data["stop"] if valid else None
    context = {"form": form, "stop": stop, "organisation": form.cleaned_data["organisation"] if valid else None}
    if getattr(request, "limited", False):
        return render(request, "public/subscribe.html", context | {"limited": True}, status=429)
    if not valid:
        return render(request, "public/subscribe.html", context, status=400)
    if form.cleaned_data["channel"] == "sms":
        return _subscribe_by_sms(request, form, context)
    if not form.cleaned_data["website"]:  # a robot fills the hidden field: pretend, do nothing
        try:
            notifications.subscribe(form.cleaned_data["email"], stop, context["organisation"])
        except notifications.SendingFailed:
            return render(request, "public/subscribe.html", context | {"sending_failed": True}, status=503)
        except notifications.AddressRefused:
            return render(request, "public/subscribe.html", context | {"address_refused": True}, status=400)
    return render(request, "public/subscribe.html", context | {"done": True})


def _subscribe_by_sms(request, form, context):
    """Send the code to type on the page; the page that asks for it."""
    phone = form.cleaned_data["phone"]
    context |= {"phone": phone, "code_form": SmsCodeForm(initial={"phone": phone})}
    if is_ratelimited(request, group="stops.sms-code", key=lambda _g, _r: phone, rate=CODES_PER_NUMBER, increment=True):
        return render(request, "public/subscribe.html", context | {"limited": True}, status=429)
    if not form.cleaned_data["website"]:
        try:
            notifications.subscribe_by_sms(phone, context["stop"], context["organisation"])
        except notifications.OverBudget:
            return render(request, "public/subscribe.html", context | {"sms_over_budget": True}, status=503)
        except sms.RecipientRefused:
            return render(request, "public/subscribe.html", context | {"number_refused": True}, status=400)
        except sms.SendingFailed:
            return render(request, "public/subscribe.html", context | {"sms_failed": True}, status=503)
    return render(request, "public/sms_code.html", context)


@require_http_methods(["POST"])
@ratelimit(key="ip", rate=CODE_POSTS_PER_HOUR, method="POST", block=False)
def confirm_sms(request):
    """The code of the SMS, typed on the page: the subscriptions of the number start."""
    form = SmsCodeForm(request.POST)
    context = {"code_form": form, "phone": request.POST.get("phone", "")} | _followed(request.POST)
    if getattr(request, "limited", False):
        return render(request, "public/too_many_attempts.html", status=429)
    if not form.is_valid():
        return render(request, "public/sms_code.html", context, status=400)
    try:
        subscriptions = notifications.confirm_code(form.cleaned_data["phone"], form.cleaned_data["code"])
    except notifications.CodeRefused as refused:
        return render(request, "public/sms_code.html", context | {"wrong": refused.attempts_left}, status=400)
    except notifications.CodeExpired:
        return render(request, "public/sms_code.html", context | {"expired": True}, status=400)
    return render(request, "public/sms_confirmed.html", {"subscriptions": subscriptions})


def _followed(data):
    """The stop or the organisation a code page was for, from its hidden field: a new code is
    asked for the same one."""
    slug = data.get("stop") or data.get("organisation") or ""
    if not SLUG.fullmatch(slug):
        return {}
    if data.get("stop"):
        return {"stop": Stop.objects.active().filter(slug=slug).first()}
    return {"organisation": Organisation.objects.active().filter(slug=slug).first()}


@ratelimit(key="ip", rate=TOKEN_POSTS_PER_HOUR, method="POST", block=False)
def leave_sms(request, token):
    """The link of every SMS (/d/<code>/): a page and its button, so that a link scanner that
    follows it (a GET) stops nothing."""
    if getattr(request, "limited", False):
        return render(request, "public/too_many_attempts.html", status=429)
    subscription = notifications.leaving_by_code(token)
    if subscription is None:
        return render(request, "public/sms_link_unknown.html", status=404)
    if request.method == "POST":
        notifications.leave_by_sms(subscription.phone)
        return render(request, "public/sms_left.html")
    return render(request, "public/sms_leave.html", {"subscription": subscription, "token": token})


@require_http_methods(["POST"])
@ratelimit(key="ip", rate=SUBSCRIPTIONS_PER_HOUR, method="POST", block=False)
def leave_sms_number(request):
    """A number typed on a stop's page: its SMS stop. The page says the same whether it was subscribed or not."""
    if getattr(request, "limited", False):
        return render(request, "public/too_many_attempts.html", status=429)
    form = SmsLeaveForm(request.POST)
    if not form.is_valid():
        return render(request, "public/sms_left.html", {"leave_form": form}, status=400)
    notifications.leave_by_sms(form.cleaned_data["phone"])
    return render(request, "public/sms_left.html", {"by_number": True})


@ratelimit(key="ip", rate=TOKEN_POSTS_PER_HOUR, method="POST", block=False)
def confirm(request, token):
    """The link of a confirmation mail: a page naming what the mail asked about, then a button."""
    if getattr(request, "limited", False):
        return render(request, "public/too_many_attempts.html", status=429)
    confirmed = request.method == "POST"
    subscriptions = notifications.confirm(token) if confirmed else notifications.confirmation_of(token)
    if not subscriptions:
        return render(request, "public/subscription_link_unknown.html", status=404)
    context = {"subscriptions": subscriptions, "email": subscriptions[0].email}
    if confirmed:
        waiting = notifications.waiting(context["email"])
        return render(request, "public/subscription_confirmed.html", context | {"waiting": waiting})
    pending = [s for s in subscriptions if s.confirmed_at is None]
    return render(request, "public/subscription_confirm.html", context | {"pending": pending})


@csrf_exempt  # one click from the mail client (RFC 8058): the secret token is the protection
@ratelimit(key="ip", rate=TOKEN_POSTS_PER_HOUR, method="POST", block=False)
def unsubscribe(request, token):
    """The link of every mail: leave this subscription, or every one and erase the address.
    A mail client's one click (List-Unsubscribe=One-Click) leaves this one."""
    if getattr(request, "limited", False):
        return render(request, "public/too_many_attempts.html", status=429)
    if request.method == "POST":
        left = notifications.unsubscribe(token, everything=request.POST.get("what") == "all")
        return render(request, "public/unsubscribed.html", {"left": left})
    subscription, others = notifications.subscriptions_of_address(token)
    context = {"subscription": subscription, "others": others, "email": subscription and subscription.email}
    return render(request, "public/unsubscribe.html", context)
