"""Gas of the oracle adapter's reads, and of the index's valuation through it, on a local Anvil.

    python bench/oracle_gas.py          (from the repo root, with the Makefile's PATH and VVM_BINARY_PATH)

Every read is sent once as a transaction to the view (`.transact`), so the figure is what the EVM
charged; "execution" removes the 21,000 intrinsic gas and the calldata, leaving what a contract
calling the view pays in addition to its own CALL. `eth_estimateGas` is shown beside it (it is
higher: it must leave the 1/64 that every nested call withholds). Tokens have 18 decimals and feeds
8, as for most Chainlink USD feeds. The vault lost its NAV views in the redesign: the valuation is
`UpkeepScout.values(rebalancer)` (the sum every trade computes; the Rebalancer's `total_value`
moved to the scout) and the NAV feed's `latestRoundData()`.
Feeds are MockAggregators (the guarded run needs a secondary feed and a sequencer feed a test can
set); one Chainlink feed (AccessControlledAggregator behind EACAggregatorProxy) is read for scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vyndex.constants import WAD

HOUR = 3_600


@dataclass
class Row:
    name: str
    gas_used: int
    execution: int
    estimate: int


def _calldata_gas(data: bytes) -> int:
    return sum(4 if b == 0 else 16 for b in data)


def _measure(name: str, method: Any, *args: Any, sender: Any) -> Row:
    receipt = method.transact(*args, sender=sender)
    calldata = bytes(receipt.transaction.data)
    return Row(
        name=name,
        gas_used=receipt.gas_used,
        execution=receipt.gas_used - 21_000 - _calldata_gas(calldata),
        estimate=method.estimate_gas_cost(*args, sender=sender),
    )


def _build(project: Any, accounts: Any, n: int, guarded: bool) -> tuple[Any, Any, Any, list[Any]]:
    """An adapter pricing n tokens, a vault over them holding one minted index token, its
    rebalancer (over a Uniswap V2 venue) and its NAV feed."""
    from vyndex.reference.uniswap_v2 import deploy_uniswap_v2
    from vyndex.venues import deploy_rebalancer, deploy_v2_venue

    owner, manager, guardian, fee_recipient, holder = accounts[:5]
    adapter = owner.deploy(project.OracleAdapter)
    tokens = [owner.deploy(project.MockERC20, f"Token {i}", f"T{i}", 18) for i in range(n)]
    for i, token in enumerate(tokens):
        feed = owner.deploy(project.MockAggregator, 8, f"T{i} / USD", (100 + i) * 10**8)
        adapter.set_feed(token, feed, HOUR, sender=owner)
        if guarded:
            adapter.set_bounds(token, WAD, 10**6 * WAD, sender=owner)
            secondary = owner.deploy(project.MockAggregator, 8, f"T{i} / USD 2", (100 + i) * 10**8)
            adapter.set_secondary_feed(token, secondary, HOUR, 100, sender=owner)
    if guarded:
        sequencer = owner.deploy(project.MockAggregator, 0, "Sequencer Uptime", 0)
        sequencer.set_round(1, 0, 1, 1, 1, sender=owner)  # up since the epoch: past any grace
        adapter.set_sequencer_feed(sequencer, HOUR, sender=owner)

    units = [10**16] * n
    vault = owner.deploy(
        project.IndexVault, "Bench Index", "BIDX", tokens, units, manager, guardian, fee_recipient
    )
    for token, unit in zip(tokens, units, strict=True):
        token.mint(holder, unit, sender=holder)
        token.approve(vault, unit, sender=holder)
    vault.mint(WAD, holder, units, sender=holder)
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
    nav_feed = owner.deploy(project.IndexNavFeed, vault, adapter, "BIDX / USD NAV")
    return adapter, rebalancer, nav_feed, tokens


def main() -> None:
    from ape import accounts, networks, project
    from ape.logging import logger

    logger.set_level("ERROR")  # no per-deployment chatter around the table

    rows: list[Row] = []
    with networks.parse_network_choice("ethereum:local:foundry"):
        users = accounts.test_accounts
        caller = users[5]
        from vyndex.devnet import deploy_chainlink_feed

        feed = users[0].deploy(project.MockAggregator, 8, "Reference / USD", 100 * 10**8)
        rows.append(
            _measure("feed.latestRoundData() (the mock, for reference)", feed.latestRoundData, sender=caller)
        )
        proxy, _aggregator = deploy_chainlink_feed(users[0], "Chainlink / USD", 100 * 10**8)
        rows.append(
            _measure("feed.latestRoundData() (Chainlink proxy)", proxy.latestRoundData, sender=caller)
        )
        for guarded in (False, True):
            label = "all guards" if guarded else "primary only"
            adapter, rebalancer, nav_feed, tokens = _build(project, users, 10, guarded)
            rows.append(_measure(f"price(), 1 asset, {label}", adapter.price, tokens[0], sender=caller))
            rows.append(_measure(f"value(), 1 asset, {label}", adapter.value, tokens[0], WAD, sender=caller))
            for n in (5, 10):
                built = (rebalancer, nav_feed) if n == 10 else _build(project, users, n, guarded)[1:3]
                rows.append(
                    _measure(
                        f"UpkeepScout.values(rb), N={n}, {label}",
                        project.UpkeepScout.at(built[0].scout()).values,
                        built[0],
                        sender=caller,
                    )
                )
                rows.append(
                    _measure(
                        f"IndexNavFeed.latestRoundData(), N={n}, {label}",
                        built[1].latestRoundData,
                        sender=caller,
                    )
                )

    print()
    print("Oracle adapter gas (Anvil; 18-decimal tokens, 8-decimal feeds)")
    print("all guards = bounds + secondary feed (1% deviation) + L2 sequencer feed")
    print()
    header = f"{'read':<56}{'tx gas_used':>12}{'execution':>12}{'estimateGas':>13}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row.name:<56}{row.gas_used:>12,}{row.execution:>12,}{row.estimate:>13,}")


if __name__ == "__main__":
    main()
