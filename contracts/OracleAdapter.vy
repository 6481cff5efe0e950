# pragma version ~=0.4.3
"""
@title OracleAdapter
@license MIT
@notice Guarded USD prices for the vyndex basket: Chainlink-style feeds behind staleness, bound,
        deviation and L2-sequencer checks; USD values and ERC-7726 `getQuote`.

@dev    FEEDS. Each asset has a primary AggregatorV3 feed (any decimals 0..18) with its own
        maximum staleness, because feeds have different heartbeats. Optional per asset: lower
        and upper price bounds, and a secondary feed (own staleness) that must agree with the
        primary within a maximum deviation. Optional for all: an L2 sequencer uptime feed with a
        grace period. Feed and token decimals are read once, when the feed is set, and stored.

        CHECKS, in this order; the first that fails names the reason (code, revert string):
           1 unknown asset        "oracle: unknown asset"          no feed set for it
          10 sequencer down       "oracle: sequencer down"         answer != 0, startedAt 0, or unreadable
          11 grace period         "oracle: sequencer grace period" now - startedAt <= grace period
           2 no answer            "oracle: no answer"              answer <= 0, >= 2**128, or unreadable
           3 zero updatedAt       "oracle: zero updatedAt"
           4 future updatedAt     "oracle: future updatedAt"       updatedAt > now
           5 stale                "oracle: stale price"            now - updatedAt > max staleness
           6 below lower bound    "oracle: price below lower bound"  price <= lower
           7 above upper bound    "oracle: price above upper bound"  price >= upper
           8 secondary failed     "oracle: secondary feed failed"  the secondary fails any of 2..5
           9 deviation            "oracle: feeds deviate"          |p - s| * 10_000 > max_bps * p
        A bound is failed AT the bound: Chainlink's minAnswer/maxAnswer circuit breakers clamp the
        answer there, so a feed stuck at its floor must not pass. Staleness and the grace period
        are inclusive the other way: an answer exactly `max_staleness` old is fresh, and a
        sequencer up for exactly `grace_period` seconds is still in its grace period.

        UNITS. price(asset) = answer * 10**(18 - feed decimals): USD per whole token, 18 decimals.
        value(asset, amount) = floor(amount * answer * 1e18 / 10**(feed dec + token dec)), exact
        (512-bit intermediate), so it never differs from the rational value by even 1 wei.

        READS. `price`, `price_pair`, `value` and `getQuote` revert with the reason above; `price_status` never
        reverts (feeds are read with a non-reverting static call) and returns (price, usable,
        code) for keepers and dashboards; the price it returns is the primary's, also when a
        later check failed, and 0 when there is none. ERC-7726 `getQuote` uses address(840) for
        USD (18 decimals) and supports asset->USD, USD->asset and asset->asset; it reverts with
        the same named reasons instead of the draft's custom errors (Vyper 0.4 has none).
        `updated_at` (never reverts) is the primary's `updatedAt`, for feeds built on top (NAV).

        ROLES. The owner (snekmate two-step transfer, no renounce) configures everything; every
        parameter is range-checked against the constants below and every change is logged.
        Nothing here is ever called by mint or redeem: the vault reads it only in views.

        GAS. Per asset, one packed slot holds the primary feed, both decimals, its staleness and
        flags for the optional checks, so a primary-only asset costs one storage read; the
        secondary and the bounds each live in their own slot, read only when flagged.
"""

from ethereum.ercs import IERC20Detailed

from snekmate.auth import ownable
from snekmate.auth import ownable_2step
from snekmate.utils import math

from .interfaces import IAggregatorV3
from .interfaces import IIndexVault
from .interfaces import IPriceOracle
from .modules import timelock

implements: IPriceOracle

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

# ERC-7726: an asset without an address is named by its ISO 4217 code; USD is 840.
USD: public(constant(address)) = 0x0000000000000000000000000000000000000348
USD_DECIMALS: public(constant(uint256)) = 18

BPS: constant(uint256) = 10_000
WAD: constant(uint256) = 10**18

