"""The easy-to-read pages (« Facile à lire et à comprendre »): what the Mairie mobile does
(`/facile-a-lire/`) and a stop's page (`/arrets/<slug>/facile-a-lire/`)."""

import datetime
import html
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from organisations.models import Organisation
from stops import live, schedule, wording
from stops.schedule import PARIS
from stops.views.public import EASY_READ_OPENINGS
from tests.conftest import text_of
from tests.factories import ClosureFactory, OrganisationFactory, StopFactory

pytestmark = pytest.mark.django_db

SERVICE = "/facile-a-lire/"
STOP = "/arrets/nathalie-sarraute/facile-a-lire/"
NOT_CHECKED = "Des personnes avec un handicap intellectuel n'ont pas encore relu ce texte."
# The European easy-to-read rules: short sentences. Past this, a sentence is too long.
MOST_WORDS = 15


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


MONDAY = datetime.date(2025, 3, 31)  # the Tuesday after: 1 April; zone C's spring holidays: 12 – 27 April


@pytest.fixture
def clock():
    with time_machine.travel(at(MONDAY, 8), tick=False) as traveller:
        yield traveller


def page_text(response):
    return html.unescape(text_of(response))


class Blocks(HTMLParser):
    """The text of the page's main content, cut where a line or a block ends (p, li, h1…, br): what
    a reader reads as one line."""

    BREAKS = {"p", "li", "h1", "h2", "h3", "br", "address", "ul", "section", "div", "nav", "ol"}

    def __init__(self):
        super().__init__()
        self.lines, self.current, self.in_main = [], [], False

    def handle_starttag(self, tag, attrs):
        self.in_main |= tag == "main"
        if tag in self.BREAKS:
            self._cut()

    def handle_endtag(self, tag):
        if tag in self.BREAKS or tag == "main":
            self._cut()
        self.in_main &= tag != "main"

    def handle_data(self, data):
        if self.in_main:
            self.current.append(data)

    def _cut(self):
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []


def sentences(response):
    """The sentences of the page's main content: each line cut after « . », « ? » and « ! »."""
    parser = Blocks()
    parser.feed(response.content.decode())
    return [part.strip() for line in parser.lines for part in re.split(r"(?<=[.?!])\s", line) if part.strip()]


def words(sentence):
    return re.findall(r"[\w'’-]+", sentence)


def test_sentences_are_cut_where_a_reader_stops():
    class Page:
        content = b"<main><h1>Titre</h1><p>Une phrase. Et une autre ?</p><ul><li>Un<br>Deux</li></ul></main><p>x</p>"

    assert sentences(Page) == ["Titre", "Une phrase.", "Et une autre ?", "Un", "Deux"]


# The pages -------------------------------------------------------------------


@pytest.mark.usefixtures("clock")
def test_the_service_page_says_what_the_mairie_mobile_does(client):
    response = client.get(SERVICE)
    assert response.status_code == 200
    text = page_text(response)
    assert "<h1>Ce que la Mairie mobile peut faire pour vous</h1>" in text
    for said in [
        "Vous ne payez rien.",
        "Vous n'avez pas besoin de rendez-vous.",
        "Votre téléphone portable, si vous en avez un.",
        "Vos codes pour vos comptes sur internet.",
        "La Caf : les aides pour le logement et pour les enfants.",
        "France Travail : chercher un travail.",
        "Ils ne donnent pas d'argent.",
        'href="/">la liste des arrêts</a>',
    ]:
        assert said in text


@pytest.mark.usefixtures("clock")
def test_the_stop_page_says_where_and_lists_the_next_openings_of_the_engine(client, tuesday_bus):
    organisation = tuesday_bus.organisation
    organisation.contact_phone = "01 42 76 40 40"
    organisation.save()
    response = client.get(STOP)
    assert response.status_code == 200
    text = page_text(response)
    assert "<h1>Bus Mairie mobile – Esplanade Nathalie Sarraute</h1>" in text
    assert "<p>26, esplanade Nathalie Sarraute</p><p>75018 Paris</p>" in text
    assert "<p>Devant la bibliothèque Vaclav Havel</p>" in text
    assert '<a class="text-nowrap" href="tel:0142764040">01 42 76 40 40</a>' in text
    assert "Aujourd'hui, la Mairie mobile ne vient pas." in text  # a Monday
    listed = re.findall(r"<li>([^<]*)</li>", text.split('class="easy-read-openings">')[1].split("</ul>")[0])
    upcoming = schedule.next_openings(tuesday_bus, at(MONDAY, 8), count=EASY_READ_OPENINGS)
    # The page's text has its spaces collapsed: the no-break spaces of « 9 h 30 » too.
    assert listed == [" ".join(wording.easy_read_hours(o.date, o.start, o.end).split()) for o in upcoming]
    assert listed == [
        "Mardi 1er avril, de 9 h 30 à 13 h",
        "Mardi 1er avril, de 14 h à 17 h",
        "Mardi 8 avril, de 9 h 30 à 13 h",
        "Mardi 8 avril, de 14 h à 17 h",
    ]


def test_the_stop_page_says_which_days_are_closed_and_why(client, tuesday_bus):
    with time_machine.travel(at(datetime.date(2025, 4, 7), 8), tick=False):
        text = page_text(client.get(STOP))
    assert "<li>Du mardi 15 avril au mardi 22 avril : fermé.<br>Pourquoi ? Vacances scolaires</li>" in text
    assert "<li>Mardi 29 avril, de 9 h 30 à 13 h</li>" in text


@pytest.mark.usefixtures("clock")
def test_the_stop_page_says_an_opening_is_cancelled(client, tuesday_bus):
    ClosureFactory(stop=tuesday_bus, first_day=datetime.date(2025, 4, 1), reason="Bus en panne")
    text = page_text(client.get(STOP))
    assert "<li>Mardi 1er avril : fermé.<br>Pourquoi ? Bus en panne</li>" in text


