"""How well an index tracks its methodology: pure arithmetic over a run's daily records.

The ideal index holds the target weights at no cost: rebalanced to its targets at every step's
prices for free, so its value moves by the target-weighted average of the assets' returns:
``ideal[d] = ideal[d-1] * sum_i w_i[d-1] * p_i[d] / p_i[d-1]`` where ``w[d-1]`` are the targets in
force over the day. The real index starts at the same value per share.

* tracking error: the annualized standard deviation of the daily differences of log returns
  (index minus ideal), in bps: ``std(diff) * sqrt(365) * 10_000`` (sample std, ddof 1);
* tracking difference: the total return gap at the end, in bps;
* drift: the largest absolute gap between a weight and its target, in bps.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from vyndex.constants import BPS

DAYS_PER_YEAR = 365.0


def ideal_path(
    start_value: float, prices: Sequence[Sequence[float]], targets: Sequence[Sequence[float]]
) -> list[float]:
    """The ideal index's value per share on each day. `targets[d]` (fractions summing to 1) are
    the weights held from day d to day d + 1; `prices[d][i]` is asset i's price on day d."""
    if len(targets) < len(prices) - 1:
        raise ValueError(f"need targets for {len(prices) - 1} days, got {len(targets)}")
    values = [start_value]
    for d in range(1, len(prices)):
        w = targets[d - 1]
        growth = sum(w[i] * prices[d][i] / prices[d - 1][i] for i in range(len(w)))
        values.append(values[-1] * growth)
    return values


def log_returns(values: Sequence[float]) -> list[float]:
    return [math.log(b / a) for a, b in itertools.pairwise(values)]


def tracking_error_bps(
    index: Sequence[float], ideal: Sequence[float], periods_per_year: float = DAYS_PER_YEAR
) -> float:
    """Annualized tracking error in bps (0 with fewer than two returns)."""
    if len(index) != len(ideal):
        raise ValueError(f"index has {len(index)} values, ideal {len(ideal)}")
    diffs = [a - b for a, b in zip(log_returns(index), log_returns(ideal), strict=True)]
    if len(diffs) < 2:
        return 0.0
    mean = sum(diffs) / len(diffs)
    var = sum((x - mean) ** 2 for x in diffs) / (len(diffs) - 1)
    return math.sqrt(var) * math.sqrt(periods_per_year) * BPS


def tracking_difference_bps(index: Sequence[float], ideal: Sequence[float]) -> float:
    """(index return - ideal return) over the whole run, in bps."""
    return (index[-1] / index[0] - ideal[-1] / ideal[0]) * BPS


def weights_of(values: Sequence[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values] if total > 0 else [0.0 for _ in values]


def drift_bps(weights: Sequence[float], targets: Sequence[float]) -> float:
    """The largest |weight - target| in bps."""
    return max(abs(w - t) for w, t in zip(weights, targets, strict=True)) * BPS
