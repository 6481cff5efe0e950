# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title UniswapV2Venue
@license MIT
@notice Swaps for the vyndex rebalancer on the pairs of one Uniswap V2 factory: direct (route 0)
        or through WETH (route 1).

@dev    Pairs are never taken from anyone: each is the CREATE2 address of the factory for the two
        tokens with UniswapV2Pair's init code hash, so it holds the real pair code. The vault
        sends what it sells straight to the first pair (`prepare` names it), then `swap` has the
        pair pay out what UniswapV2Library.getAmountOut gives for that input (0.3% fee), to the
        second pair on a two-hop route and to the recipient at the end. `prepare` trims the input
        to the least that still buys the same whole number of base units of the bought token, so
        a 0-decimal token bought for a fractional amount leaves nothing to the pool.

        FOR THE ZAP. `plan` sizes a leg as the zap will execute it (exact input trimmed like
        `prepare`, or exact output) and `swap_out` pays an exact output, as UniswapV2Router02's
        swapTokensForExactTokens does, so nothing above the need is bought. With a nonzero
        session, `plan` prices against the reserves its caller's earlier plans of that session
        left (transient storage, keyed by caller), so a quote of several legs through one pair
        matches their execution to the wei.

        This contract holds no tokens and no state but immutables and that transient scratch:
        anyone may call `swap` or `swap_out`, which only move tokens already sitting in a pair, as
        the pair's own `swap` would.
