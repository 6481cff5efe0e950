# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title IndexVault
@license MIT
@notice The vyndex index token and the basket behind it.

        One index token (18 decimals, ERC-20 with EIP-2612 permit) is a claim on a fixed
        amount of every component: its "unit". Holders mint by paying every component in kind
        and redeem by burning for every component in kind; neither path reads an oracle, and
        redemption can never be paused.

@dev    ACCOUNTING. Units are stored, never derived from `balanceOf(self)`: a donation, a
        positive rebase or a flash loan cannot move what a share is worth or what the next
        minter pays (the Indexed Finance 2021 lesson). A stored unit is an 18-decimal amount
        of the component per 1e18 shares, whatever the token's decimals (`one` = 10**(18 -
        decimals)), so a trade moves it by a fraction of a base unit per share and rounding
        costs a rebalance nothing measurable even for a 0- or 8-decimal token. It is
        multiplied by one global `scale` (1e18 at deployment) that the streaming management
        fee shrinks; accruing the fee is then one storage write, not one per component.
            real unit (base units per 1e18 shares) = stored_unit * scale / (1e18 * one)
            mint pays     ceil(shares * stored_unit * scale / (1e36 * one))   (vault's favour)
            redeem pays  floor(shares * stored_unit * scale / (1e36 * one))   (vault's favour)
        so for every component, balance >= total_supply * real unit / 1e18 (solvency), and no
        sequence of mints and redeems returns more than was put in.

        FEES. A management fee (WAD per year, <= 10%) accrues per second by minting shares to
        the fee recipient and scaling every unit down by the same fraction; it is accrued
        before every supply or fee change. Mint and redeem fees (bps, <= 5%) are paid in
        index tokens to the fee recipient.

        ROLES. owner (two-step transfer): sets manager, guardian, fee recipient and rebalancer
        (the vault holds no oracle: NAV is the Rebalancer's and IndexNavFeed's). manager: fee
        rates within the caps. guardian (and owner): pauses minting and rebalancing, never
        redemption. rebalancer (a contract): the only address that can make the vault release
        components (to the venue it names), one trade at a time, and only against a verified
        return of both legs.

        TOKEN POLICY. Tokens that return no bool work. Every pull is checked by balance delta:
        fee-on-transfer tokens are refused. Decimals 0 to 18.

        REENTRANCY. Every external function of this file holds the transient lock, views
        included, so a token hook can neither mint/redeem at a stale ratio nor read a
        half-updated `totalSupply`, `total_value` or `nav_per_share`.

        GAS. The hot state (scale, fee rates, accrual time, component count, pause flag) is one
        packed slot, and each component is one packed slot (address | 18 - decimals | stored unit).
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

from snekmate.auth import ownable
from snekmate.auth import ownable_2step
from snekmate.tokens import erc20
from snekmate.utils import eip712_domain_separator

from .interfaces import IRebalanceCallback
from .modules import timelock

initializes: ownable
initializes: ownable_2step[ownable := ownable]
initializes: erc20[ownable := ownable]
initializes: timelock[ownable := ownable]
uses: eip712_domain_separator

# ERC-20 and EIP-2612 from snekmate, minus its mint/burn/minter surface; ownership is two-step
# and cannot be renounced. `totalSupply` is re-declared below so that it holds the lock.
exports: (
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.permit,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    eip712_domain_separator.eip712Domain,
    ownable.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
    timelock.set_delay,
    timelock.delay,
    timelock.eta,
)


# ============================================================================================
# CONSTANTS
# ============================================================================================

MAX_COMPONENTS: public(constant(uint256)) = 32
WAD: constant(uint256) = 10**18
BPS: constant(uint256) = 10_000
YEAR: constant(uint256) = 365 * 86_400

MAX_MANAGEMENT_FEE: public(constant(uint256)) = 10**17  # 10% a year, WAD
MAX_MINT_FEE_BPS: public(constant(uint256)) = 500  # 5%
MAX_REDEEM_FEE_BPS: public(constant(uint256)) = 500  # 5%
# One accrual never takes more than half the supply's value, however long the vault slept.
MAX_ACCRUAL_FRACTION: constant(uint256) = WAD // 2

# A stored unit fits in 91 bits (2.4e27: 2.4 billion whole tokens of a component per index
# token); supply stays below 2**96 (79 billion whole index tokens), so shares * stored unit *
# scale (< 2**60) never overflows 256 bits.
MAX_STORED_UNIT: public(constant(uint256)) = 2**91 - 1
MAX_SUPPLY: public(constant(uint256)) = 2**96

ADDRESS_MASK: constant(uint256) = 2**160 - 1
# Layout of a `_basket` slot.
GAP_SHIFT: constant(uint256) = 160  # bits 160..164  18 - the token's decimals
GAP_MASK: constant(uint256) = 2**5 - 1
UNIT_SHIFT: constant(uint256) = 165  # bits 165..255  stored unit (18-decimal amount per share)
TOKEN_AND_GAP_MASK: constant(uint256) = 2**165 - 1

# Layout of the packed `_state` slot.
SCALE_MASK: constant(uint256) = 2**64 - 1  # bits 0..63     scale (<= 1e18)
ACCRUED_SHIFT: constant(uint256) = 64  # bits 64..103   last accrual timestamp
ACCRUED_MASK: constant(uint256) = 2**40 - 1
MGMT_SHIFT: constant(uint256) = 104  # bits 104..167  management fee, WAD per year
MGMT_MASK: constant(uint256) = 2**64 - 1
MINT_FEE_SHIFT: constant(uint256) = 168  # bits 168..183  mint fee, bps
REDEEM_FEE_SHIFT: constant(uint256) = 184  # bits 184..199  redeem fee, bps
FEE_BPS_MASK: constant(uint256) = 2**16 - 1
COUNT_SHIFT: constant(uint256) = 200  # bits 200..207  component count
COUNT_MASK: constant(uint256) = 2**8 - 1
PAUSED_SHIFT: constant(uint256) = 208  # bit 208        mint and rebalance paused


# ============================================================================================
# STORAGE
# ============================================================================================

struct State:
    scale: uint256
    last_accrued: uint256
    management_fee: uint256
    mint_fee_bps: uint256
    redeem_fee_bps: uint256
    count: uint256
    paused: bool


_state: uint256
# Component i: token address, 18 - its decimals and its stored unit (layout above).
_basket: uint256[MAX_COMPONENTS]

manager: public(address)
guardian: public(address)
fee_recipient: public(address)
rebalancer: public(address)
# One-way: minting and rebalancing stopped for good; redemption stays.
redeem_only: public(bool)


# ============================================================================================
# EVENTS
# ============================================================================================

event Minted:
    caller: indexed(address)
    receiver: indexed(address)
    shares: uint256
    fee_shares: uint256
    amounts: DynArray[uint256, MAX_COMPONENTS]

event Redeemed:
    owner: indexed(address)
    receiver: indexed(address)
    shares: uint256
    fee_shares: uint256
    amounts: DynArray[uint256, MAX_COMPONENTS]
    skipped: DynArray[address, MAX_COMPONENTS]

event ManagementFeeAccrued:
    recipient: indexed(address)
    fee_shares: uint256
    scale: uint256

event ManagementFeeSet:
    fee: uint256

event MintFeeSet:
    fee_bps: uint256

event RedeemFeeSet:
    fee_bps: uint256

event FeeRecipientSet:
    fee_recipient: indexed(address)

event ManagerSet:
    manager: indexed(address)

event GuardianSet:
    guardian: indexed(address)

event RebalancerSet:
    rebalancer: indexed(address)

event PausedSet:
    caller: indexed(address)
    paused: bool

event ComponentAdded:
    token: indexed(address)

event ComponentRemoved:
    token: indexed(address)
    dust: uint256

event RedeemOnly:
    caller: indexed(address)

event RebalanceTrade:
    sell: indexed(address)
    buy: indexed(address)
    amount_in: uint256
    amount_out: uint256

# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__(
    name_: String[25],
    symbol_: String[5],
    tokens: DynArray[address, MAX_COMPONENTS],
    units: DynArray[uint256, MAX_COMPONENTS],
    manager_: address,
    guardian_: address,
    fee_recipient_: address,
):
    """
    @notice Creates an index token over `tokens`, each share backed by `units` of each.
    @dev The deployer becomes the owner. Units are base units of each token per 1e18 shares
         and are what the first mint of the empty vault pays; each is stored as an 18-decimal
         amount, so it may be at most MAX_STORED_UNIT / 10**(18 - decimals).
    @param name_ The index token's name (EIP-712 domain name too).
    @param symbol_ The index token's symbol.
    @param tokens The basket's components, 1 to 32, distinct, each with 0 to 18 decimals.
    @param units Base units of each component per whole index token, at least 1.
    @param manager_ The manager (fee rates).
    @param guardian_ The guardian (pauses minting and rebalancing).
    @param fee_recipient_ Receives every fee, in index tokens.
    """
    ownable.__init__()
    ownable_2step.__init__()
    timelock.__init__()
    erc20.__init__(name_, symbol_, 18, name_, "1")

    assert len(tokens) > 0, "vault: empty basket"
    assert len(tokens) == len(units), "vault: units length mismatch"
    assert manager_ != empty(address), "vault: zero manager"
    assert guardian_ != empty(address), "vault: zero guardian"
    assert fee_recipient_ != empty(address), "vault: zero fee recipient"

    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        token: address = tokens[i]
        gap: uint256 = self._check_new_component(token, i)
        assert units[i] > 0, "vault: zero unit"
        assert units[i] <= MAX_STORED_UNIT // pow_mod256(10, gap), "vault: unit too large"
        self._basket[i] = self._pack_component(token, gap, units[i] * pow_mod256(10, gap))
        log ComponentAdded(token=token)

    self._store(
        State(
            scale=WAD,
            last_accrued=block.timestamp,
            management_fee=0,
            mint_fee_bps=0,
            redeem_fee_bps=0,
            count=len(tokens),
            paused=False,
        )
    )
    self.manager = manager_
    self.guardian = guardian_
    self.fee_recipient = fee_recipient_
    log ManagerSet(manager=manager_)
    log GuardianSet(guardian=guardian_)
    log FeeRecipientSet(fee_recipient=fee_recipient_)


# ============================================================================================
# MINT AND REDEEM
# ============================================================================================

@external
def mint(
    shares: uint256, receiver: address, max_amounts_in: DynArray[uint256, MAX_COMPONENTS]
) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice Mints `shares` index tokens to `receiver`, taking every component pro rata from the
            caller (who must have approved the vault), each amount rounded up.
    @dev With a mint fee, the caller also pays for the fee shares minted to the fee recipient.
         Reverts if any amount exceeds the caller's bound, in `components()` order.
    @param shares Index tokens to mint to `receiver` (18 decimals).
    @param receiver Who receives the shares.
    @param max_amounts_in The most the caller will pay of each component.
    @return The amount of each component taken, in `components()` order.
    """
    self._check_order(shares, receiver)
    st: State = self._accrue()
    assert not st.paused, "vault: minting paused"
    assert len(max_amounts_in) == st.count, "vault: max amounts length mismatch"
    # Named before the fee math and the supply sum could overflow on an absurd `shares`.
    assert shares <= MAX_SUPPLY, "vault: supply cap exceeded"

    fee_shares: uint256 = self._fee_on(shares, st.mint_fee_bps)
    gross: uint256 = shares + fee_shares
    assert erc20.totalSupply + gross <= MAX_SUPPLY, "vault: supply cap exceeded"

    # Effects: the shares exist before any token moves; the lock keeps hooks out meanwhile.
    erc20._mint(receiver, shares)
    if fee_shares > 0:
        erc20._mint(self.fee_recipient, fee_shares)

    amounts: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(st.count, bound=MAX_COMPONENTS):
        packed: uint256 = self._basket[i]
        token: address = self._token_of(packed)
        amount: uint256 = self._amount(gross, packed, st.scale, True)
        assert amount <= max_amounts_in[i], "vault: max amount in exceeded"
        if amount > 0:
            self._pull(token, msg.sender, amount)
        amounts.append(amount)

    log Minted(caller=msg.sender, receiver=receiver, shares=shares, fee_shares=fee_shares, amounts=amounts)
    return amounts


@external
def redeem(
    shares: uint256, receiver: address, min_amounts_out: DynArray[uint256, MAX_COMPONENTS]
) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice Burns `shares` of the caller's index tokens and pays `receiver` every component pro
            rata, each amount rounded down. Never paused; never reads an oracle.
    @dev With a redeem fee, that part of `shares` goes to the fee recipient instead of being burnt.
    @param shares Index tokens to redeem (18 decimals).
    @param receiver Who receives the components.
    @param min_amounts_out The least the caller accepts of each component.
    @return The amount of each component paid, in `components()` order.
    """
    return self._redeem(shares, receiver, min_amounts_out, [])


@external
def redeem_skipping(
    shares: uint256,
    receiver: address,
    min_amounts_out: DynArray[uint256, MAX_COMPONENTS],
    skip: DynArray[address, MAX_COMPONENTS],
) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice Redeems like `redeem` but forfeits the components in `skip`, for when one token
            cannot be transferred (paused, blacklisted) and must not trap the others.
    @dev A forfeited amount stays in the vault and is credited to the remaining holders by
         raising that component's unit. Its entry in the returned list and in `min_amounts_out`
         is what it would have paid; it is not sent.
    @param shares Index tokens to redeem (18 decimals).
    @param receiver Who receives the components.
    @param min_amounts_out The least the caller accepts of each component (skipped ones included).
    @param skip Components to forfeit; each must be in the basket.
    @return The amount of each component owed, in `components()` order (skipped ones not paid).
    """
    return self._redeem(shares, receiver, min_amounts_out, skip)


# ============================================================================================
# REBALANCING
# ============================================================================================

@external
def rebalance_trade(
    sell_index: uint256,
    amount_in: uint256,
    buy_index: uint256,
    min_amount_out: uint256,
    pay_to: address,
) -> (uint256, uint256):
    """
    @notice Releases up to `amount_in` of one component for one trade and requires at least
            `min_amount_out` of another back before the call returns.
    @dev Only the rebalancer may call. The vault sends `amount_in` of the sold component to
         `pay_to` (the venue or the pool the rebalancer names), calls the rebalancer's
         `on_rebalance_trade`, then measures both legs by balance delta: what left (a venue may
         return what it did not use) and what arrived. Less than `min_amount_out` arriving
         reverts everything, the release included. Units move by exactly what left (rounded up)
         and what arrived (rounded down), so the trade can never make the vault insolvent,
         whoever `pay_to` is.
    @param sell_index Index of the component to sell.
    @param amount_in Base units to release; at most the vault's accounted holdings of it.
    @param buy_index Index of the component to buy.
    @param min_amount_out The least the vault accepts of the bought component.
    @param pay_to Where the sold component goes: not the zero address.
    @return What left the vault of the sold component, and what it received of the bought one.
    """
    self._check_rebalancer()
    st: State = self._accrue()
    assert not st.paused, "vault: rebalancing paused"
    self._check_index(sell_index, st.count)
    self._check_index(buy_index, st.count)
    assert sell_index != buy_index, "vault: sell and buy are the same"
    assert amount_in > 0, "vault: zero trade"
    assert min_amount_out > 0, "vault: zero minimum out"
    assert pay_to != empty(address), "vault: zero recipient"
    supply: uint256 = erc20.totalSupply
    assert supply > 0, "vault: empty vault"

    sell_packed: uint256 = self._basket[sell_index]
    buy_packed: uint256 = self._basket[buy_index]
    sell: address = self._token_of(sell_packed)
    buy: address = self._token_of(buy_packed)
    # The vault's accounted holdings of the sold component bound the trade.
    assert amount_in <= self._amount(supply, sell_packed, st.scale, False), "vault: sell exceeds holdings"

    # Effects first, for the most that can leave: selling x lowers the stored unit by
    # ceil(x * one * 1e36 / (supply * scale)); x * one is at most the 18-decimal holdings (< 2**127).
    denominator: uint256 = supply * st.scale
    sell_one: uint256 = self._one_of(sell_packed)
    sell_unit: uint256 = sell_packed >> UNIT_SHIFT
    most: uint256 = self._unit_up(amount_in * sell_one, denominator)
    self._basket[sell_index] = self._with_unit(sell_packed, sell_unit - min(sell_unit, most))

    # Interactions: release, call back, measure both legs.
    sell_before: uint256 = staticcall IERC20(sell).balanceOf(self)
    buy_before: uint256 = staticcall IERC20(buy).balanceOf(self)
    self._push(sell, pay_to, amount_in)
    extcall IRebalanceCallback(msg.sender).on_rebalance_trade(sell, amount_in, buy, min_amount_out)
    sell_after: uint256 = staticcall IERC20(sell).balanceOf(self)
    assert sell_after < sell_before, "vault: nothing sold"
    sold: uint256 = sell_before - sell_after
    received: uint256 = staticcall IERC20(buy).balanceOf(self) - buy_before
    assert received >= min_amount_out, "vault: trade returned too little"

    # Settle on what really moved; buying y raises the stored unit by floor(y * one * 1e36 / (supply * scale)).
    new_sell_unit: uint256 = sell_unit - min(sell_unit, self._unit_up(sold * sell_one, denominator))
    self._basket[sell_index] = self._with_unit(sell_packed, new_sell_unit)
    buy_one: uint256 = self._one_of(buy_packed)
    new_buy_unit: uint256 = (buy_packed >> UNIT_SHIFT) + received * buy_one * WAD * WAD // denominator
    assert new_buy_unit <= MAX_STORED_UNIT, "vault: unit too large"
    self._basket[buy_index] = self._with_unit(buy_packed, new_buy_unit)

    log RebalanceTrade(
        sell=sell,
        buy=buy,
        amount_in=sold,
        amount_out=received,
    )
    return sold, received


@external
def add_component(token: address):
    """
    @notice Appends `token` to the basket with a unit of zero; the rebalancer then buys it.
    @dev Only the rebalancer, which checks the token's oracle price, that it is not the index
         itself, not a component yet, room in the basket, decimals and the target weights. Appending
         changes `components()` length, so mint and redeem bounds built for the old basket fail
         their length check instead of binding the wrong tokens.
    @param token The new component (0 to 18 decimals, not yet in the basket).
    """
    self._check_rebalancer()
    st: State = self._load()
    # A full basket fails the array bound, decimals over 18 the subtraction (both named by the
    # rebalancer first).
    self._basket[st.count] = self._pack_component(token, self._gap_of(token), 0)
    st.count += 1
    self._store(st)
    log ComponentAdded(token=token)


@external
def remove_component(index: uint256, max_dust: uint256):
    """
    @notice Removes the component at `index` once its accounted holdings are at most `max_dust`.
    @dev Only the rebalancer. Later components shift down one place, keeping their order. Left
         over dust stays in the vault, unclaimed.
    @param index The component's index in `components()`.
    @param max_dust The most base units of it the basket may still account for.
    """
    self._check_rebalancer()
    st: State = self._accrue()
    self._check_index(index, st.count)
    assert st.count > 1, "vault: cannot remove the last component"
    packed: uint256 = self._basket[index]
    dust: uint256 = self._amount(erc20.totalSupply, packed, st.scale, False)
    assert dust <= max_dust, "vault: component not sold down"
    st.count -= 1
    for i: uint256 in range(index, st.count, bound=MAX_COMPONENTS):
        self._basket[i] = self._basket[i + 1]
    self._basket[st.count] = 0
    self._store(st)
    log ComponentRemoved(token=self._token_of(packed), dust=dust)


# ============================================================================================
# FEES
# ============================================================================================

@external
def accrue_management_fee() -> uint256:
    """
    @notice Mints the management fee accrued since the last accrual to the fee recipient.
    @dev Anyone may call; mint, redeem and every fee change also do it first.
    @return The fee shares minted.
    """
    before: uint256 = erc20.totalSupply
    self._accrue()
    return erc20.totalSupply - before


@external
def set_management_fee(fee: uint256):
    """
    @notice Sets the streaming management fee, WAD per year (1e16 = 1% a year), after accruing at
            the old rate.
    @param fee At most MAX_MANAGEMENT_FEE (10% a year).
    """
    self._check_manager()
    assert fee <= MAX_MANAGEMENT_FEE, "vault: management fee over cap"
    if self._set_fee(fee, MGMT_SHIFT, MGMT_MASK):
        log ManagementFeeSet(fee=fee)


@external
def set_mint_fee(fee_bps: uint256):
    """
    @notice Sets the mint fee in basis points, paid in index tokens to the fee recipient.
    @param fee_bps At most MAX_MINT_FEE_BPS (5%).
    """
    self._check_manager()
    assert fee_bps <= MAX_MINT_FEE_BPS, "vault: mint fee over cap"
    if self._set_fee(fee_bps, MINT_FEE_SHIFT, FEE_BPS_MASK):
        log MintFeeSet(fee_bps=fee_bps)


@external
def set_redeem_fee(fee_bps: uint256):
    """
    @notice Sets the redeem fee in basis points, kept in index tokens by the fee recipient.
    @param fee_bps At most MAX_REDEEM_FEE_BPS (5%).
    """
    self._check_manager()
    assert fee_bps <= MAX_REDEEM_FEE_BPS, "vault: redeem fee over cap"
    if self._set_fee(fee_bps, REDEEM_FEE_SHIFT, FEE_BPS_MASK):
        log RedeemFeeSet(fee_bps=fee_bps)


# ============================================================================================
# ROLES AND PAUSE
# ============================================================================================

@external
def set_fee_recipient(fee_recipient_: address):
    """
    @notice Sets who receives fees, after accruing the management fee to the old recipient.
    @param fee_recipient_ The new recipient, not the zero address.
    """
    ownable._check_owner()
    assert fee_recipient_ != empty(address), "vault: zero fee recipient"
    if self._gate(False):
        self._accrue()
        self.fee_recipient = fee_recipient_
        log FeeRecipientSet(fee_recipient=fee_recipient_)


@external
def set_manager(manager_: address):
    """
    @notice Sets the manager, who sets fee rates within their caps.
    @param manager_ The new manager, not the zero address.
    """
    ownable._check_owner()
    assert manager_ != empty(address), "vault: zero manager"
    if self._gate(False):
        self.manager = manager_
        log ManagerSet(manager=manager_)


@external
def set_guardian(guardian_: address):
    """
    @notice Sets the guardian, who can pause minting and rebalancing.
    @param guardian_ The new guardian, not the zero address.
    """
    ownable._check_owner()
    assert guardian_ != empty(address), "vault: zero guardian"
    if self._gate(False):
        self.guardian = guardian_
        log GuardianSet(guardian=guardian_)


@external
def set_rebalancer(rebalancer_: address):
    """
    @notice Sets the rebalancer contract, the only address that can make the vault release
            components (one trade at a time, against a verified return).
    @param rebalancer_ The rebalancer; the zero address disables rebalancing.
    """
    ownable._check_owner()
    if self._gate(rebalancer_ == empty(address)):
        self.rebalancer = rebalancer_
        log RebalancerSet(rebalancer=rebalancer_)


@external
def set_paused(paused_: bool):
    """
    @notice Pauses or resumes minting and rebalancing. Redemption is never paused.
    @param paused_ True to pause.
    """
    self._check_guardian()
    if not paused_:
        self._check_live()
    st: State = self._load()
    st.paused = paused_
    self._store(st)
    log PausedSet(caller=msg.sender, paused=paused_)


@external
def enter_redeem_only():
    """
    @notice Stops minting and rebalancing for good; redemption stays open. Irreversible.
    @dev Guardian or owner. Accrues the management fee up to now, then stops it; from then on no
         change that needs the delay can be made, and `set_paused(False)` is refused.
    """
    self._check_guardian()
    st: State = self._accrue()
    st.management_fee = 0
    st.paused = True
    self._store(st)
    self.redeem_only = True
    self.rebalancer = empty(address)
    log RedeemOnly(caller=msg.sender)


@external
def cancel(id: bytes32):
    """
    @notice Cancels a queued change (see `eta`, and the ChangeQueued event for its calldata).
    @dev Guardian or owner.
    @param id keccak256 of the queued setter call's calldata.
    """
    self._check_guardian()
    timelock._cancel(id)


# ============================================================================================
# VIEWS
# ============================================================================================

@view
@external
def totalSupply() -> uint256:
    """
    @notice The index tokens in existence. Reverts while a mint or redeem is in progress.
    @dev Management fee shares not yet accrued are not included; `basket_state` has them.
    @return The total supply, 18 decimals.
    """
    return erc20.totalSupply


@view
@external
def components() -> (DynArray[address, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice The basket: component addresses and, for each, its unit (base units per whole
            index token) as of this block, management fee accrued.
    @return The component addresses and their units, in basket order.
    """
    st: State = self._load()
    # A unit is what 1e18 shares redeem for, before any redeem fee.
    return self._tokens(st.count), self._amounts(WAD, st.count, self._pending_fee(st)[1], False)


@view
@external
def holdings() -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice What redeeming the whole supply would pay of each component, as of this block.
    @dev The vault's balance of each component is at least this (solvency). Surplus above it
         (donations, rounding dust) belongs to no one.
    @return Base units per component, in basket order.
    """
    st: State = self._load()
    pending: uint256 = 0
    scale: uint256 = 0
    pending, scale = self._pending_fee(st)
    return self._amounts(erc20.totalSupply + pending, st.count, scale, False)


@view
@external
def preview_mint(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice Exactly what `mint(shares, ...)` would take of each component in this block.
    @param shares Index tokens to mint to the receiver.
    @return Base units per component, mint fee included, in basket order.
    """
    st: State = self._load()
    scale: uint256 = self._pending_fee(st)[1]
    return self._amounts(shares + self._fee_on(shares, st.mint_fee_bps), st.count, scale, True)


@view
@external
def preview_redeem(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice Exactly what `redeem(shares, ...)` would pay of each component in this block.
    @param shares Index tokens to redeem.
    @return Base units per component, after the redeem fee, in basket order.
    """
    st: State = self._load()
    scale: uint256 = self._pending_fee(st)[1]
    return self._amounts(shares - self._fee_on(shares, st.redeem_fee_bps), st.count, scale, False)


@view
@external
def management_fee() -> uint256:
    """
    @notice The management fee, WAD per year.
    @return The annual rate (1e16 = 1%).
    """
    return self._load().management_fee


@view
@external
def mint_fee_bps() -> uint256:
    """
    @notice The mint fee in basis points.
    @return The fee.
    """
    return self._load().mint_fee_bps


@view
@external
def redeem_fee_bps() -> uint256:
    """
    @notice The redeem fee in basis points.
    @return The fee.
    """
    return self._load().redeem_fee_bps


@view
@external
def paused() -> bool:
    """
    @notice Whether minting and rebalancing are paused. Redemption never is.
    @return True if paused.
    """
    return self._load().paused


@view
@external
def scale() -> uint256:
    """
    @notice The global unit multiplier (WAD), shrunk by each management fee accrual.
    @return The scale as last stored.
    """
    return self._load().scale


@view
@external
def last_accrued() -> uint256:
    """
    @notice When the management fee was last accrued.
    @return A unix timestamp.
    """
    return self._load().last_accrued


@view
@external
def component_count() -> uint256:
    """
    @notice The number of components in the basket.
    @return The count.
    """
    return self._load().count


@view
@external
def basket_state() -> (DynArray[address, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS], uint256, uint256):
    """
    @notice The raw basket as the next state-changing call will see it (management fee accrued):
            components, stored units, total supply and scale, for the rebalancer's planning.
    @dev A stored unit is an 18-decimal amount per 1e18 shares, whatever the token's decimals:
         accounted holdings of component i = supply * stored_units[i] * scale / 1e36, in
         18-decimal amounts (divide by 10**(18 - decimals) for base units).
    @return Component addresses, stored units, total supply, scale (WAD).
    """
    st: State = self._load()
    pending: uint256 = 0
    scale: uint256 = 0
    pending, scale = self._pending_fee(st)
    stored: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(st.count, bound=MAX_COMPONENTS):
        stored.append(self._basket[i] >> UNIT_SHIFT)
    return self._tokens(st.count), stored, erc20.totalSupply + pending, scale


# ============================================================================================
# INTERNAL
# ============================================================================================

@internal
def _redeem(
    shares: uint256,
    receiver: address,
    min_amounts_out: DynArray[uint256, MAX_COMPONENTS],
    skip: DynArray[address, MAX_COMPONENTS],
) -> DynArray[uint256, MAX_COMPONENTS]:
    self._check_order(shares, receiver)
    st: State = self._accrue()
    assert len(min_amounts_out) == st.count, "vault: min amounts length mismatch"
    assert erc20.balanceOf[msg.sender] >= shares, "vault: redeem exceeds balance"

    supply: uint256 = erc20.totalSupply
    fee_shares: uint256 = self._fee_on(shares, st.redeem_fee_bps)
    net: uint256 = shares - fee_shares
    # Effects: shares leave before any component does.
    if fee_shares > 0:
        erc20._transfer(msg.sender, self.fee_recipient, fee_shares)
    erc20._burn(msg.sender, net)
    remaining: uint256 = supply - net

    skip_mask: uint256 = 0
    for skipped: address in skip:
        bit: uint256 = 1 << self._index_of(skipped, st.count)
        assert skip_mask & bit == 0, "vault: component skipped twice"
        skip_mask |= bit

    amounts: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(st.count, bound=MAX_COMPONENTS):
        packed: uint256 = self._basket[i]
        token: address = self._token_of(packed)
        amount: uint256 = self._amount(net, packed, st.scale, False)
        assert amount >= min_amounts_out[i], "vault: min amount out not met"
        amounts.append(amount)
        if skip_mask & (1 << i) != 0:
            # Credit the forfeited amount to the remaining holders: unit * supply / remaining.
            if remaining > 0:
                credited: uint256 = (packed >> UNIT_SHIFT) * supply // remaining
                self._basket[i] = self._with_unit(packed, min(credited, MAX_STORED_UNIT))
        elif amount > 0:
            self._push(token, receiver, amount)

    log Redeemed(owner=msg.sender, receiver=receiver, shares=shares, fee_shares=fee_shares, amounts=amounts, skipped=skip)
    return amounts


@view
@internal
def _check_rebalancer():
    assert msg.sender == self.rebalancer, "vault: caller is not the rebalancer"


@pure
@internal
def _check_order(shares: uint256, receiver: address):
    assert shares > 0, "vault: zero shares"
    assert receiver != empty(address), "vault: zero receiver"


@pure
@internal
def _check_index(index: uint256, count: uint256):
    assert index < count, "vault: component index out of range"


@internal
def _accrue() -> State:
    """
    @dev Loads the state, mints any management fee due to the fee recipient, stores and
         returns the updated state (its clock at this block).
    """
    st: State = self._load()
    if st.last_accrued == block.timestamp:
        return st
    pending: uint256 = 0
    scale: uint256 = 0
    pending, scale = self._pending_fee(st)
    st.last_accrued = block.timestamp
    st.scale = scale
    # With no fee running nothing accrues, so the clock need not be stored (one write saved on
    # every mint and redeem); every fee change stores `st` and with it a fresh clock.
    if st.management_fee == 0:
        return st
    self._store(st)
    if pending > 0:
        recipient: address = self.fee_recipient
        erc20._mint(recipient, pending)
        log ManagementFeeAccrued(recipient=recipient, fee_shares=pending, scale=scale)
    return st


@view
@internal
def _pending_fee(st: State) -> (uint256, uint256):
    """
    @dev The fee shares due now and the scale after minting them. For fraction f of the value:
         fee shares = floor(supply * f / (1 - f)), scale' = floor(scale * (1 - f)), so that
         (supply + fee shares) * scale' <= supply * scale: fees never create value.
    """
    supply: uint256 = erc20.totalSupply
    if st.management_fee == 0 or supply == 0 or st.last_accrued >= block.timestamp:
        return 0, st.scale
    fraction: uint256 = min(
        st.management_fee * (block.timestamp - st.last_accrued) // YEAR, MAX_ACCRUAL_FRACTION
    )
    if fraction == 0:
        return 0, st.scale
    return supply * fraction // (WAD - fraction), st.scale * (WAD - fraction) // WAD


@view
@internal
def _amounts(
    shares: uint256, count: uint256, scale: uint256, roundup: bool
) -> DynArray[uint256, MAX_COMPONENTS]:
    amounts: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        amounts.append(self._amount(shares, self._basket[i], scale, roundup))
    return amounts


@view
@internal
def _tokens(count: uint256) -> DynArray[address, MAX_COMPONENTS]:
    tokens: DynArray[address, MAX_COMPONENTS] = []
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        tokens.append(self._token_of(self._basket[i]))
    return tokens


@pure
@internal
def _amount(shares: uint256, packed: uint256, scale: uint256, roundup: bool) -> uint256:
    """
    @dev Base units owed on `shares` of the component in `packed`: shares * stored unit * scale
         / (1e36 * one), rounded up or down. shares <= 2**96, stored unit < 2**91 and
         scale <= 1e18 < 2**60 keep the product below 2**247.
    """
    product: uint256 = shares * (packed >> UNIT_SHIFT) * scale
    divisor: uint256 = WAD * WAD * self._one_of(packed)
    if roundup:
        return (product + divisor - 1) // divisor
    return product // divisor


@pure
@internal
def _unit_up(amount18: uint256, denominator: uint256) -> uint256:
    # The stored-unit step of an 18-decimal amount over supply * scale, rounded up.
    return (amount18 * WAD * WAD + denominator - 1) // denominator


@pure
@internal
def _fee_on(shares: uint256, fee_bps: uint256) -> uint256:
    # Fees round up: the vault's (and its holders') favour.
    return (shares * fee_bps + BPS - 1) // BPS


@internal
def _pull(token: address, sender: address, amount: uint256):
    """
    @dev transferFrom with a balance-delta check: refuses fee-on-transfer tokens by name.
    """
    before: uint256 = staticcall IERC20(token).balanceOf(self)
    assert extcall IERC20(token).transferFrom(sender, self, amount, default_return_value=True), "vault: transferFrom failed"
    assert staticcall IERC20(token).balanceOf(self) - before == amount, "vault: fee-on-transfer token"


@internal
def _push(token: address, receiver: address, amount: uint256):
    assert extcall IERC20(token).transfer(receiver, amount, default_return_value=True), "vault: transfer failed"


@internal
def _check_new_component(token: address, count: uint256) -> uint256:
    """
    @dev Checks a constructor's component and returns 18 - its decimals.
    """
    assert token != empty(address), "vault: zero component"
    assert token != self, "vault: component is the index itself"
    assert token.is_contract, "vault: component has no code"
    for j: uint256 in range(count, bound=MAX_COMPONENTS):
        assert self._token_of(self._basket[j]) != token, "vault: duplicate component"
    assert staticcall IERC20Detailed(token).decimals() <= 18, "vault: decimals over 18"
    return self._gap_of(token)


@view
@internal
def _gap_of(token: address) -> uint256:
    # 18 - the decimals of `token` (reverts above 18).
    return 18 - convert(staticcall IERC20Detailed(token).decimals(), uint256)


@view
@internal
def _index_of(token: address, count: uint256) -> uint256:
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        if self._token_of(self._basket[i]) == token:
            return i
    raise "vault: not a component"


@internal
def _set_fee(fee: uint256, at: uint256, mask: uint256) -> bool:
    """
    @dev Accrues the management fee (storing a fresh clock), then sets the fee field at bit `at`
         now if it does not rise, else through the delay; True if it was set.
    """
    self._store(self._accrue())
    packed: uint256 = self._state
    if not self._gate(fee <= (packed >> at) & mask):
        return False
    self._state = (packed & ~(mask << at)) | (fee << at)
    return True


@internal
def _gate(tightens: bool) -> bool:
    # Every vault setter takes one word: its calldata is 36 bytes. With no supply there is no
    # holder to protect; in redeem-only mode nothing that needs the delay is accepted.
    immediate: bool = tightens or erc20.totalSupply == 0
    if not immediate:
        self._check_live()
    return timelock._gate(slice(msg.data, 0, 36), immediate, timelock.delay)


@view
@internal
def _check_live():
    assert not self.redeem_only, "vault: redeem only"


@view
@internal
def _check_guardian():
    assert msg.sender == self.guardian or msg.sender == ownable.owner, "vault: caller is not the guardian"


@view
@internal
def _check_manager():
    assert msg.sender == self.manager, "vault: caller is not the manager"


@pure
@internal
def _token_of(packed: uint256) -> address:
    return convert(convert(packed & ADDRESS_MASK, uint160), address)


@pure
@internal
def _pack_component(token: address, gap: uint256, stored_unit: uint256) -> uint256:
    return convert(token, uint256) | (gap << GAP_SHIFT) | (stored_unit << UNIT_SHIFT)


@pure
@internal
def _with_unit(packed: uint256, stored_unit: uint256) -> uint256:
    return (packed & TOKEN_AND_GAP_MASK) | (stored_unit << UNIT_SHIFT)


@pure
@internal
def _one_of(packed: uint256) -> uint256:
    # 10**(18 - decimals): one base unit of the component in 18-decimal amounts.
    return pow_mod256(10, (packed >> GAP_SHIFT) & GAP_MASK)


@view
@internal
def _load() -> State:
    packed: uint256 = self._state
    return State(
        scale=packed & SCALE_MASK,
        last_accrued=(packed >> ACCRUED_SHIFT) & ACCRUED_MASK,
        management_fee=(packed >> MGMT_SHIFT) & MGMT_MASK,
        mint_fee_bps=(packed >> MINT_FEE_SHIFT) & FEE_BPS_MASK,
        redeem_fee_bps=(packed >> REDEEM_FEE_SHIFT) & FEE_BPS_MASK,
        count=(packed >> COUNT_SHIFT) & COUNT_MASK,
        paused=(packed >> PAUSED_SHIFT) & 1 == 1,
    )


@internal
def _store(st: State):
    self._state = (
        st.scale
        | (st.last_accrued << ACCRUED_SHIFT)
        | (st.management_fee << MGMT_SHIFT)
        | (st.mint_fee_bps << MINT_FEE_SHIFT)
        | (st.redeem_fee_bps << REDEEM_FEE_SHIFT)
        | (st.count << COUNT_SHIFT)
        | (convert(st.paused, uint256) << PAUSED_SHIFT)
    )
