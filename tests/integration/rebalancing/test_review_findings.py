"""The review of the first rebalancer (issue #13), finding by finding, as properties over a basket
of 0-, 2-, 6-, 8- and 18-decimal components on real Uniswap V2 and V3 bytecode:

1. what a trade receives is worth at least (1 - max slippage) of what it sells, at the oracle
   prices, in the base units actually moved, whatever the decimals;
2. whatever checkUpkeep proposes executes; when the best pair cannot, the next is proposed; when
   none can, it says why;
3. a trade never moves either component further from its target weight at the current prices, and
   a plan ends by itself;
4. a plan starts only with an executable trade: plans never outnumber trades.
"""

from __future__ import annotations

from fractions import Fraction

import ape
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vyndex.constants import BPS, USD
from vyndex.sim.secondary import amount_in_to_reach
from vyndex.venues import REASON_ORACLE, Lens, check_upkeep, v3_route

from .conftest import (
    COOLDOWN,
    DECIMALS,
    PLAN_TTL,
    PRICES,
    SLIPPAGE_BPS,
    SYMBOLS,
    amount_of,
    distance_bps_x,
    give,
    oracle_prices,
    perform_proposals,
    values_usd,
)

EQUAL = [2000] * 5
GOLD, EURC, USDC, WBTC, WETH = range(5)
REASON_BALANCED, REASON_NOTHING_LEFT, REASON_NOT_EXECUTABLE = 4, 5, 7


def deadline(chain) -> int:
    return chain.pending_timestamp + 600


def assert_trade_within_bound(dx_vault, receipt, prices: list[int]) -> int:
    """Every trade in `receipt`: received * buy price >= (1 - slippage) * sold * sell price, exact in
    base units. Returns how many trades it checked."""
    dx_tokens = [str(t) for t in dx_vault.components()[0]]
    checked = 0
    for e in receipt.events.filter(dx_vault.RebalanceTrade):
        s, b = dx_tokens.index(str(e.sell)), dx_tokens.index(str(e.buy))
        sold = Fraction(e.amount_in * prices[s], 10 ** DECIMALS[SYMBOLS[s]])
        got = Fraction(e.amount_out * prices[b], 10 ** DECIMALS[SYMBOLS[b]])
        assert got * BPS >= sold * (BPS - SLIPPAGE_BPS), (SYMBOLS[s], SYMBOLS[b], e.amount_in, e.amount_out)
        checked += 1
    return checked


def assert_toward_targets(dx_vault, receipt, before: list[int], after: list[int], targets: list[int]) -> None:
    """Neither component of a trade ends further from its target weight (same prices), beyond a
    millionth of a basis point of rounding."""
    dx_tokens = [str(t) for t in dx_vault.components()[0]]
    for e in receipt.events.filter(dx_vault.RebalanceTrade):
        for i in (dx_tokens.index(str(e.sell)), dx_tokens.index(str(e.buy))):
            was, now = distance_bps_x(before, i, targets[i]), distance_bps_x(after, i, targets[i])
            assert now <= was + Fraction(1, 10**10), (SYMBOLS[i], float(was * BPS), float(now * BPS))


# ---------------------------------------------------------------------------------------------
# 1. Rounding: exact in base units for 0 to 18 decimals
# ---------------------------------------------------------------------------------------------


def test_trade__0_decimal_bought_for_a_fraction__keeps_the_slippage_bound(
    dx_vault, dx_rebalancer, dx_adapter, dx_tokens, manager, keeper, chain
):
    # GOLD ($100 a token, 0 decimals) is $650 short: 6.5 tokens. The old rebalancer sold $650 of
    # WETH for 6 GOLD (7.7% lost against a 1% bound); now the venue trims the input to what buys
    # exactly 6 and the bound holds in whole tokens.
    dx_rebalancer.set_targets([2013, 2000, 2000, 2000, 1987], sender=manager)
    prices = oracle_prices(dx_adapter, dx_tokens)
    receipt = dx_rebalancer.trade(WETH, GOLD, 0, 0, 0, deadline(chain), sender=keeper)
    (event,) = receipt.events.filter(dx_vault.RebalanceTrade)
    assert event.amount_out == 6
    assert amount_of("WETH", 600) < event.amount_in < amount_of("WETH", 606)
    assert assert_trade_within_bound(dx_vault, receipt, prices) == 1