def test_the_stop_page_says_whether_the_bus_is_here_today(client, tuesday_bus, agent, clock):
    clock.move_to(at(MONDAY + datetime.timedelta(days=1), 9))
    assert "Aujourd'hui, la Mairie mobile ouvre à 9 h 30." in page_text(client.get(STOP))
    clock.move_to(at(MONDAY + datetime.timedelta(days=1), 10))
    live.arrive(tuesday_bus, agent)
    text = page_text(client.get(STOP))  # cached for the minute, but the arrival shows at once
    assert "La Mairie mobile est là maintenant." in text
    assert "Elle ferme à 13 h." in text


@pytest.mark.usefixtures("clock")
def test_a_change_of_the_schedule_shows_at_once(client, tuesday_bus):
    assert "Mardi 1er avril, de 9 h 30 à 13 h" in page_text(client.get(STOP))
    ClosureFactory(stop=tuesday_bus, first_day=datetime.date(2025, 4, 1), reason="Grève")
    assert "Pourquoi ? Grève" in page_text(client.get(STOP))


@pytest.mark.usefixtures("clock")
def test_an_unknown_or_inactive_stop_has_no_easy_read_page(client, tuesday_bus):
    StopFactory(slug="fermee", active=False)
    assert client.get("/arrets/inconnu/facile-a-lire/").status_code == 404
    assert client.get("/arrets/fermee/facile-a-lire/").status_code == 404


# Checked by readers ----------------------------------------------------------


@pytest.mark.usefixtures("clock")
def test_the_pages_say_they_were_not_checked_until_an_organisation_records_it(client, tuesday_bus):
    assert NOT_CHECKED in page_text(client.get(SERVICE))
    assert NOT_CHECKED in page_text(client.get(STOP))
    organisation = tuesday_bus.organisation
    organisation.easy_read_checked_on = datetime.date(2025, 3, 20)
    organisation.easy_read_checked_by = "le groupe de relecture de l'ESAT des Lilas"
    organisation.save()
    for page in (SERVICE, STOP):
        text = page_text(client.get(page))
        assert NOT_CHECKED not in text
        assert "Des personnes avec un handicap intellectuel ont relu ce texte." in text
        assert "Relu par le groupe de relecture de l'ESAT des Lilas, le 20 mars 2025." in text


@pytest.mark.usefixtures("clock")
def test_another_organisation_s_check_is_not_this_stop_s(client, tuesday_bus):
    OrganisationFactory(
        slug="pimms", easy_read_checked_on=datetime.date(2025, 3, 1), easy_read_checked_by="l'atelier de Lens"
    )
    assert "Relu par l'atelier de Lens, le 1er mars 2025." in page_text(client.get(SERVICE))
    assert NOT_CHECKED in page_text(client.get(STOP))


def test_a_check_needs_its_day_and_its_readers():
    organisation = OrganisationFactory.build(easy_read_checked_on=datetime.date(2025, 3, 1))
    with pytest.raises(ValidationError, match="le jour de la relecture et qui"):
        organisation.full_clean()
    with pytest.raises(IntegrityError):
        Organisation.objects.create(
            slug="sans-lecteurs",
            name="Sans lecteurs",
            departement="62",
            **{"easy_read_checked_on": datetime.date(2025, 3, 1)},
        )


def test_a_check_is_not_in_the_future():
    organisation = OrganisationFactory.build(
        easy_read_checked_on=datetime.date.today() + datetime.timedelta(days=1), easy_read_checked_by="l'ESAT"
    )
    with pytest.raises(ValidationError, match="dans le futur"):
        organisation.full_clean()


def test_the_national_administrator_records_the_check_in_the_admin(admin_client, tuesday_bus):
    organisation = tuesday_bus.organisation
    page = admin_client.get(f"/admin/organisations/organisation/{organisation.pk}/change/")
    assert page.status_code == 200
    assert 'name="easy_read_checked_on"' in page.content.decode()
    assert 'name="easy_read_checked_by"' in page.content.decode()


# Links and readability ------------------------------------------------------


@pytest.mark.usefixtures("clock")
def test_the_timetable_the_stop_and_the_organisation_link_to_their_easy_read_page(client, tuesday_bus):
    for page, target in [
        ("/", SERVICE),
        ("/arrets/nathalie-sarraute/", STOP),
        ("/structures/paris/", SERVICE),
    ]:
        text = page_text(client.get(page))
        assert re.search(rf'<p class="easy-read-link"><a href="{target}"><svg [^>]*aria-hidden="true">', text), page
        assert re.search(r"</svg>\s*Facile à lire</a></p>", text), page


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize("page", [SERVICE, STOP])
def test_every_sentence_is_short(client, tuesday_bus, page):
    ClosureFactory(stop=tuesday_bus, first_day=datetime.date(2025, 4, 8), reason="Bus en panne")
    organisation = tuesday_bus.organisation
    organisation.contact_phone = "01 42 76 40 40"
    organisation.save()
    found = sentences(client.get(page))
    assert len(found) > 20
    too_long = [sentence for sentence in found if len(words(sentence)) > MOST_WORDS]
    assert too_long == []


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize("page", [SERVICE, STOP])
def test_the_pages_use_their_large_type_and_draw_their_pictograms(client, tuesday_bus, page):
    text = page_text(client.get(page))
    assert "/static/css/easy-read.css" in text
    assert '<div class="easy-read">' in text
    pictograms = re.findall(r"<svg [^>]*>", text)
    assert len(pictograms) >= 6
    assert all('aria-hidden="true"' in svg or 'role="img"' in svg for svg in pictograms)
    assert "<img" not in text
