import io
import re
import zipfile

import openpyxl
import pytest
from django.contrib.auth.models import User

from stops.models import Stop
from tests.conftest import ENGINE_QUERIES, text_of
from tests.factories import OrganisationFactory
from tests.visits.conftest import D, at, visit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mid_april")]

# The statistics page, whatever its period:
# The commitments measured (visits.quality): the organisation concerned and its commitments, the
# openings held (the months summarized, then the schedule of the others), the opinions by month.
QUALITY = 1 + 1 + 1 + ENGINE_QUERIES + 1
QUERIES = (
    2  # session and user
    + 1  # the organisations the coordinator sees (one: no choice to offer)
    + 1  # which days are kept (the country's tallies)
    + 1  # the kept days' tallies of the coordinator's organisations
    + 7  # the other days counted from the visits and demands (stats.count)
    + 1  # the schedule's changes that cancelled openings of the other days (none: no engine)
    + 2  # partners and procedures named
    + 5  # openings: months summarized, then the schedule of the others (stops, closures, slots, extras)
    + 1  # stops named
    + 1  # the SMS sent, by month
    + 2  # last month's France services report: demands by partner, the partners
    + 1  # the partners of the filter's list
    + QUALITY
)


def test_the_page_defaults_to_this_month(coordination, march):
    text = text_of(coordination.get("/coordination/statistiques/"))
    assert "Du 1er avril 2025 au 15 avril 2025." in text
    assert "<dt>Passages</dt><dd>1</dd>" in text


def test_last_month_with_charts_and_their_tables(coordination, march):
    response = coordination.get("/coordination/statistiques/", {"period": "last-month"})
    text = text_of(response)
    assert "Du 1er mars 2025 au 31 mars 2025." in text
    assert "<dt>Passages</dt><dd>6</dd>" in text
    assert "<dt>Orientés ailleurs</dt><dd>1 (16,7 %)</dd>" in text
    assert "<dt>Attente (médiane · 9 sur 10 moins de)</dt><dd>25 min · 37 min</dd>" in text
    assert text.count('<svg class="chart') == 3
    assert '<th scope="row">Caisse d&#x27;allocations familiales (Caf)</th><td>3</td>' in text
    assert '<th scope="row">Mardi</th><td>1</td><td>1</td><td>2</td>' in text


def test_a_date_range_a_stop_and_a_partner(coordination, march):
    params = {"start": "2025-03-01", "end": "2025-03-31", "stop": "a", "partner": "caf"}
    text = text_of(coordination.get("/coordination/statistiques/", params))
    assert "Du 1er mars 2025 au 31 mars 2025, A, Caf." in text
    assert "<dt>Passages</dt><dd>3</dd>" in text


def trend_of(text):
    """The monthly chart's bars (value written above, month under) and its table's rows."""
    section = text[text.index('<section aria-labelledby="tendance"') :]
    section = section[: section.index("</section>")]
    chart = section[: section.index("</svg>")]
    values = re.findall(r'<text [^>]*text-anchor="middle" fill="#1d2b4f">([^<]*)</text>', chart)
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th><td>(\d+)</td><td>(\d+)</td><td>\d+</td></tr>', section)
    return chart.count("<rect "), values, rows


def test_the_monthly_chart_shows_every_month_and_writes_its_values(coordination, march):
    a, _b = march
    visit(a, D(2025, 1, 14), "done", at(D(2025, 1, 14), 10), demands=[("caf", None, "resolved")])
    text = text_of(coordination.get("/coordination/statistiques/", {"start": "2025-01-01", "end": "2025-03-31"}))
    bars, values, rows = trend_of(text)
    assert bars == 3
    assert values == ["1", "01/25", "0", "02/25", "6", "03/25"]
    assert rows == [("janvier 2025", "1", "1"), ("février 2025", "0", "0"), ("mars 2025", "6", "7")]


