"""The rebalancer end to end against real Uniswap V2: plans, trades, bounds, and the vault's
own guarantees around them."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import ape
import pytest
from eth_abi import encode

from vyndex.constants import USD
from vyndex.sim.secondary import amount_in_to_reach
from vyndex.venues import Lens

from .conftest import (
    COOLDOWN,
    MIN_TRADE_USD,
    PRICES,
    SLIPPAGE_BPS,
    THRESHOLD_BPS,
    TRADE_CAP_USD,
    amount_of,
    give,
    holdings_value,
    run_keeper,
)

TARGETS = [5000, 3000, 2000]
ACTION_TRADE = 1


def upkeep(
    action: int, sell: int = 0, buy: int = 0, venue: int = 0, route: int = 0, deadline: int = 0
) -> bytes:
    return encode(["uint256"] * 6, [action, sell, buy, venue, route, deadline])


def test_rebalance__equal_to_50_30_20__every_weight_within_threshold(
    vault, rebalancer, adapter, manager, keeper, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    assert Lens(rebalancer).drift_bps() > THRESHOLD_BPS
    value_before = holdings_value(vault, adapter)

    receipts = run_keeper(rebalancer, keeper, chain)

    weights = list(Lens(rebalancer).weights())
    assert all(abs(w - t) <= THRESHOLD_BPS for w, t in zip(weights, TARGETS, strict=True)), weights
    trades = [r for r in receipts if r.events.filter(rebalancer.Trade)]
    # $10,000 of WETH to buy at $2,000 a trade: five trades and one plan, with a little slack.
    assert 5 <= len(trades) <= 8
    assert rebalancer.checkUpkeep.call(b"")[0] is False
    # Total cost stays inside the slippage bound on the traded notional.
    traded = sum(r.events.filter(rebalancer.Trade)[0].value_in_usd for r in trades)
    assert value_before - holdings_value(vault, adapter) <= traded * SLIPPAGE_BPS // 10_000


def test_trade__every_trade__receives_at_least_oracle_fair_less_slippage(
    vault, rebalancer, manager, keeper, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    for receipt in run_keeper(rebalancer, keeper, chain):
        for event in receipt.events.filter(rebalancer.Trade):
            assert event.value_in_usd <= TRADE_CAP_USD
            assert event.value_out_usd * 10_000 >= event.value_in_usd * (10_000 - SLIPPAGE_BPS) - 10_000
            assert event.slippage_bps <= SLIPPAGE_BPS


def test_trade__sandwich_beyond_bound__reverts_and_vault_keeps_everything(
    vault, rebalancer, manager, keeper, attacker, uni, tokens, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    needed, data = rebalancer.checkUpkeep.call(b"")
    assert needed
    balances = [tokens[s].balanceOf(vault) for s in ("WETH", "USDC", "WBTC")]
    # The plan sells WBTC (most overweight) for WETH: the attacker buys WETH with WBTC first,
    # making WETH about 2% dearer in the pool than the oracle says.
    wbtc_in = amount_of("WBTC", 100_000)
    give(uni, tokens["WBTC"], attacker, wbtc_in)
    tokens["WBTC"].approve(uni.router, wbtc_in, sender=attacker)
    uni.router.swapExactTokensForTokens(
        wbtc_in, 0, [tokens["WBTC"], tokens["WETH"]], attacker, 2**64, sender=attacker
    )

    with ape.reverts():
        rebalancer.performUpkeep(data, sender=keeper)

    assert [tokens[s].balanceOf(vault) for s in ("WETH", "USDC", "WBTC")] == balances


def test_trade__sandwich_inside_bound__vault_loss_within_slippage_of_notional(
    vault, rebalancer, adapter, manager, keeper, attacker, uni, tokens, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    _, data = rebalancer.checkUpkeep.call(b"")
    value_before = holdings_value(vault, adapter)
    # A small push (about 0.3%), inside what the bound tolerates together with fee and impact.
    wbtc_in = amount_of("WBTC", 15_000)
    give(uni, tokens["WBTC"], attacker, wbtc_in)
    tokens["WBTC"].approve(uni.router, wbtc_in, sender=attacker)
    uni.router.swapExactTokensForTokens(
        wbtc_in, 0, [tokens["WBTC"], tokens["WETH"]], attacker, 2**64, sender=attacker
    )

    receipt = rebalancer.performUpkeep(data, sender=keeper)

    event = receipt.events.filter(rebalancer.Trade)[0]
    loss = value_before - holdings_value(vault, adapter)
    assert loss <= event.value_in_usd * SLIPPAGE_BPS // 10_000 + USD // 100


def test_trade__second_trade_of_component_inside_cooldown__reverts(rebalancer, manager, keeper, chain):
    rebalancer.set_targets(TARGETS, sender=manager)
    deadline = chain.pending_timestamp + 600
    rebalancer.trade(2, 0, 0, 0, 0, deadline, sender=keeper)  # WBTC -> WETH
    with ape.reverts("rebalancer: buy component cooling down"):
        rebalancer.trade(1, 0, 0, 0, 0, deadline, sender=keeper)
    with ape.reverts("rebalancer: sell component cooling down"):
        rebalancer.trade(2, 1, 0, 0, 0, deadline, sender=keeper)
    chain.pending_timestamp += COOLDOWN
    rebalancer.trade(1, 0, 0, 0, 0, chain.pending_timestamp + 600, sender=keeper)


def test_trade__size__capped_at_trade_cap(rebalancer, manager, keeper, chain):
    rebalancer.set_targets(TARGETS, sender=manager)
    receipt = rebalancer.trade(2, 0, 0, 0, 0, chain.pending_timestamp + 600, sender=keeper)
    event = receipt.events.filter(rebalancer.Trade)[0]
    # WBTC is $8,000 over target: the $2,000 cap binds.
    assert TRADE_CAP_USD - USD <= event.value_in_usd <= TRADE_CAP_USD


def test_trade__size__closes_drift_without_overshooting(
    vault, rebalancer, owner, manager, keeper, chain, live_enact
):
    live_enact(rebalancer.set_limits, SLIPPAGE_BPS, 100_000 * USD, MIN_TRADE_USD, COOLDOWN, sender=owner)
    rebalancer.set_targets(TARGETS, sender=manager)
    receipt = rebalancer.trade(1, 0, 0, 0, 0, chain.pending_timestamp + 600, sender=keeper)
    event = receipt.events.filter(rebalancer.Trade)[0]
    # USDC is 33.3% of ~$60,000 against a 30% target: about $2,000 of excess, not the cap.
    assert 1_900 * USD <= event.value_in_usd <= 2_050 * USD
    assert Lens(rebalancer).weights()[1] >= TARGETS[1] - 1


def test_trade__caller_minimum_above_oracle_bound__tightens_and_reverts(rebalancer, manager, keeper, chain):
    rebalancer.set_targets(TARGETS, sender=manager)
    fair_weth = amount_of("WETH", 2_000)
    with ape.reverts():
        rebalancer.trade(2, 0, 0, 0, fair_weth, chain.pending_timestamp + 600, sender=keeper)


def test_trade__via_weth__two_hop_route_works(rebalancer, manager, keeper, chain):
    rebalancer.set_targets([4000, 4000, 2000], sender=manager)
    receipt = rebalancer.trade(
        2, 1, 0, 1, 0, chain.pending_timestamp + 600, sender=keeper
    )  # WBTC -> WETH -> USDC
    assert receipt.events.filter(rebalancer.Trade)[0].amount_out > 0


VALID = "valid deadline"


@pytest.mark.parametrize(
    ("action", "sell", "buy", "deadline", "reason"),
    [
        (7, 0, 0, VALID, "rebalancer: unknown action"),
        (ACTION_TRADE, 0, 2, 2**40, "rebalancer: deadline too far"),
        (ACTION_TRADE, 0, 2, 1, "rebalancer: deadline passed"),
        (ACTION_TRADE, 2, 2, VALID, "rebalancer: sell and buy are the same"),
        (ACTION_TRADE, 0, 2, VALID, "rebalancer: sell not above target"),
        (ACTION_TRADE, 2, 1, VALID, "rebalancer: buy not below target"),
        (ACTION_TRADE, 2, 9, VALID, "rebalancer: component index out of range"),
    ],
)
def test_perform_upkeep__crafted_data__rejected_by_name(
    rebalancer, manager, keeper, chain, action, sell, buy, deadline, reason
):
    rebalancer.set_targets(TARGETS, sender=manager)
    if deadline == VALID:
        deadline = chain.pending_timestamp + 600
    with ape.reverts(reason):
        rebalancer.performUpkeep(upkeep(action, sell, buy, 0, 0, deadline), sender=keeper)


def test_trade__without_plan__starts_one_with_that_trade(rebalancer, manager, keeper, chain):
    rebalancer.set_targets(TARGETS, sender=manager)
    assert rebalancer.plans() == 0 and not rebalancer.plan_active()
    receipt = rebalancer.trade(2, 0, 0, 0, 0, chain.pending_timestamp + 600, sender=keeper)
    started = receipt.events.filter(rebalancer.RebalanceStarted)
    assert len(started) == 1 and started[0].expires_at == receipt.timestamp + rebalancer.plan_ttl()
    assert rebalancer.plans() == 1 and rebalancer.trades() == 1 and rebalancer.plan_active()


def test_trade__no_plan_and_drift_within_threshold__reverts(rebalancer, manager, keeper, chain):
    rebalancer.set_targets([3334, 3333, 3333], sender=manager)
    assert rebalancer.checkUpkeep.call(b"")[0] is False
    with ape.reverts("rebalancer: drift within threshold"):
        rebalancer.trade(0, 1, 0, 0, 0, chain.pending_timestamp + 600, sender=keeper)


def test_pause__guardian__stops_trading_not_redeem(
    vault, rebalancer, manager, guardian, keeper, alice, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    vault.set_paused(True, sender=guardian)
    assert rebalancer.checkUpkeep.call(b"")[0] is False
    with ape.reverts("vault: rebalancing paused"):
        rebalancer.trade(2, 0, 0, 0, 0, chain.pending_timestamp + 600, sender=keeper)
    vault.redeem(10**18, alice, [0, 0, 0], sender=alice)


def test_stale_price__stops_trading_by_name__mint_and_redeem_untouched(
    vault, rebalancer, submit, manager, keeper, alice, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    chain.pending_timestamp += 86_400 + 1
    for symbol in ("WETH", "USDC"):
        submit(symbol, PRICES[symbol] * 10**8)
    # WBTC's feed is now a day and a second old.
    assert rebalancer.checkUpkeep.call(b"")[0] is False
    with ape.reverts("oracle: stale price"):
        rebalancer.trade(2, 0, 0, 0, 0, chain.pending_timestamp + 600, sender=keeper)
    vault.redeem(10**18, alice, [0, 0, 0], sender=alice)
    vault.mint(10**18, alice, [2**255] * 3, sender=alice)


def test_deviating_secondary__stops_trading_by_name(
    project, rebalancer, adapter, tokens, owner, manager, keeper, chain
):
    secondary = owner.deploy(project.MockAggregator, 8, "WBTC / USD (2)", 33_000 * 10**8)
    adapter.set_secondary_feed(tokens["WBTC"], secondary, 86_400, 200, sender=owner)
    rebalancer.set_targets(TARGETS, sender=manager)
    with ape.reverts("oracle: feeds deviate"):
        rebalancer.trade(2, 0, 0, 0, 0, chain.pending_timestamp + 600, sender=keeper)


def test_vault__rebalance_trade_by_anyone_but_rebalancer__rejected(vault, attacker):
    with ape.reverts("vault: caller is not the rebalancer"):
        vault.rebalance_trade(2, 1, 0, 1, attacker, sender=attacker)


def test_callback__called_outside_a_trade__rejected(rebalancer, tokens, attacker):
    with ape.reverts("rebalancer: unexpected callback"):
        rebalancer.on_rebalance_trade(tokens["WBTC"], 1, tokens["WETH"], 1, sender=attacker)


def test_keepers__stranger_rejected_until_trading_opened(
    rebalancer, owner, manager, stranger, chain, live_enact
):
    rebalancer.set_targets(TARGETS, sender=manager)
    with ape.reverts("rebalancer: caller is not a keeper"):
        rebalancer.trade(2, 0, 0, 0, 0, chain.pending_timestamp + 600, sender=stranger)
    live_enact(rebalancer.set_open_trading, True, sender=owner)
    rebalancer.trade(2, 0, 0, 0, 0, chain.pending_timestamp + 600, sender=stranger)


def test_add_and_remove_component__end_to_end(
    project, vault, rebalancer, adapter, uni, tokens, owner, manager, keeper, chain, create_token
):
    link = create_token(18, "Chainlink", "LINK")
    feed = owner.deploy(project.MockAggregator, 8, "LINK / USD", 10 * 10**8)
    adapter.set_feed(link, feed, 86_400, sender=owner)
    from vyndex.reference.uniswap_v2 import seed_pair

    for symbol in ("WETH", "USDC", "WBTC"):
        seed_pair(uni, tokens[symbol], link, amount_of(symbol, 10_000_000), 1_000_000 * 10**18, owner)

    rebalancer.add_component(link, [3000, 3000, 2000, 2000], sender=manager)
    assert vault.component_count() == 4
    run_keeper(rebalancer, keeper, chain, max_actions=60)
    weights = list(Lens(rebalancer).weights())
    assert abs(weights[3] - 2000) <= THRESHOLD_BPS

    rebalancer.set_targets([4000, 3000, 3000, 0], sender=manager)
    with ape.reverts("vault: component not sold down"):
        rebalancer.remove_component(3, sender=manager)
    run_keeper(rebalancer, keeper, chain, max_actions=60)
    rebalancer.remove_component(3, sender=manager)
    tokens_after, _ = vault.components()
    assert link.address not in tokens_after and len(tokens_after) == 3
    assert rebalancer.target_weights() == [4000, 3000, 3000]


def test_add_component__no_feed__rejected_with_oracle_reason(rebalancer, manager, create_token):
    token = create_token(18)
    with ape.reverts("oracle: unknown asset"):
        rebalancer.add_component(token, [2500, 2500, 2500, 2500], sender=manager)


@pytest.mark.parametrize(
    ("weights", "reason"),
    [
        ([5000, 3000], "rebalancer: weights length mismatch"),
        ([5000, 3000, 1999], "rebalancer: weights must sum to 10000"),
        ([10001, 0, 0], "rebalancer: weight over 100%"),
    ],
)
def test_set_targets__bad_weights__named_error(rebalancer, manager, weights, reason):
    with ape.reverts(reason):
        rebalancer.set_targets(weights, sender=manager)


def test_set_limits__each_bound__named_error(rebalancer, owner):
    cases = [
        ((0, TRADE_CAP_USD, MIN_TRADE_USD, COOLDOWN), "rebalancer: zero slippage"),
        ((501, TRADE_CAP_USD, MIN_TRADE_USD, COOLDOWN), "rebalancer: slippage over cap"),
        ((100, USD - 1, 1, COOLDOWN), "rebalancer: trade cap too small"),
        ((100, 10**30 + 1, MIN_TRADE_USD, COOLDOWN), "rebalancer: trade cap too large"),
        ((100, TRADE_CAP_USD, 0, COOLDOWN), "rebalancer: zero minimum trade"),
        ((100, TRADE_CAP_USD, TRADE_CAP_USD + 1, COOLDOWN), "rebalancer: minimum trade over cap"),
        ((100, TRADE_CAP_USD, MIN_TRADE_USD, 59), "rebalancer: cooldown too short"),
        ((100, TRADE_CAP_USD, MIN_TRADE_USD, 7 * 86_400 + 1), "rebalancer: cooldown too long"),
    ]
    for args, reason in cases:
        with ape.reverts(reason):
            rebalancer.set_limits(*args, sender=owner)


def test_set_drift_threshold__out_of_range__named_error(rebalancer, manager):
    with ape.reverts("rebalancer: drift threshold too small"):
        rebalancer.set_drift_threshold(9, sender=manager)
    with ape.reverts("rebalancer: drift threshold too large"):
        rebalancer.set_drift_threshold(5001, sender=manager)


def test_roles__every_privileged_function__rejects_others(
    rebalancer, uni, adapter, manager, owner, stranger, keeper
):
    for who in (stranger, keeper, owner):
        with ape.reverts("rebalancer: caller is not the manager"):
            rebalancer.set_targets(TARGETS, sender=who)
        with ape.reverts("rebalancer: caller is not the manager"):
            rebalancer.set_drift_threshold(200, sender=who)
        with ape.reverts("rebalancer: caller is not the manager"):
            rebalancer.remove_component(0, sender=who)
    for who in (stranger, keeper, manager):
        for call in (
            lambda w=who: rebalancer.set_keeper(w, True, sender=w),
            lambda w=who: rebalancer.set_open_trading(True, sender=w),
            lambda w=who: rebalancer.add_venue(uni.router, sender=w),
            lambda w=who: rebalancer.remove_venue(0, sender=w),
            lambda w=who: rebalancer.set_oracle(adapter, sender=w),
            lambda w=who: rebalancer.set_limits(100, TRADE_CAP_USD, MIN_TRADE_USD, COOLDOWN, sender=w),
            lambda w=who: rebalancer.transfer_ownership(w, sender=w),
        ):
            with ape.reverts("ownable: caller is not the owner"):
                call()


def test_plan__finished__new_drift_after_market_move_trades_again(
    vault, rebalancer, submit, uni, tokens, manager, keeper, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    run_keeper(rebalancer, keeper, chain)
    chain.pending_timestamp += rebalancer.plan_ttl() + 1
    chain.mine()
    assert not rebalancer.plan_active()
    # The market moves the basket off its targets again (WBTC +25%: its feed, then both its pools
    # arbitraged to the new price): a new plan starts with a trade.
    submit("WBTC", PRICES["WBTC"] * 125 * 10**6)
    for symbol in ("WETH", "USDC"):
        submit(symbol, PRICES[symbol] * 10**8)
    for other in ("WETH", "USDC"):
        pair = uni.pair(tokens[other], tokens["WBTC"])
        r0, r1, _ = pair.getReserves()
        r_other, r_wbtc = (r0, r1) if pair.token0() == tokens[other].address else (r1, r0)
        amount = amount_in_to_reach(r_other, r_wbtc, Fraction(r_wbtc, r_other) * 4 / 5)
        give(uni, tokens[other], keeper, amount)
        tokens[other].approve(uni.router, amount, sender=keeper)
        path = [tokens[other], tokens["WBTC"]]
        uni.router.swapExactTokensForTokens(amount, 0, path, keeper, 2**64, sender=keeper)
    assert Lens(rebalancer).drift_bps() > THRESHOLD_BPS
    plans = rebalancer.plans()
    receipts = run_keeper(rebalancer, keeper, chain)
    assert receipts and rebalancer.plans() == plans + 1
    assert Lens(rebalancer).drift_bps() <= THRESHOLD_BPS


def upkeeps(rebalancer, chain, limit: int = 10) -> Iterator[bytes]:
    """Each upkeep the rebalancer asks for, waiting out a cooldown when it asks for none, until it
    still asks for none after the wait."""
    for _ in range(limit):
        needed, data = rebalancer.checkUpkeep.call(b"")
        if not needed:
            chain.pending_timestamp += COOLDOWN + 1
            chain.mine()
            needed, data = rebalancer.checkUpkeep.call(b"")
            if not needed:
                return
        yield data


def test_trade__small_wbtc_tail__accounted_loss_within_the_slippage_bound(
    vault, rebalancer, adapter, manager, keeper, chain
):
    # From equal weights to 32.33 / 33.31 / 34.36%: a ~$600 WETH -> WBTC trade, then a ~$14
    # USDC -> WBTC tail. Found by make fuzz (issue #7): with units in whole satoshis per share the
    # WBTC unit moved 1,000 sat (~$0.30) at a time with 1,000 shares, and the tail lost $0.167 of
    # accounted value (1.2%) against a 1% allowance. 18-decimal stored units make that rounding
    # a fraction of a satoshi: nothing beyond the slippage allowance (a $0.001 margin) is lost.
    rebalancer.set_targets([3233, 3331, 3436], sender=manager)
    worst = 0
    for data in upkeeps(rebalancer, chain):
        before = holdings_value(vault, adapter)
        receipt = rebalancer.performUpkeep(data, sender=keeper)
        traded = sum(adapter.value(e.sell, e.amount_in) for e in receipt.events.filter(vault.RebalanceTrade))
        excess = before - holdings_value(vault, adapter) - traded * SLIPPAGE_BPS // 10_000
        worst = max(worst, excess)
    assert worst <= USD // 1_000, worst / USD


def test_trade__every_trade__accounted_holdings_move_by_what_moved_within_one_stored_ulp(
    vault, rebalancer, adapter, manager, keeper, chain
):
    # The same plan as above (a large trade, then a small WBTC tail). Selling x lowers the accounted
    # holdings by x and at most one stored-unit step more; buying y raises them by y less at most
    # one step. A step is supply * scale / (1e36 * 10**(18 - decimals)) base units: 1,000 wei of
    # WETH, a 1e-7 satoshi of WBTC with 1,000 shares (with whole-satoshi units it was 1,000 sat).
    rebalancer.set_targets([3233, 3331, 3436], sender=manager)
    tokens = [str(t) for t in vault.components()[0]]
    traded = 0
    for data in upkeeps(rebalancer, chain):
        before = list(vault.holdings())
        receipt = rebalancer.performUpkeep(data, sender=keeper)
        after = list(vault.holdings())
        _, _, supply, scale = vault.basket_state()
        step = [supply * scale // (10**36 * 10 ** (18 - d)) + 1 for d in (18, 6, 8)]  # WETH, USDC, WBTC
        for e in receipt.events.filter(vault.RebalanceTrade):
            sell, buy = tokens.index(str(e.sell)), tokens.index(str(e.buy))
            assert before[sell] - e.amount_in - step[sell] <= after[sell] <= before[sell] - e.amount_in
            assert before[buy] + e.amount_out - step[buy] <= after[buy] <= before[buy] + e.amount_out
            # In value: what rounding kept from the holders is under a millionth of a dollar.
            kept_sold = adapter.value(e.sell, before[sell] - after[sell] - e.amount_in)
            kept_bought = adapter.value(e.buy, before[buy] + e.amount_out - after[buy])
            assert kept_sold + kept_bought < USD // 10**6, (kept_sold, kept_bought)
            traded += 1
    assert traded >= 2
