# pragma version ~=0.4.3
"""
@title UpkeepScout
@license MIT
@notice Finds the next trade a vyndex Rebalancer can execute now, for its `checkUpkeep`: Chainlink
        Automation and the keeper bot ask the rebalancer, the rebalancer asks this contract.

@dev    LIVENESS BY SIMULATION (DESIGN invariant 9). Candidates are every component at least a
        minimum trade above its target weight (largest first) against every one at least that far
        below (largest first), at current oracle prices. For each, every route of every venue is
        run through `Rebalancer.simulate_trade`, the rebalancer's real trade in a call that always
        reverts; the first pair with a route that runs to its end is proposed, on the route with
        the best rate. So a proposal executes in the same block (the same code on the same state),
        and a pair that cannot (no pool, paused token, pool off the oracle, rounding below the
        minimum, overshoot) gives way to the next. When nothing executes, the answer says why:
        (ACTION_NONE, reason, detail, 0, 0, 0) with a REASON_* code a keeper can log.

        At most MAX_SIMULATIONS trades are simulated per call, so its gas stays bounded (about
        0.3M a simulation). The contract is stateless and ownerless: one serves every rebalancer.
        Each simulation carries a fresh salt that must come back in its revert data, so a component
        token or venue reverting with forged "success" data is not taken for a finished trade.

        VALUATION VIEWS. `values`, `nav_per_share`, `weights` and `drift_bps` of any rebalancer live
        here (the Rebalancer is at its size budget): the same floored sums its trades use.
"""

from .interfaces import IIndexVault
from .interfaces import IPriceOracle
from .interfaces import IRebalancer
from .interfaces import IVenue


# ============================================================================================
# CONSTANTS
# ============================================================================================

MAX_COMPONENTS: constant(uint256) = 32
MAX_VENUES: constant(uint256) = 4
BPS: constant(uint256) = 10_000
WAD: constant(uint256) = 10**18
# The deadline written into a proposal.
UPKEEP_DEADLINE_WINDOW: public(constant(uint256)) = 600
# The most trades one call simulates before it gives up looking.
MAX_SIMULATIONS: public(constant(uint256)) = 24

ACTION_NONE: public(constant(uint256)) = 0
ACTION_TRADE: public(constant(uint256)) = 1
REASON_PAUSED: public(constant(uint256)) = 1  # the vault is paused
REASON_NOT_READY: public(constant(uint256)) = 2  # no supply, no targets or no venue
REASON_ORACLE: public(constant(uint256)) = 3  # detail: component index << 8 | adapter code
REASON_BALANCED: public(constant(uint256)) = 4  # no plan and drift within threshold; detail: drift
REASON_NOTHING_LEFT: public(constant(uint256)) = 5  # no excess and deficit of a minimum trade each
REASON_COOLING_DOWN: public(constant(uint256)) = 6  # detail: when the first component is ready
REASON_NOT_EXECUTABLE: public(constant(uint256)) = 7  # detail: simulations tried, all reverted

SIMULATION_MARKER: constant(bytes4) = 0x53494d55  # "SIMU": a simulation that ran to the end


# ============================================================================================
# EXTERNAL
# ============================================================================================

