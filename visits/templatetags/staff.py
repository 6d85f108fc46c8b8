from django import template
from django.utils.translation import gettext_lazy as _

from stops import wording
from visits import models

register = template.Library()


@register.filter
def minutes(duration):
    """A timedelta as whole minutes."""
    return int(duration.total_seconds() // 60)


@register.filter
def agent_name(user):
    return models.agent_name(user) if user else ""


@register.filter
def waiting(visit, now):
    """Minutes the visitor has waited so far."""
    return visit.waiting_minutes(now)


@register.filter
def actions(visit, user):
    """What `user` can do with the visit from the queue (Visit.actions_for decides)."""
    return visit.actions_for(user)


@register.filter
def ticket(visit):
    """ "n° 8", or for a visit of an earlier day "n° 8 du 21 novembre": for screen readers, to
    tell two n° 8 apart."""
    if visit.is_of_an_earlier_day:
        return f"n° {visit.ticket} du {wording.long_date(visit.service_day)}"
    return f"n° {visit.ticket}"


@register.simple_tag
def offline_texts():
    """What static/js/offline/page.js says to the agent, in French ({count}, {ticket} filled in)."""
    return {
        "offline": _(
            "Hors connexion : vos saisies sont gardées sur cet ordinateur et seront envoyées au retour "
            "du réseau — {count} en attente"
        ),
        "sending": _("Connexion revenue : envoi de vos saisies — {count} en attente"),
        "sent": _("Toutes vos saisies ont été envoyées."),
        "login": _("{count} saisie(s) en attente : reconnectez-vous pour qu'elles soient envoyées."),
        "logout": _(
            "{count} saisie(s) ne sont pas encore envoyées. Restez connecté jusqu'au retour du réseau : "
            "elles partiront toutes seules. Si vous vous déconnectez, elles restent sur cet ordinateur "
            "et partiront à votre prochaine connexion."
        ),
        "dismiss": _("J'ai compris"),
        "given": _(
            "Ticket provisoire {ticket} : donnez ce numéro à la personne. "
            "Elle aura son numéro définitif au retour du réseau."
        ),
        "recorded": _("{ticket} : {step}. Ce sera envoyé au retour du réseau."),
        "missing_reason": _("Indiquez au moins un motif de visite."),
        "missing_target": _("Choisissez où la personne est orientée."),
        "statuses": dict(models.Status.choices),
        "kinds": {
            "register": _("Pré-accueil"),
            "deblayage": _("Début du déblayage"),
            "accompagnement": _("Début de l'accompagnement"),
            "left": _("Parti sans être reçu"),
            "finish_deblayage": _("Fin du déblayage"),
            "finish_accompagnement": _("Fin de l'accompagnement"),
        },
        "buttons": {
            "deblayage": _("Déblayage"),
            "accompagnement": _("Accompagner"),
            "left": _("Parti"),
            "finish_deblayage": _("Terminer le déblayage"),
            "finish_accompagnement": _("Terminer l'accompagnement"),
        },
    }
