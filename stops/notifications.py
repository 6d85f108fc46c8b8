"""Telling subscribers about schedule changes: every rule of sending is here.

- An edit writes ScheduleChange rows (stops/editing.py); after commit the dispatcher
  is queued, `NOTIFICATION_DEBOUNCE_SECONDS` later.
- The dispatcher takes the changes of stops quiet for that long: several edits in a
  few minutes make one mail. It creates a Notification per (subscription, change)
  under a unique constraint, then queues the sending.
- Sending locks the queued notifications of a few subscriptions, mails each one its news
  in one message and marks them sent in the same transaction: a duplicated or redelivered
  task finds nothing left to send. Meanwhile it holds those it has still to send.
- The sweeper, every few seconds, dispatches what an unreachable broker left behind and
  sends again what is still queued and held by no sending (a killed worker's). Behind the
  sendings queued so far it queues a marker: when the marker runs, every one of them has been
  taken, and what none of them holds was lost with its task (`lost`).
- The evening before an opening that a change of the last 14 days cancelled or added,
  subscribers get a reminder (one Notification per subscription, stop and day).
- A subscription by SMS gets the same notifications, each one SMS of one segment, counted
  against its organisation's monthly budget: at 100 %, only cancellations of the same day
  still leave, the others are marked over budget for the coordinator to see.
"""

import contextlib
import datetime
import itertools
import secrets
import smtplib
from typing import NamedTuple

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from mairie_mobile import emails, gsm, sms
from stops import links, schedule, wording
from stops.models import Notification, ScheduleChange, SmsSent, Subscription, new_leave_code

# A notification still queued after this long, and held by no sending, is sent again by the sweeper
# (sooner when the sweeper's marker finds its task lost, see `lost`).
STALE_AFTER = datetime.timedelta(minutes=2)
# How long a sending holds the notifications it is to send, renewed as it goes: a killed worker's
# are sent again by the sweeper once this has passed (beat runs it every 15 seconds).
HOLD = datetime.timedelta(seconds=15)
# Mails marked sent in one transaction, once the mail server has accepted each of them.
MAILS_PER_TRANSACTION = 20
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


class Audience(NamedTuple):
    """The confirmed subscribers a change reaches, by channel."""

    by_mail: int
    by_sms: int

    @property
    def total(self):
        return self.by_mail + self.by_sms


def audience(stops):
    """How many confirmed subscribers a change of `stops` reaches, by mail and by SMS: one query."""
    counts = Subscription.objects.following([stop.pk for stop in stops]).aggregate(
        by_mail=Count("pk", filter=~Q(email="")), by_sms=Count("pk", filter=~Q(phone=""))
    )
    return Audience(counts["by_mail"], counts["by_sms"])


def _still_to_come(change, now):
    return any(not schedule.ended(o.date, o.end, now) for o in [*change.cancelled_openings, *change.added_openings])


# What a sending may fail with for a while (the mail server, the SMS provider): tried again later.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError, sms.SendingFailed)


def deliver(subscription_ids):
    """Send each subscription its queued news, by mail or by SMS; returns how many left.

    An address or a number refused marks its notifications failed. A server or a provider that
    fails leaves that subscription's notifications queued and the others are sent all the same
    (an SMS provider out of credit does not hold up the mails); then the first such error is
    raised, its `undelivered` naming the subscriptions to try again (the task retries them).
    While it sends, the notifications still to send are held (`hold`): the sweeper leaves them.
    """
    outcome = _Outcome()
    news = {}
    by_sms = set(Subscription.objects.filter(pk__in=subscription_ids).by_sms().values_list("pk", flat=True))
    by_mail = [pk for pk in subscription_ids if pk not in by_sms]
    batches = [[pk] for pk in subscription_ids if pk in by_sms]
    step = MAILS_PER_TRANSACTION
    batches += [by_mail[start : start + step] for start in range(0, len(by_mail), step)]
    held_until = None
    with get_connection() as mails, _sms_connection() as texts:
        for batch in batches:
            if held_until is None or timezone.now() > held_until - HOLD / 2:
                held_until = hold(subscription_ids, timezone.now() + HOLD)
            if batch[0] in by_sms:
                _deliver_by_sms(batch[0], {"mail": mails, "sms": texts}, news, outcome)
            else:
                _deliver_mails(batch, mails, news, outcome)
    if outcome.first_error is not None:
        outcome.first_error.undelivered = outcome.undelivered
        raise outcome.first_error
    return outcome.sent


