"""The default model is fitted once per installation: the next process loads what the first one fitted, a damaged
or unwritable cache only costs a fit, and a new library version or seed fits again."""

import pytest
import sklearn

from npsloop.tagging import default_model
from npsloop.tagging.tagger import Tagger
from tests.unit.test_model_file import SMALL

COMMENT = ("me cobraron doble la factura", "es")


@pytest.fixture
def small_seed(monkeypatch):
    """The real seed takes seconds to fit; what is tested here is the caching around the fit."""
    fits = []

    def fit(examples, themes=("billing", "delivery")):
        fits.append(len(examples))
        return original(SMALL, themes)

    original = Tagger.fit
    monkeypatch.setattr(default_model.Tagger, "fit", staticmethod(fit))
    return fits


def test_the_second_load_reads_the_cached_model_instead_of_fitting(tmp_path, small_seed):
    first = default_model.load_default(tmp_path)
    [cached] = tmp_path.glob("tagger-*.npz")
    second = default_model.load_default(tmp_path)
    assert len(small_seed) == 1
    assert first.name == second.name == f"default-{default_model.default_key()}"
    assert second.tagger.tag(*COMMENT).themes == first.tagger.tag(*COMMENT).themes == ("billing",)
    assert cached.stat().st_size > 0


def test_a_damaged_cache_file_is_fitted_again_and_replaced(tmp_path, small_seed):
    (tmp_path / f"tagger-{default_model.default_key()}.npz").write_bytes(b"half a file")
    named = default_model.load_default(tmp_path)
    assert len(small_seed) == 1 and named.tagger.tag(*COMMENT).themes == ("billing",)
    default_model.load_default(tmp_path)
    assert len(small_seed) == 1  # the damaged file was replaced by a good one


def test_a_cache_that_cannot_be_written_still_gives_a_model(tmp_path, small_seed):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    assert default_model.load_default(blocked).tagger.tag(*COMMENT).themes == ("billing",)
    assert default_model.load_default(None).tagger.tag(*COMMENT).themes == ("billing",)


def test_another_library_version_is_another_key(monkeypatch):
    before = default_model.default_key()
    monkeypatch.setattr(sklearn, "__version__", "0.0.1")
    assert default_model.default_key() != before
