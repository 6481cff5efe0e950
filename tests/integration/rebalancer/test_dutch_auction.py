"""Dutch-auction fills (contracts/DutchAuction.vy) on the live three-component index: the index as a
maker, the price anchored to the guarded oracle prices, every fill a Rebalancer trade through the
auction venue (plan, size, toward-target check, cooldowns, the vault's delta check). An auction runs
on its own clock from `open()`; legs choose their execution (any, AMM, auction, auction first) and
the Rebalancer asks the auction before an AMM trades a leg."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import ape
import pytest

from vyndex.constants import BPS, USD, ZERO_ADDRESS
from vyndex.venues import Lens, check_upkeep

from .conftest import COOLDOWN, DECIMALS, PRICES, SLIPPAGE_BPS, amount_of, give

TARGETS = [5000, 3000, 2000]  # WETH under, USDC and WBTC over
WETH, USDC, WBTC = 0, 1, 2
PREMIUM_BPS = 500
LENGTH = 3_600
EXEC_ANY, EXEC_AMM, EXEC_AUCTION, EXEC_AUCTION_FIRST = 0, 1, 2, 3


@pytest.fixture(scope="module")
def auction(project, owner, rebalancer, uni, tokens, bob, live_enact):
    auction = owner.deploy(project.DutchAuction, rebalancer, PREMIUM_BPS, LENGTH)
    # The index has holders: each waits out the governance delay.
    live_enact(rebalancer.add_venue, auction, sender=owner)  # venue 1
    live_enact(rebalancer.set_keeper, auction, True, sender=owner)
    bob.balance += 10**23
    give(uni, tokens["WETH"], bob, amount_of("WETH", 1_000_000))
    tokens["WETH"].approve(auction, 2**256 - 1, sender=bob)
    return auction


@pytest.fixture
def gated(auction, rebalancer, owner, live_enact):
    """The auction made the Rebalancer's `auction` (queued: the index has holders)."""
    live_enact(rebalancer.set_auction, auction, sender=owner)
    assert rebalancer.auction() == auction.address
    return auction


def expected_pay(sold: int, sell: str, buy: str, factor: int) -> int:
    """ceil(sold * sell price / buy price * factor / 10,000) in base units, from the feed prices."""
    exact = Fraction(
        sold * PRICES[sell] * 10 ** DECIMALS[buy] * factor, 10 ** DECIMALS[sell] * PRICES[buy] * BPS
    )
    return -(-exact.numerator // exact.denominator)


def factor_at(elapsed: int) -> int:
    return BPS + PREMIUM_BPS - (PREMIUM_BPS + SLIPPAGE_BPS) * elapsed // LENGTH


def deadline(chain) -> int:
    return chain.pending_timestamp + 600


def fill(auction, receipt):
    (event,) = receipt.events.filter(auction.Fill)
    return event


def open_auction(auction, keeper) -> int:
    """Opens an auction (as a Rebalancer keeper); returns its opened_at."""
    auction.open(sender=keeper)
    return int(auction.opened_at())


def flash_call(method: Any, *args: Any, allow_failure: bool = False) -> tuple[Any, bytes, bool]:
    """One entry of FlashAttacker's call list."""
    return (method.contract.address, bytes(method.encode_input(*args)), allow_failure)


# ---------------------------------------------------------------------------------------------
# The curve, on the auction's own clock
# ---------------------------------------------------------------------------------------------


def test_bid__curve__exact_at_start_middle_and_end_from_opened_at(
    auction, rebalancer, manager, keeper, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    assert auction.price_factor_bps() == BPS + PREMIUM_BPS  # closed: where the next one starts
    opened = open_auction(auction, keeper)
    chain.pending_timestamp = opened + 1
    first = fill(auction, auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob))
    assert first.factor_bps == factor_at(1) == BPS + PREMIUM_BPS
    assert first.amount_paid == expected_pay(first.amount_sold, "WBTC", "WETH", BPS + PREMIUM_BPS)
    chain.pending_timestamp = opened + LENGTH // 2
    middle = fill(auction, auction.bid(USDC, WETH, 2**255, deadline(chain), sender=bob))
    assert middle.factor_bps == BPS + PREMIUM_BPS - (PREMIUM_BPS + SLIPPAGE_BPS) // 2
    assert middle.amount_paid == expected_pay(middle.amount_sold, "USDC", "WETH", middle.factor_bps)
    chain.pending_timestamp = opened + LENGTH
    end = fill(auction, auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob))
    assert end.factor_bps == BPS - SLIPPAGE_BPS  # exactly the floor at the end
    assert end.amount_paid == expected_pay(end.amount_sold, "WBTC", "WETH", BPS - SLIPPAGE_BPS)
    assert auction.fills() == 3


