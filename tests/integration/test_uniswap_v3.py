"""The real Uniswap V3 (compiled bytecode from npm) stands up beside V2 on one WETH9: the pool
init code hash is the periphery's, pools land where CREATE2 says, a pool seeded at a price
quotes that price less the fee, concentrated liquidity moves the price less than the same
capital over the full range, and the router pays exactly what the quoter said."""

from __future__ import annotations

from fractions import Fraction

import ape
import pytest

from vyndex.constants import WAD
from vyndex.reference.artifacts import uniswap_v3_contract_type
from vyndex.reference.uniswap_v3 import (
    FEE_DENOMINATOR,
    MAX_TICK,
    MIN_TICK,
    UniswapV3,
    attach_uniswap_v3,
    deploy_uniswap_v3,
    full_range_ticks,
    pool_address,
    pool_init_code_hash,
    price_to_sqrt_x96,
    quote_exact_input_single,
    quote_exact_output_single,
    seed_pool,
    sqrt_price_x96,
    sqrt_ratio_at_tick,
    sqrt_x96_to_price,
    swap_exact_input_single,
    tick_at_sqrt_ratio,
    ticks_around,
)

PERIPHERY_POOL_INIT_CODE_HASH = "e34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54"


@pytest.fixture(scope="module")
def uni3(owner, uniswap) -> UniswapV3:
    return deploy_uniswap_v3(owner, uniswap.weth)


def _balances(tokens, holder):
    return [t.balanceOf(holder) for t in tokens]


# ---------------------------------------------------------------------------------------------
# Artifacts, addresses and the price/tick maths (no chain needed for most)
# ---------------------------------------------------------------------------------------------


def test_pool_init_code_hash__v3_core_pool__equals_periphery_constant_in_every_periphery_contract():
    assert pool_init_code_hash().hex().removeprefix("0x") == PERIPHERY_POOL_INIT_CODE_HASH
    for name in ("SwapRouter", "NonfungiblePositionManager", "QuoterV2"):
        code = uniswap_v3_contract_type(name).deployment_bytecode.bytecode
        assert PERIPHERY_POOL_INIT_CODE_HASH in code, name


def test_tick_math__ticks_and_prices__match_tickmath_bounds_and_round_trip():
    assert sqrt_ratio_at_tick(0) == 2**96
    assert sqrt_ratio_at_tick(MIN_TICK) == 4295128739
    assert sqrt_ratio_at_tick(MAX_TICK) == 1461446703485210103287273052203988822378723970342
    for tick in (MIN_TICK + 1, -200_311, -1, 0, 1, 69_081, MAX_TICK - 1):
        sqrt = sqrt_ratio_at_tick(tick)
        assert tick_at_sqrt_ratio(sqrt) == tick
        assert tick_at_sqrt_ratio(sqrt - 1) == tick - 1
    assert full_range_ticks(100) == (-887272, 887272)
    assert full_range_ticks(500) == (-887270, 887270)
    assert full_range_ticks(3000) == (-887220, 887220)
    assert full_range_ticks(10000) == (-887200, 887200)
    with pytest.raises(ValueError, match="unknown fee tier"):
        full_range_ticks(2500)


def test_sqrt_price__amounts_and_fraction__agree_and_floor_the_exact_root():
    # 1 WETH (18 decimals) = 2000 USDC (6 decimals): 2000e6 / 1e18 base units.
    sqrt = sqrt_price_x96(WAD, 2000 * 10**6)
    assert sqrt == price_to_sqrt_x96(Fraction(2000 * 10**6, WAD))
    price = Fraction(2000 * 10**6, WAD)
    assert sqrt_x96_to_price(sqrt) <= price < sqrt_x96_to_price(sqrt + 1)
    assert price_to_sqrt_x96(1) == 2**96
    with pytest.raises(ValueError, match="outside"):
        sqrt_price_x96(10**40, 1)


