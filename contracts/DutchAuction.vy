# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title DutchAuction
@license MIT
@notice The index as a maker: bidders fill the legs of a Rebalancer's plan at a price that starts
        above the oracle-fair price and decays, over the auction's length, to the oracle-fair price
        less the maximum slippage, never below. Bidders bring liquidity from anywhere and pay the
        gas.

@dev    AN AUCTION IS A VENUE. The owner lists this contract as one of the Rebalancer's venues,
        makes it a keeper and (optionally) the Rebalancer's `auction`. `bid` asks the Rebalancer
        for a trade through this venue, so every rule of a rebalancer trade holds for a fill
        exactly as for an AMM trade: the plan (a fill starts one or belongs to the running one),
        the size (the least of excess, deficit and the trade cap, at least the minimum trade), the
        toward-target check, the cooldowns and the vault's balance-delta verification. What this
        contract adds is the price: when the vault has sent it `amount` of the sold component, it
        takes
            pay = ceil(amount * oracle rate * factor(t) / 10,000)
        of the bought component from the bidder straight to the vault, and gives the bidder the
        `amount`. Both prices are read through the adapter's checks in the same call (a stale,
        deviating or out-of-bounds feed stops fills with the adapter's reason), and the
        Rebalancer's own floor (fair less max slippage) is checked again by the vault.

        ITS OWN CLOCK. An auction runs from `open()` (the launcher, a Rebalancer keeper, or anyone
        when the Rebalancer's trading is open; only while the drift passes the threshold or a plan
        runs, and something is at least a minimum trade over target while something is under it)
        for `auction_length` seconds. With t the seconds since it opened and L its length:
            factor(t) = 10,000 + premium - (premium + max slippage) * t / L
        exactly the floor at t = L; no bid outside [opened_at, opened_at + L] ("auction: not open").
        For the first `launcher_window` seconds only the launcher may bid. At most
        `auction_cap_usd` (at oracle prices) is sold per auction: a fill is clipped to what is left.

        EXECUTION PER LEG, keyed by the (sell, buy) token pair, with a default:
            EXEC_ANY            bids and AMM keeper trades alike
            EXEC_AMM            AMM only: bids refused ("auction: leg not auctioned")
            EXEC_AUCTION        auction only: the Rebalancer refuses AMM trades of the leg
            EXEC_AUCTION_FIRST  the AMMs only after an auction has run, within `amm_window` after
                                its end
        The Rebalancer asks `amm_open(sell, buy)` before any trade through another venue once this
        contract is its `auction`; the upkeep scout simulates real trades, so it never proposes a
        leg held here.

        GOVERNANCE. The owner's loosening changes wait out the index's governance delay (the
        shared timelock module, the vault's delay and guardian, at once while the index has no
        supply): a lower premium or shorter auction, a larger auction cap, opening the allowlist or
        adding a bidder, a launcher window. Tightening ones and execution modes apply at once (every
        mode is bounded by the same oracle floor; a mode decides who may fill, not for how much).
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

from snekmate.auth import ownable
from snekmate.auth import ownable_2step
from snekmate.utils import math

from .interfaces import IIndexVault
from .interfaces import IPriceOracle
from .interfaces import IVenue
from .modules import timelock

implements: IVenue

initializes: ownable
initializes: ownable_2step[ownable := ownable]
initializes: timelock[ownable := ownable]

exports: (
    ownable.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
    timelock.eta,
)


interface IAuctionedRebalancer:
    def trade_prices() -> (uint256, uint256): view
    def trade(
        sell_index: uint256,
        buy_index: uint256,
        venue_index: uint256,
        route: uint256,
        min_amount_out: uint256,
        deadline: uint256,
    ) -> (uint256, uint256): nonpayable
    def vault() -> address: view
    def scout() -> address: view
    def venues(i: uint256) -> address: view
    def venue_count() -> uint256: view
    def keepers(keeper: address) -> bool: view
    def open_trading() -> bool: view
    def plan_active() -> bool: view
    def oracle() -> address: view
    def max_slippage_bps() -> uint256: view
    def drift_threshold_bps() -> uint256: view
    def min_trade_usd() -> uint256: view
    def target_weights() -> DynArray[uint256, 32]: view


interface IValuation:
    def values(rebalancer: address) -> (DynArray[uint256, 32], uint256): view