def test_trade__0_decimal_sold_in_whole_tokens__keeps_the_slippage_bound(
    dx_vault, dx_rebalancer, dx_adapter, dx_tokens, manager, keeper, chain
):
    # GOLD is $650 over: at most 6 whole tokens leave, never 7.
    dx_rebalancer.set_targets([1987, 2000, 2000, 2000, 2013], sender=manager)
    prices = oracle_prices(dx_adapter, dx_tokens)
    receipt = dx_rebalancer.trade(GOLD, WETH, 0, 0, 0, deadline(chain), sender=keeper)
    (event,) = receipt.events.filter(dx_vault.RebalanceTrade)
    assert event.amount_in == 6
    assert assert_trade_within_bound(dx_vault, receipt, prices) == 1


weights5 = st.lists(st.integers(1, 40), min_size=5, max_size=5).map(
    lambda raw: [w * BPS // sum(raw) for w in raw[:-1]] + [BPS - sum(w * BPS // sum(raw) for w in raw[:-1])]
)


@settings(max_examples=6)
@given(targets=weights5, jump=st.sampled_from([None, (WETH, 160), (WBTC, 50), (GOLD, 130)]))
def test_keeper__any_targets_and_price_jump__every_trade_bounded_toward_and_executable(
    dx_vault, dx_rebalancer, dx_adapter, dx_feeds, dx_tokens, manager, keeper, chain, targets, jump
):
    snapshot = chain.snapshot()
    try:
        dx_rebalancer.set_targets(targets, sender=manager)
        if jump is not None:
            i, pct = jump
            dx_feeds[SYMBOLS[i]].update_answer(PRICES[SYMBOLS[i]] * pct * 10**6, sender=keeper)
        trades = 0
        proposal = check_upkeep(dx_rebalancer)
        for _ in range(10):
            proposal = check_upkeep(dx_rebalancer)
            if not proposal.needed:
                chain.pending_timestamp += COOLDOWN + 1
                chain.mine()
                for s in SYMBOLS:  # keep feeds fresh
                    dx_feeds[s].update_answer(int(dx_feeds[s].latestRoundData()[1]), sender=keeper)
                proposal = check_upkeep(dx_rebalancer)
                if not proposal.needed:
                    break
            prices = oracle_prices(dx_adapter, dx_tokens)
            before = values_usd(dx_vault, prices)
            # Liveness: a proposal executes.
            receipt = dx_rebalancer.performUpkeep(proposal.data, sender=keeper)
            trades += assert_trade_within_bound(dx_vault, receipt, prices)
            assert_toward_targets(dx_vault, receipt, before, values_usd(dx_vault, prices), targets)
            assert dx_rebalancer.plans() <= dx_rebalancer.trades()
        # No trade at all is right only when none can execute (the pools were left at the old
        # prices, so a jump can put every route past the bound), and the scout must say why.
        assert trades >= 1 or proposal.reason in (REASON_BALANCED, REASON_NOTHING_LEFT, REASON_NOT_EXECUTABLE)
    finally:
        chain.restore(snapshot)


# ---------------------------------------------------------------------------------------------
# 2. Liveness: the next executable action, or a reason
# ---------------------------------------------------------------------------------------------


def test_check_upkeep__best_buy_is_a_paused_token__proposes_the_next_pair(
    dx_vault, dx_rebalancer, dx_tokens, owner, manager, keeper, chain
):
    # EURC is the most underweight (4%), USDC next (2%); EURC's transfers are paused.
    dx_rebalancer.set_targets([2000, 2400, 2200, 1700, 1700], sender=manager)
    dx_tokens["EURC"].set_paused(True, sender=owner)
    proposal = check_upkeep(dx_rebalancer)
    assert proposal.needed and proposal.buy == USDC and proposal.sell in (WBTC, WETH)
    receipt = dx_rebalancer.performUpkeep(proposal.data, sender=keeper)
    assert receipt.events.filter(dx_rebalancer.Trade)


def test_check_upkeep__best_route_pushed_off_the_oracle__proposes_another_that_executes(
    dx_vault, dx_rebalancer, dx_uni3, dx_tokens, manager, keeper, attacker, chain
):
    from vyndex.reference.uniswap_v3 import acquire, swap_exact_input_single

    dx_rebalancer.set_targets([2000, 2000, 2400, 2000, 1600], sender=manager)
    first = check_upkeep(dx_rebalancer)
    assert first.needed and (first.sell, first.buy, first.venue, first.route) == (
        WETH,
        USDC,
        1,
        v3_route(500),
    )
    # Someone buys USDC for WETH in that 0.05% pool: its WETH now fetches ~5% less than the oracle.
    amount = amount_of("WETH", 2_000_000)
    acquire(dx_uni3, dx_tokens["WETH"], attacker, amount)
    swap_exact_input_single(dx_uni3, dx_tokens["WETH"], dx_tokens["USDC"], 500, amount, attacker)
    second = check_upkeep(dx_rebalancer)
    assert second.needed
    assert (second.venue, second.route) != (first.venue, first.route)
    receipt = dx_rebalancer.performUpkeep(second.data, sender=keeper)
    assert receipt.events.filter(dx_rebalancer.Trade)


def test_check_upkeep__no_candidate_executes__says_why(dx_vault, dx_rebalancer, dx_tokens, owner, manager):
    # Only EURC is short, and it is paused: nothing can execute.
    dx_rebalancer.set_targets([1900, 2400, 1900, 1900, 1900], sender=manager)
    dx_tokens["EURC"].set_paused(True, sender=owner)
    proposal = check_upkeep(dx_rebalancer)
    assert not proposal.needed
    assert proposal.reason == REASON_NOT_EXECUTABLE and proposal.detail >= 1, proposal.why


def test_check_upkeep__stale_feed__reason_names_the_component(
    dx_rebalancer, dx_feeds, manager, keeper, chain
):
    dx_rebalancer.set_targets([2400, 1900, 1900, 1900, 1900], sender=manager)
    chain.pending_timestamp += 86_401
    chain.mine()
    for s in SYMBOLS[:3] + SYMBOLS[4:]:
        dx_feeds[s].update_answer(PRICES[s] * 10**8, sender=keeper)
    proposal = check_upkeep(dx_rebalancer)
    assert not proposal.needed and proposal.reason == REASON_ORACLE
    assert proposal.detail >> 8 == WBTC and proposal.detail & 0xFF == 5  # stale price


def test_check_upkeep__long_check_data__answers(dx_rebalancer, manager):
    dx_rebalancer.set_targets([2400, 1900, 1900, 1900, 1900], sender=manager)
    needed, data = dx_rebalancer.checkUpkeep.call(b"\x07" * 1_000)
    assert needed and len(data) == 192


# ---------------------------------------------------------------------------------------------
# 3. Stale plans: judged at current prices, and ending by themselves
# ---------------------------------------------------------------------------------------------


def test_trade__plan_made_before_a_price_move__never_sells_what_became_underweight(
    dx_vault, dx_rebalancer, dx_adapter, dx_feeds, dx_tokens, dx_uni, manager, keeper, chain
):
    # A plan starts: WBTC over its target, WETH under it. Then WETH +60% and WBTC -50% in a day:
    # WETH is now over, WBTC under. The old rebalancer went on selling WBTC for WETH (388 -> 1,032
    # bps of drift); now that trade is refused and the proposals follow the new prices.
    targets = [2000, 2000, 2000, 1800, 2200]
    dx_rebalancer.set_targets(targets, sender=manager)
    dx_rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)
    assert dx_rebalancer.plan_active()
    chain.pending_timestamp += COOLDOWN + 1
    dx_feeds["WETH"].update_answer(PRICES["WETH"] * 160 * 10**6, sender=keeper)
    dx_feeds["WBTC"].update_answer(PRICES["WBTC"] * 50 * 10**6, sender=keeper)
    with ape.reverts("rebalancer: sell not above target"):
        dx_rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)
    # An arbitrageur brings the WETH/USDC pair to the new WETH price.
    pair = dx_uni.pair(dx_tokens["USDC"], dx_tokens["WETH"])
    r0, r1, _ = pair.getReserves()
    r_usdc, r_weth = (r0, r1) if pair.token0() == dx_tokens["USDC"].address else (r1, r0)
    amount = amount_in_to_reach(r_usdc, r_weth, Fraction(r_weth, r_usdc) * 10 / 16)
    give(dx_uni, dx_tokens["USDC"], keeper, amount)
    dx_tokens["USDC"].approve(dx_uni.router, amount, sender=keeper)
    dx_uni.router.swapExactTokensForTokens(
        amount, 0, [dx_tokens["USDC"], dx_tokens["WETH"]], keeper, 2**64, sender=keeper
    )
    drift = Lens(dx_rebalancer).drift_bps()
    receipts = perform_proposals(dx_rebalancer, keeper, chain, limit=6)
    assert receipts and Lens(dx_rebalancer).drift_bps() < drift
    for r in receipts:
        for e in r.events.filter(dx_rebalancer.Trade):
            assert str(e.sell) != str(dx_tokens["WBTC"].address)


