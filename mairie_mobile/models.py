from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


class AppendOnly(Exception):
    """The audit journal is only ever added to."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly(_("Le journal d'audit ne se modifie pas."))

    def delete(self):
        raise AppendOnly(_("Le journal d'audit ne s'efface pas."))


class AuditEvent(models.Model):
    """A staff action that matters: who, when, what. Added to, never changed nor deleted from the app."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Connexion")
        LOGIN_FAILED = "login_failed", _("Échec de connexion")
        LOGOUT = "logout", _("Déconnexion")
        TWO_FACTOR = "two_factor", _("Double authentification")
        SCHEDULE_EDIT = "schedule_edit", _("Modification des horaires")
        VISIT_CORRECTION = "visit_correction", _("Correction d'un passage")
        VISIT_TAKE_OVER = "visit_take_over", _("Reprise d'un passage")
        EXPORT = "export", _("Export")
        PURGE = "purge", _("Effacement de données personnelles")
        INVITATION_SENT = "invitation_sent", _("Invitation envoyée")
        INVITATION_CANCELLED = "invitation_cancelled", _("Invitation annulée")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation acceptée")
        MEMBERSHIP_ENDED = "membership_ended", _("Retrait de l'équipe")
        PARTNERS_EDIT = "partners_edit", _("Partenaires et lieux d'orientation")
        BUS_LIVE = "bus_live", _("Arrivée ou départ du bus")
        FEEDBACK_HANDLED = "feedback_handled", _("Avis d'un visiteur traité")
        COMMITMENTS_EDIT = "commitments_edit", _("Engagements de service")

    at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    # Kept as written: the account may be renamed or deleted later.
    username = models.CharField(_("identifiant"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    summary = models.CharField(_("détail"), max_length=500)
    # The slug of the organisation concerned, kept as written; empty: the platform's own
    # actions (logging in), those of the national administrator, or of several organisations.
    organisation = models.CharField(_("structure"), max_length=50, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("journal d'audit")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '—'} {self.get_action_display()} : {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly(_("Le journal d'audit ne se modifie pas."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(_("Le journal d'audit ne s'efface pas."))


class AuthenticatorApp(TOTPDevice):
    """A phone's authenticator app, as the administration lists it (in French)."""

    class Meta:
        proxy = True
        verbose_name = _("application d'authentification")
        verbose_name_plural = _("applications d'authentification")


class BackupCodes(StaticDevice):
    """A person's backup codes, as the administration lists them."""

    class Meta:
        proxy = True
        verbose_name = _("codes de secours")
        verbose_name_plural = _("codes de secours")
