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

import bisect
import datetime
from collections import defaultdict

from django.db.models import Count, Max, Min
from django.db.models.functions import Coalesce

from visits.models import Status, Visit

PACE_DAYS = 30
MIN_RECEPTIONS = 20


def figures(stops, day):
    """{stop id: (people waiting, estimated minutes per person or None)} at `stops` on `day`: two
    queries, whatever the number of stops."""
    ids = [stop.pk for stop in stops]
    waiting = dict(
        Visit.objects.filter(stop__in=ids, service_day=day, status=Status.WAITING)
        .values("stop")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("stop", "count")
    )
    paces = minutes_per_person_of(ids, day)
    return {pk: (waiting.get(pk, 0), paces.get(pk)) for pk in ids}


def minutes_per_person(stop, day):
    """The formula above for one stop: one query."""
    return minutes_per_person_of([stop.pk], day).get(stop.pk)


def minutes_per_person_of(stop_ids, day):
    """{stop id: minutes per person} by the formula above, for the stops that have enough data: one
    query of at most PACE_DAYS rows a stop."""
    days = (
        Visit.objects.filter(stop__in=stop_ids, service_day__range=(day - datetime.timedelta(days=PACE_DAYS), day))
        .annotate(reception=Coalesce("deblayage_started_at", "accompagnement_started_at"))
        .filter(reception__isnull=False)
        .values("stop", "service_day")
        .annotate(first=Min("reception"), last=Max("reception"), receptions=Count("pk"))
        .filter(receptions__gte=2)
        .order_by()
    )
    totals = defaultdict(lambda: [datetime.timedelta(), 0, 0])  # spans, gaps, receptions
    for row in days:
        total = totals[row["stop"]]
        total[0] += row["last"] - row["first"]
        total[1] += row["receptions"] - 1
        total[2] += row["receptions"]
    return {
        pk: spans.total_seconds() / 60 / gaps
        for pk, (spans, gaps, receptions) in totals.items()
        if receptions >= MIN_RECEPTIONS
    }


def ahead_of(visit):
    """The people waiting before `visit` in its stop's queue of its day."""
    return (
        Visit.objects.of_day(visit.stop_id, visit.service_day)
        .filter(status=Status.WAITING, ticket__lt=visit.ticket)
        .count()
    )


def waiting_tickets(stop, day):
    """The ticket numbers of the people waiting at `stop` on `day`, in order: for many visitors'
    places at once (`ahead_in`)."""
    return sorted(Visit.objects.of_day(stop, day).filter(status=Status.WAITING).values_list("ticket", flat=True))


def ahead_in(waiting, ticket):
    """The people before `ticket` among `waiting` (waiting_tickets): what ahead_of counts."""
    return bisect.bisect_left(waiting, ticket)
