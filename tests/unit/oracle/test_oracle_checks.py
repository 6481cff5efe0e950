"""One test per failure mode: `price` reverts with the named reason and `price_status` reports the
same code without reverting; each boundary is tested on both sides."""

from __future__ import annotations

import ape
import pytest
from oracle_helpers import (
    ABOVE_UPPER_BOUND,
    BELOW_LOWER_BOUND,
    DEVIATION,
    ETH_ANSWER,
    FUTURE_UPDATED_AT,
    HOUR,
    NO_ANSWER,
    REASONS,
    SECONDARY_FAILED,
    SEQUENCER_DOWN,
    SEQUENCER_GRACE_PERIOD,
    STALE,
    UNKNOWN_ASSET,
    ZERO_UPDATED_AT,
    assert_fails,
    assert_usable,
)

ETH_PRICE = ETH_ANSWER * 10**10  # 18 decimals
GRACE = HOUR


@pytest.fixture
def oracle_clock(now):
    """A timestamp comfortably ahead of the head, so rounds can be written before warping to it."""
    return now() + 1_000


# ---------------------------------------------------------------------------------------------
# Primary feed
# ---------------------------------------------------------------------------------------------


def test_price__fresh_feed__returns_answer_scaled_to_18_decimals(priced, weth):
    assert_usable(priced, weth, ETH_PRICE)


def test_price_status__unknown_asset__reports_code_1_and_zero_price(priced, stranger):
    assert priced.price_status(stranger) == (0, False, UNKNOWN_ASSET)
    assert_fails(priced, stranger, UNKNOWN_ASSET)


def test_price__exactly_at_staleness_limit__passes(priced, weth, eth_feed, set_round, warp, oracle_clock):
    set_round(eth_feed, ETH_ANSWER, oracle_clock - HOUR)
    warp(oracle_clock)
    assert_usable(priced, weth, ETH_PRICE)


def test_price__one_second_past_staleness_limit__reverts_stale(
    priced, weth, eth_feed, set_round, warp, oracle_clock
):
    set_round(eth_feed, ETH_ANSWER, oracle_clock - HOUR - 1)
    warp(oracle_clock)
    assert_fails(priced, weth, STALE)
    # The stale price is still reported, for dashboards.
    assert priced.price_status(weth)[0] == ETH_PRICE


def test_price__zero_answer__reverts_no_answer(priced, weth, eth_feed, set_round, now):
    set_round(eth_feed, 0, now())
    assert_fails(priced, weth, NO_ANSWER)
    assert priced.price_status(weth)[0] == 0


def test_price__negative_answer__reverts_no_answer(priced, weth, eth_feed, set_round, now):
    set_round(eth_feed, -1, now())
    assert_fails(priced, weth, NO_ANSWER)


def test_price__answer_of_2_pow_128__reverts_no_answer(priced, weth, eth_feed, set_round, now):
    set_round(eth_feed, 2**128, now())
    assert_fails(priced, weth, NO_ANSWER)


def test_price_status__reverting_feed__reports_no_answer_without_reverting(priced, weth, eth_feed, owner):
    eth_feed.set_reverting(True, sender=owner)
    assert_fails(priced, weth, NO_ANSWER)


def test_price__updated_at_zero__reverts_zero_updated_at(priced, weth, eth_feed, set_round):
    set_round(eth_feed, ETH_ANSWER, 0)
    assert_fails(priced, weth, ZERO_UPDATED_AT)


def test_price__updated_at_one_second_in_future__reverts_future(
    priced, weth, eth_feed, set_round, warp, oracle_clock
):
    set_round(eth_feed, ETH_ANSWER, oracle_clock + 1)
    warp(oracle_clock)
    assert_fails(priced, weth, FUTURE_UPDATED_AT)


def test_price__updated_at_equal_to_now__passes(priced, weth, eth_feed, set_round, warp, oracle_clock):
    set_round(eth_feed, ETH_ANSWER, oracle_clock)
    warp(oracle_clock)
    assert_usable(priced, weth, ETH_PRICE)


def test_value__failed_check__reverts_with_the_same_reason(
    priced, weth, eth_feed, set_round, warp, oracle_clock
):
    set_round(eth_feed, ETH_ANSWER, oracle_clock - HOUR - 1)
    warp(oracle_clock)
    with ape.reverts(REASONS[STALE]):
        priced.value(weth, 10**18, skip_trace=True)


