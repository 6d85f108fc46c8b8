"""Visits (passages) of residents at a stop, and the demands handled for them.

No name is stored by default. A follow-up contact is kept apart, only with the
person's consent, and erased after the retention period (`FollowUpContact`).
"""

import datetime

import phonenumbers
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from organisations import access


class Status(models.TextChoices):
    WAITING = "waiting", _("En attente")
    DEBLAYAGE = "deblayage", _("Déblayage")
    READY = "ready", _("Attend l'accompagnement")
    ACCOMPAGNEMENT = "accompagnement", _("Accompagnement")
    DONE = "done", _("Terminé")
    ORIENTED = "oriented", _("Orienté")
    TO_COME_BACK = "to_come_back", _("Reviendra avec les pièces")
    LEFT = "left", _("Parti sans être reçu")


# Visitors still in the bus, in the order of the steps.
ACTIVE = [Status.WAITING, Status.DEBLAYAGE, Status.READY, Status.ACCOMPAGNEMENT]
FINISHED = [Status.DONE, Status.ORIENTED, Status.TO_COME_BACK, Status.LEFT]


class AgeBand(models.TextChoices):
    UNDER_26 = "under_26", _("Moins de 26 ans")
    FROM_26 = "26_39", _("26 à 39 ans")
    FROM_40 = "40_59", _("40 à 59 ans")
    FROM_60 = "60_74", _("60 à 74 ans")
    FROM_75 = "75_plus", _("75 ans et plus")


class HeardFrom(models.TextChoices):
    PASSING_BY = "passing_by", _("En passant devant")
    WORD_OF_MOUTH = "word_of_mouth", _("Bouche-à-oreille")
    SOCIAL_WORKER = "social_worker", _("Travailleur social ou association")
    CITY = "city", _("Mairie, paris.fr ou affichage")
    PARTNER = "partner", _("Un partenaire (Caf, CPAM…)")
    OTHER = "other", _("Autre")


class VisitQuerySet(models.QuerySet):
    def of_day(self, stop, day):
        return self.filter(stop=stop, service_day=day)

    def in_queue(self, stop, day):
        """The visitors of the day still in the bus, oldest first."""
        return self.of_day(stop, day).filter(status__in=ACTIVE).order_by("ticket")

    def left_in_progress(self, stop, day):
        """The visits of the days before `day` that were not finished, oldest first."""
        return self.filter(stop=stop, service_day__lt=day, status__in=ACTIVE).order_by("service_day", "ticket")

    def for_member(self, user, role):
        """The visits at the stops of the organisations where `user` may act as `role`."""
        return access.scope(self, user, role, "stop__organisation")

    def handled_by(self, agent):
        return self.filter(Q(registered_by=agent) | Q(deblayage_agent=agent) | Q(accompagnement_agent=agent)).distinct()


# Who has a visit in hand at each step someone holds; the accompaniment's agent keeps a done visit.
HOLDERS = {
    Status.DEBLAYAGE: "deblayage_agent",
    Status.ACCOMPAGNEMENT: "accompagnement_agent",
    Status.DONE: "accompagnement_agent",
}
# The steps an agent works through with the visitor, which a colleague may take over.
STEPS_IN_HAND = (Status.DEBLAYAGE, Status.ACCOMPAGNEMENT)
# How a visit ended, said once.
ENDED = {
    Status.DONE: _("Le passage du n° %(ticket)s est déjà terminé."),
    Status.TO_COME_BACK: _("Le passage du n° %(ticket)s est terminé : la personne reviendra avec ses pièces."),
    Status.LEFT: _("Le passage du n° %(ticket)s est terminé : la personne est partie sans être reçue."),
}


def agent_name(user):
    return user.get_full_name() or user.get_username()


