# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Rebalancer
@license MIT
@notice Trades an IndexVault's basket toward its target weights through execution venues
        (Uniswap V2 pairs, Uniswap V3 pools), every trade judged at the current oracle prices and
        never paid for with less than the oracle says it is worth.

@dev    PLANS. The manager sets target weights (bps, summing to 10,000). A plan is a window of
        rebalancing: it starts with the first trade made while some weight is further from its
        target than `drift_threshold_bps`, and ends by itself `plan_ttl` seconds later (Reserve's
        `availableUntil`). Inside the window trades go on while anything is left to trade, so the
        basket ends near its targets, not at the threshold's edge. A plan stores no target
        amounts: every trade re-reads every price and judges itself against the targets at those
        prices, so a plan cannot go stale. A plan starts only inside a trade, so plans never
        loop: plans started <= trades.

        BOUNDS ON EVERY TRADE (DESIGN invariants 4 and 8).
          size     = min(sell's excess, buy's deficit, trade_cap_usd) at current oracle prices,
                     at least min_trade_usd, in whole base units of the sold token
          min out  = ceil(sold * oracle rate * (1 - max_slippage)) in base units of the bought
                     token, exact (512-bit mul_div): what arrives is worth at least (1 - max
                     slippage) of what leaves, for 0- to 18-decimal tokens; the caller's own
                     minimum can only raise it
          toward   = after the trade neither component is further from its target weight, at
                     the same prices, than before (else "rebalancer: trade overshoots target")
          deadline = the caller's, at most MAX_DEADLINE_WINDOW ahead; cooldown per component
        Every price passes the adapter's staleness, deviation and bound checks, or the trade
        reverts with the adapter's named reason; mint and redeem never depend on this. The vault
        measures what left and what arrived by balance delta and has the last word.

        VENUES. The owner lists up to MAX_VENUES venue contracts. A trade names a venue and a
        route (a venue-specific number: a fee tier, a hop through WETH); the venue derives its
        pools from its factory, so no pool or calldata is ever taken from a caller.

        AUCTION. One venue may be the `auction` (a DutchAuction): while it is set, a trade through
        any other venue first asks it `amm_open(sell, buy)`, so a leg the auction holds (auction
        only, or auction first until it has run) is refused on the AMMs ("rebalancer: leg held in
        auction"), and the scout, which simulates the real trade, never proposes it.

        CHAINLINK AUTOMATION AND LIVENESS (DESIGN invariant 9). `checkUpkeep` is not a view: for
        each candidate (largest excess against largest deficit first, every venue and route) it
        runs the real trade inside a call that always reverts (`simulate_trade`) and proposes the
        first pair that executes, on its best route. So whatever it proposes, `performUpkeep` with
        it in the same block succeeds; a pair that cannot execute (no pool, paused token, pool off
        the oracle, rounding below the minimum) is skipped for the next; and when nothing can
        execute it says why in a reason code. State never changes: every simulation reverts.
"""

from ethereum.ercs import IERC20Detailed

from snekmate.auth import ownable
from snekmate.auth import ownable_2step
from snekmate.utils import math

from .interfaces import IIndexVault
from .interfaces import IPriceOracle
from .interfaces import IRebalanceCallback
from .interfaces import IUpkeepScout
from .interfaces import IVenue
from .modules import timelock

implements: IRebalanceCallback


# The one thing the rebalancer reads of an OracleAdapter beyond IPriceOracle.
interface IBoundOracle:
    def vault() -> address: view


# The auction venue's word on whether an AMM venue may trade a leg now (DutchAuction.amm_open).
interface IAuctionGate:
    def amm_open(sell: address, buy: address) -> bool: view


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


# ============================================================================================
# CONSTANTS
# ============================================================================================

MAX_COMPONENTS: constant(uint256) = 32
MAX_VENUES: public(constant(uint256)) = 4
BPS: constant(uint256) = 10_000
WAD: constant(uint256) = 10**18

MIN_DRIFT_THRESHOLD_BPS: public(constant(uint256)) = 10  # 0.1%
MAX_DRIFT_THRESHOLD_BPS: public(constant(uint256)) = 5_000  # 50%
MAX_SLIPPAGE_BPS: public(constant(uint256)) = 500  # 5%
MIN_COOLDOWN: public(constant(uint256)) = 60  # 1 minute
MAX_COOLDOWN: public(constant(uint256)) = 7 * 86_400  # 1 week
MIN_TRADE_CAP_USD: public(constant(uint256)) = 10**18  # $1
MAX_TRADE_CAP_USD: public(constant(uint256)) = 10**30  # $1 trillion
MIN_PLAN_TTL: public(constant(uint256)) = 600  # 10 minutes
MAX_PLAN_TTL: public(constant(uint256)) = 7 * 86_400  # 1 week
MAX_DEADLINE_WINDOW: public(constant(uint256)) = 3_600  # 1 hour
# The deadline `checkUpkeep` writes into the data it proposes.
UPKEEP_DEADLINE_WINDOW: public(constant(uint256)) = 600
# A component may leave the basket only once it is worth at most this share of NAV (and at most
# `min_trade_usd`): a hard-coded bound, so no limit an owner sets can strand a position.
MAX_REMOVED_VALUE_BPS: public(constant(uint256)) = 10  # 0.1%

# performData is abi-encoded (ACTION_TRADE, sell_index, buy_index, venue_index, route, deadline);
# the scout's answer when nothing is due starts with ACTION_NONE (see UpkeepScout).
ACTION_TRADE: public(constant(uint256)) = 1
SIMULATION_MARKER: constant(bytes4) = 0x53494d55  # "SIMU": a simulation that ran to the end

# Layout of a component slot (index-aligned with the vault's basket).
TARGET_BPS_MASK: constant(uint256) = 2**16 - 1  # bits 0..15    target weight, bps
DECIMALS_SHIFT: constant(uint256) = 16  # bits 16..23   token decimals
DECIMALS_MASK: constant(uint256) = 2**8 - 1
LAST_TRADE_SHIFT: constant(uint256) = 24  # bits 24..63   last trade timestamp

# Layout of `_config`.
SLIPPAGE_MASK: constant(uint256) = 2**16 - 1  # bits 0..15     max slippage, bps
COOLDOWN_SHIFT: constant(uint256) = 16  # bits 16..47    cooldown, seconds
U32_MASK: constant(uint256) = 2**32 - 1
THRESHOLD_SHIFT: constant(uint256) = 48  # bits 48..63    drift threshold, bps
OPEN_SHIFT: constant(uint256) = 64  # bit 64         open trading
STARTED_SHIFT: constant(uint256) = 72  # bits 72..111   plan start timestamp
LAST_TRADE_AT_SHIFT: constant(uint256) = 112  # bits 112..151  last trade timestamp
TIME_MASK: constant(uint256) = 2**40 - 1
TTL_SHIFT: constant(uint256) = 152  # bits 152..183  plan time-to-live, seconds
TRADES_SHIFT: constant(uint256) = 184  # bits 184..215  trades performed
PLANS_SHIFT: constant(uint256) = 216  # bits 216..247  plans started
SIZE_MASK: constant(uint256) = 2**128 - 1


# ============================================================================================
# STORAGE
# ============================================================================================

struct Component:
    target_bps: uint256
    decimals: uint256
    last_trade: uint256


struct Config:
    max_slippage_bps: uint256
    cooldown: uint256
    drift_threshold_bps: uint256
    open_trading: bool
    plan_started: uint256  # when the current plan started; 0 before the first
    last_trade_at: uint256
    plan_ttl: uint256
    trades: uint256
    plans: uint256


struct Basket:
    tokens: DynArray[address, MAX_COMPONENTS]
    prices: DynArray[uint256, MAX_COMPONENTS]
    values: DynArray[uint256, MAX_COMPONENTS]  # USD (18 decimals) of what the supply is owed
    total: uint256


vault: public(immutable(IIndexVault))
# Finds what `checkUpkeep` proposes (a stateless contract any rebalancer can share).
scout: public(immutable(IUpkeepScout))

oracle: public(IPriceOracle)
venues: public(DynArray[address, MAX_VENUES])
keepers: public(HashMap[address, bool])
# The venue whose `amm_open` decides whether the other venues may trade a leg (empty: none).
auction: public(address)

# Limits and trading state, packed: a trade reads one slot and writes it back once.
_config: uint256
# trade_cap_usd in bits 0..127, min_trade_usd in bits 128..255.
_sizes: uint256

_components: uint256[MAX_COMPONENTS]

# Set for the duration of one trade (the vault's callback is served only then), and the guarded
# prices the trade is judged at (the auction prices its fill from them: `trade_prices`).
_venue: transient(address)
_route: transient(uint256)
_sell_price: transient(uint256)
_buy_price: transient(uint256)


# ============================================================================================
# EVENTS
# ============================================================================================

event Trade:
    sell: indexed(address)
    buy: indexed(address)
    amount_in: uint256
    amount_out: uint256
    value_in_usd: uint256
    value_out_usd: uint256
    slippage_bps: int256
    keeper: indexed(address)
    venue: address
    route: uint256

event RebalanceStarted:
    drift_bps: uint256
    expires_at: uint256

event TargetsSet:
    weights: DynArray[uint256, MAX_COMPONENTS]

event ComponentAdded:
    token: indexed(address)

event ComponentRemoved:
    token: indexed(address)

event KeeperSet:
    keeper: indexed(address)
    allowed: bool

event OpenTradingSet:
    open: bool

event VenueAdded:
    venue: indexed(address)

event VenueRemoved:
    venue: indexed(address)

event AuctionSet:
    auction: indexed(address)

event OracleSet:
    oracle: indexed(address)

event DriftThresholdSet:
    threshold_bps: uint256

event PlanTtlSet:
    ttl: uint256

event LimitsSet:
    max_slippage_bps: uint256
    trade_cap_usd: uint256
    min_trade_usd: uint256
    cooldown: uint256


# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__(
    vault_: IIndexVault,
    scout_: IUpkeepScout,
    oracle_: IPriceOracle,
    venues_: DynArray[address, MAX_VENUES],
    drift_threshold_bps_: uint256,
    max_slippage_bps_: uint256,
    trade_cap_usd_: uint256,
    min_trade_usd_: uint256,
    cooldown_: uint256,
    plan_ttl_: uint256,
):
    """
    @notice A rebalancer for `vault_`; the vault's owner must then `set_rebalancer` to it and
            the manager must set target weights.
    @param vault_ The index vault.
    @param scout_ The UpkeepScout that `checkUpkeep` asks.
    @param oracle_ The oracle adapter pricing every component.
    @param venues_ The execution venues (UniswapV2Venue, UniswapV3Venue), at most MAX_VENUES.
    @param drift_threshold_bps_ Drift (bps of NAV) that makes a rebalance due.
    @param max_slippage_bps_ Most a trade may lose against the oracle, bps (<= 5%).
    @param trade_cap_usd_ Largest trade, USD with 18 decimals.
    @param min_trade_usd_ Smallest trade worth making, USD with 18 decimals.
    @param cooldown_ Seconds between two trades of the same component.
    @param plan_ttl_ Seconds a plan lasts once started.
    """
    ownable.__init__()
    ownable_2step.__init__()
    timelock.__init__()
    assert vault_.address != empty(address), "rebalancer: zero vault"
    vault = vault_
    assert scout_.address.is_contract, "rebalancer: scout has no code"
    scout = scout_
    self._set_oracle(oracle_)
    for venue: address in venues_:
        self._add_venue(venue)
    self._set_drift_threshold(drift_threshold_bps_)
    self._set_limits(max_slippage_bps_, trade_cap_usd_, min_trade_usd_, cooldown_, False)
    self._set_plan_ttl(plan_ttl_)
    tokens: DynArray[address, MAX_COMPONENTS] = (staticcall vault_.basket_state())[0]
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        self._components[i] = self._pack(Component(target_bps=0, decimals=self._decimals_of(tokens[i]), last_trade=0))


# ============================================================================================
# KEEPER ACTIONS
# ============================================================================================

@external
def trade(
    sell_index: uint256, buy_index: uint256, venue_index: uint256, route: uint256, min_amount_out: uint256, deadline: uint256
) -> (uint256, uint256):
    """
    @notice Sells the component at `sell_index` (above its target weight) for the one at
            `buy_index` (below its target weight) through a venue, sized and bounded on chain;
            starts a plan if none is running and the drift passes the threshold.
    @dev Keepers only (anyone when trading is open). `min_amount_out` can only tighten the
         oracle bound.
    @param sell_index Vault index of the component to sell.
    @param buy_index Vault index of the component to buy.
    @param venue_index Index of the venue in `venues`.
    @param route The venue's route number (see the venue's `routes`).
    @param min_amount_out The caller's own minimum of the bought component (0: the oracle's).
    @param deadline The latest timestamp the trade may execute, at most an hour ahead.
    @return What left the vault of the sold component, and what it received of the bought one.
    """
    self._check_keeper()
    return self._trade(sell_index, buy_index, venue_index, route, min_amount_out, deadline)


@external
@reentrant
def checkUpkeep(checkData: Bytes[16384]) -> (bool, Bytes[192]):
    """
    @notice Chainlink Automation: whether a trade is due and executable, and the data for
            `performUpkeep`; otherwise why not.
    @dev Meant for eth_call (Chainlink's interface is not a view): the scout simulates each
         candidate trade through `simulate_trade`, which always reverts, so nothing changes even
         if this is sent in a transaction. Not under the lock, so the scout can read this
         contract's views.
    @param checkData Unused; any length a registry allows.
    @return Whether upkeep is needed, and abi-encoded (ACTION_TRADE, sell_index, buy_index,
            venue_index, route, deadline) or, when not needed, (ACTION_NONE, reason, detail, 0, 0, 0).
    """
    return extcall scout.check(self)


@external
def performUpkeep(performData: Bytes[192]):
    """
    @notice Chainlink Automation: performs the trade `checkUpkeep` proposed, re-checking it all.
    @dev The data only chooses the pair, the venue and the route; every bound is recomputed.
    @param performData abi-encoded (ACTION_TRADE, sell_index, buy_index, venue_index, route, deadline).
    """
    self._check_keeper()
    action: uint256 = 0
    sell_index: uint256 = 0
    buy_index: uint256 = 0
    venue_index: uint256 = 0
    route: uint256 = 0
    deadline: uint256 = 0
    action, sell_index, buy_index, venue_index, route, deadline = abi_decode(
        performData, (uint256, uint256, uint256, uint256, uint256, uint256)
    )
    assert action == ACTION_TRADE, "rebalancer: unknown action"
    self._trade(sell_index, buy_index, venue_index, route, 0, deadline)


@external
@reentrant
def simulate_trade(sell_index: uint256, buy_index: uint256, venue_index: uint256, route: uint256, salt: bytes32):
    """
    @notice Runs a trade to its end and reverts with (SIMULATION_MARKER, salt, sold, received): how
            the scout learns, without changing state, whether a trade executes and at what rate.
    @dev Anyone may call it: it always reverts, so nothing it does persists; it skips only the
         keeper check, which guards state changes. The caller's `salt` in the revert data tells a
         finished simulation from a token or venue reverting with forged data (they never see it).
    @param sell_index Vault index of the component to sell.
    @param buy_index Vault index of the component to buy.
    @param venue_index Index of the venue in `venues`.
    @param route The venue's route number.
    @param salt Echoed in the revert data.
    """
    sold: uint256 = 0
    received: uint256 = 0
    sold, received = self._trade(sell_index, buy_index, venue_index, route, 0, block.timestamp)
    raw_revert(concat(SIMULATION_MARKER, salt, convert(sold, bytes32), convert(received, bytes32)))


@view
@external
@reentrant
def trade_prices() -> (uint256, uint256):
    """
    @notice The guarded prices the running trade is judged at: what the venue prices it from.
    @dev Only while a trade runs (the venue is asked from `prepare` on), so the auction reads each
         feed once per fill; reverts otherwise. Outside the lock, for the venue mid-trade.
    @return The sold and the bought component's USD prices, 18 decimals, as the adapter gave them.
    """
    sell_price: uint256 = self._sell_price
    assert sell_price != 0, "rebalancer: no trade running"
    return sell_price, self._buy_price


@external
@reentrant
def on_rebalance_trade(sell: address, amount_in: uint256, buy: address, min_amount_out: uint256):
    """
    @notice The vault's callback inside `rebalance_trade`: the vault has just sent `amount_in` of
            `sell` where the venue asked; has the venue swap it and pay the vault.
    @dev Served only for the vault and only inside a trade this contract started. No token ever
         rests here. The vault checks what arrived against `min_amount_out` itself.
    @param sell The component the vault sent.
    @param amount_in How much of it.
    @param buy The component the vault must receive.
    @param min_amount_out The least the vault accepts (checked by the vault).
    """
    venue: address = self._venue
    assert msg.sender == vault.address and venue != empty(address), "rebalancer: unexpected callback"
    extcall IVenue(venue).swap(sell, buy, amount_in, min_amount_out, self._route, vault.address)


# ============================================================================================
# MANAGER
# ============================================================================================

@external
def set_targets(weights: DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice Sets every component's target weight, in basket order; ends any plan in progress.
    @param weights Basis points per component, summing to 10,000.
    """
    self._check_manager()
    self._set_targets(weights)


@external
def set_drift_threshold(threshold_bps: uint256):
    """
    @notice Sets how far (bps of NAV) a weight may drift before a rebalance is due.
    @param threshold_bps From MIN_DRIFT_THRESHOLD_BPS to MAX_DRIFT_THRESHOLD_BPS.
    """
    self._check_manager()
    self._set_drift_threshold(threshold_bps)


@external
def set_plan_ttl(ttl: uint256):
    """
    @notice Sets how long a plan lasts once started; a running plan keeps its start.
    @param ttl Seconds, from MIN_PLAN_TTL to MAX_PLAN_TTL.
    """
    self._check_manager()
    self._set_plan_ttl(ttl)


@external
def add_component(token: address, weights: DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice Adds `token` to the basket (unit zero) with new target weights for every component;
            the next rebalance buys it.
    @dev Its oracle price must pass every check now; it must not be the index token or a
         component already ("already a component"), and have 0 to 18 decimals; at most 32 in all.
    @param token The new component.
    @param weights The new targets, in basket order with `token` last, summing to 10,000.
    """
    self._check_manager()
    assert staticcall self.oracle.price(token) > 0, "rebalancer: no price for token"
    tokens: DynArray[address, MAX_COMPONENTS] = (staticcall vault.basket_state())[0]
    assert token != vault.address and token not in tokens, "rebalancer: already a component"
    # A 33rd component fails the array bound here and in the vault.
    count: uint256 = len(tokens)
    decimals: uint256 = self._decimals_of(token)
    extcall vault.add_component(token)
    self._components[count] = self._pack(Component(target_bps=0, decimals=decimals, last_trade=0))
    self._set_targets(weights)
    log ComponentAdded(token=token)


@external
def remove_component(index: uint256):
    """
    @notice Removes the component at `index` once its target is zero and it has been sold down
            to at most `min_trade_usd` and at most MAX_REMOVED_VALUE_BPS of NAV.
    @dev Prices must pass their checks. What is left stays in the vault, owed to no one.
    @param index The component's index in the vault's basket.
    """
    self._check_manager()
    tokens: DynArray[address, MAX_COMPONENTS] = []
    stored: DynArray[uint256, MAX_COMPONENTS] = []
    supply: uint256 = 0
    scale: uint256 = 0
    tokens, stored, supply, scale = staticcall vault.basket_state()
    count: uint256 = len(tokens)
    assert index < count, "rebalancer: component index out of range"
    c: Component = self._unpack(self._components[index])
    assert c.target_bps == 0, "rebalancer: target not zero"
    b: Basket = self._basket(tokens, stored, supply, scale)
    # The bound is hard-coded against NAV: raising min_trade_usd cannot strand a position.
    max_usd: uint256 = min(self._min_trade_usd(), b.total * MAX_REMOVED_VALUE_BPS // BPS)
    extcall vault.remove_component(index, max_usd * 10**c.decimals // b.prices[index])
    for i: uint256 in range(index, count - 1, bound=MAX_COMPONENTS):
        self._components[i] = self._components[i + 1]
    self._components[count - 1] = 0
    log ComponentRemoved(token=tokens[index])


# ============================================================================================
# OWNER
# ============================================================================================

@external
def set_keeper(keeper: address, allowed: bool):
    """
    @notice Adds or removes a keeper.
    @param keeper The keeper's address.
    @param allowed True to allow it to trade.
    """
    ownable._check_owner()
    assert keeper != empty(address), "rebalancer: zero keeper"
    if self._gate(slice(msg.data, 0, 68), not allowed):
        self.keepers[keeper] = allowed
        log KeeperSet(keeper=keeper, allowed=allowed)


@external
def set_open_trading(open: bool):
    """
    @notice Lets anyone trigger trades (the on-chain bounds protect the vault either way).
    @param open True to open trading to everyone.
    """
    ownable._check_owner()
    if self._gate(slice(msg.data, 0, 36), not open):
        cfg: Config = self._load()
        cfg.open_trading = open
        self._store(cfg)
        log OpenTradingSet(open=open)


@external
def add_venue(venue: address):
    """
    @notice Adds an execution venue (appended to `venues`).
    @dev Queued through the governance delay while the index has holders; the venue is checked
         (has code, not listed, room under MAX_VENUES) when queued and again when applied.
    @param venue A venue contract (IVenue).
    """
    ownable._check_owner()
    self._check_new_venue(venue)
    if self._gate(slice(msg.data, 0, 36), False):
        self._add_venue(venue)


@external
def remove_venue(venue_index: uint256):
    """
    @notice Removes the venue at `venue_index`; the last venue takes its place.
    @param venue_index Its index in `venues`.
    """
    ownable._check_owner()
    count: uint256 = len(self.venues)
    assert venue_index < count, "rebalancer: unknown venue"
    venue: address = self.venues[venue_index]
    self.venues[venue_index] = self.venues[count - 1]
    self.venues.pop()
    log VenueRemoved(venue=venue)
    if venue == self.auction:
        self.auction = empty(address)
        log AuctionSet(auction=empty(address))


@external
def set_auction(auction_: address):
    """
    @notice Makes the venue `auction_` (a DutchAuction) the judge of which legs the other venues
            may trade (its `amm_open`); empty to let every venue trade every leg.
    @dev Must be one of `venues`. A new auction waits out the governance delay while the index
         has holders (it can hold legs back from the AMMs); unsetting applies at once.
    @param auction_ The auction venue, or the zero address.
    """
    ownable._check_owner()
    assert auction_ == empty(address) or auction_ in self.venues, "rebalancer: auction not a venue"
    if self._gate(slice(msg.data, 0, 36), auction_ == empty(address)):
        self.auction = auction_
        log AuctionSet(auction=auction_)


@external
def set_oracle(oracle_: IPriceOracle):
    """
    @notice Sets the oracle adapter; ends any plan made with the old one.
    @dev The adapter must be bound to this rebalancer's vault (`set_vault`): an unbound one
         would let its feeds change with no delay. Checked when queued and when applied.
    @param oracle_ The adapter.
    """
    ownable._check_owner()
    assert staticcall IBoundOracle(oracle_.address).vault() == vault.address, (
        "rebalancer: oracle not bound to this vault"
    )
    if self._gate(slice(msg.data, 0, 36), False):
        self._set_oracle(oracle_)
        cfg: Config = self._load()
        cfg.plan_started = 0
        self._store(cfg)


@external
def set_limits(max_slippage_bps_: uint256, trade_cap_usd_: uint256, min_trade_usd_: uint256, cooldown_: uint256):
    """
    @notice Sets the risk limits of every trade.
    @param max_slippage_bps_ Most a trade may lose against the oracle, bps, at most 500.
    @param trade_cap_usd_ Largest trade in USD (18 decimals), from $1 to $1e12.
    @param min_trade_usd_ Smallest trade in USD (18 decimals), at most the cap.
    @param cooldown_ Seconds between two trades of one component, 1 minute to 1 week.
    """
    ownable._check_owner()
    self._set_limits(max_slippage_bps_, trade_cap_usd_, min_trade_usd_, cooldown_, True)


@external
def cancel(id: bytes32):
    """
    @notice Cancels a queued change (see `eta`, and the ChangeQueued event for its calldata).
    @dev The vault's guardian, or the owner.
    @param id keccak256 of the queued setter call's calldata.
    """
    assert msg.sender == staticcall vault.guardian() or msg.sender == ownable.owner, "rebalancer: caller not guardian"
    timelock._cancel(id)


# ============================================================================================
# VIEWS
# ============================================================================================

@view
@external
def venue_count() -> uint256:
    """
    @notice How many venues trades may use.
    @return The length of `venues`.
    """
    return len(self.venues)


@view
@external
def open_trading() -> bool:
    """
    @notice Whether anyone, not only keepers, may trigger trades.
    @return True if trading is open.
    """
    return self._load().open_trading


@view
@external
def drift_threshold_bps() -> uint256:
    """
    @notice The drift (bps of NAV) that makes a rebalance due.
    @return The threshold.
    """
    return self._load().drift_threshold_bps


@view
@external
def max_slippage_bps() -> uint256:
    """
    @notice The most a trade may lose against the oracle, bps.
    @return The bound.
    """
    return self._load().max_slippage_bps


@view
@external
def cooldown() -> uint256:
    """
    @notice Seconds between two trades of the same component.
    @return The cooldown.
    """
    return self._load().cooldown


@view
@external
def plan_ttl() -> uint256:
    """
    @notice Seconds a plan lasts once started.
    @return The time-to-live.
    """
    return self._load().plan_ttl


@view
@external
def trade_cap_usd() -> uint256:
    """
    @notice The largest trade, USD with 18 decimals.
    @return The cap.
    """
    return self._sizes & SIZE_MASK


@view
@external
def min_trade_usd() -> uint256:
    """
    @notice The smallest trade worth making, USD with 18 decimals.
    @return The minimum.
    """
    return self._min_trade_usd()


@view
@external
def rebalance_started() -> uint256:
    """
    @notice When the current (or last) plan started.
    @return A timestamp; 0 before the first plan, or after the targets or oracle changed.
    """
    return self._load().plan_started


@view
@external
def plan_expires_at() -> uint256:
    """
    @notice When the current plan ends by itself.
    @return A timestamp; 0 without a plan. A plan is active while block.timestamp is below it.
    """
    cfg: Config = self._load()
    if cfg.plan_started == 0:
        return 0
    return cfg.plan_started + cfg.plan_ttl


@view
@external
def plan_active() -> bool:
    """
    @notice Whether a plan is running: trades may go on without the drift passing the threshold.
    @return True while the current plan has not expired.
    """
    return self._active(self._load())


@view
@external
def last_trade_at() -> uint256:
    """
    @notice When the last trade happened.
    @return A timestamp; 0 before the first.
    """
    return self._load().last_trade_at


@view
@external
def trades() -> uint256:
    """
    @notice How many trades this rebalancer has made.
    @return The count.
    """
    return self._load().trades


@view
@external
def plans() -> uint256:
    """
    @notice How many plans this rebalancer has started (each with a trade, so never more than `trades`).
    @return The count.
    """
    return self._load().plans


@view
@external
def target_weights() -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice Every component's target weight in bps, in basket order.
    @return The weights.
    """
    count: uint256 = staticcall vault.component_count()
    weights: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        weights.append(self._components[i] & TARGET_BPS_MASK)
    return weights


@view
@external
def last_trades() -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice When each component last traded.
    @return Timestamps, in basket order.
    """
    count: uint256 = staticcall vault.component_count()
    times: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        times.append(self._unpack(self._components[i]).last_trade)
    return times


# ============================================================================================
# INTERNAL
# ============================================================================================

@internal
def _trade(
    sell_index: uint256, buy_index: uint256, venue_index: uint256, route: uint256, caller_min_out: uint256, deadline: uint256
) -> (uint256, uint256):
    assert deadline >= block.timestamp, "rebalancer: deadline passed"
    assert deadline <= block.timestamp + MAX_DEADLINE_WINDOW, "rebalancer: deadline too far"
    assert sell_index != buy_index, "rebalancer: sell and buy are the same"
    assert venue_index < len(self.venues), "rebalancer: unknown venue"
    tokens: DynArray[address, MAX_COMPONENTS] = []
    stored: DynArray[uint256, MAX_COMPONENTS] = []
    supply: uint256 = 0
    scale: uint256 = 0
    tokens, stored, supply, scale = staticcall vault.basket_state()
    count: uint256 = len(tokens)
    assert sell_index < count and buy_index < count, "rebalancer: component index out of range"
    assert supply > 0, "rebalancer: empty vault"
    assert self._targets_set(count), "rebalancer: targets not set"

    cfg: Config = self._load()
    s: Component = self._unpack(self._components[sell_index])
    b: Component = self._unpack(self._components[buy_index])
    assert block.timestamp >= s.last_trade + cfg.cooldown, "rebalancer: sell component cooling down"
    assert block.timestamp >= b.last_trade + cfg.cooldown, "rebalancer: buy component cooling down"

    # Every price, through the adapter's checks: the trade is judged at the targets' values now.
    bk: Basket = self._basket(tokens, stored, supply, scale)
    if not self._active(cfg):
        drift: uint256 = self._drift(bk.values, bk.total)
        assert drift > cfg.drift_threshold_bps, "rebalancer: drift within threshold"
        cfg.plan_started = block.timestamp
        cfg.plans += 1
        log RebalanceStarted(drift_bps=drift, expires_at=block.timestamp + cfg.plan_ttl)
    sell_target: uint256 = bk.total * s.target_bps // BPS
    buy_target: uint256 = bk.total * b.target_bps // BPS
    assert bk.values[sell_index] > sell_target, "rebalancer: sell not above target"
    assert bk.values[buy_index] < buy_target, "rebalancer: buy not below target"

    # Size: the smaller of the excess and the deficit, capped, in whole base units of the sold token.
    sizes: uint256 = self._sizes
    size_usd: uint256 = min(min(bk.values[sell_index] - sell_target, buy_target - bk.values[buy_index]), sizes & SIZE_MASK)
    assert size_usd >= sizes >> 128, "rebalancer: trade below minimum size"
    sell_price: uint256 = bk.prices[sell_index]
    buy_price: uint256 = bk.prices[buy_index]
    sell_one: uint256 = 10**s.decimals
    buy_one: uint256 = 10**b.decimals
    amount: uint256 = size_usd * sell_one // sell_price
    assert amount > 0, "rebalancer: trade below minimum size"
    venue: address = self.venues[venue_index]
    self._sell_price = sell_price
    self._buy_price = buy_price
    auction_: address = self.auction
    if auction_ != empty(address) and venue != auction_:
        assert staticcall IAuctionGate(auction_).amm_open(tokens[sell_index], tokens[buy_index]), (
            "rebalancer: leg held in auction"
        )
    pay_to: address = empty(address)
    pay_to, amount = staticcall IVenue(venue).prepare(tokens[sell_index], tokens[buy_index], amount, route)
    assert amount > 0, "rebalancer: trade below minimum size"

    # Bound, exact in base units: ceil(amount * sell rate / buy rate * (1 - slippage)).
    min_out: uint256 = math._mul_div(
        amount * (BPS - cfg.max_slippage_bps), sell_price * buy_one, sell_one * buy_price * BPS, True
    )
    min_out = max(max(min_out, caller_min_out), 1)

    s.last_trade = block.timestamp
    b.last_trade = block.timestamp
    self._components[sell_index] = self._pack(s)
    self._components[buy_index] = self._pack(b)
    cfg.last_trade_at = block.timestamp
    cfg.trades += 1
    self._store(cfg)

    self._venue = venue
    self._route = route
    sold: uint256 = 0
    received: uint256 = 0
    sold, received = extcall vault.rebalance_trade(sell_index, amount, buy_index, min_out, pay_to)
    self._venue = empty(address)
    self._sell_price = 0
    self._buy_price = 0

    # Toward the targets (invariant 8): at the same prices, neither side ends further from its
    # target weight than it started.
    value_in: uint256 = sold * sell_price // sell_one
    value_out: uint256 = received * buy_price // buy_one
    after: uint256 = bk.total + value_out - value_in
    self._check_toward(bk.values[sell_index], bk.values[sell_index] - value_in, s.target_bps, bk.total, after)
    self._check_toward(bk.values[buy_index], bk.values[buy_index] + value_out, b.target_bps, bk.total, after)

    log Trade(
        sell=tokens[sell_index],
        buy=tokens[buy_index],
        amount_in=sold,
        amount_out=received,
        value_in_usd=value_in,
        value_out_usd=value_out,
        slippage_bps=(convert(value_in, int256) - convert(value_out, int256)) * 10_000 // convert(max(value_in, 1), int256),
        keeper=msg.sender,
        venue=venue,
        route=route,
    )
    return sold, received


@pure
@internal
def _check_toward(before: uint256, after: uint256, target_bps: uint256, total: uint256, total_after: uint256):
    """
    @dev |after * BPS - target * total_after| <= |before * BPS - target * total|: no further from
         the target weight (same prices) than before.
    """
    was: uint256 = self._distance(before * BPS, target_bps * total)
    now: uint256 = self._distance(after * BPS, target_bps * total_after)
    assert now <= was, "rebalancer: trade overshoots target"


@pure
@internal
def _distance(a: uint256, b: uint256) -> uint256:
    return max(a, b) - min(a, b)


@view
@internal
def _basket(
    tokens: DynArray[address, MAX_COMPONENTS], stored: DynArray[uint256, MAX_COMPONENTS], supply: uint256, scale: uint256
) -> Basket:
    """
    @dev Every price through the adapter's checks (reverting by name), and the USD value of what
         `supply` shares are owed of each component: supply * stored * scale / 1e36 (18-decimal
         amounts) times the price.
    """
    b: Basket = Basket(tokens=tokens, prices=[], values=[], total=0)
    oracle_: IPriceOracle = self.oracle
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        p: uint256 = staticcall oracle_.price(tokens[i])
        v: uint256 = supply * stored[i] * scale // (WAD * WAD) * p // WAD
        b.prices.append(p)
        b.values.append(v)
        b.total += v
    return b


@view
@internal
def _drift(values: DynArray[uint256, MAX_COMPONENTS], total: uint256) -> uint256:
    if total == 0:
        return 0
    drift: uint256 = 0
    for i: uint256 in range(len(values), bound=MAX_COMPONENTS):
        weight: uint256 = values[i] * BPS // total
        drift = max(drift, self._distance(weight, self._components[i] & TARGET_BPS_MASK))
    return drift


@view
@internal
def _active(cfg: Config) -> bool:
    return cfg.plan_started != 0 and block.timestamp < cfg.plan_started + cfg.plan_ttl


@view
@internal
def _targets_set(count: uint256) -> bool:
    total: uint256 = 0
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        total += self._components[i] & TARGET_BPS_MASK
    return total == BPS


@internal
def _set_targets(weights: DynArray[uint256, MAX_COMPONENTS]):
    count: uint256 = staticcall vault.component_count()
    assert len(weights) == count, "rebalancer: weights length mismatch"
    total: uint256 = 0
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        assert weights[i] <= BPS, "rebalancer: weight over 100%"
        total += weights[i]
        c: Component = self._unpack(self._components[i])
        c.target_bps = weights[i]
        self._components[i] = self._pack(c)
    assert total == BPS, "rebalancer: weights must sum to 10000"
    cfg: Config = self._load()
    cfg.plan_started = 0
    self._store(cfg)
    log TargetsSet(weights=weights)


@internal
def _set_drift_threshold(threshold_bps: uint256):
    assert threshold_bps >= MIN_DRIFT_THRESHOLD_BPS, "rebalancer: drift threshold too small"
    assert threshold_bps <= MAX_DRIFT_THRESHOLD_BPS, "rebalancer: drift threshold too large"
    cfg: Config = self._load()
    cfg.drift_threshold_bps = threshold_bps
    self._store(cfg)
    log DriftThresholdSet(threshold_bps=threshold_bps)


@internal
def _set_plan_ttl(ttl: uint256):
    assert ttl >= MIN_PLAN_TTL, "rebalancer: plan ttl too short"
    assert ttl <= MAX_PLAN_TTL, "rebalancer: plan ttl too long"
    cfg: Config = self._load()
    cfg.plan_ttl = ttl
    self._store(cfg)
    log PlanTtlSet(ttl=ttl)


@internal
def _set_limits(
    max_slippage_bps_: uint256, trade_cap_usd_: uint256, min_trade_usd_: uint256, cooldown_: uint256, gated: bool
):
    # Range-checked before anything is queued, and again when it is applied.
    assert max_slippage_bps_ > 0, "rebalancer: zero slippage"
    assert max_slippage_bps_ <= MAX_SLIPPAGE_BPS, "rebalancer: slippage over cap"
    assert trade_cap_usd_ >= MIN_TRADE_CAP_USD, "rebalancer: trade cap too small"
    assert trade_cap_usd_ <= MAX_TRADE_CAP_USD, "rebalancer: trade cap too large"
    assert min_trade_usd_ > 0, "rebalancer: zero minimum trade"
    assert min_trade_usd_ <= trade_cap_usd_, "rebalancer: minimum trade over cap"
    assert cooldown_ >= MIN_COOLDOWN, "rebalancer: cooldown too short"
    assert cooldown_ <= MAX_COOLDOWN, "rebalancer: cooldown too long"
    cfg: Config = self._load()
    sizes: uint256 = self._sizes
    # Tighter on every axis (no more slippage, no bigger cap, no smaller minimum, no shorter
    # cooldown) applies at once; anything else waits out the delay.
    if gated and not self._gate(
        slice(msg.data, 0, 132),
        max_slippage_bps_ <= cfg.max_slippage_bps
        and trade_cap_usd_ <= sizes & SIZE_MASK
        and min_trade_usd_ >= sizes >> 128
        and cooldown_ >= cfg.cooldown,
    ):
        return
    cfg.max_slippage_bps = max_slippage_bps_
    cfg.cooldown = cooldown_
    self._store(cfg)
    self._sizes = trade_cap_usd_ | (min_trade_usd_ << 128)
    log LimitsSet(
        max_slippage_bps=max_slippage_bps_, trade_cap_usd=trade_cap_usd_, min_trade_usd=min_trade_usd_, cooldown=cooldown_
    )


@internal
def _add_venue(venue: address):
    self._check_new_venue(venue)
    self.venues.append(venue)
    log VenueAdded(venue=venue)


@view
@internal
def _check_new_venue(venue: address):
    # Checked before a venue is queued, and again when it is applied.
    assert venue.is_contract, "rebalancer: venue has no code"
    assert venue not in self.venues, "rebalancer: duplicate venue"
    assert len(self.venues) < MAX_VENUES, "rebalancer: too many venues"


@internal
def _set_oracle(oracle_: IPriceOracle):
    assert oracle_.address != empty(address), "rebalancer: zero oracle"
    self.oracle = oracle_
    log OracleSet(oracle=oracle_.address)


@internal
def _gate(call: Bytes[132], tightens: bool) -> bool:
    # With no index supply there is no holder to protect: configure a fresh index at once.
    # The delay is the vault's: one per index.
    return timelock._gate(call, tightens or staticcall vault.totalSupply() == 0, staticcall vault.delay())


@view
@internal
def _check_keeper():
    assert self.keepers[msg.sender] or self._load().open_trading, "rebalancer: caller is not a keeper"


@view
@internal
def _check_manager():
    assert msg.sender == staticcall vault.manager(), "rebalancer: caller is not the manager"


@view
@internal
def _decimals_of(token: address) -> uint256:
    decimals: uint256 = convert(staticcall IERC20Detailed(token).decimals(), uint256)
    assert decimals <= 18, "rebalancer: decimals over 18"
    return decimals


@pure
@internal
def _pack(c: Component) -> uint256:
    return c.target_bps | (c.decimals << DECIMALS_SHIFT) | (c.last_trade << LAST_TRADE_SHIFT)


@pure
@internal
def _unpack(packed: uint256) -> Component:
    return Component(
        target_bps=packed & TARGET_BPS_MASK,
        decimals=(packed >> DECIMALS_SHIFT) & DECIMALS_MASK,
        last_trade=packed >> LAST_TRADE_SHIFT,
    )


@view
@internal
def _min_trade_usd() -> uint256:
    return self._sizes >> 128


@view
@internal
def _load() -> Config:
    packed: uint256 = self._config
    return Config(
        max_slippage_bps=packed & SLIPPAGE_MASK,
        cooldown=(packed >> COOLDOWN_SHIFT) & U32_MASK,
        drift_threshold_bps=(packed >> THRESHOLD_SHIFT) & SLIPPAGE_MASK,
        open_trading=(packed >> OPEN_SHIFT) & 1 == 1,
        plan_started=(packed >> STARTED_SHIFT) & TIME_MASK,
        last_trade_at=(packed >> LAST_TRADE_AT_SHIFT) & TIME_MASK,
        plan_ttl=(packed >> TTL_SHIFT) & U32_MASK,
        trades=(packed >> TRADES_SHIFT) & U32_MASK,
        plans=(packed >> PLANS_SHIFT) & U32_MASK,
    )


@internal
def _store(cfg: Config):
    self._config = (
        cfg.max_slippage_bps
        | (cfg.cooldown << COOLDOWN_SHIFT)
        | (cfg.drift_threshold_bps << THRESHOLD_SHIFT)
        | (convert(cfg.open_trading, uint256) << OPEN_SHIFT)
        | (cfg.plan_started << STARTED_SHIFT)
        | (cfg.last_trade_at << LAST_TRADE_AT_SHIFT)
        | (cfg.plan_ttl << TTL_SHIFT)
        | (cfg.trades << TRADES_SHIFT)
        | (cfg.plans << PLANS_SHIFT)
    )