# ============================================================================================
# CONSTANTS
# ============================================================================================

BPS: constant(uint256) = 10_000
MAX_COMPONENTS: constant(uint256) = 32
MAX_PREMIUM_BPS: public(constant(uint256)) = 2_000  # the curve starts at most 20% above fair
MIN_AUCTION_LENGTH: public(constant(uint256)) = 60
MAX_AUCTION_LENGTH: public(constant(uint256)) = 7 * 86_400
MAX_LAUNCHER_WINDOW: public(constant(uint256)) = 86_400
MAX_AMM_WINDOW: public(constant(uint256)) = 7 * 86_400
MIN_AUCTION_CAP_USD: public(constant(uint256)) = 10**18  # $1
MAX_AUCTION_CAP_USD: public(constant(uint256)) = 10**30  # $1 trillion: no cap in practice

EXEC_ANY: public(constant(uint256)) = 0
EXEC_AMM: public(constant(uint256)) = 1
EXEC_AUCTION: public(constant(uint256)) = 2
EXEC_AUCTION_FIRST: public(constant(uint256)) = 3


# ============================================================================================
# IMMUTABLES AND STORAGE
# ============================================================================================

rebalancer: public(immutable(IAuctionedRebalancer))

premium_bps: public(uint256)
auction_length: public(uint256)
launcher: public(address)
launcher_window: public(uint256)
allowlist_only: public(bool)
allowed: public(HashMap[address, bool])
fills: public(uint256)

# The auction's clock and what it has sold (USD, 18 decimals, at oracle prices).
opened_at: public(uint256)
sold_usd: public(uint256)
auction_cap_usd: public(uint256)
# How long after an auction ends EXEC_AUCTION_FIRST legs may trade on the AMMs.
amm_window: public(uint256)

default_execution: public(uint256)
# sell -> buy -> mode + 1 (0: the default applies).
_leg_execution: HashMap[address, HashMap[address, uint256]]

# Set only while a bid runs: who pays, the most they pay, and the curve's factor, read before the
# trade (the Rebalancer's views are locked while it trades; its `trade_prices` is not).
_bidder: transient(address)
_max_pay: transient(uint256)
_factor_now: transient(uint256)


# ============================================================================================
# EVENTS
# ============================================================================================

event Fill:
    bidder: indexed(address)
    sell: indexed(address)
    buy: indexed(address)
    amount_sold: uint256
    amount_paid: uint256
    factor_bps: uint256

event AuctionOpened:
    opener: indexed(address)
    drift_bps: uint256
    ends_at: uint256

event CurveSet:
    premium_bps: uint256
    auction_length: uint256

event AuctionLimitsSet:
    auction_cap_usd: uint256
    amm_window: uint256

event ExecutionSet:
    sell: indexed(address)
    buy: indexed(address)
    mode: uint256

event DefaultExecutionSet:
    mode: uint256

event LauncherSet:
    launcher: indexed(address)
    window: uint256

event AllowlistSet:
    allowlist_only: bool

event BidderAllowed:
    bidder: indexed(address)
    allowed: bool


# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__(rebalancer_: IAuctionedRebalancer, premium_bps_: uint256, auction_length_: uint256):
    """
    @notice An auction venue for `rebalancer_`; its owner must then `add_venue` it, make it a
            keeper and, to hold legs back from the AMMs, `set_auction` it.
    @dev No per-auction cap (MAX_AUCTION_CAP_USD) and a one-day AMM window to start with.
    @param rebalancer_ The Rebalancer whose plans this contract auctions.
    @param premium_bps_ How far above the oracle-fair price the curve starts, bps (<= 20%).
    @param auction_length_ Seconds from `open` until the price reaches its floor.
    """
    ownable.__init__()
    ownable_2step.__init__()
    timelock.__init__()
    assert rebalancer_.address.is_contract, "auction: rebalancer has no code"
    rebalancer = rebalancer_
    self._set_curve(premium_bps_, auction_length_)
    self.auction_cap_usd = MAX_AUCTION_CAP_USD
    self.amm_window = 86_400


# ============================================================================================
# AUCTION
# ============================================================================================

