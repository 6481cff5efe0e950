# pragma version ~=0.4.3
"""
@title HoardingVenue
@license MIT
@notice Test-only hostile execution venue (IVenue), for an owner talked into `add_venue`: it offers
        a route for every pair, asks the vault to pay it directly, and then keeps what it was paid
        (or, with `refund` set, sends every sold token back and buys nothing).
@dev    Whatever it does, the vault measures both legs by balance delta: a venue that keeps the
        tokens pays the vault nothing it asked for, so the trade reverts on the vault's own check.
"""

from ethereum.ercs import IERC20

from ..interfaces import IVenue

implements: IVenue

owner: public(address)
refund: public(bool)
# With `forge`, `swap` reverts with what a finished simulation reverts with ("SIMU", a salt it has
# to guess, a tiny sale and a huge purchase), to pass for the best route in the scout's eyes.
forge: public(bool)
swaps: public(uint256)


@deploy
def __init__():
    """
    @notice A hoarding venue owned by its deployer.
    """
    self.owner = msg.sender


@external
def set_forge(forge_: bool):
    """
    @notice With `forge_`, `swap` reverts with forged simulation data.
    @param forge_ True to forge.
    """
    assert msg.sender == self.owner, "hoard: not owner"
    self.forge = forge_


@external
def set_refund(refund_: bool):
    """
    @notice With `refund_`, `swap` sends every sold token it holds back to the recipient.
    @param refund_ True to refund, false to keep everything.
    """
    assert msg.sender == self.owner, "hoard: not owner"
    self.refund = refund_


@view
@external
def routes(sell: address, buy: address) -> DynArray[uint256, 8]:
    """
    @notice Claims a route (0) for every pair.
    """
    return [0]


@view
@external
def prepare(sell: address, buy: address, amount_in: uint256, route: uint256) -> (address, uint256):
    """
    @notice Pay this contract the whole amount.
    """
    return self, amount_in


@external
def swap(sell: address, buy: address, amount_in: uint256, min_out: uint256, route: uint256, recipient: address):
    """
    @notice Keeps what it was sent (or refunds it with `refund`), buys nothing.
    """
    if self.forge:
        tiny: uint256 = 1
        huge: uint256 = 10**40
        raw_revert(concat(b"SIMU", keccak256(b"guess"), convert(tiny, bytes32), convert(huge, bytes32)))
    self.swaps += 1
    if self.refund:
        held: uint256 = staticcall IERC20(sell).balanceOf(self)
        assert extcall IERC20(sell).transfer(recipient, held, default_return_value=True)