def test_bid__plan_started_earlier_by_a_keeper__curve_starts_when_the_auction_opens(
    auction, rebalancer, manager, keeper, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)  # the plan starts here
    chain.pending_timestamp = rebalancer.rebalance_started() + LENGTH  # a whole auction length later
    opened = open_auction(auction, keeper)
    chain.pending_timestamp = opened + 60
    e = fill(auction, auction.bid(USDC, WETH, 2**255, deadline(chain), sender=bob))
    assert e.factor_bps == factor_at(60) == BPS + PREMIUM_BPS - 10


def test_bid__not_open__refused_by_name_before_open_and_after_the_end(
    auction, rebalancer, manager, keeper, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    assert not auction.is_open()
    with ape.reverts("auction: not open"):
        auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob)
    opened = open_auction(auction, keeper)
    assert auction.is_open()
    chain.pending_timestamp = opened + LENGTH + 1
    with ape.reverts("auction: not open"):
        auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob)
    assert rebalancer.trades() == 0


def test_bid__same_block_as_open__pays_the_start_premium_never_below_the_floor(
    project, auction, rebalancer, vault, adapter, manager, owner, tokens, uni, attacker, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    flash = attacker.deploy(project.FlashAttacker)
    attacker.balance += 10**22
    give(uni, tokens["WETH"], attacker, amount_of("WETH", 10_000))
    tokens["WETH"].transfer(flash, tokens["WETH"].balanceOf(attacker), sender=attacker)
    auction.set_launcher(flash, 0, sender=owner)  # no window: at once; the launcher may open
    before = adapter.value(tokens["WETH"], tokens["WETH"].balanceOf(flash))
    receipt = flash.execute(
        [
            flash_call(tokens["WETH"].approve, auction, 2**256 - 1),
            flash_call(auction.open),
            flash_call(auction.bid, WBTC, WETH, 2**255, deadline(chain)),
        ],
        sender=attacker,
    )
    e = fill(auction, receipt)
    assert auction.opened_at() == chain.blocks[receipt.block_number].timestamp
    assert e.factor_bps == BPS + PREMIUM_BPS
    assert e.amount_paid == expected_pay(e.amount_sold, "WBTC", "WETH", BPS + PREMIUM_BPS)
    assert e.amount_paid >= expected_pay(e.amount_sold, "WBTC", "WETH", BPS - SLIPPAGE_BPS)
    after = adapter.value(tokens["WETH"], tokens["WETH"].balanceOf(flash)) + adapter.value(
        tokens["WBTC"], tokens["WBTC"].balanceOf(flash)
    )
    assert after < before  # against the oracle the bidder lost the premium


def test_bid__flash_moved_pool__price_paid_is_the_oracles(
    project, auction, rebalancer, manager, owner, keeper, tokens, uni, attacker, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    flash = attacker.deploy(project.FlashAttacker)
    attacker.balance += 10**24
    give(uni, tokens["WETH"], attacker, amount_of("WETH", 3_010_000))
    tokens["WETH"].transfer(flash, tokens["WETH"].balanceOf(attacker), sender=attacker)
    flash.execute([flash_call(tokens["WETH"].approve, auction, 2**256 - 1)], sender=attacker)
    opened = open_auction(auction, keeper)
    chain.pending_timestamp = opened + 600
    snapshot = chain.snapshot()
    plain = fill(
        auction,
        flash.execute([flash_call(auction.bid, WBTC, WETH, 2**255, deadline(chain))], sender=attacker),
    )
    chain.restore(snapshot)
    chain.pending_timestamp = opened + 600
    # $3M of WETH pushed into the WETH/WBTC pair first, then the bid, then the swap back.
    receipt = flash.attack(
        uni.router,
        [tokens["WETH"], tokens["WBTC"]],
        amount_of("WETH", 3_000_000),
        [flash_call(auction.bid, WBTC, WETH, 2**255, deadline(chain))],
        sender=attacker,
    )
    moved = fill(auction, receipt)
    swapped = receipt.events.filter(flash.Swapped)[0]
    assert swapped.amount_out < amount_of("WBTC", 3_000_000) * 85 // 100  # the pool really was off
    assert (moved.amount_sold, moved.amount_paid, moved.factor_bps) == (
        plain.amount_sold,
        plain.amount_paid,
        plain.factor_bps,
    )
    assert moved.amount_paid == expected_pay(moved.amount_sold, "WBTC", "WETH", factor_at(600))


# ---------------------------------------------------------------------------------------------
# Fills
# ---------------------------------------------------------------------------------------------


def test_bid__partial_fills__each_a_capped_chunk_and_the_vault_gets_the_payment(
    auction, vault, rebalancer, tokens, manager, keeper, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    open_auction(auction, keeper)
    weth_before, wbtc_before = tokens["WETH"].balanceOf(vault), tokens["WBTC"].balanceOf(vault)
    bob_wbtc = tokens["WBTC"].balanceOf(bob)
    one = fill(auction, auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob))
    chain.pending_timestamp += COOLDOWN
    two = fill(auction, auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob))
    for e in (one, two):
        assert 1_999 * USD <= Fraction(e.amount_sold * PRICES["WBTC"] * USD, 10**8) <= 2_000 * USD
    assert tokens["WETH"].balanceOf(vault) == weth_before + one.amount_paid + two.amount_paid
    assert tokens["WBTC"].balanceOf(vault) == wbtc_before - one.amount_sold - two.amount_sold
    assert tokens["WBTC"].balanceOf(bob) == bob_wbtc + one.amount_sold + two.amount_sold
    assert tokens["WBTC"].balanceOf(auction) == 0 and tokens["WETH"].balanceOf(auction) == 0
    assert auction.sold_usd() == sum(e.amount_sold * PRICES["WBTC"] * USD // 10**8 for e in (one, two))


def test_bid__every_fill__pays_at_least_the_oracle_floor_in_base_units(
    auction, rebalancer, manager, keeper, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    opened = open_auction(auction, keeper)
    for at, pair in (
        (opened + 1, (WBTC, WETH)),
        (opened + LENGTH // 2, (USDC, WETH)),
        (opened + LENGTH, (WBTC, WETH)),
    ):
        chain.pending_timestamp = at
        e = fill(auction, auction.bid(*pair, 2**255, deadline(chain), sender=bob))
        sell, buy = ("WBTC" if pair[0] == WBTC else "USDC"), "WETH"
        sold = Fraction(e.amount_sold * PRICES[sell], 10 ** DECIMALS[sell])
        paid = Fraction(e.amount_paid * PRICES[buy], 10 ** DECIMALS[buy])
        assert paid * BPS >= sold * (BPS - SLIPPAGE_BPS)


def test_bid__auction_cap__fill_clipped_to_what_is_left_then_refused_until_reopened(
    auction, rebalancer, manager, owner, keeper, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    auction.set_auction_limits(500 * USD, 86_400, sender=owner)  # a smaller cap: at once
    assert auction.auction_cap_usd() == 500 * USD
    opened = open_auction(auction, keeper)
    e = fill(auction, auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob))
    # The Rebalancer's chunk is $2,000; the auction sells floor($500 / $30,000) BTC of it.
    assert e.amount_sold == 500 * 10**8 // 30_000
    assert 500 * USD - PRICES["WBTC"] * USD // 10**8 < auction.sold_usd() <= 500 * USD
    chain.pending_timestamp += COOLDOWN
    with ape.reverts("auction: over auction cap"):
        auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob)
    # A new auction starts afresh.
    chain.pending_timestamp = opened + LENGTH + 1
    open_auction(auction, keeper)
    assert auction.sold_usd() == 0
    assert (
        fill(auction, auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob)).amount_sold
        == e.amount_sold
    )


def test_bid__above_bidders_limit__refused_by_name_and_nothing_moves(
    auction, vault, rebalancer, tokens, manager, keeper, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    open_auction(auction, keeper)
    balances = [tokens[s].balanceOf(vault) for s in ("WETH", "USDC", "WBTC")]
    with ape.reverts("auction: price above bidder's limit"):
        auction.bid(WBTC, WETH, 10**15, deadline(chain), sender=bob)  # 0.001 WETH for $2,000 of WBTC
    assert [tokens[s].balanceOf(vault) for s in ("WETH", "USDC", "WBTC")] == balances
    assert rebalancer.trades() == 0 and rebalancer.plans() == 0 and auction.sold_usd() == 0


def test_bid__short_delivering_bidder__whole_fill_reverts(
    auction, vault, rebalancer, tokens, manager, keeper, carol, uni, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    open_auction(auction, keeper)
    carol.balance += 10**22
    give(uni, tokens["WETH"], carol, 10**16)  # far too little WETH to pay
    tokens["WETH"].approve(auction, 2**256 - 1, sender=carol)
    balances = [tokens[s].balanceOf(vault) for s in ("WETH", "USDC", "WBTC")]
    with ape.reverts():
        auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=carol)
    assert [tokens[s].balanceOf(vault) for s in ("WETH", "USDC", "WBTC")] == balances
    assert tokens["WBTC"].balanceOf(carol) == 0


def test_bid__overshoot_and_wrong_side__refused_by_the_rebalancers_names(
    auction, rebalancer, manager, keeper, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    open_auction(auction, keeper)
    with ape.reverts("rebalancer: sell not above target"):
        auction.bid(WETH, USDC, 2**255, deadline(chain), sender=bob)
    with ape.reverts("rebalancer: buy not below target"):
        auction.bid(WBTC, USDC, 2**255, deadline(chain), sender=bob)


def test_bid__allowlist_and_launcher_window__refused_by_name(
    auction, rebalancer, owner, manager, bob, stranger, tokens, uni, chain, live_enact
):
    rebalancer.set_targets(TARGETS, sender=manager)
    auction.set_allowlist_only(True, sender=owner)  # tightening: at once
    live_enact(auction.set_bidder, bob, True, sender=owner)  # adding a bidder loosens: queued
    live_enact(auction.set_bidder, stranger, True, sender=owner)
    live_enact(auction.set_launcher, stranger, 600, sender=owner)  # a window: queued
    # The launcher opens; during its window only it bids.
    stranger.balance += 10**22
    give(uni, tokens["WETH"], stranger, amount_of("WETH", 10_000))
    tokens["WETH"].approve(auction, 2**256 - 1, sender=stranger)
    auction.open(sender=stranger)
    opened = auction.opened_at()
    auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=stranger)
    with ape.reverts("auction: launcher window"):
        auction.bid(USDC, WETH, 2**255, deadline(chain), sender=bob)
    auction.set_bidder(bob, False, sender=owner)  # removing: at once
    chain.pending_timestamp = opened + 600
    with ape.reverts("auction: bidder not allowlisted"):
        auction.bid(USDC, WETH, 2**255, deadline(chain), sender=bob)
    auction.set_bidder(bob, True, sender=owner)  # queued again: bob still refused
    with ape.reverts("auction: bidder not allowlisted"):
        auction.bid(USDC, WETH, 2**255, deadline(chain), sender=bob)


def test_bid__stale_feed_or_paused_vault__stops_fills_by_name(
    auction, vault, rebalancer, submit, manager, owner, keeper, guardian, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    auction.set_curve(PREMIUM_BPS, 2 * 86_400, sender=owner)  # a longer auction: at once
    open_auction(auction, keeper)
    vault.set_paused(True, sender=guardian)
    with ape.reverts("vault: rebalancing paused"):
        auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob)
    vault.set_paused(False, sender=guardian)
    chain.pending_timestamp += 86_400 + 1
    for symbol in ("WETH", "USDC"):
        submit(symbol, PRICES[symbol] * 10**8)
    assert auction.is_open()
    with ape.reverts("oracle: stale price"):
        auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob)


def test_swap_and_prepare__outside_a_bid__refused(auction, rebalancer, tokens, attacker):
    with ape.reverts("auction: caller is not the rebalancer"):
        auction.swap(tokens["WBTC"], tokens["WETH"], 1, 1, 0, attacker, sender=attacker)
    with ape.reverts("auction: no bid running"):
        auction.prepare(tokens["WBTC"], tokens["WETH"], 1, 0)
    # Through the Rebalancer (a keeper naming the auction venue) but without a bidder.
    with ape.reverts():
        rebalancer.trade(WBTC, WETH, 1, 0, 0, 2**40, sender=attacker)
    # The prices a fill is priced from exist only inside a trade: nobody can read stale ones.
    with ape.reverts("rebalancer: no trade running"):
        rebalancer.trade_prices()


# ---------------------------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------------------------


def test_open__preconditions__refused_by_name(
    auction, rebalancer, manager, owner, keeper, stranger, chain, live_enact
):
    with ape.reverts("auction: caller may not open"):
        auction.open(sender=stranger)
    # No targets yet: every component is over its (zero) target, none under.
    with ape.reverts("auction: nothing to trade"):
        auction.open(sender=keeper)
    rebalancer.set_targets([3334, 3333, 3333], sender=manager)  # the basket already sits there
    with ape.reverts("auction: drift within threshold"):
        auction.open(sender=keeper)
    rebalancer.set_targets(TARGETS, sender=manager)
    weights = Lens(rebalancer).weights()
    receipt = auction.open(sender=keeper)
    (opened,) = receipt.events.filter(auction.AuctionOpened)
    assert opened.opener == keeper.address and opened.ends_at == auction.opened_at() + LENGTH
    assert (
        opened.drift_bps
        == max(abs(w - t) for w, t in zip(weights, TARGETS, strict=True))
        == Lens(rebalancer).drift_bps()
    )
    with ape.reverts("auction: already open"):
        auction.open(sender=keeper)
    # With open trading anyone opens, once the last auction has ended.
    live_enact(rebalancer.set_open_trading, True, sender=owner)
    auction.open(sender=stranger)
    assert auction.opened_at() == chain.blocks.head.timestamp


def test_open__plan_running_within_threshold__opens_while_something_is_left(
    auction, rebalancer, manager, keeper, chain
):
    # WETH 1.5% under, USDC 1% over, WBTC 0.5% over: the drift passes the 1% threshold.
    rebalancer.set_targets([3484, 3233, 3283], sender=manager)
    rebalancer.trade(USDC, WETH, 0, 0, 0, deadline(chain), sender=keeper)  # starts the plan, ~$600
    assert rebalancer.plan_active()
    assert Lens(rebalancer).drift_bps() <= rebalancer.drift_threshold_bps()
    auction.open(sender=keeper)  # the plan runs: no threshold check; ~$300 of WBTC still over
    assert auction.is_open()


# ---------------------------------------------------------------------------------------------
# Execution per leg
# ---------------------------------------------------------------------------------------------


def test_execution__amm_leg__bids_refused_keepers_trade(
    auction, rebalancer, tokens, manager, owner, keeper, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    auction.set_leg_execution(tokens["WBTC"], tokens["WETH"], EXEC_AMM, sender=owner)
    assert auction.execution(tokens["WBTC"], tokens["WETH"]) == EXEC_AMM
    assert auction.execution(tokens["USDC"], tokens["WETH"]) == EXEC_ANY  # the default
    open_auction(auction, keeper)
    with ape.reverts("auction: leg not auctioned"):
        auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob)
    auction.bid(USDC, WETH, 2**255, deadline(chain), sender=bob)
    chain.pending_timestamp += COOLDOWN
    rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)


def test_execution__auction_leg__amm_refused_scout_proposes_another_leg(
    gated, rebalancer, tokens, manager, owner, keeper, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    gated.set_leg_execution(tokens["WBTC"], tokens["WETH"], EXEC_AUCTION, sender=owner)
    assert not gated.amm_open(tokens["WBTC"], tokens["WETH"])
    with ape.reverts("rebalancer: leg held in auction"):
        rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)
    proposal = check_upkeep(rebalancer)
    assert proposal.needed and (proposal.sell, proposal.buy) == (USDC, WETH), proposal.why
    rebalancer.performUpkeep(proposal.data, sender=keeper)
    # The auction leg still fills by bid.
    chain.pending_timestamp += COOLDOWN
    open_auction(gated, keeper)
    fill(gated, gated.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob))
    # Every leg held: the scout has nothing that executes.
    gated.set_default_execution(EXEC_AUCTION, sender=owner)
    chain.pending_timestamp += COOLDOWN
    chain.mine()
    held = check_upkeep(rebalancer)
    assert not held.needed and held.reason == 7, held.why


