"""DESIGN invariant 4 under a hostile keeper: whatever it calls, with whatever arguments and
with an attacker moving the pools around it, the vault loses at most max slippage times the
trade cap per trade, and at most floor(n / 2) trades fit in one cooldown window."""

from __future__ import annotations

import contextlib

from eth_abi import encode
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from vyndex.constants import USD

from .conftest import COOLDOWN, SLIPPAGE_BPS, TRADE_CAP_USD, amount_of, give, holdings_value

SYMBOLS = ("WETH", "USDC", "WBTC")
TARGETS = [5000, 3000, 2000]

# Indexes 0..2 are WETH, USDC, WBTC; 3 is out of range. The plan sells WBTC and USDC for WETH.
pushes = st.sampled_from([0, 5_000, 50_000, 300_000])  # the attacker's front-run, USD
planned_trade = st.tuples(
    st.just("trade"), st.sampled_from([2, 1]), st.just(0), st.integers(0, 1), st.just(600), pushes
)
any_trade = st.tuples(
    st.just("trade"),
    st.integers(0, 3),  # sell
    st.integers(0, 3),  # buy
    st.integers(0, 2),  # route: direct, via WETH, unknown
    st.sampled_from([-10, 0, 600, 3_600, 4_000]),  # deadline offset
    pushes,
)
perform_step = st.tuples(
    st.just("perform"),
    st.integers(0, 2),  # action (1 trade, others invalid)
    st.integers(0, 3),
    st.integers(0, 3),
    st.integers(0, 2),  # venue index (1 and 2 do not exist)
    st.sampled_from([0, 600, 10**12]),
)
other_step = st.sampled_from([("wait", 60), ("wait", COOLDOWN), ("wait", 2 * COOLDOWN)])
steps = st.lists(
    st.one_of(planned_trade, planned_trade, any_trade, perform_step, other_step), min_size=1, max_size=8
)


@settings(max_examples=10)
@given(plan=steps)
@example(
    plan=[
        ("trade", 2, 0, 0, 600, 50_000),
        ("trade", 1, 0, 0, 600, 5_000),
        ("wait", COOLDOWN),
        ("trade", 1, 0, 0, 600, 5_000),
        ("perform", 1, 2, 0, 0, 600),
        ("wait", COOLDOWN),
        ("perform", 1, 2, 0, 0, 600),
    ]
)
def test_compromised_keeper__any_calls__loss_bounded_by_slippage_times_cap(
    vault, rebalancer, adapter, uni, tokens, manager, keeper, attacker, chain, plan
):
    snapshot = chain.snapshot()
    try:
        rebalancer.set_targets(TARGETS, sender=manager)
        start_time = chain.pending_timestamp
        value_before = holdings_value(vault, adapter)
        trades = 0
        for step in plan:
            kind = step[0]
            if kind == "wait":
                chain.pending_timestamp += step[1]
                continue
            if kind == "trade":
                _, sell, buy, route, offset, push_usd = step
                sandwich = push_usd > 0 and sell < 3 and buy < 3 and sell != buy
                if sandwich:
                    # Front-run: the attacker buys what the vault would buy, with what it would sell.
                    src, dst = tokens[SYMBOLS[sell]], tokens[SYMBOLS[buy]]
                    amount = amount_of(SYMBOLS[sell], push_usd)
                    give(uni, src, attacker, amount)
                    src.approve(uni.router, amount, sender=attacker)
                    uni.router.swapExactTokensForTokens(
                        amount, 0, [src, dst], attacker, 2**64, sender=attacker
                    )
                with contextlib.suppress(Exception):
                    receipt = rebalancer.trade(
                        sell, buy, 0, route, 0, chain.pending_timestamp + offset, sender=keeper
                    )
                    trades += len(receipt.events.filter(rebalancer.Trade))
                if sandwich:
                    # Back-run: sell it all back.
                    back = dst.balanceOf(attacker)
                    dst.approve(uni.router, back, sender=attacker)
                    uni.router.swapExactTokensForTokens(back, 0, [dst, src], attacker, 2**64, sender=attacker)
                continue
            _, action, sell, buy, venue, offset = step
            data = encode(
                ["uint256"] * 6,
                [action, sell, buy, venue, 0, max(chain.pending_timestamp + offset - 600, 0)],
            )
            with contextlib.suppress(Exception):
                receipt = rebalancer.performUpkeep(data, sender=keeper)
                trades += len(receipt.events.filter(rebalancer.Trade))

        loss = value_before - holdings_value(vault, adapter)
        event(f"trades: {trades}")
        # Rounding of three components' values: a few wei of USD each.
        assert loss <= trades * TRADE_CAP_USD * SLIPPAGE_BPS // 10_000 + USD // 1_000
        windows = (chain.pending_timestamp - start_time) // COOLDOWN + 1
        assert trades <= windows * (len(SYMBOLS) // 2)
    finally:
        chain.restore(snapshot)
