from django import template

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