def test_execution__auction_first__amm_only_after_the_auction_within_the_window(
    gated, rebalancer, tokens, manager, owner, keeper, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    gated.set_default_execution(EXEC_AUCTION_FIRST, sender=owner)
    gated.set_auction_limits(10**30, 600, sender=owner)  # same cap: at once
    wbtc, weth = tokens["WBTC"], tokens["WETH"]
    assert not gated.amm_open(wbtc, weth)  # no auction has run yet
    with ape.reverts("rebalancer: leg held in auction"):
        rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)
    opened = open_auction(gated, keeper)
    chain.pending_timestamp = opened + LENGTH
    chain.mine()
    assert not gated.amm_open(wbtc, weth)  # the auction's last second
    chain.pending_timestamp = opened + LENGTH + 1
    chain.mine()
    assert gated.amm_open(wbtc, weth)
    rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)
    chain.pending_timestamp = opened + LENGTH + 600 + 1
    chain.mine()
    assert not gated.amm_open(wbtc, weth)
    with ape.reverts("rebalancer: leg held in auction"):
        rebalancer.trade(USDC, WETH, 0, 0, 0, deadline(chain), sender=keeper)


def test_execution__no_auction_set__rebalancer_never_asks(
    auction, rebalancer, tokens, manager, owner, keeper, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    auction.set_default_execution(EXEC_AUCTION, sender=owner)
    assert rebalancer.auction() == ZERO_ADDRESS
    rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)


