"""The oracle adapter's world: one adapter, mock Chainlink feeds and a clock to move.

Deployments are module-scoped; Ape reverts every test to the snapshot taken after them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from oracle_helpers import ETH_ANSWER, HOUR


@pytest.fixture(scope="module")
def oracle_adapter(project, owner):
    return owner.deploy(project.OracleAdapter)


@pytest.fixture(scope="module")
def create_feed(project, owner) -> Callable[..., Any]:
    """Deploys a MockAggregator; a non-zero `answer` becomes round 1, updated now."""

    def create(decimals: int = 8, answer: int = 0, description: str = "X / USD") -> Any:
        return owner.deploy(project.MockAggregator, decimals, description, answer)

    return create


@pytest.fixture(scope="module")
def weth(create_token):
    return create_token(18, "Wrapped Ether", "WETH")


@pytest.fixture(scope="module")
def eth_feed(create_feed):
    return create_feed(8, ETH_ANSWER, "ETH / USD")


@pytest.fixture(scope="module")
def priced(oracle_adapter, weth, eth_feed, owner):
    """The adapter with WETH priced by an 8-decimal feed at $2,000, stale after one hour."""
    oracle_adapter.set_feed(weth, eth_feed, HOUR, sender=owner)
    return oracle_adapter


@pytest.fixture(scope="session")
def now(chain) -> Callable[[], int]:
    """The timestamp views see: the head block's."""
    return lambda: chain.blocks.head.timestamp


@pytest.fixture(scope="session")
def warp(chain) -> Callable[[int], None]:
    """Mines a block at exactly `timestamp`, which views then see as block.timestamp."""

    def do(timestamp: int) -> None:
        chain.mine(timestamp=timestamp)

    return do


@pytest.fixture(scope="session")
def set_round(owner) -> Callable[..., None]:
    """Writes the next round of `feed`: answer, updatedAt and startedAt (default: updatedAt)."""

    def do(feed: Any, answer: int, updated_at: int, started_at: int | None = None) -> None:
        round_id = feed.latest_round() + 1
        start = updated_at if started_at is None else started_at
        feed.set_round(round_id, answer, start, updated_at, round_id, sender=owner)

    return do
