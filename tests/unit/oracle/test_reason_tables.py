"""vyndex's reason tables are the contracts' own: the keeper and `status` explain an oracle
failure (OracleAdapter STATUS_* codes) or an idle upkeep (UpkeepScout REASON_* codes) from Python
tables, and these tests fail the moment a contract adds, renumbers or rewords one."""

from __future__ import annotations

from typing import Any

import pytest

from vyndex.keeper.loop import (
    ACTION_NONE,
    ACTION_TRADE,
    ORACLE_REASONS,
    UPKEEP_REASONS,
    OracleStatus,
    ScoutReason,
)


def _constants(contract: Any, prefix: str) -> dict[str, int]:
    """Every public constant of `contract` whose name starts with `prefix`, read from the chain."""
    names = [
        abi.name
        for abi in contract.contract_type.view_methods
        if abi.name.startswith(prefix) and not abi.inputs
    ]
    return {name.removeprefix(prefix): int(getattr(contract, name)()) for name in names}


@pytest.fixture(scope="module")
def scout(project, owner):
    return owner.deploy(project.UpkeepScout)


def test_oracle_status__python_enum__equals_the_adapters_status_constants(oracle_adapter):
    assert _constants(oracle_adapter, "STATUS_") == {s.name: s.value for s in OracleStatus}


def test_oracle_reasons__every_code__is_the_adapters_revert_string(oracle_adapter):
    assert set(ORACLE_REASONS) == set(OracleStatus)
    assert oracle_adapter.reason(OracleStatus.OK) == ""
    for code in OracleStatus:
        if code != OracleStatus.OK:
            assert oracle_adapter.reason(code) == f"oracle: {ORACLE_REASONS[code]}", code.name
    # One past the table is a code the contract does not define either.
    assert oracle_adapter.reason(max(OracleStatus) + 1) == "oracle: unknown code"


def test_scout_reasons__python_enum__equals_the_scouts_reason_constants(scout):
    assert _constants(scout, "REASON_") == {r.name: r.value for r in ScoutReason}
    assert set(UPKEEP_REASONS) == set(ScoutReason)
    assert (int(scout.ACTION_NONE()), int(scout.ACTION_TRADE())) == (ACTION_NONE, ACTION_TRADE)