# ---------------------------------------------------------------------------------------------
# Bounds (18-decimal USD prices; failing AT the bound)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (1_000 * 10**8 - 1, BELOW_LOWER_BOUND),
        (1_000 * 10**8, BELOW_LOWER_BOUND),  # a feed stuck at its floor
        (1_000 * 10**8 + 1, None),
        (3_000 * 10**8 - 1, None),
        (3_000 * 10**8, ABOVE_UPPER_BOUND),  # a feed stuck at its ceiling
        (3_000 * 10**8 + 1, ABOVE_UPPER_BOUND),
    ],
)
def test_price__answer_against_bounds__fails_at_or_beyond_a_bound(
    priced, weth, eth_feed, owner, answer, code
):
    priced.set_bounds(weth, 1_000 * 10**18, 3_000 * 10**18, sender=owner)
    eth_feed.update_answer(answer, sender=owner)
    if code is None:
        assert_usable(priced, weth, answer * 10**10)
    else:
        assert_fails(priced, weth, code)


def test_price__only_upper_bound_set__low_price_passes(priced, weth, eth_feed, owner):
    priced.set_bounds(weth, 0, 3_000 * 10**18, sender=owner)
    eth_feed.update_answer(1, sender=owner)
    assert_usable(priced, weth, 10**10)


# ---------------------------------------------------------------------------------------------
# Secondary feed and deviation (bps of the primary price)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def with_secondary(priced, weth, create_feed, owner):
    """An 18-decimal secondary at the same $2,000, 2-hour staleness, at most 1% (100 bps) apart."""
    secondary = create_feed(18, 2_000 * 10**18, "ETH / USD (secondary)")
    priced.set_secondary_feed(weth, secondary, 2 * HOUR, 100, sender=owner)
    return secondary


def test_price__secondary_agrees__passes(priced, weth, with_secondary):
    assert_usable(priced, weth, ETH_PRICE)


@pytest.mark.parametrize(
    ("secondary_price", "code"),
    [
        (2_020 * 10**18, None),  # exactly 1% above
        (1_980 * 10**18, None),  # exactly 1% below
        (2_020 * 10**18 - 1, None),  # just under the limit
        (2_020 * 10**18 + 1, DEVIATION),  # just over the limit
        (1_980 * 10**18 - 1, DEVIATION),
    ],
)
def test_price__secondary_deviation__fails_only_beyond_the_limit(
    priced, weth, with_secondary, owner, secondary_price, code
):
    with_secondary.update_answer(secondary_price, sender=owner)
    if code is None:
        assert_usable(priced, weth, ETH_PRICE)
    else:
        assert_fails(priced, weth, code)
        assert priced.price_status(weth)[0] == ETH_PRICE


def test_price__secondary_stale__reverts_secondary_failed(
    priced, weth, eth_feed, with_secondary, set_round, warp, oracle_clock
):
    set_round(eth_feed, ETH_ANSWER, oracle_clock)  # primary fresh
    set_round(
        with_secondary, 2_000 * 10**18, oracle_clock - 2 * HOUR - 1
    )  # its own 2-hour limit, one second past
    warp(oracle_clock)
    assert_fails(priced, weth, SECONDARY_FAILED)


def test_price__secondary_at_its_own_staleness_limit__passes(
    priced, weth, eth_feed, with_secondary, set_round, warp, oracle_clock
):
    # Two hours old passes the secondary's limit although it would fail the primary's one hour.
    set_round(eth_feed, ETH_ANSWER, oracle_clock)
    set_round(with_secondary, 2_000 * 10**18, oracle_clock - 2 * HOUR)
    warp(oracle_clock)
    assert_usable(priced, weth, ETH_PRICE)


@pytest.mark.parametrize("answer", [0, -5])
def test_price__secondary_answer_not_positive__reverts_secondary_failed(
    priced, weth, with_secondary, owner, answer
):
    with_secondary.update_answer(answer, sender=owner)
    assert_fails(priced, weth, SECONDARY_FAILED)


def test_price__secondary_reverting__reverts_secondary_failed(priced, weth, with_secondary, owner):
    with_secondary.set_reverting(True, sender=owner)
    assert_fails(priced, weth, SECONDARY_FAILED)


def test_price__secondary_future_updated_at__reverts_secondary_failed(
    priced, weth, with_secondary, set_round, warp, oracle_clock
):
    set_round(with_secondary, 2_000 * 10**18, oracle_clock + 1)
    warp(oracle_clock)
    assert_fails(priced, weth, SECONDARY_FAILED)


def test_price__primary_fails_and_secondary_fine__reports_the_primary_reason(
    priced, weth, eth_feed, with_secondary, owner
):
    eth_feed.update_answer(0, sender=owner)
    assert_fails(priced, weth, NO_ANSWER)


# ---------------------------------------------------------------------------------------------
# L2 sequencer uptime feed (answer 1 = down; grace counted from startedAt)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def sequencer(priced, create_feed, owner, set_round, now):
    """A sequencer feed reporting up since two hours ago, with a one-hour grace period."""
    feed = create_feed(0, 0, "L2 Sequencer Uptime Status Feed")
    set_round(feed, 0, now(), started_at=now() - 2 * HOUR)
    priced.set_sequencer_feed(feed, GRACE, sender=owner)
    return feed


