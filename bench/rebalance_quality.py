"""Rebalance quality: one rebalance from equal weights to a skewed target on real Uniswap V2.

    python bench/rebalance_quality.py        # from the repo root (also run by `make bench`)

Five components of the devnet market (`vyndex.devnet`: WETH, WBTC with 8 decimals, USDC with 6,
LINK, UNI) priced by 8-decimal Chainlink feeds (AccessControlledAggregator behind EACAggregatorProxy)
through the OracleAdapter; the rebalancer trades through a UniswapV2Venue; every token/WETH pool holds
POOL_SIDE_USD a side at the feed prices; the vault holds NAV_USD at equal weights. The manager
sets TARGETS; a keeper acts on checkUpkeep until it has nothing left, waiting out cooldowns, and
arbitrageurs bring the pools back to the feed prices after each trade. Reported: the number of
trades, their total gas, the realized cost (oracle value lost) in bps of NAV, and the largest
remaining weight error.
Writes bench/results/rebalance_quality.{json,md}; `bench/gas.py` folds the markdown into
BENCHMARKS.md.
"""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VVM_BINARY_PATH", str(ROOT / ".vvm"))
# bin/anvil (the npm Anvil, its persisted states removed when it stops) first, as in the Makefile.
os.environ["PATH"] = os.pathsep.join(
    [str(ROOT / "bin"), str(ROOT / "node_modules" / ".bin"), os.environ.get("PATH", "")]
)

import ape  # noqa: E402
from ape import accounts, chain, networks  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from vyndex.constants import BPS, USD, WAD  # noqa: E402
from vyndex.devnet import DEVNET_ASSETS, arbitrage, build_market, feed_name  # noqa: E402
from vyndex.venues import Lens, check_upkeep, deploy_rebalancer, deploy_v2_venue  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SYMBOLS = ("WETH", "WBTC", "USDC", "LINK", "UNI")
TARGETS = [3_500, 2_500, 2_000, 1_000, 1_000]  # from 20% each
POOL_SIDE_USD = 5_000_000
NAV_USD = 1_000_000
# Most trades are two hops through WETH (two pool fees): the slippage bound must cover both.
THRESHOLD_BPS, SLIPPAGE_BPS, TRADE_CAP_USD, MIN_TRADE_USD, COOLDOWN = 50, 200, 20_000, 100, 300
PLAN_TTL = 86_400


def build(before_mint: Any = None) -> dict[str, Any]:
    """The world: market, adapter, vault (NAV_USD at equal weights, minted by `holder`) and its
    rebalancer with a keeper; `before_mint(world)` runs while the supply is still zero (a setter then
    applies at once: bench/auction_gas.py lists its auction venue there)."""
    deployer, manager, guardian, fees, keeper, holder, arb = (accounts.test_accounts[i] for i in range(7))
    for account in (deployer, holder, arb):
        account.balance += 10**24
    project = ape.project
    assets = [a for a in DEVNET_ASSETS if a.symbol in SYMBOLS]
    market = build_market(deployer, assets, pool_usd=Decimal(POOL_SIDE_USD))
    adapter = deployer.deploy(project.OracleAdapter)
    for symbol in SYMBOLS:
        adapter.set_feed(market.tokens[symbol], market.feeds[feed_name(symbol)], 86_400, sender=deployer)

    per_token_usd = Decimal(100)  # one index token: $20 of each
    units = [int(per_token_usd / len(SYMBOLS) / market.price(s) * 10 ** market.decimals[s]) for s in SYMBOLS]
    tokens = [market.tokens[s] for s in SYMBOLS]
    vault = deployer.deploy(project.IndexVault, "vyndex Five", "VX5", tokens, units, manager, guardian, fees)
    rebalancer = deploy_rebalancer(
        deployer,
        vault,
        adapter,
        [deploy_v2_venue(deployer, market.uni.factory, market.weth)],
        drift_threshold_bps=THRESHOLD_BPS,
        max_slippage_bps=SLIPPAGE_BPS,
        trade_cap_usd_wad=TRADE_CAP_USD * USD,
        min_trade_usd_wad=MIN_TRADE_USD * USD,
        cooldown=COOLDOWN,
        plan_ttl=PLAN_TTL,
    )
    vault.set_rebalancer(rebalancer, sender=deployer)
    rebalancer.set_keeper(keeper, True, sender=deployer)
    world: dict[str, Any] = dict(
        market=market,
        adapter=adapter,
        vault=vault,
        rebalancer=rebalancer,
        tokens=tokens,
        deployer=deployer,
        manager=manager,
        keeper=keeper,
        holder=holder,
        arb=arb,
    )
    if before_mint is not None:
        before_mint(world)
    shares = int(NAV_USD / per_token_usd) * WAD
    for token, unit in zip(tokens, units, strict=True):
        need = unit * shares // WAD + 1
        if token.address == market.weth.address:
            market.weth.deposit(sender=holder, value=need)
        else:
            token.mint(holder, need, sender=holder)
        token.approve(vault, need, sender=holder)
    vault.mint(shares, holder, [2**255] * len(tokens), sender=holder)
    return world


