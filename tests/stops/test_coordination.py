"""The coordinator edits stops, slots, closures and extra openings, with a preview and a history."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User

from organisations.models import Membership, Role
from stops.models import Closure, ExtraOpening, ScheduleChange, Stop, WeeklySlot
from stops.schedule import PARIS
from tests.conftest import ENGINE_QUERIES, SESSION_QUERIES, text_of
from tests.factories import (
    PASSWORD,
    ClosureFactory,
    ExtraOpeningFactory,
    OrganisationFactory,
    StopFactory,
    WeeklySlotFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
T = datetime.time


@pytest.fixture(autouse=True)
def monday_morning():
    """Monday 3 March 2025, 9:00 in Paris (no school holidays in zone C)."""
    with time_machine.travel(datetime.datetime(2025, 3, 3, 9, 0, tzinfo=PARIS), tick=False):
        yield


def test_home_lists_the_stops_with_their_subscribers(coordination, tuesday_bus):
    from stops.models import Subscription

    Subscription.objects.create(email="a@example.org", stop=tuesday_bus, confirmed_at=datetime.datetime.now(PARIS))
    Subscription.objects.create(email="b@example.org", stop=tuesday_bus)  # not confirmed: not counted
    text = text_of(coordination.get("/coordination/"))
    assert "Bus Mairie mobile – Esplanade Nathalie Sarraute</a></th> <td>75018 Paris</td> <td>1</td>" in text
    assert "0</strong> envoyé" in text


def test_stop_page_lists_slots_closures_extras_and_the_coming_openings(coordination, tuesday_bus):
    ClosureFactory(stop=tuesday_bus, first_day=D(2025, 3, 11), reason="Bus en panne")
    ExtraOpeningFactory(stop=tuesday_bus, date=D(2025, 3, 15), reason="Forum")
    text = text_of(coordination.get("/coordination/arrets/nathalie-sarraute/"))
    assert "Tous les mardis : 9h30 – 13h / 14h – 17h" in text
    assert "Bus en panne : mardi 11 mars" in text
    assert "samedi 15 mars, 10h – 12h : Forum" in text
    assert 'href="/coordination/arrets/nathalie-sarraute/annuler/2025-03-04/"' in text


@pytest.mark.parametrize("count", [2, 20])
def test_stop_page_queries_do_not_grow(coordination, tuesday_bus, count, django_assert_max_num_queries):
    for n in range(count):
        ClosureFactory(stop=tuesday_bus, first_day=D(2025, 4, 1) + datetime.timedelta(days=n))
    queries = (
        SESSION_QUERIES
        + ENGINE_QUERIES  # the coming openings (the stop is the engine's first)
        + 1  # the weekly slots again, for the week in words and their list
        + 1  # how many subscribers will be told
        + 2  # the lists of closures and extra openings
    )
    with django_assert_max_num_queries(queries):
        assert coordination.get("/coordination/arrets/nathalie-sarraute/").status_code == 200


# Slots -----------------------------------------------------------------------------


def slot_data(**overrides):
    return {
        "weekday": "4",
        "start": "09:30",
        "end": "12:30",
        "every_weeks": "1",
        "starts_on": "",
        "ends_on": "",
    } | overrides


def test_add_a_slot_records_the_change(coordination, tuesday_bus, coordinator):
    response = coordination.post("/coordination/arrets/nathalie-sarraute/creneaux/nouveau/", slot_data())
    assert response.status_code == 302
    assert WeeklySlot.objects.filter(stop=tuesday_bus, weekday=4).exists()
    change = ScheduleChange.objects.get()
    assert change.description == "Créneau ajouté : vendredi 9h30 – 12h30"
    assert change.changed_by == coordinator
    assert change.added[0] == {"date": "2025-03-07", "start": "09:30", "end": "12:30"}
    assert change.cancelled == []


def test_an_overlap_with_one_slot_names_it(coordination, tuesday_bus):
    data = slot_data(weekday="1", start="12:00", end="13:30")
    response = coordination.post("/coordination/arrets/nathalie-sarraute/creneaux/nouveau/", data)
    assert text_of(response).count("Certains jours, ce créneau chevauche celui du mardi 9h30 – 13h.") == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (slot_data(start="13:00", end="12:00"), "L&#x27;heure de fin doit être après l&#x27;heure de début."),
        (
            slot_data(weekday="1", start="12:00", end="15:00"),
            "Certains jours, ce créneau chevauche ceux du mardi 9h30 – 13h et du mardi 14h – 17h.",
        ),
        (slot_data(every_weeks="2"), "Indiquez le premier jour"),
        (
            slot_data(starts_on="2025-05-01", ends_on="2025-04-01"),
            "Le dernier jour ne peut pas être avant le premier jour.",
        ),
        (slot_data(weekday="9"), "Sélectionnez un choix valide"),
        (slot_data(start="midi"), "Saisissez une heure valide."),
        (slot_data(every_weeks="0"), "supérieure ou égale à 1"),
    ],
)
def test_slot_validation_errors_are_shown_next_to_the_field(coordination, tuesday_bus, data, message):
    response = coordination.post("/coordination/arrets/nathalie-sarraute/creneaux/nouveau/", data)
    assert response.status_code == 400
    assert text_of(response).count(message) == 1
    assert WeeklySlot.objects.count() == 2
    assert not ScheduleChange.objects.exists()


def test_every_other_week_slots_of_opposite_weeks_do_not_overlap(coordination, tuesday_bus):
    tuesday_bus.slots.all().delete()
    WeeklySlotFactory(stop=tuesday_bus, weekday=2, every_weeks=2, starts_on=D(2025, 3, 5))
    data = slot_data(weekday="2", every_weeks="2", starts_on="2025-03-12")
    assert coordination.post("/coordination/arrets/nathalie-sarraute/creneaux/nouveau/", data).status_code == 302


def test_edit_and_delete_a_slot(coordination, tuesday_bus):
    slot = tuesday_bus.slots.get(start=T(14))
    url = f"/coordination/arrets/nathalie-sarraute/creneaux/{slot.pk}/"
    assert coordination.post(url, slot_data(weekday="1", start="14:00", end="16:00")).status_code == 302
    assert ScheduleChange.objects.latest("pk").description == "Créneau modifié : mardi 14h – 16h"
    confirm = coordination.get(url + "supprimer/")
    assert "Supprimer le créneau du mardi 14h – 16h ?" in text_of(confirm)
    assert "mardi 4 mars, 14h – 16h" in text_of(confirm)  # what it would cancel
    coordination.post(url + "supprimer/")
    assert not WeeklySlot.objects.filter(pk=slot.pk).exists()
    assert ScheduleChange.objects.latest("pk").description == "Créneau supprimé : mardi 14h – 16h"


# Preview --------------------------------------------------------------------------------


def test_preview_shows_what_the_edit_cancels_and_saves_nothing(coordination, tuesday_bus):
    data = {"first_day": "2025-03-11", "last_day": "2025-03-18", "reason": "Travaux", "preview": "1"}
    response = coordination.post("/coordination/arrets/nathalie-sarraute/fermetures/nouvelle/", data)
    text = text_of(response)
    assert "4 ouvertures annulées" in text
    assert "mardi 11 mars, 9h30 – 13h" in text
    assert "mardi 18 mars, 14h – 17h" in text
    assert not Closure.objects.exists()
    assert not ScheduleChange.objects.exists()


def test_preview_of_an_extra_opening_shows_it_added(coordination, tuesday_bus):
    data = {"date": "2025-03-15", "start": "10:00", "end": "12:00", "reason": "Forum", "preview": "1"}
    text = text_of(coordination.post("/coordination/arrets/nathalie-sarraute/ouvertures/nouvelle/", data))
    assert "1 ouverture ajoutée" in text
    assert "samedi 15 mars, 10h – 12h" in text
    assert not ExtraOpening.objects.exists()


def test_preview_only_looks_eight_weeks_ahead(coordination, tuesday_bus):
    data = {"first_day": "2025-06-03", "last_day": "", "reason": "Travaux", "preview": "1"}
    text = text_of(coordination.post("/coordination/arrets/nathalie-sarraute/fermetures/nouvelle/", data))
    assert "Aucune ouverture des 8 prochaines semaines ne change." in text


# Closures and extra openings ------------------------------------------------------------


def test_closure_of_one_day_by_default(coordination, tuesday_bus):
    data = {"first_day": "2025-03-11", "last_day": "", "reason": "Bus en panne"}
    assert coordination.post("/coordination/arrets/nathalie-sarraute/fermetures/nouvelle/", data).status_code == 302
    closure = Closure.objects.get()
    assert (closure.stop, closure.first_day, closure.last_day) == (tuesday_bus, D(2025, 3, 11), D(2025, 3, 11))
    change = ScheduleChange.objects.get()
    assert [o["date"] for o in change.cancelled] == ["2025-03-11", "2025-03-11"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"first_day": "2025-03-12", "last_day": "2025-03-11", "reason": "x"},
            "Le dernier jour ne peut pas être avant",
        ),
        ({"first_day": "2025-03-11", "last_day": "", "reason": ""}, "Précisez le motif de la fermeture."),
        ({"first_day": "11 mars", "last_day": "", "reason": "x"}, "Saisissez une date valide."),
        (
            {"first_day": "2025-03-04", "last_day": "2025-03-04", "reason": "x"},
            "Une fermeture existe déjà pour ces dates.",
        ),
    ],
)
def test_closure_validation_errors(coordination, tuesday_bus, data, message):
    ClosureFactory(stop=tuesday_bus, first_day=D(2025, 3, 4))
    response = coordination.post("/coordination/arrets/nathalie-sarraute/fermetures/nouvelle/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Closure.objects.count() == 1


def test_closure_of_every_stop_records_a_change_per_stop(coordination, tuesday_bus):
    friday = WeeklySlotFactory(weekday=4, stop__name="Permanence du vendredi").stop
    StopFactory(name="Sans créneau")
    data = {"first_day": "2025-03-10", "last_day": "2025-03-14", "reason": "Grève"}
    assert coordination.post("/coordination/fermetures/nouvelle/", data).status_code == 302
    assert Closure.objects.get().stop is None
    changes = ScheduleChange.objects.order_by("stop__name")
    assert [(c.stop, c.description) for c in changes] == [
        (tuesday_bus, "Fermeture de tous les arrêts ajoutée : Grève (du lundi 10 mars 2025 au vendredi 14 mars 2025)"),
        (friday, "Fermeture de tous les arrêts ajoutée : Grève (du lundi 10 mars 2025 au vendredi 14 mars 2025)"),
    ]


def test_a_coordinator_closes_every_stop_of_their_organisation_and_the_national_administrator_the_country(
    client, coordinator, tuesday_bus
):
    pimms = OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62")
    libercourt = WeeklySlotFactory(weekday=1, stop__organisation=pimms).stop
    client.force_login(coordinator)
    form = text_of(client.get("/coordination/fermetures/nouvelle/"))
    assert "Structure" not in form
    assert "Tous les arrêts du pays" not in form
    data = {"first_day": "2025-03-11", "reason": "Formation de l'équipe"}
    assert client.post("/coordination/fermetures/nouvelle/", data).status_code == 302
    assert Closure.objects.get().organisation == tuesday_bus.organisation
    assert list(ScheduleChange.objects.values_list("stop", flat=True)) == [tuesday_bus.pk]

    client.force_login(User.objects.create_superuser("admin", "admin@example.org", PASSWORD))
    form = text_of(client.get("/coordination/fermetures/nouvelle/"))
    assert "Tous les arrêts du pays" in form
    assert "PIMMS mobile de Libercourt" in form
    data = {"organisation": "", "first_day": "2025-03-18", "reason": "Grève nationale"}
    assert client.post("/coordination/fermetures/nouvelle/", data).status_code == 302
    national = Closure.objects.get(first_day=D(2025, 3, 18))
    assert (national.stop, national.organisation) == (None, None)
    told = ScheduleChange.objects.filter(description__contains="Grève nationale").values_list("stop", flat=True)
    assert set(told) == {tuesday_bus.pk, libercourt.pk}


def test_deleting_a_closure_adds_the_openings_back(coordination, tuesday_bus):
    closure = ClosureFactory(stop=tuesday_bus, first_day=D(2025, 3, 11))
    coordination.post(f"/coordination/arrets/nathalie-sarraute/fermetures/{closure.pk}/supprimer/")
    assert [o["date"] for o in ScheduleChange.objects.get().added] == ["2025-03-11", "2025-03-11"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2025-03-04", "start": "10:00", "end": "12:00"}, "déjà ouvert à ces heures ce jour-là"),
        ({"date": "2025-03-15", "start": "11:00", "end": "13:00"}, "Une autre ouverture exceptionnelle a déjà lieu"),
        ({"date": "2025-03-15", "start": "14:00", "end": "13:00"}, "L&#x27;heure de fin doit être après"),
    ],
)
def test_extra_opening_validation_errors(coordination, tuesday_bus, data, message):
    ExtraOpeningFactory(stop=tuesday_bus, date=D(2025, 3, 15), start=T(10), end=T(12))
    response = coordination.post("/coordination/arrets/nathalie-sarraute/ouvertures/nouvelle/", {"reason": ""} | data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ExtraOpening.objects.count() == 1


def test_an_extra_opening_may_replace_a_cancelled_usual_one(coordination, tuesday_bus):
    ClosureFactory(stop=tuesday_bus, first_day=D(2025, 3, 11), reason="Bus en panne")
    data = {"date": "2025-03-11", "start": "09:30", "end": "13:00", "reason": "Permanence maintenue"}
    assert coordination.post("/coordination/arrets/nathalie-sarraute/ouvertures/nouvelle/", data).status_code == 302


# Cancelling one opening in two clicks ------------------------------------------------------


def test_cancel_tomorrows_opening_in_two_clicks(coordination, tuesday_bus):
    page = text_of(coordination.get("/coordination/arrets/nathalie-sarraute/"))
    assert 'href="/coordination/arrets/nathalie-sarraute/annuler/2025-03-04/"' in page  # first click
    confirm = coordination.get("/coordination/arrets/nathalie-sarraute/annuler/2025-03-04/")
    assert "Annuler l'ouverture du mardi 4 mars" in text_of(confirm)
    assert '<option value="breakdown" selected>Bus en panne</option>' in text_of(confirm)  # the usual reason, ready
    response = coordination.post(
        "/coordination/arrets/nathalie-sarraute/annuler/2025-03-04/", {"reason": "Bus en panne"}
    )
    assert response.status_code == 302  # second click
    closure = Closure.objects.get()
    assert (closure.first_day, closure.last_day, closure.public_reason) == (
        D(2025, 3, 4),
        D(2025, 3, 4),
        "Bus en panne",
    )
    assert ScheduleChange.objects.get().description == "Ouverture annulée : Bus en panne (mardi 4 mars 2025)"


@pytest.mark.parametrize("day", ["2025-03-05", "2025-03-02", "2025-02-30", "demain"])
def test_cancelling_a_day_without_opening_is_refused(coordination, tuesday_bus, day):
    response = coordination.get(f"/coordination/arrets/nathalie-sarraute/annuler/{day}/", follow=True)
    assert "Il n&#x27;y a plus d&#x27;ouverture à venir ce jour-là : rien à annuler." in text_of(response)
    assert not Closure.objects.exists()


TUESDAY = datetime.datetime(2025, 3, 4, tzinfo=PARIS)
CANCEL_TODAY = "/coordination/arrets/nathalie-sarraute/annuler/2025-03-04/"


def test_an_opening_already_over_is_not_offered_for_cancelling(coordination, coordinator, tuesday_bus):
    with time_machine.travel(TUESDAY.replace(hour=17, minute=48), tick=False):
        coordination.force_login(coordinator)  # a session of the day
        page = text_of(coordination.get("/coordination/arrets/nathalie-sarraute/"))
        response = coordination.get(CANCEL_TODAY, follow=True)
    assert CANCEL_TODAY not in page
    assert 'href="/coordination/arrets/nathalie-sarraute/annuler/2025-03-11/"' in page
    assert "Il n&#x27;y a plus d&#x27;ouverture à venir ce jour-là : rien à annuler." in text_of(response)


def test_an_opening_in_progress_is_cut_short_with_a_preview(coordination, coordinator, tuesday_bus):
    from stops.models import Subscription

    Subscription.objects.create(email="a@example.org", stop=tuesday_bus, confirmed_at=TUESDAY)
    Subscription.objects.create(
        email="b@example.org", stop=None, organisation=tuesday_bus.organisation, confirmed_at=TUESDAY
    )
    with time_machine.travel(TUESDAY.replace(hour=15, minute=10), tick=False):
        coordination.force_login(coordinator)  # a session of the day
        page = text_of(coordination.get("/coordination/arrets/nathalie-sarraute/"))
        confirm = text_of(coordination.get(CANCEL_TODAY))
        coordination.post(CANCEL_TODAY, {"reason": "Bus en panne"})
    assert CANCEL_TODAY in page
    assert "L'ouverture en cours s'arrête maintenant" in confirm
    assert "1 ouverture annulée" in confirm  # the preview: the afternoon only, the morning is over
    assert "14h – 17h" in confirm
    assert "9h30 – 13h" not in confirm
    assert "2 abonnés seront prévenus par courriel." in confirm
    assert ScheduleChange.objects.get().cancelled == [{"date": "2025-03-04", "start": "14:00", "end": "17:00"}]


def test_a_reason_too_long_is_refused_not_cut(coordination, tuesday_bus):
    page = coordination.get("/coordination/arrets/nathalie-sarraute/annuler/2025-03-04/").content.decode()
    assert "maxlength" not in page  # a browser would cut a pasted text without a word
    response = coordination.post("/coordination/arrets/nathalie-sarraute/annuler/2025-03-04/", {"reason": "x" * 201})
    assert response.status_code == 400
    assert "au plus 200 caractères (actuellement 201)" in text_of(response)
    assert not Closure.objects.exists()


# Stops and history ------------------------------------------------------------------------


def test_create_a_stop_then_change_its_holiday_rules(coordination, tuesday_bus):
    data = {
        "slug": "porte-montmartre",
        "name": "Bus – Porte Montmartre",
        "kind": "bus",
        "address": "2, avenue de la Porte Montmartre",
        "postcode": "75018",
        "city": "Paris",
        "closed_on_public_holidays": "on",
        "active": "on",
        "partners": [],
    }
    assert coordination.post("/coordination/arrets/nouveau/", data).status_code == 302
    assert Stop.objects.filter(slug="porte-montmartre").exists()
    coordination.post(
        "/coordination/arrets/nathalie-sarraute/modifier/",
        {
            "slug": "nathalie-sarraute",
            "name": tuesday_bus.name,
            "kind": "bus",
            "postcode": "75018",
            "city": "Paris",
            "school_holidays_zone": "C",
            "active": "",  # closed to the public: every coming opening goes
            "closed_on_public_holidays": "on",
        },
    )
    change = ScheduleChange.objects.get(stop=tuesday_bus)
    assert change.description == "Informations de l'arrêt modifiées"
    assert len(change.cancelled) > 50


def test_history_shows_who_when_what_and_which_dates(coordination, tuesday_bus):
    coordination.post("/coordination/arrets/nathalie-sarraute/annuler/2025-03-04/", {"reason": "Bus en panne"})
    text = text_of(coordination.get("/coordination/arrets/nathalie-sarraute/historique/"))
    assert "Ouverture annulée : Bus en panne (mardi 4 mars 2025)" in text
    assert "lundi 3 mars, 9h, par Nadia Durand" in text
    assert "Annulé : mardi 4 mars, 9h30 – 13h ; mardi 4 mars, 14h – 17h." in text


def add_extra_opening(coordination, day, start, end):
    data = {"date": day, "start": start, "end": end, "reason": "Forum"}
    response = coordination.post("/coordination/arrets/nathalie-sarraute/ouvertures/nouvelle/", data)
    assert response["Location"] == "/coordination/arrets/nathalie-sarraute/"


def test_history_lists_the_newest_change_first_with_french_dates(coordination, coordinator, tuesday_bus):
    coordination.post("/coordination/arrets/nathalie-sarraute/annuler/2025-03-04/", {"reason": "Bus en panne"})
    with time_machine.travel(datetime.datetime(2025, 3, 3, 9, 5, tzinfo=PARIS), tick=False):
        add_extra_opening(coordination, "2025-12-01", "09:30", "13:00")
        add_extra_opening(coordination, "2026-01-10", "10:00", "12:00")
        text = text_of(coordination.get("/coordination/arrets/nathalie-sarraute/historique/"))
    entries = text.split('<article class="stop-card">')[1:]
    assert [entry.split("</h2>")[0].removeprefix(' <h2 class="h5 mb-1">') for entry in entries] == [
        "Ouverture exceptionnelle ajoutée : samedi 10 janvier 2026, 10h – 12h",
        "Ouverture exceptionnelle ajoutée : lundi 1er décembre 2025, 9h30 – 13h",
        "Ouverture annulée : Bus en panne (mardi 4 mars 2025)",
    ]
    assert "lundi 3 mars, 9h05, par Nadia Durand" in entries[0]
    assert "Ajouté : samedi 10 janvier 2026, 10h – 12h." in entries[0]
    assert "Ajouté : lundi 1er décembre, 9h30 – 13h." in entries[1]
    assert "lundi 3 mars, 9h, par Nadia Durand" in entries[2]

    with time_machine.travel(datetime.datetime(2026, 1, 2, 8, tzinfo=PARIS), tick=False):
        coordination.force_login(coordinator)  # the session of March is over
        text = text_of(coordination.get("/coordination/arrets/nathalie-sarraute/historique/"))
    assert "lundi 3 mars 2025, 9h05, par Nadia Durand" in text  # another year: it is written
    assert "Ajouté : lundi 1er décembre 2025, 9h30 – 13h." in text
    assert "Ajouté : samedi 10 janvier, 10h – 12h." in text


def test_home_dates_the_last_changes_as_the_history_does(coordination, tuesday_bus):
    coordination.post("/coordination/arrets/nathalie-sarraute/annuler/2025-03-04/", {"reason": "Bus en panne"})
    text = text_of(coordination.get("/coordination/"))
    assert "<td>lundi 3 mars, 9h</td>" in text  # the stop's last change
    assert "Ouverture annulée : Bus en panne (mardi 4 mars 2025)<br><span" in text
    assert '<span class="text-secondary-strong">lundi 3 mars, 9h, par Nadia Durand</span>' in text


def test_an_agent_cannot_edit_the_schedule(client, agent, tuesday_bus):
    client.force_login(agent)
    assert client.post("/coordination/arrets/nathalie-sarraute/annuler/2025-03-04/", {"reason": "x"}).status_code == 403
    assert not Closure.objects.exists()


def test_an_edit_in_the_admin_is_recorded_too(client, tuesday_bus):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("admin", "admin@example.org", PASSWORD))
    response = client.post(
        "/admin/stops/closure/add/",
        {
            "stop": tuesday_bus.pk,
            "first_day": "2025-03-11",
            "last_day": "2025-03-11",
            "reason_kind": "breakdown",
            "reason": "",
        },
    )
    assert response.status_code == 302
    change = ScheduleChange.objects.get()
    assert change.description == "Fermeture ajouté(e) (administration) : Bus en panne (mardi 11 mars 2025)"
    assert len(change.cancelled) == 2


def test_a_coordinator_of_two_organisations_chooses_which_one_a_new_stop_is_for(client, coordinator):
    pimms = OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62")
    Membership.objects.create(user=coordinator, organisation=pimms, role=Role.COORDINATOR)
    client.force_login(coordinator)
    form = text_of(client.get("/coordination/arrets/nouveau/"))
    assert '<option value="' + str(pimms.pk) + '">PIMMS mobile de Libercourt</option>' in form
    data = {"organisation": pimms.pk, "slug": "libercourt-mairie", "name": "Place de la mairie", "kind": "bus"}
    data |= {"city": "Libercourt", "postcode": "62820", "closed_on_public_holidays": "on", "active": "on"}
    assert client.post("/coordination/arrets/nouveau/", data).status_code == 302
    assert Stop.objects.get(slug="libercourt-mairie").organisation == pimms
    other = OrganisationFactory(slug="ailleurs", departement="59")
    refused = client.post("/coordination/arrets/nouveau/", data | {"organisation": other.pk, "slug": "ailleurs"})
    assert refused.status_code == 400
    assert not Stop.objects.filter(slug="ailleurs").exists()
