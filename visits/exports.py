"""The statistics as files: CSV (one file, section after section) and XLSX (a sheet per section)."""

import csv
import io
from typing import NamedTuple

from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from stops.wording import long_date

# Excel's limits for a sheet's name.
SHEET_NAME_LENGTH = 31
SHEET_NAME_FORBIDDEN = set(":\\/?*[]")


class Section(NamedTuple):
    """A table of an export: a part of the CSV under its title, a sheet of the XLSX."""

    title: str
    header: list
    rows: list
    sheet: str = ""  # the sheet's name, when the title does not fit Excel's limits

    @property
    def sheet_name(self):
        name = self.sheet or self.title
        if len(name) > SHEET_NAME_LENGTH or SHEET_NAME_FORBIDDEN & set(name):
            raise ValueError(f"Excel cannot name a sheet {name!r}: give the section a shorter name.")
        return name


def sections(stats):
    """The sections of every figure of `stats`."""
    f = stats.filters
    summary = [
        # A file is read later, maybe another year: the year is always written.
        (
            _("Période"),
            _("du %(start)s au %(end)s") % {"start": long_date(f.start, year=True), "end": long_date(f.end, year=True)},
        ),
        (_("Arrêt"), f.stop.name if f.stop else _("Tous")),
        (_("Partenaire"), f.partner.short_name if f.partner else _("Tous")),
        (_("Passages"), stats.visits),
        (_("Demandes"), stats.demands),
        (_("Passages orientés"), stats.oriented),
        (_("Part des passages orientés"), _share(stats.oriented_share)),
        (_("Partis avant d'être reçus"), stats.left),
        (_("Revenus avec des pièces à apporter"), stats.to_come_back),
        (_("Premières venues"), stats.first_visits),
        (_("Premières venues : réponses connues"), stats.first_visit_known),
        (_("Attente médiane (minutes)"), stats.waiting[0]),
        (_("Attente, 90e centile (minutes)"), stats.waiting[1]),
        (_("Durée médiane d'accompagnement (minutes)"), stats.duration[0]),
        (_("Durée d'accompagnement, 90e centile (minutes)"), stats.duration[1]),
        (_("Ouvertures"), stats.openings),
        (_("Heures d'ouverture"), round(stats.open_minutes / 60, 1)),
        (_("Passages par ouverture"), _number(stats.per_opening)),
        (_("Passages par heure d'ouverture"), _number(stats.per_hour)),
    ]
    return [
        Section(_("Synthèse"), [_("Indicateur"), _("Valeur")], summary),
        Section(
            _("Demandes par partenaire"), [_("Partenaire"), _("Demandes")], [(p.name, n) for p, n in stats.by_partner]
        ),
        Section(_("Demandes par démarche"), [_("Démarche"), _("Demandes")], stats.by_procedure),
        Section(_("Résultats des demandes"), [_("Résultat"), _("Demandes")], stats.outcomes),
        *(
            [
                Section(
                    _("Passages par structure"),
                    [_("Structure"), _("Passages"), _("Ouvertures")],
                    stats.by_organisation,
                )
            ]
            if len(stats.by_organisation) > 1
            else []
        ),
        Section(
            _("Passages par arrêt"),
            [
                _("Arrêt"),
                _("Passages"),
                _("Ouvertures"),
                _("Heures d'ouverture"),
                _("Passages par ouverture"),
                _("Passages par heure"),
            ],
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
        Section(
            _("Passages par mois"),
            [_("Mois"), _("Passages"), _("Demandes"), _("SMS envoyés")],
            [(f"{m:%Y-%m}", v, d, s) for m, v, d, s in stats.monthly],
        ),
        Section(
            _("Arrivées par jour et heure"),
            [_("Jour"), *(_("%(hour)sh") % {"hour": h} for h in stats.hours)],
            [(d, *values) for d, values in stats.heatmap],
        ),
        Section(_("Tranches d'âge"), [_("Tranche d'âge"), _("Passages")], stats.age_bands),
        Section(_("Lieux de résidence"), [_("Arrondissement ou commune"), _("Passages")], stats.residences),
    ]


def quality_section(measures, chosen):
    """The commitments measured (visits.quality): a line per headline figure and per detail."""
    rows = []
    for measure in measures:
        rows.append(_quality_row(measure, str(measure.headline), measure.share, measure.commitment.target, measure.met))
        if measure.kind == "reliable_hours":
            rows.append(_quality_row(measure, _("Annulations annoncées à temps"), measure.details["announced"]))
            median = measure.details["median_notice_hours"]
            rows.append((measure.label, _("Préavis médian des annulations (heures)"), "", median))
    rows.append((_("Seuils"), _("ceux choisis par la structure") if chosen else _("les seuils par défaut")))
    header = [_("Engagement"), _("Indicateur"), _("Seuil"), _("Nombre"), _("Sur"), _("Part")]
    return Section(_("Qualité"), [*header, _("Objectif (%)"), _("Atteint")], rows)


def _quality_row(measure, what, share, target=None, met=None):
    """The part is withheld with the share (too few answers to give one)."""
    part = None if share.value is None else share.part
    return (measure.label, what, measure.threshold, part, share.whole, _share(share.value), target, _yes_no(met))


def _yes_no(met):
    return {True: _("oui"), False: _("non"), None: None}[met]


def france_services_sections(month, rows):
    return [
        Section(
            _("France services – demandes de %(month)s") % {"month": format(month, "%m/%Y")},
            [_("Partenaire"), _("Demandes")],
            [(partner.name, count) for partner, count in rows],
            sheet=_("Demandes de %(month)s")
            % {"month": date_format(month, "F Y")},  # « Demandes de septembre 2026 »: 26 characters
        )
    ]


def to_csv(sections):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # what spreadsheets set to French expect
    for index, section in enumerate(sections):
        if index:
            writer.writerow([])
        writer.writerow([_csv_cell(section.title)])
        writer.writerow([_csv_cell(name) for name in section.header])
        writer.writerows([_csv_cell(value) for value in row] for row in section.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def to_xlsx(sections):
    names = [section.sheet_name.casefold() for section in sections]
    if len(set(names)) < len(names):  # Excel compares them without case; openpyxl would rename one
        raise ValueError(f"Two sheets would have the same name: {names}")
    workbook = Workbook(write_only=True)
    for section in sections:
        sheet = workbook.create_sheet(section.sheet_name)
        sheet.append([_xlsx_cell(sheet, name) for name in section.header])
        for row in section.rows:
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


def _share(value):
    return None if value is None else f"{value * 100:.1f} %".replace(".", ",")


def _number(value):
    return None if value is None else round(value, 2)