def test_pool_address__three_fee_tiers__equals_factory_get_pool(uni3, create_token, owner):
    token_a, token_b = create_token(18), create_token(6)
    addresses = set()
    for fee in (500, 3000, 10000, 100):
        assert uni3.pool(token_a, token_b, fee) is None
        expected = pool_address(uni3.factory, token_a, token_b, fee)
        uni3.factory.createPool(token_a, token_b, fee, sender=owner)
        assert uni3.factory.getPool(token_b, token_a, fee) == expected
        assert uni3.pool(token_a, token_b, fee).address == expected
        addresses.add(expected)
    assert len(addresses) == 4
    attached = attach_uniswap_v3(uni3.factory, uni3.router, uni3.positions, uni3.quoter, uni3.weth)
    assert attached.pool(token_b, token_a, 500).address == pool_address(uni3.factory, token_b, token_a, 500)
    assert attached.positions.WETH9() == attached.router.WETH9() == uni3.weth.address


# ---------------------------------------------------------------------------------------------
# Seeded pools quote their price
# ---------------------------------------------------------------------------------------------

# (decimals of a, or None for WETH; decimals of b; amount of a; amount of b; fee)
PRICED_POOLS = {
    "2000 USDC per WETH": (None, 6, 100 * WAD, 200_000 * 10**6, 500),
    "2000 USDC per WETH, USDC first": (6, None, 200_000 * 10**6, 100 * WAD, 500),
    "60000 USDC per 8-decimal WBTC": (8, 6, 10 * 10**8, 600_000 * 10**6, 3000),
    "1 percent tier, 18 per 8 decimals": (18, 8, 5_000 * WAD, 20 * 10**8, 10000),
}


@pytest.mark.parametrize("case", PRICED_POOLS.values(), ids=PRICED_POOLS.keys())
def test_full_range_pool__seeded_at_price__quotes_within_the_fee_of_that_price(
    uni3, create_token, liquidity_provider, case
):
    decimals_a, decimals_b, amount_a, amount_b, fee = case
    token_a = uni3.weth if decimals_a is None else create_token(decimals_a)
    token_b = uni3.weth if decimals_b is None else create_token(decimals_b)
    pool = seed_pool(uni3, token_a, token_b, fee, amount_a, amount_b, liquidity_provider)

    # Initialised at amount_b / amount_a whichever token sorts first; the tick agrees with ours.
    a_is_0 = pool.token0() == token_a.address
    amount0, amount1 = (amount_a, amount_b) if a_is_0 else (amount_b, amount_a)
    slot0 = pool.slot0()
    assert slot0.sqrtPriceX96 == sqrt_price_x96(amount0, amount1)
    assert slot0.tick == tick_at_sqrt_ratio(slot0.sqrtPriceX96)
    assert pool.liquidity() > 0

    # Selling 1/10,000 of either reserve pays the seeded price less the fee, less ~1e-4 impact.
    keep = Fraction(FEE_DENOMINATOR - fee, FEE_DENOMINATOR)
    for sold, bought, reserve_sold, price in (
        (token_a, token_b, amount_a, Fraction(amount_b, amount_a)),
        (token_b, token_a, amount_b, Fraction(amount_a, amount_b)),
    ):
        amount_in = reserve_sold // 10_000
        ideal = amount_in * price * keep
        quote = quote_exact_input_single(uni3, sold, bought, fee, amount_in)
        assert ideal * Fraction(9_997, 10_000) <= quote.amount <= ideal
        assert quote.initialized_ticks_crossed == 0


def test_quote_exact_output__cost_sold_back_as_exact_input__buys_at_least_that_amount(
    uni3, create_token, liquidity_provider
):
    usdc = create_token(6)
    seed_pool(uni3, uni3.weth, usdc, 3000, 100 * WAD, 200_000 * 10**6, liquidity_provider)
    wanted = 500 * 10**6
    cost = quote_exact_output_single(uni3, uni3.weth, usdc, 3000, wanted).amount
    # 0.25 WETH at 2000, plus the 0.3 % fee and ~0.25 % impact, and not more than 1 % over.
    assert Fraction(wanted, 2000 * 10**6) * WAD * Fraction(1003, 1000) < cost < WAD // 4 * 101 // 100
    assert quote_exact_input_single(uni3, uni3.weth, usdc, 3000, cost).amount >= wanted


