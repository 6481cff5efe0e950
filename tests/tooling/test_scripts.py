"""The `ape run` scripts as a user runs them: real subprocesses against the test chain.

Each subprocess connects to this module's Anvil (APE_FOUNDRY_HOST) and reads the same address
books (VYNDEX_DEPLOYMENTS), so what it sends is visible here and reverted after the test like
any other transaction. Exit codes, output, error messages and the chain are all checked. The
refusals send nothing, so they run side by side.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

ROOT = Path(__file__).parents[2]
APE = str(ROOT / ".venv" / "bin" / "ape")


@pytest.fixture
def ape_env(chain, book_root):
    return {
        **os.environ,
        "APE_FOUNDRY_HOST": chain.provider.uri,
        "VYNDEX_DEPLOYMENTS": str(book_root),
        "NO_COLOR": "1",
    }


def command(*args: str) -> list[str]:
    return [APE, "run", *args, "--network", "ethereum:local:foundry"]


@pytest.fixture
def ape_run(ape_env):
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command(*args), cwd=ROOT, env=ape_env, capture_output=True, text=True, timeout=180
        )

    return run


@pytest.fixture
def ape_run_all(ape_env):
    """Runs several commands at once; returns their results in order."""

    def run(*commands: tuple[str, ...]) -> list[subprocess.CompletedProcess[str]]:
        procs = [
            subprocess.Popen(
                command(*args),
                cwd=ROOT,
                env=ape_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in commands
        ]
        results = []
        for args, p in zip(commands, procs, strict=True):
            out, err = p.communicate(timeout=180)
            results.append(subprocess.CompletedProcess(list(args), p.returncode, out, err))
        return results

    return run


def refused(proc: subprocess.CompletedProcess[str], message: str) -> None:
    assert proc.returncode == 1, (proc.args, proc.stdout, proc.stderr)
    assert message in proc.stderr, (proc.args, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr


def test_refusals__exit_1_with_a_named_reason_and_nothing_sent(
    ape_run_all, minted, market, tmp_path, funder, owner, alice, bob
):
    spec = yaml.safe_load((ROOT / "examples" / "blue-chip.yaml").read_text())
    spec["components"][0]["weight"] = "45%"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(spec))
    funder(minted, market, bob, 11 * 10**18)  # bob holds the tokens but approved nothing
    nonces = [a.nonce for a in (owner, alice, bob)]

    deploy, no_allowance, short_redeem = ape_run_all(
        ("deploy", "--spec", str(bad)),
        ("mint", "10", "--account", "TEST::6", "--slippage", "1%", "--no-approve"),
        ("redeem", "1000.5", "--account", "TEST::5"),
    )
    refused(deploy, f"error: {bad}: components[].weight: weights must sum to 100%, they sum to 95%")
    refused(no_allowance, "error: nothing sent: short allowance of WETH: the vault may take")
    assert "mint 10 VBLUE: preview (slippage 1.00%)" in no_allowance.stdout  # the preview came first
    refused(short_redeem, "error: nothing sent: short balance of index tokens: redeeming 1000.5, have 1000")
    assert [a.nonce for a in (owner, alice, bob)] == nonces


def test_deploy_cli__deploys_then_sends_nothing_the_second_time(ape_run, market, tmp_path, book_root, owner):
    path = tmp_path / "defi.yaml"
    path.write_text((ROOT / "examples" / "defi.yaml").read_text())
    first = ape_run("deploy", "--spec", str(path), "--account", "TEST::0")
    assert first.returncode == 0, first.stderr
    assert "deployed IndexVault VDEFI" in first.stdout and "rebalancer.set_targets" in first.stdout
    vault = json.loads((book_root / "ethereum-local.json").read_text())["indexes"]["VDEFI"]["vault"]
    nonce = owner.nonce
    second = ape_run("deploy", "--spec", str(path))
    assert second.returncode == 0, second.stderr
    assert f"IndexVault exists at {vault}" in second.stdout
    assert "VDEFI: up to date, nothing sent" in second.stdout
    assert owner.nonce == nonce


def test_mint_cli__previews_approves_exactly_the_bound_and_mints(ape_run, minted, market, bob, funder):
    funder(minted, market, bob, 11 * 10**18)  # enough for 10 VBLUE and the 1% bound
    before = [t.balanceOf(bob) for t in minted.tokens]
    proc = ape_run("mint", "10", "--account", "TEST::6", "--slippage", "1%")
    assert proc.returncode == 0, proc.stderr
    assert "mint 10 VBLUE: preview (slippage 1.00%)" in proc.stdout
    assert proc.stdout.count("approving ") == 3 and "minted 10 VBLUE for " in proc.stdout
    assert minted.vault.balanceOf(bob) == 10 * 10**18
    for token, was in zip(minted.tokens, before, strict=True):
        taken = was - token.balanceOf(bob)
        left = token.allowance(bob, minted.vault.address)
        # Exactly the 1% bound was approved, not an unlimited allowance: what is left is the margin.
        # (The preview was a few blocks older than the mint: the management fee moved it slightly.)
        assert taken > 0 and abs(left - taken // 100) <= taken // 10**5


def test_redeem_cli__pays_out_at_least_the_bound(ape_run, minted, alice):
    before = [t.balanceOf(alice) for t in minted.tokens]
    preview = minted.vault.preview_redeem(100 * 10**18)
    proc = ape_run("redeem", "100", "--account", "TEST::5")
    assert proc.returncode == 0, proc.stderr
    assert "redeem 100 VBLUE: preview" in proc.stdout and "redeemed 100 VBLUE for" in proc.stdout
    assert minted.vault.balanceOf(alice) == 900 * 10**18
    for token, was, p in zip(minted.tokens, before, preview, strict=True):
        assert token.balanceOf(alice) - was >= p * 995 // 1000


def script_command(name: str) -> Any:
    """The click command of scripts/<name>.py, to invoke in-process."""
    spec = importlib.util.spec_from_file_location(f"_vyndex_script_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def test_zap_cli__pay_with_spend_and_receive__go_through_the_zap_deploy_recorded(
    minted, market, book_root, chain, alice, bob, carol
):
    """`vyndex deploy` put an IndexZap beside VBLUE and recorded it as the index's `zap`; the three
    one-token commands find it there (no --zap), show the quote first, and move what it said; bad
    input is refused before anything is sent. In-process (click's runner on this module's
    provider): three subprocesses would take a minute on a loaded machine."""
    zap = json.loads((book_root / "ethereum-local.json").read_text())["indexes"]["VBLUE"]["zap"]
    usdc = market.tokens["USDC"]
    market.weth.deposit(sender=bob, value=3 * 10**18)
    eth_before, usdc_before = carol.balance, usdc.balanceOf(alice)

    def run(name: str, *args: str) -> Any:
        result = CliRunner().invoke(script_command(name), list(args), obj={"provider": chain.provider})
        return result

    pay_with = run("mint", "5", "--pay-with", "WETH", "--max", "1%", "--account", "TEST::6")
    spend = run("mint", "--spend", "0.25 ETH", "--account", "TEST::7")
    receive = run("redeem", "10", "--receive", "USDC", "--account", "TEST::5")
    for result in (pay_with, spend, receive):
        assert result.exit_code == 0, result.output
    assert "quote: 5 VBLUE costs " in pay_with.output and "minted through the zap" in pay_with.output
    assert "quote: 0.25 ETH mints " in spend.output and "redeemed through the zap" in receive.output
    assert minted.vault.balanceOf(bob) == 5 * 10**18
    # 0.25 ETH ($750 at the devnet's $3,000) buys about 7.5 VBLUE ($100 each) less fees and impact.
    assert 7.4 * 10**18 < minted.vault.balanceOf(carol) < 7.5 * 10**18
    assert carol.balance < eth_before - 25 * 10**16
    assert minted.vault.balanceOf(alice) == 990 * 10**18
    assert 990 * 10**6 < usdc.balanceOf(alice) - usdc_before < 1_000 * 10**6  # $1,000 of basket
    assert all(t.balanceOf(zap) == 0 for t in minted.tokens) and minted.vault.balanceOf(zap) == 0

    nonce = bob.nonce
    unknown = run("mint", "5", "--pay-with", "DOGE", "--account", "TEST::6")
    short = run("redeem", "10", "--receive", "WETH", "--account", "TEST::6")
    assert unknown.exit_code == 1 and "error: unknown token 'DOGE'" in unknown.output
    assert short.exit_code == 1 and "error: nothing sent: index balance below the amount" in short.output
    assert bob.nonce == nonce


def test_status_cli__json(ape_run, minted):
    proc = ape_run("status", "--json")  # no -v ERROR: stdout is JSON whatever Ape logs
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout)
    assert status["symbol"] == "VBLUE" and status["supply"] == 1001 * 10**18
    assert [c["symbol"] for c in status["components"]] == ["WETH", "WBTC", "USDC"]
    assert [c["target_bps"] for c in status["components"]] == [5000, 3000, 2000]
    assert all(c["feed"]["usable"] and c["feed"]["age_s"] >= 0 for c in status["components"])
    assert status["components"][0]["feed"]["deviation_bps"] == 0
    assert status["rebalance"]["drift_bps"] <= 1 and status["rebalance"]["upkeep"] == "nothing due (balanced)"
    assert status["nav_per_share_usd"] in ("99.99", "100.00")
    assert status["fees"]["mint_fee_bps"] == 10


def test_keeper_cli__once__performs_the_due_upkeep(ape_run, drifted, tmp_path):
    state = tmp_path / "keeper.json"
    proc = ape_run("keeper", "--once", "--account", "TEST::4", "--state-file", str(state))
    assert proc.returncode == 0, proc.stderr
    assert "performed: trade" in proc.stdout
    assert drifted.rebalancer.rebalance_started() != 0
    saved = json.loads(state.read_text())["networks"]["ethereum:local"]  # keyed by network
    assert saved["done"] and saved["failures"] == 0


# ---------------------------------------------------------------------------------------------
# The README as a new shell meets it: no node_modules/.bin on PATH, no VVM_BINARY_PATH, nothing
# but the documented step (`source .venv/bin/activate`), then `vyndex ...` as written there.
# ---------------------------------------------------------------------------------------------


def fresh_shell_env(**extra: str) -> dict[str, str]:
    """What a new login shell has: system PATH only, none of the Makefile's exports."""
    keep = ("HOME", "USER", "LANG", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    return {**env, "PATH": "/usr/local/bin:/usr/bin:/bin", "NO_COLOR": "1", **extra}


def test_readme_walkthrough__new_shell__vyndex_runs_every_step_and_json_is_clean(
    market, book_root, chain, tmp_path
):
    """The fork walkthrough's commands (deploy, fund, mint, status, redeem) on this module's
    chain, as README writes them, in one new shell; `vyndex status` without APE_FOUNDRY_HOST
    has ape-foundry start Anvil itself, which needs node_modules/.bin on PATH."""
    spec = tmp_path / "defi.yaml"
    spec.write_text((ROOT / "examples" / "defi.yaml").read_text())
    script = f"""
set -e
source .venv/bin/activate
N="--network ethereum:local:foundry"
vyndex deploy --spec {spec} --json $N > deploy.json
vyndex devnet fund 10 --index VDEFI --account TEST::7 $N
vyndex mint 10 --index VDEFI --account TEST::7 --json $N > mint.json
vyndex status --index VDEFI --json $N > status.json
vyndex redeem 4 --index VDEFI --account TEST::7 --json $N > redeem.json
env -u APE_FOUNDRY_HOST vyndex status --network ethereum:local:foundry > own-anvil.txt 2>&1 || true
"""
    assert "node_modules" not in fresh_shell_env()["PATH"]
    env = fresh_shell_env(APE_FOUNDRY_HOST=chain.provider.uri, VYNDEX_DEPLOYMENTS=str(book_root))
    proc = subprocess.run(
        ["bash", "-c", f"cd {ROOT} && {script.replace('> ', '> ' + str(tmp_path) + '/')}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    deployed = json.loads((tmp_path / "deploy.json").read_text())
    minted = json.loads((tmp_path / "mint.json").read_text())
    status = json.loads((tmp_path / "status.json").read_text())
    redeemed = json.loads((tmp_path / "redeem.json").read_text())
    assert deployed["symbol"] == "VDEFI" and deployed["vault"].startswith("0x")
    assert minted["sent"] and minted["shares"] == 10 * 10**18 and all(a > 0 for a in minted["amounts"])
    assert status["symbol"] == "VDEFI" and status["supply"] >= 10 * 10**18
    assert len(status["components"]) == len(minted["amounts"])
    assert redeemed["sent"] and redeemed["shares"] == 4 * 10**18
    assert "Confirmed" in proc.stderr  # the confirmations went to stderr, not into the JSON
    own = (tmp_path / "own-anvil.txt").read_text()
    assert "Starting 'anvil' process" in own and "FoundryNotInstalledError" not in own, own
    assert "IncompleteFieldDefinitionWarning" not in proc.stderr + own


def test_governance_cli__queue_then_pending_json_then_early_apply_refused(
    ape_run, ape_run_all, minted, manager
):
    before = int(minted.vault.mint_fee_bps())
    queued = ape_run(
        "governance", "queue", "vault", "set_mint_fee", str(before + 10), "--account", "TEST::1", "--json"
    )
    assert queued.returncode == 0, queued.stderr
    result = json.loads(queued.stdout)
    assert result["action"] == "queued" and result["method"] == "set_mint_fee"
    assert int(minted.vault.mint_fee_bps()) == before

    nonce = manager.nonce
    pending, early = ape_run_all(
        ("governance", "pending", "--json"),
        ("governance", "apply", result["id"][:10], "--account", "TEST::1"),
    )
    assert pending.returncode == 0, pending.stderr
    (change,) = json.loads(pending.stdout)["pending"]
    assert (change["id"], change["method"], change["args"], change["status"]) == (
        result["id"],
        "set_mint_fee",
        {"fee_bps": before + 10},
        "waiting",
    )
    refused(early, f"error: nothing sent: vault.set_mint_fee(fee_bps={before + 10}) is not due for 1d 23h")
    assert manager.nonce == nonce
