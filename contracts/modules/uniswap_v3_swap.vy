# pragma version ~=0.4.3
"""
@title uniswap_v3_swap
@license MIT
@notice Uniswap V3's swap, replayed in memory from a pool's own storage: what `UniswapV3Pool.swap`
        would pay and take, and the price, tick and liquidity it would leave, starting from any
        (sqrt price, tick, liquidity). The V3 venue uses it to quote several swaps on one pool in
        sequence, each seeing the ones before it, which a pool's own reverted swap cannot do.

@dev    A line-for-line port of v3-core 1.0.1: the loop of `UniswapV3Pool.swap` (ticks from
        `tickBitmap` and `ticks`, which a swap never changes), `SwapMath.computeSwapStep`,
        `SqrtPriceMath`, `TickMath.getSqrtRatioAtTick` and `TickBitmap`'s word search, with
        FullMath's mulDiv as snekmate's 512-bit `_mul_div` (same rounding). Two choices differ in
        form, not result: `getTickAtSqrtRatio` is a binary search over `getSqrtRatioAtTick` (the
        greatest tick whose ratio is at or below the price, which is that function's definition),
        and ticks are int256 here. A swap runs without a price limit (the bounds
        MIN_SQRT_RATIO + 1 / MAX_SQRT_RATIO - 1), as the venue's own swaps do. Quotes only: this
        costs far more gas than the pool's swap, and is meant for eth_call.
"""

from snekmate.utils import math

from ..interfaces import IUniswapV3Pool


MIN_TICK: constant(int256) = -887272
MAX_TICK: constant(int256) = 887272
MIN_SQRT_RATIO: constant(uint256) = 4_295_128_739
MAX_SQRT_RATIO: constant(uint256) = 1_461_446_703_485_210_103_287_273_052_203_988_822_378_723_970_342
Q96: constant(uint256) = 2**96
FEE_UNIT: constant(uint256) = 10**6
# One step moves to the next initialized tick or across one 256-tick bitmap word; a swap that has
# not finished after this many steps is refused (a pool that thin cannot fill the leg anyway).
MAX_STEPS: constant(uint256) = 512


struct PoolState:
    sqrt_price: uint256
    tick: int256
    liquidity: uint256


@view
@internal
def _read(pool: address) -> PoolState:
    """
    @dev The pool's state now: slot0's price and tick, and its in-range liquidity.
    """
    slot0: (uint160, int24, uint16, uint16, uint16, uint8, bool) = staticcall IUniswapV3Pool(pool).slot0()
    return PoolState(
        sqrt_price=convert(slot0[0], uint256),
        tick=convert(slot0[1], int256),
        liquidity=convert(staticcall IUniswapV3Pool(pool).liquidity(), uint256),
    )


