# pragma version ~=0.4.3
"""
@title IndexNavFeed
@license MIT
@notice The net asset value of one vyndex index token in USD, as a Chainlink AggregatorV3 feed and an
        ERC-7726 quote, for lenders that take the index as collateral.

@dev    VALUE. NAV per whole index token (18 decimals) is the sum, over the basket, of
            stored_unit_i * scale // 1e18 * price_i // 1e18
        with the vault's stored units and scale from `basket_state()` (management fee accrued as
        of this block) and each price from the oracle adapter after all of its checks. It is the
        vault's own `nav_per_share` to the wei. It never reads a balance, a pool or a supply, so a
        donation, a flash loan or a swap inside the same transaction cannot move it.

        FRESHNESS. `updatedAt` (and `startedAt`) is the OLDEST `updatedAt` among the primary feeds
        of the components it values, so a lender's own staleness check sees the stalest input. The
        feed keeps no history: a round is named by that timestamp, and `getRoundData` answers only
        for the current one.

        REFUSALS, by name, never a wrong number:
            "nav: vault busy"     the vault is inside a mint, redeem or trade (its views revert under
                                  its reentrancy lock): a value read mid-operation could be half-updated
            "oracle: ..."         a component's price fails the adapter's checks (its own reason)
            "nav: zero nav"       nothing in the basket has a unit
        `nav_status` says the same without reverting: (nav, code, reason, asset). Codes 1-11 are
        the adapter's (`OracleAdapter.STATUS_*`), 20 is busy, 21 zero NAV.

        The adapter is fixed at deployment; the vault's owner changing the vault's oracle does not
        change what this feed trusts. The feed needs nothing of the vault but `basket_state()`.
"""

from .interfaces import IAggregatorV3
from .interfaces import INavSource

implements: IAggregatorV3


# ============================================================================================
# CONSTANTS
# ============================================================================================

# ERC-7726: USD is the ISO 4217 code 840 as an address, 18 decimals (as the adapter uses it).
USD: public(constant(address)) = 0x0000000000000000000000000000000000000348
WAD: constant(uint256) = 10**18
MAX_COMPONENTS: constant(uint256) = 32
FEED_DECIMALS: constant(uint8) = 18
FEED_VERSION: constant(uint256) = 1
# basket_state(): 4 head words, then two arrays of a length word and up to 32 items.
BASKET_STATE_SIZE: constant(uint256) = 32 * (4 + 2 * (1 + MAX_COMPONENTS))

STATUS_OK: public(constant(uint8)) = 0
STATUS_VAULT_BUSY: public(constant(uint8)) = 20
STATUS_ZERO_NAV: public(constant(uint8)) = 21


# ============================================================================================
# IMMUTABLES
# ============================================================================================

VAULT: public(immutable(address))
ORACLE: public(immutable(INavSource))
DESCRIPTION: immutable(String[64])


struct Nav:
    nav: uint256
    updated_at: uint256
    code: uint8
    reason: String[40]
    asset: address


# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__(vault: address, oracle: INavSource, description_: String[64]):
    """
    @notice A NAV feed for the index `vault`, pricing its components with `oracle`.
    @param vault The IndexVault (the index token); it must answer `basket_state()` now.
    @param oracle The OracleAdapter whose checked prices value the basket.
    @param description_ What `description()` returns, e.g. "VBLUE / USD NAV".
    """
    assert vault.is_contract, "nav: vault not a contract"
    assert oracle.address.is_contract, "nav: oracle not a contract"
    ok: bool = False
    data: Bytes[BASKET_STATE_SIZE] = b""
    ok, data = self._basket_state(vault)
    assert ok, "nav: vault has no basket_state"
    VAULT = vault
    ORACLE = oracle
    DESCRIPTION = description_


# ============================================================================================
# AGGREGATOR V3
# ============================================================================================

@view
@external
def decimals() -> uint8:
    """
    @notice Decimals of the answer: USD with 18 decimals.
    @return 18.
    """
    return FEED_DECIMALS


@view
@external
def description() -> String[256]:
    """
    @notice What this feed prices, as set at deployment.
    @return The description, e.g. "VBLUE / USD NAV".
    """
    return DESCRIPTION


@view
@external
def version() -> uint256:
    """
    @notice The version of this feed's answer format.
    @return 1.
    """
    return FEED_VERSION