@pytest.mark.parametrize(("start", "months"), [("2025-01-01", 3), ("2016-05-01", 107)])
def test_the_statistics_page_queries_do_not_grow_with_the_months(
    coordination, march, start, months, django_assert_max_num_queries
):
    with django_assert_max_num_queries(QUERIES):
        response = coordination.get("/coordination/statistiques/", {"start": start, "end": "2025-03-31"})
    assert trend_of(text_of(response))[0] == months


def period_box(text):
    """The period selected and the two dates, as the form shows them."""
    select = text[text.index('<select name="period"') : text.index("</select>")]
    selected = re.findall(r'<option value="([^"]*)" selected>', select)
    dates = [
        re.search(rf'<input type="date" name="{name}"(?: value="([^"]*)")?', text).group(1) for name in ("start", "end")
    ]
    return selected, dates


@pytest.mark.parametrize(
    ("params", "selected", "dates", "shown"),
    [
        ({}, ["this-month"], [None, None], "Du 1er avril 2025 au 15 avril 2025."),
        ({"stop": "a"}, ["this-month"], [None, None], "Du 1er avril 2025 au 15 avril 2025, A."),
        ({"period": "last-month"}, ["last-month"], [None, None], "Du 1er mars 2025 au 31 mars 2025."),
        (
            {"start": "2025-03-03", "end": "2025-04-01"},
            [""],
            ["2025-03-03", "2025-04-01"],
            "Du 3 mars 2025 au 1er avril 2025.",
        ),
        # The period wins over dates typed with it: they are left out rather than shown unused.
        (
            {"period": "last-month", "start": "2025-01-01"},
            ["last-month"],
            [None, None],
            "Du 1er mars 2025 au 31 mars 2025.",
        ),
    ],
)
def test_the_period_box_shows_the_period_on_the_page(coordination, march, params, selected, dates, shown):
    text = text_of(coordination.get("/coordination/statistiques/", params))
    assert period_box(text) == (selected, dates)
    assert shown in text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2025-03-31", "end": "2025-03-01"}, "La date de fin doit être le même jour"),
        ({"start": "2025-03-01"}, "Indiquez les deux dates"),
        ({"start": "1er mars", "end": "2025-03-31"}, "Saisissez une date valide."),
        ({"stop": "inconnu"}, "Aucun arrêt ne correspond."),
        ({"partner": "pole-emploi"}, "Sélectionnez un choix valide"),
        ({"period": "hier"}, "Sélectionnez un choix valide"),
        ({"start": "2000-01-01", "end": "2025-03-31"}, "dix ans au plus"),
    ],
)
def test_bad_filters_get_a_message(coordination, march, params, message):
    response = coordination.get("/coordination/statistiques/", params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_exports(coordination, march):
    csv = coordination.get("/coordination/statistiques/export.csv", {"period": "last-month"})
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="mairie-mobile-statistiques-2025-03-01-2025-03-31.csv"' in csv["Content-Disposition"]
    assert "Passages;6" in csv.content.decode("utf-8-sig")
    assert "Période;du 1er mars 2025 au 31 mars 2025" in csv.content.decode("utf-8-sig")
    xlsx = coordination.get("/coordination/statistiques/export.xlsx", {"period": "last-month"})
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content))["Synthèse"]["B5"].value == 6
    assert coordination.get("/coordination/statistiques/export.pdf").status_code == 404
    assert coordination.get("/coordination/statistiques/export.csv", {"stop": "inconnu"}).status_code == 400


