"""vyndex's side of the trade benchmark (`bench/gas.py`, hook VYNDEX_TRADE): Rebalancer trades of
the same size on the same pools as Set's GeneralIndexModule.trade and the bare router swaps.

Every component has its own Chainlink feed (`vyndex.devnet.deploy_chainlink_feed`: the compiled
AccessControlledAggregator behind an EACAggregatorProxy, 8 decimals) behind the OracleAdapter:
WETH and the others at $1,000, the sold token at the V2 pair's spot price. The rebalancer has two
venues, UniswapV2Venue and UniswapV3Venue (index 0 and 1); the trade cap is set so that each trade
sells `world.trade_size` (1 whole token; the V2 venue may trim a few wei that would buy nothing).

The first trade starts the plan (recorded as variant `plan_start`); then, one cooldown apart, the
measured trades, each selling the same component: V2 direct (`trade`), V3 0.3% direct
(`trade_v3`), and with N >= 3 through WETH into `world.mid` on V3 (`trade_v3_weth`, 0.3% both
hops) and on V2 (`trade_v2_weth`). Last, one cooldown later, `checkUpkeep` sent as a transaction
(`check_upkeep`): what the registry's eth_call simulation costs (state never changes: every
simulated trade reverts).
"""

from __future__ import annotations

from typing import Any

import ape
from ape import chain
from ape.api import ReceiptAPI
from world import V3_FEE, TradeWorld

from vyndex.constants import BPS, MAX_UINT256
from vyndex.devnet import deploy_chainlink_feed
from vyndex.venues import (
    V2_DIRECT,
    V2_VIA_WETH,
    check_upkeep,
    deploy_rebalancer,
    deploy_v2_venue,
    deploy_v3_venue,
    v3_route,
)

FEED_DECIMALS = 8
USD_PER_WETH = 1_000  # so that one whole token is worth more than the smallest trade cap, $1
STALENESS = 86_400
COOLDOWN = 60
PLAN_TTL = 86_400
THRESHOLD_BPS = 10
SHARES = 40 * 10**18  # 40 of each component in the vault: room for every measured trade
# 1 token into a ~100/100 pool already moved ~2% by the warm-up and Set's trades: ~1% price
# impact, the 0.3% fee (twice through WETH) and that offset; the bound is the slippage cap, 5%.
MAX_SLIPPAGE_BPS = 500
V2, V3 = 0, 1  # venue indexes

VyndexReceipts = dict[str, ReceiptAPI]


def spot_answer(world: TradeWorld) -> int:
    """The sold token's USD price (8 decimals) at the V2 pair's spot, WETH at USD_PER_WETH."""
    r0, r1, _ = world.pair.getReserves()
    reserve_sell, reserve_weth = (r0, r1) if world.pair.token0() == world.sell.address else (r1, r0)
    return int(reserve_weth) * USD_PER_WETH * 10**FEED_DECIMALS // int(reserve_sell)


def build(world: TradeWorld) -> tuple[Any, Any, Any]:
    """The adapter over Chainlink feeds, a vault holding SHARES of every component, and its
    rebalancer over both venues with targets that leave the sold component in excess."""
    a, project = world.actors, ape.project
    deployer = a.deployer
    sell_answer = spot_answer(world)
    adapter = deployer.deploy(project.OracleAdapter)
    for i, component in enumerate(world.components):
        answer = sell_answer if component.address == world.sell.address else USD_PER_WETH * 10**FEED_DECIMALS
        proxy, _aggregator = deploy_chainlink_feed(deployer, f"C{i} / USD", answer)
        adapter.set_feed(component, proxy, STALENESS, sender=deployer)
    vault = deployer.deploy(
        project.IndexVault,
        "vyndex Trade Bench",
        "VTB",
        [c.address for c in world.components],
        world.units,
        a.manager,
        a.guardian,
        a.fee_recipient,
    )
    # The cap in USD that sells exactly `trade_size` at the feed's price (18 decimals both).
    usd_per_trade = world.trade_size * sell_answer * 10 ** (18 - FEED_DECIMALS) // 10**18
    venues = [
        deploy_v2_venue(deployer, world.uni.factory, world.uni.weth),
        deploy_v3_venue(deployer, world.uni3.factory, world.uni.weth),
    ]
    rebalancer = deploy_rebalancer(
        deployer,
        vault,
        adapter,
        venues,
        drift_threshold_bps=THRESHOLD_BPS,
        max_slippage_bps=MAX_SLIPPAGE_BPS,
        trade_cap_usd_wad=usd_per_trade,
        min_trade_usd_wad=usd_per_trade // 100,
        cooldown=COOLDOWN,
        plan_ttl=PLAN_TTL,
    )
    vault.set_rebalancer(rebalancer, sender=deployer)
    rebalancer.set_keeper(a.trader, True, sender=deployer)
    for component in world.components:
        component.approve(vault, MAX_UINT256, sender=world.holder)
    vault.mint(SHARES, world.holder, [2**255] * world.n, sender=world.holder)

    addresses = [c.address for c in world.components]
    sell_index, buy_index = addresses.index(world.sell.address), addresses.index(world.buy.address)
    weights = [BPS // world.n] * world.n
    weights[buy_index] += BPS - sum(weights)
    # Three quarters of the sold component's weight move to WETH and (half of it) to `mid`.
    shift = weights[sell_index] - weights[sell_index] // 4
    weights[sell_index] -= shift
    if world.mid is not None:
        weights[addresses.index(world.mid.address)] += shift // 2
        shift -= shift // 2
    weights[buy_index] += shift
    rebalancer.set_targets(weights, sender=a.manager)
    return adapter, vault, rebalancer


def vyndex_trade(world: TradeWorld) -> VyndexReceipts:
    a = world.actors
    _adapter, _vault, rebalancer = build(world)
    addresses = [c.address for c in world.components]
    sell = addresses.index(world.sell.address)
    weth = addresses.index(world.buy.address)
    steps: list[tuple[str, int, int, int]] = [
        ("plan_start", weth, V2, V2_DIRECT),
        ("trade", weth, V2, V2_DIRECT),
        ("trade_v3", weth, V3, v3_route(V3_FEE)),
    ]
    if world.mid is not None:
        mid = addresses.index(world.mid.address)
        steps += [
            ("trade_v3_weth", mid, V3, v3_route(V3_FEE, V3_FEE)),
            ("trade_v2_weth", mid, V2, V2_VIA_WETH),
        ]
    receipts: VyndexReceipts = {}
    for op, buy, venue, route in steps:
        chain.pending_timestamp += COOLDOWN + 1
        try:
            receipt = rebalancer.trade(
                sell, buy, venue, route, 0, chain.pending_timestamp + 600, sender=a.trader
            )
        except Exception as exc:
            raise RuntimeError(f"vyndex {op} at N={world.n} failed: {exc}") from exc
        event = receipt.events.filter(rebalancer.Trade)[0]
        # The V2 venue trims the input to the least that buys the same whole base units.
        if not world.trade_size * 999_999 // 1_000_000 <= event.amount_in <= world.trade_size:
            raise RuntimeError(f"vyndex {op} sold {event.amount_in}, expected {world.trade_size}")
        receipts[op] = receipt
    chain.pending_timestamp += COOLDOWN + 1
    chain.mine()
    proposal = check_upkeep(rebalancer)
    if not proposal.needed:
        raise RuntimeError(f"checkUpkeep proposes nothing: {proposal.why}")
    receipts["check_upkeep"] = rebalancer.checkUpkeep(b"", sender=a.trader)
    return receipts
