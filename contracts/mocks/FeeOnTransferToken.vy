# pragma version ~=0.4.3
"""
@title FeeOnTransferToken
@license MIT
@notice Test-only ERC-20 that burns `fee_bps` of every transfer and transferFrom: the receiver
        gets less than the amount sent (like PAXG or STA). With a fee of zero it is a plain token.
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
)

BPS: constant(uint256) = 10_000

fee_bps: public(uint256)


@deploy
def __init__(name_: String[25], symbol_: String[5], decimals_: uint8, fee_bps_: uint256):
    """
    @notice A token with `decimals_` decimals that burns `fee_bps_` of every transfer.
    @param name_ The token's name.
    @param symbol_ The token's symbol.
    @param decimals_ The token's decimals.
    @param fee_bps_ The transfer fee in basis points (at most 10,000).
    """
    ownable.__init__()
    erc20.__init__(name_, symbol_, decimals_, name_, "1")
    assert fee_bps_ <= BPS, "fot: fee over 100%"
    self.fee_bps = fee_bps_


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from the caller, of which `to` receives `amount` minus the fee.
    @param to The receiver.
    @param amount Base units debited from the caller.
    @return Always true.
    """
    self._transfer_with_fee(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Like `transfer`, from `owner` against the caller's allowance.
    @param owner Whose tokens move.
    @param to The receiver.
    @param amount Base units debited from `owner`.
    @return Always true.
    """
    erc20._spend_allowance(owner, msg.sender, amount)
    self._transfer_with_fee(owner, to, amount)
    return True


@external
def set_fee(fee_bps_: uint256):
    """
    @notice Changes the transfer fee; open to anyone (test token).
    @param fee_bps_ The new fee in basis points (at most 10,000).
    """
    assert fee_bps_ <= BPS, "fot: fee over 100%"
    self.fee_bps = fee_bps_


@external
def mint(owner: address, amount: uint256):
    """
    @notice Mints `amount` to `owner`; open to anyone (test token).
    @param owner The receiver.
    @param amount Base units to mint.
    """
    erc20._mint(owner, amount)


@internal
def _transfer_with_fee(owner: address, to: address, amount: uint256):
    fee: uint256 = amount * self.fee_bps // BPS
    if fee > 0:
        erc20._burn(owner, fee)
    erc20._transfer(owner, to, amount - fee)
