# pragma version ~=0.4.3
"""
@title PreviewProbe
@license MIT
@notice Test-only caller that reads a vault's `preview_mint`/`preview_redeem` and then mints or
        redeems in the same transaction, keeping both results: the proof that a preview is exactly
        what the call moves in its block (management fee accrued inside the call included).
"""

from ethereum.ercs import IERC20


interface IVault:
    def preview_mint(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]: view
    def preview_redeem(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]: view
    def mint(
        shares: uint256, receiver: address, max_amounts_in: DynArray[uint256, MAX_COMPONENTS]
    ) -> DynArray[uint256, MAX_COMPONENTS]: nonpayable
    def redeem(
        shares: uint256, receiver: address, min_amounts_out: DynArray[uint256, MAX_COMPONENTS]
    ) -> DynArray[uint256, MAX_COMPONENTS]: nonpayable
    def components() -> (DynArray[address, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS]): view


MAX_COMPONENTS: constant(uint256) = 32

previewed: DynArray[uint256, MAX_COMPONENTS]
moved: DynArray[uint256, MAX_COMPONENTS]


@deploy
def __init__():
    """
    @notice A probe with no results yet.
    """
    pass


@external
def approve_components(vault: IVault):
    """
    @notice Approves `vault` to pull every one of its components from this probe.
    @param vault The index vault.
    """
    tokens: DynArray[address, MAX_COMPONENTS] = (staticcall vault.components())[0]
    for token: address in tokens:
        assert extcall IERC20(token).approve(vault.address, max_value(uint256), default_return_value=True)


@external
def mint_after_preview(vault: IVault, shares: uint256):
    """
    @notice Reads `preview_mint(shares)`, then mints `shares` to this probe, storing both results.
    @param vault The index vault.
    @param shares Index tokens to mint.
    """
    self.previewed = staticcall vault.preview_mint(shares)
    bounds: DynArray[uint256, MAX_COMPONENTS] = []
    for amount: uint256 in self.previewed:
        bounds.append(max_value(uint256))
    self.moved = extcall vault.mint(shares, self, bounds)


@external
def redeem_after_preview(vault: IVault, shares: uint256):
    """
    @notice Reads `preview_redeem(shares)`, then redeems `shares` of this probe's index tokens to
            itself, storing both results.
    @param vault The index vault.
    @param shares Index tokens to redeem.
    """
    self.previewed = staticcall vault.preview_redeem(shares)
    bounds: DynArray[uint256, MAX_COMPONENTS] = []
    for amount: uint256 in self.previewed:
        bounds.append(0)
    self.moved = extcall vault.redeem(shares, self, bounds)


@view
@external
def results() -> (DynArray[uint256, MAX_COMPONENTS], DynArray[uint256, MAX_COMPONENTS]):
    """
    @notice What the last preview said and what the call that followed it returned.
    @return Previewed amounts, moved amounts, in basket order.
    """
    return self.previewed, self.moved
