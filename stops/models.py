import datetime
import re
import secrets
import unicodedata
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mairie_mobile.validators import validate_day
from organisations import access
from organisations.models import Organisation, SchoolZone
from stops import wording

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("Utilisez seulement des lettres minuscules sans accent, des chiffres et des tirets."),
)
postcode_validator = RegexValidator(r"^\d{5}$", _("Un code postal s'écrit avec 5 chiffres."))


class Weekday(models.IntegerChoices):
    # Same numbering as date.weekday().
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


class StopQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_member(self, user, role):
        """The stops of the organisations where `user` may act as `role` (every stop: the national administrator)."""
        return access.scope(self, user, role, "organisation")

    def search(self, query):
        """Stops whose commune, postcode or name matches what a resident typed, with or
        without accents, capitals and hyphens."""
        query = query.strip()
        if not query:
            return self
        matches = Q(postcode__startswith=query)
        if words := search_key(query):
            matches |= Q(search_text__contains=words) | Q(postcode__in=arrondissement_postcodes(words))
        return self.filter(matches)


# The cities divided into arrondissements: the postcode of the first, and how many there are.
ARRONDISSEMENTS = {"paris": (75001, 20), "lyon": (69001, 9), "marseille": (13001, 16)}
ARRONDISSEMENT = re.compile(r"(?:(paris|lyon|marseille) )?(\d{1,2}) ?(e|eme|er|ere)?(?: arrondissement)?")


def arrondissement_postcodes(words):
    """The postcodes a resident means by "18e", "Paris 18", "18ème arrondissement" (a search
    key). A number alone is not one: "18" is also the Cher's postcodes."""
    found = ARRONDISSEMENT.fullmatch(words)
    if found is None or not (found[1] or found[3]):
        return []
    cities = [found[1]] if found[1] else list(ARRONDISSEMENTS)
    number = int(found[2])
    postcodes = [
        f"{ARRONDISSEMENTS[city][0] + number - 1}" for city in cities if 1 <= number <= ARRONDISSEMENTS[city][1]
    ]
    return postcodes + (["75116"] if "75016" in postcodes else [])


def search_key(text):
    """Text as searches compare it: lower case, without accents, words apart.
    "Saint-Étienne", "SAINT ETIENNE" and "saint etienne" give the same key."""
    text = unicodedata.normalize("NFKD", text.casefold()).replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.findall(r"[^\W_]+", "".join(c for c in text if not unicodedata.combining(c))))


