"""The manager's weights command: vyndex.propose computed and checked before anything is sent,
and `ape run weights ... --propose` run as a user runs it, against the test chain."""

from __future__ import annotations

import os
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from vyndex.propose import ProposalError, check, compute, parse_fraction

ROOT = Path(__file__).parents[2]
APE = str(ROOT / ".venv" / "bin" / "ape")


def test_compute__market_cap_with_cap__basket_order_and_iterative_capping():
    proposal = compute(
        "market_cap", ["WETH", "WBTC", "USDC"], {"usdc": 10, "WETH": 70, "WBTC": 20}, Fraction(1, 2)
    )
    assert proposal.weights_bps == (5000, 3333, 1667)


def test_compute__inverse_volatility_from_prices__lower_vol_weighs_more():
    steady = [100, 101, 100, 101, 100]
    wild = [100, 120, 90, 125, 95]
    proposal = compute("inverse_volatility", ["A", "B"], {"A": steady, "B": wild})
    assert proposal.weights_bps[0] > proposal.weights_bps[1] and sum(proposal.weights_bps) == 10_000


@pytest.mark.parametrize(
    ("method", "inputs", "words"),
    [
        ("market_cap", {"WETH": 1, "WBTC": 2}, "no value for USDC"),
        ("market_cap", {"WETH": 1, "WBTC": 2, "USDC": 3, "DOGE": 4}, "doge not in the basket"),
        ("market_cap", {"WETH": "big", "WBTC": 2, "USDC": 3}, "inputs.WETH: expected a number"),
        ("golden_ratio", {}, "unknown method 'golden_ratio'"),
        ("equal", {}, None),
    ],
)
def test_compute__bad_inputs__named_error(method, inputs, words):
    if words is None:
        with pytest.raises(ProposalError, match="infeasible"):
            compute(method, ["WETH", "WBTC", "USDC"], inputs, cap=Fraction(3, 10))
        return
    with pytest.raises(ProposalError, match=words):
        compute(method, ["WETH", "WBTC", "USDC"], inputs)


def test_check__what_the_contract_refuses__refused_first():
    with pytest.raises(ProposalError, match="length mismatch"):
        check([5000, 5000], 3)
    with pytest.raises(ProposalError, match="sum to 10000"):
        check([5000, 3000, 1999], 3)
    assert parse_fraction("40%", "cap") == Fraction(2, 5)
    with pytest.raises(ProposalError, match="not between"):
        parse_fraction("140%", "cap")


@pytest.fixture
def weights_cli(chain, book_root, tmp_path):
    env = {**os.environ, "APE_FOUNDRY_HOST": chain.provider.uri, "VYNDEX_DEPLOYMENTS": str(book_root)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [APE, "run", "weights", *args, "--network", "ethereum:local:foundry"],
            cwd=ROOT,
            env={**env, "NO_COLOR": "1"},
            capture_output=True,
            text=True,
            timeout=180,
        )

    return run


def test_weights_cli__propose_as_manager__targets_set_on_chain(weights_cli, deployed, tmp_path):
    caps = dict(zip(deployed.symbols, (60, 30, 10), strict=True))
    inputs = tmp_path / "caps.yaml"
    inputs.write_text(yaml.safe_dump(caps))
    expected = list(compute("market_cap", deployed.symbols, caps, Fraction(1, 2)).weights_bps)

    refused = weights_cli(
        "market_cap", "--inputs", str(inputs), "--cap", "50%", "--propose", "--account", "TEST::9"
    )
    assert (
        refused.returncode == 1
        and "nothing sent" in refused.stderr
        and "is not the manager" in refused.stderr
    )
    assert list(deployed.rebalancer.target_weights()) != expected

    proc = weights_cli(
        "market_cap", "--inputs", str(inputs), "--cap", "50%", "--propose", "--account", "TEST::1"
    )
    assert proc.returncode == 0, proc.stderr
    assert "proposed to the rebalancer" in proc.stdout
    assert list(deployed.rebalancer.target_weights()) == expected
