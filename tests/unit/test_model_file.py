"""A stored model tags exactly as the fitted one did, and bytes that are not a model are refused without running
anything (no pickles)."""

import io

import numpy as np
import pytest

from npsloop.domain.theme_tags import Polarity
from npsloop.tagging import model_file
from npsloop.tagging.tagger import Example, Tagger

SMALL = [
    Example("la factura llego doble", "es", {"billing": Polarity.NEGATIVE}),
    Example("me cobraron dos veces", "es", {"billing": Polarity.NEGATIVE}),
    Example("invoice was wrong again", "en", {"billing": Polarity.NEGATIVE}),
    Example("billing is clear and correct", "en", {"billing": Polarity.POSITIVE}),
    Example("el pedido llego tarde", "es", {"delivery": Polarity.NEGATIVE}),
    Example("delivery came three days late", "en", {"delivery": Polarity.NEGATIVE}),
    Example("fast delivery, on time", "en", {"delivery": Polarity.POSITIVE}),
    Example("entrega rapida y puntual", "es", {"delivery": Polarity.POSITIVE}),
    Example("todo bien", "es", {}),
    Example("all good thanks", "en", {}),
    Example("el camion no llego a la obra", "es", {"delivery": Polarity.NEGATIVE}),
    Example("cobro de mas en el recibo", "es", {"billing": Polarity.NEGATIVE}),
]
TEXTS = [
    ("me cobraron doble la factura", "es"),
    ("the delivery was late", "en"),
    ("fast delivery but the invoice was wrong", "en"),
    ("rien", "fr"),
    ("", "es"),
]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.fit(SMALL, themes=("billing", "delivery"))


def test_a_model_read_back_gives_the_same_tags_and_confidences(tagger):
    again = model_file.loads(model_file.dumps(tagger))
    before, after = tagger.tag_many(TEXTS), again.tag_many(TEXTS)
    assert [r.tags and [(t.theme, t.polarity) for t in r.tags] for r in before] == [
        r.tags and [(t.theme, t.polarity) for t in r.tags] for r in after
    ]
    assert [r.language_known for r in before] == [r.language_known for r in after]
    for old, new in zip(before, after, strict=True):
        for a, b in zip(old.tags, new.tags, strict=True):
            assert b.confidence == pytest.approx(a.confidence, abs=1e-5)
    assert again.thresholds == tagger.thresholds and again.themes == tagger.themes


def test_bytes_that_are_not_a_model_are_refused_with_a_clear_error():
    for junk in (b"", b"not a model", b"PK\x03\x04garbage"):
        with pytest.raises(model_file.ModelFileError):
            model_file.loads(junk)


def test_a_model_holding_a_pickle_is_refused_rather_than_unpickled(tagger):
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array([{"format": 1}], dtype=object))
    with pytest.raises(model_file.ModelFileError):
        model_file.loads(buffer.getvalue())


def test_weights_that_do_not_match_the_vocabulary_are_refused(tagger):
    stored = dict(np.load(io.BytesIO(model_file.dumps(tagger)), allow_pickle=False))
    stored["detector_weights"] = stored["detector_weights"][:-1]
    buffer = io.BytesIO()
    np.savez(buffer, **stored)
    with pytest.raises(model_file.ModelFileError, match="do not match"):
        model_file.loads(buffer.getvalue())