class Stop(models.Model):
    class Kind(models.TextChoices):
        BUS = "bus", _("Bus")
        PERMANENCE = "permanence", _("Permanence")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="stops", verbose_name=_("structure")
    )
    slug = models.SlugField(_("identifiant"), unique=True, validators=[slug_validator])
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True, validators=[postcode_validator])
    city = models.CharField(_("commune"), max_length=120, default="Paris")
    landmark = models.CharField(_("repère"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    accessibility_note = models.CharField(_("accessibilité"), max_length=255, blank=True)
    school_holidays_zone = models.CharField(
        _("zone de vacances scolaires"),
        max_length=1,
        choices=SchoolZone.choices,
        blank=True,
        help_text=_("Fermé pendant les vacances scolaires de cette zone. Vide : ouvert pendant les vacances."),
    )
    closed_on_public_holidays = models.BooleanField(_("fermé les jours fériés"), default=True)
    partners = models.ManyToManyField(
        "partners.Partner", blank=True, related_name="stops", verbose_name=_("partenaires")
    )
    active = models.BooleanField(_("actif"), default=True)
    # The name and the commune as searches compare them (search_key), kept up to date by save().
    search_text = models.TextField(editable=False, default="")

    objects = StopQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("arrêt")
        verbose_name_plural = _("arrêts")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="stop_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="stop_longitude_range",
            ),
        ]
        indexes = [
            # The timetable's commune index: active stops grouped by city and postcode.
            models.Index(fields=["active", "postcode", "city"], name="stop_active_place"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.refresh_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "city"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("stops:stop", args=[self.slug])

    @property
    def map_url(self):
        if self.latitude is None or self.longitude is None:
            return ""
        return (
            f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}"
            f"#map=18/{self.latitude}/{self.longitude}"
        )

    def refresh_search_text(self):
        """Called by save(), and by whoever writes stops without it (bulk_create)."""
        self.search_text = search_key(f"{self.name} {self.city}")


class WeeklySlot(models.Model):
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="slots", verbose_name=_("arrêt"))
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    start = models.TimeField(_("début"))
    end = models.TimeField(_("fin"))
    every_weeks = models.PositiveSmallIntegerField(
        _("toutes les N semaines"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
        help_text=_("1 : chaque semaine ; 2 : une semaine sur deux…"),
    )
    starts_on = models.DateField(
        _("premier jour"),
        null=True,
        blank=True,
        validators=[validate_day],
        help_text=_("Obligatoire pour un créneau qui n'a pas lieu chaque semaine : il fixe les semaines concernées."),
    )
    ends_on = models.DateField(_("dernier jour"), null=True, blank=True, validators=[validate_day])

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("créneau hebdomadaire")
        verbose_name_plural = _("créneaux hebdomadaires")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")),
                name="slot_start_before_end",
                violation_error_message=_("L'heure de fin doit être après l'heure de début."),
            ),
            models.CheckConstraint(condition=Q(every_weeks__gte=1, every_weeks__lte=8), name="slot_every_weeks_range"),
            models.CheckConstraint(
                condition=Q(every_weeks=1) | Q(starts_on__isnull=False),
                name="slot_parity_needs_first_day",
                violation_error_message=_("Indiquez le premier jour d'un créneau qui n'a pas lieu chaque semaine."),
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(starts_on__lte=F("ends_on")),
                name="slot_first_day_before_last",
                violation_error_message=_("Le dernier jour ne peut pas être avant le premier jour."),
            ),
        ]

    def __str__(self):
        return wording.slot_label(self)

    @property
    def first_day(self):
        """The first date the slot applies, or None when it runs forever back."""
        if self.starts_on is None:
            return None
        return self.starts_on + datetime.timedelta(days=(self.weekday - self.starts_on.weekday()) % 7)

    def clean(self):
        errors = {}
        if self.start and self.end and self.start >= self.end:
            errors["end"] = _("L'heure de fin doit être après l'heure de début.")
        if self.every_weeks and self.every_weeks > 1 and not self.starts_on:
            errors["starts_on"] = _(
                "Indiquez le premier jour : pour un créneau qui n'a pas lieu chaque semaine, "
                "il fixe les semaines concernées."
            )
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("Le dernier jour ne peut pas être avant le premier jour.")
        if errors:
            raise ValidationError(errors)


class ClosureReason(models.TextChoices):
    """Why a stop is closed, as the public reads it in each language."""

    SCHOOL_HOLIDAYS = "school_holidays", _("Vacances scolaires")
    PUBLIC_HOLIDAY = "public_holiday", _("Jour férié")
    BREAKDOWN = "breakdown", _("Bus en panne")
    STRIKE = "strike", _("Grève")
    WEATHER = "weather", _("Intempéries")
    TRAINING = "training", _("Formation de l'équipe")
    OTHER = "other", _("Autre")


class Closure(models.Model):
    """Days a stop is closed; without a stop, every stop of an organisation, or without either, every
    stop of the country (the national administrator's: a strike day). One-off cancellations are
    one-day closures."""

    stop = models.ForeignKey(
        Stop,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("arrêt"),
        help_text=_("Vide : tous les arrêts de la structure."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("structure"),
        help_text=_("Pour une fermeture de tous ses arrêts ; vide, avec l'arrêt vide : tous les arrêts du pays."),
    )
    first_day = models.DateField(_("premier jour"), validators=[validate_day])
    last_day = models.DateField(_("dernier jour"), validators=[validate_day])
    # Chosen from a list, so that the public reads it in their language; the detail stays as typed.
    reason_kind = models.CharField(
        _("motif"), max_length=20, choices=ClosureReason.choices, default=ClosureReason.OTHER
    )
    reason = models.CharField(
        _("précision affichée au public"),
        max_length=200,
        blank=True,
        help_text=_("Facultative, sauf pour le motif « Autre ». Elle est affichée telle quelle, sans traduction."),
    )

    class Meta:
        ordering = ["first_day"]
        verbose_name = _("fermeture")
        verbose_name_plural = _("fermetures")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")),
                name="closure_days_in_order",
                violation_error_message=_("Le dernier jour ne peut pas être avant le premier jour."),
            ),
            models.UniqueConstraint(
                fields=["stop", "first_day", "last_day"],
                condition=Q(stop__isnull=False),
                name="closure_unique_per_stop",
                violation_error_message=_("Cette fermeture existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "first_day", "last_day"],
                condition=Q(stop__isnull=True),
                name="closure_unique_everywhere",
                nulls_distinct=False,
                violation_error_message=_("Cette fermeture existe déjà."),
            ),
            models.CheckConstraint(
                condition=Q(stop__isnull=True) | Q(organisation__isnull=True),
                name="closure_of_a_stop_or_of_an_organisation",
            ),
        ]
        indexes = [
            # openings(): closures overlapping a date range.
            models.Index(fields=["last_day", "first_day"], name="closure_range"),
        ]

    def __str__(self):
        return wording.closure_label(self)

    @property
    def public_reason(self):
        """What the public reads, in the language of the moment: « Grève : ligne 3 »."""
        detail = self.reason.strip()
        if self.reason_kind == ClosureReason.OTHER:
            return detail or str(ClosureReason.OTHER.label)
        label = str(ClosureReason(self.reason_kind).label)
        return _("%(kind)s : %(detail)s") % {"kind": label, "detail": detail} if detail else label

    def clean(self):
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError({"last_day": _("Le dernier jour ne peut pas être avant le premier jour.")})
        if self.reason_kind == ClosureReason.OTHER and not self.reason.strip():
            raise ValidationError({"reason": _("Précisez le motif de la fermeture.")})