# ---------------------------------------------------------------------------------------------
# The Rebalancer's auction setting
# ---------------------------------------------------------------------------------------------


def test_set_auction__with_holders__queued_must_be_a_venue_cleared_at_once_and_by_remove_venue(
    auction, rebalancer, owner, stranger, chain
):
    with ape.reverts("rebalancer: auction not a venue"):
        rebalancer.set_auction(stranger, sender=owner)
    receipt = rebalancer.set_auction(auction, sender=owner)
    (queued,) = [log for log in receipt.decode_logs() if log.event_name == "ChangeQueued"]
    assert rebalancer.auction() == ZERO_ADDRESS
    with ape.reverts("timelock: change not due"):
        rebalancer.set_auction(auction, sender=owner)
    chain.mine(timestamp=int(queued.eta))
    applied = rebalancer.set_auction(auction, sender=owner)
    assert rebalancer.auction() == auction.address
    assert [e.auction for e in applied.events.filter(rebalancer.AuctionSet)] == [auction.address]
    rebalancer.set_auction(ZERO_ADDRESS, sender=owner)  # unsetting: at once
    assert rebalancer.auction() == ZERO_ADDRESS
    rebalancer.set_auction(auction, sender=owner)  # queued afresh
    chain.mine(timestamp=chain.blocks.head.timestamp + 2 * 86_400)
    rebalancer.set_auction(auction, sender=owner)
    rebalancer.remove_venue(1, sender=owner)
    assert rebalancer.auction() == ZERO_ADDRESS


