"""Demo data for `make run`: two organisations, their staff accounts, and realistic visits, so that the queue
is not empty. The second organisation, a PIMMS in Pas-de-Calais, is made up: example data."""

import datetime
import random

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisations.models import Membership, Organisation, Role
from partners.models import OrientationTarget, Partner, Procedure
from stops import editing, schedule
from stops.models import ExtraOpening, LiveDay, Stop
from visits import feedback
from visits.intake import new_ticket_code, next_ticket
from visits.models import AgeBand, Answered, Commitment, Demand, Feedback, HeardFrom, Mood, Status, Visit

DEMO_PASSWORD = "mairie-mobile-demo"
DEMO_ORGANISATIONS = {
    "paris": {
        "name": "Mairie mobile – Ville de Paris",
        "kind": Organisation.Kind.COMMUNE,
        "departement": "75",
        "siret": "21750001600019",  # the City of Paris's, from the companies' register
        "school_holidays_zone": "C",
        "contact_email": "mairie-mobile@example.org",
    },
    # Made up (stops/data/pimms-libercourt.yaml): its phone number is in a range the regulator
    # keeps for fiction, and its address is an example.org one; so are its own partner and
    # orientation targets (DEMO_LOCAL).
    "pimms-libercourt": {
        "name": "PIMMS mobile de Libercourt",
        "kind": Organisation.Kind.ASSOCIATION,
        "departement": "62",
        "school_holidays_zone": "B",
        "contact_email": "pimms-libercourt@example.org",
        "contact_phone": "03 53 01 00 62",
    },
}
DEMO_ACCOUNTS = [
    # username, first name, last name, (organisation, role)
    ("agent", "Camille", "Martin", [("paris", Role.AGENT)]),
    # An agent who rotates between the two structures.
    ("agent2", "Yanis", "Benali", [("paris", Role.AGENT), ("pimms-libercourt", Role.AGENT)]),
    ("coordination", "Nadia", "Durand", [("paris", Role.COORDINATOR)]),
    ("coordination-pimms", "Sandrine", "Lefebvre", [("pimms-libercourt", Role.COORDINATOR)]),
]
# (partner code, procedure label or None), weighted by how often they come up in the bus. The labels
# are the procedures' own (partners' migrations), matched as stored: not translated here.
COMMON_REASONS = [
    ("caf", "Déclaration trimestrielle RSA"),
    ("caf", "Prime d'activité"),
    ("caf", "Aide au logement"),
    ("cpam", "Compte ameli"),
    ("cpam", "Complémentaire santé solidaire"),
    ("dgfip", "Déclaration de revenus"),
    ("dgfip", "Accès à l'espace particulier impots.gouv.fr"),
    ("france-travail", "Actualisation mensuelle"),
    ("ants", "Pré-demande de carte d'identité ou de passeport"),
    ("assurance-retraite", "Demande de retraite en ligne"),
    ("ville-de-paris", "Rendez-vous avec un service de la mairie"),
    ("ville-de-paris", "Remboursement de carte de transport"),
    ("cheque-energie", None),
]


# The PIMMS's own partner, with its procedures, and its orientation targets: example data too.
DEMO_LOCAL = {
    "organisation": "pimms-libercourt",
    "partner": {
        "code": "pimms-libercourt-ccas",
        "name": "CCAS de Libercourt (exemple)",
        "short_name": "CCAS",
        "family": Partner.Family.CITY,
        "position": 100,
    },
    "procedures": ["Aide sociale facultative (exemple)", "Domiciliation administrative (exemple)"],
    "targets": ["Mission locale de Carvin (exemple)", "Maison France services d'Oignies (exemple)"],
}
# What the partners' seed made for the City of Paris alone, set aside on a new installation until
# its organisation exists (stops/migrations/0014_partners_of_paris.py).
PARIS_PARTNERS = ["ville-de-paris"]
PARIS_TARGETS = ["Mairie d'arrondissement", "Espace parisien des solidarités (EPS)"]


def ensure_demo_organisations():
    """The demo's organisations (their contacts are example addresses); the City of Paris's own
    partner and orientation targets become its organisation's."""
    for slug, fields in DEMO_ORGANISATIONS.items():
        Organisation.objects.get_or_create(slug=slug, defaults=fields)
        if fields.get("siret"):  # Paris exists since its migration: its SIRET, unless one was typed
            Organisation.objects.filter(slug=slug, siret="").update(siret=fields["siret"])
    paris = Organisation.objects.get(slug="paris")
    partners = Partner.objects.filter(code__in=PARIS_PARTNERS, organisation=None)
    Procedure.objects.filter(partner__in=partners, organisation=None).update(organisation=paris)
    partners.update(organisation=paris, active=True)
    OrientationTarget.objects.filter(name__in=PARIS_TARGETS, organisation=None).update(organisation=paris, active=True)
    ensure_local_partner(Organisation.objects.get(slug=DEMO_LOCAL["organisation"]))


