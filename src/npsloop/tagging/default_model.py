"""The default model (fitted on the seed shipped in the package), fitted once per installation rather than once
per process: fitting takes seconds of CPU, which a worker would otherwise spend before its first response. The
fitted model is kept in a cache folder under a key of everything that decides it (the seed, the tagging code,
the scikit-learn and NumPy versions), so an upgrade or a new seed fits again by itself."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import sklearn

from npsloop.tagging import model_file
from npsloop.tagging.tagger import SEED_FILES, Tagger, seed_examples

log = logging.getLogger(__name__)
CODE_FILES = ("tagger.py", "features.py", "lexicon.py", "normalize.py", "model_file.py")


@dataclass(frozen=True)
class NamedTagger:
    """A model and the name tags record as theirs (`responses.tagged_by`)."""

    name: str
    tagger: Tagger


def default_key() -> str:
    folder = resources.files("npsloop.tagging")
    digest = hashlib.sha256(f"{sklearn.__version__}|{np.__version__}".encode())
    for name in (*SEED_FILES, *CODE_FILES):
        digest.update(folder.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def is_cached(cache_dir: Path | None) -> bool:
    """Whether the default model of this release is fitted already (loading it then takes a fraction of a second):
    a process that must not spend minutes fitting (the API) asks first."""
    return cache_dir is not None and (cache_dir / f"tagger-{default_key()}.npz").is_file()


def load_default(cache_dir: Path | None) -> NamedTagger:
    """From the cache when it holds this key's model, else fitted and written there (atomically, so processes
    starting together never read half a file). A cache that cannot be read or written only costs the fit."""
    key = default_key()
    name = f"default-{key}"
    path = cache_dir / f"tagger-{key}.npz" if cache_dir is not None else None
    if path is not None and path.is_file():
        try:
            return NamedTagger(name, model_file.loads(path.read_bytes()))
        except (OSError, model_file.ModelFileError):
            log.warning("the cached default model could not be read; fitting it again", exc_info=True)
    tagger = Tagger.fit(seed_examples())
    if path is not None:
        _write(path, model_file.dumps(tagger))
    return NamedTagger(name, tagger)


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tagger-", delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)
    except OSError:
        log.warning("the default model could not be cached", exc_info=True)
