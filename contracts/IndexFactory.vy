# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title IndexFactory
@license MIT
@notice Anyone creates a vyndex index here in one transaction: its oracle adapter, vault and
        rebalancer (and optionally a NAV feed) from EIP-5202 blueprints, wired, seeded with a
        first mint in kind from the creator, and listed in a registry.

@dev    BLUEPRINTS. The oracle adapter and NAV feed are deployed with `create_from_blueprint`
        (EIP-5202 header, `code_offset=3`). The vault's init code (runtime plus constructor,
        24.8 kB) is over EIP-170's 24,576 bytes, so it cannot sit in one blueprint, and the
        rebalancer's is within 0.3 kB of it: each is split into two EIP-5202 blueprints, a head
        of exactly CHUNK bytes and a tail zero-padded to TAIL bytes, which `_initcode` copies
        back together (EXTCODECOPY) and cuts to the init code's length (a constructor argument)
        before a CREATE2 (`raw_create`); up to CHUNK + TAIL = 36.8 kB of init code
        fits, so the contracts can grow to EIP-170's runtime limit. Every blueprint is fixed at
        this factory's construction: a factory is one version of the protocol, and a new version
        is a new factory. The UpkeepScout and the venues are stateless, so this factory's own
        are shared by every index it creates (immutable).

        ORACLE ADAPTER: ONE PER INDEX, OWNED BY ITS CREATOR. An adapter's owner chooses the feeds
        that every trade of the rebalancer trusts, so a shared adapter would make the factory's
        owner a party to every index: creation would not be permissionless, and one key could
        move every index's prices. A per-index adapter costs one more blueprint deployment (see
        BENCHMARKS.md) and leaves no one but the creator in the trust path. The factory sets the
        feeds from the creator's parameters and checks, before anything else is deployed, that
        every component's price passes all of the adapter's checks ("factory: stale feed",
        "factory: no price", "factory: price refused").

        OWNERSHIP. A vault, rebalancer and adapter make their deployer (this factory) the owner
        and the vault's constructor takes its manager, so the factory is the vault's manager and
        every contract's owner for the span of `create`: it sets the rebalancer, the targets,
        the keepers and the fees, then names the creator's manager and proposes the creator
        (msg.sender) as the next owner of all three (snekmate's two-step transfer). The creator
        then calls `accept_ownership` on each. Until then the factory stays the owner on paper
        only: it has no function that calls an index after `create` returns, so its ownership
        is inert, and nobody but the creator can complete the transfer. The guardian and fee
        recipient go straight into the vault's constructor.

        SEED. No empty index ever exists: `create` pulls exactly `vault.preview_mint(shares)` of
        every component from the creator (who approved this factory), approves the vault for
        exactly that, and mints `initial_shares` to the creator in the same transaction, before
        any fee is set. Zero shares are refused ("factory: zero initial shares"), and the
        creator bounds what it pays ("factory: seed over max").

        SALT. Every contract of an index is created with CREATE2 under
            salt = keccak256(abi_encode(creator, keccak256(abi_encode(params)), nonce[creator]))
        (Reserve's FolioDeployer): the address depends on who creates, what, and how many indexes
        they created before. The creator's nonce then increments, so the same spec twice from the
        same creator gives a second index at a different address (both are listed); nobody can
        front-run a creator into its address, because the creator is part of the salt.

        REGISTRY. `indexes(i)` for i < `index_count` enumerates vaults in creation order;
        `index_info(vault)` returns the index's contracts and creator; `is_vault`,
        `is_rebalancer` and `vault_of_rebalancer` answer reverse lookups; `IndexCreated` carries
        everything an indexer needs. Being listed means "created by this factory's code with
        these checks", not "a good index": the creator chose the tokens and feeds.

        PAUSE. The owner (two-step, no renounce) can pause new creations. It cannot touch an
        existing index: the factory holds no role it can use after `create`.
"""

from ethereum.ercs import IERC20

from snekmate.auth import ownable
from snekmate.auth import ownable_2step

initializes: ownable
initializes: ownable_2step[ownable := ownable]

exports: (
    ownable.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
)


interface IVault:
    def preview_mint(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]: view
    def mint(
        shares: uint256, receiver: address, max_amounts_in: DynArray[uint256, MAX_COMPONENTS]
    ) -> DynArray[uint256, MAX_COMPONENTS]: nonpayable
    def set_rebalancer(rebalancer_: address): nonpayable
    def set_manager(manager_: address): nonpayable
    def set_management_fee(fee: uint256): nonpayable
    def set_mint_fee(fee_bps: uint256): nonpayable
    def set_redeem_fee(fee_bps: uint256): nonpayable
    def transfer_ownership(new_owner: address): nonpayable


interface IRebalancerSetup:
    def set_targets(weights: DynArray[uint256, MAX_COMPONENTS]): nonpayable
    def set_keeper(keeper: address, allowed: bool): nonpayable
    def transfer_ownership(new_owner: address): nonpayable


interface IOracleSetup:
    def set_feed(asset: address, feed: address, max_staleness: uint256): nonpayable
    def set_bounds(asset: address, lower: uint256, upper: uint256): nonpayable
    def set_secondary_feed(asset: address, feed: address, max_staleness: uint256, max_deviation_bps: uint256): nonpayable
    def price_status(asset: address) -> (uint256, bool, uint8): view
    def set_vault(vault_: address): nonpayable
    def transfer_ownership(new_owner: address): nonpayable


# ============================================================================================
# CONSTANTS
# ============================================================================================

VERSION: public(constant(String[8])) = "1"
MAX_COMPONENTS: public(constant(uint256)) = 32
MAX_VENUES: public(constant(uint256)) = 4
MAX_KEEPERS: public(constant(uint256)) = 4
# A split blueprint: the head holds exactly CHUNK bytes of init code, the tail the rest,
# zero-padded to exactly TAIL bytes.
CHUNK: public(constant(uint256)) = 12_288
TAIL: constant(uint256) = 24_573  # EIP-170 less the EIP-5202 header
MAX_INITCODE: constant(uint256) = CHUNK + TAIL
HEADER: constant(uint256) = 3

# OracleAdapter.price_status codes the factory names.
STATUS_NO_ANSWER: constant(uint8) = 2
STATUS_ZERO_UPDATED_AT: constant(uint8) = 3
STATUS_FUTURE_UPDATED_AT: constant(uint8) = 4
STATUS_STALE: constant(uint8) = 5


# ============================================================================================
# IMMUTABLES
# ============================================================================================

# Split blueprints: [head, tail]; and the lengths of their init code.
VAULT_BLUEPRINT: public(immutable(address[2]))
REBALANCER_BLUEPRINT: public(immutable(address[2]))
VAULT_INITCODE_LENGTH: public(immutable(uint256))
REBALANCER_INITCODE_LENGTH: public(immutable(uint256))
ORACLE_BLUEPRINT: public(immutable(address))
# Zero: this factory creates no NAV feeds.
NAV_FEED_BLUEPRINT: public(immutable(address))
# Shared by every index: stateless.
SCOUT: public(immutable(address))
VENUES: immutable(DynArray[address, MAX_VENUES])


# ============================================================================================
# STORAGE
# ============================================================================================

struct ComponentParams:
    token: address
    unit: uint256  # base units per whole index token (the seed pays shares * unit / 1e18)
    weight_bps: uint256  # target weight
    feed: address  # primary AggregatorV3 feed, USD
    max_staleness: uint256
    lower_bound: uint256  # 18-decimal USD; both 0: no bounds
    upper_bound: uint256
    secondary_feed: address  # zero: none
    secondary_max_staleness: uint256
    max_deviation_bps: uint256


struct CreateParams:
    name: String[25]
    symbol: String[5]
    components: DynArray[ComponentParams, MAX_COMPONENTS]
    manager: address
    guardian: address
    fee_recipient: address
    keepers: DynArray[address, MAX_KEEPERS]
    drift_threshold_bps: uint256
    max_slippage_bps: uint256
    trade_cap_usd: uint256
    min_trade_usd: uint256
    cooldown: uint256
    plan_ttl: uint256
    management_fee: uint256
    mint_fee_bps: uint256
    redeem_fee_bps: uint256
    initial_shares: uint256
    max_amounts_in: DynArray[uint256, MAX_COMPONENTS]
    nav_feed_description: String[64]  # empty: no NAV feed


struct IndexInfo:
    vault: address
    rebalancer: address
    oracle: address
    nav_feed: address
    creator: address
    id: uint256
    created_at: uint256


paused: public(bool)
index_count: public(uint256)
indexes: public(HashMap[uint256, address])
nonces: public(HashMap[address, uint256])
vault_of_rebalancer: public(HashMap[address, address])
_info: HashMap[address, IndexInfo]


# ============================================================================================
# EVENTS
# ============================================================================================

event IndexCreated:
    vault: indexed(address)
    rebalancer: indexed(address)
    creator: indexed(address)
    oracle: address
    nav_feed: address
    id: uint256
    symbol: String[5]
    initial_shares: uint256
    salt: bytes32

event PausedSet:
    paused: bool


# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__(
    vault_blueprint: address[2],
    vault_initcode_length: uint256,
    rebalancer_blueprint: address[2],
    rebalancer_initcode_length: uint256,
    oracle_blueprint: address,
    nav_feed_blueprint: address,
    scout: address,
    venues: DynArray[address, MAX_VENUES],
):
    """
    @notice A factory over these blueprints and shared contracts; the deployer owns it (pause).
    @param vault_blueprint The IndexVault's init code as two blueprints (EIP-5202, 3-byte
           header): the first CHUNK bytes, and the rest padded with zeros to TAIL bytes.
    @param vault_initcode_length The IndexVault's init code length, CHUNK to CHUNK + TAIL.
    @param rebalancer_blueprint The Rebalancer's, split the same way.
    @param rebalancer_initcode_length Its init code length.
    @param oracle_blueprint The OracleAdapter blueprint.
    @param nav_feed_blueprint The IndexNavFeed blueprint, or zero for no NAV feeds.
    @param scout The UpkeepScout every rebalancer asks.
    @param venues The venues every rebalancer trades through (1 to MAX_VENUES).
    """
    ownable.__init__()
    ownable_2step.__init__()
    for bp: address in [oracle_blueprint, scout]:
        assert bp.is_contract, "factory: no code"
    for pair: address[2] in [vault_blueprint, rebalancer_blueprint]:
        assert pair[0].codesize == HEADER + CHUNK, "factory: bad blueprint head"
        assert pair[1].codesize == HEADER + TAIL, "factory: bad blueprint tail"
    for length: uint256 in [vault_initcode_length, rebalancer_initcode_length]:
        assert length > CHUNK and length <= MAX_INITCODE, "factory: bad init code length"
    assert nav_feed_blueprint == empty(address) or nav_feed_blueprint.is_contract, "factory: no code"
    assert len(venues) > 0, "factory: no venue"
    for v: address in venues:
        assert v.is_contract, "factory: no code"
    VAULT_BLUEPRINT = vault_blueprint
    REBALANCER_BLUEPRINT = rebalancer_blueprint
    VAULT_INITCODE_LENGTH = vault_initcode_length
    REBALANCER_INITCODE_LENGTH = rebalancer_initcode_length
    ORACLE_BLUEPRINT = oracle_blueprint
    NAV_FEED_BLUEPRINT = nav_feed_blueprint
    SCOUT = scout
    VENUES = venues


# ============================================================================================
# CREATE
# ============================================================================================

@external
def create(p: CreateParams) -> address:
    """
    @notice Creates, wires, seeds and lists an index; the caller is its creator and next owner.
    @dev The caller must have approved this factory for `vault.preview_mint(initial_shares)` of
         every component (at most `max_amounts_in`). Afterwards the creator calls
         `accept_ownership` on the vault, the rebalancer and the oracle adapter.
    @param p The index: components (token, unit, weight, feeds), roles, rebalancing limits, fees,
             the seed and an optional NAV feed description.
    @return The vault (the index token).
    """
    assert not self.paused, "factory: paused"
    n: uint256 = len(p.components)
    assert n > 0, "factory: empty basket"
    assert p.initial_shares > 0, "factory: zero initial shares"
    assert len(p.max_amounts_in) == n, "factory: max amounts length mismatch"

    nonce: uint256 = self.nonces[msg.sender]
    salt: bytes32 = keccak256(abi_encode(msg.sender, keccak256(abi_encode(p)), nonce))
    self.nonces[msg.sender] = nonce + 1

    # 1. The adapter, its feeds, and a usable price for every component before anything else.
    oracle: address = create_from_blueprint(ORACLE_BLUEPRINT, salt=salt)
    tokens: DynArray[address, MAX_COMPONENTS] = []
    units: DynArray[uint256, MAX_COMPONENTS] = []
    weights: DynArray[uint256, MAX_COMPONENTS] = []
    for c: ComponentParams in p.components:
        extcall IOracleSetup(oracle).set_feed(c.token, c.feed, c.max_staleness)
        if c.lower_bound != 0 or c.upper_bound != 0:
            extcall IOracleSetup(oracle).set_bounds(c.token, c.lower_bound, c.upper_bound)
        if c.secondary_feed != empty(address):
            extcall IOracleSetup(oracle).set_secondary_feed(
                c.token, c.secondary_feed, c.secondary_max_staleness, c.max_deviation_bps
            )
        self._check_price(oracle, c.token)
        tokens.append(c.token)
        units.append(c.unit)
        weights.append(c.weight_bps)

    # 2. The vault (this factory its owner and manager for now) and its rebalancer.
    vault: address = raw_create(
        self._initcode(VAULT_BLUEPRINT, VAULT_INITCODE_LENGTH),
        p.name,
        p.symbol,
        tokens,
        units,
        self,
        p.guardian,
        p.fee_recipient,
        salt=salt,
    )
    rebalancer: address = raw_create(
        self._initcode(REBALANCER_BLUEPRINT, REBALANCER_INITCODE_LENGTH),
        vault,
        SCOUT,
        oracle,
        VENUES,
        p.drift_threshold_bps,
        p.max_slippage_bps,
        p.trade_cap_usd,
        p.min_trade_usd,
        p.cooldown,
        p.plan_ttl,
        salt=salt,
    )
    extcall IVault(vault).set_rebalancer(rebalancer)
    # Bound to its vault, the adapter's feed changes wait out the vault's governance delay.
    extcall IOracleSetup(oracle).set_vault(vault)
    extcall IRebalancerSetup(rebalancer).set_targets(weights)
    for keeper: address in p.keepers:
        extcall IRebalancerSetup(rebalancer).set_keeper(keeper, True)

    # Fees and the manager before the seed: with holders each would wait out the governance
    # delay (IndexVault), with zero supply they apply at once. The seed pays the mint fee.
    if p.management_fee != 0:
        extcall IVault(vault).set_management_fee(p.management_fee)
    if p.mint_fee_bps != 0:
        extcall IVault(vault).set_mint_fee(p.mint_fee_bps)
    if p.redeem_fee_bps != 0:
        extcall IVault(vault).set_redeem_fee(p.redeem_fee_bps)
    extcall IVault(vault).set_manager(p.manager)

    # 3. The seed: exactly what the first mint takes, from the creator, minted to the creator.
    amounts: DynArray[uint256, MAX_COMPONENTS] = staticcall IVault(vault).preview_mint(p.initial_shares)
    for i: uint256 in range(n, bound=MAX_COMPONENTS):
        assert amounts[i] <= p.max_amounts_in[i], "factory: seed over max"
        assert extcall IERC20(tokens[i]).transferFrom(msg.sender, self, amounts[i], default_return_value=True), "factory: transfer failed"
        assert extcall IERC20(tokens[i]).approve(vault, amounts[i], default_return_value=True), "factory: approve failed"
    extcall IVault(vault).mint(p.initial_shares, msg.sender, amounts)

    # 4. Hand over.
    nav_feed: address = empty(address)
    if len(p.nav_feed_description) > 0:
        assert NAV_FEED_BLUEPRINT != empty(address), "factory: no nav feed blueprint"
        nav_feed = create_from_blueprint(NAV_FEED_BLUEPRINT, vault, oracle, p.nav_feed_description, salt=salt)
    extcall IVault(vault).transfer_ownership(msg.sender)
    extcall IRebalancerSetup(rebalancer).transfer_ownership(msg.sender)
    extcall IOracleSetup(oracle).transfer_ownership(msg.sender)

    # 5. The registry.
    id: uint256 = self.index_count
    self.indexes[id] = vault
    self.index_count = id + 1
    self.vault_of_rebalancer[rebalancer] = vault
    self._info[vault] = IndexInfo(
        vault=vault,
        rebalancer=rebalancer,
        oracle=oracle,
        nav_feed=nav_feed,
        creator=msg.sender,
        id=id,
        created_at=block.timestamp,
    )
    log IndexCreated(
        vault=vault,
        rebalancer=rebalancer,
        creator=msg.sender,
        oracle=oracle,
        nav_feed=nav_feed,
        id=id,
        symbol=p.symbol,
        initial_shares=p.initial_shares,
        salt=salt,
    )
    return vault


# ============================================================================================
# OWNER
# ============================================================================================

@external
def pause(paused_: bool):
    """
    @notice Stops (or resumes) new creations; existing indexes are not affected in any way.
    @param paused_ True to refuse `create`.
    """
    ownable._check_owner()
    self.paused = paused_
    log PausedSet(paused=paused_)


# ============================================================================================
# VIEWS
# ============================================================================================

@view
@external
def is_vault(vault: address) -> bool:
    """
    @notice Whether this factory created `vault`.
    @param vault Any address.
    @return True for a vault of this registry.
    """
    return self._info[vault].vault != empty(address)


@view
@external
def is_rebalancer(rebalancer: address) -> bool:
    """
    @notice Whether this factory created `rebalancer`.
    @param rebalancer Any address.
    @return True for a rebalancer of this registry.
    """
    return self.vault_of_rebalancer[rebalancer] != empty(address)


@view
@external
def index_info(vault: address) -> IndexInfo:
    """
    @notice An index's contracts, creator, id and creation time.
    @param vault A vault of this registry (else every field is zero).
    @return The index's record.
    """
    return self._info[vault]


@view
@external
def venues() -> DynArray[address, MAX_VENUES]:
    """
    @notice The venues every rebalancer of this factory starts with.
    @return Their addresses.
    """
    return VENUES


@view
@external
def salt_of(creator: address, p: CreateParams, nonce: uint256) -> bytes32:
    """
    @notice The CREATE2 salt of an index `creator` would create with `p` at `nonce`.
    @param creator The caller of `create`.
    @param p The parameters.
    @param nonce The creator's nonce at creation (`nonces(creator)` for the next one).
    @return The salt every contract of that index is created under.
    """
    return keccak256(abi_encode(creator, keccak256(abi_encode(p)), nonce))


# ============================================================================================
# INTERNAL
# ============================================================================================

@view
@internal
def _initcode(blueprint: address[2], length: uint256) -> Bytes[MAX_INITCODE]:
    # The tail's zero padding is cut off: the constructor's arguments follow the init code.
    code: Bytes[MAX_INITCODE] = concat(slice(blueprint[0].code, HEADER, CHUNK), slice(blueprint[1].code, HEADER, TAIL))
    return slice(code, 0, length)


@view
@internal
def _check_price(oracle: address, token: address):
    usable: bool = False
    code: uint8 = 0
    price: uint256 = 0
    price, usable, code = staticcall IOracleSetup(oracle).price_status(token)
    if usable:
        return
    assert code != STATUS_NO_ANSWER, "factory: no price"
    assert code not in [STATUS_STALE, STATUS_ZERO_UPDATED_AT, STATUS_FUTURE_UPDATED_AT], "factory: stale feed"
    raise "factory: price refused"