@view
@internal
def _swap(
    pool: address, state: PoolState, zero_for_one: bool, amount: uint256, exact_in: bool, fee: uint256
) -> (uint256, uint256, PoolState):
    """
    @dev `UniswapV3Pool.swap` of `amount` (input when `exact_in`, else output) from `state`, with no
         price limit. Returns (what the pool takes, what it pays, the state it leaves).
    """
    spacing: int256 = convert(staticcall IUniswapV3Pool(pool).tickSpacing(), int256)
    limit: uint256 = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    s: PoolState = state
    remaining: uint256 = amount
    calculated: uint256 = 0
    for _: uint256 in range(MAX_STEPS + 1):
        if remaining == 0 or s.sqrt_price == limit:
            break
        start: uint256 = s.sqrt_price
        tick_next: int256 = 0
        initialized: bool = False
        tick_next, initialized = self._next_initialized(pool, s.tick, spacing, zero_for_one)
        tick_next = min(max(tick_next, MIN_TICK), MAX_TICK)
        price_next: uint256 = self._sqrt_ratio_at_tick(tick_next)
        target: uint256 = price_next
        if (zero_for_one and price_next < limit) or (not zero_for_one and price_next > limit):
            target = limit
        step_in: uint256 = 0
        step_out: uint256 = 0
        step_fee: uint256 = 0
        s.sqrt_price, step_in, step_out, step_fee = self._step(start, target, s.liquidity, remaining, exact_in, fee)
        if exact_in:
            remaining -= step_in + step_fee
            calculated += step_out
        else:
            remaining -= step_out
            calculated += step_in + step_fee
        if s.sqrt_price == price_next:
            if initialized:
                tick: (uint128, int128, uint256, uint256, int56, uint160, uint32, bool) = staticcall IUniswapV3Pool(
                    pool
                ).ticks(convert(tick_next, int24))
                net: int256 = convert(tick[1], int256)
                if zero_for_one:
                    net = -net
                after: int256 = convert(s.liquidity, int256) + net
                assert after >= 0, "venue: liquidity underflow"
                s.liquidity = convert(after, uint256)
            s.tick = tick_next - 1 if zero_for_one else tick_next
        elif s.sqrt_price != start:
            s.tick = self._tick_at_sqrt_ratio(s.sqrt_price)
    assert remaining == 0 or s.sqrt_price == limit, "venue: quote too long"
    if exact_in:
        return amount - remaining, calculated, s
    return calculated, amount - remaining, s


@pure
@internal
def _step(
    current: uint256, target: uint256, liquidity: uint256, remaining: uint256, exact_in: bool, fee: uint256
) -> (uint256, uint256, uint256, uint256):
    """
    @dev SwapMath.computeSwapStep: (next sqrt price, amount in, amount out, fee amount).
    """
    zero_for_one: bool = current >= target
    amount_in: uint256 = 0
    amount_out: uint256 = 0
    next_price: uint256 = 0
    if exact_in:
        less_fee: uint256 = math._mul_div(remaining, FEE_UNIT - fee, FEE_UNIT, False)
        if zero_for_one:
            amount_in = self._amount0_delta(target, current, liquidity, True)
        else:
            amount_in = self._amount1_delta(current, target, liquidity, True)
        if less_fee >= amount_in:
            next_price = target
        elif zero_for_one:
            next_price = self._price_from_amount0(current, liquidity, less_fee, True)
        else:
            next_price = self._price_from_amount1(current, liquidity, less_fee, True)
    else:
        if zero_for_one:
            amount_out = self._amount1_delta(target, current, liquidity, False)
        else:
            amount_out = self._amount0_delta(current, target, liquidity, False)
        if remaining >= amount_out:
            next_price = target
        elif zero_for_one:
            next_price = self._price_from_amount1(current, liquidity, remaining, False)
        else:
            next_price = self._price_from_amount0(current, liquidity, remaining, False)

    reached: bool = target == next_price
    if zero_for_one:
        if not (reached and exact_in):
            amount_in = self._amount0_delta(next_price, current, liquidity, True)
        if not (reached and not exact_in):
            amount_out = self._amount1_delta(next_price, current, liquidity, False)
    else:
        if not (reached and exact_in):
            amount_in = self._amount1_delta(current, next_price, liquidity, True)
        if not (reached and not exact_in):
            amount_out = self._amount0_delta(current, next_price, liquidity, False)
    if not exact_in and amount_out > remaining:
        amount_out = remaining
    fee_amount: uint256 = 0
    if exact_in and next_price != target:
        fee_amount = remaining - amount_in
    else:
        fee_amount = math._mul_div(amount_in, fee, FEE_UNIT - fee, True)
    return next_price, amount_in, amount_out, fee_amount


