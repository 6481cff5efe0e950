"""Exact integer math of IndexVault, for the unit tests to compare against (never read back from
the contract under test), and the constants they share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vyndex.constants import BPS, WAD

YEAR = 365 * 86_400
STOCK = 10**30


def mint_cost(shares: int, unit: int, scale: int = WAD) -> int:
    """What minting `shares` takes of a component with stored `unit`: rounded up."""
    return -(-(shares * unit * scale) // (WAD * WAD))


def redeem_pay(shares: int, unit: int, scale: int = WAD) -> int:
    """What redeeming `shares` pays of a component with stored `unit`: rounded down."""
    return shares * unit * scale // (WAD * WAD)


def fee_on(shares: int, fee_bps: int) -> int:
    """Mint and redeem fees in shares: rounded up."""
    return -(-(shares * fee_bps) // BPS)


def balances(tokens: Sequence[Any], holder: Any) -> list[int]:
    return [t.balanceOf(holder) for t in tokens]
