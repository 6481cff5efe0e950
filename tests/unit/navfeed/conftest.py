"""The NAV feed's world: a five-component vault (0, 2, 6, 8 and 18 decimals) priced through the
OracleAdapter by Chainlink-style feeds, alice holding 10 index tokens, and the feed over it.

Fixture names are unique across the suite (tests/test_fixture_names.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from navfeed_helpers import ANSWERS, DECIMALS, FEED_DECIMALS, HOUR, UNITS

MINTED = 10 * 10**18


@pytest.fixture(scope="module")
def nav_tokens(create_token):
    return [create_token(d, f"Component {d}", f"C{d}") for d in DECIMALS]


@pytest.fixture(scope="module")
def nav_aggregators(project, owner):
    return [
        owner.deploy(project.MockAggregator, fd, f"C{d} / USD", answer)
        for d, fd, answer in zip(DECIMALS, FEED_DECIMALS, ANSWERS, strict=True)
    ]


@pytest.fixture(scope="module")
def nav_adapter(project, owner, nav_tokens, nav_aggregators):
    adapter = owner.deploy(project.OracleAdapter)
    for token, feed in zip(nav_tokens, nav_aggregators, strict=True):
        adapter.set_feed(token, feed, HOUR, sender=owner)
    return adapter


@pytest.fixture(scope="module")
def nav_vault(create_vault, nav_tokens, nav_adapter, fund, owner, alice):
    vault = create_vault(nav_tokens, UNITS)
    amounts = [MINTED * unit // 10**18 for unit in UNITS]
    fund(alice, nav_tokens, amounts, vault)
    vault.mint(MINTED, alice, amounts, sender=alice)
    return vault


@pytest.fixture(scope="module")
def nav_feed(project, owner, nav_vault, nav_adapter):
    return owner.deploy(project.IndexNavFeed, nav_vault, nav_adapter, "VTI / USD NAV")


@pytest.fixture(scope="session")
def push_round(owner) -> Any:
    """Writes the next round of a MockAggregator: answer and updatedAt (= startedAt)."""

    def do(feed: Any, answer: int, updated_at: int) -> None:
        round_id = feed.latest_round() + 1
        feed.set_round(round_id, answer, updated_at, updated_at, round_id, sender=owner)

    return do
