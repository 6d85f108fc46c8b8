from django import template

from stops import schedule
from visits import intake

register = template.Library()


@register.filter
def minutes(duration):
    """A timedelta as whole minutes."""
    return int(duration.total_seconds() // 60)


@register.filter
def agent_name(user):
    return intake.agent_name(user) if user else ""


@register.filter
def waiting(visit, now):
    """Minutes the visitor has waited so far."""
    return visit.waiting_minutes(now)


@register.filter
def holder(visit):
    """The agent who has the visit in hand at its step (visits.intake decides)."""
    return intake.holder(visit)


@register.filter
def actions(visit, user):
    """What `user` can do with the visit from the queue (visits.intake decides)."""
    return intake.actions(visit, user)


@register.filter
def ticket(visit):
    """ "n° 8", or for a visit of an earlier day "n° 8 du 21 novembre": for screen readers, to
    tell two n° 8 apart."""
    if visit.is_of_an_earlier_day:
        return f"n° {visit.ticket} du {schedule.long_date(visit.service_day)}"
    return f"n° {visit.ticket}"
