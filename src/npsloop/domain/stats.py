"""Order statistics for durations. Linear interpolation between ranks (the method spreadsheets call
PERCENTILE.INC), so a supervisor can check a median by hand."""

from __future__ import annotations

from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """None for no values: a median of nothing is not zero."""
    if not 0 <= q <= 100:
        raise ValueError("q must lie in [0, 100]")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
