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