MIN_STALENESS: public(constant(uint256)) = 60  # 1 minute
MAX_STALENESS: public(constant(uint256)) = 72 * 3_600  # 72 hours
MAX_DEVIATION_BPS: public(constant(uint256)) = 5_000  # 50%
MIN_GRACE_PERIOD: public(constant(uint256)) = 60  # 1 minute
MAX_GRACE_PERIOD: public(constant(uint256)) = 86_400  # 1 day
MAX_FEED_DECIMALS: public(constant(uint256)) = 18
MAX_TOKEN_DECIMALS: public(constant(uint256)) = 18
# Bounds are 18-decimal USD prices stored in 128 bits; an answer must be below 2**128 too.
MAX_BOUND: public(constant(uint256)) = 2**128 - 1
MAX_ANSWER: constant(uint256) = 2**128 - 1

# price_status reason codes.
STATUS_OK: public(constant(uint8)) = 0
STATUS_UNKNOWN_ASSET: public(constant(uint8)) = 1
STATUS_NO_ANSWER: public(constant(uint8)) = 2
STATUS_ZERO_UPDATED_AT: public(constant(uint8)) = 3
STATUS_FUTURE_UPDATED_AT: public(constant(uint8)) = 4
STATUS_STALE: public(constant(uint8)) = 5
STATUS_BELOW_LOWER_BOUND: public(constant(uint8)) = 6
STATUS_ABOVE_UPPER_BOUND: public(constant(uint8)) = 7
STATUS_SECONDARY_FAILED: public(constant(uint8)) = 8
STATUS_DEVIATION: public(constant(uint8)) = 9
STATUS_SEQUENCER_DOWN: public(constant(uint8)) = 10
STATUS_SEQUENCER_GRACE_PERIOD: public(constant(uint8)) = 11

ADDRESS_MASK: constant(uint256) = 2**160 - 1
BYTE_MASK: constant(uint256) = 2**8 - 1
TIME_MASK: constant(uint256) = 2**32 - 1
BPS_MASK: constant(uint256) = 2**16 - 1
BOUND_MASK: constant(uint256) = 2**128 - 1

# Primary slot: feed (0..159) | feed decimals (160..167) | token decimals (168..175) |
# max staleness (176..207) | has secondary (208) | has bounds (209).
FEED_DECIMALS_SHIFT: constant(uint256) = 160
TOKEN_DECIMALS_SHIFT: constant(uint256) = 168
STALENESS_SHIFT: constant(uint256) = 176
HAS_SECONDARY_BIT: constant(uint256) = 1 << 208
HAS_BOUNDS_BIT: constant(uint256) = 1 << 209
# Secondary slot: feed (0..159) | decimals (160..167) | max staleness (168..199) | deviation bps (200..215).
SECONDARY_DECIMALS_SHIFT: constant(uint256) = 160
SECONDARY_STALENESS_SHIFT: constant(uint256) = 168
DEVIATION_SHIFT: constant(uint256) = 200
# Bounds slot: lower (0..127) | upper (128..255). Sequencer slot: feed (0..159) | grace (160..191).
UPPER_SHIFT: constant(uint256) = 128
GRACE_SHIFT: constant(uint256) = 160


# ============================================================================================
# STORAGE
# ============================================================================================

struct FeedConfig:
    feed: address
    feed_decimals: uint256
    token_decimals: uint256
    max_staleness: uint256
    secondary_feed: address
    secondary_decimals: uint256
    secondary_max_staleness: uint256
    max_deviation_bps: uint256
    lower_bound: uint256
    upper_bound: uint256


struct Reading:
    code: uint8
    price: uint256
    answer: uint256
    feed_decimals: uint256
    token_decimals: uint256


_primary: HashMap[address, uint256]
_secondary: HashMap[address, uint256]
_bounds: HashMap[address, uint256]
_sequencer: uint256
# The index whose holders these prices protect: its guardian cancels, its delay applies, and
# while it is unset or has no supply changes apply at once.
vault: public(IIndexVault)


# ============================================================================================
# EVENTS
# ============================================================================================

event FeedSet:
    asset: indexed(address)
    feed: indexed(address)
    feed_decimals: uint256
    token_decimals: uint256
    max_staleness: uint256

