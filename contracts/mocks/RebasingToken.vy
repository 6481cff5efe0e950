# pragma version ~=0.4.3
"""
@title RebasingToken
@license MIT
@notice Test-only rebasing ERC-20 (stETH-shaped): balances are shares times a global `index` that
        anyone can move (a positive or negative rebase), so a holder's balance changes without a
        transfer. Transfers move `floor(amount * 1e18 / index)` shares, so at an index other than
        1e18 the receiver can get a wei less than `amount`.
"""

WAD: constant(uint256) = 10**18

name: public(String[25])
symbol: public(String[5])
decimals: public(uint8)
index: public(uint256)
shares_of: public(HashMap[address, uint256])
total_shares: public(uint256)
allowance: public(HashMap[address, HashMap[address, uint256]])


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
    @notice A token with `decimals_` decimals, no supply and an index of 1e18.
    @param name_ The token's name.
    @param symbol_ The token's symbol.
    @param decimals_ The token's decimals.
    """
    self.name = name_
    self.symbol = symbol_
    self.decimals = decimals_
    self.index = WAD


@view
@external
def balanceOf(account: address) -> uint256:
    """
    @notice `account`'s balance at the current index.
    @param account The holder.
    @return Its shares times the index, rounded down.
    """
    return self.shares_of[account] * self.index // WAD


@view
@external
def totalSupply() -> uint256:
    """
    @notice Every holder's shares at the current index.
    @return The supply, rounded down.
    """
    return self.total_shares * self.index // WAD


@external
def rebase(index_: uint256):
    """
    @notice Sets the index: every balance scales by `index_ / index`. Open to anyone (test token).
    @param index_ The new index, WAD (above 1e18 a positive rebase, below a negative one).
    """
    assert index_ > 0, "rebasing: zero index"
    self.index = index_


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Moves the shares worth `amount` (rounded down) from the caller to `to`.
    @param to The receiver.
    @param amount Base units at the current index.
    @return Always true.
    """
    self._transfer(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Like `transfer`, from `owner` against the caller's allowance (in base units).
    @param owner Whose tokens move.
    @param to The receiver.
    @param amount Base units at the current index.
    @return Always true.
    """
    allowed: uint256 = self.allowance[owner][msg.sender]
    if allowed != max_value(uint256):
        assert allowed >= amount, "rebasing: insufficient allowance"
        self.allowance[owner][msg.sender] = allowed - amount
    self._transfer(owner, to, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    """
    @notice Sets the caller's allowance for `spender`, in base units.
    @param spender Who may spend.
    @param amount The allowance.
    @return Always true.
    """
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)
    return True


@external
def mint(owner: address, amount: uint256):
    """
    @notice Mints the shares worth `amount` (rounded down) to `owner`; open to anyone (test token).
    @param owner The receiver.
    @param amount Base units at the current index.
    """
    shares: uint256 = amount * WAD // self.index
    self.shares_of[owner] += shares
    self.total_shares += shares
    log Transfer(sender=empty(address), receiver=owner, value=amount)


@internal
def _transfer(owner: address, to: address, amount: uint256):
    shares: uint256 = amount * WAD // self.index
    assert self.shares_of[owner] >= shares, "rebasing: transfer amount exceeds balance"
    self.shares_of[owner] -= shares
    self.shares_of[to] += shares
    log Transfer(sender=owner, receiver=to, value=amount)
