"""bots/keeper.py under Silverback, as an operator runs it: `silverback run keeper`.

The bot connects to this module's Anvil (APE_FOUNDRY_HOST); the test mines blocks (each past the
cooldown) and watches the bot trade (the first trade starts the plan), then stops it with SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_bot__rebalances_on_new_blocks_and_logs_each_trade(drifted, chain, book_root):
    rb = drifted.rebalancer
    env = {
        **os.environ,
        "APE_FOUNDRY_HOST": chain.provider.uri,
        "VYNDEX_DEPLOYMENTS": str(book_root),
        "NO_COLOR": "1",
    }
    cmd = [str(ROOT / ".venv" / "bin" / "silverback"), "run", "keeper"]
    cmd += ["--network", "ethereum:local:foundry", "--account", "TEST::4"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and rb.trades() < 1 and proc.poll() is None:
            chain.mine(timestamp=chain.blocks.head.timestamp + 61)  # a new block, past every cooldown
            time.sleep(1)
        # The handler's metrics are logged once it returns, after its trade has landed.
        while time.monotonic() < deadline and not any("gas_used" in line for line in lines):
            time.sleep(0.5)
    finally:
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
    assert "gas_used" in out  # the metrics each block returns
