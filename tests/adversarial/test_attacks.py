"""Attacks on the live index (real Uniswap V2, OracleAdapter, Rebalancer), each measured by what the
attacker holds in oracle USD before and after: components, plus index tokens at `preview_redeem`.
Every attack must leave the attacker's profit at or below zero, and the vault within its bounds.

  first-depositor inflation     1 wei of shares, a donation, a victim's mint
  donation                      a component sent to the vault to skew its weights
  flash manipulation (1 tx)     Indexed Finance 2021: swap a pool hard, trade (starting a plan) or
                                perform an upkeep, mint and redeem, swap back, all inside FlashAttacker
  sandwich                      front-run and back-run a keeper's trade, swept over push sizes
  feed stuck at a bound         LUNA/UST 2022: the price fails, trading stops, mint and redeem go on
  crafted performUpkeep         a hostile keeper's own data, with its own sandwich around it
"""

from __future__ import annotations

from fractions import Fraction

import ape
import pytest
from eth_abi import decode, encode

from vyndex.constants import MAX_UINT256, USD, WAD
from vyndex.keeper.loop import ScoutReason
from vyndex.venues import Lens, check_upkeep

from .conftest import (
    DECIMALS,
    PRICES,
    SLIPPAGE_BPS,
    SYMBOLS,
    TARGETS,
    UNITS,
    CallReverted,
    amount_of,
    basket_value,
    call,
    give,
    record_profit,
    send,
    stock,
    swap,
    token_balances,
    traded_usd,
    usd_of,
    view_reverts,
)

ACTION_TRADE = 1
REASON_ORACLE, REASON_BALANCED = ScoutReason.ORACLE, ScoutReason.BALANCED
# What a basket valuation may lose to rounding: a few wei of USD per component.
DUST_USD = USD // 1_000


def bound_of(value_in_usd: int) -> int:
    """Most a trade of `value_in_usd` may lose against the oracle (invariant 4), plus rounding dust."""
    return value_in_usd * SLIPPAGE_BPS // 10_000 + DUST_USD


def upkeep(
    action: int, sell: int = 0, buy: int = 0, venue: int = 0, route: int = 0, deadline: int = 0
) -> bytes:
    return encode(["uint256"] * 6, [action, sell, buy, venue, route, deadline])


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
    contract.execute([call(t.approve, vault, MAX_UINT256) for t in basket], sender=attacker)
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
    stock(uni, tokens, attacker, 200_000, [fresh])
    stock(uni, tokens, bob, 10_000, [fresh])
    before = usd_of(fresh, adapter, basket, [attacker])

    fresh.mint(1, attacker, [MAX_UINT256] * 3, sender=attacker)
    assert token_balances(basket, [fresh]) == [1, 1, 1]  # one wei of shares costs one base unit of each
    for symbol, token in zip(SYMBOLS, basket, strict=True):
        token.transfer(fresh, amount_of(symbol, 50_000), sender=attacker)
    bob_before = token_balances(basket, [bob])
    fresh.mint(100 * WAD, bob, [MAX_UINT256] * 3, sender=bob)
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
    vault, rebalancer, adapter, uni, tokens, basket, manager, keeper, attacker, chain
):
    rebalancer.set_targets([3334, 3333, 3333], sender=manager)
    stock(uni, tokens, attacker, 40_000, [vault])
    before = usd_of(vault, adapter, basket, [attacker])

    def seen_now():
        return (
            vault.components(),
            Lens(rebalancer).weights(),
            Lens(rebalancer).total_value(),
            Lens(rebalancer).nav_per_share(),
        )

    seen = seen_now()

    # $30,000 of WBTC: the vault's balance of it grows 2.5x, its weight by balance would be ~70%.
    tokens["WBTC"].transfer(vault, amount_of("WBTC", 30_000), sender=attacker)

    assert (
        vault.components(),
        Lens(rebalancer).weights(),
        Lens(rebalancer).total_value(),
        Lens(rebalancer).nav_per_share(),
    ) == seen
    proposal = check_upkeep(rebalancer)
    assert not proposal.needed and proposal.reason == REASON_BALANCED, proposal.why
    with ape.reverts("rebalancer: drift within threshold"):
        rebalancer.trade(2, 0, 0, 0, 0, chain.pending_timestamp + 600, sender=keeper)
    assert rebalancer.plans() == 0
    vault.mint(100 * WAD, attacker, [MAX_UINT256] * 3, sender=attacker)
    vault.redeem(100 * WAD, attacker, [0, 0, 0], sender=attacker)
    profit = usd_of(vault, adapter, basket, [attacker]) - before
    record_profit("donation to skew units ($30k WBTC)", profit)
    assert profit <= -29_999 * USD