class ExtraOpening(models.Model):
    """An opening outside the weekly slots. It wins over every closure."""

    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="extra_openings", verbose_name=_("arrêt"))
    date = models.DateField(_("date"), validators=[validate_day])
    start = models.TimeField(_("début"))
    end = models.TimeField(_("fin"))
    reason = models.CharField(_("motif affiché au public"), max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start"]
        verbose_name = _("ouverture exceptionnelle")
        verbose_name_plural = _("ouvertures exceptionnelles")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")),
                name="extra_start_before_end",
                violation_error_message=_("L'heure de fin doit être après l'heure de début."),
            ),
            models.UniqueConstraint(
                fields=["stop", "date", "start"],
                name="extra_unique_start",
                violation_error_message=_("Une ouverture exceptionnelle commence déjà à cette heure ce jour-là."),
            ),
        ]
        indexes = [
            # openings(): extra openings in a date range.
            models.Index(fields=["date"], name="extra_date"),
        ]

    def __str__(self):
        return wording.extra_label(self)

    def clean(self):
        if self.start and self.end and self.start >= self.end:
            raise ValidationError({"end": _("L'heure de fin doit être après l'heure de début.")})


class SchoolHoliday(models.Model):
    """A school holiday period of one zone, first and last day of holiday included.

    The day classes resume is not part of it. Seeded from `vacances-scolaires-france`;
    a coordinator adds the periods the ministry publishes before the package knows them.
    """

    class Source(models.TextChoices):
        PACKAGE = "package", _("Calendrier officiel (paquet vacances-scolaires-france)")
        MANUAL = "manual", _("Saisie manuelle")

    zone = models.CharField(_("zone"), max_length=1, choices=SchoolZone.choices)
    name = models.CharField(_("nom"), max_length=100)
    first_day = models.DateField(_("premier jour de vacances"), validators=[validate_day])
    last_day = models.DateField(
        _("dernier jour de vacances"), validators=[validate_day], help_text=_("La veille de la reprise des cours.")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = ["zone", "first_day"]
        verbose_name = _("vacances scolaires")
        verbose_name_plural = _("vacances scolaires")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")),
                name="holiday_days_in_order",
                violation_error_message=_("Le dernier jour ne peut pas être avant le premier jour."),
            ),
            models.UniqueConstraint(fields=["zone", "first_day"], name="holiday_unique_start"),
        ]

    def __str__(self):
        return f"{self.name} (zone {self.zone}, {self.first_day} – {self.last_day})"

    def clean(self):
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError({"last_day": _("Le dernier jour ne peut pas être avant le premier jour.")})


def _new_token():
    return secrets.token_urlsafe(32)


# The code of the link that ends an SMS subscription (/d/<code>/): 9 characters of the short
# links' alphabet, 44 bits; guessing one among a million subscriptions takes ~17 million tries.
LEAVE_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
LEAVE_CODE_LENGTH = 9


def new_leave_code():
    return "".join(secrets.choice(LEAVE_CODE_ALPHABET) for _ in range(LEAVE_CODE_LENGTH))


class RecordedOpening(NamedTuple):
    """An opening as a ScheduleChange keeps it."""

    date: datetime.date
    start: datetime.time
    end: datetime.time


class ScheduleChangeQuerySet(models.QuerySet):
    def newest_first(self):
        # Two edits may share an instant (a clock frozen in tests, a quick double save): the last saved first.
        return self.order_by("-created_at", "-pk")


