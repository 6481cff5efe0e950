"""Dutch-auction fills (contracts/DutchAuction.vy) on the live three-component index: the index as a
maker, the price anchored to the guarded oracle prices, every fill a Rebalancer trade through the
auction venue (plan, size, toward-target check, cooldowns, the vault's delta check)."""

from __future__ import annotations

from fractions import Fraction

import ape
import pytest

from vyndex.constants import BPS, USD
from vyndex.venues import check_upkeep

from .conftest import COOLDOWN, DECIMALS, PRICES, SLIPPAGE_BPS, amount_of, give

TARGETS = [5000, 3000, 2000]  # WETH under, USDC and WBTC over
WETH, USDC, WBTC = 0, 1, 2
PREMIUM_BPS = 500
LENGTH = 3_600


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


def expected_pay(sold: int, sell: str, buy: str, factor: int) -> int:
    """ceil(sold * sell price / buy price * factor / 10,000) in base units, from the feed prices."""
    exact = Fraction(
        sold * PRICES[sell] * 10 ** DECIMALS[buy] * factor, 10 ** DECIMALS[sell] * PRICES[buy] * BPS
    )
    return -(-exact.numerator // exact.denominator)


def deadline(chain) -> int:
    return chain.pending_timestamp + 600


def fill(auction, receipt):
    (event,) = receipt.events.filter(auction.Fill)
    return event


def test_bid__curve__exact_at_start_middle_and_end(auction, rebalancer, manager, bob, chain):
    rebalancer.set_targets(TARGETS, sender=manager)
    assert auction.price_factor_bps() == BPS + PREMIUM_BPS  # before the plan: where it will start
    first = fill(auction, auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob))
    assert first.factor_bps == BPS + PREMIUM_BPS
    assert first.amount_paid == expected_pay(first.amount_sold, "WBTC", "WETH", BPS + PREMIUM_BPS)
    started = rebalancer.rebalance_started()
    chain.pending_timestamp = started + LENGTH // 2
    middle = fill(auction, auction.bid(USDC, WETH, 2**255, deadline(chain), sender=bob))
    assert middle.factor_bps == BPS + PREMIUM_BPS - (PREMIUM_BPS + SLIPPAGE_BPS) // 2
    assert middle.amount_paid == expected_pay(middle.amount_sold, "USDC", "WETH", middle.factor_bps)
    chain.pending_timestamp = started + 2 * LENGTH
    end = fill(auction, auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob))
    assert end.factor_bps == BPS - SLIPPAGE_BPS  # the floor, never below
    assert end.amount_paid == expected_pay(end.amount_sold, "WBTC", "WETH", BPS - SLIPPAGE_BPS)
    assert auction.fills() == 3


