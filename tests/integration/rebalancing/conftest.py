"""A five-component index whose components have 0, 2, 6, 8 and 18 decimals, on real Uniswap V2
pairs (every pair of components) and real Uniswap V3 pools (each component against WETH at the
0.3% tier, and a deeper 0.05% WETH/USDC pool), traded by a Rebalancer over both venues.

Prices: GOLD (0 decimals) $100, EURC (2 decimals, pausable) $1, USDC (6) $1, WBTC (8) $30,000,
WETH (18) $2,000. Every component is worth $100 per index token; 1,000 index tokens are minted, so
the vault holds $500,000. Pools hold $5,000,000 a side.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from typing import Any

import pytest

from vyndex.constants import BPS, USD
from vyndex.reference.uniswap_v2 import deploy_uniswap_v2, seed_pair
from vyndex.reference.uniswap_v3 import deploy_uniswap_v3, seed_pool
from vyndex.venues import check_upkeep, deploy_rebalancer, deploy_v2_venue, deploy_v3_venue

SYMBOLS = ("GOLD", "EURC", "USDC", "WBTC", "WETH")
DECIMALS = {"GOLD": 0, "EURC": 2, "USDC": 6, "WBTC": 8, "WETH": 18}
PRICES = {"GOLD": 100, "EURC": 1, "USDC": 1, "WBTC": 30_000, "WETH": 2_000}
UNIT_USD = 100
MINTED = 1_000 * 10**18
POOL_SIDE_USD = 5_000_000
STALENESS = 86_400

THRESHOLD_BPS = 10
SLIPPAGE_BPS = 100
TRADE_CAP_USD = 20_000 * USD
MIN_TRADE_USD = 10 * USD
COOLDOWN = 300
PLAN_TTL = 86_400


def amount_of(symbol: str, usd: float | Fraction) -> int:
    return int(Fraction(usd) * 10 ** DECIMALS[symbol] / PRICES[symbol])


@pytest.fixture(scope="module")
def dx_uni(owner):
    owner.balance += 10**24
    return deploy_uniswap_v2(owner)


@pytest.fixture(scope="module")
def dx_uni3(owner, dx_uni):
    return deploy_uniswap_v3(owner, dx_uni.weth)


@pytest.fixture(scope="module")
def dx_tokens(project, owner, dx_uni, create_token) -> dict[str, Any]:
    return {
        "GOLD": create_token(0, "Gold Bar", "GOLD"),
        "EURC": owner.deploy(project.PausableBlacklistToken, "Euro Coin", "EURC", 2),
        "USDC": create_token(6, "USD Coin", "USDC"),
        "WBTC": create_token(8, "Wrapped BTC", "WBTC"),
        "WETH": dx_uni.weth,
    }


@pytest.fixture(scope="module")
def dx_feeds(project, owner) -> dict[str, Any]:
    return {s: owner.deploy(project.MockAggregator, 8, f"{s} / USD", p * 10**8) for s, p in PRICES.items()}


@pytest.fixture(scope="module")
def dx_adapter(project, owner, dx_tokens, dx_feeds):
    dx_adapter = owner.deploy(project.OracleAdapter)
    for symbol, token in dx_tokens.items():
        dx_adapter.set_feed(token, dx_feeds[symbol], STALENESS, sender=owner)
    return dx_adapter


@pytest.fixture(scope="module")
def dx_pools(dx_uni, dx_uni3, dx_tokens, owner):
    pairs = {}
    for a, b in combinations(SYMBOLS, 2):
        pairs[(a, b)] = seed_pair(
            dx_uni,
            dx_tokens[a],
            dx_tokens[b],
            amount_of(a, POOL_SIDE_USD),
            amount_of(b, POOL_SIDE_USD),
            owner,
        )
    v3 = {}
    for symbol in SYMBOLS[:-1]:
        v3[(symbol, 3000)] = seed_pool(
            dx_uni3,
            dx_tokens[symbol],
            dx_tokens["WETH"],
            3000,
            amount_of(symbol, POOL_SIDE_USD),
            amount_of("WETH", POOL_SIDE_USD),
            owner,
        )
    v3[("USDC", 500)] = seed_pool(
        dx_uni3,
        dx_tokens["USDC"],
        dx_tokens["WETH"],
        500,
        amount_of("USDC", 4 * POOL_SIDE_USD),
        amount_of("WETH", 4 * POOL_SIDE_USD),
        owner,
    )
    return {"v2": pairs, "v3": v3}


def give(dx_uni: Any, token: Any, holder: Any, amount: int) -> None:
    if token.address == dx_uni.weth.address:
        dx_uni.weth.deposit(sender=holder, value=amount)
    else:
        token.mint(holder, amount, sender=holder)


@pytest.fixture(scope="module")
def dx_venues(owner, dx_uni, dx_uni3):
    return [
        deploy_v2_venue(owner, dx_uni.factory, dx_uni.weth),
        deploy_v3_venue(owner, dx_uni3.factory, dx_uni.weth),
    ]


@pytest.fixture(scope="module")
def dx_index(
    project,
    owner,
    manager,
    guardian,
    fee_recipient,
    keeper,
    alice,
    dx_uni,
    dx_tokens,
    dx_adapter,
    dx_pools,
    dx_venues,
):
    units = [amount_of(s, UNIT_USD) for s in SYMBOLS]
    dx_vault = owner.deploy(
        project.IndexVault,
        "vyndex Decimals",
        "VXD",
        [dx_tokens[s] for s in SYMBOLS],
        units,
        manager,
        guardian,
        fee_recipient,
    )
    dx_rebalancer = deploy_rebalancer(
        owner,
        dx_vault,
        dx_adapter,
        dx_venues,
        drift_threshold_bps=THRESHOLD_BPS,
        max_slippage_bps=SLIPPAGE_BPS,
        trade_cap_usd_wad=TRADE_CAP_USD,
        min_trade_usd_wad=MIN_TRADE_USD,
        cooldown=COOLDOWN,
        plan_ttl=PLAN_TTL,
    )
    dx_vault.set_rebalancer(dx_rebalancer, sender=owner)
    dx_rebalancer.set_keeper(keeper, True, sender=owner)
    for symbol, unit in zip(SYMBOLS, units, strict=True):
        give(dx_uni, dx_tokens[symbol], alice, unit * MINTED // 10**18 + 1)
        dx_tokens[symbol].approve(dx_vault, 2**256 - 1, sender=alice)
    dx_vault.mint(MINTED, alice, [2**255] * len(SYMBOLS), sender=alice)
    return dx_vault, dx_rebalancer


@pytest.fixture(scope="module")
def dx_vault(dx_index):
    return dx_index[0]


@pytest.fixture(scope="module")
def dx_rebalancer(dx_index):
    return dx_index[1]


def oracle_prices(dx_adapter: Any, dx_tokens: dict[str, Any]) -> list[int]:
    """Each component's guarded USD price (18 decimals), basket order."""
    return [int(dx_adapter.price(dx_tokens[s])) for s in SYMBOLS]