class ScheduleChange(models.Model):
    """What an edit changed in a stop's openings, written in the same transaction as the edit.

    It is the public history of the stop's schedule, and an outbox: `dispatched_at`
    stays empty until subscribers have been told.
    """

    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="changes", verbose_name=_("arrêt"))
    description = models.TextField(_("changement"))
    # Openings of the coming year, [{"date": "2025-03-11", "start": "09:30", "end": "13:00"}, …]
    cancelled = models.JSONField(_("ouvertures annulées"), default=list)
    added = models.JSONField(_("ouvertures ajoutées"), default=list)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("abonnés prévenus le"), null=True, blank=True)

    objects = ScheduleChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("changement d'horaires")
        verbose_name_plural = _("changements d'horaires")
        indexes = [
            # The dispatcher and the sweeper: changes not yet sent, oldest first.
            models.Index(fields=["created_at"], condition=Q(dispatched_at__isnull=True), name="change_undispatched"),
            # A stop's history, newest first.
            models.Index(fields=["stop", "-created_at"], name="change_stop_history"),
        ]

    def __str__(self):
        return f"{self.stop} : {self.description}"

    @property
    def days(self):
        """Every date the change cancels or adds an opening on."""
        return sorted({datetime.date.fromisoformat(o["date"]) for o in [*self.cancelled, *self.added]})

    @property
    def cancelled_openings(self):
        return [_recorded(opening) for opening in self.cancelled]

    @property
    def added_openings(self):
        return [_recorded(opening) for opening in self.added]


def _recorded(opening):
    return RecordedOpening(
        datetime.date.fromisoformat(opening["date"]),
        datetime.time.fromisoformat(opening["start"]),
        datetime.time.fromisoformat(opening["end"]),
    )


class SubscriptionQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def not_asked(self):
        """Not confirmed, and named by no confirmation mail yet."""
        return self.filter(confirmed_at=None, confirmation_token="")

    def by_mail(self):
        return self.exclude(email="")

    def by_sms(self):
        return self.exclude(phone="")

    def following(self, stop_ids):
        """Confirmed subscriptions to one of these stops, or to every stop of their organisation."""
        organisations = Stop.objects.filter(pk__in=stop_ids).values("organisation")
        return self.confirmed().filter(Q(stop__in=stop_ids) | Q(stop__isnull=True, organisation__in=organisations))