def test_add_venue__bad_venue__refused_before_queueing(auction, rebalancer, owner, stranger):
    with ape.reverts("rebalancer: venue has no code"):
        rebalancer.add_venue(stranger, sender=owner)
    with ape.reverts("rebalancer: duplicate venue"):
        rebalancer.add_venue(auction, sender=owner)


# ---------------------------------------------------------------------------------------------
# Owner settings
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("premium", "length", "reason"),
    [
        (2_001, LENGTH, "auction: premium over cap"),
        (0, 59, "auction: auction too short"),
        (0, 7 * 86_400 + 1, "auction: auction too long"),
    ],
)
def test_set_curve__out_of_bounds__named_errors(auction, owner, premium, length, reason):
    with ape.reverts(reason):
        auction.set_curve(premium, length, sender=owner)


def test_setters__out_of_bounds__named_errors(auction, tokens, owner, stranger):
    for call, reason in (
        (lambda: auction.set_auction_limits(10**18 - 1, 0, sender=owner), "auction: auction cap too small"),
        (lambda: auction.set_auction_limits(10**30 + 1, 0, sender=owner), "auction: auction cap too large"),
        (
            lambda: auction.set_auction_limits(10**30, 7 * 86_400 + 1, sender=owner),
            "auction: amm window too long",
        ),
        (lambda: auction.set_default_execution(4, sender=owner), "auction: unknown execution"),
        (
            lambda: auction.set_leg_execution(tokens["WBTC"], tokens["WETH"], 4, sender=owner),
            "auction: unknown execution",
        ),
        (lambda: auction.set_launcher(stranger, 86_401, sender=owner), "auction: launcher window too long"),
    ):
        with ape.reverts(reason):
            call()


