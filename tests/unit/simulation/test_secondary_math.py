"""vyndex.sim.secondary's pure arithmetic: the fee band and the Uniswap V2 sizing."""

from fractions import Fraction

import pytest

from vyndex.reference.uniswap_v2 import get_amount_out
from vyndex.sim.secondary import amount_in_to_reach, band


def test_band__ten_bps_fees_and_the_pools_thirty():
    low, high = band(100.0, 10, 10)
    assert low == pytest.approx(100 * 0.999 * 0.997)  # 99.6003
    assert high == pytest.approx(100 * 1.001 / 0.997)  # 100.4012...
    assert band(100.0, 0, 0) == pytest.approx((99.7, 100 / 0.997))


def test_amount_out__uniswap_v2_formula():
    # 1,000 in against 1,000,000 / 2,000,000: 997,000 * 2e6 / (1e9 + 997,000) = 1992.0
    assert get_amount_out(1_000, 1_000_000, 2_000_000) == 1_992
    assert get_amount_out(0, 1, 1) == 0


@pytest.mark.parametrize("target", [Fraction(19, 10), Fraction(3, 2), Fraction(1, 2)])
def test_amount_in_to_reach__lands_the_spot_at_or_just_past_the_target(target):
    r_in, r_out = 10**24, 2 * 10**24  # spot 2.0 out per in
    x = amount_in_to_reach(r_in, r_out, target)
    out = get_amount_out(x, r_in, r_out)
    spot = Fraction(r_out - out, r_in + x)
    assert spot <= target  # reached
    # Not much past: grossing the whole input up for the fee overshoots by a fraction of the fee
    # (15 bps on this halving of the price; about 1 bp on the few-percent moves arbitrage makes).
    assert spot >= target * Fraction(9_980, 10_000)
    # One trade a tenth smaller would have stopped short.
    smaller = x * 9 // 10
    assert Fraction(r_out - get_amount_out(smaller, r_in, r_out), r_in + smaller) > target


def test_amount_in_to_reach__already_there__nothing():
    assert amount_in_to_reach(10**18, 2 * 10**18, Fraction(2)) == 0
    assert amount_in_to_reach(10**18, 2 * 10**18, Fraction(3)) == 0
    with pytest.raises(ValueError):
        amount_in_to_reach(1, 1, Fraction(0))
