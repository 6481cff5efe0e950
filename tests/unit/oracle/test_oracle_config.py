"""Configuration: owner-only setters, every range check on both sides, an event on every change."""

from __future__ import annotations

import ape
import pytest
from oracle_helpers import DAY, ETH_ANSWER, HOUR, USD, assert_fails, assert_usable

NOT_OWNER = "ownable: caller is not the owner"
MAX_BOUND = 2**128 - 1


@pytest.fixture(scope="module")
def other_feed(create_feed):
    return create_feed(18, 2_000 * 10**18, "ETH / USD (other)")


# ---------------------------------------------------------------------------------------------
# Owner only, two-step ownership
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "setter",
    ["set_feed", "set_secondary_feed", "set_bounds", "set_sequencer_feed", "remove_feed"],
)
def test_setter__called_by_stranger__reverts_not_owner(priced, weth, eth_feed, other_feed, stranger, setter):
    args = {
        "set_feed": (weth, eth_feed, HOUR),
        "set_secondary_feed": (weth, other_feed, HOUR, 100),
        "set_bounds": (weth, 1, 2),
        "set_sequencer_feed": (other_feed, HOUR),
        "remove_feed": (weth,),
    }[setter]
    with ape.reverts(NOT_OWNER):
        getattr(priced, setter).call(*args, sender=stranger, skip_trace=True)


def test_set_feed__stranger_sends_a_transaction__reverts_and_nothing_changes(
    priced, weth, other_feed, stranger
):
    with ape.reverts(NOT_OWNER):
        priced.set_feed(weth, other_feed, 2 * HOUR, sender=stranger)
    assert priced.feed_config(weth).feed != other_feed.address


def test_transfer_ownership__before_accept__old_owner_still_configures(priced, weth, owner, alice):
    priced.transfer_ownership(alice, sender=owner)
    assert priced.owner() == owner
    assert priced.pending_owner() == alice
    priced.set_bounds(weth, 1, 0, sender=owner)
    with ape.reverts(NOT_OWNER):
        priced.set_bounds.call(weth, 2, 0, sender=alice, skip_trace=True)


def test_accept_ownership__by_pending_owner__moves_configuration_rights(priced, weth, owner, alice):
    priced.transfer_ownership(alice, sender=owner)
    priced.accept_ownership(sender=alice)
    assert priced.owner() == alice
    priced.set_bounds(weth, 1, 0, sender=alice)
    with ape.reverts(NOT_OWNER):
        priced.set_bounds.call(weth, 2, 0, sender=owner, skip_trace=True)


def test_renounce_ownership__not_exported__absent_from_abi(priced):
    assert not hasattr(priced, "renounce_ownership")


# ---------------------------------------------------------------------------------------------
# set_feed
# ---------------------------------------------------------------------------------------------


def test_set_feed__new_asset__stores_decimals_and_logs(oracle_adapter, create_token, create_feed, owner):
    usdc = create_token(6, "USD Coin", "USDC")
    feed = create_feed(8, 10**8, "USDC / USD")
    tx = oracle_adapter.set_feed(usdc, feed, DAY, sender=owner)
    assert tx.events == [
        oracle_adapter.FeedSet(asset=usdc, feed=feed, feed_decimals=8, token_decimals=6, max_staleness=DAY)
    ]
    config = oracle_adapter.feed_config(usdc)
    assert (config.feed, config.feed_decimals, config.token_decimals, config.max_staleness) == (
        feed.address,
        8,
        6,
        DAY,
    )
    assert_usable(oracle_adapter, usdc, 10**18)


@pytest.mark.parametrize(
    ("staleness", "ok"), [(59, False), (60, True), (72 * HOUR, True), (72 * HOUR + 1, False)]
)
def test_set_feed__staleness_range__accepts_1_minute_to_72_hours(
    oracle_adapter, weth, eth_feed, owner, staleness, ok
):
    if ok:
        oracle_adapter.set_feed(weth, eth_feed, staleness, sender=owner)
        assert oracle_adapter.feed_config(weth).max_staleness == staleness
    else:
        with ape.reverts("oracle: staleness out of range"):
            oracle_adapter.set_feed.call(weth, eth_feed, staleness, sender=owner, skip_trace=True)


@pytest.mark.parametrize(
    ("asset", "reason"),
    [
        ("0x0000000000000000000000000000000000000000", "oracle: invalid asset"),
        (USD, "oracle: invalid asset"),
        ("0x000000000000000000000000000000000000dEaD", "oracle: asset not a contract"),
    ],
)
def test_set_feed__invalid_asset__reverts(oracle_adapter, eth_feed, owner, asset, reason):
    with ape.reverts(reason):
        oracle_adapter.set_feed.call(asset, eth_feed, HOUR, sender=owner, skip_trace=True)


