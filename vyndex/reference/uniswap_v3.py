"""Uniswap V3 from its real compiled bytecode: UniswapV3Factory, SwapRouter,
NonfungiblePositionManager and QuoterV2 over an existing WETH9.

The artifacts come from `@uniswap/v3-core@1.0.1` and `@uniswap/v3-periphery@1.4.4`, a matching
pair: the periphery computes pool addresses with the init code hash of exactly that core's
`UniswapV3Pool` (`pool_init_code_hash`, equal to `POOL_INIT_CODE_HASH`). Tests, benchmarks and
the devnet use these helpers to stand the exchange up beside Uniswap V2 (sharing its WETH9)
and to seed pools, full range or concentrated:

    uni3 = deploy_uniswap_v3(deployer, uni2.weth)
    pool = seed_pool(uni3, weth, usdc, 500, 10 * 10**18, 20_000 * 10**6, provider)
    quote = quote_exact_input_single(uni3, weth, usdc, 500, 10**16)

Prices are exact integers: `sqrt_price_x96` and `price_to_sqrt_x96` floor the square root of
a rational price in Q64.96, and `sqrt_ratio_at_tick` / `tick_at_sqrt_ratio` are bit-exact
ports of the pool's TickMath.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import isqrt
from typing import Any, NamedTuple

from ape.api import AccountAPI, ReceiptAPI
from ape.contracts import ContractInstance
from ape.types import AddressType
from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.conversions import to_bytes
from eth_utils.crypto import keccak

from vyndex.constants import MAX_UINT256, ZERO_ADDRESS
from vyndex.reference.artifacts import uniswap_v2, uniswap_v3, uniswap_v3_contract_type
from vyndex.reference.uniswap_v2 import address_of, sort_tokens

POOL_INIT_CODE_HASH = bytes.fromhex("e34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54")

MIN_TICK = -887272
MAX_TICK = 887272
# The sqrt prices at MIN_TICK and MAX_TICK: a pool's price lies in [MIN_SQRT_RATIO, MAX_SQRT_RATIO).
MIN_SQRT_RATIO = 4295128739
MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342

# The fee tiers (hundredths of a basis point) and their tick spacings; 100 is enabled by
# `deploy_uniswap_v3`, the other three by the factory's constructor.
FEE_TICK_SPACING: dict[int, int] = {100: 1, 500: 10, 3000: 60, 10000: 200}
FEE_DENOMINATOR = 1_000_000

Q96 = 1 << 96


# ---------------------------------------------------------------------------------------------
# Prices and ticks
# ---------------------------------------------------------------------------------------------


def _check_sqrt(value: int) -> int:
    if not MIN_SQRT_RATIO <= value < MAX_SQRT_RATIO:
        raise ValueError(
            f"sqrt price {value} is outside Uniswap V3's range [{MIN_SQRT_RATIO}, {MAX_SQRT_RATIO})"
        )
    return value


def price_to_sqrt_x96(price: Fraction | int) -> int:
    """floor(sqrt(price) * 2**96) for `price` in token1 base units per token0 base unit.

    Exact (no floats): isqrt(floor(price * 2**192)). Raises `ValueError` if the price is not
    positive or lies outside the range a pool can hold.
    """
    price = Fraction(price)
    if price <= 0:
        raise ValueError(f"price must be positive, got {price}")
    return _check_sqrt(isqrt((price.numerator << 192) // price.denominator))


def sqrt_price_x96(amount0: int, amount1: int) -> int:
    """The Q64.96 sqrt price at which `amount0` of token0 is worth `amount1` of token1 (base
    units): isqrt((amount1 << 192) // amount0), exactly."""
    if amount0 <= 0 or amount1 <= 0:
        raise ValueError(f"amounts must be positive, got {amount0} and {amount1}")
    return _check_sqrt(isqrt((amount1 << 192) // amount0))


def sqrt_x96_to_price(sqrt_price: int) -> Fraction:
    """The exact price (token1 base units per token0 base unit) of a Q64.96 sqrt price."""
    return Fraction(sqrt_price * sqrt_price, 1 << 192)


def tick_spacing(fee: int) -> int:
    """The tick spacing of a standard fee tier (100 -> 1, 500 -> 10, 3000 -> 60, 10000 -> 200)."""
    try:
        return FEE_TICK_SPACING[fee]
    except KeyError:
        raise ValueError(f"unknown fee tier {fee}; known: {sorted(FEE_TICK_SPACING)}") from None


def usable_tick_range(spacing: int) -> tuple[int, int]:
    """The lowest and highest ticks a position may use at `spacing` (multiples of it)."""
    if spacing <= 0:
        raise ValueError(f"tick spacing must be positive, got {spacing}")
    bound = (MAX_TICK // spacing) * spacing
    return -bound, bound


def full_range_ticks(fee: int) -> tuple[int, int]:
    """(tick_lower, tick_upper) of a full-range position in the standard fee tier `fee`."""
    return usable_tick_range(tick_spacing(fee))


def ticks_around(tick: int, width: int, spacing: int) -> tuple[int, int]:
    """A range of about `width` ticks on multiples of `spacing` that holds `tick` strictly
    inside from below (`lower <= tick < upper`), clamped to the usable range."""
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    half = width // 2
    low, high = usable_tick_range(spacing)
    lower = ((tick - half) // spacing) * spacing
    upper = ((tick + half) // spacing) * spacing + spacing
    return max(lower, low), min(upper, high)


_TICK_FACTORS = (
    0xFFF97272373D413259A46990580E213A,
    0xFFF2E50F5F656932EF12357CF3C7FDCC,
    0xFFE5CACA7E10E4E61C3624EAA0941CD0,
    0xFFCB9843D60F6159C9DB58835C926644,
    0xFF973B41FA98C081472E6896DFB254C0,
    0xFF2EA16466C96A3843EC78B326B52861,
    0xFE5DEE046A99A2A811C461F1969C3053,
    0xFCBE86C7900A88AEDCFFC83B479AA3A4,
    0xF987A7253AC413176F2B074CF7815E54,
    0xF3392B0822B70005940C7A398E4B70F3,
    0xE7159475A2C29B7443B29C7FA6E889D9,
    0xD097F3BDFD2022B8845AD8F792AA5825,
    0xA9F746462D870FDF8A65DC1F90E061E5,
    0x70D869A156D2A1B890BB3DF62BAF32F7,
    0x31BE135F97D08FD981231505542FCFA6,
    0x9AA508B5B7A84E1C677DE54F3E99BC9,
    0x5D6AF8DEDB81196699C329225EE604,
    0x2216E584F5FA1EA926041BEDFE98,
    0x48A170391F7DC42444E8FA2,
)


def sqrt_ratio_at_tick(tick: int) -> int:
    """TickMath.getSqrtRatioAtTick, bit for bit: the Q64.96 sqrt price at `tick`."""
    if not MIN_TICK <= tick <= MAX_TICK:
        raise ValueError(f"tick {tick} is outside [{MIN_TICK}, {MAX_TICK}]")
    abs_tick = abs(tick)
    ratio = 0xFFFCB933BD6FAD37AA2D162D1A594001 if abs_tick & 1 else 1 << 128
    for bit, factor in enumerate(_TICK_FACTORS, start=1):
        if abs_tick & (1 << bit):
            ratio = (ratio * factor) >> 128
    if tick > 0:
        ratio = MAX_UINT256 // ratio
    return (ratio >> 32) + (1 if ratio % (1 << 32) else 0)


def tick_at_sqrt_ratio(sqrt_price: int) -> int:
    """TickMath.getTickAtSqrtRatio: the greatest tick whose sqrt price is <= `sqrt_price`."""
    _check_sqrt(sqrt_price)
    low, high = MIN_TICK, MAX_TICK - 1  # sqrt_ratio_at_tick(low) <= sqrt_price by the check
    while low < high:
        middle = (low + high + 1) // 2
        if sqrt_ratio_at_tick(middle) <= sqrt_price:
            low = middle
        else:
            high = middle - 1
    return low


# ---------------------------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------------------------


def pool_init_code_hash() -> bytes:
    """keccak256 of UniswapV3Pool's creation code: the CREATE2 hash the periphery hard-codes."""
    code = uniswap_v3_contract_type("UniswapV3Pool").deployment_bytecode
    if code is None or code.bytecode is None:  # pragma: no cover - the artifact always has it
        raise ValueError("UniswapV3Pool artifact has no creation bytecode")
    return keccak(hexstr=code.bytecode)


def pool_address(factory: Any, token_a: Any, token_b: Any, fee: int) -> AddressType:
    """The address the factory gives (or will give) the pool of two tokens and a fee: CREATE2
    from the factory with salt keccak(abi.encode(token0, token1, uint24 fee))."""
    token0, token1 = sort_tokens(token_a, token_b)
    salt = keccak(encode(["address", "address", "uint24"], [token0, token1, fee]))
    digest = keccak(b"\xff" + to_bytes(hexstr=address_of(factory)) + salt + pool_init_code_hash())
    return AddressType(to_checksum_address(digest[12:]))


# ---------------------------------------------------------------------------------------------
# Deployment
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UniswapV3:
    """A deployed Uniswap V3: the factory, SwapRouter, NonfungiblePositionManager and QuoterV2,
    all over one WETH9."""

    factory: ContractInstance
    router: ContractInstance
    positions: ContractInstance
    quoter: ContractInstance
    weth: ContractInstance

    def pool(self, token_a: Any, token_b: Any, fee: int) -> ContractInstance | None:
        """The pool of two tokens at `fee`, or None if the factory has not created it."""
        address = self.factory.getPool(address_of(token_a), address_of(token_b), fee)
        if address_of(address) == ZERO_ADDRESS:
            return None
        return uniswap_v3("UniswapV3Pool").at(address)


def deploy_uniswap_v3(deployer: AccountAPI, weth: Any) -> UniswapV3:
    """Deploys UniswapV3Factory (owned by `deployer`, the 100 fee tier enabled with spacing 1),
    SwapRouter, NonfungiblePositionManager (no token descriptor) and QuoterV2 over the existing
    WETH9 `weth`, so that Uniswap V2 and V3 share one wrapped ether."""
    weth_address = address_of(weth)
    factory = deployer.deploy(uniswap_v3("UniswapV3Factory"))
    factory.enableFeeAmount(100, FEE_TICK_SPACING[100], sender=deployer)
    router = deployer.deploy(uniswap_v3("SwapRouter"), factory.address, weth_address)
    positions = deployer.deploy(
        uniswap_v3("NonfungiblePositionManager"), factory.address, weth_address, ZERO_ADDRESS
    )
    quoter = deployer.deploy(uniswap_v3("QuoterV2"), factory.address, weth_address)
    weth_instance = weth if isinstance(weth, ContractInstance) else uniswap_v2("WETH9").at(weth_address)
    return UniswapV3(factory=factory, router=router, positions=positions, quoter=quoter, weth=weth_instance)


def attach_uniswap_v3(factory: Any, router: Any, positions: Any, quoter: Any, weth: Any) -> UniswapV3:
    """The `UniswapV3` at known addresses (an address book, a fork)."""
    return UniswapV3(
        factory=uniswap_v3("UniswapV3Factory").at(address_of(factory)),
        router=uniswap_v3("SwapRouter").at(address_of(router)),
        positions=uniswap_v3("NonfungiblePositionManager").at(address_of(positions)),
        quoter=uniswap_v3("QuoterV2").at(address_of(quoter)),
        weth=uniswap_v2("WETH9").at(address_of(weth)),
    )


# ---------------------------------------------------------------------------------------------
# Liquidity
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """A minted liquidity position: its NFT id, range, liquidity and the amounts it took."""

    token_id: int
    tick_lower: int
    tick_upper: int
    liquidity: int
    amount0: int
    amount1: int


def acquire(uni3: UniswapV3, token: Any, holder: AccountAPI, amount: int) -> None:
    """Gives `holder` `amount` of `token`: wraps ether for WETH, else calls the token's open
    `mint(owner, amount)` (test tokens such as MockERC20)."""
    if address_of(token) == address_of(uni3.weth):
        uni3.weth.deposit(sender=holder, value=amount)
    else:
        token.mint(holder.address, amount, sender=holder)


def _approve(token: Any, owner: AccountAPI, spender: Any, amount: int) -> None:
    if token.allowance(owner.address, address_of(spender)) < amount:
        token.approve(address_of(spender), MAX_UINT256, sender=owner)


def _spacing(uni3: UniswapV3, fee: int) -> int:
    spacing = int(uni3.factory.feeAmountTickSpacing(fee))
    if spacing == 0:
        raise ValueError(f"fee tier {fee} is not enabled on the factory")
    return spacing


def mint_position(
    uni3: UniswapV3,
    token_a: Any,
    token_b: Any,
    fee: int,
    amount_a: int,
    amount_b: int,
    provider: AccountAPI,
    tick_lower: int,
    tick_upper: int,
    recipient: Any | None = None,
) -> Position:
    """Mints a position in the existing pool of `token_a`/`token_b` at `fee` over
    [`tick_lower`, `tick_upper`) from `provider`, offering at most `amount_a` and `amount_b`.

    The pool takes as much liquidity as both amounts allow at its current price (so one side
    may be left over), with no minimum: a helper for tests and devnets, not for a pool anyone
    else can move first. The NFT goes to `recipient` (default the provider).
    """
    spacing = _spacing(uni3, fee)
    low, high = usable_tick_range(spacing)
    if tick_lower % spacing or tick_upper % spacing or not low <= tick_lower < tick_upper <= high:
        raise ValueError(
            f"ticks [{tick_lower}, {tick_upper}) must be increasing multiples of {spacing}"
            f" within [{low}, {high}]"
        )
    token0, _ = sort_tokens(token_a, token_b)
    a_is_0 = address_of(token_a) == token0
    (t0, amount0), (t1, amount1) = (
        ((token_a, amount_a), (token_b, amount_b)) if a_is_0 else ((token_b, amount_b), (token_a, amount_a))
    )
    _approve(t0, provider, uni3.positions, amount0)
    _approve(t1, provider, uni3.positions, amount1)
    params = (
        address_of(t0),
        address_of(t1),
        fee,
        tick_lower,
        tick_upper,
        amount0,
        amount1,
        0,
        0,
        address_of(recipient or provider),
        MAX_UINT256,
    )
    receipt = uni3.positions.mint(params, sender=provider)
    minted = receipt.decode_logs(uni3.positions.IncreaseLiquidity)
    if len(minted) != 1:  # pragma: no cover - mint emits exactly one
        raise RuntimeError(f"expected one IncreaseLiquidity event, got {len(minted)}")
    event = minted[0]
    return Position(
        token_id=int(event.tokenId),
        tick_lower=tick_lower,
        tick_upper=tick_upper,
        liquidity=int(event.liquidity),
        amount0=int(event.amount0),
        amount1=int(event.amount1),
    )


def create_pool(
    uni3: UniswapV3,
    token_a: Any,
    token_b: Any,
    fee: int,
    amount_a: int,
    amount_b: int,
    provider: AccountAPI,
    full_range: bool = True,
    tick_lower: int | None = None,
    tick_upper: int | None = None,
    width: int | None = None,
) -> ContractInstance:
    """Creates the pool of `token_a` and `token_b` at `fee` if needed, initialised at the price
    `amount_b / amount_a` (mapped onto token0/token1), and mints a position of those amounts
    from `provider` (who must hold them). Returns the pool.

    The range is `tick_lower`/`tick_upper` when both are given, else about `width` ticks around
    the pool's current tick (`ticks_around`) when given, else the full range (`full_range`
    must then be true). A pool that already existed keeps its price, and the position takes
    what it can at that price (see `mint_position`).
    """
    spacing = _spacing(uni3, fee)
    token0, token1 = sort_tokens(token_a, token_b)
    amount0, amount1 = (amount_a, amount_b) if address_of(token_a) == token0 else (amount_b, amount_a)
    uni3.positions.createAndInitializePoolIfNecessary(
        token0, token1, fee, sqrt_price_x96(amount0, amount1), sender=provider
    )
    pool = uni3.pool(token0, token1, fee)
    if pool is None:  # pragma: no cover - the call creates it or reverts
        raise RuntimeError("position manager did not create the pool")
    if tick_lower is not None or tick_upper is not None:
        if tick_lower is None or tick_upper is None:
            raise ValueError("give both tick_lower and tick_upper, or neither")
        lower, upper = tick_lower, tick_upper
    elif width is not None:
        lower, upper = ticks_around(int(pool.slot0().tick), width, spacing)
    elif full_range:
        lower, upper = usable_tick_range(spacing)
    else:
        raise ValueError("a concentrated position needs tick_lower and tick_upper, or a width")
    mint_position(uni3, token_a, token_b, fee, amount_a, amount_b, provider, lower, upper)
    return pool


def seed_pool(
    uni3: UniswapV3,
    token_a: Any,
    token_b: Any,
    fee: int,
    amount_a: int,
    amount_b: int,
    provider: AccountAPI,
    full_range: bool = True,
    tick_lower: int | None = None,
    tick_upper: int | None = None,
    width: int | None = None,
) -> ContractInstance:
    """`acquire` both amounts for `provider`, then `create_pool` with them."""
    acquire(uni3, token_a, provider, amount_a)
    acquire(uni3, token_b, provider, amount_b)
    return create_pool(
        uni3, token_a, token_b, fee, amount_a, amount_b, provider, full_range, tick_lower, tick_upper, width
    )


# ---------------------------------------------------------------------------------------------
# Quotes and swaps
# ---------------------------------------------------------------------------------------------


class V3Quote(NamedTuple):
    """What QuoterV2 reports for a single-pool swap: the amount (out for an exact input, in for
    an exact output), the pool's sqrt price after it, ticks crossed and a gas estimate."""

    amount: int
    sqrt_price_x96_after: int
    initialized_ticks_crossed: int
    gas_estimate: int


def _quote(result: Any) -> V3Quote:
    amount, after, crossed, gas = result
    return V3Quote(int(amount), int(after), int(crossed), int(gas))


def quote_exact_input_single(
    uni3: UniswapV3, token_in: Any, token_out: Any, fee: int, amount_in: int, sqrt_price_limit_x96: int = 0
) -> V3Quote:
    """QuoterV2.quoteExactInputSingle, simulated with `eth_call` (the quoter is not a view: it
    swaps and reverts). `.amount` is what selling `amount_in` would pay now."""
    params = (address_of(token_in), address_of(token_out), amount_in, fee, sqrt_price_limit_x96)
    return _quote(uni3.quoter.quoteExactInputSingle.call(params))


def quote_exact_output_single(
    uni3: UniswapV3, token_in: Any, token_out: Any, fee: int, amount_out: int, sqrt_price_limit_x96: int = 0
) -> V3Quote:
    """QuoterV2.quoteExactOutputSingle, simulated with `eth_call`. `.amount` is what buying
    exactly `amount_out` would cost now."""
    params = (address_of(token_in), address_of(token_out), amount_out, fee, sqrt_price_limit_x96)
    return _quote(uni3.quoter.quoteExactOutputSingle.call(params))


def swap_exact_input_single(
    uni3: UniswapV3,
    token_in: Any,
    token_out: Any,
    fee: int,
    amount_in: int,
    trader: AccountAPI,
    amount_out_minimum: int = 0,
    recipient: Any | None = None,
    sqrt_price_limit_x96: int = 0,
    deadline: int = MAX_UINT256,
) -> ReceiptAPI:
    """Sells exactly `amount_in` of `token_in` (held by `trader`, the router approved if needed)
    for `token_out` through SwapRouter.exactInputSingle; the output goes to `recipient`
    (default the trader). Returns the receipt: the bare V3 router swap benchmarks measure."""
    _approve(token_in, trader, uni3.router, amount_in)
    params = (
        address_of(token_in),
        address_of(token_out),
        fee,
        address_of(recipient or trader),
        deadline,
        amount_in,
        amount_out_minimum,
        sqrt_price_limit_x96,
    )
    return uni3.router.exactInputSingle(params, sender=trader)
