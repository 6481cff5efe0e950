# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title UniswapV3Venue
@license MIT
@notice Swaps for the vyndex rebalancer on the pools of one Uniswap V3 factory: direct at a fee
        tier, or through WETH at a fee tier per hop.

@dev    ROUTES. A route is `fee` (direct) or `fee_in | fee_out << 24` (sell -> WETH at fee_in,
        WETH -> buy at fee_out). Pools are never taken from anyone: each is the CREATE2 address
        of the factory for (token0, token1, fee) with the pool init code hash, computed here
        (Uniswap's PoolAddress.computeAddress), so it holds the real pool code.

        THE SWAP. The vault sends what it sells to this contract; `swap` sells exactly that into
        the first pool (exact input) and pays each pool, in `uniswapV3SwapCallback`, exactly what
        the pool asks, only to the pool whose swap it is running (Uniswap's CallbackValidation:
        the callback trusts only the address it computed itself). The bought token goes straight
        to the recipient; what a pool did not take (a swap stopped by its price limit) goes back
        to the recipient too, so no token rests here. On a direct route the pool's
        `sqrtPriceLimitX96` is set at the average price `min_out / amount_in`: a second guard
        beside the vault's own check of what arrived.
"""

from ethereum.ercs import IERC20

from ..interfaces import IUniswapV3Pool
from ..interfaces import IVenue

implements: IVenue


# ============================================================================================
# CONSTANTS
# ============================================================================================

# keccak256 of UniswapV3Pool's creation code (v3-core 1.0.1), periphery's POOL_INIT_CODE_HASH.
POOL_INIT_CODE_HASH: public(constant(bytes32)) = 0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54
ADDRESS_MASK: constant(uint256) = 2**160 - 1
FEE_MASK: constant(uint256) = 2**24 - 1
FEE_TIERS: constant(uint256[4]) = [100, 500, 3_000, 10_000]
# TickMath's bounds: a price limit must lie strictly between them.
MIN_SQRT_RATIO: constant(uint256) = 4_295_128_739
MAX_SQRT_RATIO: constant(uint256) = 1_461_446_703_485_210_103_287_273_052_203_988_822_378_723_970_342


# ============================================================================================
# IMMUTABLES AND STORAGE
# ============================================================================================

factory: public(immutable(address))
weth: public(immutable(address))

# The pool whose swap is running and the token it is owed: the callback pays only that pool.
_pool: transient(address)
_owed_token: transient(address)
# Set while `quote` runs: the callback then reverts with the pool's deltas instead of paying.
_quoting: transient(bool)


# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__(factory_: address, weth_: address):
    """
    @notice A venue over the pools of `factory_`.
    @param factory_ A UniswapV3Factory whose pools have POOL_INIT_CODE_HASH.
    @param weth_ The hop of two-pool routes (zero: direct routes only).
    """
    assert factory_.is_contract, "venue: factory has no code"
    factory = factory_
    weth = weth_


# ============================================================================================
# EXTERNAL
# ============================================================================================

@view
@external
def routes(sell: address, buy: address) -> DynArray[uint256, 8]:
    """
    @notice The routes from `sell` to `buy` whose pools exist and hold liquidity now: every fee
            tier of a direct pool, and through WETH the deepest pool of each hop.
    @param sell The token sold.
    @param buy The token bought.
    @return Route numbers (see the contract's notes).
    """
    found: DynArray[uint256, 8] = []
    for fee: uint256 in FEE_TIERS:
        if self._liquidity(sell, buy, fee) > 0:
            found.append(fee)
    if weth != empty(address) and sell != weth and buy != weth:
        fee_in: uint256 = self._deepest(sell, weth)
        fee_out: uint256 = self._deepest(weth, buy)
        if fee_in != 0 and fee_out != 0:
            found.append(fee_in | (fee_out << 24))
    return found


@view
@external
def prepare(sell: address, buy: address, amount_in: uint256, route: uint256) -> (address, uint256):
    """
    @notice This venue (the vault pays it; it pays the pools) and the whole `amount_in`.
    @dev Reverts by name when a pool of the route does not exist.
    @param sell The token sold.
    @param buy The token bought.
    @param amount_in The most the vault would sell.
    @param route A route number.
    @return This contract's address and `amount_in`.
    """
    fee_in: uint256 = route & FEE_MASK
    fee_out: uint256 = route >> 24
    if fee_out == 0:
        assert self._pool_for(sell, buy, fee_in).is_contract, "venue: no pool"
    else:
        assert weth != empty(address) and sell != weth and buy != weth, "venue: no weth route"
        assert self._pool_for(sell, weth, fee_in).is_contract, "venue: no pool"
        assert self._pool_for(weth, buy, fee_out).is_contract, "venue: no pool"
    return self, amount_in


@external
def swap(sell: address, buy: address, amount_in: uint256, min_out: uint256, route: uint256, recipient: address):
    """
    @notice Sells the `amount_in` of `sell` this contract holds along `route` and pays `recipient`
            the bought token and any of `sell` the pools did not take.
    @param sell The token sold.
    @param buy The token bought.
    @param amount_in What was sent here.
    @param min_out The least the recipient accepts: sets the price limit of a direct swap.
    @param route A route number.
    @param recipient Who receives the bought token (and any unsold rest).
    """
    assert recipient != empty(address), "venue: zero recipient"
    fee_in: uint256 = route & FEE_MASK
    fee_out: uint256 = route >> 24
    if fee_out == 0:
        self._swap(sell, buy, fee_in, amount_in, self._limit(sell, buy, amount_in, min_out), recipient)
    else:
        assert weth != empty(address) and sell != weth and buy != weth, "venue: no weth route"
        mid: uint256 = self._swap(sell, weth, fee_in, amount_in, 0, self)
        self._swap(weth, buy, fee_out, mid, 0, recipient)
    rest: uint256 = staticcall IERC20(sell).balanceOf(self)
    if rest > 0:
        assert extcall IERC20(sell).transfer(recipient, rest, default_return_value=True), "venue: transfer failed"


@external
def quote(sell: address, buy: address, amount: uint256, route: uint256, exact_out: bool) -> uint256:
    """
    @notice What the route's pools give now for `amount` of `sell` (exact input), or the input of
            `sell` that buys exactly `amount` of `buy` (exact output). Not a view: it runs each
            pool's swap and reverts it from the callback (Uniswap's QuoterV2); call it with
            eth_call, or from a contract that then swaps in the same transaction.
    @dev Reverts by name when a pool does not exist or cannot fill the whole amount. For the zap.
    @param sell The token sold.
    @param buy The token bought.
    @param amount The input (exact input) or the wanted output (exact output).
    @param route A route number.
    @param exact_out True to ask for the input of an output.
    @return The output (exact input) or the input needed (exact output).
    """
    fee_in: uint256 = route & FEE_MASK
    fee_out: uint256 = route >> 24
    if fee_out == 0:
        return self._quote(sell, buy, fee_in, amount, exact_out)
    assert weth != empty(address) and sell != weth and buy != weth, "venue: no weth route"
    if exact_out:
        return self._quote(sell, weth, fee_in, self._quote(weth, buy, fee_out, amount, True), True)
    return self._quote(weth, buy, fee_out, self._quote(sell, weth, fee_in, amount, False), False)


@external
@reentrant
def uniswapV3SwapCallback(amount0Delta: int256, amount1Delta: int256, data: Bytes[64]):
    """
    @notice Uniswap V3's swap callback: pays the running pool exactly what it is owed.
    @dev Only the pool this contract is swapping on (its own CREATE2 computation) is paid.
    @param amount0Delta The pool's token0 delta (positive: owed to the pool).
    @param amount1Delta The pool's token1 delta (positive: owed to the pool).
    @param data Unused.
    """
    pool: address = self._pool
    assert pool != empty(address) and msg.sender == pool, "venue: unexpected callback"
    if self._quoting:
        # A quote: undo the swap and hand its deltas to `_quote`.
        raw_revert(abi_encode(amount0Delta, amount1Delta))
    owed: int256 = max(amount0Delta, amount1Delta)
    assert owed > 0, "venue: nothing owed"
    token: address = self._owed_token
    assert extcall IERC20(token).transfer(pool, convert(owed, uint256), default_return_value=True), "venue: transfer failed"


# ============================================================================================
# INTERNAL
# ============================================================================================

@internal
def _swap(
    token_in: address, token_out: address, fee: uint256, amount_in: uint256, limit: uint256, to: address
) -> uint256:
    """
    @dev Exact-input swap of `amount_in` on the (token_in, token_out, fee) pool; returns the output.
    """
    pool: address = self._pool_for(token_in, token_out, fee)
    assert pool.is_contract, "venue: no pool"
    assert amount_in > 0 and amount_in < 2**255, "venue: bad amount"
    zero_for_one: bool = convert(token_in, uint256) < convert(token_out, uint256)
    price_limit: uint256 = limit
    if price_limit == 0:
        price_limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    self._pool = pool
    self._owed_token = token_in
    delta0: int256 = 0
    delta1: int256 = 0
    delta0, delta1 = extcall IUniswapV3Pool(pool).swap(
        to, zero_for_one, convert(amount_in, int256), convert(price_limit, uint160), b""
    )
    self._pool = empty(address)
    if zero_for_one:
        return convert(-delta1, uint256)
    return convert(-delta0, uint256)


@internal
def _quote(token_in: address, token_out: address, fee: uint256, amount: uint256, exact_out: bool) -> uint256:
    """
    @dev One pool's swap, run and reverted from the callback: the input of an exact output, or
         the output of an exact input, with no price limit (what `_swap` does when not limited).
    """
    pool: address = self._pool_for(token_in, token_out, fee)
    assert pool.is_contract, "venue: no pool"
    assert amount > 0 and amount < 2**255, "venue: bad amount"
    zero_for_one: bool = convert(token_in, uint256) < convert(token_out, uint256)
    limit: uint256 = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    specified: int256 = convert(amount, int256)
    if exact_out:
        specified = -specified
    self._pool = pool
    self._quoting = True
    ok: bool = False
    data: Bytes[128] = b""
    ok, data = raw_call(
        pool,
        abi_encode(
            self, zero_for_one, specified, convert(limit, uint160), b"", method_id=method_id("swap(address,bool,int256,uint160,bytes)")
        ),
        max_outsize=128,
        revert_on_failure=False,
    )
    self._quoting = False
    self._pool = empty(address)
    assert not ok and len(data) == 64, "venue: quote failed"
    delta0: int256 = 0
    delta1: int256 = 0
    delta0, delta1 = abi_decode(data, (int256, int256))
    paid: int256 = delta0
    got: int256 = -delta1
    if not zero_for_one:
        paid = delta1
        got = -delta0
    if exact_out:
        assert got == convert(amount, int256), "venue: pool too shallow"
        return convert(paid, uint256)
    assert paid == convert(amount, int256), "venue: pool too shallow"
    return convert(got, uint256)


@pure
@internal
def _limit(sell: address, buy: address, amount_in: uint256, min_out: uint256) -> uint256:
    """
    @dev sqrtPriceLimitX96 at the average price min_out / amount_in (token1 per token0), clamped
         inside TickMath's range; 0 (no limit) without a minimum.
    """
    if min_out == 0:
        return 0
    num: uint256 = min_out
    den: uint256 = amount_in
    lowest: uint256 = MIN_SQRT_RATIO + 1
    if convert(buy, uint256) < convert(sell, uint256):
        # Selling token1: the price (token1 per token0) rises to at most amount_in / min_out.
        num = amount_in
        den = min_out
    if num >= 2**160:
        return MAX_SQRT_RATIO - 1
    ratio: uint256 = (num << 96) // den
    if ratio >= 2**160:
        return MAX_SQRT_RATIO - 1
    return min(max(isqrt(ratio << 96), lowest), MAX_SQRT_RATIO - 1)


@view
@internal
def _liquidity(token_a: address, token_b: address, fee: uint256) -> uint256:
    pool: address = self._pool_for(token_a, token_b, fee)
    if not pool.is_contract:
        return 0
    return convert(staticcall IUniswapV3Pool(pool).liquidity(), uint256)


@view
@internal
def _deepest(token_a: address, token_b: address) -> uint256:
    """
    @dev The fee tier of the pool of the two tokens with the most in-range liquidity; 0 if none.
    """
    best_fee: uint256 = 0
    best: uint256 = 0
    for fee: uint256 in FEE_TIERS:
        liquidity: uint256 = self._liquidity(token_a, token_b, fee)
        if liquidity > best:
            best = liquidity
            best_fee = fee
    return best_fee


@view
@internal
def _pool_for(token_a: address, token_b: address, fee: uint256) -> address:
    """
    @dev PoolAddress.computeAddress: CREATE2 of the factory over keccak(abi.encode(token0,
         token1, fee)) with POOL_INIT_CODE_HASH.
    """
    token0: address = token_a
    token1: address = token_b
    if convert(token_b, uint256) < convert(token_a, uint256):
        token0 = token_b
        token1 = token_a
    salt: bytes32 = keccak256(abi_encode(token0, token1, fee))
    digest: bytes32 = keccak256(concat(b"\xff", convert(factory, bytes20), salt, POOL_INIT_CODE_HASH))
    return convert(convert(convert(digest, uint256) & ADDRESS_MASK, uint160), address)
