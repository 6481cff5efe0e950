# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Rebalancer
@license MIT
@notice Trades an IndexVault's basket toward its target weights on Uniswap V2 pairs, never for
        less than the oracle says a trade is worth.

@dev    PLAN, THEN TRADE. The manager sets target weights (bps, summing to 10,000). When some
        component's oracle weight is further from its target than `drift_threshold_bps`,
        `start_rebalance` values the basket once through the oracle and turns the weights into
        target units (in the vault's stored-unit space, so fee accrual does not move them).
        Each `trade` then sells one component that is above its target unit for one below,
        reading only those two prices. Weights are computed from stored units and guarded
        oracle prices only: nothing a transaction can move (balances, pool reserves) is read.

        BOUNDS ON EVERY TRADE (DESIGN invariant 4).
          size     = min(sell excess, buy deficit at the oracle price, trade_cap_usd)
          min out  = max(caller's minimum, oracle-fair amount * (1 - max_slippage_bps))
          deadline = the caller's, at most MAX_DEADLINE_WINDOW ahead (never block.timestamp)
          cooldown = each component trades at most once per `cooldown` seconds
        Both prices must pass the adapter's staleness, deviation and bound checks, or the
        trade reverts with the adapter's named reason; mint and redeem never depend on this.
        The vault re-measures what came back and reverts the whole trade if it is short.
        So one trade loses at most max_slippage * trade_cap_usd against the oracle, and within
        one cooldown window at most floor(n / 2) trades can happen (each uses two components).

        THE SWAP. No token passes through this contract and no router is called: the vault sends
        what it sells straight to the pair, this contract's callback has the pair pay the vault
        (UniswapV2Library's amount out, 0.3% fee, from the pair's reserves), and a two-hop route
        pays the second pair from the first. Pairs are never taken from the caller: each is the
        CREATE2 address of the router's factory for the two tokens with Uniswap V2's pair init
        code hash, so it holds the real UniswapV2Pair code, and a trade without one reverts
        ("rebalancer: no pair"). Even a pair of a rogue factory (set by the owner) could at worst
        fail to pay: the vault's balance-delta check then reverts the whole trade.

        ROLES. owner (two-step): router (hence the factory), oracle, keepers, open trading, risk
        limits (slippage, trade cap, minimum trade, cooldown). manager (the vault's): target
        weights, drift threshold, adding and removing components. keepers: trade (anyone, once
        the owner opens trading). guardian (the vault's): pausing the vault stops trading.

        CHAINLINK AUTOMATION. `checkUpkeep` proposes the next action; `performUpkeep`
        re-checks everything on chain and uses its argument only to pick among actions that
        pass every check, so crafted data can at worst choose another valid trade.
"""

from ethereum.ercs import IERC20Detailed

from snekmate.auth import ownable
from snekmate.auth import ownable_2step

from .interfaces import IIndexVault
from .interfaces import IPriceOracle
from .interfaces import IRebalanceCallback
from .interfaces import IUniswapV2Pair
from .interfaces import IUniswapV2Router

implements: IRebalanceCallback

initializes: ownable
initializes: ownable_2step[ownable := ownable]

exports: (
    ownable.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
)


# ============================================================================================
# CONSTANTS
# ============================================================================================

MAX_COMPONENTS: constant(uint256) = 32
BPS: constant(uint256) = 10_000
WAD: constant(uint256) = 10**18

MIN_DRIFT_THRESHOLD_BPS: public(constant(uint256)) = 10  # 0.1%
MAX_DRIFT_THRESHOLD_BPS: public(constant(uint256)) = 5_000  # 50%
MAX_SLIPPAGE_BPS: public(constant(uint256)) = 500  # 5%
MIN_COOLDOWN: public(constant(uint256)) = 60  # 1 minute
MAX_COOLDOWN: public(constant(uint256)) = 7 * 86_400  # 1 week
MIN_TRADE_CAP_USD: public(constant(uint256)) = 10**18  # $1
MAX_TRADE_CAP_USD: public(constant(uint256)) = 10**30  # $1 trillion
MAX_DEADLINE_WINDOW: public(constant(uint256)) = 3_600  # 1 hour
# The deadline `checkUpkeep` writes into the data it proposes.
UPKEEP_DEADLINE_WINDOW: public(constant(uint256)) = 600

# keccak256 of UniswapV2Pair's creation code, the hash UniswapV2Router02 hard-codes too.
PAIR_INIT_CODE_HASH: public(constant(bytes32)) = 0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f
ADDRESS_MASK: constant(uint256) = 2**160 - 1

ACTION_START: public(constant(uint256)) = 1
ACTION_TRADE: public(constant(uint256)) = 2

# Layout of a component slot (index-aligned with the vault's basket).
TARGET_BPS_MASK: constant(uint256) = 2**16 - 1  # bits 0..15    target weight, bps
DECIMALS_SHIFT: constant(uint256) = 16  # bits 16..23   token decimals
DECIMALS_MASK: constant(uint256) = 2**8 - 1
LAST_TRADE_SHIFT: constant(uint256) = 24  # bits 24..63   last trade timestamp
LAST_TRADE_MASK: constant(uint256) = 2**40 - 1
TARGET_UNIT_SHIFT: constant(uint256) = 64  # bits 64..255  target stored unit

# Layout of `_config`.
SLIPPAGE_MASK: constant(uint256) = 2**16 - 1  # bits 0..15     max slippage, bps
COOLDOWN_SHIFT: constant(uint256) = 16  # bits 16..47    cooldown, seconds
COOLDOWN_MASK: constant(uint256) = 2**32 - 1
THRESHOLD_SHIFT: constant(uint256) = 48  # bits 48..63    drift threshold, bps
THRESHOLD_MASK: constant(uint256) = 2**16 - 1
OPEN_SHIFT: constant(uint256) = 64  # bit 64         open trading
STARTED_SHIFT: constant(uint256) = 72  # bits 72..111   plan timestamp
LAST_TRADE_AT_SHIFT: constant(uint256) = 112  # bits 112..151  last trade timestamp
TIME_MASK: constant(uint256) = 2**40 - 1
TRADES_SHIFT: constant(uint256) = 152  # bits 152..215  trades performed
TRADES_MASK: constant(uint256) = 2**64 - 1
SIZE_MASK: constant(uint256) = 2**128 - 1


# ============================================================================================
# STORAGE
# ============================================================================================

struct Component:
    target_bps: uint256
    decimals: uint256
    last_trade: uint256
    target_unit: uint256


struct Config:
    max_slippage_bps: uint256
    cooldown: uint256
    drift_threshold_bps: uint256
    open_trading: bool
    rebalance_started: uint256  # when the current plan was made; 0 when there is none
    last_trade_at: uint256
    trades: uint256


vault: public(immutable(IIndexVault))

oracle: public(IPriceOracle)
router: public(IUniswapV2Router)
# The router's factory: the pairs every trade goes through.
factory: public(address)
weth: public(address)

keepers: public(HashMap[address, bool])

# Limits and trading state, packed: a trade reads one slot and writes it back once.
_config: uint256
# trade_cap_usd in bits 0..127, min_trade_usd in bits 128..255.
_sizes: uint256

_components: uint256[MAX_COMPONENTS]

# Set for the duration of one trade (the vault's callback is served only then): the pair the
# vault pays, and the second pair of a two-hop route through WETH (empty for a direct one).
_pool: transient(address)
_hop: transient(address)


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

event RebalanceStarted:
    drift_bps: uint256
    target_units: DynArray[uint256, MAX_COMPONENTS]

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

event RouterSet:
    router: indexed(address)
    weth: indexed(address)
    factory: indexed(address)

event OracleSet:
    oracle: indexed(address)

event DriftThresholdSet:
    threshold_bps: uint256

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
    oracle_: IPriceOracle,
    router_: IUniswapV2Router,
    weth_: address,
    drift_threshold_bps_: uint256,
    max_slippage_bps_: uint256,
    trade_cap_usd_: uint256,
    min_trade_usd_: uint256,
    cooldown_: uint256,
):
    """
    @notice A rebalancer for `vault_`; the vault's owner must then `set_rebalancer` to it and
            the manager must set target weights.
    @param vault_ The index vault.
    @param oracle_ The oracle adapter pricing every component.
    @param router_ A UniswapV2Router02: trades go through the pairs of its factory.
    @param weth_ The intermediate token of two-hop routes (zero: direct only).
    @param drift_threshold_bps_ Drift (bps of NAV) that makes a rebalance due.
    @param max_slippage_bps_ Most a trade may lose against the oracle, bps (<= 5%).
    @param trade_cap_usd_ Largest trade, USD with 18 decimals.
    @param min_trade_usd_ Smallest trade worth making, USD with 18 decimals.
    @param cooldown_ Seconds between two trades of the same component.
    """
    ownable.__init__()
    ownable_2step.__init__()
    assert vault_.address != empty(address), "rebalancer: zero vault"
    vault = vault_
    self._set_oracle(oracle_)
    self._set_router(router_, weth_)
    self._set_drift_threshold(drift_threshold_bps_)
    self._set_limits(max_slippage_bps_, trade_cap_usd_, min_trade_usd_, cooldown_)
    tokens: DynArray[address, MAX_COMPONENTS] = (staticcall vault_.basket_state())[0]
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        self._components[i] = self._pack(
            Component(target_bps=0, decimals=self._decimals_of(tokens[i]), last_trade=0, target_unit=0)
        )


# ============================================================================================
# KEEPER ACTIONS
# ============================================================================================

@external
def start_rebalance():
    """
    @notice Values the basket through the oracle and fixes the target unit of every component;
            allowed once some weight drifts further than the threshold from its target.
    @dev Keepers only (anyone when trading is open). Every price must pass its checks.
    """
    self._check_keeper()
    self._start()


@external
def trade(
    sell_index: uint256, buy_index: uint256, via_weth: bool, min_amount_out: uint256, deadline: uint256
) -> uint256:
    """
    @notice Sells the component at `sell_index` (above its target) for the one at `buy_index`
            (below its target), sized and bounded on chain.
    @dev Keepers only (anyone when trading is open). `min_amount_out` can only tighten the
         oracle bound.
    @param sell_index Vault index of the component to sell.
    @param buy_index Vault index of the component to buy.
    @param via_weth Route through WETH (two hops) instead of the direct pair.
    @param min_amount_out The caller's own minimum of the bought component.
    @param deadline The latest timestamp the trade may execute, at most an hour ahead.
    @return The amount of the bought component the vault received.
    """
    self._check_keeper()
    return self._trade(sell_index, buy_index, via_weth, min_amount_out, deadline)


@view
@external
def checkUpkeep(checkData: Bytes[128]) -> (bool, Bytes[160]):
    """
    @notice Chainlink Automation: whether an action is due, and the data for `performUpkeep`.
    @dev A view for off-chain simulation; returns False when paused, when targets are unset or
         when any price fails its checks (the keeper waits).
    @param checkData Unused.
    @return Whether upkeep is needed, and abi-encoded (action, sell_index, buy_index, via_weth,
            deadline).
    """
    return self._check_upkeep()


@external
def performUpkeep(performData: Bytes[160]):
    """
    @notice Chainlink Automation: performs what `checkUpkeep` proposed, after re-checking it all.
    @dev The data only chooses the action and the pair; every bound is recomputed on chain.
    @param performData abi-encoded (action, sell_index, buy_index, via_weth, deadline).
    """
    self._check_keeper()
    action: uint256 = 0
    sell_index: uint256 = 0
    buy_index: uint256 = 0
    via_weth: bool = False
    deadline: uint256 = 0
    action, sell_index, buy_index, via_weth, deadline = abi_decode(
        performData, (uint256, uint256, uint256, bool, uint256)
    )
    if action == ACTION_START:
        self._start()
    elif action == ACTION_TRADE:
        self._trade(sell_index, buy_index, via_weth, 0, deadline)
    else:
        raise "rebalancer: unknown action"


@external
@reentrant
def on_rebalance_trade(sell: address, amount_in: uint256, buy: address, min_amount_out: uint256):
    """
    @notice The vault's callback inside `rebalance_trade`: the vault has just paid `amount_in` of
            `sell` into the pair this trade named; has that pair (and, on a two-hop route, the
            WETH pair after it) pay the proceeds straight to the vault.
    @dev Served only for the vault and only inside a trade this contract started. No token ever
         rests here. The vault checks what arrived against `min_amount_out` itself.
    @param sell The component the vault sent.
    @param amount_in How much of it.
    @param buy The component the vault must receive.
    @param min_amount_out The least the vault accepts (checked by the vault).
    """
    pool: address = self._pool
    assert msg.sender == vault.address and pool != empty(address), "rebalancer: unexpected callback"
    hop: address = self._hop
    if hop == empty(address):
        self._swap(pool, sell, buy, amount_in, vault.address)
    else:
        weth_: address = self.weth
        self._swap(hop, weth_, buy, self._swap(pool, sell, weth_, amount_in, hop), vault.address)


# ============================================================================================
# MANAGER
# ============================================================================================

@external
def set_targets(weights: DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice Sets every component's target weight, in basket order; clears any plan in progress.
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
def add_component(token: address, weights: DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice Adds `token` to the basket (unit zero) with new target weights for every component;
            the next rebalance buys it.
    @dev Its oracle price must pass every check now; the vault checks decimals and duplicates.
    @param token The new component.
    @param weights The new targets, in basket order with `token` last, summing to 10,000.
    """
    self._check_manager()
    assert staticcall self.oracle.price(token) > 0, "rebalancer: no price for token"
    count: uint256 = staticcall vault.component_count()
    extcall vault.add_component(token)
    self._components[count] = self._pack(
        Component(target_bps=0, decimals=self._decimals_of(token), last_trade=0, target_unit=0)
    )
    self._set_targets(weights)
    log ComponentAdded(token=token)


@external
def remove_component(index: uint256):
    """
    @notice Removes the component at `index` once its target is zero and it has been sold down
            to less than `min_trade_usd` of value.
    @param index The component's index in the vault's basket.
    """
    self._check_manager()
    count: uint256 = staticcall vault.component_count()
    assert index < count, "rebalancer: component index out of range"
    c: Component = self._unpack(self._components[index])
    assert c.target_bps == 0, "rebalancer: target not zero"
    token: address = (staticcall vault.pair_state(index, index))[0]
    # What is worth less than the smallest trade is dust.
    max_dust: uint256 = self._min_trade_usd() * 10**c.decimals // staticcall self.oracle.price(token)
    extcall vault.remove_component(index, max_dust)
    for i: uint256 in range(index, count - 1, bound=MAX_COMPONENTS):
        self._components[i] = self._components[i + 1]
    self._components[count - 1] = 0
    log ComponentRemoved(token=token)


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
    self.keepers[keeper] = allowed
    log KeeperSet(keeper=keeper, allowed=allowed)


@external
def set_open_trading(open: bool):
    """
    @notice Lets anyone trigger trades (the on-chain bounds protect the vault either way).
    @param open True to open trading to everyone.
    """
    ownable._check_owner()
    cfg: Config = self._load()
    cfg.open_trading = open
    self._store(cfg)
    log OpenTradingSet(open=open)


@external
def set_router(router_: IUniswapV2Router, weth_: address):
    """
    @notice Sets the router (trades then go through its factory's pairs) and the intermediate
            token of two-hop routes.
    @param router_ A UniswapV2Router02.
    @param weth_ The intermediate token (zero: direct routes only).
    """
    ownable._check_owner()
    self._set_router(router_, weth_)


@external
def set_oracle(oracle_: IPriceOracle):
    """
    @notice Sets the oracle adapter; clears any plan made with the old one.
    @param oracle_ The adapter.
    """
    ownable._check_owner()
    self._set_oracle(oracle_)
    cfg: Config = self._load()
    cfg.rebalance_started = 0
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
    self._set_limits(max_slippage_bps_, trade_cap_usd_, min_trade_usd_, cooldown_)


# ============================================================================================
# VIEWS
# ============================================================================================

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
    @notice When the current plan (target units) was made.
    @return A timestamp; 0 when there is no plan.
    """
    return self._load().rebalance_started


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
def target_units() -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice The current plan's target stored unit per component (zero without a plan).
    @return Stored units (18-decimal amounts per 1e18 shares, the vault's `basket_state` space),
            in basket order.
    """
    count: uint256 = staticcall vault.component_count()
    units: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        units.append(self._components[i] >> TARGET_UNIT_SHIFT)
    return units


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
        times.append((self._components[i] >> LAST_TRADE_SHIFT) & LAST_TRADE_MASK)
    return times


@view
@external
def weights() -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice Every component's current weight (bps of NAV) at oracle prices.
    @dev Reverts with the oracle's reason if a price fails its checks.
    @return Weights in basket order.
    """
    stored: DynArray[uint256, MAX_COMPONENTS] = (staticcall vault.basket_state())[1]
    values: DynArray[uint256, MAX_COMPONENTS] = []
    total: uint256 = 0
    values, total = self._values(stored)
    result: DynArray[uint256, MAX_COMPONENTS] = []
    for v: uint256 in values:
        result.append(v * BPS // max(total, 1))
    return result


@view
@external
def drift_bps() -> uint256:
    """
    @notice The largest distance between a component's weight and its target, in bps of NAV.
    @dev Reverts with the oracle's reason if a price fails its checks.
    @return The drift.
    """
    stored: DynArray[uint256, MAX_COMPONENTS] = (staticcall vault.basket_state())[1]
    values: DynArray[uint256, MAX_COMPONENTS] = []
    total: uint256 = 0
    values, total = self._values(stored)
    return self._drift(values, total)


# ============================================================================================
# INTERNAL
# ============================================================================================

@internal
def _start():
    assert not staticcall vault.paused(), "rebalancer: vault paused"
    tokens: DynArray[address, MAX_COMPONENTS] = []
    stored: DynArray[uint256, MAX_COMPONENTS] = []
    supply: uint256 = 0
    scale: uint256 = 0
    tokens, stored, supply, scale = staticcall vault.basket_state()
    assert supply > 0, "rebalancer: empty vault"

    prices: DynArray[uint256, MAX_COMPONENTS] = []
    values: DynArray[uint256, MAX_COMPONENTS] = []
    total: uint256 = 0
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        p: uint256 = staticcall self.oracle.price(tokens[i])
        prices.append(p)
        # Stored units are 18-decimal amounts, whatever the token's decimals.
        v: uint256 = stored[i] * p // WAD
        values.append(v)
        total += v
    assert self._targets_set(len(tokens)), "rebalancer: targets not set"
    drift: uint256 = self._drift(values, total)
    cfg: Config = self._load()
    assert drift > cfg.drift_threshold_bps, "rebalancer: drift within threshold"
    # A plan no trade can act on would only be re-made every block.
    assert self._drift_usd(drift, total, supply, scale) >= self._min_trade_usd(), "rebalancer: drift below minimum trade"

    # Target stored unit i = basket value (per stored unit) * weight_i / price_i, 18 decimals.
    targets: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        c: Component = self._unpack(self._components[i])
        c.target_unit = total * c.target_bps * WAD // (BPS * prices[i])
        self._components[i] = self._pack(c)
        targets.append(c.target_unit)
    cfg.rebalance_started = block.timestamp
    self._store(cfg)
    log RebalanceStarted(drift_bps=drift, target_units=targets)


@internal
def _trade(sell_index: uint256, buy_index: uint256, via_weth: bool, caller_min_out: uint256, deadline: uint256) -> uint256:
    assert deadline >= block.timestamp, "rebalancer: deadline passed"
    assert deadline <= block.timestamp + MAX_DEADLINE_WINDOW, "rebalancer: deadline too far"
    cfg: Config = self._load()
    assert cfg.rebalance_started != 0, "rebalancer: no rebalance in progress"

    sell: address = empty(address)
    sell_unit: uint256 = 0
    buy: address = empty(address)
    buy_unit: uint256 = 0
    supply: uint256 = 0
    scale: uint256 = 0
    sell, sell_unit, buy, buy_unit, supply, scale = staticcall vault.pair_state(sell_index, buy_index)
    assert sell_index != buy_index, "rebalancer: sell and buy are the same"

    s: Component = self._unpack(self._components[sell_index])
    b: Component = self._unpack(self._components[buy_index])
    assert block.timestamp >= s.last_trade + cfg.cooldown, "rebalancer: sell component cooling down"
    assert block.timestamp >= b.last_trade + cfg.cooldown, "rebalancer: buy component cooling down"
    assert sell_unit > s.target_unit, "rebalancer: sell not above target"
    assert buy_unit < b.target_unit, "rebalancer: buy not below target"

    # The route: the pair the vault pays and, through WETH, the pair after it.
    factory_: address = self.factory
    pool: address = empty(address)
    hop: address = empty(address)
    if via_weth:
        weth_: address = self.weth
        assert weth_ != empty(address) and sell != weth_ and buy != weth_, "rebalancer: no weth route"
        pool = self._pair_for(factory_, sell, weth_)
        hop = self._pair_for(factory_, weth_, buy)
        assert hop.is_contract, "rebalancer: no pair"
    else:
        pool = self._pair_for(factory_, sell, buy)
    assert pool.is_contract, "rebalancer: no pair"

    sell_price: uint256 = 0
    buy_price: uint256 = 0
    sell_price, buy_price = staticcall self.oracle.price_pair(sell, buy)
    sell_one: uint256 = 10**s.decimals
    buy_one: uint256 = 10**b.decimals

    # Size: the smallest of the sell excess, the buy deficit at the oracle price and the cap, each
    # from 18-decimal stored units to base units.
    excess: uint256 = supply * (sell_unit - s.target_unit) * scale // (WAD * WAD * 10**(18 - s.decimals))
    deficit: uint256 = supply * (b.target_unit - buy_unit) * scale // (WAD * WAD * 10**(18 - b.decimals))
    amount_in: uint256 = min(excess, deficit * buy_price * sell_one // (sell_price * buy_one))
    sizes: uint256 = self._sizes
    amount_in = min(amount_in, (sizes & SIZE_MASK) * sell_one // sell_price)
    value_in: uint256 = amount_in * sell_price // sell_one
    assert value_in >= sizes >> 128 and amount_in > 0, "rebalancer: trade below minimum size"

    # Bound: the oracle-fair output less the slippage allowance, rounded up; the caller may tighten.
    fair_out: uint256 = amount_in * sell_price * buy_one // (buy_price * sell_one)
    min_out: uint256 = (fair_out * (BPS - cfg.max_slippage_bps) + BPS - 1) // BPS
    min_out = max(min_out, caller_min_out)

    s.last_trade = block.timestamp
    b.last_trade = block.timestamp
    self._components[sell_index] = self._pack(s)
    self._components[buy_index] = self._pack(b)
    cfg.last_trade_at = block.timestamp
    cfg.trades += 1
    self._store(cfg)

    self._pool = pool
    self._hop = hop
    received: uint256 = extcall vault.rebalance_trade(sell_index, amount_in, buy_index, min_out, pool)
    self._pool = empty(address)

    value_out: uint256 = received * buy_price // buy_one
    log Trade(
        sell=sell,
        buy=buy,
        amount_in=amount_in,
        amount_out=received,
        value_in_usd=value_in,
        value_out_usd=value_out,
        slippage_bps=(convert(value_in, int256) - convert(value_out, int256)) * 10_000 // convert(max(value_in, 1), int256),
        keeper=msg.sender,
    )
    return received


@view
@internal
def _check_upkeep() -> (bool, Bytes[160]):
    if staticcall vault.paused():
        return False, b""
    tokens: DynArray[address, MAX_COMPONENTS] = []
    stored: DynArray[uint256, MAX_COMPONENTS] = []
    supply: uint256 = 0
    scale: uint256 = 0
    tokens, stored, supply, scale = staticcall vault.basket_state()
    count: uint256 = len(tokens)
    if supply == 0 or not self._targets_set(count):
        return False, b""

    prices: DynArray[uint256, MAX_COMPONENTS] = []
    values: DynArray[uint256, MAX_COMPONENTS] = []
    total: uint256 = 0
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        p: uint256 = 0
        usable: bool = False
        code: uint8 = 0
        p, usable, code = staticcall self.oracle.price_status(tokens[i])
        if not usable:
            return False, b""
        prices.append(p)
        v: uint256 = stored[i] * p // WAD
        values.append(v)
        total += v

    # With a plan: the largest ready excess against the largest ready deficit, in USD.
    cfg: Config = self._load()
    min_trade: uint256 = self._min_trade_usd()
    # A plan has a trade left only while it has both something to sell and something to buy: pool
    # fees leave a one-sided residue (bought components a little short, nothing left to sell) that
    # no trade can close, and it must not block the next plan.
    has_excess: bool = False
    has_deficit: bool = False
    if cfg.rebalance_started != 0:
        best_sell: uint256 = MAX_COMPONENTS
        best_buy: uint256 = MAX_COMPONENTS
        best_excess: uint256 = 0
        best_deficit: uint256 = 0
        for i: uint256 in range(count, bound=MAX_COMPONENTS):
            c: Component = self._unpack(self._components[i])
            ready: bool = block.timestamp >= c.last_trade + cfg.cooldown
            if stored[i] > c.target_unit:
                excess_usd: uint256 = supply * (stored[i] - c.target_unit) * scale // (WAD * WAD) * prices[i] // WAD
                if excess_usd >= min_trade:
                    has_excess = True
                    if ready and excess_usd > best_excess:
                        best_excess = excess_usd
                        best_sell = i
            elif stored[i] < c.target_unit:
                deficit_usd: uint256 = supply * (c.target_unit - stored[i]) * scale // (WAD * WAD) * prices[i] // WAD
                if deficit_usd >= min_trade:
                    has_deficit = True
                    if ready and deficit_usd > best_deficit:
                        best_deficit = deficit_usd
                        best_buy = i
        if best_sell < MAX_COMPONENTS and best_buy < MAX_COMPONENTS:
            size_usd: uint256 = min(min(best_excess, best_deficit), self._sizes & SIZE_MASK)
            if size_usd >= min_trade:
                amount_in: uint256 = size_usd * 10**self._unpack(self._components[best_sell]).decimals // prices[best_sell]
                via_weth: bool = self._better_via_weth(tokens[best_sell], tokens[best_buy], amount_in)
                return True, abi_encode(
                    ACTION_TRADE, best_sell, best_buy, via_weth, block.timestamp + UPKEEP_DEADLINE_WINDOW
                )
    # No trade left (or none ready): a new plan is due once the drift passes the threshold.
    drift: uint256 = self._drift(values, total)
    if (
        not (has_excess and has_deficit)
        and drift > cfg.drift_threshold_bps
        and self._drift_usd(drift, total, supply, scale) >= min_trade
    ):
        return True, abi_encode(ACTION_START, empty(uint256), empty(uint256), False, block.timestamp + UPKEEP_DEADLINE_WINDOW)
    return False, b""


@view
@internal
def _better_via_weth(sell: address, buy: address, amount_in: uint256) -> bool:
    """
    @dev Whether the two-hop route through WETH quotes more than the direct pair right now.
         Only a routing hint: the trade's bound is the oracle's, whichever route is taken.
    """
    weth_: address = self.weth
    if weth_ == empty(address) or sell == weth_ or buy == weth_:
        return False
    factory_: address = self.factory
    direct: uint256 = self._quote(factory_, sell, buy, amount_in)
    return self._quote(factory_, weth_, buy, self._quote(factory_, sell, weth_, amount_in)) > direct


@view
@internal
def _quote(factory_: address, token_in: address, token_out: address, amount_in: uint256) -> uint256:
    """
    @dev What the pair of the two tokens would pay for `amount_in` now; 0 without a pair.
    """
    pool: address = self._pair_for(factory_, token_in, token_out)
    if amount_in == 0 or not pool.is_contract:
        return 0
    reserve0: uint256 = 0
    reserve1: uint256 = 0
    updated: uint256 = 0
    reserve0, reserve1, updated = staticcall IUniswapV2Pair(pool).getReserves()
    if reserve0 == 0 or reserve1 == 0:
        return 0
    if convert(token_in, uint256) < convert(token_out, uint256):
        return self._amount_out(amount_in, reserve0, reserve1)
    return self._amount_out(amount_in, reserve1, reserve0)


@internal
def _swap(pool: address, token_in: address, token_out: address, amount_in: uint256, to: address) -> uint256:
    """
    @dev `amount_in` of `token_in` is already in `pool`: takes what UniswapV2Router02 would
         (UniswapV2Library.getAmountOut from the reserves) of `token_out` to `to`.
    """
    reserve0: uint256 = 0
    reserve1: uint256 = 0
    updated: uint256 = 0
    reserve0, reserve1, updated = staticcall IUniswapV2Pair(pool).getReserves()
    out: uint256 = 0
    if convert(token_in, uint256) < convert(token_out, uint256):
        out = self._amount_out(amount_in, reserve0, reserve1)
        extcall IUniswapV2Pair(pool).swap(0, out, to, b"")
    else:
        out = self._amount_out(amount_in, reserve1, reserve0)
        extcall IUniswapV2Pair(pool).swap(out, 0, to, b"")
    return out


@pure
@internal
def _amount_out(amount_in: uint256, reserve_in: uint256, reserve_out: uint256) -> uint256:
    # UniswapV2Library.getAmountOut: the 0.3% fee stays in the pool.
    assert reserve_in > 0 and reserve_out > 0, "rebalancer: empty pair"
    with_fee: uint256 = amount_in * 997
    return with_fee * reserve_out // (reserve_in * 1_000 + with_fee)


@pure
@internal
def _pair_for(factory_: address, token_a: address, token_b: address) -> address:
    """
    @dev UniswapV2Library.pairFor: the CREATE2 address of the factory's pair of the two tokens.
    """
    token0: address = token_a
    token1: address = token_b
    if convert(token_b, uint256) < convert(token_a, uint256):
        token0 = token_b
        token1 = token_a
    salt: bytes32 = keccak256(concat(convert(token0, bytes20), convert(token1, bytes20)))
    digest: bytes32 = keccak256(concat(b"\xff", convert(factory_, bytes20), salt, PAIR_INIT_CODE_HASH))
    return convert(convert(convert(digest, uint256) & ADDRESS_MASK, uint160), address)


@view
@internal
def _values(stored: DynArray[uint256, MAX_COMPONENTS]) -> (DynArray[uint256, MAX_COMPONENTS], uint256):
    """
    @dev USD value of each stored unit (the same basket scaled by supply * scale / 1e36, which
         cancels out of every weight). Prices must pass their checks.
    """
    tokens: DynArray[address, MAX_COMPONENTS] = (staticcall vault.basket_state())[0]
    values: DynArray[uint256, MAX_COMPONENTS] = []
    total: uint256 = 0
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        v: uint256 = stored[i] * staticcall self.oracle.price(tokens[i]) // WAD
        values.append(v)
        total += v
    return values, total


@view
@internal
def _drift(values: DynArray[uint256, MAX_COMPONENTS], total: uint256) -> uint256:
    if total == 0:
        return 0
    drift: uint256 = 0
    for i: uint256 in range(len(values), bound=MAX_COMPONENTS):
        weight: uint256 = values[i] * BPS // total
        target: uint256 = self._components[i] & TARGET_BPS_MASK
        drift = max(drift, max(weight, target) - min(weight, target))
    return drift


@pure
@internal
def _drift_usd(drift_bps: uint256, total: uint256, supply: uint256, scale: uint256) -> uint256:
    # `total` values one stored-unit basket; the vault holds supply * scale / 1e36 of them.
    return total * supply // WAD * scale // WAD * drift_bps // BPS


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
        c.target_unit = 0
        self._components[i] = self._pack(c)
    assert total == BPS, "rebalancer: weights must sum to 10000"
    cfg: Config = self._load()
    cfg.rebalance_started = 0
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
def _set_limits(max_slippage_bps_: uint256, trade_cap_usd_: uint256, min_trade_usd_: uint256, cooldown_: uint256):
    assert max_slippage_bps_ > 0, "rebalancer: zero slippage"
    assert max_slippage_bps_ <= MAX_SLIPPAGE_BPS, "rebalancer: slippage over cap"
    assert trade_cap_usd_ >= MIN_TRADE_CAP_USD, "rebalancer: trade cap too small"
    assert trade_cap_usd_ <= MAX_TRADE_CAP_USD, "rebalancer: trade cap too large"
    assert min_trade_usd_ > 0, "rebalancer: zero minimum trade"
    assert min_trade_usd_ <= trade_cap_usd_, "rebalancer: minimum trade over cap"
    assert cooldown_ >= MIN_COOLDOWN, "rebalancer: cooldown too short"
    assert cooldown_ <= MAX_COOLDOWN, "rebalancer: cooldown too long"
    cfg: Config = self._load()
    cfg.max_slippage_bps = max_slippage_bps_
    cfg.cooldown = cooldown_
    self._store(cfg)
    self._sizes = trade_cap_usd_ | (min_trade_usd_ << 128)
    log LimitsSet(
        max_slippage_bps=max_slippage_bps_, trade_cap_usd=trade_cap_usd_, min_trade_usd=min_trade_usd_, cooldown=cooldown_
    )


@internal
def _set_router(router_: IUniswapV2Router, weth_: address):
    assert router_.address != empty(address), "rebalancer: zero router"
    factory_: address = staticcall router_.factory()
    assert factory_ != empty(address), "rebalancer: zero factory"
    self.router = router_
    self.factory = factory_
    self.weth = weth_
    log RouterSet(router=router_.address, weth=weth_, factory=factory_)


@internal
def _set_oracle(oracle_: IPriceOracle):
    assert oracle_.address != empty(address), "rebalancer: zero oracle"
    self.oracle = oracle_
    log OracleSet(oracle=oracle_.address)


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
    return (
        c.target_bps
        | (c.decimals << DECIMALS_SHIFT)
        | (c.last_trade << LAST_TRADE_SHIFT)
        | (c.target_unit << TARGET_UNIT_SHIFT)
    )


@pure
@internal
def _unpack(packed: uint256) -> Component:
    return Component(
        target_bps=packed & TARGET_BPS_MASK,
        decimals=(packed >> DECIMALS_SHIFT) & DECIMALS_MASK,
        last_trade=(packed >> LAST_TRADE_SHIFT) & LAST_TRADE_MASK,
        target_unit=packed >> TARGET_UNIT_SHIFT,
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
        cooldown=(packed >> COOLDOWN_SHIFT) & COOLDOWN_MASK,
        drift_threshold_bps=(packed >> THRESHOLD_SHIFT) & THRESHOLD_MASK,
        open_trading=(packed >> OPEN_SHIFT) & 1 == 1,
        rebalance_started=(packed >> STARTED_SHIFT) & TIME_MASK,
        last_trade_at=(packed >> LAST_TRADE_AT_SHIFT) & TIME_MASK,
        trades=(packed >> TRADES_SHIFT) & TRADES_MASK,
    )


@internal
def _store(cfg: Config):
    self._config = (
        cfg.max_slippage_bps
        | (cfg.cooldown << COOLDOWN_SHIFT)
        | (cfg.drift_threshold_bps << THRESHOLD_SHIFT)
        | (convert(cfg.open_trading, uint256) << OPEN_SHIFT)
        | (cfg.rebalance_started << STARTED_SHIFT)
        | (cfg.last_trade_at << LAST_TRADE_AT_SHIFT)
        | (cfg.trades << TRADES_SHIFT)
    )
