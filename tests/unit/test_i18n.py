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