def test_setters__loosening_with_holders__queued_and_guardian_cancels(
    auction, owner, guardian, stranger, chain
):
    receipt = auction.set_curve(PREMIUM_BPS - 100, LENGTH, sender=owner)  # a lower premium loosens
    (queued,) = [log for log in receipt.decode_logs() if log.event_name == "ChangeQueued"]
    assert auction.premium_bps() == PREMIUM_BPS
    auction.set_curve(PREMIUM_BPS + 100, LENGTH * 2, sender=owner)  # higher and longer: at once
    assert (auction.premium_bps(), auction.auction_length()) == (PREMIUM_BPS + 100, LENGTH * 2)
    cap = auction.set_auction_limits(10**30, 0, sender=owner)  # same cap: at once (window only)
    assert not [log for log in cap.decode_logs() if log.event_name == "ChangeQueued"]
    assert auction.amm_window() == 0
    with ape.reverts("auction: caller not guardian"):
        auction.cancel(queued.id, sender=stranger)
    auction.cancel(queued.id, sender=guardian)
    assert auction.eta(queued.id) == 0
    chain.mine(timestamp=int(queued.eta))
    auction.set_curve(PREMIUM_BPS - 100, LENGTH, sender=owner)  # queued afresh, not applied
    assert auction.premium_bps() == PREMIUM_BPS + 100


def test_owner_setters__others__refused(auction, tokens, stranger):
    for call in (
        lambda: auction.set_curve(0, LENGTH, sender=stranger),
        lambda: auction.set_launcher(stranger, 0, sender=stranger),
        lambda: auction.set_allowlist_only(True, sender=stranger),
        lambda: auction.set_bidder(stranger, True, sender=stranger),
        lambda: auction.set_auction_limits(10**18, 0, sender=stranger),
        lambda: auction.set_default_execution(EXEC_AUCTION, sender=stranger),
        lambda: auction.set_leg_execution(tokens["WBTC"], tokens["WETH"], EXEC_AMM, sender=stranger),
    ):
        with ape.reverts("ownable: caller is not the owner"):
            call()