class _Outcome:
    """What a sending did: how many left, and the subscriptions a failing server held up."""

    def __init__(self):
        self.sent, self.undelivered, self.first_error = 0, [], None

    def held_up(self, subscription_id, error):
        self.undelivered.append(subscription_id)
        self.first_error = self.first_error or error


def hold(subscription_ids, until):
    """The queued notifications of these subscriptions are being sent until `until` (returned): the
    sweeper leaves them alone till then. A sending renews it as it goes; a worker killed does not,
    and the sweeper sends them again soon after. Rows another sending has locked are its own."""
    with transaction.atomic():
        held = Notification.objects.select_for_update(skip_locked=True).filter(
            subscription_id__in=subscription_ids, state=Notification.State.QUEUED
        )
        Notification.objects.filter(pk__in=list(held.values_list("pk", flat=True))).update(held_until=until)
    return until


def _deliver_by_sms(subscription_id, connections, news, outcome):
    try:
        for kind in (Notification.Kind.CHANGE, Notification.Kind.REMINDER):
            outcome.sent += _deliver(subscription_id, kind, connections, news)
    except TRANSIENT_ERRORS as error:
        outcome.held_up(subscription_id, error)


def _deliver_mails(subscription_ids, connection, news, outcome):
    """The mails of these subscriptions' queued notifications (one for its changes, one per reminder),
    through one SMTP connection, marked sent together once the server has accepted them: a worker
    killed before that sends them again (at least once, at most MAILS_PER_TRANSACTION twice)."""
    with transaction.atomic():
        queued = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(subscription_id__in=subscription_ids, state=Notification.State.QUEUED)
            .select_related(
                "subscription__stop__organisation",
                "subscription__organisation",
                "change__stop__organisation",
                "stop__organisation",
            )
            .order_by("subscription_id", "kind", "pk")
        )
        sent = []
        for (subscription_id, _kind), group in itertools.groupby(queued, key=lambda n: (n.subscription_id, n.kind)):
            if subscription_id in outcome.undelivered:
                continue
            notifications = list(group)
            try:
                outcome.sent += _mail(notifications, connection, news)
            except smtplib.SMTPRecipientsRefused as error:
                _handled(notifications).update(
                    state=Notification.State.FAILED, attempts=F("attempts") + 1, error=str(error)[:255]
                )
            except TRANSIENT_ERRORS as error:
                outcome.held_up(subscription_id, error)
            else:
                sent += notifications
        _handled(sent).update(state=Notification.State.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1)


def _handled(notifications):
    return Notification.objects.filter(pk__in=[n.pk for n in notifications])


def _mail(notifications, connection, news):
    """Mail one subscription its notifications of one kind, in its language; returns how many mails."""
    subscription = notifications[0].subscription
    with translation.override(subscription.language):
        if notifications[0].kind == Notification.Kind.CHANGE:
            messages = [_changes_message(subscription, [n.change for n in notifications], news)]
        else:
            messages = [_reminder_message(subscription, n.stop, n.date, news) for n in notifications]
    connection.send_messages(messages)
    return len(messages)


def _sms_connection():
    """The SMS backend's connection, or none where SMS are not sent (SMS_URL empty)."""
    return sms.get_connection() if settings.SMS_URL else contextlib.nullcontext()


def _deliver(subscription_id, kind, connections, news):
    with transaction.atomic():
        notifications = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(subscription_id=subscription_id, kind=kind, state=Notification.State.QUEUED)
            .select_related(
                "subscription__stop__organisation",
                "subscription__organisation",
                "change__stop__organisation",
                "stop__organisation",
            )
            .order_by("pk")
        )
        if not notifications:
            return 0
        handled = Notification.objects.filter(pk__in=[n.pk for n in notifications])
        with translation.override(notifications[0].subscription.language):
            return _send(notifications, kind, connections, handled, news)


def _send(notifications, kind, connections, handled, news):
    """The SMS of one subscription's queued notifications, in its language."""
    if connections["sms"] is None:  # SMS turned off since this number subscribed
        handled.update(state=Notification.State.FAILED, attempts=F("attempts") + 1, error="SMS_URL is empty")
        return 0
    return _deliver_sms(notifications, kind, connections["sms"], handled, news)


