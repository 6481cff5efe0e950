"""A Morpho Blue market that takes a vyndex index as collateral, on the real Morpho bytecode.

Morpho Blue 1.0.0 is compiled from its npm sources with npm solc-js 0.8.19 (`vyndex.reference.morpho`,
cached under .build/solc/ by source hash: only the first run pays the ~15 s compile). Its IRM is
the package's IrmMock (IRMs are out of scope). The index holds WETH and WBTC (8 decimals), priced
by Chainlink-style feeds through the OracleAdapter; the NAV feed values it and MorphoNavOracle
prices it in USDC (6 decimals, its own feed at $0.9998). bob lends 1,000,000 USDC; alice holds 100
index tokens ($5,000 of NAV) to post as collateral; carol is the liquidator.
"""

from __future__ import annotations

from typing import Any

import pytest

from vyndex.constants import MAX_UINT256, WAD
from vyndex.reference.morpho import MorphoBlue, deploy_morpho

STALENESS = 86_400
LLTV = 860_000_000_000_000_000  # 86%
# Per whole index token: 0.01 WETH ($20) and 0.0005 WBTC ($30): NAV $50.
LENDING_UNITS = [10**16, 5 * 10**4]
ANSWERS = {"WETH": 2_000 * 10**8, "WBTC": 60_000 * 10**8, "USDC": 99_980_000}
COLLATERAL = 100 * WAD
LIQUIDITY = 1_000_000 * 10**6


@pytest.fixture(scope="module")
def lending_tokens(create_token) -> dict[str, Any]:
    return {
        "WETH": create_token(18, "Wrapped Ether", "WETH"),
        "WBTC": create_token(8, "Wrapped BTC", "WBTC"),
        "USDC": create_token(6, "USD Coin", "USDC"),
    }


@pytest.fixture(scope="module")
def lending_feeds(project, owner) -> dict[str, Any]:
    return {s: owner.deploy(project.MockAggregator, 8, f"{s} / USD", a) for s, a in ANSWERS.items()}


@pytest.fixture(scope="module")
def lending_adapter(project, owner, lending_tokens, lending_feeds):
    adapter = owner.deploy(project.OracleAdapter)
    for symbol, token in lending_tokens.items():
        adapter.set_feed(token, lending_feeds[symbol], STALENESS, sender=owner)
    return adapter


@pytest.fixture(scope="module")
def collateral_index(create_vault, lending_tokens, lending_adapter, fund, owner, alice):
    """The index token; alice holds COLLATERAL of it."""
    components = [lending_tokens["WETH"], lending_tokens["WBTC"]]
    vault = create_vault(components, LENDING_UNITS, "vyndex Blue", "VBLUE")
    amounts = [COLLATERAL * u // WAD for u in LENDING_UNITS]
    fund(alice, components, amounts, vault)
    vault.mint(COLLATERAL, alice, amounts, sender=alice)
    return vault


@pytest.fixture(scope="module")
def index_nav_feed(project, owner, collateral_index, lending_adapter):
    return owner.deploy(project.IndexNavFeed, collateral_index, lending_adapter, "VBLUE / USD NAV")


@pytest.fixture(scope="module")
def morpho_oracle(project, owner, index_nav_feed, collateral_index, lending_tokens, lending_adapter):
    return owner.deploy(
        project.MorphoNavOracle, index_nav_feed, collateral_index, lending_tokens["USDC"], lending_adapter
    )


@pytest.fixture(scope="module")
def morpho(owner) -> MorphoBlue:
    blue = deploy_morpho(owner)
    blue.enable_lltv(LLTV, owner)
    return blue


@pytest.fixture(scope="module")
def morpho_market(morpho, morpho_oracle, collateral_index, lending_tokens, owner, alice, bob, carol):
    """The USDC / VBLUE market with bob's liquidity; alice and carol have approved Morpho."""
    usdc = lending_tokens["USDC"]
    params = morpho.market_params(usdc, collateral_index, morpho_oracle, LLTV)
    morpho.contract.createMarket(params, sender=owner)
    usdc.mint(bob, LIQUIDITY, sender=bob)
    usdc.approve(morpho.contract, MAX_UINT256, sender=bob)
    morpho.contract.supply(params, LIQUIDITY, 0, bob, b"", sender=bob)
    collateral_index.approve(morpho.contract, MAX_UINT256, sender=alice)
    usdc.approve(morpho.contract, MAX_UINT256, sender=alice)
    usdc.mint(carol, LIQUIDITY, sender=carol)
    usdc.approve(morpho.contract, MAX_UINT256, sender=carol)
    return params
