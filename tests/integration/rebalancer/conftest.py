"""A live index on real Uniswap V2 bytecode: three components (18, 6 and 8 decimals) priced by
Chainlink's own compiled feeds (aggregator behind proxy) through the OracleAdapter, pools seeded
at the feed prices, a vault with about $60,000 in it at equal weights, and a Rebalancer wired to
all of it.

Prices: WETH $2,000, USDC $1, WBTC $30,000. Pools hold $10,000,000 a side, so a $2,000 trade
moves a price about 0.02% and pays the 0.3% pool fee: inside the 1% slippage bound even after a
whole rebalance has gone through one pool with no arbitrageur restoring it.
"""

from __future__ import annotations

from typing import Any

import pytest

from vyndex.constants import USD
from vyndex.devnet import deploy_chainlink_feed
from vyndex.reference.uniswap_v2 import UniswapV2, deploy_uniswap_v2, seed_pair
from vyndex.venues import check_upkeep, deploy_rebalancer, deploy_v2_venue

PRICES = {"WETH": 2_000, "USDC": 1, "WBTC": 30_000}
DECIMALS = {"WETH": 18, "USDC": 6, "WBTC": 8}
# $20 of each per whole index token.
UNITS = {"WETH": 10**16, "USDC": 20 * 10**6, "WBTC": 66_667}
POOL_SIDE_USD = 10_000_000
STALENESS = 86_400

THRESHOLD_BPS = 100
SLIPPAGE_BPS = 100
TRADE_CAP_USD = 2_000 * USD
MIN_TRADE_USD = 10 * USD
COOLDOWN = 300
PLAN_TTL = 86_400
MINTED = 1_000 * 10**18


def amount_of(symbol: str, usd: float) -> int:
    return int(usd * 10 ** DECIMALS[symbol] // PRICES[symbol])


@pytest.fixture(scope="module")
def uni(owner) -> UniswapV2:
    return deploy_uniswap_v2(owner)


@pytest.fixture(scope="module")
def tokens(uni, create_token) -> dict[str, Any]:
    return {
        "WETH": uni.weth,
        "USDC": create_token(6, "USD Coin", "USDC"),
        "WBTC": create_token(8, "Wrapped BTC", "WBTC"),
    }


@pytest.fixture(scope="module")
def chainlink_feeds(owner) -> dict[str, tuple[Any, Any]]:
    """Chainlink's compiled AccessControlledAggregator behind an EACAggregatorProxy per asset, as
    on mainnet; `owner` is the one oracle. (symbol -> (proxy, aggregator))"""
    return {s: deploy_chainlink_feed(owner, f"{s} / USD", p * 10**8) for s, p in PRICES.items()}


@pytest.fixture(scope="module")
def feeds(chainlink_feeds) -> dict[str, Any]:
    """The proxies: what the oracle adapter reads."""
    return {s: proxy for s, (proxy, _) in chainlink_feeds.items()}


@pytest.fixture(scope="module")
def submit(chainlink_feeds, owner):
    """A new round on `symbol`'s aggregator, submitted by its oracle."""

    def new_round(symbol: str, answer: int) -> None:
        aggregator = chainlink_feeds[symbol][1]
        aggregator.submit(int(aggregator.latestRound()) + 1, answer, sender=owner)

    return new_round


@pytest.fixture(scope="module")
def adapter(project, owner, tokens, feeds):
    adapter = owner.deploy(project.OracleAdapter)
    for symbol, token in tokens.items():
        adapter.set_feed(token, feeds[symbol], STALENESS, sender=owner)
    return adapter


@pytest.fixture(scope="module")
def pools(uni, tokens, owner):
    owner.balance += 20_000 * 10**18  # 10,000 WETH of pool depth
    pairs = {}
    for a, b in (("WETH", "USDC"), ("WETH", "WBTC"), ("USDC", "WBTC")):
        pairs[(a, b)] = seed_pair(
            uni, tokens[a], tokens[b], amount_of(a, POOL_SIDE_USD), amount_of(b, POOL_SIDE_USD), owner
        )
    return pairs


def give(uni: UniswapV2, token: Any, holder: Any, amount: int) -> None:
    if token.address == uni.weth.address:
        uni.weth.deposit(sender=holder, value=amount)
    else:
        token.mint(holder, amount, sender=holder)


@pytest.fixture(scope="module")
def index(project, owner, manager, guardian, fee_recipient, keeper, alice, uni, tokens, adapter, pools):
    """(vault, rebalancer) with alice holding MINTED index tokens at equal weights."""
    order = ["WETH", "USDC", "WBTC"]
    vault = owner.deploy(
        project.IndexVault,
        "vyndex Three",
        "VX3",
        [tokens[s] for s in order],
        [UNITS[s] for s in order],
        manager,
        guardian,
        fee_recipient,
    )
    rebalancer = deploy_rebalancer(
        owner,
        vault,
        adapter,
        [deploy_v2_venue(owner, uni.factory, uni.weth)],
        drift_threshold_bps=THRESHOLD_BPS,
        max_slippage_bps=SLIPPAGE_BPS,
        trade_cap_usd_wad=TRADE_CAP_USD,
        min_trade_usd_wad=MIN_TRADE_USD,
        cooldown=COOLDOWN,
        plan_ttl=PLAN_TTL,
    )
    vault.set_rebalancer(rebalancer, sender=owner)
    rebalancer.set_keeper(keeper, True, sender=owner)
    for symbol in order:
        give(uni, tokens[symbol], alice, UNITS[symbol] * MINTED // 10**18 + 1)
        tokens[symbol].approve(vault, 2**256 - 1, sender=alice)
    vault.mint(MINTED, alice, [2**255] * 3, sender=alice)
    return vault, rebalancer


@pytest.fixture(scope="module")
def vault(index):
    return index[0]


@pytest.fixture(scope="module")
def rebalancer(index):
    return index[1]


@pytest.fixture(scope="module")
def live_enact(chain, submit):
    """Makes a governed setter take effect on the live index (alice holds the supply): its first
    call queues it, the clock moves to the eta and the same call applies it; every feed then gets a
    fresh round at its price (the delay is longer than the feeds' staleness)."""

    def do(method: Any, *args: Any, sender: Any) -> Any:
        receipt = method(*args, sender=sender)
        queued = [log for log in receipt.decode_logs() if log.event_name == "ChangeQueued"]
        if not queued:
            return receipt
        chain.mine(timestamp=int(queued[0].eta))
        receipt = method(*args, sender=sender)
        for symbol, price in PRICES.items():
            submit(symbol, price * 10**8)
        return receipt

    return do


def holdings_value(vault, adapter) -> int:
    """Oracle value of what the supply is owed (the vault's accounted basket)."""
    tokens, _ = vault.components()
    return sum(adapter.value(t, h) for t, h in zip(tokens, vault.holdings(), strict=True))


def run_keeper(rebalancer, keeper, chain, max_actions: int = 40) -> list[Any]:
    """Acts on checkUpkeep until it has nothing left, waiting out cooldowns. Returns receipts."""
    receipts = []
    idle = 0
    while len(receipts) < max_actions:
        proposal = check_upkeep(rebalancer)
        if proposal.needed:
            receipts.append(rebalancer.performUpkeep(proposal.data, sender=keeper))
            idle = 0
            continue
        idle += 1
        if idle > 1:
            return receipts
        chain.pending_timestamp += COOLDOWN + 1
        chain.mine()
    raise AssertionError(f"keeper did not finish within {max_actions} actions")