class Visit(models.Model):
    stop = models.ForeignKey("stops.Stop", on_delete=models.PROTECT, related_name="visits", verbose_name=_("arrêt"))
    service_day = models.DateField(_("jour"))
    ticket = models.PositiveIntegerField(_("ticket"))
    status = models.CharField(_("étape"), max_length=20, choices=Status.choices, default=Status.WAITING)
    # The address of the visitor's ticket page (/ticket/<code>/), given at the pré-accueil
    # (visits.intake.new_ticket_code); visits registered before tickets existed have none.
    ticket_code = models.CharField(max_length=24, unique=True, null=True, blank=True, editable=False)
    # Generated with the pré-accueil form: the same form posted twice gives one visit.
    idempotency_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    # The number a computer without connection gave the visitor ("B-3": its letter, then its own
    # count), kept with the final ticket so that the agent can tell them which is theirs.
    provisional_ticket = models.CharField(_("ticket provisoire"), max_length=12, blank=True, editable=False)
    # Some of its times were recorded by a computer without connection, and sent later (visits.offline).
    recorded_offline = models.BooleanField(_("saisi hors connexion"), default=False, editable=False)

    arrived_at = models.DateTimeField(_("arrivée"), default=timezone.now)
    deblayage_started_at = models.DateTimeField(_("début du déblayage"), null=True, blank=True)
    accompagnement_started_at = models.DateTimeField(_("début de l'accompagnement"), null=True, blank=True)
    ended_at = models.DateTimeField(_("fin"), null=True, blank=True)
    accompagnement_minutes = models.PositiveSmallIntegerField(
        _("durée de l'accompagnement (minutes)"), null=True, blank=True
    )

    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("pré-accueil")
    )
    deblayage_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent du déblayage"),
    )
    accompagnement_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent de l'accompagnement"),
    )

    orientation_target = models.ForeignKey(
        "partners.OrientationTarget",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("orienté vers"),
    )

    # Déblayage checklist.
    has_internet = models.BooleanField(_("connexion internet qui fonctionne"), default=False)
    has_access_codes = models.BooleanField(_("codes d'accès aux comptes"), default=False)
    has_documents = models.BooleanField(_("documents nécessaires"), default=False)
    has_email_access = models.BooleanField(_("accès à sa messagerie"), default=False)
    missing = models.TextField(_("ce qui manque"), blank=True)

    note = models.TextField(_("note"), blank=True)

    # Anonymous profile, optional.
    age_band = models.CharField(_("tranche d'âge"), max_length=10, choices=AgeBand.choices, blank=True)
    residence = models.CharField(_("arrondissement ou commune"), max_length=80, blank=True)
    first_visit = models.BooleanField(_("première venue"), null=True, blank=True)
    heard_from = models.CharField(_("a connu le service par"), max_length=20, choices=HeardFrom.choices, blank=True)

    # When the visitor gave their opinion on their ticket's page: one per ticket. The opinion
    # itself (Feedback) does not point back to the visit.
    feedback_given_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-service_day", "ticket"]
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        constraints = [
            models.UniqueConstraint(fields=["stop", "service_day", "ticket"], name="visit_unique_ticket"),
            models.UniqueConstraint(
                fields=["stop", "service_day", "provisional_ticket"],
                condition=~Q(provisional_ticket=""),
                name="visit_unique_provisional_ticket",
            ),
            models.CheckConstraint(
                condition=~Q(status="oriented") | Q(orientation_target__isnull=False),
                name="visit_oriented_has_target",
            ),
        ]
        indexes = [
            # The queue: a stop's visitors of the day still in the bus.
            models.Index(fields=["stop", "service_day", "status"], name="visit_queue"),
            # Statistics of every stop over a period.
            models.Index(fields=["service_day"], name="visit_day"),
            # "My visits today".
            models.Index(fields=["service_day", "accompagnement_agent"], name="visit_day_agent"),
        ]

    def __str__(self):
        return f"n° {self.ticket} – {self.stop} – {self.service_day:%d/%m/%Y}"

    @property
    def is_active(self):
        return self.status in ACTIVE

    @property
    def is_finished(self):
        return self.status in FINISHED

    @property
    def is_of_an_earlier_day(self):
        """Its day is over: left in progress, it can only be ended (see visits.intake)."""
        return self.service_day < timezone.localdate()

    @property
    def holder(self):
        """The agent who has the visit in hand at its step, or None."""
        field = HOLDERS.get(self.status)
        return getattr(self, field) if field else None

    def is_held_by(self, agent, step):
        """True when the visit is at `step` in the hands of `agent`."""
        return self.status == step and getattr(self, f"{HOLDERS[step]}_id") == agent.pk

    def actions_for(self, agent):
        """What `agent` can do with the visit, in progress, from the queue: "continue" their own
        step, "take_over" a colleague's, start the "deblayage" or the "accompagnement", or mark
        the visitor "left". A visit of an earlier day is only ended: an accompaniment is
        finished, any other visitor marked as left."""
        earlier = self.is_of_an_earlier_day
        possible = set()
        if (who := self.holder) is not None and (not earlier or self.status == Status.ACCOMPAGNEMENT):
            possible.add("continue" if who == agent else "take_over")
        if not earlier and self.status == Status.WAITING:
            possible.add("deblayage")
        if not earlier and self.status in (Status.WAITING, Status.READY):
            possible.add("accompagnement")
        if not earlier or self.status != Status.ACCOMPAGNEMENT:
            possible.add("left")
        return possible

    def describe(self):
        """Where the visit is, and who has it: why an agent cannot act on it now."""
        who = self.holder
        if self.status in STEPS_IN_HAND and who:
            return _("%(agent)s s'occupe déjà du n° %(ticket)s (%(step)s).") % {
                "agent": agent_name(who),
                "ticket": self.ticket,
                "step": self.get_status_display().lower(),
            }
        if self.status == Status.ORIENTED:
            return _("Le n° %(ticket)s a été orienté vers %(target)s : son passage est terminé.") % {
                "ticket": self.ticket,
                "target": self.orientation_target,
            }
        if not self.is_active:
            return ENDED[self.status] % {"ticket": self.ticket}
        return _("Le n° %(ticket)s est à l'étape « %(step)s » : impossible pour l'instant.") % {
            "ticket": self.ticket,
            "step": self.get_status_display(),
        }

    @property
    def ticket_stage(self):
        """What the visitor's ticket page says: "waiting" their turn, "your_turn" (an agent took
        them), or "finished"."""
        if self.status == Status.WAITING:
            return "waiting"
        if self.is_active:
            return "your_turn"
        return "finished"

    @property
    def reason_values(self):
        """What the visitor came for, as the demands' forms name it (partners.models.Reason.value):
        "d<procedure id>", or "p<partner id>" without a procedure. Reads `demands` (prefetch them)."""
        return [f"d{d.procedure_id}" if d.procedure_id else f"p{d.partner_id}" for d in self.demands.all()]

    def ticket_expired(self, now=None):
        """A ticket's page is valid until the end of its service day."""
        return timezone.localdate(now) > self.service_day

    def waiting_minutes(self, now=None):
        """Minutes since arrival, until the accompaniment starts (or now)."""
        until = self.accompagnement_started_at or self.ended_at or now or timezone.now()
        return max(0, int((until - self.arrived_at) / datetime.timedelta(minutes=1)))


