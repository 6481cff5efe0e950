"""Gas of the NAV feed's `latestRoundData` for N = 5 and 32 components, on a local Anvil.

    python bench/navfeed_gas.py    (from the repo root, with the Makefile's PATH and VVM_BINARY_PATH)

Writes bench/results/navfeed.json and bench/results/navfeed.md (the BENCHMARKS.md section). As in
bench/oracle_gas.py, each read is sent once as a transaction to the view, so the figure is what the
EVM charged; "execution" removes the 21,000 intrinsic gas and the calldata: what a lender's contract
pays on top of its own CALL. Beside it, `UpkeepScout.nav_per_share(rebalancer)` (the same sum, without the
oldest-updatedAt reads and the lock probe; the vault's own NAV views went with the redesign) and
MorphoNavOracle's `price` (the feed plus the loan
token's price). Tokens have 18 decimals, feeds 8 (Chainlink's AccessControlledAggregator behind an
EACAggregatorProxy, `vyndex.devnet.deploy_chainlink_feed`), primary feeds only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vyndex.constants import WAD

HOUR = 3_600
RESULTS = Path(__file__).parent / "results" / "navfeed.json"
# The section bench/gas.py folds into BENCHMARKS.md (run this script first, as `make bench` does).
SECTION = Path(__file__).parent / "results" / "navfeed.md"


def _calldata_gas(data: bytes) -> int:
    return sum(4 if b == 0 else 16 for b in data)


def _measure(method: Any, *args: Any, sender: Any) -> dict[str, int]:
    receipt = method.transact(*args, sender=sender)
    calldata = bytes(receipt.transaction.data)
    return {
        "gas_used": receipt.gas_used,
        "execution": receipt.gas_used - 21_000 - _calldata_gas(calldata),
    }


def _build(project: Any, users: Any, n: int) -> tuple[Any, Any, Any]:
    from vyndex.devnet import deploy_chainlink_feed
    from vyndex.reference.uniswap_v2 import deploy_uniswap_v2
    from vyndex.venues import deploy_rebalancer, deploy_v2_venue

    """An adapter over n tokens and a USD stablecoin, a vault over the n tokens with one index token
    minted, its NAV feed and a Morpho oracle lending the stablecoin."""
    owner, manager, guardian, fee_recipient, holder = users[:5]
    adapter = owner.deploy(project.OracleAdapter)
    tokens = [owner.deploy(project.MockERC20, f"Token {i}", f"T{i}", 18) for i in range(n)]
    for i, token in enumerate(tokens):
        proxy, _aggregator = deploy_chainlink_feed(owner, f"T{i} / USD", (100 + i) * 10**8)
        adapter.set_feed(token, proxy, HOUR, sender=owner)
    usdc = owner.deploy(project.MockERC20, "USD Coin", "USDC", 6)
    adapter.set_feed(usdc, deploy_chainlink_feed(owner, "USDC / USD", 10**8)[0], HOUR, sender=owner)

    units = [10**16] * n
    vault = owner.deploy(
        project.IndexVault, "Bench Index", "BIDX", tokens, units, manager, guardian, fee_recipient
    )
    for token, unit in zip(tokens, units, strict=True):
        token.mint(holder, unit, sender=holder)
        token.approve(vault, unit, sender=holder)
    vault.mint(WAD, holder, units, sender=holder)
    # The NAV views moved from the vault to the rebalancer, then to its scout (UpkeepScout.nav_per_share).
    uni = deploy_uniswap_v2(owner)
    rebalancer = deploy_rebalancer(
        owner,
        vault,
        adapter,
        [deploy_v2_venue(owner, uni.factory, uni.weth)],
        drift_threshold_bps=100,
        max_slippage_bps=100,
        trade_cap_usd_wad=10_000 * WAD,
        min_trade_usd_wad=10 * WAD,
        cooldown=300,
        plan_ttl=86_400,
    )
    feed = owner.deploy(project.IndexNavFeed, vault, adapter, "BIDX / USD NAV")
    morpho_oracle = owner.deploy(project.MorphoNavOracle, feed, vault, usdc, adapter)
    return rebalancer, feed, morpho_oracle


def markdown(results: dict[str, Any]) -> str:
    """The BENCHMARKS.md section: one row per component count."""
    rows = results["components"]
    lines = [
        "## NAV feed",
        "",
        "`bench/navfeed_gas.py`: `IndexNavFeed.latestRoundData()` (NAV per share from the stored units,",
        "each component price through the adapter's checks, the oldest `updatedAt`, and the probe of",
        "the vault's lock), beside `UpkeepScout.nav_per_share(rebalancer)` (the same sum; the view moved",
        "from the vault to the Rebalancer in the redesign, then to the scout) and `MorphoNavOracle.price()`;",
        f"{results['setup']}.",
        "Execution gas: receipt gas less 21,000 and calldata, what a lender's contract pays on top of",
        "its CALL.",
        "",
        "| components | latestRoundData | UpkeepScout.nav_per_share(rb) | MorphoNavOracle.price |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for n, reads in rows.items():
        cells = " | ".join(
            f"{reads[k]['execution']:,}"
            for k in ("latestRoundData", "UpkeepScout.nav_per_share", "MorphoNavOracle.price")
        )
        lines.append(f"| {n} | {cells} |")
    small, large = rows["5"], rows["32"]
    over = [
        r["latestRoundData"]["execution"] - r["UpkeepScout.nav_per_share"]["execution"]
        for r in (small, large)
    ]
    lines += [
        "",
        f"Over the scout's sum the feed spends {over[0]:,} gas at 5 components and {over[1]:,}",
        f"at 32 ({(over[1] - over[0]) / 27:,.0f} a component): the second adapter read per component",
        "(`updated_at`, all slots warm by then) and the `basket_state()` probe that refuses a busy vault.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    from ape import accounts, networks, project
    from ape.logging import logger

    logger.set_level("ERROR")
    results: dict[str, Any] = {
        "setup": "18-decimal components, 8-decimal primary feeds, each Chainlink's "
        "AccessControlledAggregator "
        "behind an EACAggregatorProxy (no secondary, bounds or sequencer)",
        "components": {},
    }
    with networks.parse_network_choice("ethereum:local:foundry"):
        users = accounts.test_accounts
        caller = users[5]
        for n in (5, 32):
            rebalancer, feed, morpho_oracle = _build(project, users, n)
            results["components"][str(n)] = {
                "latestRoundData": _measure(feed.latestRoundData, sender=caller),
                "UpkeepScout.nav_per_share": _measure(
                    project.UpkeepScout.at(rebalancer.scout()).nav_per_share, rebalancer, sender=caller
                ),
                "MorphoNavOracle.price": _measure(morpho_oracle.price, sender=caller),
            }

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    SECTION.write_text(markdown(results))
    print()
    print("NAV feed gas (Anvil; " + results["setup"] + ")")
    header = f"{'read':<28}{'N':>4}{'tx gas_used':>14}{'execution':>12}"
    print(header)
    print("-" * len(header))
    for n, reads in results["components"].items():
        for name, row in reads.items():
            print(f"{name:<28}{n:>4}{row['gas_used']:>14,}{row['execution']:>12,}")
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
