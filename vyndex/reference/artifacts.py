"""Compiled reference contracts from node_modules, ready to deploy through Ape.

The reference systems (Uniswap V2, Set Protocol v2) ship compiled in npm packages pinned in
`package.json`. Nothing here compiles: an artifact's ABI and creation bytecode become an
`ethpm_types.ContractType` wrapped in an `ape.contracts.ContractContainer`, which deploys with
`account.deploy(container, *args)` like any project contract.

Two artifact shapes are read:

* Uniswap's `build/<Name>.json` (waffle): `abi` and `bytecode` (hex without `0x`), the same
  code also under `evm.bytecode.object`.
* Set Protocol v2's and Uniswap V3's hardhat `artifacts/contracts/**/<Name>.sol/<Name>.json`:
  `abi`, `bytecode`, `deployedBytecode` and `linkReferences`; libraries are linked when given
  and a missing one is refused by name.
* Chainlink's `abi/v0.6/<Name>.json` (`@chainlink/contracts@0.1.9`, the last version that ships
  bytecode): `contractName` and `compilerOutput` with `abi` and `evm.bytecode.object`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ape.contracts import ContractContainer
from ethpm_types import ContractType

UNISWAP_V2_CORE = "@uniswap/v2-core"
UNISWAP_V2_PERIPHERY = "@uniswap/v2-periphery"
SET_PROTOCOL_V2 = "@setprotocol/set-protocol-v2"
UNISWAP_V3_CORE = "@uniswap/v3-core"
UNISWAP_V3_PERIPHERY = "@uniswap/v3-periphery"
CHAINLINK = "@chainlink/contracts"

# A link reference as hardhat writes it: source file -> library name -> byte offsets.
LinkReferences = Mapping[str, Mapping[str, list[Mapping[str, int]]]]


class ArtifactError(RuntimeError):
    """A compiled artifact is missing, malformed or needs a library that was not given."""


# ---------------------------------------------------------------------------------------------
# Finding packages
# ---------------------------------------------------------------------------------------------


def find_package(package: str, start: Path | None = None) -> Path:
    """The directory of npm `package` in the nearest `node_modules` above `start`.

    Looks upward from `start`, then from the current directory, then from this file (the repo
    root holds `node_modules`). Raises `ArtifactError` naming the package if none has it.
    """
    origins = [start] if start is not None else [Path.cwd(), Path(__file__).resolve().parent]
    searched: list[str] = []
    for origin in origins:
        for directory in [origin.resolve(), *origin.resolve().parents]:
            candidate = directory / "node_modules" / package
            if (candidate / "package.json").is_file():
                return candidate
            searched.append(str(directory / "node_modules"))
    raise ArtifactError(
        f"npm package {package!r} not found (looked in {searched[0]} and its parents): run `make setup`"
    )


def artifact_path(package: str, relative: str, start: Path | None = None) -> Path:
    """The path of `relative` inside npm `package`; raises `ArtifactError` if absent."""
    path = find_package(package, start) / relative
    if not path.is_file():
        raise ArtifactError(f"{package} has no {relative} (not the pinned version? run `make setup`)")
    return path


# ---------------------------------------------------------------------------------------------
# Reading and linking
# ---------------------------------------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ArtifactError(f"cannot read artifact {path}: {err}") from err
    if isinstance(data, dict) and isinstance(data.get("compilerOutput"), dict):
        # Chainlink's shape: the solc output one level down.
        output = data["compilerOutput"]
        data = {"contractName": data.get("contractName"), "abi": output.get("abi"), "evm": output.get("evm")}
    if not isinstance(data, dict) or not isinstance(data.get("abi"), list):
        raise ArtifactError(f"{path} is not a compiled artifact (no `abi` list)")
    return data


def _hex(code: object, path: Path, key: str) -> str:
    if not isinstance(code, str):
        raise ArtifactError(f"{path}: `{key}` is not a hex string")
    code = code.removeprefix("0x")
    if not code:
        raise ArtifactError(f"{path}: `{key}` is empty (an interface or abstract contract?)")
    return code


def link_bytecode(code: str, references: LinkReferences, libraries: Mapping[str, str]) -> str:
    """Writes library addresses into unlinked bytecode (hex, no `0x`).

    `references` is hardhat's `linkReferences`; `libraries` maps a library's name, or its
    fully qualified `source:Name`, to its deployed address. Raises `ArtifactError` naming every
    library that is referenced but not given.
    """
    missing: list[str] = []
    for source, names in references.items():
        for name, offsets in names.items():
            address = libraries.get(f"{source}:{name}", libraries.get(name))
            if address is None:
                missing.append(f"{source}:{name}")
                continue
            body = address.lower().removeprefix("0x")
            if len(body) != 40:
                raise ArtifactError(f"library {name}: {address!r} is not an address")
            for offset in offsets:
                start, length = 2 * offset["start"], 2 * offset["length"]
                if length != 40:
                    raise ArtifactError(f"library {name}: link reference of {offset['length']} bytes")
                code = code[:start] + body + code[start + length :]
    if missing:
        raise ArtifactError(f"bytecode needs libraries that were not given: {', '.join(missing)}")
    return code


def contract_type_from_artifact(
    path: Path, name: str | None = None, libraries: Mapping[str, str] | None = None
) -> ContractType:
    """A `ContractType` from a waffle or hardhat JSON artifact at `path`.

    The contract is named `name`, else the artifact's `contractName`, else the file's stem.
    Link references, if any, are resolved from `libraries`.
    """
    data = _read_json(path)
    contract_name = name or data.get("contractName") or path.stem
    evm: dict[str, Any] = data["evm"] if isinstance(data.get("evm"), dict) else {}
    creation = data.get("bytecode") or evm.get("bytecode", {}).get("object")
    runtime = data.get("deployedBytecode") or evm.get("deployedBytecode", {}).get("object")
    code = _hex(creation, path, "bytecode")
    links = libraries or {}
    code = link_bytecode(code, data.get("linkReferences") or {}, links)
    fields: dict[str, Any] = {
        "contractName": contract_name,
        "abi": data["abi"],
        "deploymentBytecode": {"bytecode": "0x" + code},
    }
    if isinstance(runtime, str) and runtime.removeprefix("0x"):
        runtime_links = data.get("deployedLinkReferences") or {}
        runtime_code = link_bytecode(runtime.removeprefix("0x"), runtime_links, links)
        fields["runtimeBytecode"] = {"bytecode": "0x" + runtime_code}
    return ContractType.model_validate(fields)


def container_from_artifact(
    path: Path, name: str | None = None, libraries: Mapping[str, str] | None = None
) -> ContractContainer:
    """A deployable `ContractContainer` from the JSON artifact at `path`."""
    return ContractContainer(contract_type_from_artifact(path, name, libraries))


# ---------------------------------------------------------------------------------------------
# The reference packages
# ---------------------------------------------------------------------------------------------


@cache
def uniswap_v2_contract_type(name: str) -> ContractType:
    """`UniswapV2Factory`, `UniswapV2Pair` (v2-core) or `UniswapV2Router02`, `WETH9` (v2-periphery)."""
    for package in (UNISWAP_V2_CORE, UNISWAP_V2_PERIPHERY):
        path = find_package(package) / "build" / f"{name}.json"
        if path.is_file():
            return contract_type_from_artifact(path, name)
    raise ArtifactError(f"neither {UNISWAP_V2_CORE} nor {UNISWAP_V2_PERIPHERY} has build/{name}.json")


def uniswap_v2(name: str) -> ContractContainer:
    """A deployable container for the Uniswap V2 contract `name` (see `uniswap_v2_contract_type`)."""
    return ContractContainer(uniswap_v2_contract_type(name))


@cache
def set_protocol_v2_path(name: str) -> Path:
    """The hardhat artifact of Set Protocol v2's contract `name` (unique across `artifacts/contracts`)."""
    root = find_package(SET_PROTOCOL_V2) / "artifacts" / "contracts"
    if not root.is_dir():
        raise ArtifactError(f"{SET_PROTOCOL_V2} has no artifacts/contracts: run `make setup`")
    matches = sorted(root.glob(f"**/{name}.sol/{name}.json"))
    if not matches:
        raise ArtifactError(f"{SET_PROTOCOL_V2} has no compiled contract named {name}")
    if len(matches) > 1:
        found = ", ".join(str(m.relative_to(root)) for m in matches)
        raise ArtifactError(f"{SET_PROTOCOL_V2}: {name} is ambiguous ({found})")
    return matches[0]


