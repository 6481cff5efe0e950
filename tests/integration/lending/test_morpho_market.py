"""The index as collateral on Morpho Blue (real bytecode): Morpho prices it through MorphoNavOracle
exactly, lends up to the LLTV and not a wei more, lets a liquidator seize an unhealthy position after
a market crash, ignores donations to the vault, and freezes borrowing (and liquidation) rather than
misprice while a component feed is stale."""

from __future__ import annotations

import ape

from vyndex.constants import WAD

from .conftest import ANSWERS, COLLATERAL, LENDING_UNITS, LLTV, STALENESS

ORACLE_PRICE_SCALE = 10**36
# NAV per whole index token, 18 decimals (feeds at 8 decimals): WETH and WBTC (8-decimal token).
NAV = (
    LENDING_UNITS[0] * ANSWERS["WETH"] * 10**10 // WAD
    + LENDING_UNITS[1] * 10**10 * ANSWERS["WBTC"] * 10**10 // WAD
)
USDC_PRICE = ANSWERS["USDC"] * 10**10
# Morpho's price: NAV * 10**(36 + 6 - 18) / USDC price.
PRICE = NAV * 10**24 // USDC_PRICE


def max_borrow(collateral: int, price: int) -> int:
    """Morpho's bound: collateral.mulDivDown(price, 1e36).wMulDown(lltv)."""
    return collateral * price // ORACLE_PRICE_SCALE * LLTV // WAD


def position(morpho, params, user) -> tuple[int, int, int]:
    market_id = morpho.market_id(params)
    supply_shares, borrow_shares, collateral = morpho.contract.position(market_id, user)
    return int(supply_shares), int(borrow_shares), int(collateral)


def test_price__index_collateral_usdc_loan__nav_over_usdc_price_in_morpho_scale(
    morpho_oracle, index_nav_feed
):
    assert NAV == 50 * WAD
    assert index_nav_feed.latestRoundData()[1] == NAV
    assert morpho_oracle.price() == PRICE


def test_borrow__up_to_the_lltv__morpho_lends_exactly_the_nav_bound(
    morpho, morpho_market, alice, lending_tokens
):
    morpho.contract.supplyCollateral(morpho_market, COLLATERAL, alice, b"", sender=alice)
    limit = max_borrow(COLLATERAL, PRICE)
    assert 4_300 * 10**6 < limit < 4_301 * 10**6  # 86% of $5,000 in USDC at $0.9998
    with ape.reverts("insufficient collateral"):
        morpho.contract.borrow(morpho_market, limit + 1, 0, alice, alice, sender=alice)
    morpho.contract.borrow(morpho_market, limit, 0, alice, alice, sender=alice)
    assert lending_tokens["USDC"].balanceOf(alice) == limit


def test_liquidate__market_crash__unhealthy_position_seized_by_the_liquidator(
    chain,
    morpho,
    morpho_market,
    morpho_oracle,
    collateral_index,
    lending_feeds,
    lending_tokens,
    owner,
    alice,
    carol,
):
    morpho.contract.supplyCollateral(morpho_market, COLLATERAL, alice, b"", sender=alice)
    borrowed = 4_000 * 10**6  # 80% LTV: healthy under an 86% LLTV
    morpho.contract.borrow(morpho_market, borrowed, 0, alice, alice, sender=alice)
    with ape.reverts("position is healthy"):
        morpho.contract.liquidate(morpho_market, alice, 10 * WAD, 0, b"", sender=carol)

    # Crash: ETH -20%, BTC -20% -> NAV $40, the $4,000 debt is 100% of the collateral's value.
    now = chain.blocks.head.timestamp
    for symbol in ("WETH", "WBTC"):
        feed = lending_feeds[symbol]
        round_id = feed.latest_round() + 1
        feed.set_round(round_id, ANSWERS[symbol] * 8 // 10, now, now, round_id, sender=owner)
    crashed = morpho_oracle.price()
    assert crashed == (NAV * 8 // 10) * 10**24 // USDC_PRICE
    assert max_borrow(COLLATERAL, crashed) < borrowed

    seized = 40 * WAD
    usdc = lending_tokens["USDC"]
    paid_before = usdc.balanceOf(carol)
    morpho.contract.liquidate(morpho_market, alice, seized, 0, b"", sender=carol)
    assert collateral_index.balanceOf(carol) == seized
    assert position(morpho, morpho_market, alice)[2] == COLLATERAL - seized
    repaid = paid_before - usdc.balanceOf(carol)
    # Morpho's incentive at 86% LLTV is ~1.0438: the liquidator repays less than the seized value.
    assert 0 < repaid < seized * crashed // 10**36


def test_price__components_donated_to_the_vault__unchanged_and_no_extra_borrowing(
    morpho, morpho_market, morpho_oracle, collateral_index, lending_tokens, alice, attacker
):
    morpho.contract.supplyCollateral(morpho_market, COLLATERAL, alice, b"", sender=alice)
    for symbol, unit in zip(("WETH", "WBTC"), LENDING_UNITS, strict=True):
        lending_tokens[symbol].mint(collateral_index, 10_000 * unit, sender=attacker)  # 100x the basket
    assert morpho_oracle.price() == PRICE
    with ape.reverts("insufficient collateral"):
        morpho.contract.borrow(
            morpho_market, max_borrow(COLLATERAL, PRICE) + 1, 0, alice, alice, sender=alice
        )


def test_borrow__component_feed_stale__refused_with_oracle_reason_while_repay_works(
    chain,
    morpho,
    morpho_market,
    morpho_oracle,
    index_nav_feed,
    lending_feeds,
    lending_tokens,
    owner,
    alice,
    carol,
):
    morpho.contract.supplyCollateral(morpho_market, COLLATERAL, alice, b"", sender=alice)
    morpho.contract.borrow(morpho_market, 1_000 * 10**6, 0, alice, alice, sender=alice)
    later = chain.blocks.head.timestamp + STALENESS + 1
    chain.mine(timestamp=later)
    # USDC and WETH are refreshed; WBTC's feed has not updated for longer than its staleness.
    for symbol in ("USDC", "WETH"):
        feed = lending_feeds[symbol]
        round_id = feed.latest_round() + 1
        feed.set_round(round_id, ANSWERS[symbol], later, later, round_id, sender=owner)

    with ape.reverts("oracle: stale price"):
        morpho_oracle.price(skip_trace=True)
    with ape.reverts("oracle: stale price"):
        morpho.contract.borrow(morpho_market, 10**6, 0, alice, alice, sender=alice)
    with ape.reverts("oracle: stale price"):
        morpho.contract.liquidate(morpho_market, alice, WAD, 0, b"", sender=carol)

    # Repaying reads no price: the borrower can always get out.
    borrow_shares = position(morpho, morpho_market, alice)[1]
    lending_tokens["USDC"].mint(alice, 10**9, sender=alice)
    morpho.contract.repay(morpho_market, 0, borrow_shares, alice, b"", sender=alice)
    assert position(morpho, morpho_market, alice)[1] == 0
    # A reader that must not revert learns why from the feed.
    assert index_nav_feed.nav_status()[2:] == (5, "oracle: stale price", lending_tokens["WBTC"].address)
