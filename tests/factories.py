import datetime

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from mairie_mobile.roles import AGENTS, COORDINATORS
from partners.models import Partner
from stops.models import Closure, ExtraOpening, Stop, Weekday, WeeklySlot
from visits.models import Demand, Visit


class StopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stop

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
    password = factory.django.Password("un-mot-de-passe-solide")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit
        skip_postgeneration_save = True

    stop = factory.SubFactory(StopFactory)
    service_day = factory.LazyFunction(timezone.localdate)
    ticket = factory.Sequence(lambda n: n + 1)
    arrived_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def reasons(self, create, extracted, **kwargs):
        """Partner codes the visitor came for (default: the Caf)."""
        if create:
            for code in extracted or ["caf"]:
                Demand.objects.create(visit=self, partner=Partner.objects.get(code=code))


def agent_user(username="camille", **kwargs):
    return UserFactory(username=username, role=AGENTS, **kwargs)


def coordinator_user(username="nadia", **kwargs):
    return UserFactory(username=username, role=COORDINATORS, **kwargs)