def test_plan__after_its_ttl__ends_and_needs_drift_again(dx_vault, dx_rebalancer, manager, keeper, chain):
    dx_rebalancer.set_targets([2000, 2000, 2000, 1990, 2010], sender=manager)  # 10 bps: not above it
    with ape.reverts("rebalancer: drift within threshold"):
        dx_rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)
    dx_rebalancer.set_targets([2000, 2000, 2000, 1900, 2100], sender=manager)
    receipt = dx_rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)
    (started,) = receipt.events.filter(dx_rebalancer.RebalanceStarted)
    assert dx_rebalancer.plan_expires_at() == started.expires_at == receipt.timestamp + PLAN_TTL
    chain.pending_timestamp += PLAN_TTL
    chain.mine()
    assert not dx_rebalancer.plan_active()


def test_set_plan_ttl__bounds__named_errors(dx_rebalancer, manager, owner):
    with ape.reverts("rebalancer: plan ttl too short"):
        dx_rebalancer.set_plan_ttl(599, sender=manager)
    with ape.reverts("rebalancer: plan ttl too long"):
        dx_rebalancer.set_plan_ttl(7 * 86_400 + 1, sender=manager)
    with ape.reverts("rebalancer: caller is not the manager"):
        dx_rebalancer.set_plan_ttl(3_600, sender=owner)
    dx_rebalancer.set_plan_ttl(3_600, sender=manager)
    assert dx_rebalancer.plan_ttl() == 3_600