# ---------------------------------------------------------------------------------------------
# Flash manipulation inside one transaction (Indexed Finance 2021)
# ---------------------------------------------------------------------------------------------


def test_flash_manipulation__trade_mint_redeem_in_one_tx__trade_refused_no_plan_attacker_loses(
    vault, rebalancer, adapter, uni, tokens, basket, owner, manager, attacker, flash, chain, live_enact
):
    rebalancer.set_targets(TARGETS, sender=manager)
    live_enact(rebalancer.set_open_trading, True, sender=owner)
    before = usd_of(vault, adapter, basket, [attacker, flash])
    vault_before = token_balances(basket, [vault])
    value_before = (Lens(rebalancer).total_value(), Lens(rebalancer).nav_per_share())
    push = amount_of("WBTC", 3_000_000)

    receipt = flash.attack(
        uni.router,
        [tokens["WBTC"], tokens["WETH"]],
        push,
        [
            # The trade the plan wants (WBTC for WETH), into the pool the attacker just drained of WETH.
            call(rebalancer.trade, 2, 0, 0, 0, 0, chain.pending_timestamp + 600, allow_failure=True),
            call(vault.mint, 50 * WAD, flash, [MAX_UINT256] * 3),
            call(vault.redeem, 50 * WAD, flash, [0, 0, 0]),
        ],
        sender=attacker,
    )

    first = receipt.events.filter(flash.Swapped)[0]
    # The pool really was off: $3M of WBTC fetched under 80% of its oracle value in WETH.
    assert adapter.value(tokens["WETH"], first.amount_out) < adapter.value(tokens["WBTC"], push) * 8 // 10
    # The trade hit the oracle bound and reverted whole: no plan started, nothing traded.
    assert [e.ok for e in receipt.events.filter(flash.CallMade)] == [False, True, True]
    assert not receipt.events.filter(vault.RebalanceTrade)
    assert (rebalancer.trades(), rebalancer.plans(), rebalancer.rebalance_started()) == (0, 0, 0)
    # Valued from stored units at oracle prices: the manipulated pool moved nothing.
    assert (Lens(rebalancer).total_value(), Lens(rebalancer).nav_per_share()) == value_before
    assert all(a >= b for a, b in zip(token_balances(basket, [vault]), vault_before, strict=True))
    profit = usd_of(vault, adapter, basket, [attacker, flash]) - before
    record_profit("flash: trade+mint+redeem in one tx ($3M push)", profit)
    assert profit < 0


@pytest.mark.parametrize("push_usd", [3_000_000, 15_000])
def test_flash_manipulation__perform_upkeep_inside_one_tx__vault_within_bound_attacker_loses(
    vault,
    rebalancer,
    adapter,
    uni,
    tokens,
    basket,
    owner,
    manager,
    keeper,
    attacker,
    flash,
    push_usd,
    live_enact,
):
    rebalancer.set_targets(TARGETS, sender=manager)
    live_enact(rebalancer.set_open_trading, True, sender=owner)
    needed, data = rebalancer.checkUpkeep.call(b"")
    assert needed
    plan = list(rebalancer.target_weights())
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
    assert list(rebalancer.target_weights()) == plan
    if push_usd > 100_000:
        # Far beyond the oracle bound: the trade reverted inside the attack and the vault kept all.
        assert not traded
        assert token_balances(basket, [vault]) == vault_before
        assert rebalancer.trades() == rebalancer.plans() == 0
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
    stock(uni, tokens, attacker, 1_000, [])
    give(uni, tokens["WBTC"], attacker, amount_of("WBTC", 1_000_000))
    buy_index = 0 if not via_weth else 1
    data = upkeep(ACTION_TRADE, 2, buy_index, 0, int(via_weth), chain.pending_timestamp + 3_000)
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
# A bidder on the Dutch auction (contracts/DutchAuction.vy) with a flash-moved pool
# ---------------------------------------------------------------------------------------------