event SecondaryFeedSet:
    asset: indexed(address)
    feed: indexed(address)
    feed_decimals: uint256
    max_staleness: uint256
    max_deviation_bps: uint256

event BoundsSet:
    asset: indexed(address)
    lower: uint256
    upper: uint256

event SequencerFeedSet:
    feed: indexed(address)
    grace_period: uint256

event FeedRemoved:
    asset: indexed(address)

event VaultSet:
    vault: indexed(address)


# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__():
    """
    @notice An adapter with no feeds; the deployer becomes the owner.
    """
    ownable.__init__()
    ownable_2step.__init__()
    timelock.__init__()


# ============================================================================================
# CONFIGURATION (owner)
# ============================================================================================

@external
def set_feed(asset: address, feed: IAggregatorV3, max_staleness: uint256):
    """
    @notice Sets the primary feed of `asset` (USD per whole token) and its maximum staleness.
    @dev Reads and stores the feed's and the token's decimals. Replacing the feed of a
         configured asset keeps its secondary feed and bounds.
    @param asset The token (0 to 18 decimals).
    @param feed An AggregatorV3 feed pricing `asset` in USD, 0 to 18 decimals.
    @param max_staleness The oldest answer accepted, in seconds: 1 minute to 72 hours, matched to
           the feed's heartbeat.
    """
    ownable._check_owner()
    assert asset != empty(address) and asset != USD, "oracle: invalid asset"
    assert asset.is_contract, "oracle: asset not a contract"
    self._check_staleness(max_staleness)
    feed_decimals: uint256 = self._feed_decimals(feed.address)
    assert feed.address != self._address_of(self._secondary[asset]), "oracle: feed is the secondary"
    token_decimals: uint256 = convert(staticcall IERC20Detailed(asset).decimals(), uint256)
    assert token_decimals <= MAX_TOKEN_DECIMALS, "oracle: token decimals over 18"

    old: uint256 = self._primary[asset]
    # The same feed with a shorter staleness only tightens.
    if not self._gate(
        slice(msg.data, 0, 100),
        self._address_of(old) == feed.address and max_staleness <= (old >> STALENESS_SHIFT) & TIME_MASK,
    ):
        return
    flags: uint256 = old & (HAS_SECONDARY_BIT | HAS_BOUNDS_BIT)
    self._primary[asset] = (
        convert(feed.address, uint256)
        | (feed_decimals << FEED_DECIMALS_SHIFT)
        | (token_decimals << TOKEN_DECIMALS_SHIFT)
        | (max_staleness << STALENESS_SHIFT)
        | flags
    )
    log FeedSet(
        asset=asset,
        feed=feed.address,
        feed_decimals=feed_decimals,
        token_decimals=token_decimals,
        max_staleness=max_staleness,
    )


