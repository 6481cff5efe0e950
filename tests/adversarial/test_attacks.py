"""Attacks on the live index (real Uniswap V2, OracleAdapter, Rebalancer), each measured by what the
attacker holds in oracle USD before and after: components, plus index tokens at `preview_redeem`.
Every attack must leave the attacker's profit at or below zero, and the vault within its bounds.

  first-depositor inflation     1 wei of shares, a donation, a victim's mint
  donation                      a component sent to the vault to skew its weights
  flash manipulation (1 tx)     Indexed Finance 2021: swap a pool hard, start a rebalance or perform an
                                upkeep, mint and redeem, swap back, all inside FlashAttacker
  sandwich                      front-run and back-run a keeper's trade, swept over push sizes
  feed stuck at a bound         LUNA/UST 2022: the price fails, trading stops, mint and redeem go on
  crafted performUpkeep         a hostile keeper's own data, with its own sandwich around it
"""

from __future__ import annotations

import ape
import pytest
from eth_abi import encode

from .conftest import (
    DECIMALS,
    MAX_UINT,
    PRICES,
    SLIPPAGE_BPS,
    SYMBOLS,
    TARGETS,
    UNITS,
    USD,
    WAD,
    amount_of,
    basket_value,
    call,
    give,
    record_profit,
    stock,
    swap,
    token_balances,
    traded_usd,
    usd_of,
    view_reverts,
)

ACTION_START, ACTION_TRADE = 1, 2
# What a basket valuation may lose to rounding: a few wei of USD per component.
DUST_USD = USD // 1_000


def bound_of(value_in_usd: int) -> int:
    """Most a trade of `value_in_usd` may lose against the oracle (invariant 4), plus rounding dust."""
    return value_in_usd * SLIPPAGE_BPS // 10_000 + DUST_USD


def upkeep(action: int, sell: int = 0, buy: int = 0, via_weth: bool = False, deadline: int = 0) -> bytes:
    return encode(
        ["uint256", "uint256", "uint256", "bool", "uint256"], [action, sell, buy, via_weth, deadline]
    )


@pytest.fixture
def basket(ordered_tokens):
    return ordered_tokens


@pytest.fixture
def flash(project, attacker, uni, tokens, vault, basket):
    """A FlashAttacker holding $4,000,000 of WBTC and $1,000 of WETH and USDC, the vault approved."""
    contract = attacker.deploy(project.FlashAttacker)
    stock(uni, tokens, attacker, 1_000, [])
    give(uni, tokens["WBTC"], attacker, amount_of("WBTC", 4_000_000))
    for token in basket:
        token.transfer(contract, token.balanceOf(attacker), sender=attacker)
    contract.execute([call(t.approve, vault, MAX_UINT) for t in basket], sender=attacker)
    return contract


# ---------------------------------------------------------------------------------------------
# Inflation and donations
# ---------------------------------------------------------------------------------------------


def test_first_depositor_inflation__one_wei_then_donation__attacker_loses_victim_pays_exact_units(
    project, owner, manager, guardian, fee_recipient, uni, tokens, adapter, basket, attacker, bob
):
    fresh = owner.deploy(
        project.IndexVault,
        "Fresh",
        "FRSH",
        basket,
        [UNITS[s] for s in SYMBOLS],
        manager,
        guardian,
        fee_recipient,
    )
    fresh.set_oracle(adapter, sender=owner)
    stock(uni, tokens, attacker, 200_000, [fresh])
    stock(uni, tokens, bob, 10_000, [fresh])
    before = usd_of(fresh, adapter, basket, [attacker])

    fresh.mint(1, attacker, [MAX_UINT] * 3, sender=attacker)
    assert token_balances(basket, [fresh]) == [1, 1, 1]  # one wei of shares costs one base unit of each
    for symbol, token in zip(SYMBOLS, basket, strict=True):
        token.transfer(fresh, amount_of(symbol, 50_000), sender=attacker)
    bob_before = token_balances(basket, [bob])
    fresh.mint(100 * WAD, bob, [MAX_UINT] * 3, sender=bob)
    paid = [b - a for b, a in zip(bob_before, token_balances(basket, [bob]), strict=True)]
    fresh.redeem(1, attacker, [0, 0, 0], sender=attacker)
    profit = usd_of(fresh, adapter, basket, [attacker]) - before

    # Units are stored, not read from balances: the victim pays exactly 100 units and gets 100 shares.
    assert paid == [100 * UNITS[s] for s in SYMBOLS]
    assert fresh.balanceOf(bob) == 100 * WAD
    fresh.redeem(100 * WAD, bob, [100 * UNITS[s] for s in SYMBOLS], sender=bob)
    assert token_balances(basket, [bob]) == bob_before
    record_profit("first-depositor inflation ($150k donated)", profit)
    assert profit <= -149_999 * USD


