"""Contract size is a design constraint (EIP-170 caps deployed code at 24,576 bytes): every
deployable contract of vyndex stays under 22,000 bytes, leaving room for what later work adds.
Read from the compiled runtime bytecode of every contract outside contracts/mocks/."""

from __future__ import annotations

from pathlib import Path

import pytest

EIP_170 = 24_576
BUDGET = 22_000
CONTRACTS = Path(__file__).parents[1] / "contracts"
DEPLOYABLE = sorted(
    p.stem
    for p in CONTRACTS.rglob("*.vy")
    if "mocks" not in p.parts and p.stem[0].isupper()  # CamelCase files deploy; snake_case are modules
)


def test_deployables__listed__the_core_contracts_are_among_them():
    assert {"IndexVault", "Rebalancer", "OracleAdapter", "UpkeepScout", "UniswapV2Venue"} <= set(DEPLOYABLE)


@pytest.mark.parametrize("name", DEPLOYABLE)
def test_deployed_size__every_deployable__under_22_kB_and_eip_170(project, name):
    code = getattr(project, name).contract_type.runtime_bytecode.bytecode
    size = (len(code) - 2) // 2
    assert 0 < size < EIP_170, f"{name}: {size} bytes of runtime code, EIP-170 allows {EIP_170}"
    assert size < BUDGET, f"{name}: {size} bytes, over the {BUDGET}-byte budget"