# ---------------------------------------------------------------------------------------------
# Concentrated liquidity
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["width", "explicit ticks"])
def test_concentrated_position__equal_capital__smaller_price_impact_than_full_range(
    uni3, create_token, liquidity_provider, how
):
    fee, amount_a, amount_b, width = 3000, 100 * WAD, 200_000 * 10**6, 2_000  # about +-10 %
    full_a, full_b = create_token(18), create_token(6)
    conc_a, conc_b = create_token(18), create_token(6)
    full = seed_pool(uni3, full_a, full_b, fee, amount_a, amount_b, liquidity_provider)
    if how == "width":
        conc = seed_pool(uni3, conc_a, conc_b, fee, amount_a, amount_b, liquidity_provider, width=width)
    else:
        a_is_0 = int(conc_a.address, 16) < int(conc_b.address, 16)
        sqrt = sqrt_price_x96(amount_a, amount_b) if a_is_0 else sqrt_price_x96(amount_b, amount_a)
        lower, upper = ticks_around(tick_at_sqrt_ratio(sqrt), width, 60)
        conc = seed_pool(
            uni3, conc_a, conc_b, fee, amount_a, amount_b, liquidity_provider, False, lower, upper
        )

    # Equal capital: the concentrated position took at most the same amounts, and nearly all.
    full_held = _balances([full_a, full_b], full)
    conc_held = _balances([conc_a, conc_b], conc)
    for held, offered in zip(conc_held, (amount_a, amount_b), strict=True):
        assert offered * 9 // 10 <= held <= offered
    assert full_held[0] <= amount_a and full_held[1] <= amount_b
    assert full_held[0] >= amount_a * 999 // 1000 and full_held[1] >= amount_b * 999 // 1000
    assert conc.liquidity() > 10 * full.liquidity()

    # The same 5 % sale moves the concentrated pool's price far less and pays more.
    amount_in = 5 * WAD
    q_full = quote_exact_input_single(uni3, full_a, full_b, fee, amount_in)
    q_conc = quote_exact_input_single(uni3, conc_a, conc_b, fee, amount_in)
    # Relative moves: the two pools may order their tokens differently (sqrt P against 1/sqrt P).
    move_full = abs(Fraction(q_full.sqrt_price_x96_after, full.slot0().sqrtPriceX96) - 1)
    move_conc = abs(Fraction(q_conc.sqrt_price_x96_after, conc.slot0().sqrtPriceX96) - 1)
    assert move_conc * 5 < move_full
    assert q_conc.amount > q_full.amount


# ---------------------------------------------------------------------------------------------
# The bare router swap
# ---------------------------------------------------------------------------------------------


def test_router_exact_input_single__quoted_in_the_same_block__moves_balances_by_the_quote(
    uni3, create_token, liquidity_provider, alice
):
    usdc = create_token(6)
    pool = seed_pool(uni3, uni3.weth, usdc, 500, 100 * WAD, 200_000 * 10**6, liquidity_provider)
    amount_in = 3 * WAD
    uni3.weth.deposit(sender=alice, value=amount_in)
    alice_before = _balances([uni3.weth, usdc], alice)
    pool_before = _balances([uni3.weth, usdc], pool)

    quote = quote_exact_input_single(uni3, uni3.weth, usdc, 500, amount_in)
    receipt = swap_exact_input_single(uni3, uni3.weth, usdc, 500, amount_in, alice, quote.amount)

    assert receipt.gas_used > 0
    alice_after = _balances([uni3.weth, usdc], alice)
    pool_after = _balances([uni3.weth, usdc], pool)
    assert alice_before[0] - alice_after[0] == amount_in == pool_after[0] - pool_before[0]
    assert alice_after[1] - alice_before[1] == quote.amount == pool_before[1] - pool_after[1]
    assert pool.slot0().sqrtPriceX96 == quote.sqrt_price_x96_after
    # Full range is constant product: 200,000 * 3 / 103 USDC less the 0.05 % fee (5,822.4).
    assert 5_822 * 10**6 < quote.amount < 5_823 * 10**6


def test_router_exact_input_single__minimum_above_quote__reverts_too_little_received(
    uni3, create_token, liquidity_provider, alice
):
    token = create_token(8)
    seed_pool(uni3, token, uni3.weth, 3000, 10 * 10**8, 150 * WAD, liquidity_provider)
    token.mint(alice, 10**8, sender=alice)
    quote = quote_exact_input_single(uni3, token, uni3.weth, 3000, 10**8)
    with ape.reverts("Too little received"):
        swap_exact_input_single(uni3, token, uni3.weth, 3000, 10**8, alice, quote.amount + 1)
