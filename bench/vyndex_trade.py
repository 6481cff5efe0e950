"""vyndex's side of the trade benchmark: one Rebalancer trade of the same size on the same pair
as Set's GeneralIndexModule.trade and the bare router swap (`bench/gas.py`, hook VYNDEX_TRADE).

Every component has its own 8-decimal MockAggregator behind the OracleAdapter: WETH and the
others at $1,000, the sold token at the pool's spot price; the trade cap is set so that each trade
sells exactly `world.trade_size` (1 whole token). Like Set's row, the recorded trade is the second one of the
component: the first also turns its last-trade slot from zero to non-zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ape
from ape import chain

if TYPE_CHECKING:
    from ape.api import ReceiptAPI
    from gas import TradeWorld

FEED_DECIMALS = 8
USD_PER_WETH = 1_000  # so that one whole token is worth more than the smallest trade cap, $1
STALENESS = 86_400
COOLDOWN = 60
MAX_SLIPPAGE_BPS = 500  # 1 token into a ~100/100 pool already moved ~2% by the warm-up and Set's trades:
# ~1% price impact, the 0.3% fee and that offset; the bound is the slippage cap, 5%


def vyndex_trade(world: TradeWorld) -> ReceiptAPI:
    a, project = world.actors, ape.project
    deployer = a.deployer
    # WETH and the others at $1,000; the sold token at the pair's spot price in WETH (8 decimals), as
    # an arbitraged market would quote it: the earlier warm-up and Set trades moved the pool.
    reserve_sell, reserve_weth = (
        (r0, r1) if world.pair.token0() == world.sell.address else (r1, r0)
        for r0, r1, _ in [world.pair.getReserves()]
    ).__next__()
    sell_answer = reserve_weth * USD_PER_WETH * 10**FEED_DECIMALS // reserve_sell
    adapter = deployer.deploy(project.OracleAdapter)
    for component in world.components:
        answer = sell_answer if component.address == world.sell.address else USD_PER_WETH * 10**FEED_DECIMALS
        feed = deployer.deploy(project.MockAggregator, FEED_DECIMALS, "C / USD", answer)
        adapter.set_feed(component, feed, STALENESS, sender=deployer)
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
    rebalancer = deployer.deploy(
        project.Rebalancer,
        vault,
        adapter,
        world.uni.router,
        world.uni.weth,
        100,
        MAX_SLIPPAGE_BPS,
        usd_per_trade,
        usd_per_trade // 100,
        COOLDOWN,
    )
    vault.set_rebalancer(rebalancer, sender=deployer)
    rebalancer.set_keeper(a.trader, True, sender=deployer)
    for component in world.components:
        component.approve(vault, 2**256 - 1, sender=world.holder)
    vault.mint(world.supply, world.holder, [2**255] * world.n, sender=world.holder)

    addresses = [c.address for c in world.components]
    sell_index, buy_index = addresses.index(world.sell.address), addresses.index(world.buy.address)
    weights = [10_000 // world.n] * world.n
    weights[buy_index] += 10_000 - sum(weights)
    # Half the sold component's weight moves to WETH: enough excess for two trades at every N.
    shift = weights[sell_index] // 2
    weights[sell_index] -= shift
    weights[buy_index] += shift
    rebalancer.set_targets(weights, sender=a.manager)
    rebalancer.start_rebalance(sender=a.trader)

    receipt = None
    for _ in range(2):
        chain.pending_timestamp += COOLDOWN + 1
        receipt = rebalancer.trade(
            sell_index, buy_index, False, 0, chain.pending_timestamp + 600, sender=a.trader
        )
        event = receipt.events.filter(rebalancer.Trade)[0]
        if event.amount_in != world.trade_size:
            raise RuntimeError(f"vyndex trade sold {event.amount_in}, expected {world.trade_size}")
    assert receipt is not None
    return receipt
