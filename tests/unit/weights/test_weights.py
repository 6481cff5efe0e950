"""vyndex.weights against hand-computed examples."""

from fractions import Fraction

import pytest

from vyndex import weights as W


def test_equal__three_components__ties_go_to_first_and_sum_is_10000():
    assert W.equal(3) == [3334, 3333, 3333]


def test_market_cap__plain__proportional():
    assert W.market_cap([50, 30, 20]) == [5000, 3000, 2000]


def test_market_cap__one_name_over_cap__excess_spread_pro_rata():
    # 70 capped at 50; the 20 of excess goes 2:1 to the others: 33.33 and 16.67.
    assert W.market_cap([70, 20, 10], cap=0.5) == [5000, 3333, 1667]


def test_market_cap__redistribution_pushes_second_name_over_cap__capped_iteratively():
    # 60 -> 40, the others become 45 / 15; 45 is then capped at 40 and 10 takes the rest: 20.
    assert W.market_cap([60, 30, 10], cap=0.4) == [4000, 4000, 2000]


def test_market_cap__floor__small_names_raised_from_the_large_one():
    assert W.market_cap([90, 5, 5], floor=0.1) == [8000, 1000, 1000]


def test_inverse_volatility__halving_vol_doubles_weight():
    # 1/0.2 : 1/0.4 : 1/0.8 = 4 : 2 : 1 -> 5714.29, 2857.14, 1428.57 bps.
    assert W.inverse_volatility([0.2, 0.4, 0.8]) == [5714, 2857, 1429]


def test_liquidity__depths__proportional_with_cap():
    assert W.liquidity([1_000_000, 1_000_000, 8_000_000], cap=0.6) == [2000, 2000, 6000]


def test_cap_and_floor__exact_fractions__no_rounding_before_bps():
    w = W.cap_and_floor([70, 20, 10], cap=Fraction(1, 2))
    assert w == [Fraction(1, 2), Fraction(1, 3), Fraction(1, 6)]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: W.equal(3, cap=0.3), "infeasible"),
        (lambda: W.equal(4, floor=0.3), "infeasible"),
        (lambda: W.market_cap([1, -1, 3]), "must not be negative"),
        (lambda: W.inverse_volatility([0.2, 0.0]), "must be positive"),
        (lambda: W.market_cap([0, 0]), "sum to zero"),
        (lambda: W.equal(0), "at least one"),
        (lambda: W.market_cap([1, 2], cap=0.6, floor=0.7), "infeasible"),
        (lambda: W.market_cap([1.0, float("nan")]), "finite"),
    ],
)
def test_weights__bad_input__named_error(call, message):
    with pytest.raises(W.WeightError, match=message):
        call()


def test_to_bps__any_input__sums_to_10000():
    for raw in ([1, 1, 1, 1, 1, 1, 1], [3, 7, 11, 13], [1] * 32):
        assert sum(W.to_bps([Fraction(x) for x in raw])) == 10_000


def test_volatility__hand_computed_series__annualised():
    # log returns ln(1.1), ln(0.9), ln(1.1): sample variance 0.0134229 per day.
    vol = W.volatility([100, 110, 99, 108.9], periods_per_year=365)
    assert vol == pytest.approx(0.0134229**0.5 * 365**0.5, rel=1e-5)


def test_cap_and_floor__floor_then_cap_would_flatten__proportions_of_the_rest_kept():
    # Market caps of the simulation's day 0 (WETH, WBTC, USDC, LINK, UNI): WBTC and WETH capped at
    # 40%, the 20% left goes 33 : 9 : 4.8 (14.10 / 3.85 / 2.05%), every one above the 2% floor.
    # Flooring first and capping after would have spread it almost equally (6.7% each).
    caps = [360e9, 1_182e9, 33e9, 9e9, 4.8e9]
    assert W.market_cap(caps, cap=0.4, floor=0.02) == [4000, 4000, 1410, 385, 205]


def test_cap_and_floor__a_floor_that_shrinks_the_room__cap_not_kept_where_it_no_longer_binds():
    # clip(lam * [60, 38, 2], 0.3, 0.55) sums to 1 at lam = 1/150: [0.4, 0.3, 0.3]. Capping the 60
    # first and flooring after would pin it at 55% and overshoot 100%.
    assert W.market_cap([60, 38, 2], cap=0.55, floor=0.3) == [4000, 3000, 3000]


def test_cap_and_floor__zero_weight_cannot_take_the_excess__refused():
    with pytest.raises(W.WeightError, match="zero weight"):
        W.market_cap([0, 1], cap=0.6)
