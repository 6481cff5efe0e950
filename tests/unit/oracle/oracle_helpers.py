"""Constants and checks shared by the oracle adapter's tests (imported by module name).

Expected reverts are checked with `eth_call` and `skip_trace=True` (setters through `.call`): the
same code and the same reason as a transaction, without the call trace ape-foundry fetches and
prints for every failed transaction (about 0.5 s each, which would dominate this suite).
"""

from __future__ import annotations

from typing import Any

import ape

USD = "0x0000000000000000000000000000000000000348"
HOUR = 3_600
DAY = 86_400
ETH_ANSWER = 2_000 * 10**8  # $2,000.00000000 on an 8-decimal feed

# Reason codes (OracleAdapter STATUS_*) and the revert string of each.
OK = 0
UNKNOWN_ASSET = 1
NO_ANSWER = 2
ZERO_UPDATED_AT = 3
FUTURE_UPDATED_AT = 4
STALE = 5
BELOW_LOWER_BOUND = 6
ABOVE_UPPER_BOUND = 7
SECONDARY_FAILED = 8
DEVIATION = 9
SEQUENCER_DOWN = 10
SEQUENCER_GRACE_PERIOD = 11

REASONS = {
    UNKNOWN_ASSET: "oracle: unknown asset",
    NO_ANSWER: "oracle: no answer",
    ZERO_UPDATED_AT: "oracle: zero updatedAt",
    FUTURE_UPDATED_AT: "oracle: future updatedAt",
    STALE: "oracle: stale price",
    BELOW_LOWER_BOUND: "oracle: price below lower bound",
    ABOVE_UPPER_BOUND: "oracle: price above upper bound",
    SECONDARY_FAILED: "oracle: secondary feed failed",
    DEVIATION: "oracle: feeds deviate",
    SEQUENCER_DOWN: "oracle: sequencer down",
    SEQUENCER_GRACE_PERIOD: "oracle: sequencer grace period",
}


def assert_fails(oracle_adapter: Any, asset: Any, code: int) -> None:
    """`price` reverts with the reason of `code`, and `price_status` reports `code` without reverting."""
    _, usable, got = oracle_adapter.price_status(asset)
    assert (usable, got) == (False, code)
    with ape.reverts(REASONS[code]):
        oracle_adapter.price(asset, skip_trace=True)


def assert_usable(oracle_adapter: Any, asset: Any, expected_price: int) -> None:
    """`price` returns `expected_price`, and `price_status` agrees with code 0."""
    assert oracle_adapter.price_status(asset) == (expected_price, True, OK)
    assert oracle_adapter.price(asset) == expected_price
