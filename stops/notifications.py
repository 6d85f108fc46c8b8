"""Telling subscribers about schedule changes: every rule of sending is here.

- An edit writes ScheduleChange rows (stops/editing.py); after commit the dispatcher
  is queued, `NOTIFICATION_DEBOUNCE_SECONDS` later.
- The dispatcher takes the changes of stops quiet for that long: several edits in a
  few minutes make one mail. It creates a Notification per (subscription, change)
  under a unique constraint, then queues the sending.
- Sending locks a subscription's queued notifications, mails them in one message and
  marks them sent in the same transaction: a duplicated or redelivered task finds
  nothing left to send.
- The sweeper, every few minutes, dispatches what an unreachable broker left behind
  and sends again what is still queued.
- The evening before an opening that a change of the last 14 days cancelled or added,
  subscribers get a reminder (one Notification per subscription, stop and day).
"""

import datetime
import secrets
import smtplib
from typing import NamedTuple

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from mairie_mobile import emails
from stops import schedule
from stops.models import Notification, ScheduleChange, Subscription

# A notification still queued after this long is sent again by the sweeper.
STALE_AFTER = datetime.timedelta(minutes=2)
REMINDER_LOOKBACK = datetime.timedelta(days=14)


def dispatch_due_changes(now, window):
    """Create the notifications of the changes whose stop has been quiet for `window` (the debounce).

    Returns (ids of the subscriptions to mail, seconds until the next pending change is due or None).
    """
    due_before = now - window
    with transaction.atomic():
        pending = list(
            ScheduleChange.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(dispatched_at=None)
            .select_related("stop")
            .order_by("created_at")
        )
        newest = {}
        for change in pending:
            newest[change.stop_id] = max(newest.get(change.stop_id, change.created_at), change.created_at)
        due = [change for change in pending if newest[change.stop_id] <= due_before]
        # A change of openings that are all over by now (an edit made during the last one) is told to nobody.
        past = [change for change in due if not _still_to_come(change, now)]
        ScheduleChange.objects.filter(pk__in=[c.pk for c in past]).update(dispatched_at=now)
        due = [change for change in due if change not in past]
        subscription_ids = set()
        if due:
            followers = _followers({change.stop for change in due})
            notifications = [
                Notification(subscription_id=pk, kind=Notification.Kind.CHANGE, change=change)
                for change in due
                for pk in followers[change.stop_id]
            ]
            Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=1000)
            ScheduleChange.objects.filter(pk__in=[c.pk for c in due]).update(dispatched_at=now)
            subscription_ids = {n.subscription_id for n in notifications}
    waits = [(at - due_before).total_seconds() for at in newest.values() if at > due_before]
    return subscription_ids, (min(waits) if waits else None)


def _followers(stops):
    """{stop id: ids of the confirmed subscriptions told of its changes}: those to the stop, and
    those to every stop of its organisation. In one query, whatever the number of stops."""
    followers = {stop.pk: [] for stop in stops}
    rows = Subscription.objects.following(list(followers)).values_list("pk", "stop_id", "organisation_id")
    for pk, followed, organisation_id in rows:
        for stop in stops:
            if followed == stop.pk or (followed is None and organisation_id == stop.organisation_id):
                followers[stop.pk].append(pk)
    return followers


def audience(stops):
    """How many confirmed subscribers a change of `stops` is mailed to."""
    return Subscription.objects.following([stop.pk for stop in stops]).count()


def _still_to_come(change, now):
    return any(not schedule.ended(o.date, o.end, now) for o in [*change.cancelled_openings, *change.added_openings])


def deliver(subscription_ids):
    """Mail each subscription its queued news; returns the number of mails sent.

    Network errors propagate (the task retries them); an address the server refuses
    marks its notifications failed.
    """
    sent = 0
    news = {}
    with get_connection() as connection:
        for subscription_id in subscription_ids:
            sent += _deliver(subscription_id, Notification.Kind.CHANGE, connection, news)
            sent += _deliver(subscription_id, Notification.Kind.REMINDER, connection, news)
    return sent


def _deliver(subscription_id, kind, connection, news):
    with transaction.atomic():
        notifications = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(subscription_id=subscription_id, kind=kind, state=Notification.State.QUEUED)
            .select_related("subscription", "change__stop__organisation", "stop__organisation")
            .order_by("pk")
        )
        if not notifications:
            return 0
        subscription = notifications[0].subscription
        messages = (
            [_changes_message(subscription, [n.change for n in notifications], news)]
            if kind == Notification.Kind.CHANGE
            else [_reminder_message(subscription, n.stop, n.date) for n in notifications]
        )
        handled = Notification.objects.filter(pk__in=[n.pk for n in notifications])
        try:
            connection.send_messages(messages)
        except smtplib.SMTPRecipientsRefused as error:
            handled.update(state=Notification.State.FAILED, attempts=F("attempts") + 1, error=str(error)[:255])
            return 0
        handled.update(state=Notification.State.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1)
    return len(messages)