def test_scout__auction_venue__never_proposed_to_amm_keepers(auction, rebalancer, owner, manager):
    rebalancer.set_targets(TARGETS, sender=manager)
    proposal = check_upkeep(rebalancer)
    assert proposal.needed and proposal.venue == 0
    rebalancer.remove_venue(0, sender=owner)  # the auction is now the only venue (index 0)
    alone = check_upkeep(rebalancer)
    assert not alone.needed and alone.reason in (5, 7), alone.why


# ---------------------------------------------------------------------------------------------
# The Python bidder
# ---------------------------------------------------------------------------------------------


def test_bidder__premium_then_decay__bids_only_once_the_pool_pays_more_than_the_auction_asks(
    auction, rebalancer, uni, tokens, manager, keeper, bob, chain
):
    from vyndex.keeper.bidder import bid_best, scan

    rebalancer.set_targets(TARGETS, sender=manager)
    basket = [tokens["WETH"], tokens["USDC"], tokens["WBTC"]]
    assert scan(auction, rebalancer, uni, basket, bob) == []  # nothing open
    opened = open_auction(auction, keeper)
    # At the start the curve is 5% above fair; a bidder selling back into the pools (at the oracle
    # price less 0.3%) loses on every leg and stays out.
    early = scan(auction, rebalancer, uni, basket, bob)
    assert early and not any(o.profitable for o in early)
    assert all(o.factor_bps == BPS + PREMIUM_BPS for o in early)
    assert bid_best(auction, early, bob) is None
    # Near the end the price is about 1% under fair: now it pays.
    chain.pending_timestamp = opened + LENGTH - 60
    chain.mine()
    late = scan(auction, rebalancer, uni, basket, bob)
    assert late and late[0].profitable and late[0].factor_bps < BPS
    weth_before = tokens["WETH"].balanceOf(bob)
    receipt = bid_best(auction, late, bob)
    assert receipt is not None
    e = fill(auction, receipt)
    assert e.amount_sold == late[0].sold and e.amount_paid <= late[0].paid  # the curve only falls
    assert tokens["WETH"].balanceOf(bob) == weth_before - e.amount_paid


def test_bidder__auction_last_second__probes_the_block_its_bid_lands_in_and_stays_out(
    auction, rebalancer, uni, tokens, manager, keeper, bob, chain
):
    from vyndex.calls import quiet_call
    from vyndex.keeper.bidder import scan

    rebalancer.set_targets(TARGETS, sender=manager)
    basket = [tokens["WETH"], tokens["USDC"], tokens["WBTC"]]
    opened = open_auction(auction, keeper)
    request = chain.provider.web3.provider.make_request
    request("anvil_setBlockTimestampInterval", [1])  # the next block is the head's second + 1
    try:
        chain.mine(timestamp=opened + LENGTH - 1)
        # One second before the end: the bid lands at the end itself, still open, at the floor.
        (last,) = [o for o in scan(auction, rebalancer, uni, basket, bob) if o.sell_index == WBTC]
        assert last.factor_bps == factor_at(LENGTH) == BPS - SLIPPAGE_BPS
        chain.mine(timestamp=opened + LENGTH)
        # At the end: the head still takes a bid, the block a bid lands in does not.
        assert quiet_call(auction.bid, WBTC, WETH, 2**255, deadline(chain), sender=bob).ok
        assert scan(auction, rebalancer, uni, basket, bob) == []
        with ape.reverts("auction: not open"):
            auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob)
    finally:
        request("anvil_removeBlockTimestampInterval", [])


def test_bidder__values_each_leg_where_it_pays_most__a_v3_pool_beside_the_v2_pair(
    auction, rebalancer, uni, tokens, owner, manager, keeper, bob, live_enact
):
    from vyndex.keeper.bidder import pool_proceeds, scan, venue_proceeds
    from vyndex.reference.uniswap_v3 import deploy_uniswap_v3, quote_exact_input_single, seed_pool
    from vyndex.venues import deploy_v3_venue

    # A deep 0.05% WBTC/WETH pool on the real Uniswap V3, its venue listed by the rebalancer.
    uni3 = deploy_uniswap_v3(owner, uni.weth)
    owner.balance += amount_of("WETH", 20_000_000) + 10**18
    wbtc, weth, usdc = tokens["WBTC"], tokens["WETH"], tokens["USDC"]
    seed_pool(uni3, wbtc, weth, 500, amount_of("WBTC", 20_000_000), amount_of("WETH", 20_000_000), owner)
    v3 = deploy_v3_venue(owner, uni3.factory, uni.weth)
    live_enact(rebalancer.add_venue, v3, sender=owner)  # the index has holders: queued
    rebalancer.set_targets(TARGETS, sender=manager)
    auction.open(sender=keeper)
    basket = [weth, usdc, wbtc]
    legs = {(o.sell_index, o.buy_index): o for o in scan(auction, rebalancer, uni, basket, bob)}
    # WBTC is worth most in the V3 pool: the bidder values it there, at the pool's own quote.
    leg = legs[(WBTC, WETH)]
    best, where = venue_proceeds(rebalancer, auction.address, wbtc, weth, leg.sold)
    assert where == f"{v3.address}:500"
    assert leg.proceeds == best == quote_exact_input_single(uni3, wbtc, weth, 500, leg.sold).amount
    assert best > pool_proceeds(uni, wbtc, weth, leg.sold)
    assert leg.profit == best - leg.paid - leg.gas_cost
    # USDC has no V3 pool: its value is the V2 pair's, and without an address book's market too.
    leg = legs[(USDC, WETH)]
    assert leg.proceeds == pool_proceeds(uni, usdc, weth, leg.sold) > 0
    without_book = {(o.sell_index, o.buy_index): o for o in scan(auction, rebalancer, None, basket, bob)}
    assert without_book[(USDC, WETH)].proceeds == leg.proceeds
    assert without_book[(WBTC, WETH)].proceeds == best


