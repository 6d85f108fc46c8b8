import datetime

from django import template

from stops import schedule

register = template.Library()


@register.filter
def hours(opening):
    """9h30 – 13h"""
    return schedule.format_hours(opening.start, opening.end)


@register.filter
def time_fr(value):
    return schedule.format_time(value)


@register.filter
def long_date(day):
    return schedule.long_date(day, weekday=True)


@register.filter
def day_label(day, now):
    """« Aujourd'hui », « Demain », or « mardi 25 novembre »."""
    today = now.date()
    if day == today:
        return "Aujourd’hui"
    if day == today + datetime.timedelta(days=1):
        return "Demain"
    return schedule.long_date(day, weekday=True, year=day.year != today.year)
