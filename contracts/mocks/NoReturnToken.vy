# pragma version ~=0.4.3
"""
@title NoReturnToken
@license MIT
@notice Test-only ERC-20 whose `transfer`, `transferFrom` and `approve` return nothing, like USDT
        on mainnet. Failures revert with a named reason; success returns empty data.
@dev Written out in full (not snekmate) because the missing return value is the point.
"""

# ============================================================================================
# STORAGE
# ============================================================================================

name: public(String[25])
symbol: public(String[5])
decimals: public(uint8)
totalSupply: public(uint256)
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])


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


@deploy
def __init__(name_: String[25], symbol_: String[5], decimals_: uint8):
    """
    @notice A token with `decimals_` decimals and no supply.
    @param name_ The token's name.
    @param symbol_ The token's symbol.
    @param decimals_ The token's decimals.
    """
    self.name = name_
    self.symbol = symbol_
    self.decimals = decimals_


@external
def transfer(to: address, amount: uint256):
    """
    @notice Moves `amount` from the caller to `to`; returns nothing.
    @param to The receiver.
    @param amount Base units to move.
    """
    self._transfer(msg.sender, to, amount)


@external
def transferFrom(owner: address, to: address, amount: uint256):
    """
    @notice Moves `amount` from `owner` to `to` against the caller's allowance; returns nothing.
    @param owner Whose tokens move.
    @param to The receiver.
    @param amount Base units to move.
    """
    allowed: uint256 = self.allowance[owner][msg.sender]
    if allowed != max_value(uint256):
        assert allowed >= amount, "noreturn: insufficient allowance"
        self.allowance[owner][msg.sender] = allowed - amount
    self._transfer(owner, to, amount)


@external
def approve(spender: address, amount: uint256):
    """
    @notice Sets the caller's allowance for `spender`; returns nothing.
    @param spender Who may spend.
    @param amount The allowance.
    """
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)


@external
def mint(owner: address, amount: uint256):
    """
    @notice Mints `amount` to `owner`; open to anyone (test token).
    @param owner The receiver.
    @param amount Base units to mint.
    """
    self.totalSupply += amount
    self.balanceOf[owner] += amount
    log Transfer(sender=empty(address), receiver=owner, value=amount)


@internal
def _transfer(owner: address, to: address, amount: uint256):
    assert self.balanceOf[owner] >= amount, "noreturn: transfer amount exceeds balance"
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount
    log Transfer(sender=owner, receiver=to, value=amount)
