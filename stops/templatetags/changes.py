"""Dates of the schedule's history, as the coordinator reads them: « mardi 1er décembre, 9h30 »."""

from django import template

from stops import wording

register = template.Library()


@register.filter
def moment(value):
    """When a change was made: « mardi 1er décembre, 9h30 » (the year when it is not this one)."""
    return wording.long_moment(value)


@register.filter
def day_and_hours(opening):
    """An opening a change cancelled or added: « mardi 1er décembre, 9h30 – 13h »."""
    return wording.day_and_hours(opening.date, opening.start, opening.end)