def test_donation__component_sent_to_live_vault__units_weights_and_plan_unmoved_attacker_loses(
    vault, rebalancer, adapter, uni, tokens, basket, manager, keeper, attacker
):
    rebalancer.set_targets([3334, 3333, 3333], sender=manager)
    stock(uni, tokens, attacker, 40_000, [vault])
    before = usd_of(vault, adapter, basket, [attacker])
    seen = (vault.components(), rebalancer.weights(), vault.total_value(), vault.nav_per_share())

    # $30,000 of WBTC: the vault's balance of it grows 2.5x, its weight by balance would be ~70%.
    tokens["WBTC"].transfer(vault, amount_of("WBTC", 30_000), sender=attacker)

    assert (vault.components(), rebalancer.weights(), vault.total_value(), vault.nav_per_share()) == seen
    assert rebalancer.checkUpkeep(b"")[0] is False
    with ape.reverts("rebalancer: drift within threshold"):
        rebalancer.start_rebalance(sender=keeper)
    vault.mint(100 * WAD, attacker, [MAX_UINT] * 3, sender=attacker)
    vault.redeem(100 * WAD, attacker, [0, 0, 0], sender=attacker)
    profit = usd_of(vault, adapter, basket, [attacker]) - before
    record_profit("donation to skew units ($30k WBTC)", profit)
    assert profit <= -29_999 * USD


# ---------------------------------------------------------------------------------------------
# Flash manipulation inside one transaction (Indexed Finance 2021)
# ---------------------------------------------------------------------------------------------


