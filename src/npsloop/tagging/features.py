"""The tagger's features, word and character n-grams weighed by TF-IDF, fitted with scikit-learn and then applied
without it: scikit-learn's transform checks its input on every call, which for one comment costs ten times the
arithmetic, and the worker tags one comment at a time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from npsloop.tagging.lexicon import concepts


def fitting_union() -> FeatureUnion:
    """The features to fit: what `Vectors.of` turns into the fast form."""
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)),
            ("concepts", TfidfVectorizer(analyzer=concepts, sublinear_tf=True)),
        ]
    )


@dataclass(frozen=True)
class Block:
    """One fitted vectorizer: its analyzer, vocabulary, idf weights, and where its columns start."""

    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int


@dataclass(frozen=True)
class Vectors:
    """The same rows a fitted `fitting_union()` gives (each block: 1 + log(count) times idf, L2-normalised)."""

    blocks: tuple[Block, ...]
    width: int

    @classmethod
    def of(cls, union: FeatureUnion) -> Vectors:
        blocks, offset = [], 0
        for _, vectorizer in union.transformer_list:
            blocks.append(Block(vectorizer.build_analyzer(), dict(vectorizer.vocabulary_), vectorizer.idf_, offset))
            offset += len(vectorizer.vocabulary_)
        return cls(tuple(blocks), offset)

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        data: list[float] = []
        indices: list[int] = []
        pointers = [0]
        for text in texts:
            for block in self.blocks:
                counts = Counter(
                    column for term in block.analyzer(text) if (column := block.vocabulary.get(term)) is not None
                )
                if not counts:
                    continue
                columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
                values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * (
                    block.idf[columns]
                )
                values /= np.sqrt(np.dot(values, values))
                indices.extend((columns + block.offset).tolist())
                data.extend(values.tolist())
            pointers.append(len(indices))
        return csr_matrix((data, indices, pointers), shape=(len(texts), self.width))