def test_set_feed__feed_without_code__reverts(oracle_adapter, weth, stranger, owner):
    with ape.reverts("oracle: feed not a contract"):
        oracle_adapter.set_feed.call(weth, stranger, HOUR, sender=owner, skip_trace=True)


def test_set_feed__feed_with_19_decimals__reverts(oracle_adapter, weth, create_feed, owner):
    with ape.reverts("oracle: feed decimals over 18"):
        oracle_adapter.set_feed.call(weth, create_feed(19, 1), HOUR, sender=owner, skip_trace=True)


def test_set_feed__token_with_19_decimals__reverts(oracle_adapter, create_token, eth_feed, owner):
    with ape.reverts("oracle: token decimals over 18"):
        oracle_adapter.set_feed.call(create_token(19), eth_feed, HOUR, sender=owner, skip_trace=True)


def test_set_feed__replacing_primary__keeps_bounds_and_secondary(
    priced, weth, other_feed, create_feed, owner
):
    priced.set_bounds(weth, 10**18, 10**22, sender=owner)
    priced.set_secondary_feed(weth, other_feed, HOUR, 100, sender=owner)
    replacement = create_feed(8, 1_000 * 10**8)
    priced.set_feed(weth, replacement, HOUR, sender=owner)
    config = priced.feed_config(weth)
    assert (config.feed, config.secondary_feed, config.lower_bound) == (
        replacement.address,
        other_feed.address,
        10**18,
    )
    # $1,000 is 50% away from the secondary's $2,000: the kept deviation check catches it.
    assert_fails(priced, weth, 9)


def test_set_feed__feed_is_the_secondary__reverts(priced, weth, other_feed, owner):
    priced.set_secondary_feed(weth, other_feed, HOUR, 100, sender=owner)
    with ape.reverts("oracle: feed is the secondary"):
        priced.set_feed.call(weth, other_feed, HOUR, sender=owner, skip_trace=True)


# ---------------------------------------------------------------------------------------------
# set_secondary_feed
# ---------------------------------------------------------------------------------------------


def test_set_secondary_feed__valid__stores_and_logs(priced, weth, other_feed, owner):
    tx = priced.set_secondary_feed(weth, other_feed, 2 * HOUR, 250, sender=owner)
    assert tx.events == [
        priced.SecondaryFeedSet(
            asset=weth, feed=other_feed, feed_decimals=18, max_staleness=2 * HOUR, max_deviation_bps=250
        )
    ]
    config = priced.feed_config(weth)
    assert (config.secondary_feed, config.secondary_decimals) == (other_feed.address, 18)
    assert (config.secondary_max_staleness, config.max_deviation_bps) == (2 * HOUR, 250)


@pytest.mark.parametrize(("bps", "ok"), [(0, False), (1, True), (5_000, True), (5_001, False)])
def test_set_secondary_feed__deviation_range__accepts_1_to_5000_bps(priced, weth, other_feed, owner, bps, ok):
    if ok:
        priced.set_secondary_feed(weth, other_feed, HOUR, bps, sender=owner)
        assert priced.feed_config(weth).max_deviation_bps == bps
    else:
        with ape.reverts("oracle: deviation out of range"):
            priced.set_secondary_feed.call(weth, other_feed, HOUR, bps, sender=owner, skip_trace=True)


@pytest.mark.parametrize("staleness", [59, 72 * HOUR + 1])
def test_set_secondary_feed__staleness_out_of_range__reverts(priced, weth, other_feed, owner, staleness):
    with ape.reverts("oracle: staleness out of range"):
        priced.set_secondary_feed.call(weth, other_feed, staleness, 100, sender=owner, skip_trace=True)


def test_set_secondary_feed__same_as_primary__reverts(priced, weth, eth_feed, owner):
    with ape.reverts("oracle: secondary is the primary"):
        priced.set_secondary_feed.call(weth, eth_feed, HOUR, 100, sender=owner, skip_trace=True)


def test_set_secondary_feed__unknown_asset__reverts(priced, other_feed, stranger, owner):
    with ape.reverts("oracle: unknown asset"):
        priced.set_secondary_feed.call(stranger, other_feed, HOUR, 100, sender=owner, skip_trace=True)


def test_set_secondary_feed__zero_address__removes_the_check(priced, weth, create_feed, owner):
    far = create_feed(8, 1_000 * 10**8)  # 50% away: fails the 1% check while set
    priced.set_secondary_feed(weth, far, HOUR, 100, sender=owner)
    assert_fails(priced, weth, 9)
    tx = priced.set_secondary_feed(weth, ape.utils.ZERO_ADDRESS, 0, 0, sender=owner)
    assert len(tx.events) == 1
    assert priced.feed_config(weth).secondary_feed == ape.utils.ZERO_ADDRESS
    assert_usable(priced, weth, ETH_ANSWER * 10**10)


