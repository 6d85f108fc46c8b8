"""Load or update a territory from a stops file (YAML), all or nothing.

The file format is documented in `docs/stops-file.md`. Every error is collected
with its line and place (stop slug, slot number, field) before anything is
written; when there is none, the whole file is applied in one transaction. A
stop's slots in the file replace its slots in the database; closures and extra
openings are matched on their stop and dates, so a second run changes nothing.
"""

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from organisations.models import Organisation
from partners.models import Partner
from stops import schedule, wording
from stops.editing import affected_stops, edit_schedule
from stops.forms import ClosureForm, ExtraOpeningForm, StopForm, WeeklySlotForm
from stops.models import Closure, ExtraOpening, Stop, Weekday, WeeklySlot

WEEKDAYS = [day.name.lower() for day in Weekday]

STOP_DEFAULTS = {"city": "Paris", "closed_on_public_holidays": True, "active": True}
STOP_FIELDS = {
    "slug": "text",
    "name": "text",
    "kind": "text",
    "address": "text",
    "postcode": "text",
    "city": "text",
    "landmark": "text",
    "latitude": "number",
    "longitude": "number",
    "accessibility_note": "text",
    "school_holidays_zone": "text",
    "closed_on_public_holidays": "boolean",
    "active": "boolean",
    "partners": "list",
    "slots": "list",
}
SLOT_FIELDS = {
    "weekday": "weekday",
    "start": "time",
    "end": "time",
    "every_weeks": "integer",
    "starts_on": "date",
    "ends_on": "date",
}
CLOSURE_FIELDS = {"stop": "text", "start": "date", "end": "date", "reason_kind": "text", "reason": "text"}
EXTRA_FIELDS = {"stop": "text", "date": "date", "start": "time", "end": "time", "reason": "text"}

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Problem:
    def __init__(self, line, place, message):
        self.line, self.place, self.message = line, place, message

    def __str__(self):
        where = _("ligne %(line)s · %(place)s") % {"line": self.line, "place": self.place} if self.line else self.place
        return _("%(where)s : %(message)s") % {"where": where, "message": self.message}


class StopsFileError(Exception):
    def __init__(self, problems):
        super().__init__(_("%(count)s erreur(s) dans le fichier") % {"count": len(problems)})
        self.problems = problems


@dataclass
class ImportSummary:
    counts: Counter = field(default_factory=Counter)

    @property
    def changed(self):
        return any(count for key, count in self.counts.items() if key != "stops_unchanged")

    def __str__(self):
        c = self.counts
        if not self.changed:
            return _("Aucun changement : les %(stops_unchanged)s arrêt(s) du fichier sont déjà à jour.") % c
        return (
            _(
                "Arrêts : %(stops_created)s créé(s), %(stops_updated)s modifié(s), %(stops_unchanged)s inchangé(s). "
                "Créneaux : %(slots_added)s ajouté(s), %(slots_removed)s supprimé(s). "
                "Fermetures : %(closures_added)s ajoutée(s), %(closures_updated)s modifiée(s). "
                "Ouvertures exceptionnelles : %(extras_added)s ajoutée(s), %(extras_updated)s modifiée(s)."
            )
            % c
        )


def import_stops(text, *, dry_run=False, user=None):
    """Validate then apply a stops file. Raises StopsFileError, having changed nothing, on any error."""
    data, lines = parse(text)
    plan = _Validator(lines).validate(data)
    with transaction.atomic():
        summary = edit_schedule(
            lambda: _touched_stops(plan),
            lambda: _apply(plan),
            user=user,
            description=_("Import du fichier des arrêts"),
            username="import_stops",
        )
        if dry_run:
            transaction.set_rollback(True)
    return summary


def _touched_stops(plan):
    """The stops whose openings the file may change: its own, and all its organisation's for a
    closure of every stop."""
    if any(slug is None for slug, _closure, _index in plan.closures):
        return affected_stops(None, plan.organisation)
    slugs = {p.form.cleaned_data["slug"] for p in plan.stops} | {slug for slug, _c, _i in plan.closures + plan.extras}
    return list(Stop.objects.filter(slug__in=slugs))


# Reading -----------------------------------------------------------------------

# A stops file is a few levels deep (stops › stop › slots › slot › field) and its numbers
# are short. Deeper nesting, longer numbers, anchors and aliases (with which a few lines
# expand to billions of values), explicit tags (!!int abc), merge keys (<<) or a key given
# twice (the second silently won) are refused, with their line, before anything is built
# from them.
MAX_DEPTH = 8
MAX_NUMBER_LENGTH = 30


