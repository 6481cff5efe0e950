# pragma version ~=0.4.3
"""
@title MorphoNavOracle
@license MIT
@notice Morpho Blue's IOracle for a market that takes a vyndex index token as collateral: the
        index's NAV feed divided by the loan token's guarded USD price, in Morpho's scale.

@dev    Morpho values collateral as `collateral assets * price() / 1e36` loan assets, so
            price() = NAV * 10**(36 + loan decimals - collateral decimals) / loan price
        with NAV the base feed's answer (USD per whole index token) and the loan price the
        adapter's checked USD price per whole loan token, both at 18 decimals. Rounded down (the
        lender's favour). One multiply-divide with a 512-bit intermediate: exact for any decimals.

        It never answers a wrong number: the NAV feed reverts while the vault is busy or a
        component price fails its checks, and the adapter reverts when the loan token's price
        does, each by name. Morpho then refuses to borrow, withdraw collateral or liquidate
        until prices are good again; repaying and supplying still work.
"""

from ethereum.ercs import IERC20Detailed

from snekmate.utils import math

from .interfaces import IAggregatorV3
from .interfaces import IPriceOracle


# ============================================================================================
# IMMUTABLES
# ============================================================================================

NAV_FEED: public(immutable(IAggregatorV3))
ORACLE: public(immutable(IPriceOracle))
COLLATERAL_TOKEN: public(immutable(address))
LOAN_TOKEN: public(immutable(address))
# 10**(54 + loan decimals - collateral decimals - feed decimals): from the feed's answer to 1e18 USD
# (18 - feed decimals), then Morpho's 1e36 scale per whole tokens (36 + loan - collateral).
SCALE_FACTOR: public(immutable(uint256))


# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__(nav_feed: IAggregatorV3, collateral_token: address, loan_token: address, oracle: IPriceOracle):
    """
    @notice A Morpho oracle pricing `collateral_token` (valued by `nav_feed`) in `loan_token`.
    @param nav_feed The index token's NAV feed (an AggregatorV3 in USD, 0 to 18 decimals).
    @param collateral_token The index token (0 to 18 decimals).
    @param loan_token The token lent (0 to 18 decimals), priced in USD by `oracle`.
    @param oracle The OracleAdapter that prices `loan_token`.
    """
    assert nav_feed.address.is_contract, "nav: feed not a contract"
    assert oracle.address.is_contract, "nav: oracle not a contract"
    feed_decimals: uint256 = convert(staticcall nav_feed.decimals(), uint256)
    collateral_decimals: uint256 = convert(staticcall IERC20Detailed(collateral_token).decimals(), uint256)
    loan_decimals: uint256 = convert(staticcall IERC20Detailed(loan_token).decimals(), uint256)
    assert feed_decimals <= 18 and collateral_decimals <= 18 and loan_decimals <= 18, "nav: decimals over 18"
    NAV_FEED = nav_feed
    ORACLE = oracle
    COLLATERAL_TOKEN = collateral_token
    LOAN_TOKEN = loan_token
    SCALE_FACTOR = 10 ** (54 + loan_decimals - collateral_decimals - feed_decimals)


# ============================================================================================
# MORPHO IORACLE
# ============================================================================================

@view
@external
def price() -> uint256:
    """
    @notice The price of 1 base unit of collateral in base units of the loan token, scaled by 1e36.
    @dev Reverts with the NAV feed's reason ("nav: vault busy", "oracle: ...") or the adapter's
         reason for the loan token; never returns a price from a failed check.
    @return NAV * 10**(36 + loan decimals - collateral decimals) / loan price.
    """
    answer: int256 = 0
    updated_at: uint256 = 0
    _round: uint80 = 0
    _started: uint256 = 0
    _answered: uint80 = 0
    _round, answer, _started, updated_at, _answered = staticcall NAV_FEED.latestRoundData()
    assert answer > 0, "nav: no answer"
    return math._mul_div(convert(answer, uint256), SCALE_FACTOR, staticcall ORACLE.price(LOAN_TOKEN), False)