"""

from ethereum.ercs import IERC20

from ..interfaces import IUniswapV2Pair
from ..interfaces import IVenue

implements: IVenue


# ============================================================================================
# CONSTANTS
# ============================================================================================

# keccak256 of UniswapV2Pair's creation code (v2-core 1.0.1), the hash UniswapV2Router02 hard-codes.
PAIR_INIT_CODE_HASH: public(constant(bytes32)) = 0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f
ADDRESS_MASK: constant(uint256) = 2**160 - 1

ROUTE_DIRECT: public(constant(uint256)) = 0
ROUTE_VIA_WETH: public(constant(uint256)) = 1


# ============================================================================================
# IMMUTABLES
# ============================================================================================

factory: public(immutable(address))
weth: public(immutable(address))


# ============================================================================================
# TRANSIENT STATE
# ============================================================================================

# A pair's reserves as a caller's `plan`s of one session left them (token0's, token1's).
struct Simulated:
    session: uint256
    reserve0: uint256
    reserve1: uint256

_simulated: transient(HashMap[address, HashMap[address, Simulated]])


# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__(factory_: address, weth_: address):
    """
    @notice A venue over the pairs of `factory_`.
    @param factory_ A UniswapV2Factory whose pairs have PAIR_INIT_CODE_HASH.
    @param weth_ The hop of two-pair routes (zero: direct routes only).
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
    @notice The routes from `sell` to `buy` whose pairs exist and hold reserves now.
    @param sell The token sold.
    @param buy The token bought.
    @return ROUTE_DIRECT and/or ROUTE_VIA_WETH.
    """
    found: DynArray[uint256, 8] = []
    if self._live(sell, buy):
        found.append(ROUTE_DIRECT)
    if weth != empty(address) and sell != weth and buy != weth and self._live(sell, weth) and self._live(weth, buy):
        found.append(ROUTE_VIA_WETH)
    return found


@view
@external
def prepare(sell: address, buy: address, amount_in: uint256, route: uint256) -> (address, uint256):
    """
    @notice The first pair of the route (the vault pays it directly) and the least input, at most
            `amount_in`, that buys as many whole base units of `buy` as `amount_in` would.
    @dev Reverts by name when the route has no pair or buys nothing.
    @param sell The token sold.
    @param buy The token bought.
    @param amount_in The most the vault would sell.
    @param route ROUTE_DIRECT or ROUTE_VIA_WETH.
    @return The address to pay, and the amount to pay it.
    """
    first: address = empty(address)
    second: address = empty(address)
    mid: address = empty(address)
    first, second, mid = self._route(sell, buy, route)
    if second == empty(address):
        out: uint256 = self._out(first, sell, buy, amount_in, 0)
        assert out > 0, "venue: trade buys nothing"
        return first, min(self._in(first, sell, buy, out, 0), amount_in)
    hop: uint256 = self._out(first, sell, mid, amount_in, 0)
    out: uint256 = self._out(second, mid, buy, hop, 0)
    assert out > 0, "venue: trade buys nothing"
    return first, min(self._in(first, sell, mid, self._in(second, mid, buy, out, 0), 0), amount_in)


@view
@external
def quote(sell: address, buy: address, amount: uint256, route: uint256, exact_out: bool) -> uint256:
    """
    @notice What the route's pairs give now for `amount` of `sell` (exact input), or the least of
            `sell` whose output is at least `amount` of `buy` (exact output).
    @dev UniswapV2Library.getAmountOut / getAmountIn along the route. Paying the exact-output
         answer to the first pair and calling `swap` buys at least `amount`. For the zap.
    @param sell The token sold.
    @param buy The token bought.
    @param amount The input (exact input) or the wanted output (exact output).
    @param route ROUTE_DIRECT or ROUTE_VIA_WETH.
    @param exact_out True to ask for the input of an output.
    @return The output (exact input) or the input needed (exact output).
    """
    first: address = empty(address)
    second: address = empty(address)
    mid: address = empty(address)
    first, second, mid = self._route(sell, buy, route)
    if exact_out:
        if second == empty(address):
            return self._in(first, sell, buy, amount, 0)
        return self._in(first, sell, mid, self._in(second, mid, buy, amount, 0), 0)
    if second == empty(address):
        return self._out(first, sell, buy, amount, 0)
    return self._out(second, mid, buy, self._out(first, sell, mid, amount, 0), 0)


@external
def swap(sell: address, buy: address, amount_in: uint256, min_out: uint256, route: uint256, recipient: address):
    """
    @notice Pays `recipient` what the route's pairs give for the `amount_in` of `sell` already
            sent to the first pair.
    @param sell The token sold.
    @param buy The token bought.
    @param amount_in What was sent to the first pair.
    @param min_out Unused here: the vault checks what arrives.
    @param route ROUTE_DIRECT or ROUTE_VIA_WETH.
    @param recipient Who receives the bought token.
    """
    first: address = empty(address)
    second: address = empty(address)
    mid: address = empty(address)
    first, second, mid = self._route(sell, buy, route)
    if second == empty(address):
        self._swap(first, sell, buy, amount_in, recipient)
    else:
        self._swap(second, mid, buy, self._swap(first, sell, mid, amount_in, second), recipient)


@external
def plan(
    sell: address, buy: address, amount: uint256, route: uint256, exact_out: bool, trim: bool, session: uint256
) -> (address, uint256, uint256):
    """
    @notice One zap leg as it will execute: where to pay, what to pay, and what the route pays.
            Exact input: `amount` (with `trim`, cut like `prepare` to the least input that buys
            as much), for getAmountOut along the route (`swap`). Exact output: getAmountIn along
            the route, for exactly `amount` (`swap_out`).
    @dev Session 0 prices against the pairs now. Any other session prices against the reserves
         the caller's earlier plans of that session left and records this leg's effect, so a
         zap's quote of several legs through one pair equals their execution; a new session
         starts from the pairs again.
    @param sell The token sold.
    @param buy The token bought.
    @param amount The input (exact input) or the wanted output (exact output).
    @param route ROUTE_DIRECT or ROUTE_VIA_WETH.
    @param exact_out True for an exact output.
    @param trim Exact input only: pay only what buys whole base units (what is cut stays with the
           payer) rather than all of `amount` (the cut, worth less than one base unit of `buy`,
           would go to the pair).
    @param session 0 (live), or the caller's quote session.
    @return The first pair (to pay), the input to pay it, and the output the route pays.
    """
    first: address = empty(address)
    second: address = empty(address)
    mid: address = empty(address)
    first, second, mid = self._route(sell, buy, route)
    first_out: address = buy if second == empty(address) else mid
    # Each pair's reserves once (live, or as the session left them).
    in1: uint256 = 0
    out1: uint256 = 0
    in2: uint256 = 0
    out2: uint256 = 0
    in1, out1 = self._reserves(first, sell, first_out, session)
    if second != empty(address):
        in2, out2 = self._reserves(second, mid, buy, session)
    amount_in: uint256 = 0
    hop: uint256 = 0
    out: uint256 = 0
    if exact_out:
        out = amount
        hop = amount
        if second != empty(address):
            hop = self._amount_in(in2, out2, amount)
        amount_in = self._amount_in(in1, out1, hop)
    else:
        out = self._amount_out(in1, out1, amount)
        if second != empty(address):
            out = self._amount_out(in2, out2, out)
        assert out > 0, "venue: trade buys nothing"
        amount_in = amount
        if trim:
            # The least input that buys as much (as `prepare`).
            hop = out
            if second != empty(address):
                hop = self._amount_in(in2, out2, out)
            amount_in = min(self._amount_in(in1, out1, hop), amount)
        # What it buys, hop by hop (as `swap`).
        hop = self._amount_out(in1, out1, amount_in)
        out = hop
        if second != empty(address):
            out = self._amount_out(in2, out2, hop)
    if session != 0:
        self._simulate(first, sell, first_out, amount_in, hop, session)
        if second != empty(address):
            self._simulate(second, mid, buy, hop, out, session)
    return first, amount_in, out


@external
def swap_out(sell: address, buy: address, amount_in: uint256, amount_out: uint256, route: uint256, recipient: address):
    """
    @notice Pays `recipient` exactly `amount_out` of `buy` for the input already sent to the first
            pair (what `plan` asked for it); a pair paid too little reverts ("UniswapV2: K").
    @param sell The token sold.
    @param buy The token bought.
    @param amount_in What was sent to the first pair (the pairs check it).
    @param amount_out The exact output.
    @param route ROUTE_DIRECT or ROUTE_VIA_WETH.
    @param recipient Who receives the bought token.
    """
    first: address = empty(address)
    second: address = empty(address)
    mid: address = empty(address)
    first, second, mid = self._route(sell, buy, route)
    if second == empty(address):
        self._take(first, sell, buy, amount_out, recipient)
    else:
        hop: uint256 = self._in(second, mid, buy, amount_out, 0)
        self._take(first, sell, mid, hop, second)
        self._take(second, mid, buy, amount_out, recipient)


# ============================================================================================
# INTERNAL
# ============================================================================================

@view
@internal
def _route(sell: address, buy: address, route: uint256) -> (address, address, address):
    """
    @dev The route's first pair, second pair (empty when direct) and middle token.
    """
    if route == ROUTE_DIRECT:
        pool: address = self._pair_for(sell, buy)
        assert pool.is_contract, "venue: no pair"
        return pool, empty(address), empty(address)
    assert route == ROUTE_VIA_WETH, "venue: unknown route"
    assert weth != empty(address) and sell != weth and buy != weth, "venue: no weth route"
    first: address = self._pair_for(sell, weth)
    second: address = self._pair_for(weth, buy)
    assert first.is_contract and second.is_contract, "venue: no pair"
    return first, second, weth


@view
@internal
def _live(token_a: address, token_b: address) -> bool:
    pool: address = self._pair_for(token_a, token_b)
    if not pool.is_contract:
        return False
    r0: uint256 = 0
    r1: uint256 = 0
    t: uint256 = 0
    r0, r1, t = staticcall IUniswapV2Pair(pool).getReserves()
    return r0 > 0 and r1 > 0


@view
@internal
def _reserves(pool: address, token_in: address, token_out: address, session: uint256) -> (uint256, uint256):
    """
    @dev The pair's reserves (of `token_in`, of `token_out`): live, or as the caller's plans of
         `session` left them.
    """
    r0: uint256 = 0
    r1: uint256 = 0
    live: bool = True
    if session != 0:
        simulated: Simulated = self._simulated[msg.sender][pool]
        if simulated.session == session:
            r0 = simulated.reserve0
            r1 = simulated.reserve1
            live = False
    if live:
        t: uint256 = 0
        r0, r1, t = staticcall IUniswapV2Pair(pool).getReserves()
    assert r0 > 0 and r1 > 0, "venue: empty pair"
    if convert(token_in, uint256) < convert(token_out, uint256):
        return r0, r1
    return r1, r0


@view
@internal
def _out(pool: address, token_in: address, token_out: address, amount_in: uint256, session: uint256) -> uint256:
    reserve_in: uint256 = 0
    reserve_out: uint256 = 0
    reserve_in, reserve_out = self._reserves(pool, token_in, token_out, session)
    return self._amount_out(reserve_in, reserve_out, amount_in)


@view
@internal
def _in(pool: address, token_in: address, token_out: address, amount_out: uint256, session: uint256) -> uint256:
    reserve_in: uint256 = 0
    reserve_out: uint256 = 0
    reserve_in, reserve_out = self._reserves(pool, token_in, token_out, session)
    return self._amount_in(reserve_in, reserve_out, amount_out)


@pure
@internal
def _amount_out(reserve_in: uint256, reserve_out: uint256, amount_in: uint256) -> uint256:
    # UniswapV2Library.getAmountOut: the 0.3% fee stays in the pair.
    with_fee: uint256 = amount_in * 997
    return with_fee * reserve_out // (reserve_in * 1_000 + with_fee)


@pure
@internal
def _amount_in(reserve_in: uint256, reserve_out: uint256, amount_out: uint256) -> uint256:
    # UniswapV2Library.getAmountIn: the least input whose getAmountOut is at least `amount_out`.
    assert amount_out < reserve_out, "venue: pair too shallow"
    return reserve_in * amount_out * 1_000 // ((reserve_out - amount_out) * 997) + 1


@internal
def _simulate(
    pool: address, token_in: address, token_out: address, amount_in: uint256, amount_out: uint256, session: uint256
):
    """
    @dev Records the pair as a swap of `amount_in` for `amount_out` leaves it: the pair syncs its
         reserves to its balances, so a first touch starts from the balances (a donation sitting
         in the pair counts, as it will).
    """
    in_is_0: bool = convert(token_in, uint256) < convert(token_out, uint256)
    simulated: Simulated = self._simulated[msg.sender][pool]
    balance_in: uint256 = 0
    balance_out: uint256 = 0
    if simulated.session == session:
        balance_in = simulated.reserve0 if in_is_0 else simulated.reserve1
        balance_out = simulated.reserve1 if in_is_0 else simulated.reserve0
    else:
        balance_in = staticcall IERC20(token_in).balanceOf(pool)
        balance_out = staticcall IERC20(token_out).balanceOf(pool)
    balance_in += amount_in
    balance_out -= amount_out
    if in_is_0:
        self._simulated[msg.sender][pool] = Simulated(session=session, reserve0=balance_in, reserve1=balance_out)
    else:
        self._simulated[msg.sender][pool] = Simulated(session=session, reserve0=balance_out, reserve1=balance_in)


@internal
def _swap(pool: address, token_in: address, token_out: address, amount_in: uint256, to: address) -> uint256:
    """
    @dev `amount_in` of `token_in` is already in `pool`: takes getAmountOut of `token_out` to `to`.
    """
    out: uint256 = self._out(pool, token_in, token_out, amount_in, 0)
    self._take(pool, token_in, token_out, out, to)
    return out


@internal
def _take(pool: address, token_in: address, token_out: address, amount_out: uint256, to: address):
    # The pair's own swap: it pays first and then checks its constant product.
    if convert(token_in, uint256) < convert(token_out, uint256):
        extcall IUniswapV2Pair(pool).swap(0, amount_out, to, b"")
    else:
        extcall IUniswapV2Pair(pool).swap(amount_out, 0, to, b"")


@view
@internal
def _pair_for(token_a: address, token_b: address) -> address:
    """
    @dev UniswapV2Library.pairFor: the CREATE2 address of the factory's pair of the two tokens.
    """
    token0: address = token_a
    token1: address = token_b
    if convert(token_b, uint256) < convert(token_a, uint256):
        token0 = token_b
        token1 = token_a
    salt: bytes32 = keccak256(concat(convert(token0, bytes20), convert(token1, bytes20)))
    digest: bytes32 = keccak256(concat(b"\xff", convert(factory, bytes20), salt, PAIR_INIT_CODE_HASH))
    return convert(convert(convert(digest, uint256) & ADDRESS_MASK, uint160), address)
