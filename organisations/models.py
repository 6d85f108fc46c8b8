"""The structures that run a Mairie mobile, a France services bus or permanences, and their members.

Roles are per organisation: someone may be an agent of one and the coordinator of
another (agents rotate between structures). The national administrator is a superuser.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.fr import siret

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("Utilisez seulement des lettres minuscules sans accent, des chiffres et des tirets."),
)
departement_validator = RegexValidator(
    r"^(?:0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6])$",
    _("Un département s'écrit avec son numéro : 75, 62, 2A, 971…"),
)


def validate_siret(value):
    """A SIRET as INSEE gives it: 14 digits whose check digit is right."""
    if not siret.is_valid(value):
        raise ValidationError(
            _("Ce numéro SIRET n'est pas valide : 14 chiffres, tels que l'annuaire des entreprises les donne."),
            code="invalid_siret",
        )


class SchoolZone(models.TextChoices):
    A = "A", _("Zone A")
    B = "B", _("Zone B")
    C = "C", _("Zone C")


class OrganisationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def easy_read_checked(self):
        """Those whose readers checked the easy-to-read pages, the latest check first."""
        return self.exclude(easy_read_checked_on=None).order_by("-easy_read_checked_on", "name")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COMMUNE = "commune", _("Commune")
        INTERCOMMUNALITE = "intercommunalite", _("Intercommunalité")
        ASSOCIATION = "association", _("Association")
        OTHER = "other", _("Autre")

    slug = models.SlugField(
        _("identifiant"),
        unique=True,
        validators=[slug_validator],
        help_text=_("Dans l'adresse de sa page publique : /structures/<identifiant>/."),
    )
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    departement = models.CharField(_("département"), max_length=3, validators=[departement_validator])
    contact_email = models.EmailField(_("courriel de contact"), blank=True)
    contact_phone = models.CharField(_("téléphone de contact"), max_length=30, blank=True)
    sender_name = models.CharField(
        _("nom d'expéditeur"),
        max_length=100,
        blank=True,
        help_text=_("Le nom sous lequel partent ses courriels ; vide : son nom."),
    )
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        blank=True,
        default="",
        db_default="",  # rows written by code that predates the field (data migrations) get it
        validators=[validate_siret],
        help_text=_(
            "Le SIRET de la structure (annuaire-entreprises.data.gouv.fr) : les fichiers de données ouvertes le "
            "donnent aux cartes nationales, qui s'en servent pour la reconnaître."
        ),
    )
    sms_monthly_budget = models.PositiveIntegerField(
        _("SMS par mois"),
        null=True,
        blank=True,
        help_text=_("Le nombre de SMS que la structure peut envoyer par mois ; vide : le nombre de la plateforme."),
    )
    school_holidays_zone = models.CharField(
        _("zone de vacances scolaires"),
        max_length=1,
        choices=SchoolZone.choices,
        blank=True,
        help_text=_("Proposée par défaut pour ses nouveaux arrêts."),
    )
    active = models.BooleanField(_("active"), default=True)
    # The European easy-to-read rules ask that people with intellectual disabilities check the
    # texts: until they have, the easy-to-read pages say so.
    easy_read_checked_on = models.DateField(
        _("« Facile à lire » relu le"),
        null=True,
        blank=True,
        help_text=_(
            "Le jour où des personnes en situation de handicap intellectuel ont relu les pages faciles à lire."
        ),
    )
    easy_read_checked_by = models.CharField(
        _("« Facile à lire » relu par"),
        max_length=200,
        blank=True,
        default="",
        # Also the database's: rows written by code that predates the field (data migrations) get it.
        db_default="",
        help_text=_("Par exemple : le groupe de relecture de l'ESAT des Lilas. Affiché sur les pages faciles à lire."),
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        constraints = [
            models.CheckConstraint(
                condition=Q(easy_read_checked_on=None, easy_read_checked_by="")
                | (~Q(easy_read_checked_on=None) & ~Q(easy_read_checked_by="")),
                name="organisation_easy_read_check_complete",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("stops:organisation", args=[self.slug])

    @property
    def sender(self):
        return self.sender_name or self.name

    def clean(self):
        super().clean()
        if bool(self.easy_read_checked_on) != bool(self.easy_read_checked_by):
            raise ValidationError(_("Indiquez le jour de la relecture et qui l'a faite, ou ni l'un ni l'autre."))
        if self.easy_read_checked_on and self.easy_read_checked_on > timezone.localdate():
            raise ValidationError({"easy_read_checked_on": _("La relecture ne peut pas avoir lieu dans le futur.")})


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    COORDINATOR = "coordinator", _("Coordination")


ROLE_DESCRIPTIONS = {
    Role.AGENT: _("Les agents accueillent les visiteurs du bus et des permanences et enregistrent leurs passages."),
    Role.COORDINATOR: _(
        "La coordination modifie les arrêts et les horaires, suit les statistiques et constitue l'équipe ; "
        "elle accueille aussi les visiteurs."
    ),
}


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_at__isnull=True)

    def with_role(self, role):
        """Members who may act as `role`: a coordinator may do everything an agent does."""
        return self.current() if role == Role.AGENT else self.current().filter(role=role)


class Membership(models.Model):
    """Someone's role in an organisation. Ended rather than deleted: what they did stays theirs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("personne")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("structure")
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)
    ended_at = models.DateTimeField(_("fin"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__username"]
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_once"),
            models.CheckConstraint(condition=Q(role__in=["agent", "coordinator"]), name="membership_role_known"),
        ]

    def __str__(self):
        return _("%(user)s – %(role)s, %(organisation)s") % {
            "user": self.user,
            "role": self.get_role_display(),
            "organisation": self.organisation,
        }

    def is_last_coordinator(self):
        """Whether ending it would leave its organisation without a current coordinator."""
        if self.ended_at is not None or self.role != Role.COORDINATOR:
            return False
        others = Membership.objects.with_role(Role.COORDINATOR).filter(organisation_id=self.organisation_id)
        return not others.exclude(pk=self.pk).exists()


class InvitationQuerySet(models.QuerySet):
    def pending(self, now):
        """Those whose link still works at `now`: neither accepted nor cancelled, and not expired."""
        return self.filter(accepted_at=None, cancelled_at=None, expires_at__gt=now)


class Invitation(models.Model):
    """A one-time link mailed to someone to join an organisation with a role (organisations/invitations.py).

    Only a hash of the link's token is stored: reading the database does not open the door.
    Accepted, cancelled or expired, it stays as the team's history.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("structure")
    )
    email = models.EmailField(_("courriel"))
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("invitée par")
    )
    created_at = models.DateTimeField(_("envoyée le"))
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    token_hash = models.CharField(_("empreinte du lien"), max_length=64, unique=True, editable=False)

    objects = InvitationQuerySet.as_manager()

    PENDING, ACCEPTED, CANCELLED, EXPIRED = "pending", "accepted", "cancelled", "expired"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=["agent", "coordinator"]), name="invitation_role_known"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="invitation_expires_later"),
        ]

    def __str__(self):
        return _("%(email)s – %(role)s, %(organisation)s") % {
            "email": self.email,
            "role": self.get_role_display(),
            "organisation": self.organisation,
        }

    @property
    def inviter_name(self):
        if self.invited_by is None:  # their account was deleted since
            return _("La coordination de la structure")
        return self.invited_by.get_full_name() or self.invited_by.get_username()

    @property
    def role_description(self):
        return ROLE_DESCRIPTIONS[self.role]

    def state(self, now):
        """PENDING while its link works at `now`; else ACCEPTED, CANCELLED or EXPIRED."""
        if self.accepted_at is not None:
            return self.ACCEPTED
        if self.cancelled_at is not None:
            return self.CANCELLED
        return self.PENDING if now < self.expires_at else self.EXPIRED