# The City's commitments (visits.quality measures them): its own thresholds, and texts of its own.
DEMO_COMMITMENTS = {
    Commitment.Kind.QUICK_WELCOME: {"minutes": 20, "target": 80},
    Commitment.Kind.RELIABLE_HOURS: {
        "notice_hours": 48,
        "target": 95,
        "text": gettext_lazy(
            "En cas de panne du bus, nous prévenons les abonnés par SMS et par courriel dans l'heure."
        ),
    },
    Commitment.Kind.ANSWER_ON_SITE: {"target": 70},
    Commitment.Kind.SATISFACTION: {"target": 85},
}
# What the demo's visitors answer, when they give their opinion (visits.feedback).
DEMO_OPINIONS = [(Mood.GOOD, 80), (Mood.AVERAGE, 14), (Mood.BAD, 6)]
DEMO_HANDLED_NOTE = gettext_lazy(
    "Des visiteurs attendaient debout sous la pluie : le bus emporte désormais des chaises pliantes et un abri."
)


def ensure_demo_commitments():
    """The City of Paris's commitments; the PIMMS has not chosen its own yet."""
    paris = Organisation.objects.get(slug="paris")
    if not Commitment.objects.filter(organisation=paris).exists():
        Commitment.objects.replace(
            paris,
            [
                Commitment(organisation=paris, kind=kind, position=position, **fields)
                for position, (kind, fields) in enumerate(DEMO_COMMITMENTS.items())
            ],
        )


def ensure_local_partner(organisation):
    """The PIMMS's own partner, its procedures and orientation targets, offered at its stops only."""
    fields = DEMO_LOCAL["partner"]
    partner, _created = Partner.objects.get_or_create(
        code=fields["code"], defaults=fields | {"organisation": organisation}
    )
    for label in DEMO_LOCAL["procedures"]:
        Procedure.objects.get_or_create(partner=partner, label=label, defaults={"organisation": organisation})
    for position, name in enumerate(DEMO_LOCAL["targets"], start=100):
        OrientationTarget.objects.get_or_create(name=name, organisation=organisation, defaults={"position": position})


def ensure_demo_accounts():
    """The demo agents and coordinator (demo only: the password is public)."""
    users = []
    for username, first_name, last_name, memberships in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first_name, "last_name": last_name}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        for slug, role in memberships:
            organisation = Organisation.objects.get(slug=slug)
            Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
        users.append(user)
    return users


def open_today(preferred, now):
    """The stop where the demo's visitors are today: one of `preferred`'s organisation open today,
    `preferred` if it is.

    On a day none opens (a Sunday, a public holiday), `preferred` gets an exceptional
    opening around now, so that the first screen an agent sees is a working day.
    """
    today = now.date()
    stops = Stop.objects.filter(organisation=preferred.organisation_id)
    already = Visit.objects.filter(service_day=today, stop__in=stops).values_list("stop", flat=True).first()
    if already is not None:
        return Stop.objects.get(pk=already)
    open_stops = [o.stop for o in schedule.openings(today, today, stops.active()) if o.is_open]
    if open_stops:
        return preferred if preferred in open_stops else open_stops[0]
    start = datetime.time(max(now.hour - 3, 0))
    end = datetime.time(23, 59) if now.hour >= 20 else datetime.time(now.hour + 4)
    reason = _("Ouverture de démonstration")
    extra = ExtraOpening(stop=preferred, date=today, start=start, end=end, reason=reason)
    editing.edit_schedule([preferred], extra.save, user=None, username="load_demo", description=reason)
    return preferred


@transaction.atomic
def create_demo_visits(stop, agents, *, past_days=8, seed=18):
    """A morning of visits today at `stop`, and finished visits on its last opening days."""
    rng = random.Random(seed)
    now = timezone.localtime()
    today = now.date()
    created = 0
    if not Visit.objects.filter(stop=stop, service_day=today).exists():
        created += _today(stop, agents, now, rng)
    past = [
        o
        for o in schedule.openings(today - datetime.timedelta(days=90), today - datetime.timedelta(days=1), [stop])
        if o.is_open
    ]
    for day in sorted({o.date for o in past})[-past_days:]:
        if not Visit.objects.filter(stop=stop, service_day=day).exists():
            opening = datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=schedule.PARIS)
            created += _finished_day(stop, agents, opening, rng)
    return created


def _today(stop, agents, now, rng):
    """Visitors arrived over the last three hours: most served, some still in the bus."""
    first_arrival = now - datetime.timedelta(hours=3)
    # The bus arrived before its first visitor: residents see it there.
    LiveDay.objects.get_or_create(stop=stop, day=now.date(), defaults={"arrived_at": first_arrival})
    plan = [Status.DONE] * 8 + [Status.ORIENTED, Status.LEFT, Status.TO_COME_BACK, Status.ORIENTED]
    plan += [Status.ACCOMPAGNEMENT, Status.READY, Status.WAITING, Status.WAITING]
    for position, status in enumerate(plan):
        arrived = first_arrival + datetime.timedelta(minutes=11 * position + rng.randrange(5))
        _visit(stop, agents, now.date(), status, arrived, rng)
    return len(plan)