# ---------------------------------------------------------------------------------------------
# 4. Plan loops: a plan only with a trade
# ---------------------------------------------------------------------------------------------


def test_check_upkeep__one_excess_and_thin_deficits__proposes_nothing_and_starts_no_plan(
    dx_rebalancer, owner, manager, keeper, chain
):
    # WETH is 0.12% ($600) over; the shortfall is spread over four components, $150 each, under
    # a $200 minimum trade. The old rebalancer proposed a new plan every block (134k gas each).
    dx_rebalancer.set_limits(SLIPPAGE_BPS, 20_000 * USD, 200 * USD, COOLDOWN, sender=owner)
    dx_rebalancer.set_targets([2003, 2003, 2003, 2003, 1988], sender=manager)
    assert Lens(dx_rebalancer).drift_bps() > dx_rebalancer.drift_threshold_bps()
    for _ in range(3):
        proposal = check_upkeep(dx_rebalancer)
        assert not proposal.needed and proposal.reason == REASON_NOTHING_LEFT, proposal.why
        chain.mine()
    with ape.reverts("rebalancer: trade below minimum size"):
        dx_rebalancer.trade(WETH, GOLD, 0, 0, 0, deadline(chain), sender=keeper)
    assert dx_rebalancer.plans() == 0 and dx_rebalancer.trades() == 0