def test_price__sequencer_up_past_grace__passes(priced, weth, sequencer):
    assert_usable(priced, weth, ETH_PRICE)


def test_price__sequencer_down__reverts_sequencer_down(priced, weth, sequencer, set_round, now):
    set_round(sequencer, 1, now(), started_at=now())
    assert_fails(priced, weth, SEQUENCER_DOWN)


def test_price__sequencer_up_one_second_before_grace_ends__reverts_grace_period(
    priced, weth, eth_feed, sequencer, set_round, warp, oracle_clock
):
    set_round(sequencer, 0, oracle_clock - GRACE + 1, started_at=oracle_clock - GRACE + 1)
    set_round(eth_feed, ETH_ANSWER, oracle_clock)
    warp(oracle_clock)
    assert_fails(priced, weth, SEQUENCER_GRACE_PERIOD)


def test_price__sequencer_up_exactly_grace_period__still_reverts_grace_period(
    priced, weth, eth_feed, sequencer, set_round, warp, oracle_clock
):
    set_round(sequencer, 0, oracle_clock - GRACE, started_at=oracle_clock - GRACE)
    set_round(eth_feed, ETH_ANSWER, oracle_clock)
    warp(oracle_clock)
    assert_fails(priced, weth, SEQUENCER_GRACE_PERIOD)


def test_price__sequencer_up_one_second_after_grace__passes(
    priced, weth, eth_feed, sequencer, set_round, warp, oracle_clock
):
    set_round(sequencer, 0, oracle_clock - GRACE - 1, started_at=oracle_clock - GRACE - 1)
    set_round(eth_feed, ETH_ANSWER, oracle_clock)
    warp(oracle_clock)
    assert_usable(priced, weth, ETH_PRICE)


def test_price__sequencer_started_at_zero__reverts_sequencer_down(priced, weth, sequencer, set_round, now):
    set_round(sequencer, 0, now(), started_at=0)
    assert_fails(priced, weth, SEQUENCER_DOWN)


def test_price__sequencer_feed_reverting__reverts_sequencer_down(priced, weth, sequencer, owner):
    sequencer.set_reverting(True, sender=owner)
    assert_fails(priced, weth, SEQUENCER_DOWN)


def test_price__sequencer_down_and_primary_stale__reports_sequencer_first(
    priced, weth, eth_feed, sequencer, set_round, warp, oracle_clock
):
    set_round(sequencer, 1, oracle_clock, started_at=oracle_clock)
    set_round(eth_feed, ETH_ANSWER, oracle_clock - HOUR - 1)
    warp(oracle_clock)
    assert_fails(priced, weth, SEQUENCER_DOWN)


def test_reason__every_code__matches_the_revert_string(priced):
    assert priced.reason(0) == ""
    for code, reason in REASONS.items():
        assert priced.reason(code) == reason
    assert priced.reason(12) == "oracle: unknown code"


# ---------------------------------------------------------------------------------------------
# Two prices in one call (what one rebalance trade reads)
# ---------------------------------------------------------------------------------------------


def test_price_pair__both_fresh__each_exactly_what_price_returns(
    priced, weth, create_token, create_feed, owner
):
    btc = create_token(8, "Wrapped BTC", "WBTC")
    priced.set_feed(btc, create_feed(8, 30_000 * 10**8, "BTC / USD"), HOUR, sender=owner)
    assert (
        priced.price_pair(weth, btc)
        == (priced.price(weth), priced.price(btc))
        == (ETH_PRICE, 30_000 * 10**18)
    )
    assert priced.price_pair(btc, weth) == (30_000 * 10**18, ETH_PRICE)


def test_price_pair__either_fails__reverts_with_its_named_reason(
    priced, weth, eth_feed, create_token, create_feed, owner, set_round, warp, oracle_clock
):
    btc = create_token(8, "Wrapped BTC", "WBTC")
    btc_feed = create_feed(8, 30_000 * 10**8, "BTC / USD")
    priced.set_feed(btc, btc_feed, 2 * HOUR, sender=owner)
    set_round(eth_feed, ETH_ANSWER, oracle_clock - HOUR - 1)  # WETH one second stale
    set_round(btc_feed, 30_000 * 10**8, oracle_clock)
    warp(oracle_clock)
    for pair in ((weth, btc), (btc, weth)):
        with ape.reverts(REASONS[STALE]):
            priced.price_pair(*pair, skip_trace=True)
    with ape.reverts(REASONS[UNKNOWN_ASSET]):
        priced.price_pair(btc, owner, skip_trace=True)
