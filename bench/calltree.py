"""Where a trade's gas goes: the call tree of a transaction (`debug_traceTransaction` with
Geth's `callTracer`, which Anvil serves), each frame named by the contract type Ape knows at its
address and the method its selector names. A frame's "own" gas is its gasUsed less its
children's, so the own gas of every frame plus the transaction's intrinsic cost (21,000 and the
calldata, the top frame's gasUsed less its execution) adds up to the receipt's gasUsed.

`write_breakdown` (called by `bench/gas.py` at N = 5) writes bench/results/trade_breakdown.json
(every frame) and trade_breakdown.md (own gas by contract, per trade), which gas.py folds into
BENCHMARKS.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ape import chain
from ape.api import ReceiptAPI
from eth_utils.crypto import keccak

# Contract names as the tables show them, grouped into what each costs for.
GROUPS = {
    "OracleAdapter": "oracle",
    "EACAggregatorProxy": "oracle",
    "AccessControlledAggregator": "oracle",
    "MockAggregator": "oracle",
}
OPS = ("trade", "swap", "trade_v3", "swap_v3", "trade_v3_weth", "swap_v3_weth", "check_upkeep")
LABELS = {
    "trade": "vyndex V2 direct",
    "swap": "bare V2 router",
    "trade_v3": "vyndex V3 0.3% direct",
    "swap_v3": "bare V3 exactInputSingle",
    "trade_v3_weth": "vyndex V3 via WETH",
    "swap_v3_weth": "bare V3 exactInput via WETH",
    "check_upkeep": "checkUpkeep (as a tx)",
}


@dataclass
class Frame:
    depth: int
    contract: str
    method: str
    kind: str  # CALL, STATICCALL, DELEGATECALL, ...
    gas: int  # gasUsed, children included
    own: int


def _name(address: str, data: str) -> tuple[str, str]:
    contract_type = chain.contracts.get(address) if address else None
    selector = (data or "0x")[:10]
    if contract_type is None:
        return address[:10], selector
    method = selector
    for abi in [*contract_type.mutable_methods, *contract_type.view_methods]:
        if "0x" + keccak(text=abi.selector).hex().removeprefix("0x")[:8] == selector:
            method = abi.name
            break
    return contract_type.name or address[:10], method


def frames(tx_hash: str) -> tuple[list[Frame], int]:
    """The call tree, depth first, and the top frame's gasUsed."""
    trace = chain.provider.make_request("debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}])
    out: list[Frame] = []

    def walk(node: Mapping[str, Any], depth: int) -> None:
        gas = int(node.get("gasUsed", "0x0"), 16)
        children = node.get("calls") or []
        own = gas - sum(int(c.get("gasUsed", "0x0"), 16) for c in children)
        contract, method = _name(node.get("to", ""), node.get("input", "0x"))
        out.append(Frame(depth, contract, method, node.get("type", "CALL"), gas, own))
        for child in children:
            walk(child, depth + 1)

    walk(trace, 0)
    return out, int(trace.get("gasUsed", "0x0"), 16)


def intrinsic(data: bytes) -> int:
    """21,000 and the calldata (4 gas a zero byte, 16 a non-zero one)."""
    return 21_000 + sum(4 if b == 0 else 16 for b in data)


def by_contract(tree: list[Frame], receipt_gas: int, base: int) -> dict[str, dict[str, int]]:
    """Own gas and call count by contract name; 'transaction' is the intrinsic `base`, taken out of
    the top frame (Anvil's top frame reports the receipt's gasUsed: intrinsic cost included, the
    refund already subtracted, so the top contract's own gas is net of the refund)."""
    out: dict[str, dict[str, int]] = {}
    for f in tree:
        entry = out.setdefault(f.contract, {"own": 0, "calls": 0})
        entry["own"] += f.own - (base if f.depth == 0 else 0)
        entry["calls"] += 1
    out["transaction"] = {"own": receipt_gas - sum(e["own"] for e in out.values()), "calls": 1}
    return out


def write_breakdown(receipts: Mapping[str, ReceiptAPI], results: Path) -> None:
    data: dict[str, Any] = {}
    for op in OPS:
        receipt = receipts.get(op)
        if receipt is None:
            continue
        tree, _top = frames(str(receipt.txn_hash))
        data[op] = {
            "gas": int(receipt.gas_used),
            "by_contract": by_contract(
                tree, int(receipt.gas_used), intrinsic(bytes(receipt.transaction.data))
            ),
            "frames": [vars(f) for f in tree],
        }
    results.mkdir(parents=True, exist_ok=True)
    (results / "trade_breakdown.json").write_text(json.dumps(data, indent=1) + "\n")
    (results / "trade_breakdown.md").write_text(markdown(data))


def markdown(data: Mapping[str, Any]) -> str:
    ops = [op for op in OPS if op in data and op != "check_upkeep"]
    names: list[str] = []
    for op in ops:
        for name in data[op]["by_contract"]:
            if name not in names:
                names.append(name)
    names.sort(key=lambda n: (n == "transaction", GROUPS.get(n, "z"), n))
    lines = [
        "## Where one trade's gas goes (N = 5)",
        "",
        "`debug_traceTransaction` (callTracer) of the N = 5 trades above (`bench/calltree.py`): the gas",
        "each contract's own code used (its frames less their children; in brackets how many frames),",
        "so each column adds up to the receipt's gasUsed. `transaction`: 21,000 and calldata. The top",
        "contract (Rebalancer, the routers) is net of the transaction's refunds (on a V3 venue route,",
        "the venue's token balance returning to zero), which Anvil's top frame already subtracts.",
        "",
        "| contract | " + " | ".join(LABELS[op] for op in ops) + " |",
        "| --- | " + " | ".join("---:" for _ in ops) + " |",
    ]
    for name in names:
        cells = []
        for op in ops:
            entry = data[op]["by_contract"].get(name)
            cells.append(f"{entry['own']:,} ({entry['calls']})" if entry else "-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    oracle = [
        sum(e["own"] for n, e in data[op]["by_contract"].items() if GROUPS.get(n) == "oracle") for op in ops
    ]
    lines.append("| **oracle reads, all** | " + " | ".join(f"**{g:,}**" for g in oracle) + " |")
    lines.append("| **receipt gasUsed** | " + " | ".join(f"**{data[op]['gas']:,}**" for op in ops) + " |")
    return "\n".join(lines) + "\n"