@external
def set_secondary_feed(asset: address, feed: IAggregatorV3, max_staleness: uint256, max_deviation_bps: uint256):
    """
    @notice Sets (or, with the zero address, removes) the secondary feed of `asset`: it must pass
            its own answer and staleness checks and agree with the primary within
            `max_deviation_bps`.
    @param asset A configured asset.
    @param feed A second AggregatorV3 feed pricing `asset` in USD, or empty to remove it.
    @param max_staleness Its oldest answer accepted: 1 minute to 72 hours (0 when removing).
    @param max_deviation_bps The largest accepted |primary - secondary| / primary, 1 to 5,000 bps
           (0 when removing).
    """
    ownable._check_owner()
    primary: uint256 = self._known(asset)
    if feed.address == empty(address):
        assert max_staleness == 0 and max_deviation_bps == 0, "oracle: parameters without a feed"
        # Removing a check loosens.
        if not self._gate(slice(msg.data, 0, 132), False):
            return
        self._secondary[asset] = 0
        self._primary[asset] = primary & ~HAS_SECONDARY_BIT
        log SecondaryFeedSet(asset=asset, feed=empty(address), feed_decimals=0, max_staleness=0, max_deviation_bps=0)
        return

    self._check_staleness(max_staleness)
    assert max_deviation_bps > 0 and max_deviation_bps <= MAX_DEVIATION_BPS, "oracle: deviation out of range"
    feed_decimals: uint256 = self._feed_decimals(feed.address)
    assert feed.address != self._address_of(primary), "oracle: secondary is the primary"
    # A first secondary only adds a check; the same one with no longer staleness and no wider
    # deviation only tightens; anything else waits.
    old: uint256 = self._secondary[asset]
    if not self._gate(
        slice(msg.data, 0, 132),
        old == 0
        or (
            self._address_of(old) == feed.address
            and max_staleness <= (old >> SECONDARY_STALENESS_SHIFT) & TIME_MASK
            and max_deviation_bps <= (old >> DEVIATION_SHIFT) & BPS_MASK
        ),
    ):
        return
    self._secondary[asset] = (
        convert(feed.address, uint256)
        | (feed_decimals << SECONDARY_DECIMALS_SHIFT)
        | (max_staleness << SECONDARY_STALENESS_SHIFT)
        | (max_deviation_bps << DEVIATION_SHIFT)
    )
    self._primary[asset] = primary | HAS_SECONDARY_BIT
    log SecondaryFeedSet(
        asset=asset,
        feed=feed.address,
        feed_decimals=feed_decimals,
        max_staleness=max_staleness,
        max_deviation_bps=max_deviation_bps,
    )


@external
def set_bounds(asset: address, lower: uint256, upper: uint256):
    """
    @notice Sets the price bounds of `asset`, 18-decimal USD per whole token; a price at or below
            `lower`, or at or above `upper`, fails.
    @dev Set them just inside the feed's minAnswer/maxAnswer (scaled to 18 decimals), where the
         feed would clamp. 0 leaves that side unbounded; both 0 removes the check.
    @param asset A configured asset.
    @param lower The lower bound, or 0 for none.
    @param upper The upper bound, or 0 for none; above `lower` when both are set; below 2**128.
    """
    ownable._check_owner()
    primary: uint256 = self._known(asset)
    assert lower <= MAX_BOUND and upper <= MAX_BOUND, "oracle: bound too large"
    assert lower == 0 or upper == 0 or lower < upper, "oracle: lower bound not below upper"
    # A higher floor and a lower ceiling (0 = none) only tighten.
    old: uint256 = self._bounds[asset]
    old_upper: uint256 = old >> UPPER_SHIFT
    if not self._gate(
        slice(msg.data, 0, 100),
        lower >= old & BOUND_MASK and (old_upper == 0 or (upper != 0 and upper <= old_upper)),
    ):
        return
    self._bounds[asset] = lower | (upper << UPPER_SHIFT)
    if lower == 0 and upper == 0:
        self._primary[asset] = primary & ~HAS_BOUNDS_BIT
    else:
        self._primary[asset] = primary | HAS_BOUNDS_BIT
    log BoundsSet(asset=asset, lower=lower, upper=upper)


@external
def set_sequencer_feed(feed: IAggregatorV3, grace_period: uint256):
    """
    @notice Sets (or, with the zero address, removes) the L2 sequencer uptime feed that every
            price read checks first, and the grace period after the sequencer comes back up.
    @param feed A Chainlink sequencer uptime feed (answer 0 = up, 1 = down), or empty to remove it.
    @param grace_period Seconds after `startedAt` of an "up" answer during which prices still fail:
           1 minute to 1 day (0 when removing).
    """
    ownable._check_owner()
    if feed.address == empty(address):
        assert grace_period == 0, "oracle: parameters without a feed"
    else:
        assert feed.address.is_contract, "oracle: feed not a contract"
        assert MIN_GRACE_PERIOD <= grace_period and grace_period <= MAX_GRACE_PERIOD, (
            "oracle: grace period out of range"
        )
    # A first sequencer feed, or the same one with a longer grace period, only tightens.
    old: uint256 = self._sequencer
    if not self._gate(
        slice(msg.data, 0, 68),
        feed.address != empty(address)
        and (old == 0 or (self._address_of(old) == feed.address and grace_period >= old >> GRACE_SHIFT)),
    ):
        return
    self._sequencer = convert(feed.address, uint256) | (grace_period << GRACE_SHIFT)
    log SequencerFeedSet(feed=feed.address, grace_period=grace_period)