class OfflineDevice(models.Model):
    """A computer of the bus at a stop on a day, and the letter of the provisional tickets it
    gives without connection: two computers never give the same "B-3"."""

    stop = models.ForeignKey("stops.Stop", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    device = models.UUIDField()  # made by the computer's browser, kept in its storage
    letter = models.CharField(max_length=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stop", "day", "device"], name="offline_device_unique_device"),
            models.UniqueConstraint(fields=["stop", "day", "letter"], name="offline_device_unique_letter"),
        ]

    def __str__(self):
        return f"{self.stop_id} {self.day}: {self.letter}"


class OfflineAction(models.Model):
    """An action recorded by a computer without connection, once the server received it: its
    outcome is kept under its key, so that sending it again answers the same and does nothing."""

    key = models.UUIDField(unique=True)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    device = models.UUIDField(null=True, blank=True)
    kind = models.CharField(max_length=30)
    visit = models.ForeignKey(Visit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)  # the computer's clock
    received_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField()
    result = models.JSONField(default=dict)

    def __str__(self):
        return f"{self.kind} {self.key}: {self.status_code}"


class TicketCounter(models.Model):
    """The last ticket given at a stop on a day; see visits.intake.next_ticket()."""

    stop = models.ForeignKey("stops.Stop", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stop", "day"], name="ticket_counter_unique_day")]

    def __str__(self):
        return f"{self.stop_id} {self.day}: {self.last}"


class Demand(models.Model):
    """One procedure a visitor came for. France services reporting counts demands."""

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Résolue")
        IN_PROGRESS = "in_progress", _("En cours")
        FOLLOW_UP = "follow_up", _("Suivi nécessaire")
        REDIRECTED = "redirected", _("Réorientée")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="demands", verbose_name=_("passage"))
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, verbose_name=_("partenaire"))
    procedure = models.ForeignKey(
        "partners.Procedure", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("démarche")
    )
    # Empty until the demand is handled (or redirected at pré-accueil).
    outcome = models.CharField(_("résultat"), max_length=20, choices=Outcome.choices, blank=True)
    # The visit's day, which never changes: statistics read a period's demands without joining visits.
    service_day = models.DateField(_("jour"), editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        indexes = [
            # Statistics: the demands of a period, by partner.
            models.Index(fields=["service_day", "partner"], name="demand_day_partner"),
        ]

    def __str__(self):
        return f"{self.partner} – {self.procedure.label}" if self.procedure else str(self.partner)

    def save(self, *args, **kwargs):
        if self.service_day is None:
            self.service_day = self.visit.service_day
        super().save(*args, **kwargs)


class FollowUpContact(models.Model):
    """How to reach a visitor again, kept only with their consent and erased after the retention period."""

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="follow_up_contact")
    name = models.CharField(_("nom"), max_length=120)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    consent_at = models.DateTimeField(_("consentement recueilli le"))
    created_at = models.DateTimeField(_("enregistré le"), default=timezone.now)

    class Meta:
        verbose_name = _("contact de suivi")
        verbose_name_plural = _("contacts de suivi")
        constraints = [
            models.CheckConstraint(condition=~Q(phone="") | ~Q(email=""), name="follow_up_has_a_way"),
        ]
        indexes = [
            # The daily purge: contacts older than the retention period.
            models.Index(fields=["created_at"], name="follow_up_created"),
        ]

    def __str__(self):
        return self.name