AUCTION_PREMIUM_BPS = 500
AUCTION_LENGTH = 3_600
# When the bid lands: in the very transaction that opens the auction (the attacker is its
# launcher), half-way down the curve, and at its end, where the price is the floor itself.
BID_TIMES = {"same block as open": 0, "mid-auction": AUCTION_LENGTH // 2, "at the floor": AUCTION_LENGTH}


@pytest.mark.parametrize("when", list(BID_TIMES))
def test_auction_bid__pool_pushed_around_it_at_any_time__paid_the_oracle_curve_never_beyond_the_floor(
    project,
    vault,
    rebalancer,
    adapter,
    uni,
    tokens,
    basket,
    owner,
    manager,
    keeper,
    attacker,
    chain,
    flash,
    live_enact,
    when,
):
    rebalancer.set_targets(TARGETS, sender=manager)  # WBTC over its target, WETH under
    auction = owner.deploy(project.DutchAuction, rebalancer, AUCTION_PREMIUM_BPS, AUCTION_LENGTH)
    live_enact(rebalancer.add_venue, auction, sender=owner)  # the index has holders: queued
    live_enact(rebalancer.set_keeper, auction, True, sender=owner)
    auction.set_launcher(flash, 0, sender=owner)  # the attacker may open it (tightening: at once)
    give(uni, tokens["WETH"], attacker, amount_of("WETH", 50_000))
    tokens["WETH"].transfer(flash, tokens["WETH"].balanceOf(attacker), sender=attacker)
    flash.execute([call(tokens["WETH"].approve, auction, MAX_UINT256)], sender=attacker)
    wbtc, weth = tokens["WBTC"], tokens["WETH"]
    outcomes = {}
    for push_usd in (0, 300_000, 3_000_000):
        snapshot = chain.snapshot()
        calls = []
        if BID_TIMES[when] == 0:
            calls.append(call(auction.open))
        else:
            auction.open(sender=keeper)
            chain.pending_timestamp = int(auction.opened_at()) + BID_TIMES[when]
        calls.append(call(auction.bid, 2, 0, MAX_UINT256, chain.pending_timestamp + 600))
        before = usd_of(vault, adapter, basket, [attacker, flash])
        value_before = basket_value(vault, adapter, basket)
        if push_usd:
            # WBTC dumped into the WBTC/WETH pair (the pool now says WBTC is cheap), the bid for the
            # vault's WBTC paid with the WETH that dump bought, then the WETH left swapped back.
            receipt = flash.attack(
                uni.router, [wbtc, weth], amount_of("WBTC", push_usd), calls, sender=attacker
            )
        else:
            receipt = flash.execute(calls, sender=attacker)
        (fill,) = receipt.events.filter(auction.Fill)
        sold_usd = adapter.value(wbtc, fill.amount_sold)
        profit = usd_of(vault, adapter, basket, [attacker, flash]) - before
        # The floor lets a bidder keep at most the maximum slippage of what it took, by design.
        beyond = profit - sold_usd * SLIPPAGE_BPS // 10_000
        record_profit(f"auction bid {when}, ${push_usd:,} push: over the floor", beyond)
        outcomes[push_usd] = (fill.amount_sold, fill.amount_paid, fill.factor_bps)
        assert beyond <= DUST_USD, (when, push_usd, profit, sold_usd)
        # What the bid took from the vault, the vault was paid for at the curve's price.
        assert value_before - basket_value(vault, adapter, basket) <= bound_of(sold_usd)
        if push_usd:
            assert receipt.events.filter(flash.Swapped)[0].amount_out > 0
        chain.restore(snapshot)
    # The pool's state never reaches the price: the same fill whatever was pushed.
    assert len(set(outcomes.values())) == 1, outcomes
    sold, paid, factor = outcomes[0]
    assert (
        factor
        == 10_000
        + AUCTION_PREMIUM_BPS
        - (AUCTION_PREMIUM_BPS + SLIPPAGE_BPS) * BID_TIMES[when] // AUCTION_LENGTH
    )
    # ... and the payment is the oracle price times the curve's factor, rounded up for the vault.
    exact = Fraction(
        sold * PRICES["WBTC"] * 10 ** DECIMALS["WETH"] * factor,
        10 ** DECIMALS["WBTC"] * PRICES["WETH"] * 10_000,
    )
    assert paid == -(-exact.numerator // exact.denominator)


# ---------------------------------------------------------------------------------------------
# A feed stuck at its bound (LUNA / UST, May 2022)
# ---------------------------------------------------------------------------------------------


def test_feed_stuck_at_lower_bound__trading_stops_by_name_mint_redeem_go_on_and_minting_cannot_profit(
    vault, rebalancer, adapter, submit, uni, tokens, basket, owner, manager, keeper, alice, attacker, chain
):
    usdc = tokens["USDC"]
    floor = 10**17  # $0.10, where the feed's minAnswer would clamp
    adapter.set_bounds(usdc, floor, 10 * USD, sender=owner)
    # A plan made while USDC was healthy: it buys USDC with WETH and WBTC.
    rebalancer.set_targets([2500, 5000, 2500], sender=manager)
    needed, data = rebalancer.checkUpkeep.call(b"")
    assert needed
    vault_before = token_balances(basket, [vault])

    # The collapse: the market falls to $0.01 (the pools are dumped on) while the feed sticks at $0.10.
    submit("USDC", floor // 10**10)
    give(uni, usdc, attacker, amount_of("USDC", 900_000_000))
    for other in (tokens["WETH"], tokens["WBTC"]):
        swap(uni, attacker, [usdc, other], amount_of("USDC", 90_000_000))

    reason = "oracle: price below lower bound"
    assert view_reverts(adapter.price, usdc) == reason
    scout = Lens(rebalancer).scout
    assert view_reverts(scout.values, rebalancer) == reason
    assert view_reverts(scout.nav_per_share, rebalancer) == reason
    proposal = check_upkeep(rebalancer)
    # The scout names the failing component (USDC, index 1).
    assert not proposal.needed and proposal.reason == REASON_ORACLE and proposal.detail >> 8 == 1, (
        proposal.why
    )
    with ape.reverts(reason):
        rebalancer.performUpkeep(data, sender=keeper)
    with ape.reverts(reason):
        rebalancer.trade(0, 1, 0, 0, 0, chain.pending_timestamp + 600, sender=keeper)
    assert token_balances(basket, [vault]) == vault_before
    assert rebalancer.trades() == rebalancer.plans() == 0

    # Mint and redeem go on; the attacker, rich in crashed USDC, mints and redeems in kind.
    for token in basket:
        token.approve(vault, MAX_UINT256, sender=attacker)
    stock(uni, tokens, attacker, 50_000, [vault])
    held = token_balances(basket, [attacker])
    # An odd amount, so that every rounding is real: mint takes up, redeem pays down.
    vault.mint(1_000 * WAD + 1, attacker, [MAX_UINT256] * 3, sender=attacker)
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
    return [
        ("proposed pair, direct", upkeep(ACTION_TRADE, 2, 0, 0, 0, soon)),
        ("proposed pair, via WETH although WETH is bought", upkeep(ACTION_TRADE, 2, 0, 0, 1, soon)),
        ("another valid pair", upkeep(ACTION_TRADE, 1, 0, 0, 0, soon)),
        ("longest deadline", upkeep(ACTION_TRADE, 2, 0, 0, 0, now + 3_599)),
        ("deadline beyond the window", upkeep(ACTION_TRADE, 2, 0, 0, 0, now + 10**9)),
        ("deadline passed", upkeep(ACTION_TRADE, 2, 0, 0, 0, now - 1)),
        ("unknown action", upkeep(2**256 - 1, 2, 0, 0, 0, soon)),
        ("no-action answer replayed", upkeep(0, 4, 0, 0, 0, soon)),
        ("index past the basket", upkeep(ACTION_TRADE, 2**256 - 1, 0, 0, 0, soon)),
        ("bought component sold", upkeep(ACTION_TRADE, 0, 2, 0, 0, soon)),
        ("venue past the list", upkeep(ACTION_TRADE, 2, 0, 1, 0, soon)),
        ("venue index huge", upkeep(ACTION_TRADE, 2, 0, 2**256 - 1, 0, soon)),
        ("unknown route", upkeep(ACTION_TRADE, 2, 0, 0, 2**255, soon)),
        ("short data", upkeep(ACTION_TRADE, 2, 0, 0, 0, soon)[:191]),
        ("empty data", b""),
        ("data past 192 bytes", upkeep(ACTION_TRADE, 2, 0, 0, 0, soon) + b"\x01"),
    ]


def test_perform_upkeep__crafted_data_with_keepers_own_sandwich__keeper_never_profits_vault_within_bound(
    vault, rebalancer, adapter, uni, tokens, basket, manager, keeper, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
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
        plan = (list(rebalancer.last_trades()), rebalancer.trades(), rebalancer.plans())
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
            assert (list(rebalancer.last_trades()), rebalancer.trades(), rebalancer.plans()) == plan, name
        chain.restore(snapshot)
    # Data only picks among actions that pass every check: these went through, the rest reverted.
    went_through = {n for n, r in results.items() if r[0]}
    assert went_through == {"proposed pair, direct", "another valid pair", "longest deadline"}, results


# ---------------------------------------------------------------------------------------------
# The simulation entry point and checkUpkeep, called by anyone
# ---------------------------------------------------------------------------------------------


def rebalancer_state(rebalancer) -> tuple:
    return (
        rebalancer.trades(),
        rebalancer.plans(),
        rebalancer.rebalance_started(),
        rebalancer.last_trade_at(),
        tuple(rebalancer.last_trades()),
    )


def test_simulate_trade__attacker_calls_and_sends_it__always_reverts_and_changes_nothing(
    vault, rebalancer, uni, tokens, basket, manager, attacker, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    pair = uni.factory.getPair(tokens["WBTC"], tokens["WETH"])
    watched = [vault, pair, attacker, rebalancer]
    before = ([token_balances(basket, [w]) for w in watched], rebalancer_state(rebalancer), vault.holdings())
    assert not rebalancer.keepers(attacker) and not rebalancer.open_trading()

    # As a call: the trade runs to its end (the marker, what it sold and received) and is undone.
    salt = b"\x11" * 32
    data = "0x" + bytes(rebalancer.simulate_trade.encode_input(2, 0, 0, 0, salt)).hex()
    reply = chain.provider.web3.provider.make_request(
        "eth_call", [{"from": attacker.address, "to": rebalancer.address, "data": data}, "latest"]
    )
    raw = bytes.fromhex(reply["error"]["data"][2:]) if "error" in reply else b""
    assert raw[:4] == b"SIMU" and len(raw) == 100, reply
    echoed, sold, received = decode(["bytes32", "uint256", "uint256"], raw[4:])
    assert echoed == salt and sold > 0 and received > 0
    # As transactions, on every pair and route the attacker likes: each reverts, nothing persists.
    for sell, buy, route in ((2, 0, 0), (2, 1, 1), (1, 0, 0), (0, 2, 0), (2, 0, 5)):
        with pytest.raises(CallReverted):
            send(rebalancer.simulate_trade, sell, buy, 0, route, salt, sender=attacker)

    after = ([token_balances(basket, [w]) for w in watched], rebalancer_state(rebalancer), vault.holdings())
    assert after == before
    assert before[1] == (0, 0, 0, 0, (0, 0, 0))


def test_check_upkeep__1000_bytes_of_check_data__same_proposal_as_empty_and_it_executes(
    vault, rebalancer, manager, keeper
):
    rebalancer.set_targets(TARGETS, sender=manager)
    long_data = bytes(range(256)) * 3 + b"\xff" * 232
    assert len(long_data) == 1_000

    empty = rebalancer.checkUpkeep.call(b"")
    long = rebalancer.checkUpkeep.call(long_data)

    assert long[0] is True and tuple(long) == tuple(empty)
    receipt = rebalancer.performUpkeep(long[1], sender=keeper)
    assert receipt.events.filter(vault.RebalanceTrade) and rebalancer.trades() == 1
    # Chainlink's registry may pass even longer checkData; sent as a transaction it changes nothing.
    state = rebalancer_state(rebalancer)
    rebalancer.checkUpkeep(long_data * 4, sender=keeper)
    assert rebalancer_state(rebalancer) == state