@external
def check(rebalancer: IRebalancer) -> (bool, Bytes[192]):
    """
    @notice The next trade `rebalancer` can execute now, as its performData, or why there is none.
    @dev Not a view: each candidate is run through `rebalancer.simulate_trade`, which always
         reverts, so nothing changes. Call it with eth_call.
    @param rebalancer The rebalancer to look at.
    @return Whether a trade is due and executable, and abi-encoded (ACTION_TRADE, sell_index,
            buy_index, venue_index, route, deadline) or (ACTION_NONE, reason, detail, 0, 0, 0).
    """
    vault: IIndexVault = IIndexVault(staticcall rebalancer.vault())
    if staticcall vault.paused():
        return False, self._reason(REASON_PAUSED, 0)
    tokens: DynArray[address, MAX_COMPONENTS] = []
    stored: DynArray[uint256, MAX_COMPONENTS] = []
    supply: uint256 = 0
    scale: uint256 = 0
    tokens, stored, supply, scale = staticcall vault.basket_state()
    count: uint256 = len(tokens)
    targets: DynArray[uint256, MAX_COMPONENTS] = staticcall rebalancer.target_weights()
    venue_count: uint256 = min(staticcall rebalancer.venue_count(), MAX_VENUES)
    if supply == 0 or not self._sums_to_bps(targets) or venue_count == 0:
        return False, self._reason(REASON_NOT_READY, 0)
    oracle: IPriceOracle = IPriceOracle(staticcall rebalancer.oracle())

    values: DynArray[uint256, MAX_COMPONENTS] = []
    total: uint256 = 0
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        p: uint256 = 0
        usable: bool = False
        code: uint8 = 0
        p, usable, code = staticcall oracle.price_status(tokens[i])
        if not usable:
            return False, self._reason(REASON_ORACLE, (i << 8) | convert(code, uint256))
        v: uint256 = supply * stored[i] * scale // (WAD * WAD) * p // WAD
        values.append(v)
        total += v

    # A plan that ends before this proposal's deadline counts as ended: the trade must be able to
    # start a new one, or it could revert in a later block (the plan expired in between).
    if staticcall rebalancer.plan_expires_at() <= block.timestamp + UPKEEP_DEADLINE_WINDOW:
        drift: uint256 = self._drift(values, total, targets)
        if drift <= staticcall rebalancer.drift_threshold_bps():
            return False, self._reason(REASON_BALANCED, drift)

    # Candidates: every excess and every deficit of a minimum trade, each side largest first.
    min_trade: uint256 = staticcall rebalancer.min_trade_usd()
    last_trades: DynArray[uint256, MAX_COMPONENTS] = staticcall rebalancer.last_trades()
    cooldown: uint256 = staticcall rebalancer.cooldown()
    excess: DynArray[uint256, MAX_COMPONENTS] = []
    deficit: DynArray[uint256, MAX_COMPONENTS] = []
    ready_at: uint256 = max_value(uint256)
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        target: uint256 = total * targets[i] // BPS
        gap: uint256 = self._distance(values[i], target)
        if gap < min_trade:
            excess.append(0)
            deficit.append(0)
            continue
        if block.timestamp < last_trades[i] + cooldown:
            ready_at = min(ready_at, last_trades[i] + cooldown)
            gap = 0
        if values[i] > target:
            excess.append(gap)
            deficit.append(0)
        else:
            excess.append(0)
            deficit.append(gap)

    tried: uint256 = 0
    found_any: bool = False
    for _s: uint256 in range(MAX_COMPONENTS):
        sell: uint256 = self._largest(excess)
        if sell == MAX_COMPONENTS:
            break
        excess[sell] = 0
        remaining: DynArray[uint256, MAX_COMPONENTS] = deficit
        for _b: uint256 in range(MAX_COMPONENTS):
            buy: uint256 = self._largest(remaining)
            if buy == MAX_COMPONENTS:
                break
            remaining[buy] = 0
            found_any = True
            # Every route of every venue for this pair; the best rate that executes wins.
            best_venue: uint256 = MAX_VENUES
            best_route: uint256 = 0
            best_sold: uint256 = 0
            best_received: uint256 = 0
            for v: uint256 in range(venue_count, bound=MAX_VENUES):
                venue: IVenue = IVenue(staticcall rebalancer.venues(v))
                for route: uint256 in staticcall venue.routes(tokens[sell], tokens[buy]):
                    if tried == MAX_SIMULATIONS:
                        break
                    tried += 1
                    ok: bool = False
                    sold: uint256 = 0
                    received: uint256 = 0
                    ok, sold, received = self._simulate(rebalancer, sell, buy, v, route)
                    if ok and (best_venue == MAX_VENUES or received * best_sold > best_received * sold):
                        best_venue = v
                        best_route = route
                        best_sold = sold
                        best_received = received
            if best_venue != MAX_VENUES:
                return True, abi_encode(
                    ACTION_TRADE, sell, buy, best_venue, best_route, block.timestamp + UPKEEP_DEADLINE_WINDOW
                )
            if tried == MAX_SIMULATIONS:
                return False, self._reason(REASON_NOT_EXECUTABLE, tried)
    if found_any:
        return False, self._reason(REASON_NOT_EXECUTABLE, tried)
    if ready_at != max_value(uint256):
        return False, self._reason(REASON_COOLING_DOWN, ready_at)
    return False, self._reason(REASON_NOTHING_LEFT, 0)


# ============================================================================================
# VALUATION VIEWS (moved here from the Rebalancer, which had no room left)
# ============================================================================================

@view
@external
def values(rebalancer: IRebalancer) -> (DynArray[uint256, MAX_COMPONENTS], uint256):
    """
    @notice USD value (18 decimals) of what the supply is owed of each component, and their sum,
            at guarded oracle prices: the valuation every trade of `rebalancer` judges itself by.
    @dev Values the vault's stored units, never balances, so nothing done inside one transaction
         moves it. Every price through the adapter's `price`: a failing one reverts with the
         adapter's reason.
    @param rebalancer The rebalancer whose vault and oracle to read.
    @return Per-component values in basket order, and the basket's total.
    """
    return self._values(rebalancer, False)


@view
@external
def nav_per_share(rebalancer: IRebalancer) -> uint256:
    """
    @notice USD value (18 decimals) of one whole index token at guarded oracle prices.
    @dev Reverts with the adapter's reason if a price fails its checks.
    @param rebalancer The rebalancer whose vault and oracle to read.
    @return The value of the basket behind 1e18 shares.
    """
    return self._values(rebalancer, True)[1]


