"""Contract size is a design constraint (EIP-170 caps deployed code at 24,576 bytes): every
deployable contract of vyndex stays under 22,000 bytes, leaving room for what later work adds.

Deployed code is the compiled runtime bytecode followed by the contract's immutables, which Vyper
appends when the constructor returns (the vault's snekmate ERC-20 keeps its name, symbol and
EIP-712 domain there: 480 bytes). Both are counted: the runtime from Ape's compiled artifact, the
immutables' length from the compiler's own code layout (`vyper -f layout`)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

EIP_170 = 24_576
BUDGET = 22_000
CONTRACTS = Path(__file__).parents[1] / "contracts"
VYPER = Path(sys.executable).with_name("vyper")  # the project's compiler (requirements.lock)
DEPLOYABLE = sorted(
    p
    for p in CONTRACTS.rglob("*.vy")
    if "mocks" not in p.parts and p.stem[0].isupper()  # CamelCase files deploy; snake_case are modules
)


def immutables_length(code_layout: Mapping[str, Any]) -> int:
    """Bytes of the immutables section: the end of its last entry (nested per module)."""
    ends = [0]
    for entry in code_layout.values():
        if isinstance(entry, Mapping) and isinstance(entry.get("offset"), int):
            ends.append(entry["offset"] + entry["length"])
        elif isinstance(entry, Mapping):
            ends.append(immutables_length(entry))
    return max(ends)


def test_immutables_length__nested_modules__end_of_the_furthest_entry():
    layout = {
        "erc20": {"name": {"type": "String[25]", "length": 64, "offset": 320}},
        "owner": {"type": "address", "length": 32, "offset": 0},
    }
    assert immutables_length(layout) == 384
    assert immutables_length({}) == 0


def test_deployables__listed__the_core_contracts_are_among_them():
    assert {"IndexVault", "Rebalancer", "OracleAdapter", "UpkeepScout", "UniswapV2Venue"} <= {
        p.stem for p in DEPLOYABLE
    }


@pytest.mark.parametrize("path", DEPLOYABLE, ids=[p.stem for p in DEPLOYABLE])
def test_deployed_size__runtime_and_immutables__under_22_kB_and_eip_170(project, path):
    code = getattr(project, path.stem).contract_type.runtime_bytecode.bytecode
    runtime = (len(code) - 2) // 2
    layout = subprocess.run(
        [str(VYPER), "-f", "layout", "-p", str(CONTRACTS), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    size = runtime + immutables_length(json.loads(layout.stdout).get("code_layout", {}))
    assert 0 < runtime <= size < EIP_170, f"{path.stem}: {size} bytes deployed, EIP-170 allows {EIP_170}"
    assert size < BUDGET, f"{path.stem}: {size} bytes deployed ({runtime} runtime), over {BUDGET}"
