"""`vyndex devnet` nodes (vyndex.devnet.start_node / stop_node) run through bin/anvil: what Anvil
persists goes to a folder of the node's own, and stopping the node leaves neither a process nor
that folder (npm's Anvil alone left ~/.foundry/anvil/tmp/anvil-state-* behind on every stop)."""

from __future__ import annotations

from pathlib import Path

from vyndex import devnet as dn


def _anvil_cmdlines(port: int) -> list[list[str]]:
    """Command lines of the running Anvil binaries listening on `port` (not the wrappers)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if (
            argv
            and argv[0].endswith("/anvil")
            and "--port" in argv
            and argv[argv.index("--port") + 1] == str(port)
        ):
            found.append(argv)  # the wrappers run as `bash .../bin/anvil` and `node ...`
    return found


def test_start_node__then_stop__states_in_its_own_folder_and_nothing_left(tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # where bin/anvil makes the node's folder
    port = dn.free_port()
    uri = f"http://127.0.0.1:{port}"
    dn.start_node("devnet", port, state_dir=tmp_path / "state")
    try:
        [argv] = _anvil_cmdlines(port)
        [folder] = scratch.glob("vyndex-anvil.*")
        assert argv[argv.index("--cache-path") + 1] == str(folder)
        assert "--steps-tracing" in argv  # kept: Ape's revert traces read them
        dn.rpc(uri, "anvil_mine", ["0x40"])
        assert int(dn.rpc(uri, "eth_blockNumber"), 16) == 0x40
    finally:
        assert dn.stop_node("devnet", state_dir=tmp_path / "state")
    assert not dn.node_alive(uri)
    assert _anvil_cmdlines(port) == []
    assert list(scratch.iterdir()) == []