def test_bid__partial_fills__each_a_capped_chunk_and_the_vault_gets_the_payment(
    auction, vault, rebalancer, tokens, manager, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
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


def test_bid__every_fill__pays_at_least_the_oracle_floor_in_base_units(
    auction, rebalancer, manager, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    for offset, pair in ((0, (WBTC, WETH)), (LENGTH, (USDC, WETH)), (3 * LENGTH, (WBTC, WETH))):
        chain.pending_timestamp += offset + COOLDOWN
        e = fill(auction, auction.bid(*pair, 2**255, deadline(chain), sender=bob))
        sell, buy = ("WBTC" if pair[0] == WBTC else "USDC"), "WETH"
        sold = Fraction(e.amount_sold * PRICES[sell], 10 ** DECIMALS[sell])
        paid = Fraction(e.amount_paid * PRICES[buy], 10 ** DECIMALS[buy])
        assert paid * BPS >= sold * (BPS - SLIPPAGE_BPS)


def test_bid__above_bidders_limit__refused_by_name_and_nothing_moves(
    auction, vault, rebalancer, tokens, manager, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    balances = [tokens[s].balanceOf(vault) for s in ("WETH", "USDC", "WBTC")]
    with ape.reverts("auction: price above bidder's limit"):
        auction.bid(WBTC, WETH, 10**15, deadline(chain), sender=bob)  # 0.001 WETH for $2,000 of WBTC
    assert [tokens[s].balanceOf(vault) for s in ("WETH", "USDC", "WBTC")] == balances
    assert rebalancer.trades() == 0 and rebalancer.plans() == 0


def test_bid__short_delivering_bidder__whole_fill_reverts(
    auction, vault, rebalancer, tokens, manager, carol, uni, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    carol.balance += 10**22
    give(uni, tokens["WETH"], carol, 10**16)  # far too little WETH to pay
    tokens["WETH"].approve(auction, 2**256 - 1, sender=carol)
    balances = [tokens[s].balanceOf(vault) for s in ("WETH", "USDC", "WBTC")]
    with ape.reverts():
        auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=carol)
    assert [tokens[s].balanceOf(vault) for s in ("WETH", "USDC", "WBTC")] == balances
    assert tokens["WBTC"].balanceOf(carol) == 0


def test_bid__overshoot_and_wrong_side__refused_by_the_rebalancers_names(
    auction, rebalancer, manager, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    with ape.reverts("rebalancer: sell not above target"):
        auction.bid(WETH, USDC, 2**255, deadline(chain), sender=bob)
    with ape.reverts("rebalancer: buy not below target"):
        auction.bid(WBTC, USDC, 2**255, deadline(chain), sender=bob)


def test_bid__allowlist_and_launcher_window__refused_by_name(
    auction, rebalancer, owner, manager, bob, stranger, tokens, uni, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    auction.set_allowlist_only(True, sender=owner)
    with ape.reverts("auction: bidder not allowlisted"):
        auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob)
    auction.set_bidder(bob, True, sender=owner)
    auction.set_launcher(stranger, 600, sender=owner)
    auction.set_allowlist_only(False, sender=owner)
    # The plan starts with the launcher's fill; others wait out the window.
    stranger.balance += 10**22
    give(uni, tokens["WETH"], stranger, amount_of("WETH", 10_000))
    tokens["WETH"].approve(auction, 2**256 - 1, sender=stranger)
    auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=stranger)
    with ape.reverts("auction: launcher window"):
        auction.bid(USDC, WETH, 2**255, deadline(chain), sender=bob)
    chain.pending_timestamp = rebalancer.rebalance_started() + 600
    auction.bid(USDC, WETH, 2**255, deadline(chain), sender=bob)


def test_bid__stale_feed_or_paused_vault__stops_fills_by_name(
    auction, vault, rebalancer, submit, manager, guardian, bob, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    vault.set_paused(True, sender=guardian)
    with ape.reverts("vault: rebalancing paused"):
        auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob)
    vault.set_paused(False, sender=guardian)
    chain.pending_timestamp += 86_400 + 1
    for symbol in ("WETH", "USDC"):
        submit(symbol, PRICES[symbol] * 10**8)
    with ape.reverts("oracle: stale price"):
        auction.bid(WBTC, WETH, 2**255, deadline(chain), sender=bob)


def test_swap__outside_a_bid__refused(auction, rebalancer, tokens, attacker):
    with ape.reverts("auction: caller is not the rebalancer"):
        auction.swap(tokens["WBTC"], tokens["WETH"], 1, 1, 0, attacker, sender=attacker)
    # Through the Rebalancer (a keeper naming the auction venue) but without a bidder.
    with ape.reverts():
        rebalancer.trade(WBTC, WETH, 1, 0, 0, 2**40, sender=attacker)


def test_scout__auction_venue__never_proposed_to_amm_keepers(auction, rebalancer, owner, manager):
    rebalancer.set_targets(TARGETS, sender=manager)
    proposal = check_upkeep(rebalancer)
    assert proposal.needed and proposal.venue == 0
    rebalancer.remove_venue(0, sender=owner)  # the auction is now the only venue (index 0)
    alone = check_upkeep(rebalancer)
    assert not alone.needed and alone.reason in (5, 7), alone.why


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


def test_owner_setters__others__refused(auction, stranger):
    for call in (
        lambda: auction.set_curve(0, LENGTH, sender=stranger),
        lambda: auction.set_launcher(stranger, 0, sender=stranger),
        lambda: auction.set_allowlist_only(True, sender=stranger),
        lambda: auction.set_bidder(stranger, True, sender=stranger),
    ):
        with ape.reverts("ownable: caller is not the owner"):
            call()


def test_bidder__premium_then_decay__bids_only_once_the_pool_pays_more_than_the_auction_asks(
    auction, rebalancer, uni, tokens, manager, keeper, bob, chain
):
    from vyndex.keeper.bidder import bid_best, scan

    rebalancer.set_targets(TARGETS, sender=manager)
    basket = [tokens["WETH"], tokens["USDC"], tokens["WBTC"]]
    # Before any plan: the curve starts 5% above fair; a bidder selling back into the pools (at the
    # oracle price less 0.3%) loses on every leg and stays out.
    early = scan(auction, rebalancer, uni, basket, bob)
    assert early and not any(o.profitable for o in early)
    assert all(o.factor_bps == BPS + PREMIUM_BPS for o in early)
    assert bid_best(auction, early, bob) is None
    # A keeper trade starts the plan; an hour on the price is 1% under fair: now it pays.
    rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)
    chain.pending_timestamp = rebalancer.rebalance_started() + LENGTH + COOLDOWN
    chain.mine()
    late = scan(auction, rebalancer, uni, basket, bob)
    assert late and late[0].profitable and late[0].factor_bps == BPS - SLIPPAGE_BPS
    weth_before = tokens["WETH"].balanceOf(bob)
    receipt = bid_best(auction, late, bob)
    assert receipt is not None
    e = fill(auction, receipt)
    assert (e.amount_sold, e.amount_paid) == (late[0].sold, late[0].paid)
    assert tokens["WETH"].balanceOf(bob) == weth_before - e.amount_paid
