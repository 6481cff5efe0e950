# pragma version ~=0.4.3
"""
@title FloorIndex
@license MIT
@notice The gas floor of an in-kind index token, for benchmarks only: the least any honest index
        must do to mint and redeem. Never deploy it for value: it has no fees, no pause, no bounds
        on what the caller pays, no reentrancy lock and no fee-on-transfer check.
@dev    What it keeps, because every real index must: the basket lives in its own storage (one
        packed slot per component: token in bits 0..159, unit in bits 160..255) and is read on
        every call; amounts are computed pro rata from the shares (mint rounds up, redeem rounds
        down); each component moves by one real `transferFrom` in, or one `transfer` out; the
        index token is a real ERC-20 (balances, supply, allowances, Transfer events).
        mint: one transferFrom per component, then mint the shares.
        redeem: burn the shares, then one transfer per component.
        Compiled by bench/gas.py (not part of the ape project in contracts/).
"""

from ethereum.ercs import IERC20

implements: IERC20


# ============================================================================================
# CONSTANTS
# ============================================================================================

MAX_COMPONENTS: constant(uint256) = 32
WAD: constant(uint256) = 10**18
ADDRESS_MASK: constant(uint256) = 2**160 - 1

name: public(constant(String[16])) = "Floor Index"
symbol: public(constant(String[8])) = "FLOOR"
decimals: public(constant(uint8)) = 18


# ============================================================================================
# STORAGE
# ============================================================================================

# Component i: token address in bits 0..159, unit (base units per 1e18 shares) in bits 160..255.
_basket: uint256[MAX_COMPONENTS]
_count: uint256

balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
totalSupply: public(uint256)


# ============================================================================================
# EVENTS
# ============================================================================================

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256


# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__(tokens: DynArray[address, MAX_COMPONENTS], units: DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice A basket of `tokens`, each share backed by `units` of each per 1e18 shares.
    @param tokens The components, 1 to 32.
    @param units Base units of each component per whole index token, each below 2**96.
    """
    assert len(tokens) > 0 and len(tokens) == len(units), "floor: bad basket"
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        assert units[i] > 0 and units[i] < 2**96, "floor: bad unit"
        self._basket[i] = convert(tokens[i], uint256) | (units[i] << 160)
    self._count = len(tokens)


# ============================================================================================
# MINT AND REDEEM
# ============================================================================================

@external
def mint(shares: uint256, receiver: address):
    """
    @notice Takes ceil(shares * unit / 1e18) of every component from the caller, then mints
            `shares` to `receiver`.
    @param shares Index tokens to mint (18 decimals).
    @param receiver Who receives them.
    """
    for i: uint256 in range(self._count, bound=MAX_COMPONENTS):
        packed: uint256 = self._basket[i]
        amount: uint256 = (shares * (packed >> 160) + WAD - 1) // WAD
        token: address = convert(convert(packed & ADDRESS_MASK, uint160), address)
        assert extcall IERC20(token).transferFrom(msg.sender, self, amount, default_return_value=True)
    self.totalSupply += shares
    self.balanceOf[receiver] += shares
    log Transfer(sender=empty(address), receiver=receiver, value=shares)


@external
def redeem(shares: uint256, receiver: address):
    """
    @notice Burns `shares` of the caller's, then pays `receiver` floor(shares * unit / 1e18) of
            every component.
    @param shares Index tokens to burn (18 decimals).
    @param receiver Who receives the components.
    """
    self.balanceOf[msg.sender] -= shares
    self.totalSupply -= shares
    log Transfer(sender=msg.sender, receiver=empty(address), value=shares)
    for i: uint256 in range(self._count, bound=MAX_COMPONENTS):
        packed: uint256 = self._basket[i]
        amount: uint256 = shares * (packed >> 160) // WAD
        token: address = convert(convert(packed & ADDRESS_MASK, uint160), address)
        assert extcall IERC20(token).transfer(receiver, amount, default_return_value=True)


# ============================================================================================
# ERC-20
# ============================================================================================

@external
def transfer(receiver: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` index tokens from the caller to `receiver`.
    @param receiver The recipient.
    @param amount Index tokens to move.
    @return True.
    """
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=msg.sender, receiver=receiver, value=amount)
    return True


@external
def transferFrom(owner: address, receiver: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` index tokens from `owner` to `receiver` against the caller's allowance.
    @param owner Whose tokens move.
    @param receiver The recipient.
    @param amount Index tokens to move.
    @return True.
    """
    allowed: uint256 = self.allowance[owner][msg.sender]
    if allowed != max_value(uint256):
        self.allowance[owner][msg.sender] = allowed - amount
    self.balanceOf[owner] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=owner, receiver=receiver, value=amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    """
    @notice Lets `spender` move up to `amount` of the caller's index tokens.
    @param spender Who may spend.
    @param amount The allowance.
    @return True.
    """
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)
    return True
