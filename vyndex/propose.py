"""Target weights from market data, checked against an index's basket, ready to propose.

The manager's side of `vyndex.weights`: read per-component inputs (a YAML/JSON mapping from
component symbol to a number, or for inverse volatility to a number or a price series), compute
weights with a method, and check them against what `Rebalancer.set_targets` accepts (one weight
per component in basket order, each at most 10,000 bps, summing to exactly 10,000) before any
transaction is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from vyndex import weights as W
from vyndex.constants import BPS


class ProposalError(ValueError):
    """Inputs that cannot become a valid proposal; the message names what is wrong."""


@dataclass(frozen=True)
class Proposal:
    method: str
    symbols: tuple[str, ...]
    weights_bps: tuple[int, ...]

    def rows(self, current: Sequence[int] | None = None) -> list[tuple[str, int | None, int]]:
        """(symbol, current target bps or None, proposed bps) per component."""
        now = list(current) if current is not None else [None] * len(self.symbols)
        return [(s, c, w) for s, c, w in zip(self.symbols, now, self.weights_bps, strict=True)]


def parse_fraction(text: str | float | int | None, what: str) -> Fraction | None:
    """'40%', '0.4' or 0.4 as a fraction of 1; None stays None."""
    if text is None:
        return None
    raw = str(text).strip()
    try:
        value = Fraction(raw[:-1]) / 100 if raw.endswith("%") else Fraction(raw)
    except ValueError:
        raise ProposalError(f"{what}: '{text}' is not a number or a percentage") from None
    if not 0 <= value <= 1:
        raise ProposalError(f"{what}: {text} is not between 0% and 100%")
    return value


def load_inputs(path: str | Path) -> dict[str, Any]:
    """The inputs file: a mapping from component symbol to its number (or price series)."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise ProposalError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ProposalError(f"{path}: not YAML/JSON ({exc})") from None
    if not isinstance(data, Mapping) or not data:
        raise ProposalError(f"{path}: expected a mapping from component symbol to a number")
    return {str(k): v for k, v in data.items()}


def compute(
    method: str,
    symbols: Sequence[str],
    inputs: Mapping[str, Any],
    cap: Fraction | None = None,
    floor: Fraction | None = None,
) -> Proposal:
    """Weights for the basket `symbols` (in basket order) from `inputs` with `method`."""
    if method not in W.METHODS:
        raise ProposalError(f"unknown method '{method}' (one of: {', '.join(W.METHODS)})")
    lowered = {k.lower(): v for k, v in inputs.items()}
    missing = [s for s in symbols if s.lower() not in lowered]
    if method != "equal" and missing:
        raise ProposalError(f"inputs: no value for {', '.join(missing)}")
    extra = sorted(set(lowered) - {s.lower() for s in symbols})
    if extra:
        raise ProposalError(f"inputs: {', '.join(extra)} not in the basket ({', '.join(symbols)})")
    try:
        if method == "equal":
            bps = W.equal(len(symbols), cap, floor)
        else:
            values = [_value(method, s, lowered[s.lower()]) for s in symbols]
            bps = {
                "market_cap": W.market_cap,
                "liquidity": W.liquidity,
                "inverse_volatility": W.inverse_volatility,
            }[method](values, cap, floor)
    except W.WeightError as exc:
        raise ProposalError(str(exc)) from None
    check(bps, len(symbols))
    return Proposal(method=method, symbols=tuple(symbols), weights_bps=tuple(bps))


def _value(method: str, symbol: str, raw: Any) -> float:
    if method == "inverse_volatility" and isinstance(raw, list):
        try:
            return W.volatility([float(p) for p in raw])
        except (TypeError, ValueError) as exc:
            raise ProposalError(f"inputs.{symbol}: {exc}") from None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ProposalError(f"inputs.{symbol}: expected a number, got {raw!r}")
    return float(raw)


def check(weights_bps: Sequence[int], components: int) -> None:
    """What Rebalancer.set_targets would refuse, refused here first with the same words."""
    if len(weights_bps) != components:
        raise ProposalError(
            f"weights length mismatch: {len(weights_bps)} weights for {components} components"
        )
    if any(w < 0 or w > BPS for w in weights_bps):
        raise ProposalError("weight over 100%")
    if sum(weights_bps) != BPS:
        raise ProposalError(f"weights must sum to 10000, they sum to {sum(weights_bps)}")
