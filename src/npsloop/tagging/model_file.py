"""A fitted tagger as bytes and back: how the default model is kept between processes (fitting it takes seconds,
loading it a fraction of one) and how trained models are stored, versioned, in the database.

NumPy's own format without pickles (`allow_pickle=False`): loading a stored model can never run code, whoever
wrote the bytes. Only what fitting learned is kept (each block's vocabulary and idf, the weights, thresholds and
theme keys); the analyzers are rebuilt from `fitting_union()`, so a model and the code that reads it agree."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from npsloop.tagging.features import Block, Vectors, fitting_union
from npsloop.tagging.tagger import Linear, Tagger

FORMAT = 1


class ModelFileError(ValueError):
    """The bytes are not a tagger this code can read (another format, another feature layout, damaged)."""


def dumps(tagger: Tagger) -> bytes:
    features, themes, detectors, thresholds, polarities = tagger.parts()
    arrays: dict[str, Any] = {
        "meta": np.array(json.dumps({"format": FORMAT, "themes": list(themes), "blocks": len(features.blocks)})),
        "thresholds": np.asarray(thresholds, dtype=np.float64),
        "detector_weights": detectors.weights.astype(np.float32),
        "detector_bias": detectors.bias,
        "polarity_weights": polarities.weights.astype(np.float32),
        "polarity_bias": polarities.bias,
    }
    for index, block in enumerate(features.blocks):
        terms = sorted(block.vocabulary, key=block.vocabulary.__getitem__)
        arrays[f"terms_{index}"] = np.array(terms, dtype=str)
        arrays[f"idf_{index}"] = block.idf
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def loads(data: bytes) -> Tagger:
    """Any damage is a ModelFileError: the bytes come from a file or a database row, never trusted."""
    try:
        return _read(data)
    except ModelFileError:
        raise
    except Exception as error:  # a damaged zip, an array of the wrong kind or shape: whatever NumPy raises
        raise ModelFileError(f"not a tagger model: {type(error).__name__}") from error


def _read(data: bytes) -> Tagger:
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        meta = json.loads(str(stored["meta"]))
        vectorizers = [vectorizer for _, vectorizer in fitting_union().transformer_list]
        if meta.get("format") != FORMAT or meta.get("blocks") != len(vectorizers):
            raise ModelFileError(f"model format {meta.get('format')} with {meta.get('blocks')} feature blocks")
        blocks, offset = [], 0
        for index, vectorizer in enumerate(vectorizers):
            terms = stored[f"terms_{index}"].tolist()
            vocabulary = {term: column for column, term in enumerate(terms)}
            blocks.append(Block(vectorizer.build_analyzer(), vocabulary, stored[f"idf_{index}"], offset))
            offset += len(terms)
        detectors = Linear(stored["detector_weights"].astype(np.float64), stored["detector_bias"])
        polarities = Linear(stored["polarity_weights"].astype(np.float64), stored["polarity_bias"])
        thresholds = stored["thresholds"].tolist()
        themes = [str(theme) for theme in meta["themes"]]
    if detectors.weights.shape != (offset, len(themes)) or polarities.weights.shape != (offset, len(themes)):
        raise ModelFileError("model weights do not match its vocabulary and themes")
    return Tagger(Vectors(tuple(blocks), offset), themes, detectors, thresholds, polarities)
