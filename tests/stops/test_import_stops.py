import datetime
import textwrap

import pytest
from django.core.management import CommandError, call_command

from partners.models import Partner
from stops import schedule
from stops.importer import StopsFileError, import_stops
from stops.models import Closure, ExtraOpening, Stop, WeeklySlot
from tests.factories import OrganisationFactory, PartnerFactory, StopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def paris(db):
    """The organisation whose stops the files describe (the only one: files need not name it)."""
    return OrganisationFactory()


VALID = textwrap.dedent(
    """
    stops:
      - slug: nathalie-sarraute
        name: "Bus Mairie mobile – Esplanade Nathalie Sarraute"
        kind: bus
        address: "26, esplanade Nathalie Sarraute"
        postcode: "75018"
        landmark: "Devant la bibliothèque Vaclav Havel"
        latitude: 48.8906
        longitude: 2.3617
        school_holidays_zone: C
        partners: [caf, cpam, dgfip]
        slots:
          - weekday: tuesday
            start: "09:30"
            end: "13:00"
          - weekday: tuesday
            start: 14:00
            end: 17:00
          - weekday: wednesday
            start: "10:00"
            end: "12:00"
            every_weeks: 2
            starts_on: 2024-09-04
            ends_on: 2025-07-04
      - slug: roubaix-epeule
        name: "Bus France services – L'Épeule"
        kind: permanence
        postcode: 59100
        city: Roubaix
        closed_on_public_holidays: false
        slots:
          - weekday: friday
            start: "09:00"
            end: "12:00"
    closures:
      - stop: nathalie-sarraute
        start: 2024-11-12
        end: 2024-11-13
        reason: "Bus en panne"
      - start: 2025-05-02
        reason: "Pont de l'Ascension"
    extra_openings:
      - stop: nathalie-sarraute
        date: 2025-07-08
        start: "10:00"
        end: "12:00"
        reason: "Permanence exceptionnelle"
    """
)


def database_state():
    return (
        sorted(Stop.objects.values_list("slug", "name", "city", "postcode", "school_holidays_zone")),
        sorted(WeeklySlot.objects.values_list("stop__slug", "weekday", "start", "end", "every_weeks", "pk")),
        sorted(Closure.objects.values_list("stop__slug", "first_day", "last_day", "reason", "pk"), key=str),
        sorted(ExtraOpening.objects.values_list("stop__slug", "date", "start", "end", "reason", "pk")),
    )


def problems_of(text):
    with pytest.raises(StopsFileError) as error:
        import_stops(text)
    return [str(problem) for problem in error.value.problems]


def test_a_valid_file_creates_everything():
    summary = import_stops(VALID)
    assert summary.counts["stops_created"] == 2
    bus = Stop.objects.get(slug="nathalie-sarraute")
    assert bus.city == "Paris"  # the default
    assert bus.closed_on_public_holidays
    assert bus.school_holidays_zone == "C"
    assert sorted(bus.partners.values_list("code", flat=True)) == ["caf", "cpam", "dgfip"]
    assert list(bus.slots.values_list("weekday", "start", "end", "every_weeks", "starts_on", "ends_on")) == [
        (1, datetime.time(9, 30), datetime.time(13), 1, None, None),
        (1, datetime.time(14), datetime.time(17), 1, None, None),
        (2, datetime.time(10), datetime.time(12), 2, datetime.date(2024, 9, 4), datetime.date(2025, 7, 4)),
    ]
    roubaix = Stop.objects.get(slug="roubaix-epeule")
    assert (roubaix.postcode, roubaix.city, roubaix.closed_on_public_holidays) == ("59100", "Roubaix", False)
    # Partners omitted: every France services partner.
    assert set(roubaix.partners.all()) == set(Partner.objects.france_services())
    assert Closure.objects.get(stop=None).reason == "Pont de l'Ascension"
    assert Closure.objects.get(stop=bus).last_day == datetime.date(2024, 11, 13)
    assert ExtraOpening.objects.get().reason == "Permanence exceptionnelle"