def test_flash_manipulation__start_rebalance_mint_redeem_in_one_tx__targets_identical_attacker_loses(
    vault, rebalancer, adapter, uni, tokens, basket, owner, manager, keeper, attacker, flash, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    rebalancer.set_open_trading(True, sender=owner)
    snapshot = chain.snapshot()
    rebalancer.start_rebalance(sender=keeper)
    honest = list(rebalancer.target_units())
    chain.restore(snapshot)
    assert rebalancer.rebalance_started() == 0
    before = usd_of(vault, adapter, basket, [attacker, flash])
    vault_before = token_balances(basket, [vault])
    push = amount_of("WBTC", 3_000_000)

    receipt = flash.attack(
        uni.router,
        [tokens["WBTC"], tokens["WETH"]],
        push,
        [
            call(rebalancer.start_rebalance),
            call(vault.mint, 50 * WAD, flash, [MAX_UINT] * 3),
            call(vault.redeem, 50 * WAD, flash, [0, 0, 0]),
        ],
        sender=attacker,
    )

    first = receipt.events.filter(flash.Swapped)[0]
    # The pool really was off: $3M of WBTC fetched under 80% of its oracle value in WETH.
    assert adapter.value(tokens["WETH"], first.amount_out) < adapter.value(tokens["WBTC"], push) * 8 // 10
    assert [e.ok for e in receipt.events.filter(flash.CallMade)] == [True, True, True]
    assert list(rebalancer.target_units()) == honest
    assert rebalancer.rebalance_started() == receipt.timestamp
    assert all(a >= b for a, b in zip(token_balances(basket, [vault]), vault_before, strict=True))
    profit = usd_of(vault, adapter, basket, [attacker, flash]) - before
    record_profit("flash: start_rebalance+mint+redeem in one tx ($3M push)", profit)
    assert profit < 0


@pytest.mark.parametrize("push_usd", [3_000_000, 15_000])
def test_flash_manipulation__perform_upkeep_inside_one_tx__vault_within_bound_attacker_loses(
    vault, rebalancer, adapter, uni, tokens, basket, owner, manager, keeper, attacker, flash, push_usd
):
    rebalancer.set_targets(TARGETS, sender=manager)
    rebalancer.start_rebalance(sender=keeper)
    rebalancer.set_open_trading(True, sender=owner)
    needed, data = rebalancer.checkUpkeep(b"")
    assert needed
    plan = list(rebalancer.target_units())
    before = usd_of(vault, adapter, basket, [attacker, flash])
    value_before = basket_value(vault, adapter, basket)
    vault_before = token_balances(basket, [vault])
    # The plan sells WBTC for WETH: push WETH's price up in WBTC first, so the vault buys dear.
    assert data[32:96] == encode(["uint256", "uint256"], [2, 0])

    receipt = flash.attack(
        uni.router,
        [tokens["WBTC"], tokens["WETH"]],
        amount_of("WBTC", push_usd),
        [call(rebalancer.performUpkeep, data, allow_failure=True)],
        sender=attacker,
    )

    traded = receipt.events.filter(flash.CallMade)[0].ok
    assert list(rebalancer.target_units()) == plan
    if push_usd > 100_000:
        # Far beyond the oracle bound: the trade reverted inside the attack and the vault kept all.
        assert not traded
        assert token_balances(basket, [vault]) == vault_before
        assert rebalancer.trades() == 0
    else:
        assert traded
        value_in = traded_usd(receipt, vault, adapter)
        assert value_in > 0
        assert value_before - basket_value(vault, adapter, basket) <= bound_of(value_in)
    profit = usd_of(vault, adapter, basket, [attacker, flash]) - before
    record_profit(f"flash: performUpkeep in one tx (${push_usd:,} push)", profit)
    assert profit <= 0


# ---------------------------------------------------------------------------------------------
# Sandwich around a keeper's trade
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("via_weth", [False, True])
def test_sandwich__keeper_trade_swept_over_push_sizes__attacker_never_profits_vault_within_bound(
    vault, rebalancer, adapter, uni, tokens, basket, manager, keeper, attacker, chain, via_weth
):
    # WBTC -> WETH directly, or WBTC -> WETH -> USDC through two pools.
    weights = TARGETS if not via_weth else [3300, 4700, 2000]
    route = (
        [tokens["WBTC"], tokens["WETH"]] if not via_weth else [tokens["WBTC"], tokens["WETH"], tokens["USDC"]]
    )
    rebalancer.set_targets(weights, sender=manager)
    rebalancer.start_rebalance(sender=keeper)
    stock(uni, tokens, attacker, 1_000, [])
    give(uni, tokens["WBTC"], attacker, amount_of("WBTC", 1_000_000))
    buy_index = 0 if not via_weth else 1
    data = upkeep(ACTION_TRADE, 2, buy_index, via_weth, chain.pending_timestamp + 3_000)
    outcomes = []
    for push_usd in (2_000, 10_000, 30_000, 60_000, 150_000, 1_000_000):
        snapshot = chain.snapshot()
        before = usd_of(vault, adapter, basket, [attacker])
        value_before = basket_value(vault, adapter, basket)
        vault_before = token_balances(basket, [vault])
        # The attacker pushes along the very route the vault's trade takes.
        got = swap(uni, attacker, route, amount_of("WBTC", push_usd))
        try:
            value_in = traded_usd(rebalancer.performUpkeep(data, sender=keeper), vault, adapter)
        except ape.exceptions.ContractLogicError:
            value_in = 0
        swap(uni, attacker, route[::-1], got)
        profit = usd_of(vault, adapter, basket, [attacker]) - before
        loss = value_before - basket_value(vault, adapter, basket)
        if value_in == 0:
            assert token_balances(basket, [vault]) == vault_before
        outcomes.append((push_usd, value_in, loss, profit))
        record_profit(
            f"sandwich keeper trade ({'via WETH' if via_weth else 'direct'}, ${push_usd:,})", profit
        )
        chain.restore(snapshot)
    for _push, value_in, loss, profit in outcomes:
        assert profit <= 0, outcomes
        assert loss <= bound_of(value_in), outcomes
    # Both regimes were reached: small pushes traded, large ones hit the oracle bound.
    assert outcomes[0][1] > 0 and outcomes[-1][1] == 0, outcomes


# ---------------------------------------------------------------------------------------------
# A feed stuck at its bound (LUNA / UST, May 2022)
# ---------------------------------------------------------------------------------------------


def test_feed_stuck_at_lower_bound__trading_stops_by_name_mint_redeem_go_on_and_minting_cannot_profit(
    vault, rebalancer, adapter, feeds, uni, tokens, basket, owner, manager, keeper, alice, attacker, chain
):
    usdc = tokens["USDC"]
    floor = 10**17  # $0.10, where the feed's minAnswer would clamp
    adapter.set_bounds(usdc, floor, 10 * USD, sender=owner)
    # A plan made while USDC was healthy: it buys USDC with WETH and WBTC.
    rebalancer.set_targets([2500, 5000, 2500], sender=manager)
    rebalancer.start_rebalance(sender=keeper)
    needed, data = rebalancer.checkUpkeep(b"")
    assert needed
    vault_before = token_balances(basket, [vault])

    # The collapse: the market falls to $0.01 (the pools are dumped on) while the feed sticks at $0.10.
    feeds["USDC"].update_answer(floor // 10**10, sender=owner)
    give(uni, usdc, attacker, amount_of("USDC", 900_000_000))
    for other in (tokens["WETH"], tokens["WBTC"]):
        swap(uni, attacker, [usdc, other], amount_of("USDC", 90_000_000))

    reason = "oracle: price below lower bound"
    assert view_reverts(adapter.price, usdc) == reason
    assert view_reverts(vault.total_value) == reason
    assert rebalancer.checkUpkeep(b"")[0] is False
    with ape.reverts(reason):
        rebalancer.performUpkeep(data, sender=keeper)
    with ape.reverts(reason):
        rebalancer.trade(0, 1, False, 0, chain.pending_timestamp + 600, sender=keeper)
    with ape.reverts(reason):
        rebalancer.start_rebalance(sender=keeper)
    assert token_balances(basket, [vault]) == vault_before

    # Mint and redeem go on; the attacker, rich in crashed USDC, mints and redeems in kind.
    for token in basket:
        token.approve(vault, MAX_UINT, sender=attacker)
    stock(uni, tokens, attacker, 50_000, [vault])
    held = token_balances(basket, [attacker])
    # An odd amount, so that every rounding is real: mint takes up, redeem pays down.
    vault.mint(1_000 * WAD + 1, attacker, [MAX_UINT] * 3, sender=attacker)
    vault.redeem(1_000 * WAD + 1, attacker, [0, 0, 0], sender=attacker)
    delta = [a - b for a, b in zip(token_balances(basket, [attacker]), held, strict=True)]
    alice_before = token_balances(basket, [alice])
    vault.redeem(10 * WAD, alice, [10 * UNITS[s] for s in SYMBOLS], sender=alice)
    assert [a - b for a, b in zip(token_balances(basket, [alice]), alice_before, strict=True)] == [
        10 * UNITS[s] for s in SYMBOLS
    ]

    # No component grew, so no price vector (stuck, crashed or healthy) shows a profit.
    assert all(d <= 0 for d in delta) and any(d < 0 for d in delta), delta
    stuck = {"WETH": PRICES["WETH"] * USD, "USDC": floor, "WBTC": PRICES["WBTC"] * USD}
    profit = sum(d * stuck[s] // 10 ** DECIMALS[s] for s, d in zip(SYMBOLS, delta, strict=True))
    record_profit("feed stuck at bound: mint+redeem at the stuck price", profit)
    assert profit <= 0


# ---------------------------------------------------------------------------------------------
# A hostile keeper's crafted performUpkeep, sandwiched by the keeper itself
# ---------------------------------------------------------------------------------------------


def crafted(now: int) -> list[tuple[str, bytes]]:
    soon = now + 600
    bad_bool = (
        upkeep(ACTION_TRADE, 2, 0, False, soon)[:96] + (2).to_bytes(32, "big") + soon.to_bytes(32, "big")
    )
    return [
        ("proposed pair, direct", upkeep(ACTION_TRADE, 2, 0, False, soon)),
        ("proposed pair, via WETH although WETH is bought", upkeep(ACTION_TRADE, 2, 0, True, soon)),
        ("another valid pair", upkeep(ACTION_TRADE, 1, 0, False, soon)),
        ("re-plan in the middle of a plan", upkeep(ACTION_START, 0, 0, False, soon)),
        ("longest deadline", upkeep(ACTION_TRADE, 2, 0, False, now + 3_599)),
        ("deadline beyond the window", upkeep(ACTION_TRADE, 2, 0, False, now + 10**9)),
        ("deadline passed", upkeep(ACTION_TRADE, 2, 0, False, now - 1)),
        ("unknown action", upkeep(2**256 - 1, 2, 0, False, soon)),
        ("index past the basket", upkeep(ACTION_TRADE, 2**256 - 1, 0, False, soon)),
        ("bought component sold", upkeep(ACTION_TRADE, 0, 2, False, soon)),
        ("bool that is not a bool", bad_bool),
        ("short data", upkeep(ACTION_TRADE, 2, 0, False, soon)[:159]),
        ("empty data", b""),
        ("data past 160 bytes", upkeep(ACTION_TRADE, 2, 0, False, soon) + b"\x01"),
    ]


def test_perform_upkeep__crafted_data_with_keepers_own_sandwich__keeper_never_profits_vault_within_bound(
    vault, rebalancer, adapter, uni, tokens, basket, manager, keeper, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    rebalancer.start_rebalance(sender=keeper)
    stock(uni, tokens, keeper, 1_000, [])
    give(uni, tokens["WBTC"], keeper, amount_of("WBTC", 100_000))
    now = chain.pending_timestamp
    results = {}
    for name, data in crafted(now):
        snapshot = chain.snapshot()
        chain.pending_timestamp = now
        before = usd_of(vault, adapter, basket, [keeper])
        value_before = basket_value(vault, adapter, basket)
        vault_before = token_balances(basket, [vault])
        plan = list(rebalancer.target_units())
        got = swap(uni, keeper, [tokens["WBTC"], tokens["WETH"]], amount_of("WBTC", 12_000))
        try:
            receipt = rebalancer.performUpkeep(data, sender=keeper)
            value_in, done = traded_usd(receipt, vault, adapter), True
        except ape.exceptions.ContractLogicError:
            value_in, done = 0, False
        swap(uni, keeper, [tokens["WETH"], tokens["WBTC"]], got)
        profit = usd_of(vault, adapter, basket, [keeper]) - before
        loss = value_before - basket_value(vault, adapter, basket)
        results[name] = (done, value_in, loss, profit)
        record_profit(f"crafted performUpkeep: {name}", profit)
        assert profit <= 0, (name, results[name])
        assert loss <= bound_of(value_in), (name, results[name])
        if not done:
            assert token_balances(basket, [vault]) == vault_before, name
            assert list(rebalancer.target_units()) == plan, name
        chain.restore(snapshot)
    # Data only picks among actions that pass every check: these went through, the rest reverted.
    went_through = {n for n, r in results.items() if r[0]}
    assert went_through == {
        "proposed pair, direct",
        "another valid pair",
        "re-plan in the middle of a plan",
        "longest deadline",
    }, results
