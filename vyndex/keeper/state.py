"""Where a one-shot keeper (`vyndex keeper --once`, from cron) keeps its memory between runs.

One JSON file per index (default `.keeper-<SYMBOL>.json`), keyed by network, so the same index
kept on a fork and on a testnet never shares backoff or attempts::

    {"version": 1, "networks": {"ethereum:sepolia": {<KeeperState.to_json()>}, ...}}

Writes are atomic (a temporary file in the same folder, then `os.replace`): a run killed while
saving leaves the previous state, never half a file. A file that cannot be read as such is a
`KeeperStateError` naming it, never silently replaced.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from vyndex.keeper.loop import KeeperState

VERSION = 1


class KeeperStateError(RuntimeError):
    """The keeper's state file is unreadable or not a keeper state file."""


def default_path(symbol: str) -> Path:
    return Path(f".keeper-{symbol}.json")


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"version": VERSION, "networks": {}}
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KeeperStateError(
            f"keeper state file {path} is corrupt ({exc}); move it away to start afresh"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("networks"), dict):
        raise KeeperStateError(
            f"keeper state file {path} is not a vyndex keeper state (no 'networks' mapping); "
            "move it away to start afresh"
        )
    return data


def load_state(path: Path, network: str) -> KeeperState:
    """The state saved for `network`, or a fresh one."""
    entry = _read(path)["networks"].get(network)
    if entry is None:
        return KeeperState()
    try:
        return KeeperState.from_json(entry)
    except (TypeError, ValueError, KeyError, IndexError) as exc:
        raise KeeperStateError(
            f"keeper state file {path}: the entry for {network} is corrupt ({exc}); "
            "move the file away to start afresh"
        ) from exc


def save_state(path: Path, network: str, state: KeeperState) -> None:
    """Stores `state` under `network`, keeping the other networks' entries; atomically."""
    data = _read(path)
    data["version"] = VERSION
    data["networks"][network] = state.to_json()
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=folder)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
