"""Gas of creating an index through IndexFactory (deploy and seed in one transaction) for N = 5 and
32 components, beside Set Protocol v2's `SetTokenCreator.create` plus what a Set needs before its
first holder exists (`BasicIssuanceModule.initialize`) and its first `issue`, in one run on one Anvil.

    python bench/factory_gas.py    (from the repo root, with the Makefile's PATH and VVM_BINARY_PATH)

Writes bench/results/factory.json and bench/results/factory.md (the BENCHMARKS.md section).
Approvals are left out on both sides (the creator's ERC-20 approvals, the same count for each).
vyndex's figure is one transaction that deploys the index's oracle adapter (with N feeds set
and checked), vault and rebalancer and mints the seed; the creator's three `accept_ownership`
calls are shown beside it. Tokens have 18 decimals, feeds 8, primary feeds only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vyndex.constants import BPS, MAX_UINT256, WAD

HOUR = 3_600
RESULTS = Path(__file__).parent / "results" / "factory.json"
SECTION = Path(__file__).parent / "results" / "factory.md"


def _vyndex(project: Any, factory: Any, users: Any, n: int) -> dict[str, int]:
    from vyndex.factory import ComponentParams, CreateParams, approve_seed, entry_of

    owner, manager, guardian, fee_recipient, creator = users[:5]
    components = []
    for i in range(n):
        token = owner.deploy(project.MockERC20, f"Token {i}", f"T{i}", 18)
        feed = owner.deploy(project.MockAggregator, 8, f"T{i} / USD", 100 * 10**8)
        token.mint(creator, 10**24, sender=owner)
        components.append(
            ComponentParams(
                token=str(token.address),
                unit=10**16,
                weight_bps=BPS // n + (BPS % n if i == 0 else 0),
                feed=str(feed.address),
                max_staleness=HOUR,
            )
        )
    params = CreateParams(
        name="Bench Index",
        symbol="BIDX",
        components=tuple(components),
        manager=str(manager.address),
        guardian=str(guardian.address),
        fee_recipient=str(fee_recipient.address),
        keepers=(str(owner.address),),
        drift_threshold_bps=200,
        max_slippage_bps=100,
        trade_cap_usd=10**6 * WAD,
        min_trade_usd=WAD,
        cooldown=60,
        plan_ttl=HOUR,
        initial_shares=WAD,
    )
    approve_seed(factory, creator, params)
    receipt = factory.create(params.as_tuple(), sender=creator)
    vault = str(next(iter(receipt.decode_logs(factory.IndexCreated))).vault)
    entry = entry_of(factory, vault)
    accept = 0
    for contract in (
        project.IndexVault.at(entry.vault),
        project.Rebalancer.at(entry.rebalancer),
        project.OracleAdapter.at(entry.oracle),
    ):
        accept += contract.accept_ownership(sender=creator).gas_used
    assert int(project.IndexVault.at(vault).totalSupply()) == WAD
    code = factory.provider.get_code
    return {
        "create_and_seed": int(receipt.gas_used),
        "accept_ownership_x3": int(accept),
        "vault_bytes": len(code(entry.vault)),
        "rebalancer_bytes": len(code(entry.rebalancer)),
        "adapter_bytes": len(code(entry.oracle)),
    }


def _set(project: Any, system: Any, users: Any, n: int) -> dict[str, int]:
    from vyndex.reference.artifacts import set_protocol_v2

    owner, creator = users[0], users[4]
    tokens = [owner.deploy(project.MockERC20, f"Token {i}", f"T{i}", 18) for i in range(n)]
    units = [10**16] * n
    receipt = system.creator.create(
        [t.address for t in tokens],
        units,
        [system.basic_issuance.address],
        creator.address,
        "Set Index",
        "SETI",
        sender=creator,
    )
    set_token = set_protocol_v2("SetToken").at(
        next(iter(receipt.decode_logs(system.creator.SetTokenCreated)))._setToken
    )
    init = system.basic_issuance.initialize(set_token.address, "0x" + "00" * 20, sender=creator)
    for t in tokens:
        t.mint(creator, 10**24, sender=owner)
        t.approve(system.basic_issuance.address, MAX_UINT256, sender=creator)
    issue = system.basic_issuance.issue(set_token.address, WAD, creator.address, sender=creator)
    assert int(set_token.totalSupply()) == WAD
    return {
        "create": int(receipt.gas_used),
        "initialize_issuance": int(init.gas_used),
        "first_issue": int(issue.gas_used),
    }


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "## Creating an index",
        "",
        "`bench/factory_gas.py`: `IndexFactory.create` (oracle adapter with N feeds set and checked, vault,",
        "rebalancer, and the seed mint, one transaction) beside Set Protocol v2's `SetTokenCreator.create`,",
        "`BasicIssuanceModule.initialize` and the first `issue` (a Set with only the issuance module: its",
        "least); " + results["setup"] + ". Receipt gas; approvals left out on both sides.",
        "",
        "| N | vyndex create + seed | + 3 accept_ownership | Set create | + initialize | + first issue "
        "| Set total | vyndex / Set |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, row in results["components"].items():
        v, s = row["vyndex"], row["set_v2"]
        set_total = s["create"] + s["initialize_issuance"] + s["first_issue"]
        lines.append(
            f"| {n} | {v['create_and_seed']:,} | {v['accept_ownership_x3']:,} | {s['create']:,} | "
            f"{s['initialize_issuance']:,} | {s['first_issue']:,} | {set_total:,} | "
            f"{v['create_and_seed'] / set_total:.2f} |"
        )
    v = next(iter(results["components"].values()))["vyndex"]
    lines += [
        "",
        "vyndex deploys three contracts per index (deployed code: the vault "
        f"{v['vault_bytes']:,} bytes, the rebalancer",
        f"{v['rebalancer_bytes']:,}, the adapter {v['adapter_bytes']:,}; about 200 gas a byte) "
        "where a Set is one token contract whose",
        "trading, fee and issuance logic live in shared modules. The per-index rebalancer and adapter are",
        "what keep each index's trust and risk limits its own (see docs/design.md, Factory).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    from ape import accounts, networks, project
    from ape.logging import logger

    from vyndex.factory import deploy_factory
    from vyndex.reference.setprotocol import deploy_set_protocol_v2
    from vyndex.reference.uniswap_v2 import deploy_uniswap_v2

    logger.set_level("ERROR")
    results: dict[str, Any] = {
        "setup": "18-decimal components, 8-decimal primary feeds, 1 index token seeded",
        "components": {},
    }
    with networks.parse_network_choice("ethereum:local:foundry"):
        users = accounts.test_accounts
        owner = users[0]
        uniswap = deploy_uniswap_v2(owner)
        factory = deploy_factory(owner, v2_factory=uniswap.factory, weth=uniswap.weth)
        system = deploy_set_protocol_v2(owner, uniswap.weth)
        for n in (5, 32):
            results["components"][str(n)] = {
                "vyndex": _vyndex(project, factory, users, n),
                "set_v2": _set(project, system, users, n),
            }

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    SECTION.write_text(markdown(results))
    print()
    print(SECTION.read_text())
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
