"""A four-component index (USDC 6 decimals, WBTC 8, LINK 18, WETH 18) on real Uniswap V2 pairs and
V3 pools, and an IndexZap over both venues, paying or receiving ETH, WETH or DAI (18, not a
component).

Routes: every component has a V2 pair and a V3 pool with WETH (USDC at 0.05% and 0.3%, WBTC at
0.3%, LINK at 1%); DAI has V2 pairs with WETH, USDC and WBTC but none with LINK, so LINK bought
with DAI is routed only through WETH. A second index holds a ReentrantToken (paired with WETH).

Prices: USDC $1, DAI $1, WBTC $30,000, LINK $20, WETH $2,000; $100 of each component per index
token ($400 NAV); pools hold $2,000,000 a side; 100 index tokens exist, held by alice.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from vyndex.reference.uniswap_v2 import deploy_uniswap_v2, seed_pair
from vyndex.reference.uniswap_v3 import deploy_uniswap_v3, seed_pool
from vyndex.venues import deploy_v2_venue, deploy_v3_venue
from vyndex.zap import deploy_zap

DECIMALS = {"USDC": 6, "WBTC": 8, "LINK": 18, "WETH": 18, "DAI": 18, "RTK": 18}
PRICES = {"USDC": 1, "WBTC": 30_000, "LINK": 20, "WETH": 2_000, "DAI": 1, "RTK": 10}
COMPONENTS = ("USDC", "WBTC", "LINK", "WETH")
UNIT_USD = 100
SIDE_USD = 2_000_000
SUPPLY = 100 * 10**18
STALENESS = 86_400
MAX_UINT = 2**256 - 1


def zp_amount(symbol: str, usd: float | Fraction) -> int:
    return int(Fraction(usd) * 10 ** DECIMALS[symbol] / PRICES[symbol])


@pytest.fixture(scope="module")
def zp_uni(owner):
    owner.balance += 10**26
    return deploy_uniswap_v2(owner)


@pytest.fixture(scope="module")
def zp_uni3(owner, zp_uni):
    return deploy_uniswap_v3(owner, zp_uni.weth)


@pytest.fixture(scope="module")
def zp_tokens(project, owner, zp_uni, create_token) -> dict[str, Any]:
    return {
        "USDC": create_token(6, "USD Coin", "USDC"),
        "WBTC": create_token(8, "Wrapped BTC", "WBTC"),
        "LINK": create_token(18, "Chainlink", "LINK"),
        "WETH": zp_uni.weth,
        "DAI": create_token(18, "Dai", "DAI"),
        "RTK": owner.deploy(project.ReentrantToken, "Reentrant", "RTK", 18),
    }


@pytest.fixture(scope="module")
def zp_feeds(project, owner) -> dict[str, Any]:
    return {s: owner.deploy(project.MockAggregator, 8, f"{s} / USD", p * 10**8) for s, p in PRICES.items()}


@pytest.fixture(scope="module")
def zp_adapter(project, owner, zp_tokens, zp_feeds):
    adapter = owner.deploy(project.OracleAdapter)
    for symbol, token in zp_tokens.items():
        adapter.set_feed(token, zp_feeds[symbol], STALENESS, sender=owner)
    return adapter


@pytest.fixture(scope="module")
def zp_pools(zp_uni, zp_uni3, zp_tokens, owner) -> dict[str, Any]:
    t = zp_tokens
    pairs = {}
    for a, b in (
        ("WETH", "USDC"),
        ("WETH", "WBTC"),
        ("WETH", "LINK"),
        ("WETH", "DAI"),
        ("WETH", "RTK"),
        ("DAI", "USDC"),
        ("DAI", "WBTC"),
    ):
        pairs[(a, b)] = seed_pair(zp_uni, t[a], t[b], zp_amount(a, SIDE_USD), zp_amount(b, SIDE_USD), owner)
    pools = {}
    for symbol, fee in (("USDC", 500), ("USDC", 3000), ("WBTC", 3000), ("LINK", 10000), ("DAI", 3000)):
        pools[(symbol, fee)] = seed_pool(
            zp_uni3,
            t[symbol],
            t["WETH"],
            fee,
            zp_amount(symbol, SIDE_USD),
            zp_amount("WETH", SIDE_USD),
            owner,
        )
    return {"v2": pairs, "v3": pools}


@pytest.fixture(scope="module")
def zp_venues(owner, zp_uni, zp_uni3, zp_pools):
    return [
        deploy_v2_venue(owner, zp_uni.factory, zp_uni.weth),
        deploy_v3_venue(owner, zp_uni3.factory, zp_uni.weth),
    ]


@pytest.fixture(scope="module")
def zp_zap(owner, zp_venues, zp_uni, zp_adapter):
    return deploy_zap(owner, zp_venues, zp_uni.weth, zp_adapter)


def zp_give(zp_uni: Any, token: Any, holder: Any, amount: int) -> None:
    if token.address == zp_uni.weth.address:
        holder.balance += amount
        zp_uni.weth.deposit(sender=holder, value=amount)
    else:
        token.mint(holder, amount, sender=holder)


def zp_index(project, roles, zp_uni, zp_tokens, symbols, name, symbol):
    """An index of `symbols`, $100 of each per index token; alice mints SUPPLY of it."""
    owner, manager, guardian, fee_recipient, alice = roles
    units = [zp_amount(s, UNIT_USD) for s in symbols]
    vault = owner.deploy(
        project.IndexVault,
        name,
        symbol,
        [zp_tokens[s] for s in symbols],
        units,
        manager,
        guardian,
        fee_recipient,
    )
    for s, unit in zip(symbols, units, strict=True):
        zp_give(zp_uni, zp_tokens[s], alice, unit * SUPPLY // 10**18)
        zp_tokens[s].approve(vault, MAX_UINT, sender=alice)
    vault.mint(SUPPLY, alice, [MAX_UINT] * len(symbols), sender=alice)
    return vault


@pytest.fixture(scope="module")
def zp_vault(project, owner, manager, guardian, fee_recipient, alice, zp_uni, zp_tokens, zp_pools):
    roles = (owner, manager, guardian, fee_recipient, alice)
    return zp_index(project, roles, zp_uni, zp_tokens, COMPONENTS, "vyndex Zap", "VZP")


@pytest.fixture(scope="module")
def zp_rvault(project, owner, manager, guardian, fee_recipient, alice, zp_uni, zp_tokens, zp_pools):
    """An index of RTK (the reentrant token) and USDC, $100 of each per index token."""
    roles = (owner, manager, guardian, fee_recipient, alice)
    return zp_index(project, roles, zp_uni, zp_tokens, ("RTK", "USDC"), "vyndex Hook", "VHK")


@pytest.fixture(autouse=True)
def zp_nothing_rests(zp_zap, zp_tokens, zp_vault, zp_rvault):
    """After the test: the zap holds nothing (every token, the index tokens, ETH) and has no
    allowance left to either vault (DESIGN invariant 11)."""
    yield
    for symbol, token in zp_tokens.items():
        assert token.balanceOf(zp_zap) == 0, f"{symbol} left in the zap"
        for vault in (zp_vault, zp_rvault):
            assert token.allowance(zp_zap, vault) == 0, f"{symbol} allowance left to a vault"
    for vault in (zp_vault, zp_rvault):
        assert vault.balanceOf(zp_zap) == 0
    assert zp_zap.balance == 0