def test_the_same_file_twice_changes_nothing():
    import_stops(VALID)
    before = database_state()
    summary = import_stops(VALID)
    assert not summary.changed
    assert str(summary) == "Aucun changement : les 2 arrêt(s) du fichier sont déjà à jour."
    assert database_state() == before


def test_the_file_replaces_a_stops_slots_and_updates_closures_in_place():
    import_stops(VALID)
    closure_pk = Closure.objects.get(stop__slug="nathalie-sarraute").pk
    changed = VALID.replace('start: "09:30"\n        end: "13:00"', 'start: "09:00"\n        end: "12:30"').replace(
        "Bus en panne", "Bus en réparation"
    )
    summary = import_stops(changed)
    assert (summary.counts["slots_added"], summary.counts["slots_removed"]) == (1, 1)
    assert summary.counts["closures_updated"] == 1
    closure = Closure.objects.get(stop__slug="nathalie-sarraute")
    assert (closure.pk, closure.reason) == (closure_pk, "Bus en réparation")
    assert WeeklySlot.objects.filter(stop__slug="nathalie-sarraute", start=datetime.time(9)).exists()
    assert not WeeklySlot.objects.filter(stop__slug="nathalie-sarraute", start=datetime.time(9, 30)).exists()


def test_stops_missing_from_the_file_are_left_alone():
    import_stops(VALID)
    import_stops(VALID.split("  - slug: roubaix-epeule")[0])
    assert Stop.objects.filter(slug="roubaix-epeule").exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("weekday: friday", "weekday: fridya"),
            "ligne 33 · arrêt « roubaix-epeule » › créneau 1 › weekday : jour inconnu « fridya »",
        ),
        (
            ('start: "09:00"', 'start: "12:30"'),
            "ligne 35 · arrêt « roubaix-epeule » › créneau 1 › end : L'heure de fin doit être après l'heure de début.",
        ),
        (
            (
                'weekday: wednesday\n        start: "10:00"\n        end: "12:00"',
                'weekday: tuesday\n        start: "12:00"\n        end: "15:00"',
            ),
            "ligne 20 · arrêt « nathalie-sarraute » › créneau 3 : chevauche le créneau 1 (mardi 9h30 – 13h)",
        ),
        (
            ("starts_on: 2024-09-04", "starts_on: 2024-09-31"),
            "ligne 24 · arrêt « nathalie-sarraute » › créneau 3 › starts_on : date invalide « 2024-09-31 »",
        ),
        (("end: 2024-11-13", "end: le 13"), "ligne 39 · fermeture 1 › end : date invalide « le 13 »"),
        (
            ("  - stop: nathalie-sarraute\n    start: 2024", "  - stop: sarraute\n    start: 2024"),
            "ligne 37 · fermeture 1 › stop : arrêt inconnu « sarraute »",
        ),
        (
            ("partners: [caf, cpam, dgfip]", "partners: [caf, pole-emploi]"),
            "ligne 12 · arrêt « nathalie-sarraute » › partners : partenaire inconnu « pole-emploi »",
        ),
        (("kind: bus", "kind: camion"), "ligne 5 · arrêt « nathalie-sarraute » › kind : Sélectionnez un choix valide."),
        (("slug: roubaix-epeule", "slug: Roubaix Épeule"), "ligne 26 · arrêt « Roubaix Épeule » › slug :"),
        (
            ("postcode: 59100", "postcode: 5910"),
            "ligne 29 · arrêt « roubaix-epeule » › postcode : Un code postal s'écrit avec 5 chiffres.",
        ),
        (
            ("latitude: 48.8906", "latitude: nord"),
            "ligne 9 · arrêt « nathalie-sarraute » › latitude : un nombre est attendu",
        ),
        (
            ("every_weeks: 2", "every_weeks: deux"),
            "ligne 23 · arrêt « nathalie-sarraute » › créneau 3 › every_weeks : un nombre entier est attendu",
        ),
        (
            ("every_weeks: 2\n        starts_on: 2024-09-04\n", "every_weeks: 2\n"),
            "ligne 20 · arrêt « nathalie-sarraute » › créneau 3 › starts_on : Indiquez le premier jour",
        ),
        (
            ("closed_on_public_holidays: false", "closed_on_public_holidays: peut-être"),
            "ligne 31 · arrêt « roubaix-epeule » › closed_on_public_holidays : true ou false est attendu",
        ),
        (("landmark:", "landmrak:"), "ligne 8 · arrêt « nathalie-sarraute » : champ inconnu « landmrak »"),
        (
            ('    date: 2025-07-08\n    start: "10:00"', '    date: 2025-07-08\n    start: "13:00"'),
            "ligne 47 · ouverture exceptionnelle 1 › end : L'heure de fin doit être après l'heure de début.",
        ),
        (
            ("  - slug: roubaix-epeule", "  - slug: nathalie-sarraute"),
            "ligne 26 · arrêt « nathalie-sarraute » › slug : l'identifiant « nathalie-sarraute » apparaît deux fois",
        ),
        (('    reason: "Bus en panne"', ""), "ligne 37 · fermeture 1 › reason : Précisez le motif de la fermeture."),
        (
            ("  - stop: nathalie-sarraute\n    start: 2024", "  - stop: [a, b]\n    start: 2024"),
            "ligne 37 · fermeture 1 › stop : un texte est attendu",
        ),
        (
            ("partners: [caf, cpam, dgfip]", "partners: [caf, [cpam]]"),
            "ligne 12 · arrêt « nathalie-sarraute » › partners : chaque partenaire est un code (un texte)",
        ),
        (('name: "Bus France', 'name: {a: 1}\n    x: "Bus France'), "ligne 27 · arrêt « roubaix-epeule » › name"),
        (
            ("starts_on: 2024-09-04", "starts_on: 1900-09-04"),
            "ligne 24 · arrêt « nathalie-sarraute » › créneau 3 › starts_on : Choisissez une date entre 2000 et 2100.",
        ),
        (
            ("end: 2024-11-13", "end: 9999-12-31"),
            "ligne 39 · fermeture 1 › end : Choisissez une date entre 2000 et 2100.",
        ),
        (
            ("latitude: 48.8906", "latitude: " + "n" * 10_000),
            "ligne 9 · arrêt « nathalie-sarraute » › latitude : un nombre est attendu, par exemple 48.8906 (pas « nnnn",
        ),
    ],
)
def test_each_error_is_reported_with_its_place_and_nothing_is_applied(change, expected):
    import_stops(VALID)
    before = database_state()
    old, new = change
    assert old in VALID
    problems = problems_of(VALID.replace(old, new, 1))
    assert any(problem.startswith(expected) for problem in problems), problems
    assert all(len(problem) < 300 for problem in problems)  # a long value is not repeated whole
    assert database_state() == before


