"""A component whose every transfer calls back (ReentrantToken, ERC-777 style), inside a live index on
real Uniswap V2: during a mint, a redeem and a rebalance trade (selling it and buying it), its hook
tries to act (redeem, trade, which would start a plan) and to read the vault's and the
rebalancer's views (read-only reentrancy: the valuation views the scout serves for the rebalancer, the
vault's `totalSupply`, `preview_redeem`, ..., and `checkUpkeep`, which simulates).

Every such call must revert on a lock (Vyper's lock reverts without a reason, so a named refusal
would show the lock missing), the same call made right after from outside must work and read the same
value, the outer operation must move exactly what it would have moved without the hook, and the
token's controller must gain nothing.

On the trade's swap path (the vault pays the pair its V2 venue derives, the rebalancer's callback has
the venue make the pair pay the vault) the hook, fired before or after its balance moves, also tries
to serve itself the callback and to take what the vault paid into the pair (skim, sync, swap, the
venue's public swap): the callback is refused by name, and the trade is either exactly the unhooked
one or reverts whole, the vault keeping everything.
"""

from __future__ import annotations

import ape
import pytest
from eth_abi import decode

from vyndex.constants import BPS, MAX_UINT256, USD, WAD

from .conftest import ERROR_SELECTOR, STALENESS, amount_of, read, record_profit, stock, token_balances, usd_of

HOOK_PRICE = 10  # USD per whole HOOK token (18 decimals)
POOL_SIDE_USD = 10_000_000
UNITS = [10**16, 20 * 10**6, 2 * 10**18]  # $20 of WETH, USDC and HOOK per index token