@external
def remove_feed(asset: address):
    """
    @notice Removes every feed and bound of `asset`; its prices then fail with "unknown asset".
    @dev Immediate: prices of `asset` then fail, which stops rebalancing it and never redemption.
    @param asset A configured asset.
    """
    ownable._check_owner()
    self._known(asset)
    self._primary[asset] = 0
    self._secondary[asset] = 0
    self._bounds[asset] = 0
    log FeedRemoved(asset=asset)


@external
def set_vault(vault_: IIndexVault):
    """
    @notice Binds the adapter to the index it prices: that vault's guardian may cancel queued
            changes here, its delay applies, and its supply decides whether holders exist.
    @dev The first binding applies at once; moving to another vault waits out the delay.
    @param vault_ The IndexVault.
    """
    ownable._check_owner()
    assert vault_.address.is_contract, "oracle: vault not a contract"
    if self._gate(slice(msg.data, 0, 36), self.vault.address == empty(address)):
        self.vault = vault_
        log VaultSet(vault=vault_.address)


@external
def cancel(id: bytes32):
    """
    @notice Cancels a queued change (see `eta`, and the ChangeQueued event for its calldata).
    @dev The bound vault's guardian, or the owner.
    @param id keccak256 of the queued setter call's calldata.
    """
    v: IIndexVault = self.vault
    assert msg.sender == ownable.owner or (
        v.address != empty(address) and msg.sender == staticcall v.guardian()
    ), "oracle: caller is not the guardian"
    timelock._cancel(id)


@view
@external
def delay() -> uint256:
    """
    @notice The governance delay a queued change waits here: the bound vault's, else the default.
    @return Seconds.
    """
    return self._delay()


# ============================================================================================
# READS
# ============================================================================================

@view
@external
def price(asset: address) -> uint256:
    """
    @notice USD per whole token of `asset`, 18 decimals, after every check.
    @dev Reverts with the named reason of the first failed check (see the header).
    @param asset A configured asset.
    @return The price, 18 decimals.
    """
    return self._checked(asset).price


@view
@external
def price_pair(asset_a: address, asset_b: address) -> (uint256, uint256):
    """
    @notice The prices of two assets, each exactly what `price` returns, in one call: what one
            rebalance trade needs.
    @dev Both pass every check or the call reverts with the first failure's named reason
         (`asset_a`'s checked first).
    @param asset_a A configured asset.
    @param asset_b A configured asset.
    @return The price of `asset_a`, the price of `asset_b`, 18 decimals each.
    """
    return self._checked(asset_a).price, self._checked(asset_b).price


@view
@external
def price_status(asset: address) -> (uint256, bool, uint8):
    """
    @notice The price of `asset`, whether it passed every check, and the reason code of the first
            failed check (0 when usable). Never reverts.
    @dev Codes are the STATUS_* constants. The price is the primary feed's, even when a later check
         failed (so a dashboard can show a stale or out-of-bounds price); 0 when there is none.
    @param asset Any address.
    @return The price (18 decimals), usable, the reason code.
    """
    r: Reading = self._read(asset)
    return r.price, r.code == STATUS_OK, r.code


@view
@external
def value(asset: address, amount: uint256) -> uint256:
    """
    @notice USD value of `amount` base units of `asset`, 18 decimals, rounded down.
    @dev Exactly floor(amount * answer * 1e18 / 10**(feed decimals + token decimals)). Reverts
         with the named reason of a failed check, or on overflow.
    @param asset A configured asset.
    @param amount Base units of `asset`.
    @return The value in USD, 18 decimals.
    """
    return self._to_usd(self._checked(asset), amount)


