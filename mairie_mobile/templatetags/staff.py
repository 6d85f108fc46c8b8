from django import template

from visits.intake import agent_name as _agent_name

register = template.Library()


@register.filter
def minutes(duration):
    """A timedelta as whole minutes."""
    return int(duration.total_seconds() // 60)


@register.filter
def agent_name(user):
    return _agent_name(user) if user else ""


@register.filter
def waiting(visit, now):
    """Minutes the visitor has waited so far."""
    return visit.waiting_minutes(now)