def _deliver_sms(notifications, kind, connection, handled, news):
    """The SMS of one subscription's queued notifications (one for its changes, one per reminder),
    within the budget of its organisation. Called in the transaction that locks them."""
    subscription = notifications[0].subscription
    organisation = subscription.followed_organisation
    now = timezone.now()
    if not subscription.leave_code:  # confirmed otherwise than by its code (the admin): its link to leave
        subscription.leave_code = new_leave_code()
        subscription.save(update_fields=["leave_code"])
    if kind == Notification.Kind.CHANGE:
        changes = [n.change for n in notifications]
        messages = [_changes_sms(subscription, changes, news)]
        urgent = _cancels_today(changes, now)
    else:
        messages = [_reminder_sms(subscription, n.stop, n.date) for n in notifications]
        urgent = False
    if not urgent and sms_budget(organisation, timezone.localdate(now)).exhausted:
        handled.update(state=Notification.State.OVER_BUDGET, attempts=F("attempts") + 1)
        return 0
    try:
        connection.send_messages(messages)
    except sms.RecipientRefused as error:
        handled.update(state=Notification.State.FAILED, attempts=F("attempts") + 1, error=str(error)[:255])
        return 0
    _count_sent(organisation, kind, sum(gsm.segments(message.body) for message in messages), now)
    handled.update(state=Notification.State.SENT, sent_at=now, attempts=F("attempts") + 1)
    return len(messages)


def _cancels_today(changes, now):
    today = timezone.localdate(now)
    return any(opening.date == today for change in changes for opening in change.cancelled_openings)


def mark_failed(subscription_ids, error):
    """The last retry failed too: say so to the coordinator."""
    Notification.objects.filter(subscription_id__in=subscription_ids, state=Notification.State.QUEUED).update(
        state=Notification.State.FAILED, attempts=F("attempts") + 1, error=str(error)[:255]
    )


def sweep(now, window):
    """The changes an unreachable broker left behind, dispatched, and what is still unsent: the
    notifications a sending held and no longer does (its worker was killed), and those no sending
    ever took after STALE_AFTER (their task was lost). Returns the subscriptions to mail."""
    subscription_ids, _next = dispatch_due_changes(now, window)
    stale = Notification.objects.filter(state=Notification.State.QUEUED, held_until__lt=now)
    stale |= _untaken().filter(created_at__lt=now - STALE_AFTER)
    return subscription_ids | _queued_again(stale, now)


def awaiting_sending():
    """Whether queued notifications wait for a sending that has not taken them yet."""
    return _untaken().exists()


def lost(queued_at, now):
    """What the sendings queued before `queued_at` were to send and none of them holds, when the
    marker queued then behind them runs (the queue is first in, first out: each of them has been
    taken by now). Their task was lost: its worker killed as it took it, or Redis restarted empty.
    Returns the subscriptions to mail."""
    return _queued_again(_untaken().filter(created_at__lt=queued_at), now)


def _untaken():
    """The queued notifications that no sending has held yet."""
    return Notification.objects.filter(state=Notification.State.QUEUED, held_until=None)


def _queued_again(notifications, now):
    """The subscriptions of `notifications`, held while the task that sends them again waits in the
    queue: the next sweeps leave them to it a while."""
    subscription_ids = set(notifications.values_list("subscription_id", flat=True).distinct())
    hold(subscription_ids, now + STALE_AFTER)
    return subscription_ids


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
    subscription = _subscription(stop, organisation, email=email)
    ask_to_confirm(email, again=True)
    return subscription


def _subscription(stop, organisation, **address):
    """The subscription of `address` (email= or phone=) to `stop`, or without one to every stop of
    `organisation`: found, or made. The same form posted twice at the same moment gives one."""
    followed = None if stop else organisation
    try:
        with transaction.atomic():
            subscription = Subscription.objects.get_or_create(stop=stop, organisation=followed, **address)[0]
    except IntegrityError:
        subscription = Subscription.objects.get(stop=stop, organisation=followed, **address)
    # Its mails and SMS are written in the language of the page it was last asked from.
    if subscription.language != translation.get_language():
        subscription.language = translation.get_language()
        subscription.save(update_fields=["language"])
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
            .order_by("pk")  # the mail names them in the order they were asked for
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
        with translation.override(named[-1].language):  # the language of the last page it was asked from
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
    addresses = Subscription.objects.by_mail().not_asked().filter(created_at__gte=now - UNCONFIRMED_KEPT)
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
    never_answered = set(expired.by_mail().exclude(confirmation_token="").values_list("email", flat=True))
    deleted, _by_model = expired.delete()
    waited, _by_model = Subscription.objects.by_mail().not_asked().filter(email__in=never_answered).delete()
    return deleted + waited


