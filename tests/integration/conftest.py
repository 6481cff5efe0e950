"""The real Uniswap V2 (compiled bytecode from npm) for integration tests.

`uniswap` is WETH9 + UniswapV2Factory + UniswapV2Router02, deployed once per session (Ape
reverts each test's changes). `create_pair(token_a, token_b, amount_a, amount_b)` mints or
wraps both amounts for the liquidity provider, creates the pair and adds that liquidity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vyndex.reference.uniswap_v2 import UniswapV2, deploy_uniswap_v2, seed_pair


@pytest.fixture(scope="session")
def liquidity_provider(accounts):
    return accounts[10]


@pytest.fixture(scope="module")
def uniswap(owner) -> UniswapV2:
    return deploy_uniswap_v2(owner)


@pytest.fixture(scope="module")
def create_pair(uniswap, liquidity_provider) -> Callable[..., Any]:
    """Creates the pair of two tokens (MockERC20s or WETH) seeded with the given amounts."""

    def create(token_a: Any, token_b: Any, amount_a: int, amount_b: int) -> Any:
        return seed_pair(uniswap, token_a, token_b, amount_a, amount_b, liquidity_provider)

    return create
