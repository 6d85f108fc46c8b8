"""A national-scale territory: 150 organisations of 20 stops across France, two weekly slots each,
their staff, and a million visits."""

import datetime
import math
import random
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from organisations.models import Membership, Organisation, Role
from partners.models import Partner
from stops.models import Closure, ClosureReason, ExtraOpening, Stop, WeeklySlot

ORGANISATIONS = 150
# The slugs of the generated organisations (`_organisation`), bench-000 to bench-149: other benchmarks
# make their own stops and organisations beside them, named bench-… too.
ORGANISATION_SLUG = r"^bench-[0-9]{3}$"
STOPS_EACH = 20
COMMUNES_EACH = 10  # two stops in each commune an organisation serves
SLOT_TIMES = [(datetime.time(9, 30), datetime.time(12, 30)), (datetime.time(14), datetime.time(17))]
KINDS = [Organisation.Kind.COMMUNE, Organisation.Kind.INTERCOMMUNALITE, Organisation.Kind.ASSOCIATION]
NAMES = {
    Organisation.Kind.COMMUNE: "Mairie mobile de la commune {department}-{rank}",
    Organisation.Kind.INTERCOMMUNALITE: "Bus France services de la communauté {department}-{rank}",
    Organisation.Kind.ASSOCIATION: "PIMMS mobile {department}-{rank}",
}

# The school holidays zone of each département, its académie's. Corsica has a calendar of its own,
# which the app does not follow: its stops stay open during school holidays.
ACADEMIES = {
    # Besançon, Bordeaux, Clermont-Ferrand, Dijon, Grenoble, Limoges, Lyon, Poitiers
    "A": "25 39 70 90 24 33 40 47 64 03 15 43 63 21 58 71 89 07 26 38 73 74 19 23 87 01 42 69 16 17 79 86",
    # Aix-Marseille, Amiens, Lille, Nancy-Metz, Nantes, Nice, Normandie, Orléans-Tours, Reims, Rennes, Strasbourg
    "B": "04 05 13 84 02 60 80 59 62 54 55 57 88 44 49 53 72 85 06 83 14 27 50 61 76 18 28 36 37 41 45 "
    "08 10 51 52 22 29 35 56 67 68",
    # Créteil, Montpellier, Paris, Toulouse, Versailles
    "C": "77 93 94 11 30 34 48 66 75 09 12 31 32 46 65 81 82 78 91 92 95",
}
ZONES = {department: zone for zone, departments in ACADEMIES.items() for department in departments.split()}
DEPARTMENTS = [*sorted(ZONES), "2A", "2B"]

# The staff the benchmarks log in as (the bench's own database: their password does not matter).
AGENT, AGENT_OF_TWO, COORDINATOR, ADMINISTRATOR = "bench-agent", "bench-agent-two", "bench-coordinator", "bench-admin"


def organisations():
    return Organisation.objects.filter(slug__regex=ORGANISATION_SLUG)


def territory():
    """The generated stops: those of the generated organisations."""
    return Stop.objects.filter(organisation__in=organisations())


def generate_territory(seed=2024):
    """150 organisations of 20 active stops (2 slots each) spread over the départements, a few
    closures and extra openings, and the benchmarks' staff. Idempotent."""
    if organisations().count() != ORGANISATIONS or territory().count() != ORGANISATIONS * STOPS_EACH:
        _generate(random.Random(seed))
    _place_the_stops_without_coordinates(random.Random(seed))
    _ensure_staff()


def _generate(rng):
    # Everything is the bench's own: an earlier territory (of stops before they had organisations:
    # the migration gave them to Paris), then the organisations it leaves without a stop.
    _delete_visits()
    Stop.objects.filter(slug__startswith="bench-").delete()
    Organisation.objects.filter(stops=None).delete()
    created = Organisation.objects.bulk_create(_organisation(n) for n in range(ORGANISATIONS))
    stops = Stop.objects.bulk_create(
        _stop(organisation, rank, n, rng)
        for rank, organisation in enumerate(created)
        for n in range(rank * STOPS_EACH, (rank + 1) * STOPS_EACH)
    )
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
    _closures_and_extras(created, stops, rng)