class Subscription(models.Model):
    """A resident told of every change of a stop (or of every stop of an organisation), by mail
    or by SMS: one of the two, never both. Double opt-in."""

    email = models.EmailField(_("courriel"), blank=True)
    # E.164 (+33612345678); erased with the subscription.
    phone = models.CharField(_("numéro de mobile"), max_length=16, blank=True)
    stop = models.ForeignKey(
        Stop,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("arrêt"),
        help_text=_("Vide : tous les arrêts de la structure."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("structure"),
        help_text=_("Pour un abonnement à tous ses arrêts."),
    )
    # The language of the page it was made from: its mails and SMS are written in it.
    language = models.CharField(
        _("langue"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE, editable=False
    )
    # Its own: the link to leave it, in every mail.
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The confirmation mail that named it, and the token of that mail's link (shared by every
    # subscription the mail named): the link confirms those, no other. One mail a day at most
    # for an address, whatever is posted.
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmation_token = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # By SMS: the code sent to confirm (an HMAC of the number and the code, never the code), when,
    # and the wrong codes typed since; and the code of the link to leave, in every SMS.
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    leave_code = models.CharField(max_length=16, unique=True, null=True, blank=True, editable=False)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnements")
        constraints = [
            models.UniqueConstraint(
                fields=["email", "stop"], condition=Q(stop__isnull=False) & ~Q(email=""), name="subscription_once"
            ),
            models.UniqueConstraint(
                fields=["email", "organisation"],
                condition=Q(stop__isnull=True) & ~Q(email=""),
                name="subscription_all_once",
            ),
            models.UniqueConstraint(
                fields=["phone", "stop"], condition=Q(stop__isnull=False) & ~Q(phone=""), name="sms_subscription_once"
            ),
            models.UniqueConstraint(
                fields=["phone", "organisation"],
                condition=Q(stop__isnull=True) & ~Q(phone=""),
                name="sms_subscription_all_once",
            ),
            models.CheckConstraint(
                condition=(Q(email="") & ~Q(phone="")) | (~Q(email="") & Q(phone="")),
                name="subscription_by_mail_or_by_sms",
            ),
            models.CheckConstraint(
                condition=Q(stop__isnull=False, organisation__isnull=True)
                | Q(stop__isnull=True, organisation__isnull=False),
                name="subscription_of_a_stop_or_of_an_organisation",
            ),
        ]

    def __str__(self):
        return f"{self.email or self.phone} – {self.followed}"

    @property
    def by_sms(self):
        return bool(self.phone)

    @property
    def followed_organisation(self):
        """The organisation whose stop, or stops, it follows."""
        return self.stop.organisation if self.stop else self.organisation

    @property
    def followed(self):
        """What it follows, as a sentence says it."""
        if self.stop:
            return f"« {self.stop.name} »"
        return _("tous les arrêts de « %(organisation)s »") % {"organisation": self.organisation.name}


class Notification(models.Model):
    """One mail's worth of news for one subscription, created before the mail leaves.

    Its unique constraints make sending idempotent: a retried, duplicated or
    redelivered task finds the row and does not mail twice.
    """

    class Kind(models.TextChoices):
        CHANGE = "change", _("Changement")
        REMINDER = "reminder", _("Rappel de la veille")

    class State(models.TextChoices):
        QUEUED = "queued", _("En attente d'envoi")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec")
        OVER_BUDGET = "budget", _("Non envoyé : SMS du mois épuisés")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    change = models.ForeignKey(
        ScheduleChange, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    date = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A sending is at it until then (stops.notifications.hold); the sweeper leaves it alone till then.
    held_until = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "change"], condition=Q(kind="change"), name="notification_once_per_change"
            ),
            models.UniqueConstraint(
                fields=["subscription", "stop", "date"], condition=Q(kind="reminder"), name="reminder_once_per_day"
            ),
        ]
        indexes = [
            # The sweeper: notifications still queued.
            models.Index(fields=["created_at"], condition=Q(state="queued"), name="notification_queued"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.subscription_id} ({self.get_state_display()})"


class SmsSentQuerySet(models.QuerySet):
    def in_month(self, day):
        return self.filter(day__gte=day.replace(day=1), day__lte=day)


class SmsSent(models.Model):
    """One SMS that left, counted against its organisation's monthly budget. No number: what
    it was and when, only."""

    class Kind(models.TextChoices):
        CHANGE = "change", _("Changement")
        REMINDER = "reminder", _("Rappel de la veille")
        CODE = "code", _("Code de confirmation")
        TICKET = "ticket", _("Bientôt votre tour")
        TEXT = "text", _("Autre message")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sms_sent")
    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)

    objects = SmsSentQuerySet.as_manager()

    class Meta:
        verbose_name = _("SMS envoyé")
        verbose_name_plural = _("SMS envoyés")
        indexes = [
            # The budget: an organisation's SMS of the month.
            models.Index(fields=["organisation", "day"], name="sms_sent_of_month"),
        ]

    def __str__(self):
        return f"{self.organisation_id} {self.day} {self.kind}"


class OpeningSummary(models.Model):
    """How many openings a stop had in a completed month, and for how long: kept for statistics.

    Written once a month is over (stops/opening_counts.py), it keeps what the schedule was
    then, whatever is edited later.
    """

    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text=_("Premier jour du mois."))
    openings = models.PositiveIntegerField()
    minutes = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "stop"], name="opening_summary_once")]

    def __str__(self):
        return f"{self.stop_id} {self.month:%Y-%m}: {self.openings}"


class StalePublicCache(models.Model):
    """A committed change of the schedule that the public cache could not be told of (Redis
    was unreachable): answers cached before it may still be there once Redis is back.
    stops/caching.py moves the cache's version on as soon as Redis answers, then deletes it."""

    since = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.since:%Y-%m-%d %H:%M:%S}"


class LiveDay(models.Model):
    """What the agents said today at a stop: the bus has arrived, the bus has left (stops.live).

    One row per stop and service day. "Le bus est arrivé" again after "Le bus repart" (the
    afternoon opening of a day with two) moves `arrived_at` on and clears `left_at`.
    """

    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="live_days", verbose_name=_("arrêt"))
    day = models.DateField(_("jour"))
    arrived_at = models.DateTimeField(_("arrivé à"), null=True, blank=True)
    arrived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    left_at = models.DateTimeField(_("reparti à"), null=True, blank=True)
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("présence du bus")
        verbose_name_plural = _("présences du bus")
        constraints = [models.UniqueConstraint(fields=["stop", "day"], name="live_day_once_per_stop")]

    def __str__(self):
        return f"{self.stop_id} {self.day}"

    @property
    def is_here(self):
        """Arrived, and not left since."""
        return self.arrived_at is not None and (self.left_at is None or self.left_at < self.arrived_at)