def waiting(email):
    """The subscriptions of `email` that no confirmation mail has asked about yet."""
    return list(Subscription.objects.by_mail().not_asked().filter(email=email).select_related("stop"))


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
    subscription = Subscription.objects.by_mail().filter(token=token).select_related("stop").first()
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
    """The mail of `changes`, rendered once per set of changes and language, to `subscription`."""
    key = ("mail", tuple(sorted(change.pk for change in changes)), translation.get_language())
    if key not in news:
        stops = {}
        for change in changes:
            stops.setdefault(change.stop, set()).update(change.days)
        context = {"stops": [_stop_news(stop, days, news) for stop, days in stops.items()]}
        news[key] = emails.render(
            "schedule_changed",
            context,
            organisations=[stop.organisation for stop in stops],
            unsubscribe_url=emails.EACH_UNSUBSCRIBE_URL,
        )
    return news[key].message(subscription.email, unsubscribe_url(subscription))


def _stop_news(stop, days, cache):
    """What the subscriber should know of `stop`: today's state of the changed days, and what comes next."""
    key = (stop.pk, frozenset(days), translation.get_language())
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


def _reminder_message(subscription, stop, day, news):
    """The reminder of `stop`'s `day`, rendered once per language, to `subscription`."""
    key = ("reminder", stop.pk, day, translation.get_language())
    if key not in news:
        openings = schedule.openings(day, day, [stop])
        context = {
            "stop": stop,
            "day": day,
            "url": settings.SITE_URL + stop.get_absolute_url(),
            "cancelled": [o for o in openings if not o.is_open],
            "extra": [o for o in openings if o.extra],
        }
        news[key] = emails.render(
            "reminder", context, organisations=[stop.organisation], unsubscribe_url=emails.EACH_UNSUBSCRIBE_URL
        )
    return news[key].message(subscription.email, unsubscribe_url(subscription))


# By SMS ------------------------------------------------------------------------------

# A code typed on the page confirms an SMS subscription: valid this long, for this many tries.
CODE_VALID = datetime.timedelta(minutes=15)
CODE_ATTEMPTS = 5
BUDGET_WARNING = 0.8


class OverBudget(Exception):
    """The organisation has sent every SMS of its month: nothing was sent."""


class CodeRefused(Exception):
    """A wrong code: `attempts_left` more may be typed (0: ask for a new one)."""

    def __init__(self, attempts_left):
        super().__init__(attempts_left)
        self.attempts_left = attempts_left


class CodeExpired(Exception):
    """No code waits for this number: none was sent, it is over 15 minutes old, or void after 5 wrong ones."""


class SmsBudget(NamedTuple):
    sent: int
    budget: int

    @property
    def share(self):
        return self.sent / self.budget if self.budget else 1

    @property
    def warning(self):
        return self.share >= BUDGET_WARNING

    @property
    def exhausted(self):
        return self.sent >= self.budget


def sms_budgets(organisations, day):
    """[(organisation, SmsBudget)] of the month of `day`, by name: in one query."""
    month = Q(sms_sent__day__gte=day.replace(day=1), sms_sent__day__lte=day)
    rows = organisations.annotate(sms_this_month=Count("sms_sent", filter=month)).order_by("name")
    return [(o, SmsBudget(o.sms_this_month, _budget_of(o))) for o in rows]


def _budget_of(organisation):
    budget = organisation.sms_monthly_budget
    return settings.SMS_MONTHLY_BUDGET if budget is None else budget


def sms_budget(organisation, day):
    """The SMS `organisation` sent in the month of `day`, and how many it may send."""
    sent = SmsSent.objects.in_month(day).filter(organisation=organisation).count()
    return SmsBudget(sent, _budget_of(organisation))


def _count_sent(organisation, kind, count, now):
    """Count `count` SMS against the budget of `organisation`: each part of a longer SMS is one."""
    day = timezone.localdate(now)
    SmsSent.objects.bulk_create([SmsSent(organisation=organisation, day=day, kind=kind) for _ in range(count)])