def _finished_day(stop, agents, opening, rng):
    count = rng.randrange(10, 16)
    arrivals = sorted(opening + datetime.timedelta(minutes=rng.randrange(0, 200)) for _ in range(count))
    for arrived in arrivals:  # tickets follow the arrivals, as at the pré-accueil
        status = rng.choices([Status.DONE, Status.ORIENTED, Status.LEFT, Status.TO_COME_BACK], [80, 12, 5, 3])[0]
        _visit(stop, agents, opening.date(), status, arrived, rng)
    return count


def _visit(stop, agents, day, status, arrived, rng):
    """A visit of `day`, its ticket taken as at the pré-accueil: the agents' next one follows it."""
    agent, colleague = rng.sample(agents, 2)
    visit = Visit(
        stop=stop,
        service_day=day,
        ticket=next_ticket(stop, day),
        ticket_code=new_ticket_code(),
        status=status,
        arrived_at=arrived,
        registered_by=colleague,
        age_band=rng.choice([*AgeBand.values, "", ""]),
        residence=rng.choice(["Paris 18e", "Paris 18e", "Paris 18e", "Paris 19e", "Saint-Ouen-sur-Seine", ""]),
        first_visit=rng.choice([True, False, None]),
        heard_from=rng.choice([*HeardFrom.values, ""]),
    )
    if status == Status.ORIENTED:
        visit.orientation_target = rng.choice(list(OrientationTarget.objects.offered_in(stop.organisation_id)))
        visit.ended_at = arrived + datetime.timedelta(minutes=3)
    elif status == Status.LEFT:
        visit.ended_at = arrived + datetime.timedelta(minutes=rng.randrange(20, 45))
    elif status != Status.WAITING:
        _deblayage(visit, colleague, arrived, rng)
        if status == Status.TO_COME_BACK:
            visit.ended_at = visit.deblayage_started_at + datetime.timedelta(minutes=8)
            visit.missing = _("Avis d'imposition 2025 et identifiant France Connect")
        elif status in (Status.ACCOMPAGNEMENT, Status.DONE):
            visit.accompagnement_agent = agent
            visit.accompagnement_started_at = visit.deblayage_started_at + datetime.timedelta(
                minutes=rng.randrange(5, 15)
            )
            if status == Status.DONE:
                visit.accompagnement_minutes = rng.randrange(10, 55)
                visit.ended_at = visit.accompagnement_started_at + datetime.timedelta(
                    minutes=visit.accompagnement_minutes
                )
    visit.save()
    outcome = {Status.DONE: None, Status.ORIENTED: Demand.Outcome.REDIRECTED}.get(status, "")
    for partner, procedure in _reasons(rng):
        chosen = outcome if outcome is not None else rng.choices(Demand.Outcome.values, [70, 15, 10, 5])[0]
        Demand.objects.create(visit=visit, partner=partner, procedure=procedure, outcome=chosen)
    if status in (Status.DONE, Status.ORIENTED) and day < timezone.localdate() and rng.random() < 0.6:
        _opinion(visit, rng)


def _opinion(visit, rng):
    """The opinion a visitor gave on their ticket's page after the visit (one in two or so do)."""
    mood = rng.choices(*zip(*DEMO_OPINIONS, strict=True))[0]
    answers = {
        "mood": mood,
        "answered": Answered.YES if mood == Mood.GOOD else rng.choice([Answered.PARTLY, Answered.NO]),
        "clarity": rng.choice([4, 5, 5]) if mood == Mood.GOOD else rng.choice([2, 3]),
    }
    if mood == Mood.BAD and not Feedback.objects.published_notes().filter(stop=visit.stop).exists():
        # A comment a coordinator read, acted upon, and said so on the commitments page.
        given = feedback.give_on_ticket(visit, answers | {"comment": _("Trop longtemps debout dehors, il pleuvait.")})
        feedback.mark_handled(given, None, str(DEMO_HANDLED_NOTE), publish=True, now=visit.ended_at)
    else:
        feedback.give_on_ticket(visit, answers)


def _deblayage(visit, agent, arrived, rng):
    visit.deblayage_agent = agent
    visit.deblayage_started_at = arrived + datetime.timedelta(minutes=rng.randrange(2, 20))
    visit.has_internet = True
    visit.has_access_codes = rng.random() > 0.3
    visit.has_documents = rng.random() > 0.2
    visit.has_email_access = rng.random() > 0.25


def _reasons(rng):
    partners = {p.code: p for p in Partner.objects.prefetch_related("procedures")}
    picks = rng.sample(COMMON_REASONS, rng.choice([1, 1, 1, 2]))
    reasons = []
    for code, label in picks:
        partner = partners[code]
        procedure = next((p for p in partner.procedures.all() if p.label == label), None)
        reasons.append((partner, procedure))
    return reasons
