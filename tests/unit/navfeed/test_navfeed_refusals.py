"""What the NAV feed refuses: a component price that fails the adapter's checks (its reason, by
name, and `updatedAt` the oldest up to the limit), a read while the vault is inside a mint or a
redeem (read-only reentrancy through a hook token), and what it ignores: donations.
`nav_status` tells each case apart without reverting."""

from __future__ import annotations

import ape
import pytest
from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector as selector
from navfeed_helpers import (
    ANSWERS,
    BUSY,
    DECIMALS,
    FEED_DECIMALS,
    HOUR,
    UNITS,
    USD,
    expected_nav,
    price18,
    revert_reason,
)

from vyndex.constants import MAX_UINT256, WAD, ZERO_ADDRESS

PRICES = [price18(a, fd) for a, fd in zip(ANSWERS, FEED_DECIMALS, strict=True)]
NAV = expected_nav(UNITS, DECIMALS, PRICES)
STALE, UNKNOWN_ASSET, NO_ANSWER, ABOVE_UPPER_BOUND = 5, 1, 2, 7


# ---------------------------------------------------------------------------------------------
# Component prices that fail their checks
# ---------------------------------------------------------------------------------------------


def test_latest_round_data__oldest_component_at_then_past_its_staleness__answers_then_reverts_stale(
    chain, nav_feed, nav_vault, nav_tokens, nav_aggregators, push_round
):
    now = chain.blocks.head.timestamp
    updated = now + 10 - HOUR
    push_round(nav_aggregators[3], ANSWERS[3], updated)
    chain.mine(timestamp=now + 10)  # exactly HOUR old: still fresh, and the oldest
    assert nav_feed.latestRoundData()[1:4] == (NAV, updated, updated)

    chain.mine(timestamp=now + 11)  # one second past the limit
    for call in (nav_feed.latestRoundData, lambda **kw: nav_feed.getQuote(WAD, nav_vault, USD, **kw)):
        with ape.reverts("oracle: stale price"):
            call(skip_trace=True)
    assert nav_feed.nav_status() == (0, 0, STALE, "oracle: stale price", nav_tokens[3].address)

    push_round(nav_aggregators[3], ANSWERS[3], chain.blocks.head.timestamp)  # the feed recovers
    assert nav_feed.latestRoundData()[1] == NAV


@pytest.mark.parametrize(
    "failure, code, reason",
    [
        ("removed", UNKNOWN_ASSET, "oracle: unknown asset"),
        ("negative", NO_ANSWER, "oracle: no answer"),
        ("bounded", ABOVE_UPPER_BOUND, "oracle: price above upper bound"),
    ],
)
def test_latest_round_data__component_fails_a_check__reverts_with_the_adapter_reason(
    chain, nav_feed, nav_adapter, nav_tokens, nav_aggregators, push_round, owner, failure, code, reason
):
    token = nav_tokens[1]
    if failure == "removed":
        nav_adapter.remove_feed(token, sender=owner)
    elif failure == "negative":
        push_round(nav_aggregators[1], -1, chain.blocks.head.timestamp)
    else:
        nav_adapter.set_bounds(token, 0, PRICES[1], sender=owner)  # failed AT the bound
    with ape.reverts(reason):
        nav_feed.latestRoundData(skip_trace=True)
    assert nav_feed.nav_status() == (0, 0, code, reason, token.address)


def test_nav_status__every_price_good__nav_oldest_update_and_code_zero(chain, nav_feed, nav_aggregators):
    oldest = min(int(feed.latestRoundData()[3]) for feed in nav_aggregators)
    assert nav_feed.nav_status() == (NAV, oldest, 0, "", ZERO_ADDRESS)


# ---------------------------------------------------------------------------------------------
# Donations
# ---------------------------------------------------------------------------------------------


def test_latest_round_data__components_donated_to_the_vault__answer_unchanged(
    nav_feed, nav_vault, nav_tokens, attacker
):
    supply = nav_vault.totalSupply()
    before = nav_feed.latestRoundData()[1]
    for token, unit in zip(nav_tokens, UNITS, strict=True):
        token.mint(nav_vault, 1_000 * unit, sender=attacker)  # 100x what the supply is owed
    balance_nav = sum(
        t.balanceOf(nav_vault) * p // 10**d * WAD // supply
        for t, p, d in zip(nav_tokens, PRICES, DECIMALS, strict=True)
    )
    assert balance_nav > 50 * before  # what a balance-based NAV would now say
    assert nav_feed.latestRoundData()[1] == before == NAV
    assert nav_feed.getQuote(WAD, nav_vault, USD) == NAV


# ---------------------------------------------------------------------------------------------
# Read-only reentrancy: a component whose transfers call back into the feed
# ---------------------------------------------------------------------------------------------

