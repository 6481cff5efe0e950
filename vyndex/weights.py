"""Weighting methods: turn market data into target weights an index manager can propose.

Every method returns basis points summing to exactly 10,000, in the order of its input, ready for
`Rebalancer.set_targets`. Arithmetic is exact (`fractions.Fraction`) until the final rounding, so
results are deterministic across machines.

Caps and floors follow the index providers' iterative capping: weights above the cap are set to
the cap and the excess is spread over the uncapped names in proportion to their (original)
weights, repeated until nothing is above the cap; floors are the mirror image. With both, the
fixed point of that iteration is ``w_i = clip(lam * raw_i, floor, cap)`` with the one `lam` that
makes the weights sum to 1; `cap_and_floor` solves for it exactly, so no order of capping and
flooring can leave a name pinned that should not be. The final rounding to bps uses the
largest-remainder method, ties broken by position, so the sum is always 10,000.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from fractions import Fraction

from vyndex.constants import BPS

Number = int | float | Fraction


class WeightError(ValueError):
    """Inputs that cannot produce valid weights; the message names what is wrong."""


def _fraction(x: Number, what: str) -> Fraction:
    if isinstance(x, float) and not math.isfinite(x):
        raise WeightError(f"{what} must be finite, got {x}")
    return Fraction(x) if not isinstance(x, float) else Fraction(str(x))


def _normalize(raw: Sequence[Fraction]) -> list[Fraction]:
    total = sum(raw, Fraction(0))
    if total <= 0:
        raise WeightError("inputs sum to zero: nothing to weight by")
    return [r / total for r in raw]


def cap_and_floor(
    weights: Sequence[Number], cap: Number | None = None, floor: Number | None = None
) -> list[Fraction]:
    """Applies a per-component cap and floor (fractions of 1) by iterative redistribution.

    Excess above the cap goes to the names below it in proportion to their weights; the shortfall
    under the floor is taken from the names above it in proportion to their excess over the
    floor. Raises WeightError if no weights can satisfy both (cap * n < 1 or floor * n > 1).
    """
    w = _normalize([_fraction(x, "weight") for x in weights])
    n = len(w)
    cap_f = _fraction(cap, "cap") if cap is not None else None
    floor_f = _fraction(floor, "floor") if floor is not None else None
    if cap_f is not None and not 0 < cap_f <= 1:
        raise WeightError(f"cap must be in (0, 1], got {float(cap_f)}")
    if floor_f is not None and not 0 <= floor_f < 1:
        raise WeightError(f"floor must be in [0, 1), got {float(floor_f)}")
    if cap_f is not None and cap_f * n < 1:
        raise WeightError(f"cap {float(cap_f)} is infeasible for {n} components (cap x n < 1)")
    if floor_f is not None and floor_f * n > 1:
        raise WeightError(f"floor {float(floor_f)} is infeasible for {n} components (floor x n > 1)")
    if cap_f is not None and floor_f is not None and floor_f > cap_f:
        raise WeightError("floor is above cap")

    out = _clip_to_one(w, floor_f or Fraction(0), cap_f or Fraction(1))
    if sum(out, Fraction(0)) != 1:
        raise WeightError("cap is infeasible: the names it leaves below the cap have zero weight")
    return out


def _clip_to_one(raw: list[Fraction], lo: Fraction, hi: Fraction) -> list[Fraction]:
    """``clip(lam * raw_i, lo, hi)`` for the `lam` at which they sum to 1 (feasibility, n * lo <= 1
    <= n * hi, is the caller's). The sum is nondecreasing and piecewise linear in `lam`, with
    corners where a name reaches a bound: walk the corners to the segment that reaches 1, then
    solve that segment's line exactly."""

    def clip(x: Fraction) -> Fraction:
        return min(max(x, lo), hi)

    def total(lam: Fraction) -> Fraction:
        return sum((clip(lam * r) for r in raw), Fraction(0))

    corners = sorted({b / r for r in raw if r > 0 for b in (lo, hi) if b > 0})
    prev = Fraction(0)
    for corner in [*corners, None]:
        if corner is not None and total(corner) < 1:
            prev = corner
            continue
        # On [prev, corner] the names strictly between their bounds grow linearly with lam.
        probe = prev + 1 if corner is None else (prev + corner) / 2
        slope = sum((r for r in raw if lo < probe * r < hi), Fraction(0))
        base = total(prev)
        lam = prev if slope == 0 else prev + (1 - base) / slope
        return [clip(lam * r) for r in raw]
    raise AssertionError("unreachable: the last segment is open-ended")  # pragma: no cover


def to_bps(weights: Sequence[Fraction]) -> list[int]:
    """Rounds fractions of 1 to whole bps summing to exactly 10,000 (largest remainder)."""
    scaled = [x * BPS for x in _normalize(list(weights))]
    floors = [math.floor(x) for x in scaled]
    short = BPS - sum(floors)
    by_remainder = sorted(range(len(scaled)), key=lambda i: (-(scaled[i] - floors[i]), i))
    for i in by_remainder[:short]:
        floors[i] += 1
    return floors


def equal(n: int, cap: Number | None = None, floor: Number | None = None) -> list[int]:
    """Equal weights for `n` components, in bps."""
    if n < 1:
        raise WeightError("equal weighting needs at least one component")
    return to_bps(cap_and_floor([1] * n, cap, floor))


def market_cap(caps: Sequence[Number], cap: Number | None = None, floor: Number | None = None) -> list[int]:
    """Weights proportional to market capitalisation (or any size measure), in bps."""
    if any(_fraction(c, "market cap") < 0 for c in caps):
        raise WeightError("market caps must not be negative")
    return to_bps(cap_and_floor(caps, cap, floor))


def liquidity(depths: Sequence[Number], cap: Number | None = None, floor: Number | None = None) -> list[int]:
    """Weights proportional to on-chain liquidity (e.g. pool depth in USD), in bps."""
    if any(_fraction(d, "liquidity") < 0 for d in depths):
        raise WeightError("liquidity must not be negative")
    return to_bps(cap_and_floor(depths, cap, floor))


def inverse_volatility(
    volatilities: Sequence[Number], cap: Number | None = None, floor: Number | None = None
) -> list[int]:
    """Weights proportional to 1 / volatility, in bps."""
    vols = [_fraction(v, "volatility") for v in volatilities]
    if any(v <= 0 for v in vols):
        raise WeightError("volatilities must be positive")
    return to_bps(cap_and_floor([1 / v for v in vols], cap, floor))


def volatility(prices: Sequence[float], periods_per_year: float = 365.0) -> float:
    """Annualised volatility of log returns of a price series (sample standard deviation)."""
    if len(prices) < 3:
        raise WeightError("volatility needs at least three prices")
    if any(p <= 0 for p in prices):
        raise WeightError("prices must be positive")
    returns = [math.log(b / a) for a, b in itertools.pairwise(prices)]
    mean = sum(returns) / len(returns)
    var = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)
    return math.sqrt(var * periods_per_year)


METHODS = ("equal", "market_cap", "inverse_volatility", "liquidity")
