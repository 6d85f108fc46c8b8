import datetime
import hashlib
import uuid

import factory
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.text import slugify

from organisations.models import Invitation, Membership, Organisation, Role
from partners.models import Partner, Procedure
from stops.models import Closure, ExtraOpening, Stop, Weekday, WeeklySlot
from visits.intake import new_ticket_code
from visits.models import Demand, Visit

# Every test account's password.
PASSWORD = "un-mot-de-passe-solide"


class OrganisationFactory(factory.django.DjangoModelFactory):
    """The City of Paris's Mairie mobile unless said otherwise: every stop of a test is one of its."""

    class Meta:
        model = Organisation
        django_get_or_create = ["slug"]

    slug = "paris"
    name = factory.LazyAttribute(
        lambda o: "Mairie mobile – Ville de Paris" if o.slug == "paris" else f"Structure {o.slug}"
    )
    kind = Organisation.Kind.COMMUNE
    departement = "75"
    school_holidays_zone = "C"


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation (its link's token: « jeton-<n> »)."""

    class Meta:
        model = Invitation

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invitation{n}@example.org")
    role = Role.AGENT
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(days=7))
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"jeton-{n}".encode()).hexdigest())


class PartnerFactory(factory.django.DjangoModelFactory):
    """An organisation's own partner (the City of Paris's unless said otherwise), coded as the
    coordinators' pages code it: « paris-ccas »."""

    class Meta:
        model = Partner

    organisation = factory.SubFactory(OrganisationFactory)
    short_name = factory.Sequence(lambda n: f"Partenaire {n}")
    name = factory.LazyAttribute(lambda p: f"{p.short_name} – {p.organisation.name}")
    code = factory.LazyAttribute(lambda p: slugify(f"{p.organisation.slug} {p.short_name}"))
    family = Partner.Family.OTHER


class StopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stop

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"arret-{n}")
    name = factory.Sequence(lambda n: f"Arrêt {n:04d}")
    kind = Stop.Kind.BUS
    address = factory.Sequence(lambda n: f"{n}, rue de la Mairie")
    postcode = "75018"
    city = "Paris"
    school_holidays_zone = ""
    closed_on_public_holidays = True


class WeeklySlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeeklySlot

    stop = factory.SubFactory(StopFactory)
    weekday = Weekday.TUESDAY
    start = datetime.time(9, 30)
    end = datetime.time(13)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    stop = factory.SubFactory(StopFactory)
    first_day = datetime.date(2025, 3, 11)
    last_day = factory.SelfAttribute("first_day")
    reason = "Bus en panne"


class ExtraOpeningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtraOpening

    stop = factory.SubFactory(StopFactory)
    date = datetime.date(2025, 3, 15)
    start = datetime.time(10)
    end = datetime.time(12)
    reason = "Permanence exceptionnelle"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Agent{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """role=Role.AGENT (of the Paris organisation), or role=(Role.AGENT, organisation)."""
        if create and extracted:
            role, organisation = extracted if isinstance(extracted, tuple) else (extracted, OrganisationFactory())
            Membership.objects.update_or_create(user=self, organisation=organisation, defaults={"role": role})


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit
        skip_postgeneration_save = True

    stop = factory.SubFactory(StopFactory)
    service_day = factory.LazyFunction(timezone.localdate)
    ticket = factory.Sequence(lambda n: n + 1)
    ticket_code = factory.LazyFunction(new_ticket_code)
    arrived_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def reasons(self, create, extracted, **kwargs):
        """Partner codes the visitor came for (default: the Caf)."""
        if create:
            for code in extracted or ["caf"]:
                Demand.objects.create(visit=self, partner=Partner.objects.get(code=code))


def agent_user(username="camille", organisation=None, **kwargs):
    return UserFactory(username=username, role=(Role.AGENT, organisation or OrganisationFactory()), **kwargs)


def coordinator_user(username="nadia", organisation=None, **kwargs):
    return UserFactory(username=username, role=(Role.COORDINATOR, organisation or OrganisationFactory()), **kwargs)


def demand_rows(demand, outcome="resolved", *, reason=None, total=1):
    """The demands formset's POST data for one existing `demand` (and `total` - 1 empty rows),
    as the accompaniment and correction pages send it."""
    rows = {
        "demandes-TOTAL_FORMS": str(total),
        "demandes-INITIAL_FORMS": "1",
        "demandes-MIN_NUM_FORMS": "0",
        "demandes-MAX_NUM_FORMS": "12",
        "demandes-0-demand": str(demand.pk),
        "demandes-0-reason": reason or f"p{demand.partner_id}",
        "demandes-0-outcome": outcome,
    }
    for n in range(1, total):
        rows |= {f"demandes-{n}-reason": "", f"demandes-{n}-outcome": ""}
    return rows


def reason(code, label=None):
    """A pré-accueil reason as the form posts it: a partner, or one of its procedures."""
    if label:
        return f"d{Procedure.objects.get(partner__code=code, label=label).pk}"
    return f"p{Partner.objects.get(code=code).pk}"


def pre_accueil(**overrides):
    """The pré-accueil form's POST data: one reason, handled here, no profile."""
    return {
        "reason_1": reason("caf", "Déclaration trimestrielle RSA"),
        "reason_2": "",
        "reason_3": "",
        "handled_here": "1",
        "orientation_target": "",
        "idempotency_key": str(uuid.uuid4()),
        "age_band": "",
        "residence": "",
        "first_visit": "",
        "heard_from": "",
    } | overrides