def test_quiet_call__bids_refused_and_filled__reason_or_the_calls_own_answer_and_nothing_printed(
    auction, rebalancer, uni, tokens, manager, keeper, bob, chain, capsys
):
    from vyndex.calls import quiet_call
    from vyndex.keeper.bidder import scan

    rebalancer.set_targets(TARGETS, sender=manager)
    capsys.readouterr()
    refused = quiet_call(auction.bid, WBTC, WETH, 2**255, deadline(chain), sender=bob)
    assert (refused.ok, refused.value, refused.refusal) == (False, None, "auction: not open")
    opened = open_auction(auction, keeper)
    chain.pending_timestamp = opened + 60
    chain.mine()
    filled = quiet_call(auction.bid, WBTC, WETH, 2**255, deadline(chain), sender=bob)
    assert filled.ok and filled.value == tuple(
        auction.bid.call(WBTC, WETH, 2**255, deadline(chain), sender=bob)
    )
    assert quiet_call(auction.price_factor_bps).value == auction.price_factor_bps()
    basket = [tokens["WETH"], tokens["USDC"], tokens["WBTC"]]
    assert {(o.sell_index, o.buy_index) for o in scan(auction, rebalancer, uni, basket, bob)} == {
        (USDC, WETH),
        (WBTC, WETH),
    }
    # In the cooldown after a fill every leg refuses: the scan skips them, silently.
    auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob)
    capsys.readouterr()
    assert scan(auction, rebalancer, uni, basket, bob) == []
    assert quiet_call(auction.bid, USDC, WETH, 2**255, deadline(chain), sender=bob).refusal
    assert capsys.readouterr().out == ""  # no trace of the refused calls on stdout


def test_bid_tooling__listing__fair_pool_and_profit_per_leg_and_a_named_error_without_an_auction(
    auction, rebalancer, uni, tokens, manager, keeper, bob
):
    from vyndex.keeper.bidder import BidderError, as_json, describe, open_auction, pool_market, scan

    with pytest.raises(BidderError, match="no auction"):
        open_auction(rebalancer)  # the rebalancer has no `auction` set
    assert open_auction(rebalancer, auction.address).address == auction.address
    book = {
        "WETH": uni.weth.address,
        "UniswapV2Factory": uni.factory.address,
        "UniswapV2Router02": uni.router.address,
    }
    assert pool_market(lambda name: None) is None
    market = pool_market(book.get)
    assert market is not None and market.factory.address == uni.factory.address
    rebalancer.set_targets(TARGETS, sender=manager)
    auction.open(sender=keeper)
    symbols, decimals = ["WETH", "USDC", "WBTC"], [18, 6, 8]
    basket = [tokens[s] for s in symbols]
    rows = [as_json(o, symbols, decimals) for o in scan(auction, rebalancer, market, basket, bob)]
    assert {(r["sell"], r["buy"]) for r in rows} == {("USDC", "WETH"), ("WBTC", "WETH")}
    for r in rows:
        assert r["fair_value"] == r["receive"] * PRICES[r["sell"]] * 10**18 // (
            PRICES["WETH"] * 10 ** DECIMALS[r["sell"]]
        )
        assert r["pay"] == expected_pay(r["receive"], r["sell"], "WETH", BPS + PREMIUM_BPS)
        assert r["profit"] == r["pool_value"] - r["pay"] - r["gas_cost"] and not r["profitable"]
    text = describe(scan(auction, rebalancer, market, basket, bob)[0], symbols, decimals)
    assert "-> WETH: receive" in text and "105.00% of fair" in text