@pure
@internal
def _price_from_amount0(price: uint256, liquidity: uint256, amount: uint256, add: bool) -> uint256:
    """
    @dev SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp.
    """
    assert price > 0 and liquidity > 0, "venue: no liquidity"
    if amount == 0:
        return price
    numerator: uint256 = liquidity << 96
    product: uint256 = unsafe_mul(amount, price)
    if add:
        if unsafe_div(product, amount) == price:
            denominator: uint256 = unsafe_add(numerator, product)
            if denominator >= numerator:
                return math._mul_div(numerator, price, denominator, True)
        return math._ceil_div(numerator, numerator // price + amount)
    assert unsafe_div(product, amount) == price and numerator > product, "venue: price out of range"
    return math._mul_div(numerator, price, numerator - product, True)


@pure
@internal
def _price_from_amount1(price: uint256, liquidity: uint256, amount: uint256, add: bool) -> uint256:
    """
    @dev SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown.
    """
    assert price > 0 and liquidity > 0, "venue: no liquidity"
    if add:
        quotient: uint256 = 0
        if amount <= convert(max_value(uint160), uint256):
            quotient = (amount << 96) // liquidity
        else:
            quotient = math._mul_div(amount, Q96, liquidity, False)
        return price + quotient
    quotient: uint256 = 0
    if amount <= convert(max_value(uint160), uint256):
        quotient = math._ceil_div(amount << 96, liquidity)
    else:
        quotient = math._mul_div(amount, Q96, liquidity, True)
    assert price > quotient, "venue: price out of range"
    return price - quotient


@pure
@internal
def _amount0_delta(a: uint256, b: uint256, liquidity: uint256, round_up: bool) -> uint256:
    """
    @dev SqrtPriceMath.getAmount0Delta.
    """
    lower: uint256 = min(a, b)
    upper: uint256 = max(a, b)
    assert lower > 0, "venue: zero price"
    numerator: uint256 = liquidity << 96
    if round_up:
        return math._ceil_div(math._mul_div(numerator, upper - lower, upper, True), lower)
    return math._mul_div(numerator, upper - lower, upper, False) // lower


@pure
@internal
def _amount1_delta(a: uint256, b: uint256, liquidity: uint256, round_up: bool) -> uint256:
    """
    @dev SqrtPriceMath.getAmount1Delta.
    """
    return math._mul_div(liquidity, max(a, b) - min(a, b), Q96, round_up)


@view
@internal
def _next_initialized(pool: address, tick: int256, spacing: int256, lte: bool) -> (int256, bool):
    """
    @dev TickBitmap.nextInitializedTickWithinOneWord, reading the pool's bitmap.
    """
    compressed: int256 = self._floor_div(tick, spacing)
    if lte:
        word: int256 = self._floor_div(compressed, 256)
        bit: uint256 = convert(compressed - word * 256, uint256)
        mask: uint256 = (1 << bit) - 1 + (1 << bit)
        masked: uint256 = staticcall IUniswapV3Pool(pool).tickBitmap(convert(word, int16)) & mask
        if masked != 0:
            return (compressed - convert(bit - self._msb(masked), int256)) * spacing, True
        return (compressed - convert(bit, int256)) * spacing, False
    compressed += 1
    word: int256 = self._floor_div(compressed, 256)
    bit: uint256 = convert(compressed - word * 256, uint256)
    mask: uint256 = max_value(uint256) - ((1 << bit) - 1)
    masked: uint256 = staticcall IUniswapV3Pool(pool).tickBitmap(convert(word, int16)) & mask
    if masked != 0:
        lowest: uint256 = masked & unsafe_sub(0, masked)
        return (compressed + convert(self._msb(lowest) - bit, int256)) * spacing, True
    return (compressed + convert(255 - bit, int256)) * spacing, False


@pure
@internal
def _floor_div(x: int256, d: int256) -> int256:
    # Division rounding toward negative infinity, for a positive divisor.
    if x >= 0:
        return convert(convert(x, uint256) // convert(d, uint256), int256)
    return -convert((convert(-x, uint256) + convert(d, uint256) - 1) // convert(d, uint256), int256)


@pure
@internal
def _msb(x: uint256) -> uint256:
    # BitMath.mostSignificantBit: the index of the highest set bit (x > 0).
    r: uint256 = 0
    y: uint256 = x
    for bits: uint256 in [128, 64, 32, 16, 8, 4, 2, 1]:
        if y >= 1 << bits:
            y >>= bits
            r += bits
    return r


@pure
@internal
def _sqrt_ratio_at_tick(tick: int256) -> uint256:
    """
    @dev TickMath.getSqrtRatioAtTick: sqrt(1.0001^tick) as a Q64.96, rounded up. The factors are
         TickMath's hex constants (sqrt(1.0001^-2^i) as Q128.128) written in decimal.
    """
    abs_tick: uint256 = convert(abs(tick), uint256)
    assert abs_tick <= convert(MAX_TICK, uint256), "venue: tick out of range"
    ratio: uint256 = 2**128
    if abs_tick & 1 != 0:
        ratio = 340265354078544963557816517032075149313
    if abs_tick & 2 != 0:
        ratio = (ratio * 340248342086729790484326174814286782778) >> 128
    if abs_tick & 4 != 0:
        ratio = (ratio * 340214320654664324051920982716015181260) >> 128
    if abs_tick & 8 != 0:
        ratio = (ratio * 340146287995602323631171512101879684304) >> 128
    if abs_tick & 16 != 0:
        ratio = (ratio * 340010263488231146823593991679159461444) >> 128
    if abs_tick & 32 != 0:
        ratio = (ratio * 339738377640345403697157401104375502016) >> 128
    if abs_tick & 64 != 0:
        ratio = (ratio * 339195258003219555707034227454543997025) >> 128
    if abs_tick & 128 != 0:
        ratio = (ratio * 338111622100601834656805679988414885971) >> 128
    if abs_tick & 256 != 0:
        ratio = (ratio * 335954724994790223023589805789778977700) >> 128
    if abs_tick & 512 != 0:
        ratio = (ratio * 331682121138379247127172139078559817300) >> 128
    if abs_tick & 1024 != 0:
        ratio = (ratio * 323299236684853023288211250268160618739) >> 128
    if abs_tick & 2048 != 0:
        ratio = (ratio * 307163716377032989948697243942600083929) >> 128
    if abs_tick & 4096 != 0:
        ratio = (ratio * 277268403626896220162999269216087595045) >> 128
    if abs_tick & 8192 != 0:
        ratio = (ratio * 225923453940442621947126027127485391333) >> 128
    if abs_tick & 16384 != 0:
        ratio = (ratio * 149997214084966997727330242082538205943) >> 128
    if abs_tick & 32768 != 0:
        ratio = (ratio * 66119101136024775622716233608466517926) >> 128
    if abs_tick & 65536 != 0:
        ratio = (ratio * 12847376061809297530290974190478138313) >> 128
    if abs_tick & 131072 != 0:
        ratio = (ratio * 485053260817066172746253684029974020) >> 128
    if abs_tick & 262144 != 0:
        ratio = (ratio * 691415978906521570653435304214168) >> 128
    if abs_tick & 524288 != 0:
        ratio = (ratio * 1404880482679654955896180642) >> 128
    if tick > 0:
        ratio = max_value(uint256) // ratio
    return (ratio >> 32) + (0 if ratio % (1 << 32) == 0 else 1)


@pure
@internal
def _tick_at_sqrt_ratio(price: uint256) -> int256:
    """
    @dev TickMath.getTickAtSqrtRatio: the greatest tick whose sqrt ratio is at most `price`.
    """
    assert price >= MIN_SQRT_RATIO and price < MAX_SQRT_RATIO, "venue: price out of range"
    low: int256 = MIN_TICK
    high: int256 = MAX_TICK
    # 2 * 887,272 ticks: 21 halvings.
    for _: uint256 in range(22):
        if low >= high:
            break
        middle: int256 = low + (high - low + 1) // 2
        if self._sqrt_ratio_at_tick(middle) <= price:
            low = middle
        else:
            high = middle - 1
    return low
