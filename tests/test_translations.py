"""Every text a person sees goes through gettext, with the French text as message id."""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

TEMPLATES = Path(settings.BASE_DIR) / "templates"

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
    for folder in ("templates", "mairie_mobile", "partners", "stops", "visits"):
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
        "Créneau supprimé : %(label)s",  # stops/views/staff.py
    ]:
        assert f'msgid "{message}"' in catalog
    assert 'msgid_plural "%(counter)s personnes attendent le déblayage"' in catalog