def send_text(organisation, phone, text, kind=SmsSent.Kind.TEXT, now=None):
    """Send `text` to `phone` (E.164) in one SMS under `organisation`'s name, within its monthly budget.

    The text is written in the alphabet of the active language and shortened to its limit (one
    GSM segment; UCS-2 parts for Arabic and Chinese). Raises OverBudget (nothing sent),
    sms.RecipientRefused or sms.SendingFailed."""
    now = now or timezone.now()
    if sms_budget(organisation, timezone.localdate(now)).exhausted:
        raise OverBudget
    alphabet = gsm.alphabet(translation.get_language())
    body = gsm.shorten(alphabet.prepare(" ".join(text.split())), alphabet.limit, alphabet.measure)
    with sms.get_connection() as connection:
        connection.send_messages([sms.Message(to=phone, body=body, sender=organisation.sender)])
    _count_sent(organisation, kind, gsm.segments(body), now)


def subscribe_by_sms(phone, stop, organisation, now=None):
    """Register `phone` for the changes of `stop` (None: every stop of `organisation`) and send it a
    code to type on the page. Nothing but that code is sent before it is typed."""
    subscription = _subscription(stop, organisation, phone=phone)
    if subscription.confirmed_at is None:
        send_code(phone, organisation, now)
    return subscription


def send_code(phone, organisation, now=None):
    """A new code for the unconfirmed subscriptions of `phone`: the old one no longer works.
    A number the provider refuses is erased with them."""
    now = now or timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    waiting = Subscription.objects.by_sms().filter(phone=phone, confirmed_at=None)
    if sms_budget(organisation, timezone.localdate(now)).exhausted:
        waiting.delete()
        raise OverBudget
    waiting.update(code_hash=_code_hash(phone, code), code_sent_at=now, code_attempts=0)
    body = sms_text("code", {"code": code}, {"sender": organisation.sender})
    try:
        with sms.get_connection() as connection:
            connection.send_messages([sms.Message(to=phone, body=body, sender=organisation.sender)])
    except sms.RecipientRefused:
        waiting.delete()
        raise
    except sms.SendingFailed:
        waiting.update(code_hash="", code_sent_at=None)
        raise
    _count_sent(organisation, SmsSent.Kind.CODE, gsm.segments(body), now)


def confirm_code(phone, code, now=None):
    """The code typed for `phone`: right, its subscriptions start (returned); wrong, CodeRefused;
    none valid, CodeExpired."""
    now = now or timezone.now()
    with transaction.atomic():
        waiting = list(
            Subscription.objects.select_for_update(of=("self",))
            .by_sms()
            .filter(phone=phone, confirmed_at=None)
            .exclude(code_hash="")
            .select_related("stop", "organisation")
        )
        if not waiting or waiting[0].code_sent_at < now - CODE_VALID or waiting[0].code_attempts >= CODE_ATTEMPTS:
            raise CodeExpired
        if constant_time_compare(waiting[0].code_hash, _code_hash(phone, code.strip())):
            for subscription in waiting:
                subscription.leave_code = subscription.leave_code or new_leave_code()
                subscription.confirmed_at = now
                subscription.code_hash = ""
                subscription.save(update_fields=["leave_code", "confirmed_at", "code_hash"])
            return waiting
        attempts = waiting[0].code_attempts + 1
        Subscription.objects.filter(pk__in=[s.pk for s in waiting]).update(code_attempts=attempts)
    raise CodeRefused(CODE_ATTEMPTS - attempts)


