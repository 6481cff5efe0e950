"""The vault valued through the adapter (by the Rebalancer's total_value and nav_per_share, where the
valuation lives now): exact sums, failures surfacing with the adapter's reason, and mint/redeem
that never touch the adapter."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from oracle_helpers import HOUR, REASONS, STALE, UNKNOWN_ASSET

from vyndex.venues import Lens, deploy_rebalancer

SHARES = 5 * 10**18
# Per whole index token (conftest basket): 0.01 WETH at $2,000 + 30 USDC at $0.9998 + 0.0005 WBTC at
# $60,000 = $20 + $29.994 + $30.
NAV = 79_994 * 10**15


@pytest.fixture(scope="module")
def vault_feeds(create_feed):
    return [
        create_feed(8, 2_000 * 10**8, "ETH / USD"),
        create_feed(8, 99_980_000, "USDC / USD"),
        create_feed(18, 60_000 * 10**18, "BTC / USD"),
    ]


@pytest.fixture(scope="module")
def valued_vault(vault, oracle_adapter, vault_feeds, basket_tokens, basket_units, fund, owner, alice):
    """The conftest vault with 5 index tokens held by alice, its components priced by the adapter."""
    for token, feed in zip(basket_tokens, vault_feeds, strict=True):
        oracle_adapter.set_feed(token, feed, HOUR, sender=owner)
    amounts = [SHARES * unit // 10**18 for unit in basket_units]
    fund(alice, basket_tokens, amounts, vault)
    vault.mint(SHARES, alice, amounts, sender=alice)
    return vault


@pytest.fixture(scope="module")
def adapter_valuer(valued_vault, oracle_adapter, owner):
    """A Rebalancer over the valued vault with the adapter as its oracle (no venue)."""
    rebalancer = deploy_rebalancer(
        owner,
        valued_vault,
        oracle_adapter,
        [],
        drift_threshold_bps=100,
        max_slippage_bps=100,
        trade_cap_usd_wad=1_000 * 10**18,
        min_trade_usd_wad=10**18,
        cooldown=300,
        plan_ttl=86_400,
    )
    valued_vault.set_rebalancer(rebalancer, sender=owner)
    return rebalancer


def called_addresses(chain: Any, txn_hash: str) -> set[str]:
    """Every address a transaction called, at any depth (Anvil's callTracer)."""
    frame = chain.provider.make_request("debug_traceTransaction", [txn_hash, {"tracer": "callTracer"}])
    seen: set[str] = set()
    stack = [frame]
    while stack:
        node = stack.pop()
        seen.add(node["to"].lower())
        stack.extend(node.get("calls", []))
    return seen


def test_total_value__vault_priced_by_adapter__equals_hand_computed_sum(adapter_valuer):
    assert Lens(adapter_valuer).nav_per_share() == NAV
    assert Lens(adapter_valuer).total_value() == 5 * NAV == 399_970 * 10**15


def test_total_value__feed_removed__reverts_with_adapter_reason_and_redeem_still_works(
    valued_vault, adapter_valuer, oracle_adapter, basket_tokens, basket_units, owner, alice
):
    oracle_adapter.remove_feed(basket_tokens[1], sender=owner)
    with ape.reverts(REASONS[UNKNOWN_ASSET]):
        Lens(adapter_valuer).total_value(skip_trace=True)
    with ape.reverts(REASONS[UNKNOWN_ASSET]):
        Lens(adapter_valuer).nav_per_share(skip_trace=True)

    before = [t.balanceOf(alice) for t in basket_tokens]
    valued_vault.redeem(2 * 10**18, alice, [0, 0, 0], sender=alice)
    after = [t.balanceOf(alice) for t in basket_tokens]
    assert [a - b for a, b in zip(after, before, strict=True)] == [2 * u for u in basket_units]
    assert valued_vault.balanceOf(alice) == 3 * 10**18


def test_mint_and_redeem__stale_and_broken_feeds__never_call_the_adapter(
    chain,
    valued_vault,
    adapter_valuer,
    oracle_adapter,
    vault_feeds,
    basket_tokens,
    basket_units,
    fund,
    now,
    warp,
    owner,
    alice,
    bob,
):
    vault_feeds[2].set_reverting(True, sender=owner)
    warp(now() + HOUR + 1)  # the other two are stale now
    with ape.reverts(REASONS[STALE]):
        Lens(adapter_valuer).total_value(skip_trace=True)

    fund(bob, basket_tokens, basket_units, valued_vault)
    minted = valued_vault.mint(10**18, bob, basket_units, sender=bob)
    redeemed = valued_vault.redeem(10**18, alice, basket_units, sender=alice)

    assert valued_vault.balanceOf(bob) == 10**18
    assert valued_vault.balanceOf(alice) == SHARES - 10**18
    for receipt in (minted, redeemed):
        called = called_addresses(chain, receipt.txn_hash)
        assert basket_tokens[0].address.lower() in called  # the trace sees the component calls
        assert oracle_adapter.address.lower() not in called
        assert adapter_valuer.address.lower() not in called