def run() -> dict[str, Any]:
    w = build()
    market, rebalancer, manager = w["market"], w["rebalancer"], w["manager"]
    keeper, arb = w["keeper"], w["arb"]
    lens = Lens(rebalancer)
    nav_before = lens.total_value()
    rebalancer.set_targets(TARGETS, sender=manager)
    drift_before = lens.drift_bps()
    trades = gas = idle = 0
    while True:
        proposal = check_upkeep(rebalancer)  # eth_call: checkUpkeep simulates, it is not a view
        if proposal.needed:
            receipt = rebalancer.performUpkeep(proposal.data, sender=keeper)
            if receipt.events.filter(rebalancer.Trade):
                trades += 1
                gas += receipt.gas_used
                # Arbitrageurs bring every pool back to the feed prices before the next block.
                for symbol in SYMBOLS[1:]:
                    arbitrage(market, symbol, arb)
            idle = 0
            continue
        idle += 1
        if idle > 1:
            break
        chain.pending_timestamp += COOLDOWN + 1
        chain.mine()
    nav_after = lens.total_value()
    weights = lens.weights()
    return {
        "components": len(SYMBOLS),
        "pool_side_usd": POOL_SIDE_USD,
        "nav_usd": NAV_USD,
        "targets_bps": TARGETS,
        "trade_cap_usd": TRADE_CAP_USD,
        "max_slippage_bps": SLIPPAGE_BPS,
        "drift_before_bps": int(drift_before),
        "trades": trades,
        "total_gas": gas,
        "gas_per_trade": gas // max(trades, 1),
        "cost_bps_of_nav": round((nav_before - nav_after) * BPS / nav_before, 2),
        "weights_after_bps": weights,
        "largest_weight_error_bps": max(abs(w - t) for w, t in zip(weights, TARGETS, strict=True)),
    }


def markdown(r: dict[str, Any]) -> str:
    targets = "/".join(str(t // 100) for t in r["targets_bps"])
    return "\n".join(
        [
            "## Rebalance quality",
            "",
            f"`bench/rebalance_quality.py`: a ${r['nav_usd']:,} vault of {r['components']} components",
            f"({', '.join(SYMBOLS)}) at equal weights, rebalanced to {targets} through real Uniswap V2",
            f"pools of ${r['pool_side_usd']:,} a side (each token against WETH) at the feed prices",
            "(Chainlink aggregators behind proxies), by a keeper performing what `checkUpkeep`",
            f"proposes; trades capped at ${r['trade_cap_usd']:,}, {r['max_slippage_bps']} bps maximum",
            "slippage; arbitrageurs bring the pools back to the feed prices between trades.",
            "",
            "| drift before | trades | total gas | gas/trade | cost, bps of NAV | worst weight error after |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {r['drift_before_bps']} bps | {r['trades']} | {r['total_gas']:,} | {r['gas_per_trade']:,} "
            f"| {r['cost_bps_of_nav']} | {r['largest_weight_error_bps']} bps |",
        ]
    )


def main() -> int:
    with networks.parse_network_choice("ethereum:local:foundry"):
        result = run()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rebalance_quality.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / "rebalance_quality.md").write_text(markdown(result) + "\n")
    table = Table(title="Rebalance quality")
    for key in ("trades", "total_gas", "cost_bps_of_nav", "largest_weight_error_bps", "weights_after_bps"):
        table.add_row(key, str(result[key]))
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
