"""The numbers every part of vyndex shares, defined once.

The contracts count in three units: basis points for weights, fees, slippage and drift
(``BPS``), 18-decimal fixed point for stored units, prices and USD values (``WAD``; a USD
amount on chain is a WAD, ``USD``), and base units of each token. The library, the
benchmarks and the tests import these names instead of writing the literals again.
"""

from __future__ import annotations

from typing import Final

BPS: Final = 10_000
"""One whole in basis points: 100% = 10_000 bps."""

WAD: Final = 10**18
"""One in 18-decimal fixed point: stored units, prices, the management fee rate."""

USD: Final = WAD
"""One US dollar as the contracts write USD amounts (18 decimals)."""

ZERO_ADDRESS: Final = "0x0000000000000000000000000000000000000000"
"""The zero address (`empty(address)` in Vyper): an unset role, feed or venue."""

MAX_UINT256: Final = 2**256 - 1
"""The largest uint256: an unlimited approval, a deadline that never passes, `max_in` with no cap."""

__all__ = ["BPS", "MAX_UINT256", "USD", "WAD", "ZERO_ADDRESS"]
