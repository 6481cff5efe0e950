# pragma version ~=0.4.3
"""
@title PausableBlacklistToken
@license MIT
@notice Test-only ERC-20 whose owner can pause every transfer or blacklist any address (sender or
        receiver), like USDC and USDT: the token that reverts on the vault's own transfers.
"""

from snekmate.auth import ownable
from snekmate.tokens import erc20

initializes: ownable
initializes: erc20[ownable := ownable]

exports: (
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    ownable.owner,
)

paused: public(bool)
blacklisted: public(HashMap[address, bool])


@deploy
def __init__(name_: String[25], symbol_: String[5], decimals_: uint8):
    """
    @notice An unpaused token with `decimals_` decimals; the deployer is the owner.
    @param name_ The token's name.
    @param symbol_ The token's symbol.
    @param decimals_ The token's decimals.
    """
    ownable.__init__()
    erc20.__init__(name_, symbol_, decimals_, name_, "1")


@external
def set_paused(paused_: bool):
    """
    @notice Pauses or resumes every transfer. Owner only.
    @param paused_ True to pause.
    """
    ownable._check_owner()
    self.paused = paused_


@external
def set_blacklisted(account: address, blacklisted_: bool):
    """
    @notice Blocks or unblocks every transfer from or to `account`. Owner only.
    @param account The address.
    @param blacklisted_ True to block it.
    """
    ownable._check_owner()
    self.blacklisted[account] = blacklisted_


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from the caller to `to` unless paused or either side is blacklisted.
    @param to The receiver.
    @param amount Base units to move.
    @return Always true.
    """
    self._check(msg.sender, to)
    erc20._transfer(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Like `transfer`, from `owner` against the caller's allowance.
    @param owner Whose tokens move.
    @param to The receiver.
    @param amount Base units to move.
    @return Always true.
    """
    self._check(owner, to)
    erc20._spend_allowance(owner, msg.sender, amount)
    erc20._transfer(owner, to, amount)
    return True


@external
def mint(owner: address, amount: uint256):
    """
    @notice Mints `amount` to `owner`; open to anyone (test token).
    @param owner The receiver.
    @param amount Base units to mint.
    """
    erc20._mint(owner, amount)


@view
@internal
def _check(owner: address, to: address):
    assert not self.paused, "token: paused"
    assert not self.blacklisted[owner] and not self.blacklisted[to], "token: blacklisted"
