"""A national-scale territory: thousands of stops across France, two weekly slots each."""

import datetime
import random

from partners.models import Partner
from stops.models import Closure, ExtraOpening, Stop, WeeklySlot

DEPARTMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
SLOT_TIMES = [(datetime.time(9, 30), datetime.time(12, 30)), (datetime.time(14), datetime.time(17))]


def generate_territory(stop_count=3000, seed=2024):
    """Create `stop_count` active stops (2 slots each), a few closures and extra openings. Idempotent."""
    if Stop.objects.filter(slug__startswith="bench-").count() >= stop_count:
        return
    Stop.objects.filter(slug__startswith="bench-").delete()
    rng = random.Random(seed)
    stops = Stop.objects.bulk_create(_stop(n, rng) for n in range(stop_count))
    slots = []
    for stop in stops:
        for start, end in SLOT_TIMES:
            every_weeks = rng.choice([1, 1, 1, 2])
            slots.append(
                WeeklySlot(
                    stop=stop,
                    weekday=rng.randrange(5),
                    start=start,
                    end=end,
                    every_weeks=every_weeks,
                    starts_on=datetime.date(2024, 9, 2) if every_weeks > 1 else None,
                )
            )
    WeeklySlot.objects.bulk_create(slots)
    partners = list(Partner.objects.france_services())
    links = Stop.partners.through
    links.objects.bulk_create(links(stop=stop, partner=partner) for stop in stops for partner in partners)
    today = datetime.date.today()
    breakdowns = [today + datetime.timedelta(days=rng.randrange(365)) for _ in range(stop_count // 10)]
    Closure.objects.bulk_create(
        Closure(stop=stop, first_day=day, last_day=day, reason="Bus en panne")
        for stop, day in zip(rng.sample(stops, stop_count // 10), breakdowns, strict=True)
    )
    Closure.objects.get_or_create(
        stop=None,
        first_day=today + datetime.timedelta(days=40),
        last_day=today + datetime.timedelta(days=41),
        defaults={"reason": "Grève"},
    )
    ExtraOpening.objects.bulk_create(
        ExtraOpening(
            stop=stop,
            date=today + datetime.timedelta(days=rng.randrange(365)),
            start=datetime.time(18),
            end=datetime.time(20),
            reason="Permanence exceptionnelle",
        )
        for stop in rng.sample(stops, stop_count // 10)
    )


def _stop(n, rng):
    department = DEPARTMENTS[n % len(DEPARTMENTS)]
    commune = n // len(DEPARTMENTS) // 2
    postcode = f"{department.replace('2A', '20').replace('2B', '20')}{commune % 1000:03d}"
    return Stop(
        slug=f"bench-{n:05d}",
        name=f"France services itinérant – arrêt {n:05d}",
        kind=rng.choice([Stop.Kind.BUS, Stop.Kind.PERMANENCE]),
        address=f"{rng.randrange(1, 200)}, place de la Mairie",
        postcode=postcode,
        city=f"Commune {department}-{commune:03d}",
        school_holidays_zone=rng.choice("ABC"),
    )
