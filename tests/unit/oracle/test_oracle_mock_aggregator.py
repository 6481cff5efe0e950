"""MockAggregator answers as Chainlink's AggregatorV3Interface does, so adapter tests mean something."""

from __future__ import annotations

import ape


def test_latest_round_data__after_deploy__is_round_1_updated_now(create_feed, now):
    feed = create_feed(8, 2_000 * 10**8, "ETH / USD")
    t = now()
    assert feed.latestRoundData() == (1, 2_000 * 10**8, t, t, 1)
    assert (feed.decimals(), feed.description(), feed.version()) == (8, "ETH / USD", 4)


def test_latest_round_data__no_round_yet__returns_zeros(create_feed):
    assert create_feed(8).latestRoundData() == (0, 0, 0, 0, 0)


def test_set_round__any_fields__returned_exactly_by_both_reads(create_feed, owner):
    feed = create_feed(18)
    feed.set_round(7, -3, 11, 22, 6, sender=owner)
    assert feed.latestRoundData() == (7, -3, 11, 22, 6)
    assert feed.getRoundData(7) == (7, -3, 11, 22, 6)


def test_update_answer__next_round__increments_round_and_stamps_the_block(create_feed, owner, now):
    feed = create_feed(8, 1)
    feed.update_answer(5, sender=owner)
    t = now()
    assert feed.latestRoundData() == (2, 5, t, t, 2)
    assert feed.getRoundData(1)[1] == 1  # the earlier round stays readable


def test_get_round_data__round_never_set__reverts_no_data_present(create_feed):
    with ape.reverts("No data present"):
        create_feed(8, 1).getRoundData(2, skip_trace=True)


def test_setters__decimals_description_version__change_what_is_read(create_feed, owner):
    feed = create_feed(8)
    feed.set_decimals(18, sender=owner)
    feed.set_description("BTC / USD", sender=owner)
    feed.set_version(6, sender=owner)
    assert (feed.decimals(), feed.description(), feed.version()) == (18, "BTC / USD", 6)


def test_set_reverting__true__both_reads_revert(create_feed, owner):
    feed = create_feed(8, 1)
    feed.set_reverting(True, sender=owner)
    with ape.reverts("MockAggregator: reverting"):
        feed.latestRoundData(skip_trace=True)
    with ape.reverts("MockAggregator: reverting"):
        feed.getRoundData(1, skip_trace=True)
