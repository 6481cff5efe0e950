"""Morpho Blue from its npm sources, compiled on demand with npm solc-js and cached.

`@morpho-org/morpho-blue@1.0.0` ships Solidity sources only. `compile_morpho()` feeds `src/Morpho.sol`
and the package's `src/mocks/IrmMock.sol` (Morpho ships no production IRM in this package; IRMs are
out of scope, so the mock's "x% utilisation = x% APR" model stands in) to solc-js 0.8.19 (`solc`
in `node_modules`) as standard JSON, with the settings Morpho's own build uses (viaIR, optimizer
999,999 runs). The first run takes about 15 s; its output is cached under `.build/solc/`, keyed by
the sha256 of the compiler version, the settings and every source, so later runs read a file.

    morpho = deploy_morpho(owner)            # Morpho(owner) + IrmMock, the IRM enabled
    morpho.enable_lltv(lltv, owner)
    params = morpho.market_params(loan, collateral, oracle, lltv)
    morpho.contract.createMarket(params, sender=owner)
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ape.api import AccountAPI
from ape.contracts import ContractContainer, ContractInstance
from eth_abi.abi import encode
from eth_utils.crypto import keccak
from ethpm_types import ContractType

from vyndex.reference.artifacts import ArtifactError, find_package

MORPHO_BLUE = "@morpho-org/morpho-blue"
SOLC_JS = "solc"
SOLC_VERSION = "0.8.19"
# Morpho's foundry.toml (profile build): viaIR, 999,999 optimizer runs; 0.8.19 defaults to paris.
SETTINGS: dict[str, Any] = {
    "viaIR": True,
    "optimizer": {"enabled": True, "runs": 999_999},
    "evmVersion": "paris",
    "outputSelection": {
        "src/Morpho.sol": {"Morpho": ["abi", "evm.bytecode.object"]},
        "src/mocks/IrmMock.sol": {"IrmMock": ["abi", "evm.bytecode.object"]},
    },
}
# What the two entry points import, transitively: the interfaces and the libraries.
SOURCE_DIRS = ("src/interfaces", "src/libraries")
ENTRY_POINTS = ("src/Morpho.sol", "src/mocks/IrmMock.sol")

# Compiles the standard JSON on stdin with the solc-js module named in argv, after checking its version.
_NODE_SCRIPT = """
const solc = require(process.argv[1]);
const want = process.argv[2];
if (!solc.version().startsWith(want + "+")) {
  process.stderr.write("solc-js is " + solc.version() + ", not " + want + "\\n");
  process.exit(2);
}
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => { process.stdout.write(solc.compile(input)); });
"""


class CompileError(RuntimeError):
    """solc-js is missing, the wrong version, or the sources did not compile."""


def _sources(package: Path) -> dict[str, str]:
    paths = [package / p for p in ENTRY_POINTS]
    for directory in SOURCE_DIRS:
        paths.extend(sorted((package / directory).glob("*.sol")))
    return {str(p.relative_to(package)): p.read_text() for p in paths}


def standard_input(package: Path | None = None) -> dict[str, Any]:
    """solc's standard JSON input for Morpho and IrmMock from the installed package."""
    sources = _sources(package or find_package(MORPHO_BLUE))
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sorted(sources.items())},
        "settings": SETTINGS,
    }


def cache_key(standard: dict[str, Any]) -> str:
    """sha256 of the compiler version and the whole standard JSON input (sources and settings)."""
    blob = json.dumps({"solc": SOLC_VERSION, "input": standard}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


def default_cache_dir() -> Path:
    """`.build/solc` in the project that holds `node_modules` (ape's own build directory)."""
    return find_package(MORPHO_BLUE).parent.parent.parent / ".build" / "solc"


def _run_solc(standard: dict[str, Any]) -> dict[str, Any]:
    solc = find_package(SOLC_JS)
    try:
        done = subprocess.run(
            ["node", "-e", _NODE_SCRIPT, str(solc), SOLC_VERSION],
            input=json.dumps(standard),
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise CompileError(f"cannot run node with solc-js: {err}") from err
    if done.returncode != 0:
        raise CompileError(f"solc-js failed ({done.returncode}): {done.stderr.strip()[:2000]}")
    output: dict[str, Any] = json.loads(done.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompileError("; ".join(e.get("formattedMessage", e.get("message", "?")) for e in errors))
    return output


def compile_morpho(cache_dir: Path | None = None) -> dict[str, ContractType]:
    """`Morpho` and `IrmMock` as ContractTypes, compiled once per source hash and then cached."""
    standard = standard_input()
    directory = cache_dir or default_cache_dir()
    path = directory / f"morpho-blue-{cache_key(standard)[:16]}.json"
    if path.is_file():
        compiled = json.loads(path.read_text())
    else:
        output = _run_solc(standard)
        compiled = {}
        for source, selection in SETTINGS["outputSelection"].items():
            for name in selection:
                contract = output.get("contracts", {}).get(source, {}).get(name)
                if not contract or not contract["evm"]["bytecode"]["object"]:
                    raise CompileError(f"solc-js produced no bytecode for {source}:{name}")
                compiled[name] = {"abi": contract["abi"], "bytecode": contract["evm"]["bytecode"]["object"]}
        directory.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed: a parallel run never reads half a file.
        fd, tmp = tempfile.mkstemp(prefix=".morpho-", dir=directory)
        with os.fdopen(fd, "w") as fh:
            json.dump(compiled, fh)
        os.replace(tmp, path)
    return {
        name: ContractType.model_validate(
            {
                "contractName": name,
                "abi": data["abi"],
                "deploymentBytecode": {"bytecode": "0x" + data["bytecode"]},
            }
        )
        for name, data in compiled.items()
    }


def morpho_container(name: str, cache_dir: Path | None = None) -> ContractContainer:
    """A deployable container for `Morpho` or `IrmMock`."""
    types = compile_morpho(cache_dir)
    if name not in types:
        raise ArtifactError(f"no compiled Morpho contract named {name} (have {', '.join(types)})")
    return ContractContainer(types[name])


@dataclass(frozen=True)
class MorphoBlue:
    """A deployed Morpho Blue and the IRM it was deployed with (enabled)."""

    contract: ContractInstance
    irm: ContractInstance

    def enable_lltv(self, lltv: int, owner: AccountAPI) -> None:
        """Enables a liquidation LTV (WAD, below 1e18); Morpho refuses one already enabled."""
        self.contract.enableLltv(lltv, sender=owner)

    def market_params(
        self, loan: Any, collateral: Any, oracle: Any, lltv: int
    ) -> tuple[str, str, str, str, int]:
        """Morpho's MarketParams tuple: (loanToken, collateralToken, oracle, irm, lltv)."""
        return (
            str(getattr(loan, "address", loan)),
            str(getattr(collateral, "address", collateral)),
            str(getattr(oracle, "address", oracle)),
            str(self.irm.address),
            lltv,
        )

    def market_id(self, params: tuple[str, str, str, str, int]) -> bytes:
        """keccak256(abi.encode(params)): Morpho's market id."""
        return keccak(encode(["address", "address", "address", "address", "uint256"], list(params)))


def deploy_morpho(owner: AccountAPI, cache_dir: Path | None = None) -> MorphoBlue:
    """Deploys Morpho (owned by `owner`) and IrmMock, and enables the IRM."""
    morpho = owner.deploy(morpho_container("Morpho", cache_dir), owner)
    irm = owner.deploy(morpho_container("IrmMock", cache_dir))
    morpho.enableIrm(irm, sender=owner)
    return MorphoBlue(contract=morpho, irm=irm)
