# pragma version ~=0.4.3
"""
@title FixedPriceOracle
@license MIT
@notice Test-only IPriceOracle with prices set by hand, for the vault's `total_value` and
        `nav_per_share` views. An asset can be marked failing: its price then reverts with
        "oracle: stale price", as the real adapter does when a feed fails its checks.
"""

from ethereum.ercs import IERC20Detailed

from ..interfaces import IPriceOracle

implements: IPriceOracle

# USD per whole token, 18 decimals.
prices: public(HashMap[address, uint256])
failing: public(HashMap[address, bool])


@deploy
def __init__():
    """
    @notice An oracle with no prices.
    """
    pass


@external
def set_price(asset: address, price_: uint256):
    """
    @notice Sets the USD price of one whole `asset`; open to anyone (test oracle).
    @param asset The token.
    @param price_ USD per whole token, 18 decimals.
    """
    self.prices[asset] = price_


@external
def set_failing(asset: address, failing_: bool):
    """
    @notice Makes every price read of `asset` revert (or stop reverting); open to anyone.
    @param asset The token.
    @param failing_ True to fail.
    """
    self.failing[asset] = failing_


@view
@external
def price(asset: address) -> uint256:
    """
    @notice USD per whole token of `asset`, 18 decimals.
    @param asset The token.
    @return The price set for it.
    """
    return self._price(asset)


@view
@external
def price_pair(asset_a: address, asset_b: address) -> (uint256, uint256):
    """
    @notice The prices of two assets, as `price` returns them.
    @param asset_a A token.
    @param asset_b Another token.
    @return Both prices, 18 decimals.
    """
    return self._price(asset_a), self._price(asset_b)


@view
@external
def price_status(asset: address) -> (uint256, bool, uint8):
    """
    @notice The price, whether it is usable, and a reason code (0 ok, 1 failing); never reverts.
    @param asset The token.
    @return Price, ok flag, reason code.
    """
    if self.failing[asset]:
        return self.prices[asset], False, 1
    return self.prices[asset], True, 0


@view
@external
def value(asset: address, amount: uint256) -> uint256:
    """
    @notice USD value (18 decimals, rounded down) of `amount` base units of `asset`.
    @param asset The token.
    @param amount Base units.
    @return amount * price / 10**decimals.
    """
    decimals: uint256 = convert(staticcall IERC20Detailed(asset).decimals(), uint256)
    return amount * self._price(asset) // 10**decimals


@view
@internal
def _price(asset: address) -> uint256:
    assert not self.failing[asset], "oracle: stale price"
    return self.prices[asset]
