"""The keeper with a Dutch auction: a blue-chip index whose legs all execute by auction
(EXEC_AUCTION), on the devnet market. No AMM trade is ever due, so the keeper's job is the
auction's `open`; bidders fill the legs and pay their gas. The keeper opens an auction only when
its eth_call succeeds, never while one is open, and not again after one that ended without a fill
until a trade or a new plan moves its fingerprint."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vyndex.constants import MAX_UINT256
from vyndex.keeper.bidder import scan
from vyndex.keeper.chain import ApeKeeperChain
from vyndex.keeper.loop import Keeper, Outcome
from vyndex.venues import Lens

PREMIUM_BPS = 100
LENGTH = 3_600
EXEC_AUCTION = 2


@pytest.fixture(scope="module")
def auctioned(deployed, market, owner, alice, funder, project):
    """The index, its DutchAuction wired in before anyone holds it (nothing waits out the delay),
    then Alice's 1,000 VBLUE, then WETH up 25%: the drift the keeper must act on."""
    from vyndex.devnet import set_price

    rb = deployed.rebalancer
    auction = owner.deploy(project.DutchAuction, rb, PREMIUM_BPS, LENGTH)
    rb.add_venue(auction, sender=owner)
    rb.set_keeper(auction, True, sender=owner)
    rb.set_auction(auction, sender=owner)
    auction.set_default_execution(EXEC_AUCTION, sender=owner)
    shares = 1_000 * 10**18
    funder(deployed, market, alice, shares)
    for token in deployed.tokens:
        token.approve(deployed.vault.address, MAX_UINT256, sender=alice)
    deployed.vault.mint(shares, alice.address, [2**255] * len(deployed.tokens), sender=alice)
    set_price(market, "WETH", market.price("WETH") * Decimal("1.25"), owner)
    return deployed, auction


def fill_one(handle, auction, market, bidder) -> None:
    """The bidder, holding and having approved every component but WETH (the leg sold), fills the
    first leg a bid executes on."""
    for token in handle.tokens:
        if token.address != market.weth.address:
            token.mint(bidder.address, 10 ** (int(token.decimals()) + 9), sender=bidder)
            token.approve(auction, MAX_UINT256, sender=bidder)
    legs = scan(auction, handle.rebalancer, None, handle.tokens, bidder)
    assert legs and handle.symbols[legs[0].sell_index] == "WETH", legs
    deadline = int(handle.rebalancer.provider.get_block("latest").timestamp) + 600
    auction.bid(legs[0].sell_index, legs[0].buy_index, legs[0].paid, deadline, sender=bidder)


def test_keeper__auction_only_legs__opens_once_bidders_fill_reopens_after_a_fill_only(
    auctioned, keeper, bob, market, chain, owner
):
    from vyndex.devnet import refresh_feeds

    handle, auction = auctioned
    rb = handle.rebalancer
    assert Lens(rb).drift_bps() > rb.drift_threshold_bps()
    bot = Keeper(ApeKeeperChain(handle, keeper))

    first = bot.step()
    assert first.outcome is Outcome.PERFORMED, first.message
    assert "open the Dutch auction" in first.message and auction.is_open()
    assert first.performed is not None and first.performed.gas_used > 0 and not first.performed.trades

    # While it is open nothing is due: no AMM trade (every leg is the auction's), no second open.
    nonce = keeper.nonce
    again = bot.step()
    assert again.outcome is Outcome.IDLE and keeper.nonce == nonce, again.message

    # A bidder fills a leg at the oracle-fair price; the auction then ends.
    to_fair = -(-LENGTH * PREMIUM_BPS // (PREMIUM_BPS + int(rb.max_slippage_bps())))
    chain.mine(timestamp=int(auction.opened_at()) + to_fair)
    trades = rb.trades()
    fill_one(handle, auction, market, bob)
    assert rb.trades() == trades + 1
    chain.mine(timestamp=int(auction.opened_at()) + LENGTH + 1)
    refresh_feeds(market, owner)
    assert not auction.is_open()

    # A fill moved the fingerprint: the keeper opens the next auction.
    second = bot.step()
    assert second.outcome is Outcome.PERFORMED and auction.is_open(), second.message
    opened = int(auction.opened_at())

    # That one ends without a fill: the same plan and trade count, so the keeper waits instead of
    # paying for auctions nobody bids in.
    chain.mine(timestamp=opened + LENGTH + 1)
    refresh_feeds(market, owner)
    nonce = keeper.nonce
    third = bot.step()
    assert third.outcome is Outcome.DUPLICATE and keeper.nonce == nonce, third.message
    assert int(auction.opened_at()) == opened
