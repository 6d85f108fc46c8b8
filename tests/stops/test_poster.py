"""A stop's poster (`/arrets/<slug>/affiche/`): what it says, its QR code, and how it is served."""

import datetime
import re

import pytest
import segno
import time_machine

from partners.models import Partner
from stops import links
from stops.models import Stop, Weekday
from stops.schedule import PARIS
from tests.conftest import make_stops, text_of
from tests.factories import StopFactory, WeeklySlotFactory

pytestmark = pytest.mark.django_db

POSTER = "/arrets/nathalie-sarraute/affiche/"


@pytest.fixture(autouse=True)
def monday():
    """Monday 3 March 2025 in Paris."""
    with time_machine.travel(datetime.datetime(2025, 3, 3, 12, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "https://mairie-mobile.example.fr"


def qr_matrix(svg):
    """The modules of the QR code drawn by `svg` (segno's: one horizontal line of dark modules per
    « h », moved between by « m », half a module below the top of their row), margin included."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg)[1])
    path = re.search(r' d="([^"]+)"', svg)[1]
    matrix = [[0] * size for _ in range(size)]
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d. ]+)", path):
        values = [float(n) for n in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            for column in range(int(x), int(x + values[0])):
                matrix[int(y)][column] = 1
            x += values[0]
    return [tuple(row) for row in matrix]


@pytest.mark.usefixtures("site_url")
def test_the_poster_says_where_when_what_and_who(client, tuesday_bus):
    organisation = tuesday_bus.organisation
    organisation.contact_phone, organisation.contact_email = "01 42 76 40 40", "mairie-mobile@example.org"
    organisation.save()
    tuesday_bus.partners.set(Partner.objects.filter(code__in=["caf", "dgfip", "ants"]))
    response = client.get(POSTER)
    assert response.status_code == 200
    text = text_of(response)
    assert '<h1 id="poster-name" class="poster-name">Bus Mairie mobile – Esplanade Nathalie Sarraute</h1>' in text
    assert (
        "26, esplanade Nathalie Sarraute, 75018 Paris<br><strong>Devant la bibliothèque Vaclav Havel</strong>" in text
    )
    assert "<li>Tous les mardis : 9h30 – 13h / 14h – 17h</li>" in text
    assert '<p class="poster-closed">Fermé pendant les vacances scolaires (zone C) et les jours fériés</p>' in text
    assert "Gratuit et sans rendez-vous" in text
    assert "<li>Impôts (DGFiP)</li><li>France Titres (ANTS)</li><li>Caf</li>" in text
    assert "Mairie mobile – Ville de Paris" in text
    assert "Une question ? Appelez le 01 42 76 40 40 ou écrivez à mairie-mobile@example.org." in text
    assert "Scannez : le bus est-il là aujourd'hui ?" in text
    code = links.code(tuesday_bus.pk)
    assert f'<a href="https://mairie-mobile.example.fr/a/{code}">mairie-mobile.example.fr/a/{code}</a>' in text


@pytest.mark.usefixtures("site_url")
def test_the_qr_code_leads_to_the_stop_s_short_link(client, tuesday_bus):
    svg = re.search(r"<svg .*?</svg>", client.get(POSTER).content.decode(), re.DOTALL)[0]
    expected = segno.make(f"https://mairie-mobile.example.fr/a/{links.code(tuesday_bus.pk)}", micro=False)
    assert qr_matrix(svg) == list(expected.matrix_iter(border=4))
    assert f"<title>Code QR menant à mairie-mobile.example.fr/a/{links.code(tuesday_bus.pk)}</title>" in svg
    assert "style=" not in svg  # the Content-Security-Policy refuses inline styles
    assert "width=" not in svg  # sized by the poster's styles


def test_the_week_tells_only_the_closures_that_apply(client, tuesday_bus):
    tuesday_bus.school_holidays_zone, tuesday_bus.closed_on_public_holidays = "", False
    tuesday_bus.save()
    assert "Fermé" not in text_of(client.get(POSTER))
    tuesday_bus.school_holidays_zone = "C"
    tuesday_bus.save()
    text = text_of(client.get(POSTER))
    assert '<p class="poster-closed">Fermé pendant les vacances scolaires (zone C)</p>' in text
    tuesday_bus.school_holidays_zone, tuesday_bus.closed_on_public_holidays = "", True
    tuesday_bus.save()
    assert '<p class="poster-closed">Fermé les jours fériés</p>' in text_of(client.get(POSTER))


def test_a_permanence_without_partners_or_contact_says_so_in_its_words(client):
    WeeklySlotFactory(stop__slug="permanence", stop__kind=Stop.Kind.PERMANENCE, weekday=Weekday.FRIDAY)
    text = text_of(client.get("/arrets/permanence/affiche/"))
    assert "Scannez : la permanence est-elle ouverte aujourd'hui ?" in text
    assert "Demandez aux agents sur place : ils vous orienteront." in text
    assert "Une question ?" not in text


def test_what_is_long_is_printed_smaller(client, tuesday_bus):
    assert '<article class="poster poster-partners-many"' not in text_of(client.get(POSTER))
    tuesday_bus.partners.set(Partner.objects.filter(organisation=None)[:7])
    tuesday_bus.name = "Bus " + "très " * 12
    tuesday_bus.save()
    for weekday in (Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY):
        WeeklySlotFactory(stop=tuesday_bus, weekday=weekday)
    text = text_of(client.get(POSTER))
    assert '<article class="poster poster-name-long poster-week-long poster-partners-many"' in text


@pytest.mark.parametrize("slug", ["inconnu", "ferme"])
def test_the_poster_of_an_unknown_or_inactive_stop_is_a_404(client, slug):
    StopFactory(slug="ferme", active=False)
    assert client.get(f"/arrets/{slug}/affiche/").status_code == 404


@pytest.mark.parametrize("count", [3, 300])
def test_the_poster_s_queries_do_not_grow_with_the_stops(client, count, django_assert_max_num_queries):
    stops = make_stops(count)
    stops[-1].partners.set(Partner.objects.all())
    queries = (
        1  # the stop and its organisation
        + 1  # its partners
        + 1  # its weekly slots, for the week in words
    )
    with django_assert_max_num_queries(queries):
        assert client.get(f"/arrets/{stops[-1].slug}/affiche/").status_code == 200


def test_the_stop_pages_lead_to_the_poster(client, coordination, tuesday_bus):
    coordinators_page = text_of(coordination.get("/coordination/arrets/nathalie-sarraute/"))
    assert f"""href="{POSTER}">Imprimer l'affiche de l'arrêt</a>""" in coordinators_page
    coordination.logout()
    stop_page = text_of(client.get("/arrets/nathalie-sarraute/"))
    assert f"""<a href="{POSTER}">L'affiche de l'arrêt, à imprimer et à afficher</a>""" in stop_page


def test_an_inactive_stop_s_page_offers_no_poster(coordination):
    StopFactory(slug="ferme", active=False)
    response = coordination.get("/coordination/arrets/ferme/")
    assert response.status_code == 200
    assert "/arrets/ferme/affiche/" not in text_of(response)
