"""The partners whose procedures the buses accompany, their procedures, and the places people are
oriented to when their request cannot be handled there.

Each is national (of no organisation: the France services partners, shared by every bus) or an
organisation's own (the City of Paris, a CCAS, a local mission locale), offered only at its stops.
"""

from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ExpressionWrapper, FilteredRelation, Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation


def national_or_of(organisations, path=""):
    """Q: the rows of no organisation (national) and those of `organisations` (a queryset or a list)."""
    return Q(**{f"{path}organisation": None}) | Q(**{f"{path}organisation__in": organisations})


def offered_in(organisation, path=""):
    """Q: the rows offered at the stops of `organisation`: active, national or its own."""
    return Q(**{f"{path}active": True}) & national_or_of([organisation], path)


def of_organisation(related_name, help_text):
    """The organisation a row is of; none: a national row."""
    return models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=_("structure"),
        help_text=help_text,
    )


class OfferedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def local(self):
        return self.exclude(organisation=None)

    def national_or_of(self, organisations):
        """National rows and those of `organisations`; None: every row (the national administrator)."""
        return self if organisations is None else self.filter(national_or_of(organisations))

    def offered_in(self, organisation):
        """What an agent may pick at a stop of `organisation`: the active national rows and its own."""
        return self.filter(offered_in(organisation))

    def with_offered_in(self, organisation):
        """Every row, with `offered`: whether it is offered at the stops of `organisation`."""
        return self.annotate(offered=ExpressionWrapper(offered_in(organisation), output_field=models.BooleanField()))


class PartnerQuerySet(OfferedQuerySet):
    def france_services(self):
        """The partners of the France services basket, in the order of the official list."""
        return self.filter(family=Partner.Family.FRANCE_SERVICES).order_by("position")

    def new_code(self, organisation, name):
        """A code for a new partner of `organisation`: its slug, then the name's (« paris-ccas »), unique."""
        base = slugify(f"{organisation.slug} {name}")[:45].strip("-")
        taken = set(self.filter(code__startswith=base).values_list("code", flat=True))
        code, n = base, 1
        while code in taken:
            n += 1
            code = f"{base}-{n}"
        return code


class Partner(models.Model):
    class Family(models.TextChoices):
        FRANCE_SERVICES = "france_services", _("France services")
        CITY = "city", _("Collectivité")
        OTHER = "other", _("Autre")

    # Unique in the whole country: the stops file, the API and the exports name a partner by its code.
    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("nom"), max_length=120)
    short_name = models.CharField(
        _("nom court"), max_length=40, help_text=_("Dans les listes de l'accueil et les statistiques : « CCAS »…")
    )
    family = models.CharField(_("famille"), max_length=20, choices=Family.choices)
    organisation = of_organisation("partners", _("Vide : partenaire national, proposé à tous les arrêts."))
    # Rank in the France services list: reports list partners in that order.
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    active = models.BooleanField(
        _("actif"), default=True, help_text=_("Décoché : n'est plus proposé à l'accueil ni dans le fichier des arrêts.")
    )

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")
        constraints = [
            models.CheckConstraint(
                condition=~Q(family="france_services") | Q(organisation=None),
                name="partner_france_services_national",
                violation_error_message=_("Un partenaire France services est national : laissez la structure vide."),
            ),
        ]

    def __str__(self):
        return self.short_name

    def clean(self):
        # A city's partner offered at every stop of the country would be offered to every structure.
        if self.family == self.Family.CITY and self.organisation_id is None and self.active:
            raise ValidationError(
                _("Un partenaire d'une collectivité n'est proposé qu'aux arrêts de sa structure : choisissez-la.")
            )


class ProcedureQuerySet(OfferedQuerySet):
    def offered_in(self, organisation):
        """... of a partner offered there too."""
        return super().offered_in(organisation).filter(offered_in(organisation, "partner__"))


class Procedure(models.Model):
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="procedures", verbose_name=_("partenaire")
    )
    label = models.CharField(_("démarche"), max_length=160)
    # A local partner's procedures are its organisation's; a national partner's may be one organisation's
    # own (a CCAS's form for the Caf).
    organisation = of_organisation("procedures", _("Vide : proposée partout où son partenaire l'est."))
    active = models.BooleanField(_("active"), default=True, help_text=_("Décochée : n'est plus proposée à l'accueil."))

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        ordering = ["partner__position", "label"]
        verbose_name = _("démarche")
        verbose_name_plural = _("démarches")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "organisation", "label"],
                name="procedure_unique_label",
                nulls_distinct=False,
                violation_error_message=_("Ce partenaire a déjà cette démarche."),
            )
        ]

    def __str__(self):
        return f"{self.partner.short_name} – {self.label}"

    def clean(self):
        partner = getattr(self, "partner", None)
        if partner and partner.organisation_id and self.organisation_id != partner.organisation_id:
            raise ValidationError(_("Une démarche d'un partenaire local est de la structure de son partenaire."))


class OrientationTarget(models.Model):
    """Where a person is sent when the request cannot be handled in the bus."""

    name = models.CharField(_("nom"), max_length=160)
    description = models.CharField(_("précision"), max_length=255, blank=True)
    organisation = of_organisation("orientation_targets", _("Vide : lieu proposé à tous les arrêts."))
    position = models.PositiveSmallIntegerField(
        _("ordre"),
        default=0,
        help_text=_("Les lieux sont proposés à l'accueil dans cet ordre, du plus petit au plus grand."),
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("Décoché : n'est plus proposé à l'accueil."))

    objects = OfferedQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("lieu d'orientation")
        verbose_name_plural = _("lieux d'orientation")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="orientation_target_unique_name",
                nulls_distinct=False,
                violation_error_message=_("Ce lieu d'orientation existe déjà."),
            )
        ]

    def __str__(self):
        return self.name


class Reason(NamedTuple):
    """Why someone came: a partner and, when it is known, one of its procedures."""

    partner_id: int
    procedure_id: int | None = None

    @classmethod
    def of(cls, partner, procedure=None):
        return cls(partner.pk, procedure.pk if procedure else None)

    @property
    def value(self):
        """The reason as a form value: "d<procedure id>", or "p<partner id>" for any other procedure."""
        return f"d{self.procedure_id}" if self.procedure_id else f"p{self.partner_id}"


def reason_choices(organisation):
    """(choices grouped by partner, {value: Reason}) of the partners and procedures offered at the stops
    of `organisation`, in one query."""
    offered = FilteredRelation("procedures", condition=offered_in(organisation, "procedures__"))
    rows = (
        Partner.objects.offered_in(organisation)
        .annotate(offered=offered)
        .values_list("pk", "name", "short_name", "offered__pk", "offered__label")
    )
    groups, reasons = {}, {}
    for partner_id, name, short_name, procedure_id, label in rows.order_by("position", "name", "offered__label"):
        options = groups.setdefault((partner_id, name, short_name), [])
        if procedure_id:
            reason = Reason(partner_id, procedure_id)
            options.append(
                (reason.value, _("%(partner)s – %(procedure)s") % {"partner": short_name, "procedure": label})
            )
            reasons[reason.value] = reason
    choices = [("", "—")]
    for (partner_id, name, short_name), options in groups.items():
        other = Reason(partner_id)
        reasons[other.value] = other
        choices.append((name, [*options, (other.value, _("%(partner)s – autre démarche") % {"partner": short_name})]))
    return choices, reasons