# ---------------------------------------------------------------------------------------------
# Uniswap V3 through its venue
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("buy", "route", "targets"),
    [
        (WETH, v3_route(3000), [2000, 2000, 2000, 1800, 2200]),
        (USDC, v3_route(3000, 3000), [2000, 2000, 2200, 1800, 2000]),
    ],
)
def test_trade__uniswap_v3_direct_and_through_weth__bounded_and_toward(
    dx_vault, dx_rebalancer, dx_adapter, dx_tokens, manager, keeper, chain, buy, route, targets
):
    dx_rebalancer.set_targets(targets, sender=manager)
    prices = oracle_prices(dx_adapter, dx_tokens)
    before = values_usd(dx_vault, prices)
    receipt = dx_rebalancer.trade(WBTC, buy, 1, route, 0, deadline(chain), sender=keeper)
    assert assert_trade_within_bound(dx_vault, receipt, prices) == 1
    assert_toward_targets(dx_vault, receipt, before, values_usd(dx_vault, prices), targets)
    venue = dx_rebalancer.venues(1)
    assert all(dx_tokens[s].balanceOf(venue) == 0 for s in SYMBOLS)


def test_check_upkeep__deeper_cheaper_v3_pool__chosen_over_v2(dx_rebalancer, manager, dx_tokens):
    # USDC is short and WETH over: the 0.05% V3 pool (four times deeper) beats the 0.3% V2 pair.
    dx_rebalancer.set_targets([2000, 2000, 2400, 2000, 1600], sender=manager)
    proposal = check_upkeep(dx_rebalancer)
    assert proposal.needed and (proposal.sell, proposal.buy) == (WETH, USDC)
    assert (proposal.venue, proposal.route) == (1, v3_route(500))


def test_trade__v3_pool_pushed_past_the_bound__reverts_and_vault_keeps_everything(
    dx_vault, dx_rebalancer, dx_uni3, dx_tokens, manager, keeper, attacker, chain
):
    from vyndex.reference.uniswap_v3 import acquire, swap_exact_input_single

    dx_rebalancer.set_targets([2000, 2000, 2000, 1800, 2200], sender=manager)
    amount = amount_of("WBTC", 600_000)
    acquire(dx_uni3, dx_tokens["WBTC"], attacker, amount)
    swap_exact_input_single(dx_uni3, dx_tokens["WBTC"], dx_tokens["WETH"], 3000, amount, attacker)
    balances = [dx_tokens[s].balanceOf(dx_vault) for s in SYMBOLS]
    with ape.reverts():
        dx_rebalancer.trade(WBTC, WETH, 1, v3_route(3000), 0, deadline(chain), sender=keeper)
    assert [dx_tokens[s].balanceOf(dx_vault) for s in SYMBOLS] == balances


def test_check_upkeep__plan_ends_before_the_proposals_deadline__proposes_only_what_a_new_plan_allows(
    dx_rebalancer, owner, manager, keeper, chain
):
    # Found by make simulate: a trade proposed near the end of a plan, with the drift under the
    # threshold, reverted a block later ("drift within threshold") once the plan had expired.
    dx_rebalancer.set_limits(SLIPPAGE_BPS, 200 * USD, 10 * USD, COOLDOWN, sender=owner)
    dx_rebalancer.set_targets([2000, 2000, 2000, 1988, 2012], sender=manager)  # 12 bps: a plan starts
    dx_rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)  # $200 of $600
    chain.pending_timestamp += COOLDOWN + 1
    chain.mine()
    assert Lens(dx_rebalancer).drift_bps() <= dx_rebalancer.drift_threshold_bps()
    assert check_upkeep(dx_rebalancer).needed  # inside the plan: the rest is still traded
    chain.pending_timestamp = dx_rebalancer.plan_expires_at() - 100
    chain.mine()
    late = check_upkeep(dx_rebalancer)
    assert not late.needed and late.reason == REASON_BALANCED, late.why
