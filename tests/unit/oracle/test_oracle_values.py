"""Units: feeds of 8 and 18 decimals, tokens of 0, 6 and 18; values rounded down; ERC-7726
getQuote in every direction."""

from __future__ import annotations

import ape
import pytest
from oracle_helpers import HOUR, REASONS, STALE, UNKNOWN_ASSET, USD


@pytest.fixture(scope="module")
def usdc(create_token):
    return create_token(6, "USD Coin", "USDC")


@pytest.fixture(scope="module")
def quoting(priced, usdc, create_feed, owner):
    """WETH: $2,000, 8-decimal feed, 18-decimal token. USDC: $0.9998, 18-decimal feed, 6-decimal token."""
    priced.set_feed(usdc, create_feed(18, 9_998 * 10**14, "USDC / USD"), HOUR, sender=owner)
    return priced


# ---------------------------------------------------------------------------------------------
# Decimals
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("feed_decimals", [8, 18])
@pytest.mark.parametrize("token_decimals", [0, 6, 18])
def test_value__feed_and_token_decimals__values_whole_tokens_in_18_decimal_usd(
    oracle_adapter, create_token, create_feed, owner, feed_decimals, token_decimals
):
    # $1,234.5 per whole token, in any feed decimals.
    token = create_token(token_decimals)
    oracle_adapter.set_feed(
        token, create_feed(feed_decimals, 12_345 * 10 ** (feed_decimals - 1)), HOUR, sender=owner
    )
    assert oracle_adapter.price(token) == 1_234_500_000_000_000_000_000
    assert oracle_adapter.value(token, 3 * 10**token_decimals) == 3_703_500_000_000_000_000_000
    # One base unit: $1,234.5 / 10**token_decimals.
    assert oracle_adapter.value(token, 1) == 1_234_500_000_000_000_000_000 // 10**token_decimals
    assert oracle_adapter.value(token, 0) == 0


def test_value__fraction_below_one_wei__rounds_down(oracle_adapter, create_token, create_feed, owner):
    # 18-decimal feed at 1e-18 above $1, 18-decimal token: 1 wei of token is worth 1.000...001e-18 USD.
    token = create_token(18)
    oracle_adapter.set_feed(token, create_feed(18, 10**18 + 1), HOUR, sender=owner)
    assert oracle_adapter.value(token, 1) == 1
    assert oracle_adapter.value(token, 10**18 - 1) == 10**18 - 1  # 999...999.000...001 rounded down
    assert oracle_adapter.value(token, 10**18) == 10**18 + 1


def test_value__product_above_2_pow_256__stays_exact(oracle_adapter, create_token, create_feed, owner):
    # amount * answer overflows 256 bits; the 512-bit intermediate keeps the result exact.
    token = create_token(18)
    answer = 2**127 + 12_345
    oracle_adapter.set_feed(token, create_feed(18, answer), HOUR, sender=owner)
    amount = 2**150 + 7
    assert oracle_adapter.value(token, amount) == amount * answer // 10**18


def test_value__result_above_2_pow_256__reverts(oracle_adapter, create_token, create_feed, owner):
    token = create_token(0)
    oracle_adapter.set_feed(token, create_feed(0, 2**127), HOUR, sender=owner)
    with ape.reverts("math: mul_div overflow"):
        oracle_adapter.value(token, 2**130, skip_trace=True)


# ---------------------------------------------------------------------------------------------
# ERC-7726 getQuote (USD = address 840, 18 decimals)
# ---------------------------------------------------------------------------------------------


def test_get_quote__asset_to_usd__equals_value(quoting, weth, usdc):
    assert quoting.getQuote(2 * 10**18, weth, USD) == 4_000 * 10**18
    assert quoting.getQuote(1_000 * 10**6, usdc, USD) == 999_800_000_000_000_000_000
    assert quoting.getQuote(12_345, usdc, USD) == quoting.value(usdc, 12_345)


def test_get_quote__usd_to_asset__rounds_down(quoting, weth, usdc):
    assert quoting.getQuote(4_000 * 10**18, USD, weth) == 2 * 10**18
    # $1 buys 1 / 0.9998 = 1.00020004... USDC: 1,000,200 base units.
    assert quoting.getQuote(10**18, USD, usdc) == 1_000_200


def test_get_quote__asset_to_asset__rounds_down(quoting, weth, usdc):
    # 1 WETH = 2000 / 0.9998 = 2000.40008001... USDC.
    assert quoting.getQuote(10**18, weth, usdc) == 2_000_400_080
    # 1 USDC = 0.9998 / 2000 = 0.0004999 WETH exactly.
    assert quoting.getQuote(10**6, usdc, weth) == 499_900_000_000_000
    assert quoting.getQuote(10**18, weth, weth) == 10**18


def test_get_quote__asset_to_asset_either_decimals_order__rounds_down(
    quoting, usdc, create_token, create_feed, owner
):
    # WBTC: 8-decimal token at $60,123.45678901 (8-decimal feed), so neither direction divides exactly.
    wbtc = create_token(8)
    quoting.set_feed(wbtc, create_feed(8, 6_012_345_678_901), HOUR, sender=owner)
    # 1 WBTC = 60,123.45678901 / 0.9998 = 60,135.4838857... USDC.
    assert quoting.getQuote(10**8, wbtc, usdc) == 60_135_483_885
    # 1 USDC = 0.9998 / 60,123.45678901 = 0.000016629... WBTC.
    assert quoting.getQuote(10**6, usdc, wbtc) == 1_662


def test_get_quote__usd_to_usd__returns_the_amount(quoting):
    assert quoting.getQuote(123, USD, USD) == 123


@pytest.mark.parametrize(("base_unknown", "quote_unknown"), [(True, False), (False, True)])
def test_get_quote__unknown_asset__reverts(quoting, weth, stranger, base_unknown, quote_unknown):
    base = stranger if base_unknown else weth
    quote = stranger if quote_unknown else USD
    with ape.reverts(REASONS[UNKNOWN_ASSET]):
        quoting.getQuote(10**18, base, quote, skip_trace=True)


def test_get_quote__stale_quote_asset__reverts_stale(quoting, weth, usdc, eth_feed, set_round, warp, now):
    clock = now() + 1_000
    set_round(eth_feed, 2_000 * 10**8, clock - HOUR - 1)
    warp(clock)
    with ape.reverts(REASONS[STALE]):
        quoting.getQuote(10**6, usdc, weth, skip_trace=True)
    with ape.reverts(REASONS[STALE]):
        quoting.getQuote(10**18, USD, weth, skip_trace=True)
