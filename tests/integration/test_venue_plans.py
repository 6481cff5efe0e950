"""The venues' `plan` under a quote session equals what the legs then move, to the base unit, on
the real Uniswap V2 and V3 bytecode, also when several legs go through one pool: each planned leg
sees the ones before it (V2: the reserves they leave; V3: the pool's swap replayed in memory from
its own ticks, crossing concentrated positions).

PlanSequence plans the legs in one session and then executes the same legs in the same
transaction, keeping both. World: A (18 decimals, $20), B (6 decimals, $1), WETH ($2,000); V2
pairs A/WETH, B/WETH, A/B; V3 pools A/WETH 0.3% (full range plus three narrow positions around
the price, so mid-sized swaps cross initialized ticks) and B/WETH 0.05% (two narrow positions).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vyndex.reference.uniswap_v2 import seed_pair
from vyndex.reference.uniswap_v3 import (
    acquire,
    deploy_uniswap_v3,
    mint_position,
    quote_exact_input_single,
    quote_exact_output_single,
    seed_pool,
)
from vyndex.venues import deploy_v2_venue, deploy_v3_venue

PRICE = {"A": 20, "B": 1, "WETH": 2_000}
DECIMALS = {"A": 18, "B": 6, "WETH": 18}
V2_DIRECT, V2_VIA_WETH = 0, 1


def vp_amount(symbol: str, usd: float) -> int:
    return int(usd * 10 ** DECIMALS[symbol] / PRICE[symbol])


@pytest.fixture(scope="module")
def vp_world(project, owner, uniswap, create_token) -> dict[str, Any]:
    owner.balance += 10**27
    uni3 = deploy_uniswap_v3(owner, uniswap.weth)
    t = {"A": create_token(18, "Token A", "A"), "B": create_token(6, "Token B", "B"), "WETH": uniswap.weth}
    for a, b in (("A", "WETH"), ("B", "WETH"), ("A", "B")):
        seed_pair(uniswap, t[a], t[b], vp_amount(a, 2_000_000), vp_amount(b, 2_000_000), owner)
    pool_a = seed_pool(
        uni3, t["A"], t["WETH"], 3000, vp_amount("A", 300_000), vp_amount("WETH", 300_000), owner
    )
    tick = int(pool_a.slot0().tick) // 60 * 60
    for low, high, usd in ((-120, 120, 400_000), (-900, -120, 300_000), (120, 1_200, 300_000)):
        acquire(uni3, t["A"], owner, vp_amount("A", usd))
        acquire(uni3, t["WETH"], owner, vp_amount("WETH", usd))
        mint_position(
            uni3,
            t["A"],
            t["WETH"],
            3000,
            vp_amount("A", usd),
            vp_amount("WETH", usd),
            owner,
            tick + low,
            tick + high,
        )
    pool_b = seed_pool(
        uni3, t["B"], t["WETH"], 500, vp_amount("B", 500_000), vp_amount("WETH", 500_000), owner, width=400
    )
    tick_b = int(pool_b.slot0().tick) // 10 * 10
    acquire(uni3, t["B"], owner, vp_amount("B", 300_000))
    acquire(uni3, t["WETH"], owner, vp_amount("WETH", 300_000))
    mint_position(
        uni3,
        t["B"],
        t["WETH"],
        500,
        vp_amount("B", 300_000),
        vp_amount("WETH", 300_000),
        owner,
        tick_b - 50,
        tick_b + 50,
    )
    v2 = deploy_v2_venue(owner, uniswap.factory, uniswap.weth)
    v3 = deploy_v3_venue(owner, uni3.factory, uniswap.weth)
    runner = owner.deploy(project.PlanSequence)
    for symbol in ("A", "B"):
        t[symbol].mint(runner, vp_amount(symbol, 50_000_000), sender=owner)
    uniswap.weth.deposit(sender=owner, value=vp_amount("WETH", 50_000_000))
    uniswap.weth.transfer(runner, vp_amount("WETH", 50_000_000), sender=owner)
    return {"tokens": t, "uni3": uni3, "v2": v2, "v3": v3, "runner": runner, "pool_a": pool_a}


def run_legs(world: dict[str, Any], legs: list[tuple[str, str, str, float, int, bool]], chain: Any):
    """Plans then executes `legs` (venue, sell, buy, USD size of the given side, route,
    exact_out); returns (planned, moved), each a list of (input, output)."""
    t = world["tokens"]
    encoded = []
    for venue, sell, buy, usd, route, exact_out in legs:
        amount = vp_amount(buy if exact_out else sell, usd)
        encoded.append(
            (world[venue].address, t[sell].address, t[buy].address, amount, route, exact_out, True)
        )
    snapshot = chain.snapshot()
    try:
        runner = world["runner"]
        runner.run(encoded, 7, sender=world["owner"])
        planned_raw, moved_raw = runner.results()
        planned = [tuple(int(x) for x in p) for p in planned_raw]
        moved = [tuple(int(x) for x in m) for m in moved_raw]
    finally:
        chain.restore(snapshot)
    return planned, moved


@pytest.fixture
def vp(vp_world, owner):
    return {**vp_world, "owner": owner}


def test_plan__v3_legs_through_one_pool_crossing_ticks__equal_what_they_move(vp, chain):
    legs = [
        ("v3", "WETH", "A", 250_000, 3000, False),  # crosses the narrow range upward
        ("v3", "WETH", "A", 40_000, 3000, True),
        ("v3", "A", "WETH", 700_000, 3000, False),  # back down through three positions
        ("v3", "A", "WETH", 10_000, 3000, True),
    ]
    planned, moved = run_legs(vp, legs, chain)
    assert planned == moved
    # The pools really were shared: alone, the second leg would have cost less than it did.
    alone = quote_exact_output_single(
        vp["uni3"], vp["tokens"]["WETH"], vp["tokens"]["A"], 3000, vp_amount("A", 40_000)
    )
    assert alone.amount < moved[1][0]


def test_plan__v3_two_hop_routes_sharing_pools__equal_what_they_move(vp, chain):
    via = 500 | 3000 << 24  # B -> WETH at 0.05%, WETH -> A at 0.3%
    back = 3000 | 500 << 24
    legs = [
        ("v3", "B", "A", 120_000, via, False),
        ("v3", "WETH", "A", 60_000, 3000, True),  # the second hop's pool again
        ("v3", "A", "B", 90_000, back, True),
        ("v3", "B", "WETH", 30_000, 500, False),  # the first hop's pool again
    ]
    planned, moved = run_legs(vp, legs, chain)
    assert planned == moved


def test_plan__v2_legs_sharing_pairs_direct_and_via_weth__equal_what_they_move(vp, chain):
    legs = [
        ("v2", "B", "A", 150_000, V2_VIA_WETH, True),  # B/WETH then WETH/A
        ("v2", "WETH", "A", 80_000, V2_DIRECT, False),  # WETH/A again
        ("v2", "A", "B", 50_000, V2_VIA_WETH, False),  # A/WETH and WETH/B again
        ("v2", "B", "WETH", 20_000, V2_DIRECT, True),
    ]
    planned, moved = run_legs(vp, legs, chain)
    assert planned == moved
    # Exact output on V2 pays exactly the amount asked (nothing bought above the need).
    assert moved[0][1] == vp_amount("A", 150_000)
    assert moved[3][1] == vp_amount("WETH", 20_000)


def test_plan__exact_input_with_trim__pays_only_what_buys_whole_units(vp):
    """A (18 decimals, $20) sold for B (6 decimals): a base unit of B is worth 5e10 wei of A, so
    most of an odd amount's last 5e10 wei buys nothing. With `trim` the plan pays only what buys
    the whole units; without, it pays everything, for the same output."""
    t, v2 = vp["tokens"], vp["v2"]
    amount = 10**18 + 12_345_678_901
    whole = v2.plan.call(t["A"], t["B"], amount, V2_DIRECT, False, False, 0)
    trimmed = v2.plan.call(t["A"], t["B"], amount, V2_DIRECT, False, True, 0)
    assert whole[1] == amount and trimmed[1] < amount and trimmed[2] == whole[2]
    # One base unit less would buy one base unit less.
    assert v2.quote(t["A"], t["B"], trimmed[1] - 1, V2_DIRECT, False) == trimmed[2] - 1


def test_plan__first_leg_of_a_session__equals_the_pools_own_quote(vp, chain):
    """The in-memory replay against QuoterV2 (the pool's own swap, reverted) across sizes that
    stay inside one position and that cross several."""
    t, uni3 = vp["tokens"], vp["uni3"]
    for usd in (100, 30_000, 200_000, 600_000):
        legs = [("v3", "A", "WETH", usd, 3000, False), ("v3", "WETH", "A", usd, 3000, True)]
        for leg in legs:
            planned, _ = run_legs(vp, [leg], chain)
            if leg[5]:
                reference = quote_exact_output_single(uni3, t["WETH"], t["A"], 3000, vp_amount("A", usd))
                assert planned[0][0] == reference.amount
            else:
                reference = quote_exact_input_single(uni3, t["A"], t["WETH"], 3000, vp_amount("A", usd))
                assert planned[0][1] == reference.amount


leg_strategy = st.tuples(
    st.sampled_from(
        [
            ("v3", "A", "WETH", 3000),
            ("v3", "WETH", "A", 3000),
            ("v3", "B", "WETH", 500),
            ("v3", "WETH", "B", 500),
            ("v3", "B", "A", 500 | 3000 << 24),
            ("v2", "A", "WETH", V2_DIRECT),
            ("v2", "B", "A", V2_VIA_WETH),
        ]
    ),
    st.floats(min_value=10, max_value=300_000),
    st.booleans(),
)


@settings(max_examples=8)
@given(raw=st.lists(leg_strategy, min_size=2, max_size=5))
def test_plan__any_sequence_of_legs__equals_what_they_move(vp, chain, raw):
    legs = [(venue, sell, buy, usd, route, exact_out) for (venue, sell, buy, route), usd, exact_out in raw]
    planned, moved = run_legs(vp, legs, chain)
    assert planned == moved