# The déblayage's checklist, and the anonymous profile asked at the pré-accueil.
CHECKLIST_FIELDS = ["has_internet", "has_access_codes", "has_documents", "has_email_access"]
PROFILE_FIELDS = ["age_band", "residence", "first_visit", "heard_from"]

# What an agent may correct in a finished visit, in the order the history lists it.
CORRECTABLE_FIELDS = [
    "accompagnement_minutes",
    "note",
    "missing",
    "orientation_target",
    "age_band",
    "residence",
    "first_visit",
    "heard_from",
]


class VisitCorrection(models.Model):
    """A correction of a finished visit: who, when, what (field: [before, after])."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="corrections")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    changes = models.JSONField()

    class Meta:
        ordering = ["at"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self):
        return f"{self.visit} – {self.at:%d/%m/%Y %H:%M}"

    def lines(self):
        """The correction in plain French, one line per thing changed."""
        for name in [*CORRECTABLE_FIELDS, "demands"]:
            if name not in self.changes:
                continue
            before, after = self.changes[name]
            label = _("demandes") if name == "demands" else Visit._meta.get_field(name).verbose_name
            if isinstance(before, list):
                before, after = " ; ".join(before), " ; ".join(after)
            yield f"{capfirst(label)} : {before or _('vide')} → {after or _('vide')}"


class DailyActivity(models.Model):
    """The counted activity of a day that is over at the stops of an organisation, or without one
    of every organisation (see visits/stats.py), counted again when one of its visits, left in
    progress, is finished later."""

    day = models.DateField()
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    figures = models.JSONField()

    class Meta:
        verbose_name = _("activité d'une journée")
        verbose_name_plural = _("activité des journées")
        constraints = [
            models.UniqueConstraint(fields=["day", "organisation"], nulls_distinct=False, name="activity_once_a_day")
        ]

    def __str__(self):
        return str(self.day)


class TicketAlert(models.Model):
    """A visitor asked, on their ticket's page, for an SMS when two people are left before them
    (visits.tickets). The number is kept until that SMS leaves, never past the service day."""

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="alert", verbose_name=_("passage"))
    phone = models.CharField(_("numéro de mobile"), max_length=20, blank=True)
    asked_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    sent_at = models.DateTimeField(_("SMS envoyé le"), null=True, blank=True)
    # The language of the page it was asked from: the SMS is written in it.
    language = models.CharField(
        _("langue"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE, editable=False
    )

    class Meta:
        verbose_name = _("alerte SMS d'un ticket")
        verbose_name_plural = _("alertes SMS des tickets")

    def __str__(self):
        return str(self.visit)

    @property
    def phone_shown(self):
        """The number as its holder recognises it, its middle hidden: « 06 •• •• •• 78 »."""
        number = phonenumbers.parse(self.phone)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).split()
        # Non-breaking spaces: a number is not cut at the end of a line.
        return "\u00a0".join([national[0], *["••"] * (len(national) - 2), national[-1]])


class Mood(models.TextChoices):
    """How the visit went, for the person: three faces."""

    GOOD = "good", _("Bien")
    AVERAGE = "average", _("Moyen")
    BAD = "bad", _("Pas bien")


class Answered(models.TextChoices):
    YES = "yes", _("Oui")
    PARTLY = "partly", _("En partie")
    NO = "no", _("Non")


class FeedbackQuerySet(models.QuerySet):
    def for_member(self, user, role):
        """The opinions given at the stops of the organisations where `user` may act as `role`."""
        return access.scope(self, user, role, "stop__organisation")

    def published_notes(self):
        """What was changed thanks to the opinions, as the coordinators chose to publish it."""
        return self.filter(note_published=True).exclude(handled_note="").order_by("-handled_at")


class Feedback(models.Model):
    """A visitor's opinion, given on their ticket's page once the visit is over, or on the
    bus's kiosk (visits.feedback). Anonymous: it names no visit, only the stop, the day and
    the partners of the visit's demands (through the ticket); the ticket itself only records
    that its opinion was given (`Visit.feedback_given_at`), so that it is given once."""

    class Source(models.TextChoices):
        TICKET = "ticket", _("Page du ticket")
        KIOSK = "kiosk", _("Borne du bus")

    stop = models.ForeignKey("stops.Stop", on_delete=models.CASCADE, related_name="feedback", verbose_name=_("arrêt"))
    service_day = models.DateField(_("jour"))
    source = models.CharField(_("donné sur"), max_length=10, choices=Source.choices)
    partners = models.ManyToManyField(
        "partners.Partner", blank=True, related_name="+", verbose_name=_("partenaires des demandes")
    )
    mood = models.CharField(_("comment ça s'est passé"), max_length=10, choices=Mood.choices)
    answered = models.CharField(_("réponse à la demande"), max_length=10, choices=Answered.choices, blank=True)
    clarity = models.PositiveSmallIntegerField(
        _("clarté des explications (1 à 5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    # E-mail addresses and phone numbers are masked before it is saved (visits.feedback.mask).
    comment = models.TextField(_("commentaire"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("donné le"), default=timezone.now)

    # "Feedback taken into account": a coordinator marks a comment as handled, says what was
    # done, and may publish that note on the commitments page (never the comment itself).
    handled_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traité par"),
    )
    handled_note = models.TextField(_("ce qui a été fait"), max_length=1000, blank=True)
    note_published = models.BooleanField(_("publier ce qui a été fait"), default=False)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("avis")
        verbose_name_plural = _("avis")
        constraints = [
            models.CheckConstraint(
                condition=Q(clarity__isnull=True) | Q(clarity__range=(1, 5)), name="feedback_clarity_1_to_5"
            ),
            # The kiosk takes no free text: nobody types on it.
            models.CheckConstraint(condition=~Q(source="kiosk") | Q(comment=""), name="feedback_kiosk_no_comment"),
        ]
        indexes = [
            # The figures of a period at some stops, and the kiosk's rate.
            models.Index(fields=["stop", "service_day"], name="feedback_stop_day"),
            models.Index(fields=["service_day"], name="feedback_day"),
        ]

    def __str__(self):
        return f"{self.stop} – {self.service_day:%d/%m/%Y} – {self.get_mood_display()}"


class CommitmentQuerySet(models.QuerySet):
    def replace(self, organisation, commitments):
        """Make `commitments` (unsaved, of `organisation`) its commitments: those not among them end.
        Of two choices saved at once, the last one stands whole: the organisation's row is locked
        meanwhile (otherwise each would keep the kinds the other added)."""
        kinds = [commitment.kind for commitment in commitments]
        with transaction.atomic():
            type(organisation).objects.select_for_update().filter(pk=organisation.pk).first()
            self.filter(organisation=organisation).exclude(kind__in=kinds).delete()
            for commitment in commitments:
                fields = {f.name: getattr(commitment, f.name) for f in self.model._meta.concrete_fields}
                for name in ("id", "organisation", "kind"):
                    fields.pop(name)
                self.update_or_create(organisation=organisation, kind=commitment.kind, defaults=fields)


class Commitment(models.Model):
    """A service commitment an organisation makes and publishes, measured by the app from the
    activity it records (visits.quality): one of the kinds the app knows how to measure, with
    the organisation's own threshold and target."""

    class Kind(models.TextChoices):
        QUICK_WELCOME = "quick_welcome", _("Accueil rapide")
        RELIABLE_HOURS = "reliable_hours", _("Horaires fiables")
        ANSWER_ON_SITE = "answer_on_site", _("Réponse sur place")
        SATISFACTION = "satisfaction", _("Satisfaction")

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="commitments", verbose_name=_("structure")
    )
    kind = models.CharField(_("engagement"), max_length=20, choices=Kind.choices)
    # Accueil rapide: received within this many minutes of arrival.
    minutes = models.PositiveSmallIntegerField(
        _("reçu en moins de (minutes)"), default=20, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    # Horaires fiables: a cancellation announced at least this many hours before the opening.
    notice_hours = models.PositiveSmallIntegerField(
        _("annulation annoncée au moins (heures) avant"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
    )
    # The share the organisation aims for, in per cent.
    target = models.PositiveSmallIntegerField(
        _("objectif (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    text = models.CharField(_("précision publiée avec l'engagement"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "position", "pk"]
        verbose_name = _("engagement de service")
        verbose_name_plural = _("engagements de service")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="commitment_once_per_kind"),
            models.CheckConstraint(condition=Q(target__range=(1, 100)), name="commitment_target_percent"),
        ]

    def __str__(self):
        return f"{self.organisation} – {self.get_kind_display()}"
