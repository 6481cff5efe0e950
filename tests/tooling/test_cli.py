"""The command line as its users meet it, in-process (fast): the `vyndex` launcher's environment,
parameter types, --help texts, which errors are the user's and which are bugs, confirmations on
live networks, the keeper's exception classes and its cron state file."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
from fractions import Fraction
from pathlib import Path

import click
import pytest
import yaml
from ape.exceptions import ContractLogicError, ProviderNotConnectedError

from vyndex.cli import common as vcli
from vyndex.cli import launcher
from vyndex.keeper.loop import ErrorKind, Keeper, KeeperState, classify
from vyndex.keeper.state import KeeperStateError, load_state, save_state
from vyndex.params import (
    ADDRESS,
    AMOUNT,
    SLIPPAGE,
    ParamError,
    PercentageType,
    parse_percentage,
)
from vyndex.spec import SpecError, parse_spec

ROOT = Path(__file__).parents[2]
COMMANDS = ("deploy", "mint", "redeem", "status", "keeper", "weights", "simulate", "bid")


# ---------------------------------------------------------------------------------------------
# the launcher
# ---------------------------------------------------------------------------------------------


def test_launcher__environment__puts_anvil_and_the_venv_first_and_points_vvm_at_the_project(tmp_path):
    env = launcher.environment(ROOT, {"PATH": "/usr/bin:/bin"})
    path = env["PATH"].split(os.pathsep)
    # bin/anvil (states removed on stop) before the npm Anvil it runs.
    assert path[0] == str(ROOT / "bin") and (ROOT / path[0] / "anvil").exists()
    assert path[1] == str(ROOT / "node_modules" / ".bin") and (ROOT / path[1] / "anvil").exists()
    assert path[2] == str(Path(sys.executable).parent) and path[3:] == ["/usr/bin", "/bin"]
    assert env["VVM_BINARY_PATH"] == str(ROOT / ".vvm")
    assert "ignore:Field :UserWarning" in env["PYTHONWARNINGS"]


def test_launcher__commands__scripts_run_through_ape_run_ape_and_silverback_pass_through(tmp_path):
    assert launcher.command_for(["status", "--json"]) == ["ape", "run", "status", "--json"]
    assert launcher.command_for(["ape", "accounts", "list"]) == ["ape", "accounts", "list"]
    assert launcher.command_for(["silverback", "run", "keeper"]) == ["silverback", "run", "keeper"]
    assert set(COMMANDS) <= set(launcher.scripts(ROOT))
    assert launcher.project_root(ROOT / "vyndex") == ROOT


# ---------------------------------------------------------------------------------------------
# parameter types: one parser per kind, checked at parse time
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.5%", Fraction(1, 200)),
        ("50bps", Fraction(1, 200)),
        ("0.005", Fraction(1, 200)),
        ("40%", Fraction(2, 5)),
    ],
)
def test_parse_percentage__three_forms__one_value(text, value):
    assert parse_percentage(text) == value


def test_parse_percentage__bare_number_above_one__refused_as_ambiguous():
    with pytest.raises(ParamError, match="ambiguous: write '40%' or '40bps'"):
        parse_percentage("40")


def test_click_types__bad_values__refused_while_parsing():
    with pytest.raises(click.BadParameter, match="not between 0% and 10%"):
        SLIPPAGE.convert("0.5", None, None)  # a fraction: 50%, over the 10% a user may allow
    assert SLIPPAGE.convert("50bps", None, None) == 50
    assert AMOUNT.convert("1.5", None, None) == 15 * 10**17
    with pytest.raises(click.BadParameter, match="more than 18 decimals"):
        AMOUNT.convert("1e-19", None, None)
    with pytest.raises(click.BadParameter, match="bad checksum"):
        ADDRESS.convert("0xc02AAA39b223FE8D0A0e5C4F27eAD9083C756Cc2".replace("c02", "C02"), None, None)
    assert PercentageType(none_word="none").convert("none", None, None) is None


def test_spec_percentages__parsed_by_the_same_function():
    spec = yaml_spec()
    spec["components"][0]["weight"] = "50 %"  # spaces are fine in both
    assert parse_spec(spec).components[0].weight_bps == 5000
    spec["components"][0]["weight"] = "5000bps"  # the CLI form; a spec wants "x%" or weight_bps
    with pytest.raises(SpecError, match=r"components\[0\]\.weight: write a percentage such as '1%'"):
        parse_spec(spec)


def yaml_spec() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "examples" / "blue-chip.yaml").read_text())


# ---------------------------------------------------------------------------------------------
# --help: a description and an example for every command
# ---------------------------------------------------------------------------------------------


def _command(name: str) -> click.Command:
    spec = importlib.util.spec_from_file_location(f"_vyndex_script_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


@pytest.mark.parametrize("name", COMMANDS)
def test_help__every_command__describes_itself_with_an_example(name):
    command = _command(name)
    text = command.get_help(click.Context(command, info_name=name))
    description = text.split("Options:")[0]
    assert len(description.split()) > 25, text
    assert "Example:" in description and f"vyndex {name} " in description, text


def test_help__mint_and_redeem__say_amount_is_whole_index_tokens():
    for name in ("mint", "redeem"):
        command = _command(name)
        text = command.get_help(click.Context(command, info_name=name))
        assert "AMOUNT is in whole index tokens" in text


# ---------------------------------------------------------------------------------------------
# errors: the user's, or a bug
# ---------------------------------------------------------------------------------------------


def test_friendly_errors__lookup_error__is_a_bug_not_a_user_error():
    @vcli.friendly_errors
    def buggy():
        return {}["missing"]

    with pytest.raises(KeyError):
        buggy()


def test_friendly_errors__spec_error__one_line_and_the_traceback_at_debug(capsys):
    @vcli.friendly_errors
    def bad_spec():
        raise SpecError("fees.mint_fee", "6% is over its cap of 5%", "x.yaml")

    with pytest.raises(vcli.ToolError) as caught:
        bad_spec()
    caught.value.show()
    assert capsys.readouterr().err == "error: x.yaml: fees.mint_fee: 6% is over its cap of 5%\n"
    level = vcli.logger.level
    vcli.logger.set_level(logging.DEBUG)
    try:
        caught.value.show()
    finally:
        vcli.logger.set_level(level)
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "in bad_spec" in err


def test_friendly_errors__spec_with_three_problems__one_error_line_each(capsys):
    data = yaml.safe_load((ROOT / "examples" / "blue-chip.yaml").read_text())
    data["components"][0]["weight"] = 50
    data["fees"]["mint_fee"] = "6%"
    data["rebalancer"]["colldown"] = 60

    @vcli.friendly_errors
    def bad_spec():
        parse_spec(data, "x.yaml")

    with pytest.raises(vcli.ToolError) as caught:
        bad_spec()
    caught.value.show()
    assert capsys.readouterr().err.splitlines() == [
        "error: x.yaml: components[0].weight: write a percentage such as '1%' (or use weight_bps), got 50",
        "error: x.yaml: fees.mint_fee: 6% is over its cap of 5%",
        "error: x.yaml: rebalancer.colldown: unknown field (allowed: cooldown, drift_threshold, "
        "drift_threshold_bps, max_slippage, max_slippage_bps, min_trade_usd, open_trading, plan_ttl, "
        "router, trade_cap_usd, uniswap_v3_factory, weth)",
    ]


def test_confirm_send__live_network_without_a_terminal__refuses_unless_yes(monkeypatch):
    class Network:
        name, ecosystem = "sepolia", type("E", (), {"name": "ethereum"})

    class Provider:
        network, chain_id = Network, 11155111

    monkeypatch.setattr(vcli, "is_dev_chain", lambda: False)
    monkeypatch.setattr(vcli, "chain", type("C", (), {"provider": Provider}))
    with open(os.devnull) as no_terminal:
        monkeypatch.setattr(sys, "stdin", no_terminal)
        with pytest.raises(vcli.ToolError, match="needs confirmation; pass --yes"):
            vcli.confirm_send("mint 1 VBLUE", yes=False)
    vcli.confirm_send("mint 1 VBLUE", yes=True)  # no question asked


# ---------------------------------------------------------------------------------------------
# the keeper: Ape's exception classes, not class names; bugs propagate
# ---------------------------------------------------------------------------------------------


def test_classify__by_class__a_lookalike_name_is_not_a_revert():
    ContractLogicErrorLookalike = type("ContractLogicError", (Exception,), {})
    assert classify(ContractLogicErrorLookalike("execution reverted"))[0] is ErrorKind.OTHER
    assert classify(ContractLogicError("vault: paused")) == (ErrorKind.REVERT, "vault: paused")
    assert classify(ProviderNotConnectedError())[0] is ErrorKind.RPC


def test_keeper__a_bug_while_observing__propagates_with_its_traceback():
    class Broken:
        def observe(self):
            raise KeyError("a bug, not the chain")

    with pytest.raises(KeyError):
        Keeper(Broken()).step()  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# cron state: keyed by network, atomic, corrupt is a named error
# ---------------------------------------------------------------------------------------------


def test_keeper_state__keyed_by_network(tmp_path):
    path = tmp_path / ".keeper-VBLUE.json"
    save_state(path, "ethereum:sepolia", KeeperState(failures=2, last_block=7))
    save_state(path, "ethereum:mainnet-fork", KeeperState(failures=1))
    assert load_state(path, "ethereum:sepolia").failures == 2
    assert load_state(path, "ethereum:mainnet-fork").failures == 1
    assert load_state(path, "ethereum:local").failures == 0
    assert set(json.loads(path.read_text())["networks"]) == {"ethereum:sepolia", "ethereum:mainnet-fork"}
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_keeper_state__interrupted_save__leaves_the_previous_state(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    save_state(path, "ethereum:sepolia", KeeperState(failures=3))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("vyndex.keeper.state.json.dump", crash)
    with pytest.raises(KeyboardInterrupt):
        save_state(path, "ethereum:sepolia", KeeperState(failures=9))
    monkeypatch.undo()
    assert load_state(path, "ethereum:sepolia").failures == 3
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize(
    "text", ['{"done": [', '["not", "a", "state"]', '{"networks": {"n": {"attempts": 5}}}']
)
def test_keeper_state__corrupt_file__a_named_error(tmp_path, text):
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(KeeperStateError, match=f"keeper state file {path}"):
        load_state(path, "n")
    assert issubclass(KeeperStateError, vcli.KNOWN_ERRORS)
