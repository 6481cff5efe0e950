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

        FOR THE ZAP. `quote` runs a pool's swap and reverts it from the callback (QuoterV2). A
        zap quote of several legs through one pool needs each leg to see the ones before it, which
        a reverted swap cannot show: `plan` with a nonzero session replays the pool's swap in
        memory (modules/uniswap_v3_swap.vy, a port of v3-core's swap math reading the pool's own
        ticks) from the state the caller's earlier plans of that session left, and records the
        state this leg leaves (transient storage, keyed by caller).
"""

from ethereum.ercs import IERC20

from ..interfaces import IUniswapV3Pool
from ..interfaces import IVenue
from ..modules import uniswap_v3_swap

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

# A pool's state as a caller's `plan`s of one session left it.
struct Simulated:
    session: uint256
    state: uniswap_v3_swap.PoolState

_simulated: transient(HashMap[address, HashMap[address, Simulated]])


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
    self._swap_route(sell, buy, amount_in, min_out, route, recipient)


@external
def swap_out(sell: address, buy: address, amount_in: uint256, amount_out: uint256, route: uint256, recipient: address):
    """
    @notice An exact output as this venue executes it: sells the whole `amount_in` it holds (the
            input `plan` quoted for `amount_out`) along `route`, which buys at least `amount_out`,
            and pays `recipient` (any unsold rest too).
    @param sell The token sold.
    @param buy The token bought.
    @param amount_in What was sent here.
    @param amount_out The output `amount_in` was quoted for.
    @param route A route number.
    @param recipient Who receives the bought token (and any unsold rest).
    """
    self._swap_route(sell, buy, amount_in, 0, route, recipient)


@external
def plan(
    sell: address, buy: address, amount: uint256, route: uint256, exact_out: bool, trim: bool, session: uint256
) -> (address, uint256, uint256):
    """
    @notice One zap leg as it will execute: pay this venue `amount` (exact input) or the input an
            exact output of `amount` needs (exact output: `swap_out` sells it all).
    @dev Session 0: the pools now; the output of an exact input is then 0 (not quoted: the zap
         checks what arrives), an exact output's input is `quote`'s. Any other session: the
         pools' swaps replayed in memory from the states the caller's earlier plans of that
         session left, this leg's effect recorded, and the output what the swap will pay.
    @param sell The token sold.
    @param buy The token bought.
    @param amount The input (exact input) or the wanted output (exact output).
    @param route A route number.
    @param exact_out True for an exact output.
    @param trim Unused: a V3 pool takes every unit of an exact input.
    @param session 0 (live), or the caller's quote session.
    @return This venue (to pay), the input, and the output.
    """
    fee_in: uint256 = route & FEE_MASK
    fee_out: uint256 = route >> 24
    first_out: address = buy
    if fee_out != 0:
        assert weth != empty(address) and sell != weth and buy != weth, "venue: no weth route"
        first_out = weth
    if session == 0:
        if exact_out:
            return self, self._quote_route(sell, buy, amount, route, True), amount
        assert self._pool_for(sell, first_out, fee_in).is_contract, "venue: no pool"
        if fee_out != 0:
            assert self._pool_for(weth, buy, fee_out).is_contract, "venue: no pool"
        return self, amount, 0
    amount_in: uint256 = amount
    if exact_out:
        hop: uint256 = amount
        if fee_out != 0:
            hop = self._simulate(weth, buy, fee_out, amount, False, session, False)
        amount_in = self._simulate(sell, first_out, fee_in, hop, False, session, False)
    # What `swap_route` then does: an exact input of `amount_in`, hop by hop.
    out: uint256 = self._simulate(sell, first_out, fee_in, amount_in, True, session, True)
    if fee_out != 0:
        out = self._simulate(weth, buy, fee_out, out, True, session, True)
    return self, amount_in, out


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
    return self._quote_route(sell, buy, amount, route, exact_out)


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
def _swap_route(sell: address, buy: address, amount_in: uint256, min_out: uint256, route: uint256, recipient: address):
    """
    @dev Sells `amount_in` of `sell` held here along `route` (exact input), pays `recipient` the
         bought token and any of `sell` the pools did not take.
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


@internal
def _quote_route(sell: address, buy: address, amount: uint256, route: uint256, exact_out: bool) -> uint256:
    """
    @dev `quote` along a route: the pools' swaps, run and reverted, hop by hop.
    """
    fee_in: uint256 = route & FEE_MASK
    fee_out: uint256 = route >> 24
    if fee_out == 0:
        return self._quote(sell, buy, fee_in, amount, exact_out)
    assert weth != empty(address) and sell != weth and buy != weth, "venue: no weth route"
    if exact_out:
        return self._quote(sell, weth, fee_in, self._quote(weth, buy, fee_out, amount, True), True)
    return self._quote(weth, buy, fee_out, self._quote(sell, weth, fee_in, amount, False), False)


@internal
def _simulate(
    token_in: address, token_out: address, fee: uint256, amount: uint256, exact_in: bool, session: uint256, record: bool
) -> uint256:
    """
    @dev One pool's swap replayed in memory from the state the caller's plans of `session` left
         (or the pool's own); records the state it leaves when `record`. Returns the output of an
         exact input, or the input of an exact output, refusing a partial fill like `_quote`.
    """
    pool: address = self._pool_for(token_in, token_out, fee)
    assert pool.is_contract, "venue: no pool"
    assert amount > 0 and amount < 2**255, "venue: bad amount"
    simulated: Simulated = self._simulated[msg.sender][pool]
    state: uniswap_v3_swap.PoolState = simulated.state
    if simulated.session != session:
        state = uniswap_v3_swap._read(pool)
    zero_for_one: bool = convert(token_in, uint256) < convert(token_out, uint256)
    paid: uint256 = 0
    got: uint256 = 0
    paid, got, state = uniswap_v3_swap._swap(pool, state, zero_for_one, amount, exact_in, fee)
    if record:
        self._simulated[msg.sender][pool] = Simulated(session=session, state=state)
    if exact_in:
        assert paid == amount, "venue: pool too shallow"
        return got
    assert got == amount, "venue: pool too shallow"
    return paid


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
