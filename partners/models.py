from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def france_services(self):
        """The partners of the France services basket, in the order of the official list."""
        return self.filter(family=Partner.Family.FRANCE_SERVICES).order_by("position")


class Partner(models.Model):
    class Family(models.TextChoices):
        FRANCE_SERVICES = "france_services", _("France services")
        CITY = "city", _("Ville de Paris")
        OTHER = "other", _("Autre")

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("nom"), max_length=120)
    short_name = models.CharField(_("nom court"), max_length=40)
    family = models.CharField(_("famille"), max_length=20, choices=Family.choices)
    # Rank in the France services list: reports list partners in that order.
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    active = models.BooleanField(_("actif"), default=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")

    def __str__(self):
        return self.short_name


class Procedure(models.Model):
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="procedures", verbose_name=_("partenaire")
    )
    label = models.CharField(_("démarche"), max_length=160)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["partner__position", "label"]
        verbose_name = _("démarche")
        verbose_name_plural = _("démarches")
        constraints = [models.UniqueConstraint(fields=["partner", "label"], name="procedure_unique_label")]

    def __str__(self):
        return f"{self.partner.short_name} – {self.label}"


class OrientationTarget(models.Model):
    """Where a person is sent when the request cannot be handled in the bus."""

    name = models.CharField(_("nom"), max_length=160, unique=True)
    description = models.CharField(_("précision"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("lieu d'orientation")
        verbose_name_plural = _("lieux d'orientation")

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


def reason_choices():
    """(choices grouped by partner, {value: Reason}) of the active partners and procedures, in one query."""
    rows = Partner.objects.active().values_list(
        "pk", "name", "short_name", "procedures__pk", "procedures__label", "procedures__active"
    )
    groups, reasons = {}, {}
    for partner_id, name, short_name, procedure_id, label, active in rows.order_by(
        "position", "name", "procedures__label"
    ):
        options = groups.setdefault((partner_id, name, short_name), [])
        if procedure_id and active:
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