def values_usd(dx_vault: Any, prices: list[int]) -> list[int]:
    """What the supply is owed of each component, in USD (18 decimals), from stored units: the
    rebalancer's own valuation."""
    _tokens, stored, supply, scale = dx_vault.basket_state()
    return [supply * s * scale // 10**36 * p // 10**18 for s, p in zip(stored, prices, strict=True)]


def balances(w3: Any, pairs: list[tuple[Any, Any]]) -> list[int]:
    """`token.balanceOf(holder)` for every (token, holder) pair, in one JSON-RPC batch of eth_calls
    at the latest block. The stateful machine reads ~20 balances after every step; through Ape's
    contract calls (~15 ms each) that was three quarters of a long run's time."""
    with w3.batch_requests() as batch:
        for token, holder in pairs:
            data = "0x70a08231" + str(getattr(holder, "address", holder))[2:].lower().rjust(64, "0")
            batch.add(w3.eth.call({"to": str(token.address), "data": data}))
        results = batch.execute()
    return [int.from_bytes(r, "big") for r in results]


def distance_bps_x(values: list[int], i: int, target_bps: int) -> Fraction:
    """|weight_i - target_i| as an exact fraction of NAV."""
    total = sum(values)
    return abs(Fraction(values[i], total) - Fraction(target_bps, BPS))


def perform_proposals(dx_rebalancer: Any, keeper: Any, chain: Any, limit: int = 12) -> list[Any]:
    """Performs whatever checkUpkeep proposes (each must execute), waiting out one cooldown when it
    proposes nothing; returns the receipts."""
    receipts = []
    waited = False
    while len(receipts) < limit:
        proposal = check_upkeep(dx_rebalancer)
        if not proposal.needed:
            if waited:
                break
            waited = True
            chain.pending_timestamp += COOLDOWN + 1
            chain.mine()
            continue
        waited = False
        receipts.append(dx_rebalancer.performUpkeep(proposal.data, sender=keeper))
    return receipts