@view
@external
def getQuote(inAmount: uint256, base: address, quote: address) -> uint256:
    """
    @notice ERC-7726: the value of `inAmount` of `base` in `quote` terms, rounded down.
    @dev USD is address(840) with 18 decimals. Supports asset->USD, USD->asset, asset->asset and
         USD->USD. Every asset's price must pass its checks; reverts with the named reason
         otherwise, and on overflow.
    @param inAmount The amount of `base`, in its base units.
    @param base The asset valued (a configured asset, or USD).
    @param quote The asset to value it in (a configured asset, or USD).
    @return The amount of `quote`, in its base units.
    """
    if base == USD:
        if quote == USD:
            return inAmount
        return self._from_usd(self._checked(quote), inAmount)
    b: Reading = self._checked(base)
    if quote == USD:
        return self._to_usd(b, inAmount)
    q: Reading = self._checked(quote)
    # out = in * a_b * 10**(fq + tq) / (a_q * 10**(fb + tb)); each power is at most 10**36 and
    # each answer below 2**128, so both factors fit 256 bits and mul_div is exact.
    up: uint256 = q.feed_decimals + q.token_decimals
    down: uint256 = b.feed_decimals + b.token_decimals
    if up >= down:
        return math._mul_div(inAmount, b.answer * 10**(up - down), q.answer, False)
    return math._mul_div(inAmount, b.answer, q.answer * 10**(down - up), False)


@view
@external
def feed_config(asset: address) -> FeedConfig:
    """
    @notice Everything configured for `asset` (all zero when unknown).
    @param asset Any address.
    @return The feeds, their decimals and staleness, the deviation limit, the bounds.
    """
    primary: uint256 = self._primary[asset]
    secondary: uint256 = self._secondary[asset]
    bounds: uint256 = self._bounds[asset]
    return FeedConfig(
        feed=self._address_of(primary),
        feed_decimals=(primary >> FEED_DECIMALS_SHIFT) & BYTE_MASK,
        token_decimals=(primary >> TOKEN_DECIMALS_SHIFT) & BYTE_MASK,
        max_staleness=(primary >> STALENESS_SHIFT) & TIME_MASK,
        secondary_feed=self._address_of(secondary),
        secondary_decimals=(secondary >> SECONDARY_DECIMALS_SHIFT) & BYTE_MASK,
        secondary_max_staleness=(secondary >> SECONDARY_STALENESS_SHIFT) & TIME_MASK,
        max_deviation_bps=(secondary >> DEVIATION_SHIFT) & BPS_MASK,
        lower_bound=bounds & BOUND_MASK,
        upper_bound=bounds >> UPPER_SHIFT,
    )


