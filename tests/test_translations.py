"""Every text a person sees goes through gettext, with the French text as message id."""

import ast
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

TEMPLATES = Path(settings.BASE_DIR) / "templates"
CODE = [
    Path(settings.BASE_DIR) / folder for folder in ("mairie_mobile", "organisations", "partners", "stops", "visits")
]

# What a person never sees, or sees only as it is typed: removed before looking for words.
HIDDEN = [
    r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}",
    r"{#.*?#}",
    r"{%\s*(blocktrans(?:late)?)\b.*?%}.*?{%\s*end\1\s*%}",
    r"<(script|style|code)\b.*?</\1>",
    r"<!--.*?-->",
    r"{%.*?%}",  # translate tags among others
    r"{{.*?}}",
    r"&#?\w+;",
]
# Attributes a person reads or hears; the others (class, href, value, content...) are not text.
VISIBLE_ATTRIBUTES = r'\b(?:alt|title|placeholder|aria-label)="([^"]*)"'


def untranslated_words(source):
    """Words of three letters or more left once translated text, tags and code are taken out.

    A heuristic: every word of the interface is French, so any word left is French text that
    gettext does not see. Digits, punctuation and one- or two-letter tokens (« N° ») pass.
    """
    text = source
    for pattern in HIDDEN:
        text = re.sub(pattern, " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", lambda tag: " ".join(re.findall(VISIBLE_ATTRIBUTES, tag.group())), text)
    return re.findall(r"[^\W\d_]{3,}", text)


def test_the_heuristic_finds_french_text_left_outside_a_translation_tag():
    assert untranslated_words("<p>Bonjour</p>") == ["Bonjour"]
    assert untranslated_words('<nav aria-label="Fil d\'Ariane"></nav>') == ["Fil", "Ariane"]
    assert untranslated_words("{% if open %}Ouvert{% endif %} {{ stop.name }}") == ["Ouvert"]
    assert untranslated_words("Adresse : {{ stop.address }}") == ["Adresse"]


def test_the_heuristic_leaves_translated_text_and_code_aside():
    source = """{% load i18n %}<p class="lead">{% translate "Bonjour" %}</p>
    {% blocktranslate with name=stop.name %}Horaires de {{ name }}{% endblocktranslate %}
    {# un commentaire #}<a href="/horaires/" title="{% translate "Horaires" %}">N° {{ visit.ticket }}</a>
    <code>detail</code><input type="hidden" name="what" value="all">"""
    assert untranslated_words(source) == []


@pytest.mark.parametrize(
    "template",
    sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*") if path.suffix in (".html", ".txt")),
)
def test_template_holds_no_text_outside_a_translation_tag(template):
    assert untranslated_words((TEMPLATES / template).read_text()) == []


def test_makemessages_finds_the_texts_of_the_pages_and_of_the_code(tmp_path, settings, monkeypatch):
    """Run on a copy: the project's locale/ stays as it is."""
    for folder in ("templates", "mairie_mobile", "organisations", "partners", "stops", "visits"):
        source = Path(settings.BASE_DIR) / folder
        shutil.copytree(source, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)

    call_command("makemessages", locale=["en"], verbosity=0)

    catalog = (tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text()
    for message in [
        "Donner un ticket",  # staff/queue.html
        "Cette page n'existe pas",  # 404.html
        "Demain, %(day)s, la Mairie mobile ne sera pas à %(name)s",  # emails/reminder/body.txt
        "Indiquez au moins un motif de visite.",  # visits/intake.py
        "Créneau supprimé : %(label)s",  # stops/views/coordination.py
        "Cette personne ne fait déjà plus partie de l'équipe.",  # organisations/invitations.py
        "chevauche le créneau %(number)s (%(weekday)s %(hours)s) certains jours",  # stops/importer.py
        "Les ouvertures d'une période",  # stops/api.py, marked with gettext_noop
        "%(count)s erreur(s) : rien n'a été importé.",  # stops/management/commands/import_stops.py
    ]:
        assert f'msgid "{message}"' in catalog
    assert 'msgid_plural "%(counter)s personnes attendent le déblayage"' in catalog


# In the code, a French text is one with an accented letter in a word: a heuristic again, which
# misses « Bonjour » but finds the messages, almost all of which have one.
FRENCH_WORD = re.compile(r"(?=[^\W\d_]*[àâçéèêëîïôûùüœ])[^\W\d_]{2,}", re.I)
GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
# Texts that must stay as they are, whatever the language of the page.
KEPT_AS_THEY_ARE = {
    ("mairie_mobile/settings.py", "Français"),  # a language is named in itself
    # The GSM 03.38 alphabet of SMS: characters, not words.
    (
        "mairie_mobile/gsm.py",
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
    ),
    # The demo finds the partners' procedures and the orientation targets by their label, as stored.
    *(
        ("visits/demo.py", label)
        for label in [
            "Déclaration trimestrielle RSA",
            "Prime d'activité",
            "Complémentaire santé solidaire",
            "Déclaration de revenus",
            "Accès à l'espace particulier impots.gouv.fr",
            "Pré-demande de carte d'identité ou de passeport",
            "Espace parisien des solidarités (EPS)",
        ]
    ),
    # The values of the national standard of digital-mediation places: its vocabulary, not our words.
    *(
        ("stops/opendata.py", value)
        for value in [
            "Itinérant",
            "Aide aux démarches administratives",
            "Se présenter",
            "Gratuit",
            "France Services",
            "Accompagnement individuel",
        ]
    ),
}


def untranslated_strings(source):
    """French string literals of a module outside gettext calls, docstrings aside."""
    tree = ast.parse(source)
    aside = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        documented = isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and body
        if documented and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            aside.add(id(body[0].value))
        if isinstance(node, ast.Call):
            function = node.func
            name = getattr(function, "id", None) or getattr(function, "attr", None)
            if name in GETTEXT:
                aside.update(id(inner) for inner in ast.walk(node))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in aside
        and FRENCH_WORD.search(node.value)
    ]


def test_the_code_heuristic_finds_french_messages_left_outside_gettext():
    source = '''"""Le module."""
def view():
    """La vue."""
    messages.success(request, "Créneau ajouté.")
    raise IntakeError(_("Indiquez au moins un motif de visite."))
    return f"{count} arrêt(s)", gettext_noop("Arrêts"), "«", "œ", "slug"
'''
    assert untranslated_strings(source) == ["Créneau ajouté.", " arrêt(s)"]


@pytest.mark.parametrize(
    "module",
    sorted(
        str(path.relative_to(settings.BASE_DIR))
        for folder in CODE
        for path in folder.rglob("*.py")
        if "migrations" not in path.parts
    ),
)
def test_code_holds_no_french_text_outside_gettext(module):
    found = untranslated_strings((Path(settings.BASE_DIR) / module).read_text())
    assert [text for text in found if (module, text) not in KEPT_AS_THEY_ARE] == []