def test_set_secondary_feed__removal_with_parameters__reverts(priced, weth, owner):
    with ape.reverts("oracle: parameters without a feed"):
        priced.set_secondary_feed.call(weth, ape.utils.ZERO_ADDRESS, HOUR, 0, sender=owner, skip_trace=True)


# ---------------------------------------------------------------------------------------------
# set_bounds
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lower", "upper", "reason"),
    [
        (2_000, 2_000, "oracle: lower bound not below upper"),
        (2_001, 2_000, "oracle: lower bound not below upper"),
        (0, MAX_BOUND + 1, "oracle: bound too large"),
        (MAX_BOUND + 1, 0, "oracle: bound too large"),
    ],
)
def test_set_bounds__invalid_pair__reverts(priced, weth, owner, lower, upper, reason):
    with ape.reverts(reason):
        priced.set_bounds.call(weth, lower, upper, sender=owner, skip_trace=True)


@pytest.mark.parametrize(("lower", "upper"), [(1_999, 2_000), (5, 0), (0, 7), (0, MAX_BOUND), (MAX_BOUND, 0)])
def test_set_bounds__valid_pair__stores_and_logs(priced, weth, owner, lower, upper):
    tx = priced.set_bounds(weth, lower, upper, sender=owner)
    assert tx.events == [priced.BoundsSet(asset=weth, lower=lower, upper=upper)]
    config = priced.feed_config(weth)
    assert (config.lower_bound, config.upper_bound) == (lower, upper)


def test_set_bounds__both_zero__removes_the_check(priced, weth, owner):
    priced.set_bounds(weth, 3_000 * 10**18, 0, sender=owner)
    assert_fails(priced, weth, 6)
    priced.set_bounds(weth, 0, 0, sender=owner)
    assert_usable(priced, weth, ETH_ANSWER * 10**10)


def test_set_bounds__unknown_asset__reverts(priced, stranger, owner):
    with ape.reverts("oracle: unknown asset"):
        priced.set_bounds.call(stranger, 1, 2, sender=owner, skip_trace=True)


# ---------------------------------------------------------------------------------------------
# set_sequencer_feed
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grace", "ok"), [(0, False), (59, False), (60, True), (DAY, True), (DAY + 1, False)]
)
def test_set_sequencer_feed__grace_range__accepts_1_minute_to_1_day(priced, create_feed, owner, grace, ok):
    feed = create_feed(0)
    if ok:
        tx = priced.set_sequencer_feed(feed, grace, sender=owner)
        assert tx.events == [priced.SequencerFeedSet(feed=feed, grace_period=grace)]
        assert priced.sequencer_feed() == (feed.address, grace)
    else:
        with ape.reverts("oracle: grace period out of range"):
            priced.set_sequencer_feed.call(feed, grace, sender=owner, skip_trace=True)


def test_set_sequencer_feed__feed_without_code__reverts(priced, stranger, owner):
    with ape.reverts("oracle: feed not a contract"):
        priced.set_sequencer_feed.call(stranger, HOUR, sender=owner, skip_trace=True)


def test_set_sequencer_feed__zero_address__removes_the_check(
    priced, weth, create_feed, owner, set_round, now
):
    down = create_feed(0)
    set_round(down, 1, now())
    priced.set_sequencer_feed(down, HOUR, sender=owner)
    assert_fails(priced, weth, 10)
    priced.set_sequencer_feed(ape.utils.ZERO_ADDRESS, 0, sender=owner)
    assert priced.sequencer_feed() == (ape.utils.ZERO_ADDRESS, 0)
    assert_usable(priced, weth, ETH_ANSWER * 10**10)


def test_set_sequencer_feed__removal_with_grace__reverts(priced, owner):
    with ape.reverts("oracle: parameters without a feed"):
        priced.set_sequencer_feed.call(ape.utils.ZERO_ADDRESS, HOUR, sender=owner, skip_trace=True)


# ---------------------------------------------------------------------------------------------
# remove_feed
# ---------------------------------------------------------------------------------------------


def test_remove_feed__configured_asset__clears_everything_and_logs(priced, weth, other_feed, owner):
    priced.set_bounds(weth, 1, 0, sender=owner)
    priced.set_secondary_feed(weth, other_feed, HOUR, 100, sender=owner)
    tx = priced.remove_feed(weth, sender=owner)
    assert tx.events == [priced.FeedRemoved(asset=weth)]
    assert all(v in (0, ape.utils.ZERO_ADDRESS) for v in priced.feed_config(weth))
    assert_fails(priced, weth, 1)


def test_remove_feed__unknown_asset__reverts(priced, stranger, owner):
    with ape.reverts("oracle: unknown asset"):
        priced.remove_feed.call(stranger, sender=owner, skip_trace=True)
