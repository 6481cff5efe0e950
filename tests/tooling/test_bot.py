"""bots/keeper.py under Silverback, as an operator runs it: the README's example, word for word
but on this module's Anvil (APE_FOUNDRY_HOST) and a free metrics port.

The test mines blocks (each past the cooldown) and watches the bot trade (the first trade starts
the plan) while it reads the bot's Prometheus endpoint, then stops it with SIGTERM and reads the
recorded session back with the README's own snippet: every block's metrics, and the drift alert
the drifted basket raised.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).parents[2]
MARKER = "<!-- tests/tooling/test_bot.py runs the two blocks below (on the local chain) -->"


def readme_example() -> tuple[str, str]:
    """The README's keeper command (sh) and the snippet that reads its session (python)."""
    text = (ROOT / "README.md").read_text().split(MARKER, 1)[1]
    blocks = re.findall(r"```(sh|python)\n(.*?)```", text, flags=re.S)
    (sh_kind, command), (py_kind, snippet) = blocks[:2]
    assert (sh_kind, py_kind) == ("sh", "python")
    return command.replace("\\\n", " "), "\n".join(line[2:] for line in snippet.splitlines())


def recorded(sessions: Path) -> str:
    """What `--record` has written so far (JSON lines, one per handler result)."""
    return "".join(f.read_text() for f in sessions.glob("*/*/*.jsonl"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_bot__readme_example__rebalances_alerts_records_and_serves_metrics(drifted, chain, book_root):
    rb = drifted.rebalancer
    command, snippet = readme_example()
    words = shlex.split(command)
    settings = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))
    args = [w for w in words if not re.match(r"^[A-Z_]+=", w)]
    assert args[:3] == ["vyndex", "silverback", "run"] and "--record" in args
    args[args.index("--network") + 1] = "ethereum:local:foundry"  # this module's chain, not a fork
    args[args.index("--account") + 1] = "TEST::4"  # the spec's keeper
    bot_name = f"vyndex-test-{os.getpid()}"
    port = free_port()
    settings |= {"SILVERBACK_BOT_NAME": bot_name, "VYNDEX_METRICS_PORT": str(port)}
    env = {
        **os.environ,
        **settings,
        "APE_FOUNDRY_HOST": chain.provider.uri,
        "VYNDEX_DEPLOYMENTS": str(book_root),
        "NO_COLOR": "1",
    }
    cmd = [str(ROOT / ".venv" / "bin" / "vyndex"), *args[1:]]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    sessions = ROOT / ".silverback-sessions" / bot_name
    scraped = ""
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and rb.trades() < 1 and proc.poll() is None:
            chain.mine(timestamp=chain.blocks.head.timestamp + 61)  # a new block, past every cooldown
            time.sleep(1)
        # The handler's metrics are logged once it returns, after its trade has landed.
        while time.monotonic() < deadline and not any("gas_used" in line for line in lines):
            time.sleep(0.5)
        # The alert's own result is recorded when its task completes, a moment after the block's.
        while time.monotonic() < deadline and '"task_name":"drift_alert"' not in recorded(sessions):
            time.sleep(0.5)
        try:  # what Prometheus would scrape now: the blocks seen so far, per index
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
                scraped = response.read().decode()
        except OSError as exc:
            scraped = f"no endpoint: {exc}"
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        reader.join(timeout=10)
        out = "".join(lines)

        assert rb.rebalance_started() != 0, out[-3000:]
        assert rb.trades() >= 1, out[-3000:]
        assert "keeping VBLUE" in out
        assert "performing upkeep: trade" in out
        assert "trade: WETH -> " in out and "slippage" in out
        level = r"is over the alert level of 300 bps \(threshold 200 bps\)"
        alert = re.search(rf"ALERT VBLUE: drift (\d+) bps {level}", out)
        assert alert is not None and int(alert.group(1)) > 300, out[-3000:]
        assert re.search(r'vyndex_drift_bps\{index="VBLUE"\} \d+', scraped), scraped[:2000]

        # The README's snippet reads the recorded session back.
        snippet = snippet.replace("vblue-keeper", bot_name).replace("mainnet-fork", "local")
        snippet = snippet.replace('".silverback-sessions', f'"{ROOT}/.silverback-sessions')
        scope: dict = {}
        exec(compile(snippet, "README.md", "exec"), scope)
        blocks = scope["blocks"]
        assert len(blocks) >= 1 and (blocks["drift_bps"] > 300).any()
        assert (blocks["threshold_bps"] == 200).all() and blocks["performed"].sum() >= 1
        alerts = scope["get_metrics"](sessions / "ethereum" / "local", task_name="drift_alert")
        assert "drift_alerts" in alerts, recorded(sessions)[-3000:]
        assert alerts["drift_alerts"].sum() == 1  # once for the episode, however many blocks
    finally:
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(sessions, ignore_errors=True)
