import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from stops import wording

register = template.Library()


@register.filter
def hours(opening):
    """9h30 – 13h"""
    return wording.format_hours(opening.start, opening.end)


@register.filter
def time_fr(value):
    """9h30 in French, 9:30 AM in English...: a time, or an instant in Paris time."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return wording.format_time(value)


@register.filter
def long_date(day):
    """« mardi 1er décembre », with the year when it is not this year."""
    return wording.long_date(day, weekday=True)


@register.filter
def lower_first(text):
    """« Bus en panne » → « bus en panne », to go inside a sentence; « CAF fermée » stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


@register.filter
def day_label(day, now):
    """« Aujourd'hui », « Demain », or « mardi 25 novembre »."""
    today = now.date()
    if day == today:
        return _("Aujourd’hui")
    if day == today + datetime.timedelta(days=1):
        return _("Demain")
    return wording.long_date(day, weekday=True)


@register.filter
def easy_read_hours(opening):
    """« Mardi 3 décembre, de 9 h 30 à 13 h »."""
    return wording.easy_read_hours(opening.date, opening.start, opening.end)


@register.filter
def date_with_year(day):
    """« 1er mars 2025 »."""
    return wording.long_date(day, year=True)
