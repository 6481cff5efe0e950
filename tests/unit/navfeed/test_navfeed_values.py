"""What the NAV feed answers: the exact NAV of stored units at the adapter's prices for components
of 0 to 18 decimals, the oldest component `updatedAt`, its AggregatorV3 and ERC-7726 surface, and
its deployed size."""

from __future__ import annotations

import ape
import pytest
from governance_helpers import enact
from navfeed_helpers import ANSWERS, DECIMALS, FEED_DECIMALS, UNITS, USD, expected_nav, price18

from vyndex.constants import WAD

PRICES = [price18(a, fd) for a, fd in zip(ANSWERS, FEED_DECIMALS, strict=True)]
NAV = expected_nav(UNITS, DECIMALS, PRICES)
YEAR = 365 * 86_400


def test_latest_round_data__components_of_0_2_6_8_18_decimals__answer_is_python_nav(nav_feed, nav_vault):
    _round, answer, _started, _updated, _answered = nav_feed.latestRoundData()
    assert answer == NAV
    assert nav_feed.decimals() == 18


def test_latest_round_data__management_fee_accruing__values_at_the_pending_scale(
    chain, nav_feed, nav_vault, nav_aggregators, push_round, manager
):
    enact(nav_vault.set_management_fee, 10**17, sender=manager)  # 10% a year, after the delay
    chain.mine(timestamp=chain.blocks.head.timestamp + YEAR // 2)
    for feed, answer in zip(nav_aggregators, ANSWERS, strict=True):  # fresh prices half a year on
        push_round(feed, answer, chain.blocks.head.timestamp)
    scale = nav_vault.basket_state()[3]
    assert scale < WAD  # the fee has shrunk every unit
    answer = nav_feed.latestRoundData()[1]
    assert answer == expected_nav(UNITS, DECIMALS, PRICES, scale)
    assert answer < NAV


def test_latest_round_data__price_moves__answer_follows_by_the_unit(
    chain, nav_feed, nav_aggregators, push_round
):
    # Component 4 (18 decimals, 0-decimal feed) doubles: the NAV rises by exactly its unit's value.
    push_round(nav_aggregators[4], 2 * ANSWERS[4], chain.blocks.head.timestamp)
    prices = [*PRICES[:4], 2 * PRICES[4]]
    assert nav_feed.latestRoundData()[1] == expected_nav(UNITS, DECIMALS, prices)
    assert nav_feed.latestRoundData()[1] - NAV == UNITS[4] * PRICES[4] // WAD


def test_updated_at__components_updated_at_different_times__is_the_oldest(
    chain, nav_feed, nav_aggregators, push_round
):
    now = chain.blocks.head.timestamp
    ages = [100, 3_000, 50, 1_200, 10]
    for feed, answer, age in zip(nav_aggregators, ANSWERS, ages, strict=True):
        push_round(feed, answer, now - age)
    round_id, answer, started_at, updated_at, answered_in_round = nav_feed.latestRoundData()
    oldest = now - max(ages)
    assert updated_at == started_at == oldest
    assert round_id == answered_in_round == oldest
    assert answer == NAV
    # The only round there is can be asked for by id; no other.
    assert nav_feed.getRoundData(round_id) == (round_id, answer, started_at, updated_at, answered_in_round)
    with ape.reverts("nav: no round history"):
        nav_feed.getRoundData(round_id - 1, skip_trace=True)


def test_get_quote__index_to_usd_and_back__floor_of_the_nav(nav_feed, nav_vault):
    amount = 3_500_000_000_000_000_001
    assert nav_feed.getQuote(amount, nav_vault, USD) == amount * NAV // WAD
    usd = 1_000 * WAD + 1
    assert nav_feed.getQuote(usd, USD, nav_vault) == usd * WAD // NAV


def test_get_quote__any_other_pair__reverts_unsupported(nav_feed, nav_vault, nav_tokens):
    for base, quote in ((nav_tokens[0], USD), (nav_vault, nav_tokens[1]), (USD, USD), (nav_vault, nav_vault)):
        with ape.reverts("nav: unsupported pair"):
            nav_feed.getQuote(WAD, base, quote, skip_trace=True)


def test_metadata__deployed__description_version_and_adapter(nav_feed, nav_vault, nav_adapter):
    assert nav_feed.description() == "VTI / USD NAV"
    assert nav_feed.version() == 1
    assert nav_feed.VAULT() == nav_vault.address
    assert nav_feed.ORACLE() == nav_adapter.address


def test_constructor__not_a_vault__reverts_by_name(project, owner, nav_adapter, nav_tokens, stranger):
    with ape.reverts("nav: vault has no basket_state"):
        owner.deploy(project.IndexNavFeed, nav_tokens[0], nav_adapter, "x")
    with ape.reverts("nav: vault not a contract"):
        owner.deploy(project.IndexNavFeed, stranger, nav_adapter, "x")


@pytest.mark.parametrize("name", ["IndexNavFeed", "MorphoNavOracle", "OracleAdapter"])
def test_deployed_size__new_and_changed_contracts__under_22_kb(project, name):
    runtime = getattr(project, name).contract_type.runtime_bytecode.bytecode
    assert (len(runtime) - 2) // 2 < 22_000


def test_adapter_updated_at__unknown_asset_or_reverting_feed__zero_not_a_revert(
    nav_adapter, nav_tokens, nav_aggregators, owner, stranger
):
    assert nav_adapter.updated_at(nav_tokens[0]) == nav_aggregators[0].latestRoundData()[3] > 0
    assert nav_adapter.updated_at(stranger) == 0
    nav_aggregators[0].set_reverting(True, sender=owner)
    assert nav_adapter.updated_at(nav_tokens[0]) == 0
