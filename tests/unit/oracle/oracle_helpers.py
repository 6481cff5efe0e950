"""Constants and checks shared by the oracle adapter's tests (imported by module name).

Expected reverts are checked with `eth_call` and `skip_trace=True` (setters through `.call`): the
same code and the same reason as a transaction, without the call trace ape-foundry fetches and
prints for every failed transaction (about 0.5 s each, which would dominate this suite).
"""

from __future__ import annotations

from typing import Any

import ape

from vyndex.keeper.loop import ORACLE_REASONS, OracleStatus

USD = "0x0000000000000000000000000000000000000348"
HOUR = 3_600
DAY = 86_400
ETH_ANSWER = 2_000 * 10**8  # $2,000.00000000 on an 8-decimal feed

# Reason codes (OracleAdapter STATUS_*) and the revert string of each: vyndex's own table, which
# test_reason_tables.py checks against the contract.
OK = OracleStatus.OK
UNKNOWN_ASSET = OracleStatus.UNKNOWN_ASSET
NO_ANSWER = OracleStatus.NO_ANSWER
ZERO_UPDATED_AT = OracleStatus.ZERO_UPDATED_AT
FUTURE_UPDATED_AT = OracleStatus.FUTURE_UPDATED_AT
STALE = OracleStatus.STALE
BELOW_LOWER_BOUND = OracleStatus.BELOW_LOWER_BOUND
ABOVE_UPPER_BOUND = OracleStatus.ABOVE_UPPER_BOUND
SECONDARY_FAILED = OracleStatus.SECONDARY_FAILED
DEVIATION = OracleStatus.DEVIATION
SEQUENCER_DOWN = OracleStatus.SEQUENCER_DOWN
SEQUENCER_GRACE_PERIOD = OracleStatus.SEQUENCER_GRACE_PERIOD

REASONS = {code: f"oracle: {text}" for code, text in ORACLE_REASONS.items() if code != OK}


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
