from django import template
from django.utils.formats import number_format

from stops import wording

register = template.Library()

# number_format() cuts decimals off: figures are rounded first.


@register.filter
def percent(share):
    return f"{number_format(round(share * 100, 1), 1)} %"


@register.filter
def minutes_or_dash(value):
    return "—" if value is None else f"{number_format(round(value), 0)} min"


@register.filter
def decimal_or_dash(value):
    return "—" if value is None else number_format(round(value, 1), 1)


@register.filter
def hours_from_minutes(minutes):
    return f"{number_format(round(minutes / 60), 0)} h"


@register.filter
def svg(value):
    """A coordinate for an SVG attribute: a dot as decimal separator, whatever the language."""
    return f"{value:.1f}"


@register.filter
def full_date(day):
    """« 1er avril 2025 »."""
    return wording.long_date(day, weekday=False, year=True)
