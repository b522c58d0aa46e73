"""The concept tokens the tagger shares between Spanish and English: one idea gives one token in either language,
whatever the word's form, and a whole-word stem does not fire inside a longer word."""

from npsloop.tagging.lexicon import concepts
from npsloop.tagging.normalize import normalize


def tokens(text: str) -> set[str]:
    return set(concepts(normalize(text)))


def test_the_same_complaint_in_spanish_and_english_names_the_same_concepts():
    spanish = tokens("La factura llegó con un cobro doble")
    english = tokens("The invoice came with a double charge")
    assert {"c_bill", "c_delivery"} <= spanish & english


def test_forms_and_missing_accents_of_a_word_give_its_concept():
    for text in ("no me resolvieron nada", "NO ME RESOLVIÓ", "never resolved", "still not solved"):
        assert "c_solve" in tokens(text), text
    assert "c_digital" in tokens("la aplicación no carga") and "c_digital" in tokens("the app wont load")


def test_a_concept_named_twice_counts_twice_and_a_text_without_one_has_none():
    assert concepts(normalize("factura tras factura")).count("c_bill") == 2
    assert concepts("") == [] and concepts("zzz qqq") == []


def test_a_whole_word_stem_does_not_match_inside_a_longer_word():
    assert "c_waiting" in tokens("llevo un mes esperando")
    assert "c_waiting" not in tokens("la mesa")