def test_france_services_report(coordination, march):
    response = coordination.get("/coordination/statistiques/france-services.csv", {"month": "2025-03"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "France services – demandes de 03/2025"
    assert lines[2:4] == [
        "Direction générale des Finances publiques (DGFiP);1",
        "France Titres (Agence nationale des titres sécurisés, ANTS);1",
    ]
    assert len(lines) == 2 + 11
    assert coordination.get("/coordination/statistiques/france-services.csv", {"month": "mars"}).status_code == 400


def sheet_names(response):
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames


def test_every_sheet_of_the_xlsx_exports_has_a_whole_name(coordination, march):
    report = coordination.get("/coordination/statistiques/france-services.xlsx", {"month": "2025-03"})
    assert sheet_names(report) == ["Demandes de mars 2025"]
    september = coordination.get("/coordination/statistiques/france-services.xlsx", {"month": "2024-09"})
    assert sheet_names(september) == ["Demandes de septembre 2024"]  # the longest month
    statistics = coordination.get("/coordination/statistiques/export.xlsx", {"period": "last-month"})
    assert sheet_names(statistics) == [
        "Synthèse",
        "Demandes par partenaire",
        "Demandes par démarche",
        "Résultats des demandes",
        "Passages par arrêt",
        "Passages par mois",
        "Arrivées par jour et heure",
        "Tranches d'âge",
        "Lieux de résidence",
        "Qualité",
    ]


def test_the_page_shows_last_months_report(coordination, march):
    text = text_of(coordination.get("/coordination/statistiques/"))
    assert "Demandes de mars 2025" in text


def test_agents_do_not_see_the_statistics(client, agent):
    client.force_login(agent)
    assert client.get("/coordination/statistiques/").status_code == 403


FORMULAS = ["=cmd|' /C calc'!A0", "+33 6 12 34 56 78", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def test_exported_texts_never_become_formulas(coordination, march):
    a, _b = march
    for text in FORMULAS:  # typed at the pré-accueil as the place of residence
        visit(a, D(2025, 3, 18), "left", at(D(2025, 3, 18), 10), demands=[("caf", None, "")], residence=text)
    period = {"period": "last-month"}

    rows = coordination.get("/coordination/statistiques/export.csv", period).content.decode("utf-8-sig")
    for text in FORMULAS:
        assert f"\r\n'{text};1\r\n" in rows.replace('"', "")
    assert "\r\nPassages;12\r\n" in rows  # numbers stay numbers

    xlsx = coordination.get("/coordination/statistiques/export.xlsx", period).content
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheets = "".join(archive.read(name).decode() for name in archive.namelist() if "worksheets/" in name)
    assert "<f>" not in sheets
    residences = openpyxl.load_workbook(io.BytesIO(xlsx))["Lieux de résidence"]
    cells = {row[0].value: row[0] for row in residences.iter_rows(min_row=2)}
    for text in FORMULAS:
        cell = cells[text.replace("\r", "\n")]  # XML reads a carriage return as a new line
        assert cell.data_type == "s", text
        assert cell.quotePrefix, text  # and kept a text if someone edits the cell
    assert openpyxl.load_workbook(io.BytesIO(xlsx))["Synthèse"]["B5"].value == 12


def test_the_national_administrator_sees_every_organisation_apart_and_may_look_at_one(client, march):
    _a, b = march
    pimms = OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62")
    Stop.objects.filter(pk=b.pk).update(organisation=pimms)
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "x"))
    march_2025 = {"start": "2025-03-01", "end": "2025-03-31"}
    text = text_of(client.get("/coordination/statistiques/", march_2025))
    by_organisation = text[text.index('id="structures"') : text.index('id="arrets"')]
    assert re.findall(r'<tr><th scope="row">([^<]*)</th><td>(\d+)</td>', by_organisation) == [
        ("Mairie mobile – Ville de Paris", "4"),
        ("PIMMS mobile de Libercourt", "2"),
    ]
    one = text_of(client.get("/coordination/statistiques/", march_2025 | {"organisation": "pimms-libercourt"}))
    assert "<dt>Passages</dt><dd>2</dd>" in one
    assert 'id="structures"' not in one
    for organisation, counts in (("paris", ("3", "0")), ("pimms-libercourt", ("0", "1"))):
        report = client.get(
            "/coordination/statistiques/france-services.csv", {"month": "2025-03", "organisation": organisation}
        )
        rows = dict(row.split(";") for row in report.content.decode().splitlines()[2:] if ";" in row)
        assert (
            rows["Caisse d'allocations familiales (Caf)"],
            rows["Direction générale des Finances publiques (DGFiP)"],
        ) == counts
    export = client.get("/coordination/statistiques/export.csv", march_2025).content.decode()
    assert "Passages par structure" in export
