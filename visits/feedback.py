"""Visitors' opinions: given once per ticket on its page when the visit is over, or on the
bus's kiosk (a tablet by the door) by those without a phone.

An opinion is anonymous. It keeps the stop, the day and, through the ticket, the partners of
the visit's demands; never the visit. A ticket's opinion and the ticket's own mark that it was
given (`Visit.feedback_given_at`) carry the start of the service day, not the minute: with the
minute on both, or with the minute the visit ended, anyone with the database could pair them.

The kiosk's opinions keep their minute for the day only, to count the kiosk's pace: the
night after, they too carry the start of their day (`forget_kiosk_minutes`), since the minute
would pair one with the visit that had just ended.

A comment is seen by the organisation's coordinators only; e-mail addresses and phone numbers
in it are masked before it is saved (`mask`). The kiosk takes no free text, and answers at a
plausible pace only, counted in the database so that it holds with Redis down.
"""

import datetime
import re

import phonenumbers
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stops.models import Stop
from stops.schedule import PARIS
from visits import tickets
from visits.models import Feedback, Status, Visit

MASKED_ADDRESS = gettext_lazy("[adresse masquée]")
MASKED_NUMBER = gettext_lazy("[numéro masqué]")
# What is written around an @ in an address, as people type it, also spaced out or spelt
# « (at) », « [at] », « arobase » to dodge a robot, with « . » or « (point) » between its parts (a
# dot followed by a space ends the sentence, not the address).
AT = r"(?:\s*@\s*|\s*[\[(]\s*(?:at|arobase)\s*[\])]\s*|\s+arobase\s+)"
DOT = r"(?:\.|\s*[\[(]\s*(?:dot|point)\s*[\])]\s*)"
EMAIL = re.compile(rf"[\w.!#$%&'*+/=?^`{{|}}~-]+{AT}[\w-]+(?:{DOT}[\w-]+)*", re.IGNORECASE)
# A French number whatever its separator, the same between its pairs of digits (« 06/12/34/56/78 »,
# « 06,12,34,56,78 »), which the phone numbers' library does not take for one; not a date
# followed by an hour (« 05/03/2025 10h »).
FRENCH_NUMBER = re.compile(
    r"(?<!\d)(?:(?:\+|00)33\s*(?:\(0\))?\s*|0)[1-9](?P<separator>[\s./,-]?)\d{2}(?:(?P=separator)\d{2}){3}(?!\d)"
)

# The kiosk: one person at a time at the tablet takes longer than this to answer...
KIOSK_MIN_GAP = datetime.timedelta(seconds=5)
# ...and a busy hour of the bus sees far fewer visitors than this.
KIOSK_PER_HOUR = 60
_HOUR = datetime.timedelta(hours=1)


class FeedbackRefused(Exception):
    """Why an opinion is not taken, in French, for the person."""


class AlreadyGiven(FeedbackRefused):
    pass


class TooFast(FeedbackRefused):
    """The kiosk answers faster than people can: a 429."""


def mask(text):
    """`text` with its e-mail addresses and phone numbers replaced by a mark that says so."""
    text = EMAIL.sub(str(MASKED_ADDRESS), text)
    text = FRENCH_NUMBER.sub(str(MASKED_NUMBER), text)
    matches = phonenumbers.PhoneNumberMatcher(text, "FR", leniency=phonenumbers.Leniency.POSSIBLE)
    # From the end: the positions of the numbers before stay right.
    for match in reversed(list(matches)):
        text = text[: match.start] + str(MASKED_NUMBER) + text[match.end :]
    return text


def may_give_on_ticket(visit):
    """Whether the ticket's page asks for an opinion: the visit is over, however it ended (even
    without being received: a visitor who gave up after a long wait has the opinion most worth
    hearing), and none was given yet."""
    return visit.is_finished and visit.feedback_given_at is None


def asks_whether_answered(visit):
    """Whether the questions about the answer and the explanations make sense: not for someone
    who left without being received."""
    return visit.status != Status.LEFT


def give_on_ticket(visit, answers):
    """Record the opinion of `visit`'s holder (`answers`: the ticket form's cleaned data).
    Once per ticket: of two forms posted at once, the second is refused (AlreadyGiven)."""
    if not visit.is_finished:
        raise FeedbackRefused(_("Vous pourrez donner votre avis à la fin de votre passage."))
    day = day_start(visit.service_day)
    with transaction.atomic():
        if not Visit.objects.filter(pk=visit.pk, feedback_given_at__isnull=True).update(feedback_given_at=day):
            raise AlreadyGiven(_("Vous avez déjà donné votre avis pour ce ticket. Merci !"))
        feedback = Feedback.objects.create(
            stop_id=visit.stop_id,
            service_day=visit.service_day,
            source=Feedback.Source.TICKET,
            created_at=day,
            comment=mask(answers.get("comment", "")),
            **_answers(answers),
        )
        feedback.partners.set(set(visit.demands.values_list("partner_id", flat=True)))
    visit.feedback_given_at = day
    tickets.changed(visit)  # its page thanks them, and asks no more
    return feedback


def give_on_kiosk(stop, answers, now=None):
    """Record an opinion given on `stop`'s kiosk, for today. No free text, and no faster than
    people answer (TooFast): the stop's row is locked meanwhile, so two tablets count right."""
    if answers.get("comment"):
        raise FeedbackRefused(_("La borne ne prend pas de commentaire."))
    now = now or timezone.now()
    with transaction.atomic():
        Stop.objects.select_for_update().filter(pk=stop.pk).first()  # one kiosk's answer counted at a time
        recent = Feedback.objects.filter(stop=stop, source=Feedback.Source.KIOSK, created_at__gt=now - _HOUR)
        if recent.filter(created_at__gt=now - KIOSK_MIN_GAP).exists() or recent.count() >= KIOSK_PER_HOUR:
            raise TooFast(_("Merci ! Beaucoup d'avis viennent d'être donnés ici : réessayez dans un moment."))
        return Feedback.objects.create(
            stop=stop,
            service_day=timezone.localdate(now),
            source=Feedback.Source.KIOSK,
            created_at=now,
            **_answers(answers),
        )


def forget_kiosk_minutes(today):
    """Nightly: the kiosk's opinions of the days before `today` carry the start of their day
    instead of their minute, as those of the tickets (see above); returns how many changed."""
    timed = Feedback.objects.filter(source=Feedback.Source.KIOSK, service_day__lt=today).filter(
        Q(created_at__hour__gt=0) | Q(created_at__minute__gt=0) | Q(created_at__second__gt=0)
    )
    days = timed.order_by().values_list("service_day", flat=True).distinct()
    return sum(timed.filter(service_day=day).update(created_at=day_start(day)) for day in list(days))


def _answers(answers):
    return {
        "mood": answers["mood"],
        "answered": answers.get("answered") or "",
        "clarity": answers.get("clarity"),
    }


def day_start(day):
    """Midnight, Paris time, at the start of `day`: when an opinion of that day is said to be given."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=PARIS)


def mark_handled(feedback, user, note, publish, now=None):
    """A coordinator says what was done about a comment; `publish`: the note (never the comment)
    may be shown on the commitments page. Once: False if someone handled it meanwhile."""
    now = now or timezone.now()
    changed = Feedback.objects.filter(pk=feedback.pk, handled_at__isnull=True).update(
        handled_at=now, handled_by=user, handled_note=note, note_published=publish
    )
    return bool(changed)