@view
@external
def weights(rebalancer: IRebalancer) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice Every component's current weight (bps of NAV) at guarded oracle prices.
    @dev Reverts with the adapter's reason if a price fails its checks.
    @param rebalancer The rebalancer whose vault and oracle to read.
    @return Weights in basket order (floored).
    """
    values: DynArray[uint256, MAX_COMPONENTS] = []
    total: uint256 = 0
    values, total = self._values(rebalancer, False)
    result: DynArray[uint256, MAX_COMPONENTS] = []
    for v: uint256 in values:
        result.append(v * BPS // max(total, 1))
    return result


@view
@external
def drift_bps(rebalancer: IRebalancer) -> uint256:
    """
    @notice The largest distance between a component's weight and its target, bps of NAV: what
            the rebalancer compares with its drift threshold.
    @dev Reverts with the adapter's reason if a price fails its checks.
    @param rebalancer The rebalancer whose vault, oracle and targets to read.
    @return The drift (0 for an empty basket).
    """
    values: DynArray[uint256, MAX_COMPONENTS] = []
    total: uint256 = 0
    values, total = self._values(rebalancer, False)
    return self._drift(values, total, staticcall rebalancer.target_weights())


# ============================================================================================
# INTERNAL
# ============================================================================================

@view
@internal
def _values(rebalancer: IRebalancer, one_share: bool) -> (DynArray[uint256, MAX_COMPONENTS], uint256):
    """
    @dev What `supply` shares (or 1e18 when `one_share`) are owed of each component in USD:
         supply * stored * scale / 1e36 (18-decimal amounts) times the guarded price, each floored:
         the same sum as the Rebalancer's own valuation.
    """
    vault: IIndexVault = IIndexVault(staticcall rebalancer.vault())
    oracle: IPriceOracle = IPriceOracle(staticcall rebalancer.oracle())
    tokens: DynArray[address, MAX_COMPONENTS] = []
    stored: DynArray[uint256, MAX_COMPONENTS] = []
    supply: uint256 = 0
    scale: uint256 = 0
    tokens, stored, supply, scale = staticcall vault.basket_state()
    if one_share:
        supply = WAD
    values: DynArray[uint256, MAX_COMPONENTS] = []
    total: uint256 = 0
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        v: uint256 = supply * stored[i] * scale // (WAD * WAD) * staticcall oracle.price(tokens[i]) // WAD
        values.append(v)
        total += v
    return values, total


@internal
def _simulate(
    rebalancer: IRebalancer, sell: uint256, buy: uint256, venue_index: uint256, route: uint256
) -> (bool, uint256, uint256):
    """
    @dev Runs `simulate_trade` and reads its revert: (True, sold, received) only if the trade ran
         to its end. The salt, unknown to anything the trade calls (it sees other calldata), must
         come back: a token or venue reverting with forged data cannot pass for a success.
    """
    salt: bytes32 = keccak256(abi_encode(block.prevrandao, msg.gas, sell, buy, venue_index, route))
    ok: bool = False
    response: Bytes[100] = b""
    ok, response = raw_call(
        rebalancer.address,
        abi_encode(
            sell,
            buy,
            venue_index,
            route,
            salt,
            method_id=method_id("simulate_trade(uint256,uint256,uint256,uint256,bytes32)"),
        ),
        max_outsize=100,
        revert_on_failure=False,
    )
    if ok or len(response) != 100 or convert(slice(response, 0, 4), bytes4) != SIMULATION_MARKER:
        return False, 0, 0
    if convert(slice(response, 4, 32), bytes32) != salt:
        return False, 0, 0
    return True, convert(slice(response, 36, 32), uint256), convert(slice(response, 68, 32), uint256)


@pure
@internal
def _largest(gaps: DynArray[uint256, MAX_COMPONENTS]) -> uint256:
    """
    @dev Index of the largest non-zero gap; MAX_COMPONENTS if every gap is zero.
    """
    best: uint256 = MAX_COMPONENTS
    largest: uint256 = 0
    for i: uint256 in range(len(gaps), bound=MAX_COMPONENTS):
        if gaps[i] > largest:
            largest = gaps[i]
            best = i
    return best


@pure
@internal
def _reason(reason: uint256, detail: uint256) -> Bytes[192]:
    return abi_encode(ACTION_NONE, reason, detail, empty(uint256), empty(uint256), empty(uint256))


@pure
@internal
def _drift(
    values: DynArray[uint256, MAX_COMPONENTS], total: uint256, targets: DynArray[uint256, MAX_COMPONENTS]
) -> uint256:
    if total == 0:
        return 0
    drift: uint256 = 0
    for i: uint256 in range(len(values), bound=MAX_COMPONENTS):
        drift = max(drift, self._distance(values[i] * BPS // total, targets[i]))
    return drift


@pure
@internal
def _sums_to_bps(targets: DynArray[uint256, MAX_COMPONENTS]) -> bool:
    total: uint256 = 0
    for t: uint256 in targets:
        total += t
    return total == BPS


@pure
@internal
def _distance(a: uint256, b: uint256) -> uint256:
    return max(a, b) - min(a, b)
