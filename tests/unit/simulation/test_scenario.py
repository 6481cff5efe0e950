"""vyndex.sim.scenario: seeded, correlated price paths with a crash, a depeg and a feed outage."""

import dataclasses

import numpy as np
import pytest

from vyndex.sim.scenario import Crash, Depeg, Outage, Scenario, ScenarioError, generate, standard


def _plain(**changes) -> Scenario:
    base = Scenario(
        name="t",
        seed=11,
        days=40,
        symbols=("A", "B", "S"),
        start_prices=(100.0, 10.0, 1.0),
        volatility=(0.8, 0.6, 0.01),
        drift=(0.0, 0.0, 0.0),
        correlation=((1.0, 0.7, 0.0), (0.7, 1.0, 0.0), (0.0, 0.0, 1.0)),
    )
    return dataclasses.replace(base, **changes)


def test_generate__same_seed_same_path_other_seed_other_path():
    a, b, c = generate(_plain()), generate(_plain()), generate(_plain(seed=12))
    assert np.array_equal(a.prices, b.prices)
    assert not np.allclose(a.prices, c.prices)


def test_generate__day_zero_at_start_prices_and_history_ends_the_day_before():
    path = generate(_plain())
    assert path.prices.shape == (41, 3)
    assert np.allclose(path.prices[0], [100.0, 10.0, 1.0])
    assert path.history.shape == (30, 3)
    # The history is the same random walk: day -1 to day 0 is one ordinary daily move.
    assert np.all(np.abs(np.log(path.prices[0] / path.history[-1])) < 0.25)
    assert np.array_equal(path.trailing(0, 30)[-1], path.prices[0])
    assert len(path.trailing(5, 30)) == 31


def test_generate__long_run_matches_the_volatility_and_correlation_asked_for():
    path = generate(_plain(days=20_000, history_days=0))
    r = np.diff(np.log(path.prices), axis=0)
    vol = r.std(axis=0, ddof=1) * np.sqrt(365)
    assert vol == pytest.approx([0.8, 0.6, 0.01], rel=0.03)
    corr = np.corrcoef(r.T)
    assert corr[0, 1] == pytest.approx(0.7, abs=0.02)
    assert abs(corr[0, 2]) < 0.03


def test_crash__the_day_loses_exactly_the_drop_on_top_of_the_random_move():
    plain = generate(_plain())
    crashed = generate(_plain(crash=Crash(day=10, drops={"A": 0.4})))
    ratio = crashed.prices[:, 0] / plain.prices[:, 0]
    assert np.allclose(ratio[:10], 1.0)
    assert np.allclose(ratio[10:], 0.6)
    assert np.allclose(crashed.prices[:, 1], plain.prices[:, 1])  # B not named: untouched


def test_depeg__factors_multiply_those_days_only():
    plain = generate(_plain())
    depegged = generate(_plain(depeg=Depeg("S", 5, (0.95, 0.88, 0.97))))
    ratio = depegged.prices[:, 2] / plain.prices[:, 2]
    assert np.allclose(ratio[5:8], [0.95, 0.88, 0.97])
    assert np.allclose(np.delete(ratio, [5, 6, 7]), 1.0)


def test_outage__feed_silent_for_exactly_those_days_while_the_price_moves():
    path = generate(_plain(outage=Outage("B", 20, 3)))
    assert [d for d in range(41) if not path.live[d, 1]] == [20, 21, 22]
    assert path.live[:, [0, 2]].all()
    assert len(set(path.prices[19:23, 1])) == 4  # the market kept moving


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"days": 0}, "days"),
        ({"start_prices": (100.0, 0.0, 1.0)}, "start_prices"),
        ({"volatility": (0.8, 0.6)}, "volatility"),
        ({"correlation": ((1.0, 0.9, 0.0), (0.7, 1.0, 0.0), (0.0, 0.0, 1.0))}, "correlation"),
        ({"correlation": ((1.0, 0.99, -0.99), (0.99, 1.0, 0.99), (-0.99, 0.99, 1.0))}, "positive"),
        ({"crash": Crash(day=41, drops={"A": 0.1})}, "crash.day"),
        ({"crash": Crash(day=3, drops={"A": 1.0})}, "crash.drops.A"),
        ({"crash": Crash(day=3, drops={"Z": 0.1})}, "'Z'"),
        ({"depeg": Depeg("S", 2, (0.9, -1.0))}, "depeg.factors"),
        ({"outage": Outage("B", 3, 0)}, "outage"),
    ],
)
def test_validate__bad_scenario__error_names_the_field(changes, field):
    with pytest.raises(ScenarioError, match=field):
        generate(_plain(**changes))


def test_standard__events_inside_the_run_and_dropped_beyond_it():
    full = standard(days=120)
    assert full.crash is not None and full.depeg is not None and full.outage is not None
    path = generate(full)
    usdc = full.index_of("USDC")
    assert path.prices[57, usdc] < 0.9  # the trough trips the adapter's 0.9 bound
    short = standard(days=20)
    assert short.crash is None and short.depeg is None and short.outage is None
