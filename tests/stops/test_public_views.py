import datetime
import re

import pytest
import time_machine
from django.test import override_settings

from stops.forms import QUERY_MAX_LENGTH
from stops.models import Stop
from stops.schedule import PARIS
from tests.conftest import ENGINE_QUERIES, make_stops, text_of
from tests.factories import ClosureFactory, ExtraOpeningFactory, OrganisationFactory, StopFactory, WeeklySlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tuesday_morning():
    """Tuesday 4 March 2025, 10:00 in Paris: the bus is open."""
    with time_machine.travel(datetime.datetime(2025, 3, 4, 10, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.mark.usefixtures("tuesday_morning")
def test_timetable_shows_each_stop_with_its_next_two_weeks(client, tuesday_bus):
    ClosureFactory(stop=tuesday_bus, first_day=datetime.date(2025, 3, 11), reason="Bus en panne")
    response = client.get("/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Bus Mairie mobile – Esplanade Nathalie Sarraute" in text
    assert "Ouvert en ce moment</span> jusqu'à 13h" in text
    assert "<strong>Aujourd’hui</strong>" in text
    assert "Bus en panne" in text
    assert "mardi 11 mars" in text
    assert "mardi 18 mars" not in text  # beyond the two weeks


@pytest.mark.usefixtures("tuesday_morning")
def test_timetable_says_why_an_opening_is_cancelled(client):
    stop = StopFactory(name="Permanence du jeudi", school_holidays_zone="")
    WeeklySlotFactory(stop=stop, weekday=3)
    with time_machine.travel(datetime.datetime(2025, 5, 26, 8, 0, tzinfo=PARIS), tick=False):
        text = text_of(client.get("/"))
    assert "Annulé</span> Jour férié : Ascension" in text


@pytest.mark.usefixtures("tuesday_morning")
def test_timetable_shows_extra_openings(client, tuesday_bus):
    ExtraOpeningFactory(stop=tuesday_bus, date=datetime.date(2025, 3, 8), reason="Forum de l'emploi")
    assert "Ouverture exceptionnelle</span> Forum de l&#x27;emploi" in text_of(client.get("/"))


@override_settings(TIMETABLE_GROUP_THRESHOLD=3)
def test_a_large_territory_is_grouped_by_commune(client):
    make_stops(2)
    lille = WeeklySlotFactory(stop__city="Lille", stop__postcode="59000", stop__name="Bus de Lille").stop
    WeeklySlotFactory(stop__city="Lille", stop__postcode="59000")
    text = text_of(client.get("/"))
    assert "Les arrêts par commune" in text
    assert 'href="?q=59000">Lille (59000)</a> : 2 arrêts' in text
    assert "Département 59" in text
    assert "Département 75" in text
    assert lille.name not in text  # no openings loaded before a commune is chosen


@override_settings(TIMETABLE_GROUP_THRESHOLD=3)
@pytest.mark.parametrize(
    "query",
    [
        *["Saint-Étienne", "saint etienne", "SAINT-ETIENNE"],  # accents, capitals and hyphens do not matter
        *["420", "42000"],
        *["Montreynaud", "montreynaud saint-étienne", "Coeur", "cœur"],  # the stop's name
    ],
)
def test_the_filter_finds_a_commune_by_name_or_postcode(client, query):
    make_stops(3)
    WeeklySlotFactory(stop__city="Saint-Étienne", stop__postcode="42000", stop__name="Bus du Cœur de Montreynaud")
    text = text_of(client.get("/", {"q": query}))
    assert "1 arrêt pour" in text
    assert "Bus du Cœur de Montreynaud" in text
    assert "Arrêt 0" not in text


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("18e", ["Bus de la Chapelle"]),
        ("Paris 18", ["Bus de la Chapelle"]),
        ("paris 18ème arrondissement", ["Bus de la Chapelle"]),
        ("Lyon 9e", ["Bus de Vaise 18"]),
        ("18", ["Bus de Bourges", "Bus de Vaise 18"]),  # a number alone: a postcode, or in a name
        ("16e", ["Bus d'Auteuil"]),
    ],
)
def test_an_arrondissement_is_found_as_residents_write_it(query, found):
    StopFactory(name="Bus de la Chapelle", city="Paris", postcode="75018")
    StopFactory(name="Bus de Vaise 18", city="Lyon", postcode="69009")
    StopFactory(name="Bus de Bourges", city="Bourges", postcode="18000")
    StopFactory(name="Bus d'Auteuil", city="Paris", postcode="75116")
    assert sorted(stop.name for stop in Stop.objects.search(query)) == found


def test_a_renamed_stop_is_found_by_its_new_name():
    stop = StopFactory(name="Bus Nathalie Sarraute", city="Paris")
    stop.name, stop.city = "Bus Porte de Clignancourt", "Saint-Ouen"
    stop.save(update_fields=["name", "city"])
    assert list(Stop.objects.search("clignancourt saint ouen")) == [stop]
    assert not Stop.objects.search("sarraute").exists()


@pytest.mark.parametrize("query", ["-", "'", "_"])
def test_a_query_of_punctuation_finds_nothing(query):
    StopFactory(name="Bus d'Épinay", city="Épinay-sur-Seine")
    assert not Stop.objects.search(query).exists()


@override_settings(TIMETABLE_GROUP_THRESHOLD=3)
def test_the_filter_says_when_nothing_matches(client):
    make_stops(4)
    text = text_of(client.get("/", {"q": "Tombouctou"}))
    assert "Aucun arrêt ne correspond à « Tombouctou »" in text


@pytest.mark.usefixtures("tuesday_morning")
def test_a_search_that_finds_nothing_says_so_not_that_the_bus_is_closed(client, tuesday_bus):
    response = client.get("/", {"q": "zzzqqq"})
    assert response.status_code == 200
    text = text_of(response)
    assert "Aucun arrêt ne correspond à « zzzqqq »" in text
    assert "Aucun arrêt n'est ouvert" not in text
    assert "0 arrêt" not in text
    assert 'name="q" value="zzzqqq"' in text
    assert '<a href="/">Voir la liste complète des arrêts</a>' in text


@override_settings(TIMETABLE_GROUP_THRESHOLD=3)
@pytest.mark.parametrize(
    ("stop_count", "params", "value"),
    [
        (2, {}, ""),  # every stop and its openings
        (4, {}, ""),  # the index of communes
        (4, {"q": "Paris"}, "Paris"),  # search results
        (25, {"q": "Paris", "page": "2"}, "Paris"),  # their second page
        (4, {"q": "Tombouctou"}, "Tombouctou"),  # nothing found
    ],
)
def test_every_timetable_view_keeps_the_search_box_with_the_query(client, stop_count, params, value):
    make_stops(stop_count)
    text = text_of(client.get("/", params))
    box = re.search(r'<form [^>]*role="search".*?<input type="search" name="q"[^>]*>', text, re.DOTALL)
    assert box is not None
    assert f'value="{value}"' in box.group() if value else "value=" not in box.group()


@pytest.mark.parametrize("length", [QUERY_MAX_LENGTH + 1, 5000])
def test_a_query_too_long_to_be_one_is_refused_with_a_message(client, tuesday_bus, length):
    response = client.get("/", {"q": "Paris " * (length // 6) + "x" * (length % 6)})
    assert response.status_code == 400
    text = text_of(response)
    assert f"Cette recherche est trop longue ({QUERY_MAX_LENGTH} caractères au plus)" in text
    assert 'aria-invalid="true"' in text
    assert tuesday_bus.name not in text  # not silently taken as no search at all


def test_a_query_of_the_longest_length_is_a_search(client, tuesday_bus):
    response = client.get("/", {"q": "x" * QUERY_MAX_LENGTH})
    assert response.status_code == 200
    assert "Aucun arrêt ne correspond" in text_of(response)


@override_settings(TIMETABLE_GROUP_THRESHOLD=3)
def test_filtered_results_are_paged(client):
    make_stops(45)
    text = text_of(client.get("/", {"q": "Paris", "page": "3"}))
    assert "45 arrêts pour « Paris »" in text
    assert "Page 3 sur 3" in text
    assert text.count('class="stop-card"') == 5


@pytest.mark.parametrize("count", [3, 300])
@pytest.mark.parametrize("query", ["", "Paris"])
def test_timetable_queries_do_not_grow_with_the_stops(client, count, query, django_assert_max_num_queries):
    make_stops(count)
    queries = (
        1  # how many active stops: to group a large territory, or for the paginator of a search
        + ENGINE_QUERIES  # the page's stops and their openings
        + 1  # what the agents said today at the page's stops (the bus arrived, left)
    )
    with django_assert_max_num_queries(queries):
        assert client.get("/", {"q": query}).status_code == 200


@pytest.mark.usefixtures("tuesday_morning")
def test_stop_page(client, tuesday_bus):
    response = client.get("/arrets/nathalie-sarraute/")
    assert response.status_code == 200
    text = text_of(response)
    assert "<h1>Bus Mairie mobile – Esplanade Nathalie Sarraute</h1>" in text
    assert "26, esplanade Nathalie Sarraute<br>75018 Paris" in text
    assert "Repère : Devant la bibliothèque Vaclav Havel" in text
    assert "Tous les mardis : 9h30 – 13h / 14h – 17h" in text
    assert "Fermé pendant les vacances scolaires (zone C) et les jours fériés" in text
    assert "https://www.openstreetmap.org/?mlat=48.889300&amp;mlon=2.359400" in text
    assert 'href="/arrets/nathalie-sarraute/calendrier.ics" download' in text
    assert "Ouvert en ce moment</span> jusqu'à 13h" in text


def test_stop_page_gives_the_calendar_address_to_copy_and_how_to_add_it(client, tuesday_bus):
    text = text_of(client.get("/arrets/nathalie-sarraute/", secure=True))
    assert 'value="https://testserver/arrets/nathalie-sarraute/calendrier.ics" readonly' in text
    assert "webcal:" not in text
    assert "Réglages > Calendrier > Comptes" in text
    assert "Autres agendas > + > À partir de l'URL" in text
    assert "Ajouter un calendrier > S'abonner à partir du web" in text


@pytest.mark.usefixtures("tuesday_morning")
def test_stop_page_says_first_what_is_cancelled_today_and_when_it_opens_next(client, tuesday_bus):
    ClosureFactory(stop=tuesday_bus, first_day=datetime.date(2025, 3, 4), reason="Bus en panne")
    text = text_of(client.get("/arrets/nathalie-sarraute/"))
    status = text[text.index('class="stop-status') : text.index('id="adresse"')]
    assert "Annulé aujourd’hui</span> 9h30 – 13h, 14h – 17h : Bus en panne" in status
    assert "Prochaine ouverture : <strong>mardi 11 mars, 9h30 – 13h</strong>" in status
    assert "Ouvert en ce moment" not in status


@pytest.mark.usefixtures("tuesday_morning")
def test_stop_page_lists_the_next_eight_openings_and_groups_closed_weeks(client, tuesday_bus):
    text = text_of(client.get("/arrets/nathalie-sarraute/"))
    # 4 March is under way; 11 March; 18 March; then winter holidays are over, spring holidays (12 – 27 April).
    assert text.count('<span class="opening-hours">') == 8
    assert "mardi 25 mars" in text
    assert "mardi 1er avril" not in text


@pytest.mark.usefixtures("tuesday_morning")
def test_stop_page_groups_consecutive_closures(client, tuesday_bus):
    with time_machine.travel(datetime.datetime(2025, 4, 7, 8, 0, tzinfo=PARIS), tick=False):
        text = text_of(client.get("/arrets/nathalie-sarraute/"))
    assert "<strong>Du mardi 15 avril au mardi 22 avril</strong> : fermé (vacances scolaires)" in text


def test_a_day_closed_reads_as_one_day_with_its_reason(client, tuesday_bus):
    ClosureFactory(stop=tuesday_bus, first_day=datetime.date(2026, 12, 1), reason="Bus en panne")
    with time_machine.travel(datetime.datetime(2026, 11, 24, 18, 0, tzinfo=PARIS), tick=False):
        text = text_of(client.get("/arrets/nathalie-sarraute/"))
    assert "<strong>Mardi 1er décembre</strong> : fermé (bus en panne)" in text
    assert "Du mardi 1er décembre" not in text


def test_a_day_closed_next_year_gives_the_year(client, tuesday_bus):
    ClosureFactory(stop=tuesday_bus, first_day=datetime.date(2026, 1, 6), reason="Bus en panne")
    with time_machine.travel(datetime.datetime(2025, 12, 29, 18, 0, tzinfo=PARIS), tick=False):
        text = text_of(client.get("/arrets/nathalie-sarraute/"))
    assert "<strong>Mardi 6 janvier 2026</strong> : fermé (bus en panne)" in text


def test_stop_page_lists_the_partners(client, tuesday_bus):
    from partners.models import Partner

    tuesday_bus.partners.set(Partner.objects.filter(code__in=["caf", "ants"]))
    text = text_of(client.get("/arrets/nathalie-sarraute/"))
    assert "Caisse d&#x27;allocations familiales (Caf)" in text
    assert "France Titres" in text


def test_stop_page_warns_when_school_holidays_are_not_known_yet(client, tuesday_bus):
    with time_machine.travel(datetime.datetime(2028, 8, 1, 8, 0, tzinfo=PARIS), tick=False):
        text = text_of(client.get("/arrets/nathalie-sarraute/"))
    assert "ne sont pas encore publiées" in text


def test_unknown_or_inactive_stop_is_404(client):
    StopFactory(slug="ferme", active=False)
    assert client.get("/arrets/inconnu/").status_code == 404
    assert client.get("/arrets/ferme/").status_code == 404


@pytest.mark.parametrize("count", [3, 300])
def test_stop_page_queries_do_not_grow_with_the_stops(client, count, django_assert_max_num_queries):
    stops = make_stops(count)
    queries = (
        1  # the stop
        + 1  # its partners
        + ENGINE_QUERIES
        - 1  # its coming openings (the stop is known)
        + 1  # the weekly slots again, for the week in words
        + 1  # what the agents said today (stops.live)
        + ENGINE_QUERIES
        - 1  # today's openings, the ended ones included, for the live status (the stop is known)
    )
    with django_assert_max_num_queries(queries):
        assert client.get(f"/arrets/{stops[-1].slug}/").status_code == 200


@pytest.mark.usefixtures("tuesday_morning")
def test_timetable_says_what_is_open_now(client, tuesday_bus):
    text = text_of(client.get("/"))
    assert (
        '<span class="badge badge-open">Ouvert</span> <a href="/arrets/nathalie-sarraute/">'
        "Bus Mairie mobile – Esplanade Nathalie Sarraute</a>, jusqu'à 13h" in text
    )


def test_timetable_gives_the_next_opening_when_nothing_is_open(client, tuesday_bus):
    with time_machine.travel(datetime.datetime(2025, 3, 4, 18, 0, tzinfo=PARIS), tick=False):
        text = text_of(client.get("/"))
    assert "Aucun arrêt n'est ouvert en ce moment. Prochaine ouverture : mardi 11 mars, 9h30 – 13h" in text


@pytest.mark.usefixtures("tuesday_morning")
def test_an_organisation_has_a_page_with_its_stops_contact_calendar_and_subscription(client, tuesday_bus):
    pimms = OrganisationFactory(
        slug="pimms-libercourt",
        name="PIMMS mobile de Libercourt",
        departement="62",
        contact_email="contact@pimms.example.org",
        contact_phone="03 21 00 00 00",
    )
    WeeklySlotFactory(weekday=1, stop__name="Place de la mairie de Libercourt", stop__organisation=pimms)
    text = text_of(client.get("/structures/pimms-libercourt/"))
    assert "<h1>PIMMS mobile de Libercourt</h1>" in text
    assert "Place de la mairie de Libercourt" in text
    assert tuesday_bus.name not in text
    assert 'href="tel:0321000000"' in text
    assert "contact@pimms.example.org" in text
    assert 'name="organisation" value="pimms-libercourt"' in text
    assert "/structures/pimms-libercourt/calendrier.ics" in text
    feed = client.get("/structures/pimms-libercourt/calendrier.ics").content.decode()
    assert "Place de la mairie de Libercourt" in feed
    assert tuesday_bus.name not in feed
    assert client.get("/structures/inconnue/").status_code == 404


@pytest.mark.usefixtures("tuesday_morning")
def test_a_stop_page_names_its_organisation_and_the_timetable_leads_to_each_organisation(client, tuesday_bus):
    text = text_of(client.get(tuesday_bus.get_absolute_url()))
    assert 'Un service de <a href="/structures/paris/">Mairie mobile – Ville de Paris</a>' in text
    assert "Prévenez-moi pour tous les arrêts de « Mairie mobile – Ville de Paris »" in text
    assert 'name="organisation"' in text_of(client.get("/"))  # one organisation: its form, as before
    OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62")
    timetable = text_of(client.get("/"))
    assert 'name="organisation"' not in timetable
    assert '<a href="/structures/pimms-libercourt/">PIMMS mobile de Libercourt</a>' in timetable
    assert '<a href="/structures/paris/">Mairie mobile – Ville de Paris</a>' in timetable
