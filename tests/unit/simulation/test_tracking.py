"""vyndex.sim.tracking against hand-computed examples."""

import math

import pytest

from vyndex.sim import tracking


def test_ideal_path__targets_held_at_no_cost__hand_computed():
    prices = [[10.0, 1.0], [20.0, 1.0], [20.0, 0.5]]
    targets = [[0.5, 0.5], [0.25, 0.75]]
    # Day 1: 0.5 * 2 + 0.5 * 1 = 1.5; day 2: 0.25 * 1 + 0.75 * 0.5 = 0.625.
    assert tracking.ideal_path(100.0, prices, targets) == pytest.approx([100.0, 150.0, 93.75])


def test_ideal_path__too_few_targets__refused():
    with pytest.raises(ValueError, match="need targets for 2 days"):
        tracking.ideal_path(1.0, [[1.0], [1.0], [1.0]], [[1.0]])


def test_tracking_error__hand_computed():
    index = [100.0, 101.0, 100.0, 102.0]
    ideal = [100.0, 100.0, 100.0, 100.0]
    diffs = [math.log(1.01), math.log(100 / 101), math.log(1.02)]
    mean = sum(diffs) / 3
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / 2)
    assert tracking.tracking_error_bps(index, ideal) == pytest.approx(sd * math.sqrt(365) * 10_000)


def test_tracking_error__a_constant_gap_is_no_error_and_identical_paths_are_zero():
    ideal = [100.0, 110.0, 99.0, 120.0]
    assert tracking.tracking_error_bps(ideal, ideal) == 0.0
    assert tracking.tracking_error_bps([x * 0.99 for x in ideal], ideal) == pytest.approx(0.0, abs=1e-9)
    assert tracking.tracking_difference_bps([100.0, 103.0], [100.0, 105.0]) == pytest.approx(-200.0)


def test_drift_and_weights():
    assert tracking.weights_of([30.0, 10.0]) == [0.75, 0.25]
    assert tracking.drift_bps([0.75, 0.25], [0.7, 0.3]) == pytest.approx(500.0)