@view
@external
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice NAV per whole index token in USD (18 decimals), with the oldest component `updatedAt`.
    @dev Reverts "nav: vault busy" inside a mint/redeem/trade, with the adapter's reason when a
         component price fails its checks, and "nav: zero nav" for an empty basket.
    @return roundId (= updatedAt), answer (NAV), startedAt (= updatedAt), updatedAt (the oldest
            component's), answeredInRound (= roundId).
    """
    n: Nav = self._checked()
    round_id: uint80 = convert(n.updated_at, uint80)
    return round_id, convert(n.nav, int256), n.updated_at, n.updated_at, round_id


@view
@external
def getRoundData(_roundId: uint80) -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice The current round, asked for by id; the feed keeps no history.
    @dev Reverts "nav: no round history" for any round but the current one (its id is its
         `updatedAt`), and like `latestRoundData` when there is no current answer.
    @param _roundId The round, as `latestRoundData` named it.
    @return roundId, answer, startedAt, updatedAt, answeredInRound, as in `latestRoundData`.
    """
    n: Nav = self._checked()
    round_id: uint80 = convert(n.updated_at, uint80)
    assert _roundId == round_id, "nav: no round history"
    return round_id, convert(n.nav, int256), n.updated_at, n.updated_at, round_id


# ============================================================================================
# ERC-7726 AND STATUS
# ============================================================================================

@view
@external
def getQuote(inAmount: uint256, base: address, quote: address) -> uint256:
    """
    @notice ERC-7726: `inAmount` of the index token in USD, or `inAmount` USD in index tokens.
    @dev USD is address(840) with 18 decimals; the index token has 18. Rounds down. Reverts like
         `latestRoundData`, and "nav: unsupported pair" for any other pair.
    @param inAmount The amount of `base`, in its base units.
    @param base The index token (the vault) or USD.
    @param quote USD or the index token, the other one.
    @return The amount of `quote`, in its base units.
    """
    if base == VAULT and quote == USD:
        return inAmount * self._checked().nav // WAD
    if base == USD and quote == VAULT:
        return inAmount * WAD // self._checked().nav
    raise "nav: unsupported pair"


@view
@external
def nav_status() -> (uint256, uint256, uint8, String[40], address):
    """
    @notice The NAV, or why there is none, without reverting: for dashboards, keepers and lenders'
            monitoring.
    @dev The code is 0 (ok), an adapter STATUS_* code (1-11, with the adapter's reason and the
         first component that fails), 20 (vault busy) or 21 (zero NAV).
    @return NAV per whole token (0 unless ok), the oldest component `updatedAt` (0 unless ok),
            the code, its reason ("" when ok), the failing component (empty unless a price failed).
    """
    n: Nav = self._read()
    return n.nav, n.updated_at, n.code, n.reason, n.asset


# ============================================================================================
# INTERNAL
# ============================================================================================

@view
@internal
def _checked() -> Nav:
    n: Nav = self._read()
    if n.code != STATUS_OK:
        raise n.reason
    return n


@view
@internal
def _read() -> Nav:
    """
    @dev Values the stored units at the adapter's prices, skipping components with a zero unit
         (as the vault's `nav_per_share` does); stops at the first failure. Never reverts.
    """
    n: Nav = empty(Nav)
    ok: bool = False
    data: Bytes[BASKET_STATE_SIZE] = b""
    ok, data = self._basket_state(VAULT)
    if not ok:
        n.code = STATUS_VAULT_BUSY
        n.reason = "nav: vault busy"
        return n
    tokens: DynArray[address, MAX_COMPONENTS] = []
    stored: DynArray[uint256, MAX_COMPONENTS] = []
    supply: uint256 = 0
    scale: uint256 = 0
    tokens, stored, supply, scale = abi_decode(
        data, (DynArray[address, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS], uint256, uint256)
    )

    oldest: uint256 = max_value(uint256)
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        unit: uint256 = stored[i] * scale // WAD
        if unit == 0:
            continue
        token: address = tokens[i]
        price: uint256 = 0
        usable: bool = False
        code: uint8 = 0
        price, usable, code = staticcall ORACLE.price_status(token)
        if not usable:
            return Nav(nav=0, updated_at=0, code=code, reason=staticcall ORACLE.reason(code), asset=token)
        n.nav += unit * price // WAD
        oldest = min(oldest, staticcall ORACLE.updated_at(token))

    if n.nav == 0:
        return Nav(nav=0, updated_at=0, code=STATUS_ZERO_NAV, reason="nav: zero nav", asset=empty(address))
    n.updated_at = oldest
    return n


@view
@internal
def _basket_state(vault: address) -> (bool, Bytes[BASKET_STATE_SIZE]):
    """
    @dev The vault's `basket_state()` by a static call that cannot revert: false while the vault
         holds its reentrancy lock (every vault view reverts then).
    """
    return raw_call(
        vault, method_id("basket_state()"), max_outsize=BASKET_STATE_SIZE, is_static_call=True, revert_on_failure=False
    )