HOOK_UNIT = 2 * 10**18
HOOK_ANSWER = 10 * 10**8  # $10 on an 8-decimal feed


@pytest.fixture(scope="module")
def hook_token(project, owner):
    return owner.deploy(project.ReentrantToken, "Hook", "HOOK", 18)


@pytest.fixture(scope="module")
def hooked_vault(project, create_vault, nav_adapter, nav_tokens, hook_token, owner, alice):
    """A vault over HOOK (18 decimals) and the 6-decimal component; alice holds 3 index tokens and
    stock to mint more."""
    hook_feed = owner.deploy(project.MockAggregator, 8, "HOOK / USD", HOOK_ANSWER)
    nav_adapter.set_feed(hook_token, hook_feed, HOUR, sender=owner)
    vault = create_vault([hook_token, nav_tokens[2]], [HOOK_UNIT, UNITS[2]])
    for token in (hook_token, nav_tokens[2]):
        token.mint(alice, 100 * 10**24, sender=alice)
        token.approve(vault, MAX_UINT256, sender=alice)
    vault.mint(3 * WAD, alice, [MAX_UINT256, MAX_UINT256], sender=alice)
    return vault


@pytest.fixture(scope="module")
def hooked_feed(project, owner, hooked_vault, nav_adapter):
    return owner.deploy(project.IndexNavFeed, hooked_vault, nav_adapter, "HOOKED / USD NAV")


HOOKED_NAV = HOOK_UNIT * price18(HOOK_ANSWER, 8) // WAD + UNITS[2] * 10**12 * PRICES[2] // WAD


def arm(hook_token, target, payload: bytes, sender) -> None:
    hook_token.set_callback(target, payload, True, sender=sender)


def test_latest_round_data__called_from_a_token_hook_during_mint__reverts_vault_busy(
    hooked_feed, hooked_vault, hook_token, alice
):
    arm(hook_token, hooked_feed, selector("latestRoundData()"), alice)
    hooked_vault.mint(WAD, alice, [MAX_UINT256, MAX_UINT256], sender=alice)
    assert hook_token.callback_count() >= 1
    assert hook_token.callback_reverted()
    assert revert_reason(bytes(hook_token.callback_result())) == "nav: vault busy"

    # Control: the same call from the same token outside any vault operation answers the NAV.
    hook_token.fire(sender=alice)
    assert not hook_token.callback_reverted()
    assert decode(["uint80", "int256", "uint256", "uint256", "uint80"], bytes(hook_token.callback_result()))[
        1
    ] == (HOOKED_NAV)


def test_get_quote__called_from_a_token_hook_during_redeem__reverts_vault_busy(
    hooked_feed, hooked_vault, hook_token, alice
):
    payload = selector("getQuote(uint256,address,address)") + encode(
        ["uint256", "address", "address"], [WAD, hooked_vault.address, USD]
    )
    arm(hook_token, hooked_feed, payload, alice)
    hook_token.set_hook_after(True, sender=alice)  # as a receive hook: after the tokens moved
    hooked_vault.redeem(WAD, alice, [0, 0], sender=alice)
    assert hook_token.callback_reverted()
    assert revert_reason(bytes(hook_token.callback_result())) == "nav: vault busy"

    hook_token.fire(sender=alice)
    assert not hook_token.callback_reverted()
    assert decode(["uint256"], bytes(hook_token.callback_result()))[0] == HOOKED_NAV


def test_nav_status__called_from_a_token_hook_during_mint__says_busy_without_reverting(
    hooked_feed, hooked_vault, hook_token, alice
):
    arm(hook_token, hooked_feed, selector("nav_status()"), alice)
    hooked_vault.mint(WAD, alice, [MAX_UINT256, MAX_UINT256], sender=alice)
    assert not hook_token.callback_reverted()
    nav, updated, code, reason, asset = decode(
        ["uint256", "uint256", "uint8", "string", "address"], bytes(hook_token.callback_result())
    )
    assert (nav, updated, code, reason, asset) == (0, 0, BUSY, "nav: vault busy", ZERO_ADDRESS)


def test_morpho_price__called_from_a_token_hook_during_mint__reverts_vault_busy(
    project, owner, hooked_feed, hooked_vault, hook_token, nav_adapter, nav_tokens, alice
):
    oracle = owner.deploy(project.MorphoNavOracle, hooked_feed, hooked_vault, nav_tokens[2], nav_adapter)
    arm(hook_token, oracle, selector("price()"), alice)
    hooked_vault.mint(WAD, alice, [MAX_UINT256, MAX_UINT256], sender=alice)
    assert hook_token.callback_reverted()
    assert revert_reason(bytes(hook_token.callback_result())) == "nav: vault busy"
