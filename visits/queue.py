"""The queue as residents see it: how many wait, and how long a turn takes (counts only).

The estimate of minutes per person, from the stop's own pace over the last 30 days:

    minutes per person = Σ (last reception − first reception of the day)
                         ÷ Σ (receptions of the day − 1)

over the days with at least 2 receptions, a "reception" being the moment an agent first
took the visitor: the start of the déblayage, or of the accompaniment when there was no
déblayage. With fewer than 20 receptions on those days, there is no estimate. The wait of
someone arriving now is then (people before them) × (minutes per person), rounded to the
nearest 5 minutes (stops.live.estimated_wait).
"""

import datetime

from django.db.models import Count, Max, Min
from django.db.models.functions import Coalesce

from visits.models import Status, Visit

PACE_DAYS = 30
MIN_RECEPTIONS = 20


def figures(stop, day):
    """(people waiting at `stop` on `day`, estimated minutes per person or None): two queries."""
    waiting = Visit.objects.of_day(stop, day).filter(status=Status.WAITING).count()
    return waiting, minutes_per_person(stop, day)


def minutes_per_person(stop, day):
    """The formula above, in one query of at most PACE_DAYS rows."""
    days = (
        Visit.objects.filter(stop=stop, service_day__range=(day - datetime.timedelta(days=PACE_DAYS), day))
        .annotate(reception=Coalesce("deblayage_started_at", "accompagnement_started_at"))
        .filter(reception__isnull=False)
        .values("service_day")
        .annotate(first=Min("reception"), last=Max("reception"), receptions=Count("pk"))
        .filter(receptions__gte=2)
        .order_by()
    )
    spans, gaps, receptions = datetime.timedelta(), 0, 0
    for row in days:
        spans += row["last"] - row["first"]
        gaps += row["receptions"] - 1
        receptions += row["receptions"]
    if receptions < MIN_RECEPTIONS:
        return None
    return spans.total_seconds() / 60 / gaps


def ahead_of(visit):
    """The people waiting before `visit` in its stop's queue of its day."""
    return (
        Visit.objects.of_day(visit.stop_id, visit.service_day)
        .filter(status=Status.WAITING, ticket__lt=visit.ticket)
        .count()
    )
