"""Both languages say everything the templates ask for."""

import re
from pathlib import Path

from npsloop.dashboard import i18n

TEMPLATES = Path(i18n.__file__).parent / "templates"


def test_both_languages_have_the_same_words():
    assert set(i18n.WORDS["en"]) == set(i18n.WORDS["es"])


def test_every_word_a_template_uses_exists():
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\.(\w+)", template.read_text()))
    assert used and used <= set(i18n.WORDS["en"])


def test_language_choice():
    assert i18n.pick_language("es", "en", "en") == "es"
    assert i18n.pick_language(None, "es", "en-GB") == "es"
    assert i18n.pick_language(None, None, "fr-FR,es;q=0.8,en;q=0.5") == "es"
    assert i18n.pick_language("de", None, None) == "en"


def test_risk_reasons_are_worded_in_the_pages_language_with_the_taxonomys_theme_names():
    stored = ["score:0", "themes:billing,gone", "unresolved_before:2", "repeat_detractor", "tier:gold"]
    names = {"billing": "Facturación"}.get
    assert i18n.risk_reasons(stored, "es", names) == [
        "nota 0",
        "temas: Facturación, gone",
        "2 casos sin resolver antes",
        "detractor reincidente",
        "nivel: gold",
    ]
    assert i18n.risk_reasons(["unresolved_before:1", "score:3"], "en", names) == ["1 unresolved case before", "score 3"]


def test_risk_reasons_stored_as_english_text_read_the_same_and_an_unknown_one_shows_as_it_is():
    stored = ["score 0", "theme: billing", "repeat detractor", "a reason from nowhere"]
    assert i18n.risk_reasons(stored, "es", {"billing": "Facturación"}.get) == [
        "nota 0",
        "temas: Facturación",
        "detractor reincidente",
        "a reason from nowhere",
    ]
    assert i18n.risk_reasons(None, "en", {}.get) == []