@external
def open():
    """
    @notice Opens an auction: the curve starts at its premium now and reaches its floor
            `auction_length` seconds later; the per-auction cap starts afresh.
    @dev The launcher, a Rebalancer keeper, or anyone when the Rebalancer's trading is open. Only
         while no auction runs, the drift passes the threshold (or a plan runs), and some component
         is at least a minimum trade over its target while another is at least that far under.
         Prices through the adapter's checks (its reasons).
    """
    assert (
        msg.sender == self.launcher
        or staticcall rebalancer.keepers(msg.sender)
        or staticcall rebalancer.open_trading()
    ), "auction: caller may not open"
    assert not self._is_open(), "auction: already open"
    values: DynArray[uint256, MAX_COMPONENTS] = []
    total: uint256 = 0
    values, total = staticcall IValuation(staticcall rebalancer.scout()).values(rebalancer.address)
    targets: DynArray[uint256, MAX_COMPONENTS] = staticcall rebalancer.target_weights()
    min_trade: uint256 = staticcall rebalancer.min_trade_usd()
    drift: uint256 = 0
    over: bool = False
    under: bool = False
    for i: uint256 in range(len(values), bound=MAX_COMPONENTS):
        target: uint256 = total * targets[i] // BPS
        weight: uint256 = values[i] * BPS // max(total, 1)
        drift = max(drift, max(weight, targets[i]) - min(weight, targets[i]))
        over = over or values[i] >= target + min_trade
        under = under or values[i] + min_trade <= target
    if not staticcall rebalancer.plan_active():
        assert drift > staticcall rebalancer.drift_threshold_bps(), "auction: drift within threshold"
    assert over and under, "auction: nothing to trade"
    self.opened_at = block.timestamp
    self.sold_usd = 0
    log AuctionOpened(opener=msg.sender, drift_bps=drift, ends_at=block.timestamp + self.auction_length)


@external
def bid(sell_index: uint256, buy_index: uint256, max_pay: uint256, deadline: uint256) -> (uint256, uint256):
    """
    @notice Fills one leg chunk: the vault sells component `sell_index` to the caller, who pays in
            component `buy_index` at the curve's current price. The size is the Rebalancer's,
            clipped to what is left of the auction's cap.
    @dev Only while an auction is open. The caller must have approved this contract for `max_pay`
         of the bought component.
    @param sell_index Vault index of the component the index sells (above its target).
    @param buy_index Vault index of the component the index buys (below its target).
    @param max_pay The most of the bought component the caller will pay.
    @param deadline The latest timestamp the fill may execute (the Rebalancer's bound applies).
    @return What the caller received of the sold component, and what it paid of the bought one.
    """
    assert self._is_open(), "auction: not open"
    self._check_bidder(msg.sender)
    venue_index: uint256 = self._my_index()
    self._bidder = msg.sender
    self._max_pay = max_pay
    self._factor_now = self._factor()
    sold: uint256 = 0
    paid: uint256 = 0
    sold, paid = extcall rebalancer.trade(sell_index, buy_index, venue_index, 0, 0, deadline)
    self._bidder = empty(address)
    self.fills += 1
    return sold, paid


@view
@external
def is_open() -> bool:
    """
    @notice Whether bids are taken now.
    @return True from `opened_at` to `opened_at + auction_length`, both included.
    """
    return self._is_open()


@view
@external
def price_factor_bps() -> uint256:
    """
    @notice The curve's factor now, bps of the oracle-fair price (10,000 = fair).
    @dev While no auction is open: the factor the next one starts at.
    @return The factor.
    """
    return self._factor()


@view
@external
def quote(sell: address, buy: address, amount: uint256) -> uint256:
    """
    @notice What a fill selling `amount` of `sell` would cost the bidder in `buy` now.
    @dev Reverts with the adapter's reason if a price fails its checks.
    @param sell The component the index sells.
    @param buy The component the bidder pays in.
    @param amount Base units of `sell`.
    @return Base units of `buy`, rounded up.
    """
    sell_price: uint256 = 0
    buy_price: uint256 = 0
    sell_price, buy_price = staticcall IPriceOracle(staticcall rebalancer.oracle()).price_pair(sell, buy)
    return self._quote(sell_price, buy_price, sell, buy, amount, self._factor())[0]


