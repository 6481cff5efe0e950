"""The long stateful runs of `make fuzz`: split over processes, and run until their steps are in."""

from __future__ import annotations

import os
from collections.abc import Callable

from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test


def fuzz_shard() -> tuple[int, int]:
    """`make fuzz` splits each long stateful run over FUZZ_JOBS processes (one Anvil each, random
    ports): VYNDEX_FUZZ_SHARD="k/n" is shard k of n. Unset, a process is the whole run (0/1)."""
    raw = os.environ.get("VYNDEX_FUZZ_SHARD", "0/1")
    k, _, n = raw.partition("/")
    if not (k.isdigit() and n.isdigit() and 0 <= int(k) < int(n)):
        raise ValueError(f"VYNDEX_FUZZ_SHARD must be k/n with 0 <= k < n, got {raw!r}")
    return int(k), int(n)


def shard_of(total: int) -> int:
    """This process's share of `total` (runs, or the steps it must reach): the shares of all n
    shards add up to at least `total`."""
    _, n = fuzz_shard()
    return -(-total // n)


def run_for_steps(
    machine: type[RuleBasedStateMachine],
    examples: int,
    steps: int,
    must_reach: int,
    counted: Callable[[], int],
) -> int:
    """Run `machine` for `examples` runs of up to `steps` steps, then, while fewer than
    `must_reach` steps have run (`counted()` is the machine's running step count), more runs:
    hypothesis ends some runs before `steps` (long runs averaged 60-69 of 80). Returns the steps
    run by this call."""
    start = counted()
    while True:
        run_state_machine_as_test(
            machine, settings=settings(max_examples=examples, stateful_step_count=steps)
        )
        short = must_reach - (counted() - start)
        if short <= 0:
            return counted() - start
        examples = -(-short // max(1, steps // 2))
        print(f"\n  {short} steps short of {must_reach}: {examples} more runs", flush=True)
