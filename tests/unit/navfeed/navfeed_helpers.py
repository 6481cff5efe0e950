"""Constants and the NAV computed in Python for the NAV feed's tests (imported by module name).

The expected NAV is computed from the units and the feed answers each test set up, with the
formula of the feed's header, never read back from the contract under test.
"""

from __future__ import annotations

from collections.abc import Sequence

from eth_abi import decode

from vyndex.constants import WAD

USD = "0x0000000000000000000000000000000000000348"
HOUR = 3_600
ERROR_SELECTOR = bytes.fromhex("08c379a0")

# Five components of 0, 2, 6, 8 and 18 decimals, each on a feed of other decimals with an answer
# that does not divide evenly, so every floor in the formula matters.
DECIMALS = [0, 2, 6, 8, 18]
UNITS = [3, 12_345, 30_000_017, 50_001, 10**16 + 7]  # base units per whole index token
FEED_DECIMALS = [8, 18, 6, 8, 0]
ANSWERS = [1_234_567_891, 3 * 10**17 + 1, 999_871, 6_123_456_789_012, 2_001]

BUSY = 20
ZERO_NAV = 21


def price18(answer: int, feed_decimals: int) -> int:
    """The adapter's price: USD per whole token, 18 decimals."""
    return answer * 10 ** (18 - feed_decimals)


def expected_nav(
    units: Sequence[int], decimals: Sequence[int], prices: Sequence[int], scale: int = WAD
) -> int:
    """sum(stored_i * scale // 1e18 * price_i // 1e18), stored_i = unit_i * 10**(18 - decimals_i)."""
    nav = 0
    for unit, dec, price in zip(units, decimals, prices, strict=True):
        stored = unit * 10 ** (18 - dec)
        nav += stored * scale // WAD * price // WAD
    return nav


def revert_reason(data: bytes) -> str:
    """The string of an Error(string) revert payload."""
    assert data[:4] == ERROR_SELECTOR, f"not an Error(string) revert: {data.hex()}"
    return str(decode(["string"], data[4:])[0])