@view
@external
def execution(sell: address, buy: address) -> uint256:
    """
    @notice How the leg selling `sell` for `buy` executes (EXEC_ANY, EXEC_AMM, EXEC_AUCTION,
            EXEC_AUCTION_FIRST): its own mode if set, else the default.
    @param sell The component the index sells.
    @param buy The component the index buys.
    @return The mode.
    """
    return self._execution(sell, buy)


@view
@external
@reentrant
def amm_open(sell: address, buy: address) -> bool:
    """
    @notice Whether an AMM venue may trade the leg selling `sell` for `buy` now: always for
            EXEC_ANY and EXEC_AMM, never for EXEC_AUCTION, and for EXEC_AUCTION_FIRST only after an
            auction has ended, for `amm_window` seconds.
    @dev Outside the lock: the Rebalancer asks it in the middle of a trade. Reads no other contract.
    @param sell The component the index sells.
    @param buy The component the index buys.
    @return True if the AMMs may trade it.
    """
    mode: uint256 = self._execution(sell, buy)
    if mode == EXEC_AUCTION:
        return False
    if mode == EXEC_AUCTION_FIRST:
        opened: uint256 = self.opened_at
        ended: uint256 = opened + self.auction_length
        return opened != 0 and block.timestamp > ended and block.timestamp <= ended + self.amm_window
    return True


# ============================================================================================
# VENUE (called by the Rebalancer)
# ============================================================================================

@view
@external
@reentrant
def routes(sell: address, buy: address) -> DynArray[uint256, 8]:
    """
    @notice None: fills come from bidders, never from the AMM keeper's scout.
    @param sell The token sold.
    @param buy The token bought.
    @return An empty list.
    """
    return []


