"""The tooling's world: the devnet market (real Uniswap V2, mock feeds) on the test chain, and
the blue-chip example index deployed on it through `vyndex.deploy`, as `ape run deploy` does.

Address books go to a temporary folder (VYNDEX_DEPLOYMENTS), never to `deployments/`.
"""

from __future__ import annotations

import dataclasses
import os
from decimal import Decimal
from pathlib import Path

import pytest

from vyndex.addressbook import ROOT_ENV
from vyndex.deploy import deploy_index
from vyndex.devnet import Market, build_market
from vyndex.index import connected_books
from vyndex.spec import IndexSpec, RolesSpec, load_spec

ROOT = Path(__file__).parents[2]
BLUE_CHIP = ROOT / "examples" / "blue-chip.yaml"


@pytest.fixture(scope="module")
def book_root(tmp_path_factory) -> Path:
    """A fresh address-book folder per module: chain state is per module too."""
    root = tmp_path_factory.mktemp("deployments")
    os.environ[ROOT_ENV] = str(root)
    return root


@pytest.fixture(scope="module")
def market(owner, book_root) -> Market:
    m = build_market(owner, pool_usd=Decimal(1_000_000))
    books = connected_books(book_root)
    for name, address in m.entries().items():
        books.primary.set(name, address)
    books.primary.save()
    return m


@pytest.fixture(scope="module")
def blue_spec(manager, guardian, fee_recipient, keeper) -> IndexSpec:
    spec = load_spec(BLUE_CHIP)
    roles = RolesSpec(
        owner="deployer",
        manager=str(manager.address),
        guardian=str(guardian.address),
        fee_recipient=str(fee_recipient.address),
        keepers=(str(keeper.address),),
    )
    return dataclasses.replace(spec, roles=roles)


@pytest.fixture(scope="module")
def deployed(market, blue_spec, owner, book_root):
    report = deploy_index(blue_spec, owner, connected_books(book_root), echo=lambda _: None)
    return report.handle


@pytest.fixture(scope="session")
def funder():
    """`fund_for_mint` for tests."""
    return fund_for_mint


def fund_for_mint(handle, market, holder, shares: int) -> None:
    """Gives `holder` exactly what minting `shares` takes (wrapping ether for WETH)."""
    for token, amount in zip(handle.tokens, handle.vault.preview_mint(shares), strict=True):
        if token.address == market.weth.address:
            market.weth.deposit(sender=holder, value=amount)
        else:
            market.tokens[next(s for s, t in market.tokens.items() if t.address == token.address)].mint(
                holder.address, amount, sender=holder
            )


@pytest.fixture(scope="module")
def minted(deployed, market, alice):
    """Alice holds 1,000 VBLUE ($100,000 of basket)."""
    shares = 1_000 * 10**18
    fund_for_mint(deployed, market, alice, shares)
    for token in deployed.tokens:
        token.approve(deployed.vault.address, 2**256 - 1, sender=alice)
    deployed.vault.mint(shares, alice.address, [2**255] * 3, sender=alice)
    return deployed


@pytest.fixture
def drifted(minted, market, owner):
    """WETH up 25%: its weight drifts from 50% to about 55.6%, past the 2% threshold."""
    from vyndex.devnet import set_price

    set_price(market, "WETH", market.price("WETH") * Decimal("1.25"), owner)
    return minted
