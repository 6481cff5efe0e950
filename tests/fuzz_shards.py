"""Splitting the long stateful runs of `make fuzz` over processes."""

from __future__ import annotations

import os


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
