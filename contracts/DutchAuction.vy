# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title DutchAuction
@license MIT
@notice The index as a maker: bidders fill the legs of a Rebalancer's plan at a price that starts
        above the oracle-fair price and decays, over the auction's length, to the oracle-fair price
        less the maximum slippage, never below. Bidders bring liquidity from anywhere and pay the
        gas.

@dev    AN AUCTION IS A VENUE. The owner lists this contract as one of the Rebalancer's venues and
        makes it a keeper. `bid` asks the Rebalancer for a trade through this venue, so every rule
        of a rebalancer trade holds for a fill exactly as for an AMM trade: the plan (a fill starts
        one or belongs to the running one, and expires with it), the size (the least of excess,
        deficit and the trade cap, at least the minimum trade), the toward-target check, the
        cooldowns and the vault's balance-delta verification. What this contract adds is the
        price: when the vault has sent it `amount` of the sold component, it takes
            pay = ceil(amount * oracle rate * factor(t) / 10,000)
        of the bought component from the bidder straight to the vault, and gives the bidder the
        `amount`. With t the seconds since the plan started and L the auction's length:
            factor(t) = 10,000 + premium - (premium + max slippage) * min(t, L) / L
        Both prices are read through the adapter's checks in the same call (a stale, deviating
        or out-of-bounds feed stops fills with the adapter's reason), and the Rebalancer's own
        floor (fair less max slippage) is checked again by the vault: no fill can pay less.
        The bidder's `max_pay` protects the bidder; `routes` is empty, so the upkeep scout never
        proposes this venue to AMM keepers.

        ACCESS. Bidding is open to anyone, or only to allowlisted bidders (owner's choice); for the
        first `launcher_window` seconds of a plan only the launcher may bid. Roles are the
        Rebalancer's: this contract's owner is set at deployment (two-step transfer).
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

from snekmate.auth import ownable
from snekmate.auth import ownable_2step
from snekmate.utils import math

from .interfaces import IPriceOracle
from .interfaces import IVenue

implements: IVenue

initializes: ownable
initializes: ownable_2step[ownable := ownable]

exports: (
    ownable.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
)


interface IAuctionedRebalancer:
    def trade(
        sell_index: uint256,
        buy_index: uint256,
        venue_index: uint256,
        route: uint256,
        min_amount_out: uint256,
        deadline: uint256,
    ) -> (uint256, uint256): nonpayable
    def venues(i: uint256) -> address: view
    def venue_count() -> uint256: view
    def rebalance_started() -> uint256: view
    def plan_active() -> bool: view
    def oracle() -> address: view
    def max_slippage_bps() -> uint256: view


# ============================================================================================
# CONSTANTS
# ============================================================================================

BPS: constant(uint256) = 10_000
MAX_PREMIUM_BPS: public(constant(uint256)) = 2_000  # the curve starts at most 20% above fair
MIN_AUCTION_LENGTH: public(constant(uint256)) = 60
MAX_AUCTION_LENGTH: public(constant(uint256)) = 7 * 86_400
MAX_LAUNCHER_WINDOW: public(constant(uint256)) = 86_400


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

# Set only while a bid runs: who pays, the most they pay, and the curve's factor and the oracle,
# read before the trade (the Rebalancer's views are locked while it trades).
_bidder: transient(address)
_max_pay: transient(uint256)
_factor_now: transient(uint256)
_oracle_now: transient(address)


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

event CurveSet:
    premium_bps: uint256
    auction_length: uint256

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
    @notice An auction venue for `rebalancer_`; its owner must then `add_venue` it and make it a keeper.
    @param rebalancer_ The Rebalancer whose plans this contract auctions.
    @param premium_bps_ How far above the oracle-fair price the curve starts, bps (<= 20%).
    @param auction_length_ Seconds from a plan's start until the price reaches its floor.
    """
    ownable.__init__()
    ownable_2step.__init__()
    assert rebalancer_.address.is_contract, "auction: rebalancer has no code"
    rebalancer = rebalancer_
    self._set_curve(premium_bps_, auction_length_)


# ============================================================================================
# BIDDING
# ============================================================================================

@external
def bid(sell_index: uint256, buy_index: uint256, max_pay: uint256, deadline: uint256) -> (uint256, uint256):
    """
    @notice Fills one leg chunk: the vault sells component `sell_index` to the caller, who pays in
            component `buy_index` at the curve's current price. The size is the Rebalancer's.
    @dev The caller must have approved this contract for `max_pay` of the bought component.
    @param sell_index Vault index of the component the index sells (above its target).
    @param buy_index Vault index of the component the index buys (below its target).
    @param max_pay The most of the bought component the caller will pay.
    @param deadline The latest timestamp the fill may execute (the Rebalancer's bound applies).
    @return What the caller received of the sold component, and what it paid of the bought one.
    """
    self._check_bidder(msg.sender)
    venue_index: uint256 = self._my_index()
    self._bidder = msg.sender
    self._max_pay = max_pay
    self._factor_now = self._factor()
    self._oracle_now = staticcall rebalancer.oracle()
    sold: uint256 = 0
    paid: uint256 = 0
    sold, paid = extcall rebalancer.trade(sell_index, buy_index, venue_index, 0, 0, deadline)
    self._bidder = empty(address)
    self.fills += 1
    return sold, paid


@view
@external
def price_factor_bps() -> uint256:
    """
    @notice The curve's factor now, bps of the oracle-fair price (10,000 = fair).
    @dev Without a running plan: the factor at the start of the next one.
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
    return self._pay(staticcall rebalancer.oracle(), sell, buy, amount, self._factor())


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
    @notice The vault pays this contract the whole chunk; it passes it to the bidder.
    @dev Outside the lock: the Rebalancer calls it in the middle of a bid. It reads no state.
    @param sell The token sold.
    @param buy The token bought.
    @param amount_in The chunk the Rebalancer sized.
    @param route Unused (0).
    @return This contract's address and `amount_in`.
    """
    return self, amount_in


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
    pay: uint256 = max(self._pay(self._oracle_now, sell, buy, amount_in, factor), min_out)
    assert pay <= self._max_pay, "auction: price above bidder's limit"
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
    @param premium_bps_ At most MAX_PREMIUM_BPS.
    @param auction_length_ From MIN_AUCTION_LENGTH to MAX_AUCTION_LENGTH seconds.
    """
    ownable._check_owner()
    self._set_curve(premium_bps_, auction_length_)


@external
def set_launcher(launcher_: address, window: uint256):
    """
    @notice Only `launcher_` may bid during the first `window` seconds of a plan (0: no window).
    @param launcher_ The launcher.
    @param window Seconds, at most MAX_LAUNCHER_WINDOW.
    """
    ownable._check_owner()
    assert window <= MAX_LAUNCHER_WINDOW, "auction: launcher window too long"
    self.launcher = launcher_
    self.launcher_window = window
    log LauncherSet(launcher=launcher_, window=window)


@external
def set_allowlist_only(allowlist_only_: bool):
    """
    @notice Restricts bidding to allowlisted bidders, or opens it to anyone.
    @param allowlist_only_ True to restrict.
    """
    ownable._check_owner()
    self.allowlist_only = allowlist_only_
    log AllowlistSet(allowlist_only=allowlist_only_)


@external
def set_bidder(bidder: address, allowed_: bool):
    """
    @notice Adds a bidder to the allowlist or removes one.
    @param bidder The bidder.
    @param allowed_ True to allow.
    """
    ownable._check_owner()
    self.allowed[bidder] = allowed_
    log BidderAllowed(bidder=bidder, allowed=allowed_)


# ============================================================================================
# INTERNAL
# ============================================================================================

@view
@internal
def _factor() -> uint256:
    premium: uint256 = self.premium_bps
    slip: uint256 = staticcall rebalancer.max_slippage_bps()
    length: uint256 = self.auction_length
    elapsed: uint256 = 0
    if staticcall rebalancer.plan_active():
        elapsed = min(block.timestamp - staticcall rebalancer.rebalance_started(), length)
    return BPS + premium - (premium + slip) * elapsed // length


@view
@internal
def _pay(oracle: address, sell: address, buy: address, amount: uint256, factor: uint256) -> uint256:
    sell_price: uint256 = 0
    buy_price: uint256 = 0
    sell_price, buy_price = staticcall IPriceOracle(oracle).price_pair(sell, buy)
    sell_one: uint256 = 10 ** convert(staticcall IERC20Detailed(sell).decimals(), uint256)
    buy_one: uint256 = 10 ** convert(staticcall IERC20Detailed(buy).decimals(), uint256)
    return math._mul_div(amount * factor, sell_price * buy_one, sell_one * buy_price * BPS, True)


@view
@internal
def _check_bidder(bidder: address):
    assert not self.allowlist_only or self.allowed[bidder], "auction: bidder not allowlisted"
    window: uint256 = self.launcher_window
    if window > 0 and bidder != self.launcher and staticcall rebalancer.plan_active():
        started: uint256 = staticcall rebalancer.rebalance_started()
        assert block.timestamp >= started + window, "auction: launcher window"


@view
@internal
def _my_index() -> uint256:
    count: uint256 = staticcall rebalancer.venue_count()
    for i: uint256 in range(count, bound=8):
        if staticcall rebalancer.venues(i) == self:
            return i
    raise "auction: not a venue of the rebalancer"


@internal
def _set_curve(premium_bps_: uint256, auction_length_: uint256):
    assert premium_bps_ <= MAX_PREMIUM_BPS, "auction: premium over cap"
    assert auction_length_ >= MIN_AUCTION_LENGTH, "auction: auction too short"
    assert auction_length_ <= MAX_AUCTION_LENGTH, "auction: auction too long"
    self.premium_bps = premium_bps_
    self.auction_length = auction_length_
    log CurveSet(premium_bps=premium_bps_, auction_length=auction_length_)