def set_protocol_v2(name: str, libraries: Mapping[str, str] | None = None) -> ContractContainer:
    """A deployable container for Set Protocol v2's contract `name`, libraries linked if needed."""
    return container_from_artifact(set_protocol_v2_path(name), name, libraries)


@cache
def uniswap_v3_path(name: str) -> Path:
    """The hardhat artifact of Uniswap V3's contract `name`: `UniswapV3Factory`, `UniswapV3Pool`
    (v3-core) or `SwapRouter`, `NonfungiblePositionManager`, `QuoterV2` (v3-periphery), each
    unique under its package's `artifacts/contracts`. Core is searched first."""
    for package in (UNISWAP_V3_CORE, UNISWAP_V3_PERIPHERY):
        root = find_package(package) / "artifacts" / "contracts"
        if not root.is_dir():
            raise ArtifactError(f"{package} has no artifacts/contracts: run `make setup`")
        matches = sorted(root.glob(f"**/{name}.sol/{name}.json"))
        if len(matches) > 1:
            found = ", ".join(str(m.relative_to(root)) for m in matches)
            raise ArtifactError(f"{package}: {name} is ambiguous ({found})")
        if matches:
            return matches[0]
    raise ArtifactError(
        f"neither {UNISWAP_V3_CORE} nor {UNISWAP_V3_PERIPHERY} has a compiled contract named {name}"
    )


@cache
def uniswap_v3_contract_type(name: str) -> ContractType:
    """The `ContractType` of Uniswap V3's contract `name` (see `uniswap_v3_path`)."""
    return contract_type_from_artifact(uniswap_v3_path(name), name)


def uniswap_v3(name: str) -> ContractContainer:
    """A deployable container for the Uniswap V3 contract `name` (see `uniswap_v3_path`)."""
    return ContractContainer(uniswap_v3_contract_type(name))


@cache
def chainlink_contract_type(name: str) -> ContractType:
    """Chainlink's compiled `AccessControlledAggregator`, `FluxAggregator`, `EACAggregatorProxy`,
    `AggregatorProxy` (`abi/v0.6/`) or `MockV3Aggregator` (`abi/v0.7/`)."""
    root = find_package(CHAINLINK) / "abi"
    for version in ("v0.6", "v0.7"):
        path = root / version / f"{name}.json"
        if path.is_file():
            return contract_type_from_artifact(path, name)
    raise ArtifactError(f"{CHAINLINK} has no abi/v0.6/{name}.json (not 0.1.9? run `make setup`)")


def chainlink(name: str) -> ContractContainer:
    """A deployable container for Chainlink's contract `name` (see `chainlink_contract_type`)."""
    return ContractContainer(chainlink_contract_type(name))