@view
@external
def updated_at(asset: address) -> uint256:
    """
    @notice When the primary feed of `asset` last updated its answer, as the feed reports it.
    @dev For a consumer that derives a price from several assets and reports the oldest
         `updatedAt` (the NAV feed). Never reverts: 0 for an unknown asset or an unreadable feed.
    @param asset Any address.
    @return The primary feed's `updatedAt`, a unix timestamp.
    """
    primary: uint256 = self._primary[asset]
    if primary == 0:
        return 0
    ok: bool = False
    data: Bytes[160] = b""
    ok, data = raw_call(
        self._address_of(primary),
        method_id("latestRoundData()"),
        max_outsize=160,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not ok or len(data) < 160:
        return 0
    return convert(slice(data, 96, 32), uint256)


@view
@external
def sequencer_feed() -> (address, uint256):
    """
    @notice The L2 sequencer uptime feed and its grace period.
    @return The feed (empty when none), the grace period in seconds.
    """
    packed: uint256 = self._sequencer
    return self._address_of(packed), (packed >> GRACE_SHIFT) & TIME_MASK


@pure
@external
def reason(code: uint8) -> String[40]:
    """
    @notice The revert string `price` uses for reason code `code`.
    @param code A STATUS_* code.
    @return The reason, "" for STATUS_OK, "oracle: unknown code" for a code not defined.
    """
    return self._reason(code)


# ============================================================================================
# INTERNAL
# ============================================================================================

@view
@internal
def _checked(asset: address) -> Reading:
    r: Reading = self._read(asset)
    if r.code != STATUS_OK:
        raise self._reason(r.code)
    return r


@view
@internal
def _read(asset: address) -> Reading:
    """
    @dev Runs every check in the documented order; never reverts.
    """
    r: Reading = empty(Reading)
    primary: uint256 = self._primary[asset]
    if primary == 0:
        r.code = STATUS_UNKNOWN_ASSET
        return r

    sequencer: uint256 = self._sequencer
    if sequencer != 0:
        r.code = self._sequencer_code(sequencer)
        if r.code != STATUS_OK:
            return r

    r.feed_decimals = (primary >> FEED_DECIMALS_SHIFT) & BYTE_MASK
    r.token_decimals = (primary >> TOKEN_DECIMALS_SHIFT) & BYTE_MASK
    r.code, r.answer = self._read_feed(self._address_of(primary), (primary >> STALENESS_SHIFT) & TIME_MASK)
    if r.answer == 0:
        return r
    r.price = r.answer * 10**(MAX_FEED_DECIMALS - r.feed_decimals)
    if r.code != STATUS_OK:
        return r

    if primary & HAS_BOUNDS_BIT != 0:
        bounds: uint256 = self._bounds[asset]
        lower: uint256 = bounds & BOUND_MASK
        upper: uint256 = bounds >> UPPER_SHIFT
        if lower != 0 and r.price <= lower:
            r.code = STATUS_BELOW_LOWER_BOUND
            return r
        if upper != 0 and r.price >= upper:
            r.code = STATUS_ABOVE_UPPER_BOUND
            return r

    if primary & HAS_SECONDARY_BIT != 0:
        secondary: uint256 = self._secondary[asset]
        code: uint8 = STATUS_OK
        answer: uint256 = 0
        code, answer = self._read_feed(
            self._address_of(secondary), (secondary >> SECONDARY_STALENESS_SHIFT) & TIME_MASK
        )
        if code != STATUS_OK:
            r.code = STATUS_SECONDARY_FAILED
            return r
        other: uint256 = answer * 10**(MAX_FEED_DECIMALS - ((secondary >> SECONDARY_DECIMALS_SHIFT) & BYTE_MASK))
        gap: uint256 = max(r.price, other) - min(r.price, other)
        # Prices are below 2**188, so neither product overflows.
        if gap * BPS > ((secondary >> DEVIATION_SHIFT) & BPS_MASK) * r.price:
            r.code = STATUS_DEVIATION
            return r
    return r


@view
@internal
def _read_feed(feed: address, max_staleness: uint256) -> (uint8, uint256):
    """
    @dev The answer of `feed` and the code of its first failed check; (code, 0) when there is no
         usable answer. A reverting feed, an account without code or short return data count
         as no answer. Decoded as full words so that dirty high bits cannot make it revert.
    """
    ok: bool = False
    data: Bytes[160] = b""
    ok, data = raw_call(
        feed, method_id("latestRoundData()"), max_outsize=160, is_static_call=True, revert_on_failure=False
    )
    if not ok or len(data) < 160:
        return STATUS_NO_ANSWER, 0
    round_id: uint256 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint256 = 0
    round_id, answer, started_at, updated_at, answered_in_round = abi_decode(
        data, (uint256, int256, uint256, uint256, uint256)
    )
    if answer <= 0:
        return STATUS_NO_ANSWER, 0
    if convert(answer, uint256) > MAX_ANSWER:
        return STATUS_NO_ANSWER, 0
    if updated_at == 0:
        return STATUS_ZERO_UPDATED_AT, convert(answer, uint256)
    if updated_at > block.timestamp:
        return STATUS_FUTURE_UPDATED_AT, convert(answer, uint256)
    if block.timestamp - updated_at > max_staleness:
        return STATUS_STALE, convert(answer, uint256)
    return STATUS_OK, convert(answer, uint256)


@view
@internal
def _sequencer_code(sequencer: uint256) -> uint8:
    """
    @dev Down unless the feed is readable, answers 0 (up) and has a status start time; in the
         grace period while that start is `grace_period` seconds ago or less (or in the future).
    """
    ok: bool = False
    data: Bytes[160] = b""
    ok, data = raw_call(
        self._address_of(sequencer),
        method_id("latestRoundData()"),
        max_outsize=160,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not ok or len(data) < 160:
        return STATUS_SEQUENCER_DOWN
    round_id: uint256 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint256 = 0
    round_id, answer, started_at, updated_at, answered_in_round = abi_decode(
        data, (uint256, int256, uint256, uint256, uint256)
    )
    if answer != 0 or started_at == 0:
        return STATUS_SEQUENCER_DOWN
    if started_at >= block.timestamp or block.timestamp - started_at <= (sequencer >> GRACE_SHIFT) & TIME_MASK:
        return STATUS_SEQUENCER_GRACE_PERIOD
    return STATUS_OK


@pure
@internal
def _to_usd(r: Reading, amount: uint256) -> uint256:
    # floor(amount * answer * 1e18 / 10**(fd + td)), with fd + td in 0..36.
    digits: uint256 = r.feed_decimals + r.token_decimals
    if digits >= USD_DECIMALS:
        return math._mul_div(amount, r.answer, 10**(digits - USD_DECIMALS), False)
    return math._mul_div(amount, r.answer * 10**(USD_DECIMALS - digits), 1, False)


@pure
@internal
def _from_usd(r: Reading, usd: uint256) -> uint256:
    # floor(usd * 10**(fd + td) / (answer * 1e18)).
    digits: uint256 = r.feed_decimals + r.token_decimals
    if digits >= USD_DECIMALS:
        return math._mul_div(usd, 10**(digits - USD_DECIMALS), r.answer, False)
    return math._mul_div(usd, 1, r.answer * 10**(USD_DECIMALS - digits), False)


@view
@internal
def _known(asset: address) -> uint256:
    primary: uint256 = self._primary[asset]
    assert primary != 0, "oracle: unknown asset"
    return primary


@view
@internal
def _feed_decimals(feed: address) -> uint256:
    assert feed.is_contract, "oracle: feed not a contract"
    decimals: uint256 = convert(staticcall IAggregatorV3(feed).decimals(), uint256)
    assert decimals <= MAX_FEED_DECIMALS, "oracle: feed decimals over 18"
    return decimals


@internal
def _gate(call: Bytes[132], tightens: bool) -> bool:
    # Unbound, or bound to a vault with no supply: no holder to protect, so at once.
    v: IIndexVault = self.vault
    immediate: bool = tightens or v.address == empty(address)
    if not immediate:
        immediate = staticcall v.totalSupply() == 0
    return timelock._gate(call, immediate, self._delay())


@view
@internal
def _delay() -> uint256:
    v: IIndexVault = self.vault
    if v.address == empty(address):
        return timelock.DEFAULT_DELAY
    return staticcall v.delay()


@pure
@internal
def _check_staleness(max_staleness: uint256):
    assert max_staleness >= MIN_STALENESS and max_staleness <= MAX_STALENESS, "oracle: staleness out of range"


@pure
@internal
def _address_of(packed: uint256) -> address:
    return convert(convert(packed & ADDRESS_MASK, uint160), address)


@pure
@internal
def _reason(code: uint8) -> String[40]:
    if code == STATUS_OK:
        return ""
    if code == STATUS_UNKNOWN_ASSET:
        return "oracle: unknown asset"
    if code == STATUS_NO_ANSWER:
        return "oracle: no answer"
    if code == STATUS_ZERO_UPDATED_AT:
        return "oracle: zero updatedAt"
    if code == STATUS_FUTURE_UPDATED_AT:
        return "oracle: future updatedAt"
    if code == STATUS_STALE:
        return "oracle: stale price"
    if code == STATUS_BELOW_LOWER_BOUND:
        return "oracle: price below lower bound"
    if code == STATUS_ABOVE_UPPER_BOUND:
        return "oracle: price above upper bound"
    if code == STATUS_SECONDARY_FAILED:
        return "oracle: secondary feed failed"
    if code == STATUS_DEVIATION:
        return "oracle: feeds deviate"
    if code == STATUS_SEQUENCER_DOWN:
        return "oracle: sequencer down"
    if code == STATUS_SEQUENCER_GRACE_PERIOD:
        return "oracle: sequencer grace period"
    return "oracle: unknown code"