def _code_hash(phone, code):
    return salted_hmac("stops.sms-code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def leaving_by_code(leave_code):
    """The subscription whose SMS carried the link `/d/<leave_code>/`, or None."""
    if not leave_code:
        return None
    return Subscription.objects.filter(leave_code=leave_code.lower()).select_related("stop", "organisation").first()


def leave_by_sms(phone):
    """Every subscription of `phone` erased, and the number with them; returns how many there were."""
    deleted, _by_model = Subscription.objects.by_sms().filter(phone=phone).delete()
    return deleted


# The SMS -----------------------------------------------------------------------------


# What an SMS may leave out, in this order, rather than cut its end (where its links are).
SMS_OPTIONAL = {"change": ("more", "next")}


def sms_text(name, context, parts):
    """The SMS of templates/sms/<name>.txt in the active language, within the limit of its alphabet
    (one GSM segment; for Arabic and Chinese, UCS-2 parts): `parts` (a stop's name, a reason: what
    may be long) are shortened as much as needed, `context` is kept whole. When even that is too
    long, the keys of SMS_OPTIONAL[name] are left out of `context`, one after the other (the
    template says nothing of a value left out), before the end of the text is cut: the links
    are kept."""
    alphabet = gsm.alphabet(translation.get_language())
    parts = {key: alphabet.prepare(" ".join(str(value).split())) for key, value in parts.items()}
    kept = [str(context[key]) for key in ("link", "leave") if context.get(key)]
    optional = SMS_OPTIONAL.get(name, ())
    for left_out in range(len(optional) + 1):
        shown = context | dict.fromkeys(optional[:left_out])
        text = gsm.fit(
            lambda **shortened: _render_sms(name, shown | shortened, alphabet),  # noqa: B023
            parts,
            alphabet=alphabet,
        )
        if all(link in text for link in kept):
            break
    return text


def _render_sms(name, context, alphabet=gsm.GSM):
    return alphabet.prepare(" ".join(render_to_string(f"sms/{name}.txt", context).split()))


def _leave_url(subscription):
    return links.printed(settings.SITE_URL + reverse("stops:sms_leave", args=[subscription.leave_code]))


def _changes_sms(subscription, changes, news):
    stops = {}
    for change in changes:
        stops.setdefault(change.stop, set()).update(change.days)
    told = [_stop_news(stop, days, news) for stop, days in stops.items()]
    first = told[0]
    items = list(dict.fromkeys(_changed_items(first))) or [(_("horaires modifiés"), "")]
    following = first["next"][0] if first["next"] else None
    context = {
        "what": items[0][0],
        "more": len(items) - 1 + len(told) - 1,  # another stop's changes count as one
        "next": following and f"{wording.short_date(following.date)} {wording.format_time(following.start)}",
        "link": links.printed(links.short_url(first["stop"])),
        "leave": _leave_url(subscription),
    }
    parts = {"sender": first["stop"].organisation.sender, "reason": items[0][1], "stop": short_name(first["stop"])}
    return _sms_to(subscription, sms_text("change", context, parts))


def _changed_items(news):
    """What changed at a stop, each in a few words and its reason: (« mar. 1/12 annulé », « bus en panne »)."""
    for opening in news["changed"]:
        yield _what(opening.date, opening)
    for day in news["closed_days"]:
        yield _("%(day)s plus d'ouverture") % {"day": wording.short_date(day)}, ""


def _what(day, opening):
    day = wording.short_date(day)
    if opening is None:
        return _("%(day)s horaires modifiés") % {"day": day}, ""
    reason = _lower_first(opening.reason or "")
    if not opening.is_open:
        return _("%(day)s annulé") % {"day": day}, reason
    hours = f"{wording.format_time(opening.start)}-{wording.format_time(opening.end)}"
    if opening.extra:
        return _("%(day)s ouverture exceptionnelle %(hours)s") % {"day": day, "hours": hours}, reason
    return _("%(day)s ouvert %(hours)s") % {"day": day, "hours": hours}, ""


def _reminder_sms(subscription, stop, day):
    openings = schedule.openings(day, day, [stop])
    unusual = [o for o in openings if not o.is_open] or [o for o in openings if o.extra] or [None]
    what, reason = _what(day, unusual[0])
    context = {"what": what, "link": links.printed(links.short_url(stop)), "leave": _leave_url(subscription)}
    parts = {"sender": stop.organisation.sender, "reason": reason, "stop": short_name(stop)}
    return _sms_to(subscription, sms_text("reminder", context, parts))


def _lower_first(text):
    """« Bus en panne » → « bus en panne », inside a sentence; « CAF fermée » stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def short_name(stop):
    """A stop's name without what all stops of a bus share: « Bus Mairie mobile – Esplanade Nathalie
    Sarraute » → « Esplanade Nathalie Sarraute »."""
    return stop.name.rsplit(" – ", 1)[-1]


def _sms_to(subscription, body):
    return sms.Message(to=subscription.phone, body=body, sender=subscription.followed_organisation.sender)