def mark_failed(subscription_ids, error):
    """The last retry failed too: say so to the coordinator."""
    Notification.objects.filter(subscription_id__in=subscription_ids, state=Notification.State.QUEUED).update(
        state=Notification.State.FAILED, attempts=F("attempts") + 1, error=str(error)[:255]
    )


def sweep(now, window):
    """The changes an unreachable broker left behind, dispatched, and what is still unsent:
    returns the subscriptions to mail."""
    subscription_ids, _next = dispatch_due_changes(now, window)
    stale = Notification.objects.filter(state=Notification.State.QUEUED, created_at__lt=now - STALE_AFTER)
    return subscription_ids | set(stale.values_list("subscription_id", flat=True).distinct())


def remind_tomorrow(now):
    """Reminders for tomorrow's openings that a recent change cancelled or added; returns the subscriptions."""
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    recent = ScheduleChange.objects.filter(created_at__gte=now - REMINDER_LOOKBACK).select_related("stop")
    stops = {change.stop for change in recent if tomorrow in change.days}
    unusual = {o.stop.pk for o in schedule.openings(tomorrow, tomorrow, list(stops)) if not o.is_open or o.extra}
    if not unusual:
        return set()
    followers = _followers({stop for stop in stops if stop.pk in unusual})
    reminders = [
        Notification(subscription_id=pk, kind=Notification.Kind.REMINDER, stop_id=stop_id, date=tomorrow)
        for stop_id, subscription_ids in followers.items()
        for pk in subscription_ids
    ]
    Notification.objects.bulk_create(reminders, ignore_conflicts=True, batch_size=1000)
    return {reminder.subscription_id for reminder in reminders}


# Subscriptions ------------------------------------------------------------------------

CONFIRMATION_INTERVAL = datetime.timedelta(days=1)
# A subscription nobody confirmed is erased after this long (its confirmation link with it).
UNCONFIRMED_KEPT = datetime.timedelta(days=30)


class SendingFailed(Exception):
    """The mail server could not be reached; nothing was recorded as sent."""


class AddressRefused(Exception):
    """The mail server refuses the address: its subscriptions that were to be confirmed are erased."""


class Unsubscribed(NamedTuple):
    """What leaving did: the subscriptions gone, and those the address keeps (none: it is erased)."""

    gone: list
    kept: list


def subscribe(email, stop, organisation):
    """Register `email` for the changes of `stop` (None: every stop of `organisation`) and ask for a confirmation.

    Double opt-in: nothing but confirmation mails is sent before a confirmation link is
    followed. Each mail names the subscriptions it asks about, and its link confirms those
    only. See `ask_to_confirm` for when a mail leaves.
    """
    email = email.strip().lower()
    followed = None if stop else organisation
    try:
        with transaction.atomic():
            subscription, _created = Subscription.objects.get_or_create(email=email, stop=stop, organisation=followed)
    except IntegrityError:  # the same address, posted twice at the same moment
        subscription = Subscription.objects.get(email=email, stop=stop, organisation=followed)
    ask_to_confirm(email, again=True)
    return subscription


def ask_to_confirm(email, now=None, *, again=False):
    """Mail `email` a confirmation of its subscriptions not confirmed yet; returns those the mail
    names (none: no mail).

    An address gets one confirmation mail a day at most. While its last one is unanswered,
    it gets none, but when the form is posted `again` (a lost mail, a day later): then the
    new mail names the unanswered subscriptions too, and the old link no longer confirms
    anything. Without a post, an address that never answers gets no second mail.
    """
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        of_address = list(
            Subscription.objects.select_for_update(of=("self",))
            .filter(email=email)
            .select_related("stop__organisation", "organisation")
        )
        if any(s.confirmation_sent_at and s.confirmation_sent_at > now - CONFIRMATION_INTERVAL for s in of_address):
            return []
        unanswered = any(s.confirmation_token and s.confirmed_at is None for s in of_address)
        if unanswered and not again:
            return []
        named = [s for s in of_address if s.confirmed_at is None]
        Subscription.objects.filter(pk__in=[s.pk for s in named]).update(
            confirmation_token=token, confirmation_sent_at=now
        )
    if not named:
        return []
    try:
        confirmation_message(email, token, named).send()
    except smtplib.SMTPRecipientsRefused as error:
        Subscription.objects.filter(pk__in=[s.pk for s in named]).delete()
        raise AddressRefused from error
    except (smtplib.SMTPException, OSError) as error:
        Subscription.objects.filter(pk__in=[s.pk for s in named], confirmation_token=token).update(
            confirmation_token="", confirmation_sent_at=None
        )
        raise SendingFailed from error
    return named


def send_waiting_confirmations(now=None):
    """The confirmation mails of subscriptions posted after their address's last one (or while
    the mail server was down), when `ask_to_confirm` allows; returns the number of mails sent."""
    now = now or timezone.now()
    addresses = Subscription.objects.not_asked().filter(created_at__gte=now - UNCONFIRMED_KEPT)
    sent = 0
    for email in addresses.values_list("email", flat=True).distinct().order_by("email"):
        try:
            sent += bool(ask_to_confirm(email, now))
        except AddressRefused:
            continue
        except SendingFailed:
            return sent  # the mail server is down: the next run tries again
    return sent