class _Refused(yaml.MarkedYAMLError):
    """Something a stops file may not hold; `problem` says what, in French."""

    def __init__(self, problem, mark):
        super().__init__(problem=problem, problem_mark=mark)


class _Loader(yaml.SafeLoader):
    """YAML without its surprises: 14:00 stays a text (not 840), 01000 stays a postcode (not 512),
    dates stay text so that a bad one is reported with its line; nothing a stops file never
    needs (see above)."""

    # Nesting is refused as soon as the reader meets it: PyYAML's scanner slows down with
    # the square of the nesting (20,000 brackets: a second; 200,000: minutes).
    def fetch_flow_collection_start(self, token_class):
        if self.flow_level >= MAX_DEPTH:
            raise _Refused(_("trop de niveaux imbriqués (au plus %(depth)s)") % {"depth": MAX_DEPTH}, self.get_mark())
        super().fetch_flow_collection_start(token_class)

    def add_indent(self, column):
        if len(self.indents) >= MAX_DEPTH:
            raise _Refused(_("trop de niveaux imbriqués (au plus %(depth)s)") % {"depth": MAX_DEPTH}, self.get_mark())
        return super().add_indent(column)

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            problem = _("les ancres et les alias (& et *) ne sont pas acceptés : écrivez chaque valeur en entier")
            raise _Refused(problem, event.start_mark)
        if getattr(event, "tag", None) not in (None, "!"):
            problem = _("les étiquettes YAML (%(tag)s) ne sont pas acceptées : écrivez la valeur seule") % {
                "tag": _shown(event.tag)
            }
            raise _Refused(problem, event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        first_line = {}
        for key_node, _value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or a mapping as a key: PyYAML refuses it just after
            key = key_node.value
            if key in first_line:
                problem = _("le champ « %(key)s » apparaît deux fois (déjà ligne %(line)s)") % {
                    "key": _shown(key),
                    "line": first_line[key],
                }
                raise _Refused(problem, key_node.start_mark)
            first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)

    def construct_number(self, node):
        if len(node.value) > MAX_NUMBER_LENGTH:
            raise _Refused(_("nombre trop long (%(length)s caractères)") % {"length": len(node.value)}, node.start_mark)
        return self.construct_yaml_float(node) if node.tag.endswith(":float") else self.construct_yaml_int(node)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith((":int", ":float", ":timestamp", ":merge"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)$"), list("-+0123456789.")
)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_number)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_number)