@pytest.fixture(scope="module")
def hook_world(
    project,
    owner,
    manager,
    guardian,
    fee_recipient,
    keeper,
    alice,
    bob,
    attacker,
    uni,
    tokens,
    adapter,
    pools,
):
    """(vault, rebalancer, HOOK, basket): an index over WETH, USDC and the hooked token, 1,000 index
    tokens minted by alice, HOOK/WETH and HOOK/USDC pools of $10M a side, the hook's controller
    holding 5 index tokens in the token contract itself (so that its reentrant redeem could pay)."""
    from vyndex.reference.uniswap_v2 import seed_pair
    from vyndex.venues import deploy_rebalancer, deploy_v2_venue

    hook = owner.deploy(project.ReentrantToken, "Hooked", "HOOK", 18)
    feed = owner.deploy(project.MockAggregator, 8, "HOOK / USD", HOOK_PRICE * 10**8)
    adapter.set_feed(hook, feed, STALENESS, sender=owner)
    owner.balance += 10_000 * WAD
    hook_side = POOL_SIDE_USD // HOOK_PRICE * WAD
    seed_pair(uni, tokens["WETH"], hook, amount_of("WETH", POOL_SIDE_USD), hook_side, owner)
    seed_pair(uni, tokens["USDC"], hook, amount_of("USDC", POOL_SIDE_USD), hook_side, owner)
    basket = [tokens["WETH"], tokens["USDC"], hook]
    hooked = owner.deploy(
        project.IndexVault, "Hooked Index", "HX3", basket, UNITS, manager, guardian, fee_recipient
    )
    rebalancer = deploy_rebalancer(
        owner,
        hooked,
        adapter,
        [deploy_v2_venue(owner, uni.factory, uni.weth)],
        drift_threshold_bps=100,
        max_slippage_bps=100,
        trade_cap_usd_wad=2_000 * USD,
        min_trade_usd_wad=10 * USD,
        cooldown=300,
        plan_ttl=86_400,
    )
    hooked.set_rebalancer(rebalancer, sender=owner)
    rebalancer.set_keeper(keeper, True, sender=owner)
    rebalancer.set_open_trading(True, sender=owner)
    for holder in (alice, bob):
        stock(uni, tokens, holder, 100_000, [hooked])
        hook.mint(holder, 100_000 // HOOK_PRICE * WAD, sender=holder)
        hook.approve(hooked, MAX_UINT256, sender=holder)
    hooked.mint(1_000 * WAD, alice, [MAX_UINT256] * 3, sender=alice)
    hooked.transfer(hook, 5 * WAD, sender=alice)
    return hooked, rebalancer, hook, basket


def payloads(vault, rebalancer, attacker, targets, deadline):
    """(name, target, calldata, acts): what the hook tries; `acts` calls change state. The trade is
    one the plan allows (USDC for whatever is below target), so only a lock can stop it."""
    buy = 0 if targets[0] > targets[2] else 2
    scout = ape.project.UpkeepScout.at(rebalancer.scout())
    calls = [
        ("scout.values", scout.values, (rebalancer,)),
        ("scout.nav_per_share", scout.nav_per_share, (rebalancer,)),
        ("totalSupply", vault.totalSupply, ()),
        ("preview_redeem", vault.preview_redeem, (WAD,)),
        ("holdings", vault.holdings, ()),
        ("basket_state", vault.basket_state, ()),
        ("scout.weights", scout.weights, (rebalancer,)),
        ("scout.drift_bps", scout.drift_bps, (rebalancer,)),
        ("rebalancer.checkUpkeep", rebalancer.checkUpkeep, (b"",)),
        ("redeem", vault.redeem, (WAD, attacker, [0, 0, 0])),
        ("trade", rebalancer.trade, (1, buy, 0, 0, 0, deadline)),
    ]
    return [
        (
            name,
            m.contract.address,
            bytes(m.encode_input(*args)),
            name in ("redeem", "trade"),
        )
        for name, m, args in calls
    ]


# The targets of each phase: the first two sell HOOK's excess, the last buys HOOK.
PHASES = {
    "mint": [5000, 3000, 2000],
    "redeem": [5000, 3000, 2000],
    "trade selling HOOK": [5000, 3000, 2000],
    "trade buying HOOK": [2000, 3000, 5000],
}


def operate(phase, vault, rebalancer, alice, bob, keeper, chain):
    if phase == "mint":
        return vault.mint(10 * WAD + 1, bob, [MAX_UINT256] * 3, sender=bob)
    if phase == "redeem":
        return vault.redeem(10 * WAD + 1, alice, [0, 0, 0], sender=alice)
    sell, buy = (2, 0) if phase == "trade selling HOOK" else (0, 2)
    return rebalancer.trade(sell, buy, 0, 0, 0, chain.pending_timestamp + 600, sender=keeper)


def observe(vault, basket, watched):
    return [token_balances(basket, [w]) for w in watched] + [[read(vault.balanceOf, w) for w in watched]]


@pytest.mark.parametrize("phase", list(PHASES))
def test_reentrant_component__hook_acts_and_reads_during_operation__every_call_locked_outcome_unchanged(
    hook_world, manager, alice, bob, keeper, attacker, chain, adapter, phase
):
    vault, rebalancer, hook, basket = hook_world
    rebalancer.set_targets(PHASES[phase], sender=manager)
    watched = [vault, alice, bob, hook, attacker]

    # The control: the operation with the hook disarmed.
    snapshot = chain.snapshot()
    operate(phase, vault, rebalancer, alice, bob, keeper, chain)
    expected = observe(vault, basket, watched)
    chain.restore(snapshot)

    blocked = {}
    deadline = chain.pending_timestamp + 3_000
    for name, target, data, acts in payloads(vault, rebalancer, attacker, PHASES[phase], deadline):
        snapshot = chain.snapshot()
        if acts:
            # Outside any operation the call goes through (in the cooldown after a trade it could not).
            hook.set_callback(target, data, False, sender=attacker)
            hook.fire(sender=attacker)
            assert not read(hook.callback_reverted), name
            chain.restore(snapshot)
            snapshot = chain.snapshot()
        hook.set_callback(target, data, True, sender=attacker)
        before = usd_of(vault, adapter, basket, [attacker, hook])
        operate(phase, vault, rebalancer, alice, bob, keeper, chain)
        blocked[name] = (read(hook.callback_count), read(hook.callback_reverted), read(hook.callback_result))
        assert observe(vault, basket, watched) == expected, name
        profit = usd_of(vault, adapter, basket, [attacker, hook]) - before
        record_profit(f"reentrant token during {phase}", profit)
        assert profit <= 0, name
        if not acts:
            # Right after, from outside, the view works and reads what a plain call reads.
            hook.set_callback(target, data, False, sender=attacker)
            hook.fire(sender=attacker)
            assert not read(hook.callback_reverted), name
            plain = chain.provider.web3.provider.make_request(
                "eth_call", [{"to": target, "data": "0x" + data.hex()}, "latest"]
            )
            assert "0x" + read(hook.callback_result).hex() == plain["result"], name
        chain.restore(snapshot)

    # Every payload fired and reverted without a reason: on a lock, not on a named check.
    assert all(fired >= 1 and reverted and result == b"" for fired, reverted, result in blocked.values()), (
        blocked
    )


def swap_path_payloads(rebalancer, venue, pair, hook, weth, attacker):
    """(name, target, calldata): what the hook tries on the trade's new swap path: serve itself the
    rebalancer's callback (as if it were the vault), or take what the vault just paid into the pair
    (skim it, sync it into the reserves, swap it out to itself directly or through the public
    UniswapV2Venue.swap)."""
    weth_out = (10**15, 0) if int(weth.address, 16) < int(hook.address, 16) else (0, 10**15)
    calls = [
        ("on_rebalance_trade", rebalancer.on_rebalance_trade, (hook, WAD, weth, 1)),
        ("pair.skim", pair.skim, (attacker,)),
        ("pair.sync", pair.sync, ()),
        ("pair.swap", pair.swap, (*weth_out, attacker, b"")),
        ("venue.swap", venue.swap, (hook, weth, WAD, 0, 0, attacker)),
    ]
    return [(name, m.contract.address, bytes(m.encode_input(*args))) for name, m, args in calls]


@pytest.mark.parametrize("hook_after", [False, True], ids=["hook before transfer", "hook after transfer"])
@pytest.mark.parametrize("phase", ["trade selling HOOK", "trade buying HOOK"])
def test_reentrant_component__hook_hits_pair_or_callback_mid_swap__same_trade_or_none_attacker_gains_nothing(
    project, hook_world, uni, tokens, manager, alice, bob, keeper, attacker, chain, adapter, phase, hook_after
):
    from vyndex.reference.artifacts import uniswap_v2

    vault, rebalancer, hook, basket = hook_world
    pair = uniswap_v2("UniswapV2Pair").at(uni.factory.getPair(tokens["WETH"], hook))
    rebalancer.set_targets(PHASES[phase], sender=manager)
    hook.set_hook_after(hook_after, sender=attacker)
    watched = [vault, alice, bob, hook, attacker, rebalancer, pair]

    snapshot = chain.snapshot()
    operate(phase, vault, rebalancer, alice, bob, keeper, chain)
    expected = observe(vault, basket, watched)
    chain.restore(snapshot)
    untouched = observe(vault, basket, watched)

    outcomes = {}
    venue = project.UniswapV2Venue.at(rebalancer.venues(0))
    for name, target, data in swap_path_payloads(rebalancer, venue, pair, hook, tokens["WETH"], attacker):
        snapshot = chain.snapshot()
        hook.set_callback(target, data, True, sender=attacker)
        before = usd_of(vault, adapter, basket, [attacker, hook])
        try:
            operate(phase, vault, rebalancer, alice, bob, keeper, chain)
            traded = True
        except ape.exceptions.ContractLogicError:
            traded = False
        after = observe(vault, basket, watched)
        # Either the very trade the unhooked control made, or no trade at all: nothing moved.
        assert after == (expected if traded else untouched), name
        profit = usd_of(vault, adapter, basket, [attacker, hook]) - before
        timing = "after" if hook_after else "before"
        record_profit(f"reentrant token on the swap path ({phase}, {timing})", profit)
        assert profit <= 0, name
        hooked = (read(hook.callback_count), read(hook.callback_reverted), read(hook.callback_result))
        outcomes[name] = (traded, *hooked)
        chain.restore(snapshot)

    # The callback is the vault's alone, whatever the trade's state: refused by name.
    traded, fired, reverted, result = outcomes["on_rebalance_trade"]
    assert traded and fired >= 1 and reverted, outcomes
    assert result[:4] == ERROR_SELECTOR
    assert decode(["string"], result[4:])[0] == "rebalancer: unexpected callback"
    if hook_after and phase == "trade selling HOOK":
        # The vault's payment sits in the pair when the hook runs: skimming it, syncing it into the
        # reserves or swapping it out leaves the trade's own swap without input, and it all reverts.
        taken = ("pair.skim", "pair.sync", "pair.swap", "venue.swap")
        assert [outcomes[n][0] for n in taken] == [False] * 4, outcomes
    else:
        # Before the transfer (or inside the locked pair) there is nothing to take: the same trade.
        assert all(o[0] for o in outcomes.values()), outcomes


# ---------------------------------------------------------------------------------------------
# A bid on a Dutch auction (contracts/DutchAuction.vy, a venue of the rebalancer) with the hooked
# token on either side of the fill: the vault pays the auction what it sells, the auction takes
# the bidder's payment into the vault and hands the bidder what the vault sold.
# ---------------------------------------------------------------------------------------------

AUCTION_PREMIUM_BPS = 500
AUCTION_LENGTH = 3_600
BID_PHASES = {  # targets, (sell, buy): WETH 0, USDC 1, HOOK 2
    "bid selling HOOK": ([5000, 3000, 2000], (2, 0)),
    "bid buying HOOK": ([2000, 3000, 5000], (0, 2)),
}


@pytest.fixture(scope="module")
def hook_auction(project, hook_world, uni, tokens, owner, keeper, attacker, adapter, live_enact):
    """A DutchAuction listed on the hooked index (the index has holders: each listing waits out the
    delay), the attacker as its bidder with $100,000 of every component approved to it."""
    _vault, rebalancer, hook, _basket = hook_world
    auction = owner.deploy(project.DutchAuction, rebalancer, AUCTION_PREMIUM_BPS, AUCTION_LENGTH)
    live_enact(rebalancer.add_venue, auction, sender=owner)
    live_enact(rebalancer.set_keeper, auction, True, sender=owner)
    # live_enact refreshed the Chainlink feeds; HOOK's feed is a MockAggregator.
    project.MockAggregator.at(adapter.feed_config(hook).feed).update_answer(HOOK_PRICE * 10**8, sender=owner)
    stock(uni, tokens, attacker, 100_000, [auction])
    hook.mint(attacker, 100_000 // HOOK_PRICE * WAD, sender=attacker)
    hook.approve(auction, MAX_UINT256, sender=attacker)
    return auction


def bid_payloads(auction, vault, rebalancer, basket, attacker, sell, buy, deadline):
    """(name, target, calldata, reason): what the hook tries mid-fill, and the revert it must meet
    ("" for a lock)."""
    calls = [
        ("auction.bid", auction.bid, (sell, buy, MAX_UINT256, deadline), ""),
        ("auction.open", auction.open, (), ""),
        ("auction.quote", auction.quote, (basket[sell], basket[buy], WAD), ""),
        # The venue entry the rebalancer calls, while the bid's bidder and price are set.
        (
            "auction.swap",
            auction.swap,
            (basket[sell], basket[buy], WAD, 0, 0, attacker),
            "auction: caller is not the rebalancer",
        ),
        ("rebalancer.trade", rebalancer.trade, (sell, buy, 1, 0, 0, deadline), ""),
        ("redeem", vault.redeem, (WAD, attacker, [0, 0, 0]), ""),
    ]
    return [(name, m.contract.address, bytes(m.encode_input(*args)), why) for name, m, args, why in calls]


@pytest.mark.parametrize("hook_after", [False, True], ids=["hook before transfer", "hook after transfer"])
@pytest.mark.parametrize("phase", list(BID_PHASES))
def test_reentrant_component__hook_reenters_a_bid__same_fill_or_none_bidder_never_below_the_floor(
    hook_world, hook_auction, manager, alice, bob, keeper, attacker, chain, adapter, phase, hook_after
):
    vault, rebalancer, hook, basket = hook_world
    auction = hook_auction
    targets, (sell, buy) = BID_PHASES[phase]
    rebalancer.set_targets(targets, sender=manager)
    hook.set_hook_after(hook_after, sender=attacker)
    auction.open(sender=keeper)
    chain.pending_timestamp = int(auction.opened_at()) + 1  # the price is still above fair
    deadline = chain.pending_timestamp + 600
    watched = [vault, alice, bob, hook, attacker, auction, rebalancer]

    snapshot = chain.snapshot()
    before = usd_of(vault, adapter, basket, [attacker, hook])
    receipt = auction.bid(sell, buy, MAX_UINT256, deadline, sender=attacker)
    (control,) = receipt.events.filter(auction.Fill)
    expected = observe(vault, basket, watched)
    control_profit = usd_of(vault, adapter, basket, [attacker, hook]) - before
    chain.restore(snapshot)
    untouched = observe(vault, basket, watched)
    # Against the oracle the bidder paid the premium: the control itself is a loss.
    assert control_profit < 0
    assert control.factor_bps == BPS + AUCTION_PREMIUM_BPS

    outcomes = {}
    for name, target, data, reason in bid_payloads(
        auction, vault, rebalancer, basket, attacker, sell, buy, deadline
    ):
        snapshot = chain.snapshot()
        hook.set_callback(target, data, True, sender=attacker)
        chain.pending_timestamp = int(auction.opened_at()) + 1
        before = usd_of(vault, adapter, basket, [attacker, hook])
        try:
            auction.bid(sell, buy, MAX_UINT256, deadline, sender=attacker)
            filled = True
        except ape.exceptions.ContractLogicError:
            filled = False
        # Either exactly the unhooked fill or nothing at all.
        assert observe(vault, basket, watched) == (expected if filled else untouched), name
        profit = usd_of(vault, adapter, basket, [attacker, hook]) - before
        timing = "after" if hook_after else "before"
        record_profit(f"reentrant token during a bid ({phase}, {timing})", profit)
        assert profit <= max(control_profit, 0), name
        fired, reverted, result = (
            read(hook.callback_count),
            read(hook.callback_reverted),
            read(hook.callback_result),
        )
        outcomes[name] = (filled, fired, reverted, result)
        assert fired >= 1 and reverted, (name, outcomes[name])
        if reason:
            assert result[:4] == ERROR_SELECTOR and decode(["string"], result[4:])[0] == reason, name
        else:
            assert result == b"", (name, result)  # a lock, not a named check
        chain.restore(snapshot)
    # The hook's reverted call changes nothing the fill depends on: every bid still fills.
    assert all(o[0] for o in outcomes.values()), outcomes
