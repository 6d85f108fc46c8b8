"""School holiday periods from the `vacances-scolaires-france` package."""

import datetime
from functools import lru_cache

from vacances_scolaires_france import SchoolHolidayDates

from stops.caching import schedule_changed
from stops.models import SchoolHoliday, SchoolZone

ZONES = SchoolZone.values


@lru_cache(maxsize=1)
def _package_dates():
    return SchoolHolidayDates()


def package_periods():
    """Every (zone, name, first day, last day) the package knows, day after day merged into periods."""
    dates = _package_dates()
    periods = []
    for zone in ZONES:
        days = {}
        for year in range(dates.min_year, dates.max_year + 1):
            days.update(dates.holidays_for_year_and_zone(year, zone))
        current = None
        for day in sorted(days):
            name = days[day]["nom_vacances"]
            if current and current[3] + datetime.timedelta(days=1) == day and current[1] == name:
                current[3] = day
            else:
                current = [zone, name, day, day]
                periods.append(current)
    return [tuple(period) for period in periods]


def sync_school_holidays(model=None):
    """Bring the package's periods into the database; returns (added, updated).

    Periods typed in by a coordinator are left alone. `model` is the historical
    model when a migration calls this.
    """
    model = model or SchoolHoliday
    existing = {(h.zone, h.first_day): h for h in model.objects.all()}
    added, updated = [], []
    for zone, name, first_day, last_day in package_periods():
        holiday = existing.get((zone, first_day))
        if holiday is None:
            added.append(model(zone=zone, name=name, first_day=first_day, last_day=last_day, source="package"))
        elif holiday.source == "package" and (holiday.name, holiday.last_day) != (name, last_day):
            holiday.name, holiday.last_day = name, last_day
            updated.append(holiday)
    model.objects.bulk_create(added)
    model.objects.bulk_update(updated, ["name", "last_day"])
    if added or updated:
        schedule_changed()  # bulk operations send no signal
    return len(added), len(updated)
