"""One folder for the default comment model across the test run and the processes it starts: fitted once by
the first test that tags a comment, then loaded (a worker started by a test does not spend seconds fitting)."""

from __future__ import annotations

from pathlib import Path

MODEL_CACHE = Path(__file__).resolve().parents[2] / ".pytest_cache" / "npsloop-models"
MODEL_ENV = {"NPSLOOP_MODEL_CACHE_DIR": str(MODEL_CACHE)}
