"""The tagger's own TF-IDF transform gives the rows scikit-learn's fitted union gives, so the speed-up changes
no tag."""

import numpy as np

from npsloop.tagging.features import Vectors, fitting_union
from npsloop.tagging.normalize import normalize
from npsloop.tagging.tagger import seed_examples


def test_the_fast_transform_is_scikit_learns_transform():
    texts = [normalize(example.text) for example in seed_examples()]
    union = fitting_union().fit(texts[::2])
    unseen = [*texts[1::7], "", "zzz qqq", "emo_pos emo_pos emo_pos"]
    expected = union.transform(unseen).toarray()
    got = Vectors.of(union).transform(unseen)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.toarray(), expected, rtol=1e-12, atol=1e-12)


def test_every_block_analyzes_before_fitting_so_a_stored_model_can_rebuild_it():
    """A stored model keeps only each block's vocabulary and idf; its analyzers come from a fresh fitting_union()."""
    text = normalize("La factura llegó tarde, the invoice came late")
    terms = [vectorizer.build_analyzer()(text) for _, vectorizer in fitting_union().transformer_list]
    assert all(terms)
    assert "c_bill" in terms[-1]