def purge_unconfirmed(now=None):
    """Erase what nobody confirmed within UNCONFIRMED_KEPT of its mail (or of its request, when
    no mail left), with the subscriptions that waited for an unanswered mail; returns how many."""
    now = now or timezone.now()
    expired = Subscription.objects.filter(confirmed_at=None).alias(asked=Coalesce("confirmation_sent_at", "created_at"))
    expired = expired.filter(asked__lt=now - UNCONFIRMED_KEPT)
    never_answered = set(expired.exclude(confirmation_token="").values_list("email", flat=True))
    deleted, _by_model = expired.delete()
    waited, _by_model = Subscription.objects.not_asked().filter(email__in=never_answered).delete()
    return deleted + waited


def waiting(email):
    """The subscriptions of `email` that no confirmation mail has asked about yet."""
    return list(Subscription.objects.not_asked().filter(email=email).select_related("stop"))


def confirmation_of(token):
    """The subscriptions the confirmation mail of `token` named (still there)."""
    return list(Subscription.objects.filter(confirmation_token=token).select_related("stop").order_by("pk"))


def confirm(token, now=None):
    """Follow a confirmation link: the subscriptions its mail named start, no other. Returns them
    (empty: an unknown link)."""
    Subscription.objects.filter(confirmation_token=token, confirmed_at=None).update(confirmed_at=now or timezone.now())
    return confirmation_of(token)


def subscriptions_of_address(token):
    """The subscription of `token` (the link to leave it), and the address's others; (None, []) when unknown."""
    subscription = Subscription.objects.filter(token=token).select_related("stop").first()
    if subscription is None:
        return None, []
    others = Subscription.objects.filter(email=subscription.email).exclude(pk=subscription.pk)
    return subscription, list(others.select_related("stop").order_by("pk"))


def unsubscribe(token, everything=False):
    """Leave the subscription of `token`, or with `everything` every subscription of its address.
    The address is erased with its last subscription. None when the link is unknown (already left)."""
    with transaction.atomic():
        subscription, others = subscriptions_of_address(token)
        if subscription is None:
            return None
        if everything:
            Subscription.objects.filter(email=subscription.email).delete()
            return Unsubscribed(gone=[subscription, *others], kept=[])
        Subscription.objects.filter(pk=subscription.pk).delete()
    return Unsubscribed(gone=[subscription], kept=others)


# The mails ---------------------------------------------------------------------------


def unsubscribe_url(subscription):
    return settings.SITE_URL + reverse("stops:unsubscribe", args=[subscription.token])


def confirmation_message(email, token, subscriptions):
    context = {
        "subscriptions": subscriptions,
        "confirm_url": settings.SITE_URL + reverse("stops:confirm", args=[token]),
    }
    return emails.build(
        "confirm_subscription",
        email,
        context,
        organisations=[subscription.followed_organisation for subscription in subscriptions],
        unsubscribe_url=unsubscribe_url(subscriptions[0]),
    )


def _changes_message(subscription, changes, news):
    stops = {}
    for change in changes:
        stops.setdefault(change.stop, set()).update(change.days)
    context = {"subscription": subscription, "stops": [_stop_news(stop, days, news) for stop, days in stops.items()]}
    return emails.build(
        "schedule_changed",
        subscription.email,
        context,
        organisations=[stop.organisation for stop in stops],
        unsubscribe_url=unsubscribe_url(subscription),
    )


def _stop_news(stop, days, cache):
    """What the subscriber should know of `stop`: today's state of the changed days, and what comes next."""
    key = (stop.pk, frozenset(days))
    if key not in cache:
        now = timezone.now()
        openings = schedule.openings(min(days), max(days), [stop])
        changed_days = {o.date for o in openings if o.date in days}
        cache[key] = {
            "stop": stop,
            "url": settings.SITE_URL + stop.get_absolute_url(),
            "changed": [o for o in openings if o.date in days and not o.has_ended(now)],
            "closed_days": sorted(day for day in set(days) - changed_days if day >= timezone.localdate(now)),
            "next": [o for o in schedule.next_openings(stop, timezone.now(), count=3) if o.is_open],
        }
    return cache[key]


def _reminder_message(subscription, stop, day):
    openings = schedule.openings(day, day, [stop])
    context = {
        "subscription": subscription,
        "stop": stop,
        "day": day,
        "url": settings.SITE_URL + stop.get_absolute_url(),
        "cancelled": [o for o in openings if not o.is_open],
        "extra": [o for o in openings if o.extra],
    }
    return emails.build(
        "reminder",
        subscription.email,
        context,
        organisations=[stop.organisation],
        unsubscribe_url=unsubscribe_url(subscription),
    )