def parse(text):
    """(data, {path: line}) from the text of a stops file."""
    refuse_if_too_big(len(text))
    try:
        # The reader checks the characters as soon as the loader is built.
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:
        raise StopsFileError(
            [Problem(None, _("fichier"), _("caractère non permis (%(reason)s)") % {"reason": error.reason})]
        ) from None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _Refused as error:
        raise StopsFileError([Problem(error.problem_mark.line + 1, _("fichier"), error.problem)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        line = mark.line + 1 if mark else None
        raise StopsFileError(
            [Problem(line, _("fichier"), _("YAML illisible (%(problem)s)") % {"problem": problem})]
        ) from None
    finally:
        loader.dispose()
    lines = {}
    _index_lines(node, (), lines)
    return data, lines


def refuse_if_too_big(size):
    """Before reading it: a file of `size` bytes (or characters) past STOPS_FILE_MAX_BYTES is refused."""
    limit = settings.STOPS_FILE_MAX_BYTES
    if size > limit:
        problem = _("fichier trop gros (%(size)s ; au plus %(limit)s) : découpez-le en plusieurs fichiers") % {
            "size": _size(size),
            "limit": _size(limit),
        }
        raise StopsFileError([Problem(None, _("fichier"), problem)])


def _index_lines(node, path, lines):
    if node is None:
        return
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = (*path, key_node.value)
            lines.setdefault(key_path, key_node.start_mark.line + 1)
            _index_lines(value_node, key_path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _index_lines(child, (*path, index), lines)


# Checking ----------------------------------------------------------------------


@dataclass
class _StopPlan:
    form: StopForm
    partners: list
    slots: list


@dataclass
class _Plan:
    organisation: Organisation | None = None
    stops: list = field(default_factory=list)
    closures: list = field(default_factory=list)  # (stop slug or None, Closure, index in the file)
    extras: list = field(default_factory=list)  # (stop slug, ExtraOpening, index in the file)


class _Validator:
    def __init__(self, lines):
        self.lines = lines
        self.problems = []

    def validate(self, data):
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.problem(
                (), _("fichier"), _("le fichier doit contenir les rubriques stops, closures et extra_openings")
            )
            raise StopsFileError(self.problems)
        for key in data:
            if key not in ("organisation", "stops", "closures", "extra_openings"):
                self.problem(
                    (key,),
                    _("fichier"),
                    _("rubrique inconnue « %(key)s » (attendu : organisation, stops, closures, extra_openings)")
                    % {"key": _shown(key)},
                )
        self.organisation = self.organisation_of(data.get("organisation"))
        if self.organisation is None:
            raise StopsFileError(self.problems)
        entries = {key: self.entries(data, key) for key in ("stops", "closures", "extra_openings")}

        partners = Partner.objects.with_offered_in(self.organisation).select_related("organisation")
        self.partners = {partner.code: partner for partner in partners}
        slugs = [e.get("slug") for _i, e in entries["stops"] if isinstance(e.get("slug"), str)]
        self.existing_stops = Stop.objects.select_related("organisation").in_bulk(slugs, field_name="slug")
        plan = _Plan(self.organisation)
        self.file_slugs = set()
        for index, entry in entries["stops"]:
            stop_plan = self.stop(index, entry)
            if stop_plan:
                plan.stops.append(stop_plan)
        referenced = {
            e["stop"]
            for key in ("closures", "extra_openings")
            for _i, e in entries[key]
            if isinstance(e.get("stop"), str)
        }
        self.owners = dict(Stop.objects.filter(slug__in=referenced).values_list("slug", "organisation__name"))
        self.known_slugs = self.file_slugs | set(
            Stop.objects.filter(slug__in=referenced, organisation=self.organisation).values_list("slug", flat=True)
        )
        plan.closures = [c for c in (self.closure(i, e) for i, e in entries["closures"]) if c]
        plan.extras = [x for x in (self.extra(i, e) for i, e in entries["extra_openings"]) if x]
        self.check_duplicate_closures(plan.closures)
        self.check_extra_overlaps(plan.extras)
        if self.problems:
            raise StopsFileError(self.problems)
        return plan

    def organisation_of(self, slug):
        """The organisation the file is about: the one it names, or the only one there is."""
        known = {organisation.slug: organisation for organisation in Organisation.objects.all()}
        listed = ", ".join(sorted(known)) or _("aucune : l'administration nationale la crée d'abord")
        if slug is None and len(known) == 1:
            return next(iter(known.values()))
        if slug is None:
            message = _(
                "indiquez la structure du fichier, par exemple « organisation: paris » (structures : %(known)s)"
            )
            self.problem((), _("fichier"), message % {"known": listed})
        elif not isinstance(slug, str) or slug not in known:
            message = _("structure inconnue « %(slug)s » (structures : %(known)s)")
            self.problem(("organisation",), "organisation", message % {"slug": _shown(slug), "known": listed})
        else:
            return known[slug]
        return None

    def entries(self, data, key):
        value = data.get(key) or []
        if not isinstance(value, list):
            self.problem((key,), key, _("une liste est attendue (chaque élément commence par « - »)"))
            return []
        valid = []
        for index, entry in enumerate(value):
            if isinstance(entry, dict):
                valid.append((index, entry))
            else:
                self.problem(
                    (key, index),
                    _("%(section)s n° %(number)s") % {"section": key, "number": index + 1},
                    _("chaque élément doit être une liste de champs « nom: valeur »"),
                )
        return valid

    # One stop and its slots.

    def stop(self, index, entry):
        path = ("stops", index)
        slug = entry.get("slug")
        if isinstance(slug, str) and slug:
            place = _("arrêt « %(slug)s »") % {"slug": _shown(slug)}
        else:
            place = _("arrêt n° %(number)s") % {"number": index + 1}
        if isinstance(slug, str):
            if slug in self.file_slugs:
                message = _("l'identifiant « %(slug)s » apparaît deux fois dans le fichier") % {"slug": _shown(slug)}
                self.problem((*path, "slug"), f"{place} › slug", message)
            self.file_slugs.add(slug)
        values = self.values(entry, STOP_FIELDS, path, place, required=("slug", "name", "kind"))
        if values is None:
            return None
        data = {**STOP_DEFAULTS, **{k: v for k, v in values.items() if k not in ("partners", "slots")}}
        existing = self.existing_stops.get(slug)
        if existing is not None and existing.organisation_id != self.organisation.pk:
            self.problem((*path, "slug"), f"{place} › slug", self.owned_elsewhere(slug, existing.organisation.name))
            return None
        form = StopForm(data=data, instance=existing or Stop(organisation=self.organisation))
        self.form_problems(form, path, place)
        partners = self.stop_partners(values.get("partners"), path, place)
        slots = self.slots(values.get("slots") or [], path, place)
        return _StopPlan(form, partners, slots)

    def stop_partners(self, codes, path, place):
        if codes is None:
            return [p for p in self.partners.values() if p.family == Partner.Family.FRANCE_SERVICES and p.active]
        partners = []
        for index, code in enumerate(codes):
            if not isinstance(code, str):
                self.problem(
                    (*path, "partners", index), f"{place} › partners", _("chaque partenaire est un code (un texte)")
                )
            elif code in self.partners and self.partners[code].offered:
                partners.append(self.partners[code])
            else:
                self.problem((*path, "partners", index), f"{place} › partners", self.not_offered(code))
        return partners

    def not_offered(self, code):
        """Why the partner of `code` cannot be one of a stop of the file's organisation."""
        partner = self.partners.get(code)
        if partner is not None and partner.organisation_id not in (None, self.organisation.pk):
            return _(
                "le partenaire « %(code)s » est celui de « %(owner)s » : un arrêt propose les partenaires "
                "nationaux et ceux de sa structure"
            ) % {"code": code, "owner": partner.organisation.name}
        if partner is not None:
            return _("le partenaire « %(code)s » n'est plus proposé (inactif)") % {"code": code}
        known = ", ".join(sorted(code for code, partner in self.partners.items() if partner.offered))
        return _("partenaire inconnu « %(code)s » (codes connus : %(known)s)") % {"code": _shown(code), "known": known}

    def slots(self, entries, stop_path, stop_place):
        slots = []
        for index, entry in enumerate(entries):
            path = (*stop_path, "slots", index)
            place = _("%(stop)s › créneau %(number)s") % {"stop": stop_place, "number": index + 1}
            if not isinstance(entry, dict):
                self.problem(path, place, _("un créneau est une liste de champs (weekday, start, end…)"))
                continue
            values = self.values(entry, SLOT_FIELDS, path, place, required=("weekday", "start", "end"))
            if values is None:
                continue
            form = WeeklySlotForm(data={"every_weeks": 1, **values})
            if self.form_problems(form, path, place):
                slots.append((index, form.instance))
        for i, j in schedule.overlapping_slots([slot for _index, slot in slots]):
            (first_index, first), (index, _slot) = slots[i], slots[j]
            self.problem(
                (*stop_path, "slots", index),
                _("%(stop)s › créneau %(number)s") % {"stop": stop_place, "number": index + 1},
                _("chevauche le créneau %(number)s (%(weekday)s %(hours)s) certains jours")
                % {
                    "number": first_index + 1,
                    "weekday": first.get_weekday_display(),
                    "hours": wording.format_hours(first.start, first.end),
                },
            )
        return [slot for _index, slot in slots]

    # Closures and extra openings.

    def closure(self, index, entry):
        path = ("closures", index)
        place = _("fermeture %(number)s") % {"number": index + 1}
        values = self.values(entry, CLOSURE_FIELDS, path, place, required=("start",))
        if values is None:
            return None
        slug = self.stop_reference(values.get("stop"), path, place, required=False)
        data = {
            "first_day": values["start"],
            "last_day": values.get("end", values["start"]),
            # Without reason_kind, a file written before the list of reasons: its text is sorted.
            "reason_kind": values.get("reason_kind", ""),
            "reason": values.get("reason", ""),
        }
        form = ClosureForm(data=data)
        if (
            self.form_problems(form, path, place, renames={"first_day": "start", "last_day": "end"})
            and slug is not False
        ):
            return slug, form.instance, index
        return None

    def extra(self, index, entry):
        path = ("extra_openings", index)
        place = _("ouverture exceptionnelle %(number)s") % {"number": index + 1}
        values = self.values(entry, EXTRA_FIELDS, path, place, required=("stop", "date", "start", "end"))
        if values is None:
            return None
        slug = self.stop_reference(values.get("stop"), path, place, required=True)
        form = ExtraOpeningForm(data={k: v for k, v in values.items() if k != "stop"})
        if self.form_problems(form, path, place) and slug:
            return slug, form.instance, index
        return None

    def stop_reference(self, slug, path, place, *, required):
        """The slug of a known stop, None for every stop, or False when unknown."""
        if slug is None and not required:
            return None
        if isinstance(slug, str) and slug in self.owners and slug not in self.known_slugs:
            self.problem((*path, "stop"), f"{place} › stop", self.owned_elsewhere(slug, self.owners[slug]))
            return False
        if not isinstance(slug, str) or slug not in self.known_slugs:
            self.problem(
                (*path, "stop"),
                f"{place} › stop",
                _("arrêt inconnu « %(slug)s » : ni dans le fichier, ni dans la base") % {"slug": _shown(slug)},
            )
            return False
        return slug

    def owned_elsewhere(self, slug, owner):
        return _(
            "l'arrêt « %(slug)s » est celui de « %(owner)s » : un fichier ne change que les arrêts de sa structure"
        ) % {"slug": _shown(slug), "owner": owner}

    def check_duplicate_closures(self, closures):
        seen = {}
        for slug, closure, index in closures:
            key = (slug, closure.first_day, closure.last_day)
            if key in seen:
                self.problem(
                    ("closures", index),
                    _("fermeture %(number)s") % {"number": index + 1},
                    _("même arrêt et mêmes dates que la fermeture %(number)s") % {"number": seen[key] + 1},
                )
            seen.setdefault(key, index)

    def check_extra_overlaps(self, extras):
        """Two extra openings of a stop must not overlap on the same day (in the file or already saved)."""
        saved = ExtraOpening.objects.filter(
            stop__slug__in={slug for slug, _e, _i in extras}, date__in={e.date for _s, e, _i in extras}
        ).select_related("stop")
        saved = [(e.stop.slug, e, None) for e in saved]
        for position, (slug, extra, index) in enumerate(extras):
            for other_slug, other, other_index in extras[:position] + saved:
                if other_index is None and (other_slug, other.date, other.start) == (slug, extra.date, extra.start):
                    continue  # the saved version of this very opening, which the import updates
                if other_slug == slug and other.date == extra.date and schedule.hours_overlap(other, extra):
                    if other_index is not None:
                        what = _("l'ouverture exceptionnelle %(number)s") % {"number": other_index + 1}
                    else:
                        what = _("une autre")
                    hours = wording.format_hours(other.start, other.end)
                    place = _("ouverture exceptionnelle %(number)s") % {"number": index + 1}
                    message = _("chevauche %(what)s (%(hours)s) le même jour") % {"what": what, "hours": hours}
                    self.problem(("extra_openings", index), place, message)
                    break

    # Values.

    def values(self, entry, fields, path, place, required=()):
        """The entry's values converted to Python, or None when one is unusable."""
        ok = True
        for key in entry:
            if key not in fields:
                self.problem(
                    (*path, key),
                    place,
                    _("champ inconnu « %(key)s » (champs possibles : %(fields)s)")
                    % {"key": _shown(key), "fields": ", ".join(fields)},
                )
                ok = False
        for key in required:
            if entry.get(key) in (None, ""):
                self.problem(path, f"{place} › {key}", _("champ obligatoire manquant"))
                ok = False
        values = {}
        for key, kind in fields.items():
            if key not in entry or entry[key] is None:
                continue
            try:
                values[key] = _convert(entry[key], kind)
            except ValueError as error:
                self.problem((*path, key), f"{place} › {key}", str(error))
                ok = False
        return values if ok else None

    def form_problems(self, form, path, place, renames=None):
        """Report a form's errors under the file's field names; True when the form is valid."""
        if form.is_valid():
            return True
        for name, messages in form.errors.items():
            key = (renames or {}).get(name, name)
            for message in messages:
                if name == "__all__":
                    self.problem(path, place, message)
                else:
                    self.problem((*path, key), f"{place} › {key}", message)
        return False

    def problem(self, path, place, message):
        while path and path not in self.lines:
            path = path[:-1]
        self.problems.append(Problem(self.lines.get(path), place, message))


def _size(size):
    """A size as a French reader reads it: « 6,2 Mo », « 1,5 ko »."""
    value, unit = (size / 1_000_000, _("Mo")) if size >= 100_000 else (size / 1000, _("ko"))
    return f"{value:.1f} {unit}".replace(".", ",")


def _shown(value):
    """A value as quoted in a message: a few words, not a whole line of garbage."""
    text = str(value) if isinstance(value, str | int | float) else _("une liste ou des champs")
    return text if len(text) <= 40 else text[:40] + "…"


def _convert(value, kind):
    if kind == "text":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(_("un texte est attendu"))
        return str(value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(
                _("un nombre est attendu, par exemple 48.8906 (pas « %(value)s »)") % {"value": _shown(value)}
            )
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(_("un nombre entier est attendu (pas « %(value)s »)") % {"value": _shown(value)})
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError(_("true ou false est attendu (pas « %(value)s »)") % {"value": _shown(value)})
        return value
    if kind == "list":
        if not isinstance(value, list):
            raise ValueError(_("une liste est attendue, par exemple [caf, cpam]"))
        return value
    if kind == "weekday":
        if not isinstance(value, str) or value.lower() not in WEEKDAYS:
            raise ValueError(
                _("jour inconnu « %(value)s » (attendu : %(weekdays)s)")
                % {"value": _shown(value), "weekdays": ", ".join(WEEKDAYS)}
            )
        return WEEKDAYS.index(value.lower())
    if kind == "time":
        match = _TIME.match(str(value)) if isinstance(value, str) else None
        if not match:
            raise ValueError(
                _('heure invalide « %(value)s » (attendu : HH:MM, par exemple "09:30")') % {"value": _shown(value)}
            )
        return datetime.time(int(match[1]), int(match[2]))
    if kind == "date":
        if isinstance(value, str) and _DATE.match(value):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError(
            _("date invalide « %(value)s » (attendu : AAAA-MM-JJ, par exemple 2025-03-14)") % {"value": _shown(value)}
        )
    raise AssertionError(kind)


# Applying ----------------------------------------------------------------------


def _apply(plan):
    summary = ImportSummary()
    counts = summary.counts
    stops = {}
    for stop_plan in plan.stops:
        stop = stop_plan.form.instance
        if stop.pk is None:
            stop.save()
            counts["stops_created"] += 1
        elif stop_plan.form.has_changed() or _partners_changed(stop, stop_plan.partners):
            stop.save()
            counts["stops_updated"] += 1
        else:
            counts["stops_unchanged"] += 1
        stop.partners.set(stop_plan.partners)
        _replace_slots(stop, stop_plan.slots, counts)
        stops[stop.slug] = stop
    missing = {slug for slug, _item, _index in plan.closures + plan.extras if slug and slug not in stops}
    stops |= Stop.objects.in_bulk(missing, field_name="slug")

    existing = {
        (c.stop_id, c.organisation_id, c.first_day, c.last_day): c
        for c in Closure.objects.filter(Q(stop__in=stops.values()) | Q(organisation=plan.organisation))
    }
    for slug, closure, _index in plan.closures:
        closure.stop = stops[slug] if slug else None
        closure.organisation = None if slug else plan.organisation
        key = (closure.stop_id, closure.organisation_id, closure.first_day, closure.last_day)
        _upsert(existing.get(key), closure, ["reason_kind", "reason"], counts, "closures")
    existing = {
        (x.stop_id, x.date, x.start): x
        for x in ExtraOpening.objects.filter(date__in={extra.date for _s, extra, _i in plan.extras})
    }
    for slug, extra, _index in plan.extras:
        extra.stop = stops[slug]
        _upsert(existing.get((extra.stop_id, extra.date, extra.start)), extra, ["end", "reason"], counts, "extras")
    return summary


def _partners_changed(stop, partners):
    return set(stop.partners.values_list("pk", flat=True)) != {partner.pk for partner in partners}


def _slot_key(slot):
    return (slot.weekday, slot.start, slot.end, slot.every_weeks, slot.starts_on, slot.ends_on)


def _replace_slots(stop, slots, counts):
    wanted = {_slot_key(slot) for slot in slots}
    current = list(stop.slots.all())
    stale = [slot.pk for slot in current if _slot_key(slot) not in wanted]
    WeeklySlot.objects.filter(pk__in=stale).delete()
    kept = {_slot_key(slot) for slot in current if slot.pk not in stale}
    new = [slot for slot in slots if _slot_key(slot) not in kept]
    for slot in new:
        slot.stop = stop
    WeeklySlot.objects.bulk_create(new)
    counts["slots_removed"] += len(stale)
    counts["slots_added"] += len(new)


def _upsert(current, wanted, fields, counts, name):
    if current is None:
        wanted.save()
        counts[f"{name}_added"] += 1
    elif any(getattr(current, f) != getattr(wanted, f) for f in fields):
        for f in fields:
            setattr(current, f, getattr(wanted, f))
        current.save(update_fields=fields)
        counts[f"{name}_updated"] += 1
