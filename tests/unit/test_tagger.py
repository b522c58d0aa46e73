"""The tagger's contract: zero or more themes per comment, each with its own polarity and a confidence in [0, 1];
nothing for a comment with nothing to say; a language it does not know is flagged and only sure tags are kept;
the same text always gives the same tags. Its accuracy is measured by benchmarks/themes.py on the evaluation set,
never here; a test only checks it learns something on seed comments it was not fitted on."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from npsloop.domain.theme_tags import Polarity, ThemeTag
from npsloop.domain.themes import DEFAULT_KEYS
from npsloop.tagging.evaluation import evaluate
from npsloop.tagging.features import fitting_union
from npsloop.tagging.normalize import normalize
from npsloop.tagging.tagger import (
    RANDOM_STATE,
    UNKNOWN_LANGUAGE_CONFIDENCE,
    Tagger,
    _classifier,
    default_tagger,
    language_of,
    seed_examples,
)


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return default_tagger()


def polarities(tags: tuple[ThemeTag, ...]) -> dict[str, Polarity]:
    return {tag.theme: tag.polarity for tag in tags}


def test_normalize_folds_case_accents_elongations_and_keeps_emoji_as_sentiment():
    assert normalize("PÉSIMO Servicio") == "pesimo servicio"
    assert normalize("muuuuy buenoooo") == "muy bueno"
    assert normalize("la señora  me atendió 👍") == "la senora me atendio emo_pos"
    assert normalize("😡😡 nunca llegó") == "emo_neg emo_neg nunca llego"
    assert normalize("llegó el pedido") == "llego el pedido"  # a real double letter is kept


@pytest.mark.parametrize(
    ("text", "language"),
    [("buen producto, pesima entrega", "es"), ("good product, terrible delivery", "en")],
)
def test_one_comment_can_praise_one_theme_and_blame_another(tagger, text, language):
    result = tagger.tag(text, language)
    assert result.language_known
    found = polarities(result.tags)
    assert found.get("product_quality") is Polarity.POSITIVE
    assert found.get("delivery") is Polarity.NEGATIVE


@pytest.mark.parametrize("text", ["", "   ", "ok", "OK", "."])
def test_a_comment_with_nothing_to_say_has_no_themes(tagger, text):
    assert tagger.tag(text, "es").tags == ()
    assert tagger.tag(text, "en").tags == ()


def test_spelling_without_accents_and_elongations_tag_like_the_proper_spelling(tagger):
    proper = tagger.tag("La factura llegó con un cobro doble", "es")
    sloppy = tagger.tag("la factura llegooo con un cobro dobleeee", "es")
    assert "billing" in proper.themes and proper.themes == sloppy.themes


@pytest.mark.parametrize("language", ["fr", "pt", "", None, "xx-YY"])
def test_an_unknown_language_is_flagged_and_only_sure_tags_are_kept(tagger, language):
    result = tagger.tag("Produit excellent mais la livraison est arrivée en retard", language)
    assert not result.language_known
    assert all(tag.confidence >= UNKNOWN_LANGUAGE_CONFIDENCE for tag in result.tags)


def test_a_sure_tag_survives_an_unknown_language(tagger):
    known = tagger.tag("good product, terrible delivery", "en")
    unknown = tagger.tag("good product, terrible delivery", "de")
    assert not unknown.language_known
    assert set(unknown.themes) == {tag.theme for tag in known.tags if tag.confidence >= UNKNOWN_LANGUAGE_CONFIDENCE}
    assert unknown.themes


def test_regional_forms_of_a_known_language_are_known():
    assert language_of("es-MX") == "es" and language_of("EN_us") == "en"
    assert language_of("pt-BR") is None and language_of(None) is None


def test_confidences_are_probabilities_and_tags_are_default_theme_keys(tagger):
    texts = [example.text for example in seed_examples()[::25]]
    for result in tagger.tag_many((text, "es") for text in texts):
        for tag in result.tags:
            assert 0.0 <= tag.confidence <= 1.0
            assert tag.theme in DEFAULT_KEYS and isinstance(tag.polarity, Polarity)
        assert len(set(result.themes)) == len(result.tags)


def test_tagging_is_deterministic_and_batching_changes_nothing(tagger):
    texts = ["la app no deja entrar y nadie responde", "the invoice was wrong twice", "excelente atencion"]
    one_by_one = [tagger.tag(text, "es") for text in texts]
    assert tagger.tag_many((text, "es") for text in texts) == one_by_one
    refitted = Tagger.fit(seed_examples())
    assert [refitted.tag(text, "es") for text in texts] == one_by_one
    assert refitted.thresholds == tagger.thresholds


def test_the_model_learns_far_better_than_chance_on_seed_comments_it_did_not_see():
    seed = seed_examples()
    held = seed[::5]
    trained = Tagger.fit([example for index, example in enumerate(seed) if index % 5])
    scores = evaluate(trained, held)
    for language in ("es", "en"):
        # tagging every theme on every comment scores 0.22 macro-F1 on this slice; tagging nothing scores 0
        assert scores[language].macro_f1 > 0.5, language
        assert scores[language].polarity_accuracy > 0.8, language


def test_the_dual_solver_the_tagger_fits_with_gives_the_primal_weights():
    """Fitting uses liblinear's dual form for speed; it must learn the same detector as the primal form would."""
    examples = seed_examples()[::4]
    matrix = fitting_union().fit_transform([normalize(example.text) for example in examples])
    truth = np.array(["billing" in example.themes for example in examples])
    dual = _classifier().fit(matrix, truth)
    primal = LogisticRegression(
        C=dual.C, class_weight="balanced", solver="liblinear", dual=False, random_state=RANDOM_STATE
    ).fit(matrix, truth)
    assert dual.dual
    assert np.abs(dual.coef_ - primal.coef_).max() < 0.01
    assert np.abs(dual.decision_function(matrix) - primal.decision_function(matrix)).max() < 0.01