def _place_the_stops_without_coordinates(rng):
    """Somewhere in metropolitan France for each stop: the GeoJSON of the open data maps only the stops
    with coordinates (a territory generated before they had any gets them here)."""
    missing = list(territory().filter(latitude__isnull=True).order_by("pk"))
    for stop in missing:
        stop.latitude = Decimal(f"{rng.uniform(42.5, 50.9):.6f}")
        stop.longitude = Decimal(f"{rng.uniform(-4.5, 7.9):.6f}")
    Stop.objects.bulk_update(missing, ["latitude", "longitude"], batch_size=1000)


def _organisation(n):
    department = DEPARTMENTS[n % len(DEPARTMENTS)]
    kind = KINDS[n % len(KINDS)]
    return Organisation(
        slug=f"bench-{n:03d}",
        name=NAMES[kind].format(department=department, rank=n // len(DEPARTMENTS) + 1),
        kind=kind,
        departement=department,
        school_holidays_zone=ZONES.get(department, ""),
        contact_email=f"structure-{n:03d}@example.org",
    )


def _stop(organisation, rank, n, rng):
    """The `n`th stop of the territory, of the `rank`th organisation: in its département, two in a commune."""
    department = organisation.departement
    # The second organisation of a département serves other communes than the first.
    commune = rank // len(DEPARTMENTS) * COMMUNES_EACH + n % STOPS_EACH // (STOPS_EACH // COMMUNES_EACH)
    prefix = {"2A": "20", "2B": "202"}.get(department, department)
    stop = Stop(
        organisation=organisation,
        slug=f"bench-{n:05d}",
        name=f"France services itinérant – arrêt {n:05d}",
        kind=rng.choice([Stop.Kind.BUS, Stop.Kind.PERMANENCE]),
        address=f"{rng.randrange(1, 200)}, place de la Mairie",
        postcode=f"{prefix}{commune:0{5 - len(prefix)}d}",
        city=f"Commune {department}-{commune:03d}",
        school_holidays_zone=organisation.school_holidays_zone,
    )
    stop.refresh_search_text()  # bulk_create does not call save()
    return stop


def _closures_and_extras(created, stops, rng):
    today = datetime.date.today()
    breakdowns = [today + datetime.timedelta(days=rng.randrange(365)) for _ in range(len(stops) // 10)]
    Closure.objects.bulk_create(
        Closure(stop=stop, first_day=day, last_day=day, reason_kind=ClosureReason.BREAKDOWN)
        for stop, day in zip(rng.sample(stops, len(stops) // 10), breakdowns, strict=True)
    )
    # One organisation in ten closes all its stops for a day: its team is in training.
    training = [today + datetime.timedelta(days=rng.randrange(365)) for _ in range(len(created) // 10)]
    Closure.objects.bulk_create(
        Closure(organisation=organisation, first_day=day, last_day=day, reason_kind=ClosureReason.TRAINING)
        for organisation, day in zip(rng.sample(created, len(created) // 10), training, strict=True)
    )
    Closure.objects.get_or_create(
        stop=None,
        organisation=None,
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
        for stop in rng.sample(stops, len(stops) // 10)
    )


def _ensure_staff():
    """An agent of the first organisation, one of the first two, the first one's coordinator, and the
    national administrator."""
    first, second = organisations().order_by("slug")[:2]
    for username, memberships in [
        (AGENT, [(first, Role.AGENT)]),
        (AGENT_OF_TWO, [(first, Role.AGENT), (second, Role.AGENT)]),
        (COORDINATOR, [(first, Role.COORDINATOR)]),
    ]:
        user, _created = User.objects.get_or_create(username=username, defaults={"first_name": "Banc"})
        for organisation, role in memberships:
            Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
    User.objects.update_or_create(username=ADMINISTRATOR, defaults={"is_superuser": True, "is_staff": True})


def _delete_visits():
    """The visits at the bench's stops (they keep their stops from being deleted), the opinions given after
    them, and the daily tallies that counted them."""
    from visits.models import DailyActivity, Feedback, Visit

    Visit.objects.filter(stop__slug__startswith="bench-").delete()
    Feedback.objects.filter(stop__slug__startswith="bench-").delete()
    DailyActivity.objects.all().delete()


def generate_visits(target=1_000_000):
    """About `target` visits over the last three years at the territory's stops, 1.8 demands each on
    average. The daily tallies of the statistics are emptied with the visits they counted.

    PostgreSQL only: generated by the database itself (generate_series), in a minute or so.
    """
    from django.db import connection

    from visits.models import Demand, Visit

    if Visit.objects.filter(stop__in=territory()).count() >= target:
        return
    _delete_visits()
    days_per_stop = math.ceil(target / territory().count() / 10)
    territory_ids = f"""
        SELECT s.id FROM stops_stop s
        JOIN {Organisation._meta.db_table} o ON o.id = s.organisation_id AND o.slug ~ '{ORGANISATION_SLUG}'
    """
    with connection.cursor() as cursor:
        # 10 visitors on each of `days_per_stop` days (distinct, within the last 1,095 days) per stop.
        cursor.execute(
            f"""
            INSERT INTO {Visit._meta.db_table} (
                stop_id, service_day, ticket, status, arrived_at, deblayage_started_at,
                accompagnement_started_at, ended_at, accompagnement_minutes,
                has_internet, has_access_codes, has_documents, has_email_access, missing, note,
                age_band, residence, first_visit, heard_from, orientation_target_id,
                provisional_ticket, recorded_offline
            )
            SELECT s.id, v.day, t.ticket, v.status, v.arrived,
                   CASE WHEN v.status IN ('done', 'to_come_back') THEN v.arrived + interval '8 minutes' END,
                   CASE WHEN v.status = 'done' THEN v.arrived + interval '15 minutes' END,
                   v.arrived + interval '45 minutes',
                   CASE WHEN v.status = 'done' THEN 10 + (s.rn + t.ticket * 7) %% 45 END,
                   true, (t.ticket %% 3) > 0, true, (t.ticket %% 4) > 0, '', '',
                   (ARRAY['', 'under_26', '26_39', '40_59', '60_74', '75_plus'])[1 + (s.rn + t.ticket) %% 6],
                   '', (t.ticket %% 3) = 0, '',
                   CASE WHEN v.status = 'oriented' THEN (SELECT min(id) FROM partners_orientationtarget) END,
                   '', false
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM ({territory_ids}) ids) s
            CROSS JOIN generate_series(1, 10) AS t(ticket)
            CROSS JOIN generate_series(0, %s - 1) AS k(n)
            CROSS JOIN LATERAL (
                SELECT d.day,
                       (d.day + time '09:30' + t.ticket * interval '13 minutes') AT TIME ZONE 'Europe/Paris' AS arrived,
                       CASE (s.rn + t.ticket + k.n) %% 20
                           WHEN 0 THEN 'left' WHEN 1 THEN 'oriented' WHEN 2 THEN 'oriented' WHEN 3 THEN 'to_come_back'
                           ELSE 'done' END AS status
                FROM (SELECT (current_date - 1 - ((s.rn * 7 + k.n * 31) %% 1095)::int) AS day) d
            ) v
            """,
            [days_per_stop],
        )
        # Every visit has a demand; four in five have a second one.
        cursor.execute(
            f"""
            INSERT INTO {Demand._meta.db_table} (visit_id, service_day, partner_id, procedure_id, outcome)
            SELECT v.id, v.service_day, p.partner_id, p.procedure_id,
                   CASE WHEN v.status = 'done' THEN (ARRAY['resolved', 'resolved', 'resolved', 'in_progress',
                        'follow_up', 'redirected'])[1 + (v.id + n.n) %% 6]
                        WHEN v.status = 'oriented' THEN 'redirected' ELSE '' END
            FROM {Visit._meta.db_table} v
            JOIN ({territory_ids}) s ON s.id = v.stop_id
            CROSS JOIN generate_series(0, 1) AS n(n)
            CROSS JOIN LATERAL (
                SELECT pr.partner_id, pr.id AS procedure_id FROM partners_procedure pr
                ORDER BY pr.id OFFSET ((v.id * 7 + n.n * 13) %% (SELECT count(*) FROM partners_procedure)) LIMIT 1
            ) p
            WHERE n.n = 0 OR v.id %% 5 <> 0
            """,
            [],
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Visit._meta.db_table}")
        cursor.execute(f"ANALYZE {Demand._meta.db_table}")


CANCELLED = "Ouverture annulée (données du banc d'essai)"


def generate_opinions_and_cancellations(every=60):
    """What the commitments are measured from, beside the visits: an opinion for one finished visit in
    five (seven in ten "Bien"), and one opening in `every` of the last year cancelled by a change of
    the schedule (and closed), from 4 days before it to half an hour after its start. The daily tallies are
    emptied, to be kept again with them. Idempotent.

    PostgreSQL only (the opinions are generated by the database itself).
    """
    from visits.models import Feedback

    if Feedback.objects.filter(stop__in=territory()).exists():
        return
    with transaction.atomic():
        _opinions_and_cancellations(every)


def _opinions_and_cancellations(every):
    from django.db import connection
    from django.utils import timezone

    from stops import schedule
    from stops.models import ScheduleChange
    from visits.models import DailyActivity, Feedback, Visit

    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Feedback._meta.db_table} (
                stop_id, service_day, source, mood, answered, comment, created_at, handled_note, note_published
            )
            SELECT v.stop_id, v.service_day, 'ticket',
                   (ARRAY['good', 'good', 'good', 'good', 'good', 'good', 'good', 'average', 'average', 'bad'])
                   [1 + v.id / 5 %% 10],
                   'yes', '', v.ended_at, '', false
            FROM {Visit._meta.db_table} v
            JOIN stops_stop s ON s.id = v.stop_id AND s.slug LIKE 'bench-%%'
            WHERE v.status = 'done' AND v.id %% 5 = 0
            """,
            [],
        )
        cursor.execute(f"ANALYZE {Feedback._meta.db_table}")
    # Those of visits generated before, if any: cancelled again below.
    ScheduleChange.objects.filter(stop__in=territory(), description=CANCELLED).delete()
    Closure.objects.filter(stop__in=territory(), reason=CANCELLED).delete()
    today = timezone.localdate()
    year = schedule.openings(today - datetime.timedelta(days=365), today - datetime.timedelta(days=1), territory())
    changes = [
        ScheduleChange(
            stop=opening.stop,
            description=CANCELLED,
            cancelled=[{"date": f"{opening.date}", "start": f"{opening.start:%H:%M}", "end": f"{opening.end:%H:%M}"}],
            created_at=opening.starts_at - datetime.timedelta(minutes=n % 193 * 30 - 30),
            dispatched_at=opening.starts_at,
        )
        for n, opening in enumerate(o for o in year if o.is_open)
        if n % every == 0
    ]
    ScheduleChange.objects.bulk_create(changes, batch_size=2000)
    # What the change recorded: the opening closed that day.
    Closure.objects.bulk_create(
        (
            Closure(stop=change.stop, first_day=day, last_day=day, reason=change.description)
            for change in changes
            for day in change.days
        ),
        batch_size=2000,
        ignore_conflicts=True,  # two openings of a stop cancelled the same day, a day already closed
    )
    DailyActivity.objects.all().delete()