def test_every_error_is_reported_at_once():
    broken = VALID.replace("weekday: friday", "weekday: fridya").replace("kind: bus", "kind: camion")
    broken = broken.replace("start: 2025-05-02", "start: 2025-05-32")
    assert len(problems_of(broken)) == 3
    assert not Stop.objects.exists()


def test_an_error_in_the_last_entry_applies_nothing_of_the_first():
    assert problems_of(VALID.replace('"Permanence exceptionnelle"', "x\n    oops: 1"))
    assert not Stop.objects.exists()
    assert not Closure.objects.exists()


def test_overlapping_extra_openings_are_refused():
    text = VALID + '  - stop: nathalie-sarraute\n    date: 2025-07-08\n    start: "11:00"\n    end: "13:00"\n'
    assert "ouverture exceptionnelle 2 : chevauche l'ouverture exceptionnelle 1 (10h – 12h) le même jour" in (
        " ".join(problems_of(text))
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stops: [\n", "ligne 2 · fichier : YAML illisible"),
        ("- just\n- a list\n", "fichier : le fichier doit contenir les rubriques"),
        ("stops:\n  slug: x\n", "stops : une liste est attendue"),
        ("stops:\n  - 12\n", "stops n° 1 : chaque élément doit être une liste de champs"),
        ("routes: []\n", "ligne 1 · fichier : rubrique inconnue « routes »"),
    ],
)
def test_malformed_files(text, expected):
    assert any(expected in problem for problem in problems_of(text))


