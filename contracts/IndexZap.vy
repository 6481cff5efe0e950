# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title IndexZap
@license MIT
@notice Mint and redeem any vyndex index with one token: ETH, WETH or any ERC-20 the zap's venues
        can route. Stateless and ownerless: it holds nothing between calls.

@dev    WHAT IT DOES. `mint_exact` buys exactly what the vault's `preview_mint` asks of every
        component (rounded up, the vault's favour) with at most the caller's input, and mints.
        `mint_from` spends at most the caller's input, split across the components by what a
        share's worth of each costs on its leg, buys each, mints the most whole shares the vault's
        previews allow and returns the component dust. `redeem_to` redeems in kind (what the vault
        pays, its `preview_redeem` in the block, rounded down) and sells every component into one
        token for the receiver.

        PAYING THE POOLS. An ERC-20 input is paid by the caller straight to each leg's pool (the
        venue's `plan` names it): the zap never holds it, so nothing of it is left to refund. ETH
        is wrapped here and the legs pay from this contract; what they leave is unwrapped back. A
        redeem's ERC-20 output goes from the pools to the receiver; ETH comes here as WETH first.

        TRUST. The venues, WETH and the oracle adapter are immutables fixed at deployment. A leg is
        (venue index << 64 | route): a route is a venue-specific number naming pools the venue
        derives from its own factory, so no pool address or calldata from a caller is ever used.
        The zap only pulls from `msg.sender`, so a call can spend nothing but the caller's own
        allowance; the vault it names is the caller's choice and only ever receives an approval of
        exactly what its preview asks for, which its mint then uses up.

        BOUNDS ON EVERY LEG. What a leg receives is worth, at the oracle's guarded prices (each
        read once per call), at least (1 - slippage) of what it pays: received >= ceil(sold *
        sell price / buy price * (1 - slippage)) in base units (exact 512-bit mul_div, 0 to 18
        decimals), checked on the balance delta of whoever the swap pays ("zap: leg off the
        oracle"); a quote checks it on the planned output. The slippage is the caller's, at most
        MAX_SLIPPAGE_BPS. Besides, the caller's total bound (`max_in`, `min_shares`, `min_out`)
        and a deadline.

        NOTHING RESTS HERE (DESIGN invariant 11). Every token is measured by balance delta; at the
        end of every call every component, the input (ETH refunded as ETH) and the output held
        here are paid out; approvals go only to the vault, exactly what it takes. Fee-on-transfer
        inputs are refused by name (the first pull of a token in a transaction is measured where
        it lands; a later short one fails the pool's own check).

        QUOTES. `quote_mint_exact`, `quote_mint_from` and `quote_redeem_to` run the same code
        without moving tokens: eth_call them. Each leg is sized by its venue's `plan` under a
        quote session (a number fresh for every quote call): the venue prices the leg against the
        pools as the session's earlier legs left them and records this leg's effect (V2: the
        reserves; V3: the pool's swap replayed in memory), so legs sharing a pool (two hops
        through one WETH pair, WETH bought while other legs route through it) are quoted in
        sequence, and a quote equals what the call moves in the same block, to the base unit.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

from snekmate.utils import math

from .interfaces import IPriceOracle
from .interfaces import IZapVenue


interface IZapVault:
    def components() -> (DynArray[address, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS]): view
    def preview_mint(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]: view
    def preview_redeem(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]: view
    def mint(
        shares: uint256, receiver: address, max_amounts_in: DynArray[uint256, MAX_COMPONENTS]
    ) -> DynArray[uint256, MAX_COMPONENTS]: nonpayable
    def redeem(
        shares: uint256, receiver: address, min_amounts_out: DynArray[uint256, MAX_COMPONENTS]
    ) -> DynArray[uint256, MAX_COMPONENTS]: nonpayable
    def transferFrom(owner: address, to: address, amount: uint256) -> bool: nonpayable


interface IWETH:
    def deposit(): payable
    def withdraw(wad: uint256): nonpayable


# ============================================================================================
# CONSTANTS
# ============================================================================================

# The conventional stand-in for native ETH.
ETH: public(constant(address)) = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE
MAX_COMPONENTS: constant(uint256) = 32
MAX_VENUES: public(constant(uint256)) = 4
BPS: constant(uint256) = 10_000
# The most any leg may lose against the oracle; a caller may only ask for less.
MAX_SLIPPAGE_BPS: public(constant(uint256)) = 300
ROUTE_MASK: constant(uint256) = 2**64 - 1
# `mint_from` sizes shares from the preview of this many (9 digits beyond one share; the vault's
# product shares * unit * scale stays below 2**256).
PROBE_SHARES: constant(uint256) = 10**27
# A sale (redeem_to) into a token whose base unit is worth at least this (USD, 18 decimals; e.g. a
# 0- or 2-decimal token) pays only what buys whole base units and hands the rest back; into a
# finer token (WETH's wei, USDC's micro-dollar) it sells everything: the rest would be worth less
# than one such unit, far less than the gas of handing it back.
TRIM_UNIT_USD: constant(uint256) = 10**16


# ============================================================================================
# IMMUTABLES
# ============================================================================================

weth: public(immutable(address))
oracle: public(immutable(IPriceOracle))
_venues: immutable(DynArray[address, MAX_VENUES])

# The last quote session of this transaction: each quote call takes the next one.
_session: transient(uint256)
# Input tokens whose transfer from the caller arrived whole in this transaction.
_arrives_whole: transient(HashMap[address, bool])


# ============================================================================================
# EVENTS
# ============================================================================================

event ZapMint:
    caller: indexed(address)
    vault: indexed(address)
    receiver: address
    pay_token: address
    paid: uint256
    shares: uint256

event ZapRedeem:
    caller: indexed(address)
    vault: indexed(address)
    receiver: address
    receive_token: address
    shares: uint256
    received: uint256


# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__(venues_: DynArray[address, MAX_VENUES], weth_: address, oracle_: IPriceOracle):
    """
    @notice A zap over `venues_`, pricing every leg with `oracle_`.
    @param venues_ Venue contracts (UniswapV2Venue, UniswapV3Venue): 1 to 4, each with code.
    @param weth_ WETH9: what ETH is wrapped into.
    @param oracle_ The oracle adapter whose guarded prices bound every leg.
    """
    assert len(venues_) > 0, "zap: no venues"
    for v: address in venues_:
        assert v.is_contract, "zap: venue has no code"
    assert weth_.is_contract, "zap: weth has no code"
    assert oracle_.address.is_contract, "zap: oracle has no code"
    _venues = venues_
    weth = weth_
    oracle = oracle_


# ============================================================================================
# MINT AND REDEEM
# ============================================================================================

@payable
@external
def mint_exact(
    vault: address,
    shares: uint256,
    pay_token: address,
    max_in: uint256,
    legs: DynArray[uint256, MAX_COMPONENTS],
    max_slippage_bps: uint256,
    receiver: address,
    deadline: uint256,
) -> uint256:
    """
    @notice Mints exactly `shares` index tokens of `vault` to `receiver`, paying with `pay_token`
            (ETH as msg.value, or an ERC-20 the caller approved to this contract), at most `max_in`.
    @dev Buys exactly `preview_mint(shares)` of each component (exact output), an ERC-20 input
         paid by the caller straight to each pool (only what the legs need is taken); refunds
         unspent ETH, and any component bought above the need.
    @param vault The index.
    @param shares Index tokens to mint (18 decimals).
    @param pay_token ETH (0xEeee...), WETH or an ERC-20.
    @param max_in The most to spend, base units; with ETH, msg.value must equal it.
    @param legs One per component, `components()` order: venue index << 64 | route (ignored for
           a component that is the paid token).
    @param max_slippage_bps The most a leg may lose against the oracle, <= MAX_SLIPPAGE_BPS.
    @param receiver Who receives the index tokens.
    @param deadline The last timestamp the call may execute at.
    @return What was spent of the input, base units.
    """
    self._check_call(receiver, deadline, max_slippage_bps)
    assert shares > 0, "zap: zero shares"
    pay: address = empty(address)
    payer: address = empty(address)
    pay, payer = self._payment(pay_token, max_in, msg.value)
    tokens: DynArray[address, MAX_COMPONENTS] = (staticcall IZapVault(vault).components())[0]
    amounts: DynArray[uint256, MAX_COMPONENTS] = staticcall IZapVault(vault).preview_mint(shares)
    spent: uint256 = self._buy_exact(pay, payer, tokens, amounts, legs, max_slippage_bps, max_in, 0)
    self._mint(vault, shares, receiver, tokens, amounts)
    self._refund(pay_token, pay, tokens, msg.sender)
    log ZapMint(caller=msg.sender, vault=vault, receiver=receiver, pay_token=pay_token, paid=spent, shares=shares)
    return spent


@payable
@external
def mint_from(
    vault: address,
    pay_token: address,
    amount_in: uint256,
    min_shares: uint256,
    legs: DynArray[uint256, MAX_COMPONENTS],
    max_slippage_bps: uint256,
    receiver: address,
    deadline: uint256,
) -> uint256:
    """
    @notice Spends `amount_in` of `pay_token` on index tokens of `vault` for `receiver`: at least
            `min_shares` of them.
    @dev Splits the input by what a share's worth of each component costs on its leg (the oracle
         sizes a first split, the venue quotes price it), buys each (exact input), mints the most
         shares `preview_mint` allows and returns every component left over to the caller. What
         no leg can use (the few base units a V2 pair cannot turn into a whole unit, the paid
         token's share beyond what the mint takes) stays with the caller: taken only if ETH, and
         then refunded.
    @param vault The index.
    @param pay_token ETH (0xEeee...), WETH or an ERC-20.
    @param amount_in What to spend, base units; with ETH, msg.value must equal it.
    @param min_shares The fewest index tokens accepted.
    @param legs One per component (see `mint_exact`).
    @param max_slippage_bps The most a leg may lose against the oracle, <= MAX_SLIPPAGE_BPS.
    @param receiver Who receives the index tokens.
    @param deadline The last timestamp the call may execute at.
    @return The index tokens minted.
    """
    self._check_call(receiver, deadline, max_slippage_bps)
    pay: address = empty(address)
    payer: address = empty(address)
    pay, payer = self._payment(pay_token, amount_in, msg.value)
    tokens: DynArray[address, MAX_COMPONENTS] = (staticcall IZapVault(vault).components())[0]
    shares: uint256 = 0
    amounts: DynArray[uint256, MAX_COMPONENTS] = []
    spent: uint256 = 0
    shares, amounts, spent = self._buy_from(vault, pay, payer, tokens, amount_in, legs, max_slippage_bps, 0)
    assert shares >= min_shares, "zap: too few shares"
    self._mint(vault, shares, receiver, tokens, amounts)
    self._refund(pay_token, pay, tokens, msg.sender)
    log ZapMint(caller=msg.sender, vault=vault, receiver=receiver, pay_token=pay_token, paid=spent, shares=shares)
    return shares


@external
def redeem_to(
    vault: address,
    shares: uint256,
    receive_token: address,
    min_out: uint256,
    legs: DynArray[uint256, MAX_COMPONENTS],
    max_slippage_bps: uint256,
    receiver: address,
    deadline: uint256,
) -> uint256:
    """
    @notice Redeems `shares` of the caller's index tokens of `vault` (approved to this contract)
            and pays `receiver` at least `min_out` of one token: ETH, WETH or an ERC-20.
    @dev Redeems in kind (the vault's `preview_redeem(shares)` in the block), sells each component
         (exact input) straight to the receiver (ETH: here as WETH, then unwrapped), and returns
         to the caller any component a leg did not sell: into a token whose base unit is worth a
         cent or more (TRIM_UNIT_USD) a V2 leg sells only what buys whole base units.
    @param vault The index.
    @param shares Index tokens to redeem (18 decimals).
    @param receive_token ETH (0xEeee...), WETH or an ERC-20.
    @param min_out The least accepted, base units of `receive_token`.
    @param legs One per component (see `mint_exact`), each selling the component.
    @param max_slippage_bps The most a leg may lose against the oracle, <= MAX_SLIPPAGE_BPS.
    @param receiver Who receives the output.
    @param deadline The last timestamp the call may execute at.
    @return What `receiver` got, base units.
    """
    self._check_call(receiver, deadline, max_slippage_bps)
    assert shares > 0, "zap: zero shares"
    out: address = self._working(receive_token)
    tokens: DynArray[address, MAX_COMPONENTS] = (staticcall IZapVault(vault).components())[0]
    assert extcall IZapVault(vault).transferFrom(msg.sender, self, shares), "zap: index transfer failed"
    # The vault pays exactly its preview in the block (and says what it paid); nothing below it
    # is accepted by the legs' bounds anyway.
    no_minimum: DynArray[uint256, MAX_COMPONENTS] = []
    for _: address in tokens:
        no_minimum.append(0)
    amounts: DynArray[uint256, MAX_COMPONENTS] = extcall IZapVault(vault).redeem(shares, self, no_minimum)
    # An ERC-20 output goes from the pools straight to the receiver; ETH comes here as WETH first.
    to: address = self if receive_token == ETH else receiver
    received: uint256 = self._sell_all(out, to, tokens, amounts, legs, max_slippage_bps, 0)
    assert received >= min_out, "zap: output below minimum"
    if receive_token == ETH:
        self._pay(receive_token, out, received, receiver)
    self._refund(receive_token, out, tokens, msg.sender)
    log ZapRedeem(
        caller=msg.sender, vault=vault, receiver=receiver, receive_token=receive_token, shares=shares, received=received
    )
    return received


# ============================================================================================
# QUOTES (eth_call)
# ============================================================================================

@external
def quote_mint_exact(
    vault: address, shares: uint256, pay_token: address, legs: DynArray[uint256, MAX_COMPONENTS], max_slippage_bps: uint256
) -> uint256:
    """
    @notice The input `mint_exact` would spend now for `shares`, every leg checked against the oracle.
    @dev Not a view (the venues' quote sessions write transient storage); moves nothing. eth_call it.
    @param vault The index.
    @param shares Index tokens to mint.
    @param pay_token ETH (0xEeee...), WETH or an ERC-20.
    @param legs One per component (see `mint_exact`).
    @param max_slippage_bps The slippage the call will be given.
    @return Base units of the input.
    """
    assert max_slippage_bps <= MAX_SLIPPAGE_BPS, "zap: slippage over cap"
    tokens: DynArray[address, MAX_COMPONENTS] = (staticcall IZapVault(vault).components())[0]
    amounts: DynArray[uint256, MAX_COMPONENTS] = staticcall IZapVault(vault).preview_mint(shares)
    pay: address = self._working(pay_token)
    return self._buy_exact(pay, pay, tokens, amounts, legs, max_slippage_bps, max_value(uint256), self._new_session())


@external
def quote_mint_from(
    vault: address, pay_token: address, amount_in: uint256, legs: DynArray[uint256, MAX_COMPONENTS], max_slippage_bps: uint256
) -> uint256:
    """
    @notice The index tokens `mint_from` would mint now for `amount_in`.
    @dev Not a view; moves nothing. eth_call it.
    @param vault The index.
    @param pay_token ETH (0xEeee...), WETH or an ERC-20.
    @param amount_in What would be spent, base units.
    @param legs One per component (see `mint_exact`).
    @param max_slippage_bps The slippage the call will be given.
    @return Index tokens (18 decimals).
    """
    assert max_slippage_bps <= MAX_SLIPPAGE_BPS, "zap: slippage over cap"
    tokens: DynArray[address, MAX_COMPONENTS] = (staticcall IZapVault(vault).components())[0]
    pay: address = self._working(pay_token)
    return self._buy_from(vault, pay, pay, tokens, amount_in, legs, max_slippage_bps, self._new_session())[0]


@external
def quote_redeem_to(
    vault: address, shares: uint256, receive_token: address, legs: DynArray[uint256, MAX_COMPONENTS], max_slippage_bps: uint256
) -> uint256:
    """
    @notice What `redeem_to` would pay now for `shares`.
    @dev Not a view; moves nothing. eth_call it.
    @param vault The index.
    @param shares Index tokens to redeem.
    @param receive_token ETH (0xEeee...), WETH or an ERC-20.
    @param legs One per component (see `mint_exact`).
    @param max_slippage_bps The slippage the call will be given.
    @return Base units of the output.
    """
    assert max_slippage_bps <= MAX_SLIPPAGE_BPS, "zap: slippage over cap"
    tokens: DynArray[address, MAX_COMPONENTS] = (staticcall IZapVault(vault).components())[0]
    amounts: DynArray[uint256, MAX_COMPONENTS] = staticcall IZapVault(vault).preview_redeem(shares)
    return self._sell_all(
        self._working(receive_token), self, tokens, amounts, legs, max_slippage_bps, self._new_session()
    )


@view
@external
def venues() -> DynArray[address, MAX_VENUES]:
    """
    @notice The venues a leg may name, by index.
    @return The venue contracts.
    """
    return _venues


@payable
@external
@reentrant
def __default__():
    """
    @notice Takes ETH from WETH only (unwrapping a refund or an output).
    """
    assert msg.sender == weth, "zap: ETH only from WETH"


# ============================================================================================
# INTERNAL
# ============================================================================================

@internal
def _new_session() -> uint256:
    # A fresh quote session: the venues forget the pool states an earlier quote left.
    self._session += 1
    return self._session


@view
@internal
def _check_call(receiver: address, deadline: uint256, max_slippage_bps: uint256):
    assert block.timestamp <= deadline, "zap: expired"
    assert receiver != empty(address), "zap: zero receiver"
    assert max_slippage_bps <= MAX_SLIPPAGE_BPS, "zap: slippage over cap"


@view
@internal
def _working(token: address) -> address:
    # The ERC-20 a leg trades: WETH stands in for ETH.
    assert token != empty(address), "zap: zero token"
    if token == ETH:
        return weth
    return token


@internal
def _buy_exact(
    pay: address,
    payer: address,
    tokens: DynArray[address, MAX_COMPONENTS],
    amounts: DynArray[uint256, MAX_COMPONENTS],
    legs: DynArray[uint256, MAX_COMPONENTS],
    slip: uint256,
    budget: uint256,
    session: uint256,
) -> uint256:
    """
    @dev Buys exactly `amounts` of `tokens` with `pay` from `payer` (exact output), at most
         `budget` in all; returns what it spent (or, quoting under `session`, would spend).
    """
    assert len(legs) == len(tokens), "zap: legs length mismatch"
    left: uint256 = budget
    pay_price: uint256 = staticcall oracle.price(pay)
    pay_one: uint256 = self._one(pay)
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        need: uint256 = amounts[i]
        if need == 0:
            continue
        cost: uint256 = need
        if tokens[i] != pay:
            price: uint256 = staticcall oracle.price(tokens[i])
            cost = self._leg(
                pay, pay_price, pay_one, payer, tokens[i], price, need, legs[i], slip, True, False, session, self
            )[0]
        assert cost <= left, "zap: max input exceeded"
        left -= cost
        if tokens[i] == pay and session == 0 and payer != self:
            # The paid token is a component: its share comes here for the mint.
            self._pay_from(pay, payer, self, need)
    return budget - left


@internal
def _buy_from(
    vault: address,
    pay: address,
    payer: address,
    tokens: DynArray[address, MAX_COMPONENTS],
    amount_in: uint256,
    legs: DynArray[uint256, MAX_COMPONENTS],
    slip: uint256,
    session: uint256,
) -> (uint256, DynArray[uint256, MAX_COMPONENTS], uint256):
    """
    @dev Spends up to `amount_in` of `pay` from `payer` across the components by what a share's
         worth of each costs on its leg (exact input), then sizes the mint: the most shares whose
         `preview_mint` the bought amounts cover. Returns the shares, the amounts the mint takes
         and what was spent (the paid token's own share as the mint takes it; what no leg could
         use is never taken).
    """
    assert amount_in > 0, "zap: zero input"
    assert len(legs) == len(tokens), "zap: legs length mismatch"
    probe: DynArray[uint256, MAX_COMPONENTS] = staticcall IZapVault(vault).preview_mint(PROBE_SHARES)
    pay_price: uint256 = staticcall oracle.price(pay)
    pay_one: uint256 = self._one(pay)
    prices: DynArray[uint256, MAX_COMPONENTS] = []
    values: DynArray[uint256, MAX_COMPONENTS] = []
    total: uint256 = 0
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        price: uint256 = pay_price
        if tokens[i] != pay:
            price = staticcall oracle.price(tokens[i])
        prices.append(price)
        v: uint256 = math._mul_div(probe[i], price, self._one(tokens[i]), False)
        values.append(v)
        total += v
    assert total > 0, "zap: basket has no value"

    # First pass: each leg's quote for its value share (the pools as they are before any leg, in
    # a quote as in the call) gives its cost per share; the second pass splits the input by those
    # costs, so every leg buys about the same number of shares and little is left over (a
    # pricier leg, e.g. a 1% pool, gets more of the input).
    shares_of: DynArray[uint256, MAX_COMPONENTS] = self._split(amount_in, values, total)
    costs: DynArray[uint256, MAX_COMPONENTS] = []
    total = 0
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        cost: uint256 = 0
        if probe[i] > 0 and shares_of[i] > 0:
            got: uint256 = shares_of[i]
            if tokens[i] != pay:
                venue: IZapVenue = self._venue(legs[i])
                got = extcall venue.quote(pay, tokens[i], shares_of[i], legs[i] & ROUTE_MASK, False)
            assert got > 0, "zap: leg buys nothing"
            cost = math._mul_div(shares_of[i], probe[i], got, True)
        costs.append(cost)
        total += cost
    shares_of = self._split(amount_in, costs, total)

    held: DynArray[uint256, MAX_COMPONENTS] = []
    pay_index: uint256 = max_value(uint256)
    spent: uint256 = 0
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        if tokens[i] == pay:
            pay_index = i
            held.append(0)
            continue
        bought: uint256 = 0
        if shares_of[i] > 0:
            sold: uint256 = 0
            sold, bought = self._leg(
                pay, pay_price, pay_one, payer, tokens[i], prices[i], shares_of[i], legs[i], slip, False, True, session, self
            )
            spent += sold
        held.append(bought)
    if pay_index < len(tokens):
        # The paid token is a component: it keeps its share and whatever the legs did not use.
        held[pay_index] = amount_in - spent

    shares: uint256 = max_value(uint256)
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        if probe[i] > 0:
            shares = min(shares, math._mul_div(held[i], PROBE_SHARES, probe[i], False))
    # The probe's rounding can leave a share count one step too high: step down until it fits.
    for _: uint256 in range(4):
        assert shares > 0 and shares < max_value(uint256), "zap: too few shares"
        amounts: DynArray[uint256, MAX_COMPONENTS] = staticcall IZapVault(vault).preview_mint(shares)
        fits: uint256 = shares
        for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
            if amounts[i] > held[i]:
                fits = min(fits, held[i] * shares // amounts[i])
        if fits == shares:
            if pay_index < len(tokens):
                spent += amounts[pay_index]
                if session == 0 and payer != self:
                    self._pay_from(pay, payer, self, amounts[pay_index])
            return shares, amounts, spent
        shares = fits - 1 if fits > 0 else 0
    raise "zap: too few shares"


@internal
def _sell_all(
    out: address,
    to: address,
    tokens: DynArray[address, MAX_COMPONENTS],
    amounts: DynArray[uint256, MAX_COMPONENTS],
    legs: DynArray[uint256, MAX_COMPONENTS],
    slip: uint256,
    session: uint256,
) -> uint256:
    """
    @dev Sells `amounts` of `tokens` (held here) for `out`, paid to `to` (exact input); returns
         what they bring, `out`'s own amount (sent to `to` too) included.
    """
    assert len(legs) == len(tokens), "zap: legs length mismatch"
    total: uint256 = 0
    out_price: uint256 = staticcall oracle.price(out)
    trim: bool = out_price >= TRIM_UNIT_USD * self._one(out)
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        if amounts[i] == 0:
            continue
        if tokens[i] == out:
            total += amounts[i]
            if session == 0 and to != self:
                self._transfer(out, to, amounts[i])
            continue
        price: uint256 = staticcall oracle.price(tokens[i])
        total += self._leg(
            tokens[i], price, self._one(tokens[i]), self, out, out_price, amounts[i], legs[i], slip, False, trim, session, to
        )[1]
    return total


@pure
@internal
def _split(
    amount: uint256, weights: DynArray[uint256, MAX_COMPONENTS], total: uint256
) -> DynArray[uint256, MAX_COMPONENTS]:
    # `amount` in proportion to `weights`; the last takes the rounding rest, so the parts sum to it.
    parts: DynArray[uint256, MAX_COMPONENTS] = []
    allocated: uint256 = 0
    for i: uint256 in range(len(weights), bound=MAX_COMPONENTS):
        part: uint256 = amount - allocated
        if i + 1 < len(weights):
            part = math._mul_div(amount, weights[i], total, False)
        allocated += part
        parts.append(part)
    return parts


@view
@internal
def _venue(leg: uint256) -> IZapVenue:
    venue_index: uint256 = leg >> 64
    assert venue_index < len(_venues), "zap: unknown venue"
    return IZapVenue(_venues[venue_index])


@internal
def _leg(
    sell: address,
    sell_price: uint256,
    sell_one: uint256,
    payer: address,
    buy: address,
    buy_price: uint256,
    amount: uint256,
    leg: uint256,
    slip: uint256,
    exact_out: bool,
    trim: bool,
    session: uint256,
    to: address,
) -> (uint256, uint256):
    """
    @dev One swap on the venue and route `leg` names: exact output (`amount` of `buy`) or exact
         input (`amount` of `sell`, with `trim` cut to what buys whole base units). The venue's
         `plan` sizes it; quoting
         (`session` != 0) checks the planned output against the oracle bound and returns
         (input, output); executing pays the venue's pool (from `payer`: this contract, or the
         caller straight to the pool), swaps to `to` and checks `to`'s balance delta of `buy`
         against the same bound, returning (input paid, output received).
    """
    venue: IZapVenue = self._venue(leg)
    route: uint256 = leg & ROUTE_MASK
    pay_to: address = empty(address)
    amount_in: uint256 = 0
    planned: uint256 = 0
    pay_to, amount_in, planned = extcall venue.plan(sell, buy, amount, route, exact_out, trim, session)

    # The oracle bound, exact in base units: ceil(sold * sell rate / buy rate * (1 - slippage)).
    min_out: uint256 = math._mul_div(
        amount_in * (BPS - slip), sell_price * self._one(buy), sell_one * buy_price * BPS, True
    )
    if session != 0:
        assert planned >= min_out, "zap: leg off the oracle"
        return amount_in, planned

    before: uint256 = staticcall IERC20(buy).balanceOf(to)
    self._pay_from(sell, payer, pay_to, amount_in)
    if exact_out:
        extcall venue.swap_out(sell, buy, amount_in, amount, route, to)
    else:
        extcall venue.swap(sell, buy, amount_in, 0, route, to)
    received: uint256 = staticcall IERC20(buy).balanceOf(to) - before
    assert received >= min_out, "zap: leg off the oracle"
    if exact_out:
        assert received >= amount, "zap: leg bought too little"
    return amount_in, received


@internal
def _mint(
    vault: address,
    shares: uint256,
    receiver: address,
    tokens: DynArray[address, MAX_COMPONENTS],
    amounts: DynArray[uint256, MAX_COMPONENTS],
):
    # Exact approvals, which the mint uses up: no allowance outlives the call.
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        if amounts[i] > 0:
            assert extcall IERC20(tokens[i]).approve(vault, amounts[i], default_return_value=True), "zap: approve failed"
    extcall IZapVault(vault).mint(shares, receiver, amounts)


@internal
def _payment(pay_token: address, amount: uint256, eth: uint256) -> (address, address):
    """
    @dev The token the legs trade and who pays them: ETH is wrapped here (the legs pay from this
         contract); an ERC-20 is taken from the caller as each leg pays its pool, never more.
    """
    assert amount > 0, "zap: zero input"
    if pay_token == ETH:
        assert eth == amount, "zap: ETH value mismatch"
        extcall IWETH(weth).deposit(value=amount)
        return weth, self
    assert eth == 0, "zap: ETH not expected"
    assert pay_token != empty(address), "zap: zero token"
    return pay_token, msg.sender


@internal
def _pay_from(token: address, payer: address, to: address, amount: uint256):
    """
    @dev Moves `amount` of `token` to `to`: from this contract, or from the caller (`payer`), whose
         transfer must arrive whole (a fee-on-transfer token is refused by name; checked on the
         token's first pull in the transaction: a short pull after it fails the pool's own check).
    """
    if payer == self:
        self._transfer(token, to, amount)
        return
    if self._arrives_whole[token]:
        assert extcall IERC20(token).transferFrom(payer, to, amount, default_return_value=True), "zap: transferFrom failed"
        return
    # The first pull of a token in a transaction is measured where it lands.
    before: uint256 = staticcall IERC20(token).balanceOf(to)
    assert extcall IERC20(token).transferFrom(payer, to, amount, default_return_value=True), "zap: transferFrom failed"
    assert staticcall IERC20(token).balanceOf(to) - before == amount, "zap: fee-on-transfer token"
    self._arrives_whole[token] = True


@internal
def _refund(user_token: address, working: address, tokens: DynArray[address, MAX_COMPONENTS], to: address):
    """
    @dev Pays `to` everything this contract holds of the components and the working token (as ETH
         when the user's token is ETH).
    """
    for token: address in tokens:
        if token != working:
            balance: uint256 = staticcall IERC20(token).balanceOf(self)
            if balance > 0:
                self._transfer(token, to, balance)
    self._pay(user_token, working, staticcall IERC20(working).balanceOf(self), to)


@internal
def _pay(user_token: address, working: address, amount: uint256, to: address):
    if amount == 0:
        return
    if user_token == ETH:
        extcall IWETH(weth).withdraw(amount)
        raw_call(to, b"", value=amount)
    else:
        self._transfer(working, to, amount)


@internal
def _transfer(token: address, to: address, amount: uint256):
    assert extcall IERC20(token).transfer(to, amount, default_return_value=True), "zap: transfer failed"


@view
@internal
def _one(token: address) -> uint256:
    decimals: uint256 = convert(staticcall IERC20Detailed(token).decimals(), uint256)
    assert decimals <= 18, "zap: decimals over 18"
    return 10**decimals
