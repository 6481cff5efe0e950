"""The helpers `make fuzz` stands on: its shards add up to the whole, and a long run reaches its
steps even when hypothesis ends runs early (no chain needed)."""

from __future__ import annotations

import pytest
from fuzz_shards import fuzz_shard, run_for_steps, shard_of
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

COUNT = {"steps": 0, "runs": 0}


class Counter(RuleBasedStateMachine):
    """A machine that only counts its steps; hypothesis decides how many each run gets."""

    def __init__(self) -> None:
        super().__init__()
        COUNT["runs"] += 1

    @rule(x=st.integers())
    def step(self, x: int) -> None:
        COUNT["steps"] += 1


def test_run_for_steps__runs_until_the_steps_are_in_whatever_the_run_lengths():
    ran = run_for_steps(Counter, examples=2, steps=10, must_reach=200, counted=lambda: COUNT["steps"])
    # 2 runs of at most 10 steps cannot make 200: the helper ran more runs until they did.
    assert ran == COUNT["steps"] >= 200
    assert COUNT["runs"] >= 20


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_shard_of__the_shares_of_all_shards_cover_the_total(monkeypatch, n):
    for k in range(n):
        monkeypatch.setenv("VYNDEX_FUZZ_SHARD", f"{k}/{n}")
        assert fuzz_shard() == (k, n)
    assert shard_of(10_000) * n >= 10_000 > (shard_of(10_000) - 1) * n


@pytest.mark.parametrize("raw", ["2/2", "x/2", "1", "-1/2"])
def test_fuzz_shard__a_malformed_shard_is_refused_by_name(monkeypatch, raw):
    monkeypatch.setenv("VYNDEX_FUZZ_SHARD", raw)
    with pytest.raises(ValueError, match="VYNDEX_FUZZ_SHARD must be k/n"):
        fuzz_shard()
