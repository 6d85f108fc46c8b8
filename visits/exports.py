"""The statistics as files: CSV (one file, section after section) and XLSX (a sheet per section)."""

import csv
import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell


def sections(stats):
    """(title, header, rows) of every figure of `stats`."""
    f = stats.filters
    summary = [
        ("Période", f"{f.start:%d/%m/%Y} – {f.end:%d/%m/%Y}"),
        ("Arrêt", f.stop.name if f.stop else "Tous"),
        ("Partenaire", f.partner.short_name if f.partner else "Tous"),
        ("Passages", stats.visits),
        ("Demandes", stats.demands),
        ("Passages orientés", stats.oriented),
        ("Part des passages orientés", _share(stats.oriented_share)),
        ("Partis avant d'être reçus", stats.left),
        ("Revenus avec des pièces à apporter", stats.to_come_back),
        ("Premières venues", stats.first_visits),
        ("Premières venues : réponses connues", stats.first_visit_known),
        ("Attente médiane (minutes)", stats.waiting[0]),
        ("Attente, 90e centile (minutes)", stats.waiting[1]),
        ("Durée médiane d'accompagnement (minutes)", stats.duration[0]),
        ("Durée d'accompagnement, 90e centile (minutes)", stats.duration[1]),
        ("Ouvertures", stats.openings),
        ("Heures d'ouverture", round(stats.open_minutes / 60, 1)),
        ("Passages par ouverture", _number(stats.per_opening)),
        ("Passages par heure d'ouverture", _number(stats.per_hour)),
    ]
    return [
        ("Synthèse", ["Indicateur", "Valeur"], summary),
        ("Demandes par partenaire", ["Partenaire", "Demandes"], [(p.name, n) for p, n in stats.by_partner]),
        ("Demandes par démarche", ["Démarche", "Demandes"], stats.by_procedure),
        ("Résultats des demandes", ["Résultat", "Demandes"], stats.outcomes),
        (
            "Passages par arrêt",
            ["Arrêt", "Passages", "Ouvertures", "Heures d'ouverture", "Passages par ouverture", "Passages par heure"],
            [
                (
                    s.name,
                    s.visits,
                    s.openings,
                    round(s.open_minutes / 60, 1),
                    _number(s.per_opening),
                    _number(s.per_hour),
                )
                for s in stats.by_stop
            ],
        ),
        ("Passages par mois", ["Mois", "Passages", "Demandes"], [(f"{m:%Y-%m}", v, d) for m, v, d in stats.monthly]),
        (
            "Arrivées par jour et heure",
            ["Jour", *(f"{h}h" for h in stats.hours)],
            [(d, *values) for d, values in stats.heatmap],
        ),
        ("Tranches d'âge", ["Tranche d'âge", "Passages"], stats.age_bands),
        ("Lieux de résidence", ["Arrondissement ou commune", "Passages"], stats.residences),
    ]


def france_services_sections(month, rows):
    title = f"France services – demandes de {month:%m/%Y}"
    return [(title, ["Partenaire", "Demandes"], [(partner.name, count) for partner, count in rows])]


def to_csv(sections):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # what spreadsheets set to French expect
    for index, (title, header, rows) in enumerate(sections):
        if index:
            writer.writerow([])
        writer.writerow([_csv_cell(title)])
        writer.writerow([_csv_cell(name) for name in header])
        writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def to_xlsx(sections):
    workbook = Workbook(write_only=True)
    for title, header, rows in sections:
        sheet = workbook.create_sheet(_sheet_name(title))
        sheet.append([_xlsx_cell(sheet, name) for name in header])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# A spreadsheet reads a cell starting with one of these as a formula ("CSV injection", OWASP):
# a place of residence typed as =cmd|' /C calc'!A0 must stay a text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value):
    """A text that starts like a formula gets a quote before it, as spreadsheets write it;
    a number gets a decimal comma, as French spreadsheets read it."""
    if isinstance(value, str):
        return f"'{value}" if value.startswith(FORMULA_STARTS) else value
    return str(value).replace(".", ",") if isinstance(value, float) else value


def _xlsx_cell(sheet, value):
    """A text that starts like a formula is written as a text, and stays one if the cell is edited."""
    if not (isinstance(value, str) and value.startswith(FORMULA_STARTS)):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _sheet_name(title):
    # Excel's limits: 31 characters, none of : \\ / ? * [ ]
    return "".join(c for c in title if c not in ":\\/?*[]")[:31]


def _share(value):
    return None if value is None else f"{value * 100:.1f} %".replace(".", ",")


def _number(value):
    return None if value is None else round(value, 2)
