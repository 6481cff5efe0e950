"""What the adversarial tests measure over a session, printed at its end: the largest attacker
profit of each attack (oracle USD, 18 decimals; <= 0 means the attack never paid) and what the
stateful index machine did.

`make test` runs on pytest-xdist workers, whose terminal summaries are never shown: each worker
hands its numbers over when it finishes (`worker_output`, from tests/adversarial/conftest.py), the
controller merges them (`merge`, from tests/conftest.py) and prints them as a run without workers
prints its own."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

USD = 10**18

# Attack name -> the attacker's measured profit in USD (18 decimals), and the stateful run's steps.
PROFITS: dict[str, int] = {}
STEPS_RUN: dict[str, int] = {"steps": 0, "runs": 0}
# What the stateful runs actually did (trades made, keeper actions refused, mints refused while paused...).
ACTIVITY: Counter[str] = Counter()


def record_profit(name: str, profit: int) -> None:
    """Keeps the largest profit measured for `name`."""
    PROFITS[name] = max(PROFITS.get(name, profit), profit)


def worker_output() -> str:
    return json.dumps({"profits": PROFITS, "steps": STEPS_RUN, "activity": dict(ACTIVITY)})


def merge(raw: str) -> None:
    """Adds one worker's `worker_output` to this process's numbers."""
    report = json.loads(raw)
    for name, profit in report["profits"].items():
        record_profit(name, int(profit))
    for key in ("steps", "runs"):
        STEPS_RUN[key] += int(report["steps"][key])
    ACTIVITY.update({k: int(v) for k, v in report["activity"].items()})


def print_summary(terminalreporter: Any) -> None:
    if PROFITS:
        terminalreporter.section("adversarial: attacker profit, oracle USD (<= 0 means no profit)")
        for name, profit in sorted(PROFITS.items()):
            terminalreporter.write_line(f"{name:<58} {profit / USD:>16,.6f}")
    if STEPS_RUN["runs"]:
        terminalreporter.write_line(
            f"adversarial stateful index: {STEPS_RUN['steps']} steps in {STEPS_RUN['runs']} runs"
        )
        terminalreporter.write_line("  " + ", ".join(f"{k} {v}" for k, v in sorted(ACTIVITY.items())))
