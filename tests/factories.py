import datetime

import factory

from stops.models import Closure, ExtraOpening, Stop, Weekday, WeeklySlot


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