def test_an_empty_file_changes_nothing():
    assert not import_stops("").changed


def test_command_prints_every_error_and_fails(tmp_path, capsys):
    path = tmp_path / "arrets.yaml"
    path.write_text(VALID.replace("weekday: friday", "weekday: fridya").replace("kind: bus", "kind: camion"))
    with pytest.raises(CommandError, match=r"2 erreur\(s\) : rien n'a été importé"):
        call_command("import_stops", str(path))
    errors = capsys.readouterr().err
    assert "jour inconnu « fridya »" in errors
    assert "kind : Sélectionnez un choix valide" in errors


def test_command_applies_a_valid_file_and_dry_run_changes_nothing(tmp_path, capsys):
    path = tmp_path / "arrets.yaml"
    path.write_text(VALID)
    call_command("import_stops", str(path), "--dry-run")
    assert "Simulation" in capsys.readouterr().out
    assert not Stop.objects.exists()
    call_command("import_stops", str(path))
    assert "Arrêts : 2 créé(s)" in capsys.readouterr().out
    assert Stop.objects.count() == 2


def test_command_reports_a_missing_file():
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("import_stops", "/nulle/part.yaml")


# Hostile files: a clear message with its line, nothing applied, nothing exhausted.


def alias_bomb(levels=9):
    """A few lines that expand to 9**9 values: each list repeats the one before nine times."""
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (alias_bomb(), "ligne 1 · fichier : les ancres et les alias (& et *) ne sont pas acceptés"),
        (
            VALID.replace("  - slug: roubaix-epeule\n", "  - slug: roubaix-epeule\n    slug: autre\n"),
            "ligne 27 · fichier : le champ « slug » apparaît deux fois (déjà ligne 26)",
        ),
        (
            VALID.replace("stops:\n", "stops:\nstops:\n", 1),
            "ligne 3 · fichier : le champ « stops » apparaît deux fois (déjà ligne 2)",
        ),
        ("stops:\n  - latitude: " + "1" * 5000 + "\n", "ligne 2 · fichier : nombre trop long (5000 caractères)"),
        ("stops: " + "[" * 20_000 + "]" * 20_000 + "\n", "ligne 1 · fichier : trop de niveaux imbriqués (au plus 8)"),
        ("".join(f"{'  ' * n}k{n}:\n" for n in range(30)), "ligne 9 · fichier : trop de niveaux imbriqués (au plus 8)"),
        ("{[a, b]: 1}\n", "ligne 1 · fichier : YAML illisible"),
        ("stops:\n  - latitude: !!float abc\n", "ligne 2 · fichier : les étiquettes YAML (tag:yaml.org,2002:float)"),
        ("stops:\n  - start: !!timestamp xx\n", "ligne 2 · fichier : les étiquettes YAML"),
        ("stops:\n  - slug: !perso a\n", "ligne 2 · fichier : les étiquettes YAML (!perso)"),
        ("stops:\n  - <<: {slug: a}\n    slug: b\n", "ligne 2 · arrêt « b » : champ inconnu « << »"),
    ],
)
def test_a_hostile_file_is_refused_with_its_line(text, expected):
    problems = problems_of(text)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, capsys, settings):
    settings.STOPS_FILE_MAX_BYTES = 1000
    path = tmp_path / "arrets.yaml"
    path.write_bytes(VALID.encode() + b"\xff" * 1000)  # not UTF-8: read, it would be another error
    with pytest.raises(CommandError, match=r"1 erreur\(s\) : rien n'a été importé"):
        call_command("import_stops", str(path))
    assert "fichier : fichier trop gros (2,2 ko ; au plus 1,0 ko)" in capsys.readouterr().err
    assert problems_of(VALID + "#" * 1000)[0].startswith("fichier : fichier trop gros")
    assert not Stop.objects.exists()


