"""The factory's world: one IndexFactory over the real Uniswap V2 (a shared venue and scout), and
`fx_make_basket(n)` for n dollar-priced 18-decimal tokens with fresh feeds, funded to the creator.

`fx_params(basket, ...)` builds `CreateParams` for a basket; by default its units are 3:1:1:...
while the targets are equal, so a freshly created index is off target and a trade is due.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from vyndex.constants import WAD
from vyndex.factory import ComponentParams, CreateParams, deploy_factory

FEED_DECIMALS = 8
ONE_DOLLAR = 10**FEED_DECIMALS


@dataclasses.dataclass
class Basket:
    tokens: list[Any]
    feeds: list[Any]


@pytest.fixture(scope="session")
def fx_creator(accounts):
    return accounts[11]


@pytest.fixture(scope="module")
def fx_venue(project, owner, uniswap):
    return owner.deploy(project.UniswapV2Venue, uniswap.factory.address, uniswap.weth.address)


@pytest.fixture(scope="module")
def fx_factory(owner, fx_venue):
    return deploy_factory(owner, v2_factory=None, venues=[fx_venue])


@pytest.fixture(scope="module")
def fx_make_basket(project, owner, fx_creator, create_token) -> Callable[[int], Basket]:
    """n tokens at $1 each (8-decimal feeds), each minted to the creator (1e24 base units) and
    approved to nobody."""

    def make(n: int) -> Basket:
        tokens, feeds = [], []
        for i in range(n):
            token = create_token(18, f"Component {i}", f"C{i}")
            token.mint(fx_creator, 10**24, sender=owner)
            tokens.append(token)
            feeds.append(owner.deploy(project.MockAggregator, FEED_DECIMALS, f"C{i} / USD", ONE_DOLLAR))
        return Basket(tokens, feeds)

    return make


@pytest.fixture(scope="session")
def fx_params(manager, guardian, fee_recipient, keeper) -> Callable[..., CreateParams]:
    def build(
        basket: Basket, *, units: list[int] | None = None, symbol: str = "VFAC", **kw: Any
    ) -> CreateParams:
        n = len(basket.tokens)
        units = units or [3 * WAD] + [WAD] * (n - 1)
        weights = [10_000 // n] * n
        weights[0] += 10_000 - sum(weights)
        components = tuple(
            ComponentParams(
                token=str(t.address), unit=u, weight_bps=w, feed=str(f.address), max_staleness=3_600
            )
            for t, f, u, w in zip(basket.tokens, basket.feeds, units, weights, strict=True)
        )
        base = dict(
            name="vyndex Factory Index",
            symbol=symbol,
            components=components,
            manager=str(manager.address),
            guardian=str(guardian.address),
            fee_recipient=str(fee_recipient.address),
            keepers=(str(keeper.address),),
            drift_threshold_bps=200,
            max_slippage_bps=100,
            trade_cap_usd=10**6 * WAD,
            min_trade_usd=WAD,
            cooldown=60,
            plan_ttl=3_600,
            initial_shares=10 * WAD,
        )
        base.update(kw)
        params = CreateParams(**base)  # type: ignore[arg-type]
        return dataclasses.replace(params, max_amounts_in=tuple(params.seed_amounts()))

    return build


@pytest.fixture(scope="module")
def fx_pair_basket(fx_make_basket, create_pair) -> Basket:
    """Two $1 tokens with a deep 1:1 Uniswap V2 pair: what a trade needs."""
    basket = fx_make_basket(2)
    create_pair(basket.tokens[0], basket.tokens[1], 10**24, 10**24)
    return basket
