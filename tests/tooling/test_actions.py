"""Mint/redeem planning, user-input parsing and the status report, in process."""

from __future__ import annotations

import pytest
from rich.console import Console

from vyndex.actions import (
    ActionError,
    describe_amounts,
    execute,
    parse_amount,
    parse_slippage,
    plan_mint,
    plan_redeem,
)
from vyndex.cli.console import render_plan, render_status
from vyndex.keeper.chain import ApeKeeperChain
from vyndex.reference import multicall3
from vyndex.reference.multicall3 import count_requests
from vyndex.status import as_json, collect
from vyndex.venues import check_upkeep


@pytest.mark.parametrize(
    ("text", "decimals", "expected"),
    [("10", 18, 10 * 10**18), ("0.5", 6, 500_000), ("1_000.25", 2, 100_025), ("1e-18", 18, 1)],
)
def test_parse_amount__exact(text, decimals, expected):
    assert parse_amount(text, decimals) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [("0.0000000000000000001", "more than 18 decimals"), ("0", "above zero"), ("ten", "not an")],
)
def test_parse_amount__refused(text, words):
    with pytest.raises(ActionError, match=words):
        parse_amount(text)


@pytest.mark.parametrize(("text", "bps"), [("0.5%", 50), ("1%", 100), ("25bps", 25), ("0%", 0)])
def test_parse_slippage(text, bps):
    assert parse_slippage(text) == bps


@pytest.mark.parametrize("text", ["0.5", "0.005%", "60%", "x%"])
def test_parse_slippage__refused(text):
    with pytest.raises(ActionError):
        parse_slippage(text)


def test_plan_mint__short_balance__named_per_component_and_nothing_sent(deployed, stranger):
    plan = plan_mint(deployed, stranger.address, 10 * 10**18, 50)
    problems = plan.problems()
    assert [p.split(":")[0] for p in problems] == [
        "short balance of WETH",
        "short balance of WBTC",
        "short balance of USDC",
    ]
    assert "need 200.2, have 0" in problems[2]
    nonce = stranger.nonce
    with pytest.raises(ActionError, match="short balance of WETH"):
        execute(deployed, plan, stranger, echo=lambda _: None)
    assert stranger.nonce == nonce


def test_plan_mint__bounds_round_up_and_allowance_checked(deployed, market, bob, funder):
    funder(deployed, market, bob, 11 * 10**18)
    plan = plan_mint(deployed, bob.address, 10 * 10**18, 100)
    assert [leg.bound for leg in plan.legs] == [
        a + (a * 100 + 9_999) // 10_000 for a in deployed.vault.preview_mint(10 * 10**18)
    ]
    assert plan.problems() == []
    assert [p.split(":")[0] for p in plan.problems(approve=False)] == [
        "short allowance of WETH",
        "short allowance of WBTC",
        "short allowance of USDC",
    ]
    receipt = execute(deployed, plan, bob, echo=lambda _: None)
    assert deployed.vault.balanceOf(bob) == 10 * 10**18
    assert receipt.status == 1


def test_plan_redeem__more_than_held__refused(minted, alice):
    plan = plan_redeem(minted, alice.address, 1_001 * 10**18, 50)
    assert plan.problems() == ["short balance of index tokens: redeeming 1001, have 1000"]
    assert [leg.bound for leg in plan.legs] == [
        a - (a * 50 + 9_999) // 10_000 for a in minted.vault.preview_redeem(1_001 * 10**18)
    ]


def test_render_plan__lists_every_component(minted, alice):
    console = Console(record=True, width=140)
    console.print(render_plan(plan_redeem(minted, alice.address, 10**18, 50), "VBLUE"))
    text = console.export_text()
    assert "redeem 1 VBLUE: preview (slippage 0.50%)" in text
    assert all(s in text for s in ("WETH", "WBTC", "USDC", "at least"))


def test_status__stale_feed__reported_not_raised(minted, chain):
    chain.mine(timestamp=chain.blocks.head.timestamp + 2 * 3600)
    status = collect(minted)
    weth = status.components[0]
    assert not weth.feed.usable and weth.feed.reason == "stale price" and weth.feed.age_s >= 7200
    assert status.nav_usd is None and weth.value_usd is None
    assert status.components[2].feed.usable  # USDC's limit is a day
    console = Console(record=True, width=140)
    console.print(render_status(status))
    text = console.export_text()
    assert "stale price" in text and "unknown: a price fails its checks" in text
    assert as_json(status)["components"][0]["feed"]["reason"] == "stale price"


def test_status__fees_accrue_and_last_rebalance_shows(drifted, keeper, chain):
    proposal = check_upkeep(drifted.rebalancer)
    drifted.rebalancer.performUpkeep(proposal.data, sender=keeper)
    chain.mine(timestamp=chain.blocks.head.timestamp + 30 * 86_400)
    status = collect(drifted)
    assert status.fees.accrued_shares > 0  # a month of the 1% management fee
    assert status.rebalance.plan_started_at is not None and status.rebalance.trades == 1


@pytest.mark.parametrize("stale", [False, True])
def test_status__through_multicall3__two_eth_calls_and_the_report_of_one_call_each(
    drifted, chain, monkeypatch, stale
):
    if stale:  # failing prices: the views that revert are left out, as one by one
        chain.mine(timestamp=chain.blocks.head.timestamp + 2 * 3600)
    with count_requests() as requests:
        batched = collect(drifted)
    assert requests["eth_call"] == 2
    monkeypatch.setattr(multicall3, "multicall3_ready", lambda: False)
    with count_requests() as requests:
        single = collect(drifted)
    assert requests["eth_call"] > 30
    assert as_json(batched) == as_json(single)
    assert (batched.nav_usd is None) == stale and batched.components[0].feed.deviation_bps is not None


def test_keeper_observe__through_multicall3__one_eth_call_and_the_same_observation(
    drifted, keeper, monkeypatch
):
    view = ApeKeeperChain(drifted, keeper)
    with count_requests() as requests:
        batched = view.observe()
    assert requests["eth_call"] == 1
    assert (
        batched.upkeep.needed and batched.drift_bps is not None and batched.drift_bps > batched.threshold_bps
    )
    monkeypatch.setattr(multicall3, "multicall3_ready", lambda: False)
    assert view.observe() == batched


def test_describe_amounts():
    assert describe_amounts([1500, 2], [3, 0], ["A", "B"]) == "1.5 A, 2 B"