def test_a_file_names_its_organisation_when_there_are_several_and_changes_only_its_stops(paris):
    pimms = OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62")
    assert problems_of(VALID) == [
        "ligne 2 · fichier : indiquez la structure du fichier, par exemple « organisation: paris » "
        "(structures : paris, pimms-libercourt)"
    ]
    assert problems_of("organisation: inconnue\n" + VALID) == [
        "ligne 1 · organisation : structure inconnue « inconnue » (structures : paris, pimms-libercourt)"
    ]
    import_stops("organisation: paris\n" + VALID)
    assert set(Stop.objects.values_list("organisation__slug", flat=True)) == {"paris"}
    owned = problems_of("organisation: pimms-libercourt\n" + VALID)
    owner = "est celui de « Mairie mobile – Ville de Paris » : un fichier ne change que les arrêts de sa structure"
    assert f"arrêt « nathalie-sarraute » › slug : l'arrêt « nathalie-sarraute » {owner}" in " ".join(owned)
    closure = (
        "organisation: pimms-libercourt\nclosures:\n  - {stop: nathalie-sarraute, start: 2025-05-02, reason: Grève}\n"
    )
    assert problems_of(closure) == [f"ligne 3 · fermeture 1 › stop : l'arrêt « nathalie-sarraute » {owner}"]
    assert Stop.objects.filter(organisation=pimms).count() == 0


def test_a_closure_of_every_stop_in_a_file_closes_every_stop_of_its_organisation_only(paris):
    import_stops(VALID)
    other = StopFactory(organisation=OrganisationFactory(slug="pimms-libercourt", departement="62"))
    import_stops("organisation: paris\nclosures:\n  - {start: 2025-05-02, reason: Formation de l'équipe}\n")
    closure = Closure.objects.get(stop=None)
    assert closure.organisation == paris
    assert not schedule.closures_of(other).exists()


def test_a_stops_partners_are_national_or_its_organisations_own(paris):
    pimms = OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62")
    PartnerFactory(organisation=paris, short_name="CCAS")
    PartnerFactory(organisation=pimms, short_name="Mission locale")
    own = VALID.replace("partners: [caf, cpam, dgfip]", "partners: [caf, paris-ccas]")
    import_stops("organisation: paris\n" + own)
    assert set(Stop.objects.get(slug="nathalie-sarraute").partners.values_list("code", flat=True)) == {
        "caf",
        "paris-ccas",
    }

    other = VALID.replace("partners: [caf, cpam, dgfip]", "partners: [caf, pimms-libercourt-mission-locale]")
    assert problems_of("organisation: paris\n" + other) == [
        "ligne 13 · arrêt « nathalie-sarraute » › partners : le partenaire « pimms-libercourt-mission-locale » est "
        "celui de « PIMMS mobile de Libercourt » : un arrêt propose les partenaires nationaux et ceux de sa structure"
    ]
    inactive = VALID.replace("partners: [caf, cpam, dgfip]", "partners: [caf, ville-de-paris]")
    assert problems_of("organisation: paris\n" + inactive) == [
        "ligne 13 · arrêt « nathalie-sarraute » › partners : le partenaire « ville-de-paris » n'est plus proposé "
        "(inactif)"
    ]
    (unknown,) = problems_of("organisation: paris\n" + VALID.replace("[caf, cpam, dgfip]", "[caf, ccas]"))
    assert unknown.startswith("ligne 13 · arrêt « nathalie-sarraute » › partners : partenaire inconnu « ccas » (")
    assert "paris-ccas" in unknown
    assert "pimms-libercourt" not in unknown
    assert "ville-de-paris" not in unknown
