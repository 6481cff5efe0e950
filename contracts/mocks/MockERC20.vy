# pragma version ~=0.4.3
"""
@title MockERC20
@notice Test-only ERC-20 (snekmate) with any decimals and an open `mint`, for baskets in tests.
"""

from ethereum.ercs import IERC20

from snekmate.auth import ownable
from snekmate.tokens import erc20

initializes: ownable
initializes: erc20[ownable := ownable]

exports: (
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
)


@deploy
def __init__(name_: String[25], symbol_: String[5], decimals_: uint8):
    """
    @notice A token with `decimals_` decimals and no supply.
    """
    ownable.__init__()
    erc20.__init__(name_, symbol_, decimals_, name_, "1")


@external
def mint(owner: address, amount: uint256):
    """
    @notice Mints `amount` to `owner`; open to anyone (test token).
    """
    erc20._mint(owner, amount)


@external
def burn(owner: address, amount: uint256):
    """
    @notice Burns `amount` from `owner`; open to anyone (test token, e.g. to model a loss).
    """
    erc20._burn(owner, amount)