@view
@external
@reentrant
def prepare(sell: address, buy: address, amount_in: uint256, route: uint256) -> (address, uint256):
    """
    @notice The vault pays this contract the chunk, clipped to what is left of the auction's cap
            at the oracle price; it passes it to the bidder.
    @dev Outside the lock: the Rebalancer calls it in the middle of a bid (only then).
    @param sell The token sold.
    @param buy The token bought.
    @param amount_in The chunk the Rebalancer sized.
    @param route Unused (0).
    @return This contract's address and the chunk, clipped.
    """
    assert self._bidder != empty(address), "auction: no bid running"
    assert self._execution(sell, buy) != EXEC_AMM, "auction: leg not auctioned"
    cap: uint256 = self.auction_cap_usd
    if cap == MAX_AUCTION_CAP_USD:
        # No cap set: no price read here (the swap still checks the sum against it).
        return self, amount_in
    left: uint256 = cap - self.sold_usd
    sell_price: uint256 = (staticcall rebalancer.trade_prices())[0]
    amount: uint256 = min(amount_in, left * self._one(sell) // sell_price)
    assert amount > 0, "auction: over auction cap"
    return self, amount


@external
@reentrant
def swap(sell: address, buy: address, amount_in: uint256, min_out: uint256, route: uint256, recipient: address):
    """
    @notice Inside a bid: takes the curve's price in `buy` from the bidder to `recipient` (the vault)
            and gives the bidder the `amount_in` of `sell` the vault sent here.
    @dev Only the Rebalancer, only while a bid runs. The vault checks what arrived itself.
    @param sell The component the index sells.
    @param buy The component the bidder pays in.
    @param amount_in What the vault sent here.
    @param min_out The Rebalancer's floor (the curve never goes below it; the vault checks it).
    @param route Unused.
    @param recipient The vault.
    """
    bidder: address = self._bidder
    assert msg.sender == rebalancer.address, "auction: caller is not the rebalancer"
    assert bidder != empty(address), "auction: no bid running"
    factor: uint256 = self._factor_now
    pay: uint256 = 0
    value: uint256 = 0
    sell_price: uint256 = 0
    buy_price: uint256 = 0
    sell_price, buy_price = staticcall rebalancer.trade_prices()
    pay, value = self._quote(sell_price, buy_price, sell, buy, amount_in, factor)
    pay = max(pay, min_out)
    assert pay <= self._max_pay, "auction: price above bidder's limit"
    sold: uint256 = self.sold_usd + value
    assert sold <= self.auction_cap_usd, "auction: over auction cap"
    self.sold_usd = sold
    assert extcall IERC20(buy).transferFrom(bidder, recipient, pay, default_return_value=True), "auction: payment failed"
    assert extcall IERC20(sell).transfer(bidder, amount_in, default_return_value=True), "auction: transfer failed"
    log Fill(bidder=bidder, sell=sell, buy=buy, amount_sold=amount_in, amount_paid=pay, factor_bps=factor)


# ============================================================================================
# OWNER
# ============================================================================================

@external
def set_curve(premium_bps_: uint256, auction_length_: uint256):
    """
    @notice Sets where the price starts (bps above fair) and how long it takes to reach its floor.
    @dev A lower premium or a shorter auction waits out the governance delay while there are holders.
    @param premium_bps_ At most MAX_PREMIUM_BPS.
    @param auction_length_ From MIN_AUCTION_LENGTH to MAX_AUCTION_LENGTH seconds.
    """
    ownable._check_owner()
    self._check_curve(premium_bps_, auction_length_)
    if self._gate(
        slice(msg.data, 0, 68), premium_bps_ >= self.premium_bps and auction_length_ >= self.auction_length
    ):
        self._set_curve(premium_bps_, auction_length_)


@external
def set_auction_limits(auction_cap_usd_: uint256, amm_window_: uint256):
    """
    @notice Sets the most one auction sells (USD at oracle prices) and how long after an auction
            ends EXEC_AUCTION_FIRST legs may trade on the AMMs.
    @dev A larger cap waits out the governance delay while there are holders.
    @param auction_cap_usd_ USD with 18 decimals, MIN_AUCTION_CAP_USD to MAX_AUCTION_CAP_USD.
    @param amm_window_ Seconds, at most MAX_AMM_WINDOW.
    """
    ownable._check_owner()
    assert auction_cap_usd_ >= MIN_AUCTION_CAP_USD, "auction: auction cap too small"
    assert auction_cap_usd_ <= MAX_AUCTION_CAP_USD, "auction: auction cap too large"
    assert amm_window_ <= MAX_AMM_WINDOW, "auction: amm window too long"
    if self._gate(slice(msg.data, 0, 68), auction_cap_usd_ <= self.auction_cap_usd):
        self.auction_cap_usd = auction_cap_usd_
        self.amm_window = amm_window_
        log AuctionLimitsSet(auction_cap_usd=auction_cap_usd_, amm_window=amm_window_)


@external
def set_default_execution(mode: uint256):
    """
    @notice Sets how legs without a mode of their own execute.
    @param mode EXEC_ANY, EXEC_AMM, EXEC_AUCTION or EXEC_AUCTION_FIRST.
    """
    ownable._check_owner()
    assert mode <= EXEC_AUCTION_FIRST, "auction: unknown execution"
    self.default_execution = mode
    log DefaultExecutionSet(mode=mode)


@external
def set_leg_execution(sell: address, buy: address, mode: uint256):
    """
    @notice Sets how the leg selling `sell` for `buy` executes, over the default.
    @param sell The component the index sells.
    @param buy The component the index buys.
    @param mode EXEC_ANY, EXEC_AMM, EXEC_AUCTION or EXEC_AUCTION_FIRST.
    """
    ownable._check_owner()
    assert mode <= EXEC_AUCTION_FIRST, "auction: unknown execution"
    self._leg_execution[sell][buy] = mode + 1
    log ExecutionSet(sell=sell, buy=buy, mode=mode)


@external
def set_launcher(launcher_: address, window: uint256):
    """
    @notice Only `launcher_` may bid during the first `window` seconds of an auction (0: no
            window); the launcher may also open auctions.
    @dev A window (not 0) waits out the governance delay while there are holders.
    @param launcher_ The launcher.
    @param window Seconds, at most MAX_LAUNCHER_WINDOW.
    """
    ownable._check_owner()
    assert window <= MAX_LAUNCHER_WINDOW, "auction: launcher window too long"
    if self._gate(slice(msg.data, 0, 68), window == 0):
        self.launcher = launcher_
        self.launcher_window = window
        log LauncherSet(launcher=launcher_, window=window)


@external
def set_allowlist_only(allowlist_only_: bool):
    """
    @notice Restricts bidding to allowlisted bidders, or opens it to anyone.
    @dev Opening waits out the governance delay while there are holders.
    @param allowlist_only_ True to restrict.
    """
    ownable._check_owner()
    if self._gate(slice(msg.data, 0, 36), allowlist_only_):
        self.allowlist_only = allowlist_only_
        log AllowlistSet(allowlist_only=allowlist_only_)


@external
def set_bidder(bidder: address, allowed_: bool):
    """
    @notice Adds a bidder to the allowlist or removes one.
    @dev Adding waits out the governance delay while there are holders.
    @param bidder The bidder.
    @param allowed_ True to allow.
    """
    ownable._check_owner()
    if self._gate(slice(msg.data, 0, 68), not allowed_):
        self.allowed[bidder] = allowed_
        log BidderAllowed(bidder=bidder, allowed=allowed_)


@external
def cancel(id: bytes32):
    """
    @notice Cancels a queued change (see `eta`, and the ChangeQueued event for its calldata).
    @dev The index vault's guardian, or the owner.
    @param id keccak256 of the queued setter call's calldata.
    """
    assert msg.sender == staticcall self._vault().guardian() or msg.sender == ownable.owner, (
        "auction: caller not guardian"
    )
    timelock._cancel(id)


# ============================================================================================
# INTERNAL
# ============================================================================================

@view
@internal
def _is_open() -> bool:
    opened: uint256 = self.opened_at
    return opened != 0 and block.timestamp <= opened + self.auction_length


@view
@internal
def _factor() -> uint256:
    premium: uint256 = self.premium_bps
    length: uint256 = self.auction_length
    elapsed: uint256 = 0
    if self._is_open():
        elapsed = block.timestamp - self.opened_at
    return BPS + premium - (premium + staticcall rebalancer.max_slippage_bps()) * elapsed // length


@view
@internal
def _quote(
    sell_price: uint256, buy_price: uint256, sell: address, buy: address, amount: uint256, factor: uint256
) -> (uint256, uint256):
    """
    @dev What the bidder pays for `amount` of `sell` (rounded up), and what `amount` is worth in
         USD (rounded down): both at the adapter's guarded prices (18-decimal USD).
    """
    sell_one: uint256 = self._one(sell)
    pay: uint256 = math._mul_div(amount * factor, sell_price * self._one(buy), sell_one * buy_price * BPS, True)
    return pay, amount * sell_price // sell_one


@view
@internal
def _one(token: address) -> uint256:
    return 10 ** convert(staticcall IERC20Detailed(token).decimals(), uint256)


@view
@internal
def _execution(sell: address, buy: address) -> uint256:
    mode: uint256 = self._leg_execution[sell][buy]
    if mode == 0:
        return self.default_execution
    return mode - 1


@view
@internal
def _check_bidder(bidder: address):
    assert not self.allowlist_only or self.allowed[bidder], "auction: bidder not allowlisted"
    window: uint256 = self.launcher_window
    if window > 0 and bidder != self.launcher:
        assert block.timestamp >= self.opened_at + window, "auction: launcher window"


@view
@internal
def _my_index() -> uint256:
    count: uint256 = staticcall rebalancer.venue_count()
    for i: uint256 in range(count, bound=8):
        if staticcall rebalancer.venues(i) == self:
            return i
    raise "auction: not a venue of the rebalancer"


@view
@internal
def _vault() -> IIndexVault:
    return IIndexVault(staticcall rebalancer.vault())


@internal
def _gate(call: Bytes[132], tightens: bool) -> bool:
    # The index's delay and holders: with no supply there is no one to protect.
    v: IIndexVault = self._vault()
    return timelock._gate(call, tightens or staticcall v.totalSupply() == 0, staticcall v.delay())


@pure
@internal
def _check_curve(premium_bps_: uint256, auction_length_: uint256):
    # Range-checked before anything is queued, and again when it is applied.
    assert premium_bps_ <= MAX_PREMIUM_BPS, "auction: premium over cap"
    assert auction_length_ >= MIN_AUCTION_LENGTH, "auction: auction too short"
    assert auction_length_ <= MAX_AUCTION_LENGTH, "auction: auction too long"


@internal
def _set_curve(premium_bps_: uint256, auction_length_: uint256):
    self._check_curve(premium_bps_, auction_length_)
    self.premium_bps = premium_bps_
    self.auction_length = auction_length_
    log CurveSet(premium_bps=premium_bps_, auction_length=auction_length_)
