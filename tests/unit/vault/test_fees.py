"""Fees: mint and redeem fees in index tokens, the streaming management fee (exact integer math of
each accrual, the 2%-a-year figure, accrual before every change, caps, the idle and zero-fee
clocks), and previews equal to what a call moves in the same block."""

from fractions import Fraction

import ape
import pytest
from governance_helpers import DELAY, enact
from vault_math import YEAR, balances, fee_on, mint_cost, redeem_pay

from vyndex.constants import WAD

MAX_MANAGEMENT_FEE = 10**17


def accrual(supply: int, scale: int, fee: int, elapsed: int) -> tuple[int, int]:
    """The vault's accrual, in exact integers: (fee shares minted, new scale)."""
    fraction = min(fee * elapsed // YEAR, WAD // 2)
    if supply == 0 or fraction == 0:
        return 0, scale
    return supply * fraction // (WAD - fraction), scale * (WAD - fraction) // WAD


@pytest.fixture
def alice_100(stocked, alice, any_bounds):
    """Alice holds 100 index tokens."""
    stocked.mint(100 * WAD, alice, any_bounds, sender=alice)
    return stocked


def set_fee_at(vault, manager, chain, fee: int) -> int:
    """Sets the management fee (a raise with holders waits out the governance delay: the clock moves
    to its eta and the same call applies it); returns the timestamp it took effect."""
    return enact(vault.set_management_fee, fee, sender=manager).timestamp


def accrue_at(vault, chain, stranger, timestamp: int):
    chain.pending_timestamp = timestamp
    receipt = vault.accrue_management_fee(sender=stranger)
    assert receipt.timestamp == timestamp
    return receipt


def test_management_fee__2_percent_for_365_days__recipient_holds_2_percent_of_supply(
    alice_100, basket_units, manager, fee_recipient, stranger, chain
):
    holdings_before = list(alice_100.holdings())
    t0 = set_fee_at(alice_100, manager, chain, 2 * 10**16)
    receipt = accrue_at(alice_100, chain, stranger, t0 + YEAR)
    fee_shares, scale = accrual(100 * WAD, WAD, 2 * 10**16, YEAR)
    assert alice_100.balanceOf(fee_recipient) == fee_shares
    assert alice_100.totalSupply() == 100 * WAD + fee_shares
    assert alice_100.scale() == scale == 98 * 10**16
    share = Fraction(alice_100.balanceOf(fee_recipient), alice_100.totalSupply())
    assert abs(share - Fraction(2, 100)) < Fraction(1, 10**9)
    event = receipt.decode_logs(alice_100.ManagementFeeAccrued)[0]
    assert (event.recipient, event.fee_shares, event.scale) == (fee_recipient, fee_shares, scale)
    assert receipt.return_value == fee_shares
    # The basket the supply is owed did not grow or shrink (beyond a base unit of rounding) ...
    after = list(alice_100.holdings())
    assert all(0 <= b - a <= 1 for b, a in zip(holdings_before, after, strict=True))
    # ... and each unit shrank by exactly the 2% that moved to the recipient.
    assert list(alice_100.components()[1]) == [u * scale // WAD for u in basket_units]


def test_management_fee__four_uneven_accruals__match_exact_integer_simulation(
    alice_100, manager, fee_recipient, stranger, chain
):
    fee = 5 * 10**16
    t = set_fee_at(alice_100, manager, chain, fee)
    supply, scale, recipient = 100 * WAD, WAD, 0
    for elapsed in (1, 86_400 * 40 + 17, YEAR // 3, 12_345_678):
        t += elapsed
        accrue_at(alice_100, chain, stranger, t)
        minted_now, scale = accrual(supply, scale, fee, elapsed)
        supply += minted_now
        recipient += minted_now
        assert (alice_100.totalSupply(), alice_100.balanceOf(fee_recipient), alice_100.scale()) == (
            supply,
            recipient,
            scale,
        )
        assert alice_100.last_accrued() == t


def test_management_fee__changed_mid_year__accrues_old_rate_first(
    alice_100, manager, fee_recipient, stranger, chain
):
    t0 = set_fee_at(alice_100, manager, chain, 10**17)
    chain.pending_timestamp = t0 + YEAR // 2
    receipt = alice_100.set_management_fee(10**16, sender=manager)
    first, scale = accrual(100 * WAD, WAD, 10**17, YEAR // 2)
    assert receipt.decode_logs(alice_100.ManagementFeeAccrued)[0].fee_shares == first
    assert [e.fee for e in receipt.decode_logs(alice_100.ManagementFeeSet)] == [10**16]
    assert alice_100.balanceOf(fee_recipient) == first
    accrue_at(alice_100, chain, stranger, t0 + YEAR)
    second, scale = accrual(100 * WAD + first, scale, 10**16, YEAR - YEAR // 2)
    assert alice_100.balanceOf(fee_recipient) == first + second
    assert alice_100.scale() == scale


@pytest.mark.parametrize(
    "setter, value", [("set_mint_fee", 25), ("set_redeem_fee", 25), ("set_fee_recipient", None)]
)
def test_parameter_change__management_fee_running__accrues_to_old_recipient_first(
    alice_100, manager, owner, fee_recipient, carol, chain, setter, value
):
    # Each of these loosens, so with holders it is queued (at t0 + YEAR - DELAY) and applied by the
    # same call at t0 + YEAR. A fee setter accrues at both calls; set_fee_recipient when it applies.
    t0 = set_fee_at(alice_100, manager, chain, 10**17)
    if setter == "set_fee_recipient":
        method, args, sender = alice_100.set_fee_recipient, (carol,), owner
    else:
        method, args, sender = getattr(alice_100, setter), (value,), manager
    chain.pending_timestamp = t0 + YEAR - DELAY
    queued = method(*args, sender=sender)
    assert queued.decode_logs(alice_100.ChangeQueued)
    chain.pending_timestamp = t0 + YEAR
    receipt = method(*args, sender=sender)
    assert receipt.decode_logs(alice_100.ChangeApplied)
    if setter == "set_fee_recipient":
        assert not queued.decode_logs(alice_100.ManagementFeeAccrued)
        first, scale = 0, WAD
        applied, _ = accrual(100 * WAD, WAD, 10**17, YEAR)
    else:
        first, scale = accrual(100 * WAD, WAD, 10**17, YEAR - DELAY)
        assert queued.decode_logs(alice_100.ManagementFeeAccrued)[0].fee_shares == first
        applied, _ = accrual(100 * WAD + first, scale, 10**17, DELAY)
    assert receipt.decode_logs(alice_100.ManagementFeeAccrued)[0].fee_shares == applied
    assert alice_100.balanceOf(fee_recipient) == first + applied
    assert alice_100.balanceOf(carol) == 0


def test_set_fee_recipient__later_accruals__go_to_the_new_recipient(
    alice_100, manager, owner, fee_recipient, carol, stranger, chain
):
    t0 = set_fee_at(alice_100, manager, chain, 10**17)
    chain.pending_timestamp = t0 + 1000
    t1 = enact(alice_100.set_fee_recipient, carol, sender=owner).timestamp
    old = alice_100.balanceOf(fee_recipient)
    accrue_at(alice_100, chain, stranger, t1 + YEAR // 4)
    assert alice_100.balanceOf(fee_recipient) == old
    assert alice_100.balanceOf(carol) > 0


def test_management_fee__idle_for_years__one_accrual_capped_at_half(
    alice_100, manager, fee_recipient, stranger, chain
):
    t0 = set_fee_at(alice_100, manager, chain, MAX_MANAGEMENT_FEE)
    accrue_at(alice_100, chain, stranger, t0 + 7 * YEAR)
    assert alice_100.balanceOf(fee_recipient) == 100 * WAD
    assert alice_100.scale() == WAD // 2


def test_management_fee__empty_vault__nothing_accrues_and_first_minter_pays_full_units(
    stocked, basket_tokens, basket_units, manager, fee_recipient, alice, chain, any_bounds
):
    t0 = set_fee_at(stocked, manager, chain, MAX_MANAGEMENT_FEE)
    chain.pending_timestamp = t0 + 2 * YEAR
    before = balances(basket_tokens, alice)
    receipt = stocked.mint(WAD, alice, any_bounds, sender=alice)
    assert [b - a for b, a in zip(before, balances(basket_tokens, alice), strict=True)] == basket_units
    assert stocked.scale() == WAD
    assert stocked.balanceOf(fee_recipient) == 0
    assert stocked.last_accrued() == receipt.timestamp == t0 + 2 * YEAR


def test_management_fee__zero_fee_for_a_year_then_set__charges_nothing_for_the_zero_period(
    alice_100, manager, fee_recipient, stranger, chain, alice, any_bounds
):
    deployed_at = alice_100.last_accrued()
    chain.pending_timestamp = chain.pending_timestamp + YEAR
    alice_100.mint(WAD, alice, any_bounds, sender=alice)
    # With no fee running, the clock is not written (a saved SSTORE) and nothing is pending.
    assert alice_100.last_accrued() == deployed_at
    assert alice_100.basket_state()[2] == alice_100.totalSupply()
    t1 = set_fee_at(alice_100, manager, chain, MAX_MANAGEMENT_FEE)
    assert alice_100.last_accrued() == t1
    assert alice_100.balanceOf(fee_recipient) == 0
    accrue_at(alice_100, chain, stranger, t1 + 86_400)
    expected, _ = accrual(101 * WAD, WAD, MAX_MANAGEMENT_FEE, 86_400)
    assert alice_100.balanceOf(fee_recipient) == expected


def test_management_fee__set_back_to_zero__stops_accruing(alice_100, manager, fee_recipient, stranger, chain):
    t0 = set_fee_at(alice_100, manager, chain, MAX_MANAGEMENT_FEE)
    chain.pending_timestamp = t0 + YEAR // 10
    alice_100.set_management_fee(0, sender=manager)
    charged = alice_100.balanceOf(fee_recipient)
    assert charged == accrual(100 * WAD, WAD, MAX_MANAGEMENT_FEE, YEAR // 10)[0]
    accrue_at(alice_100, chain, stranger, t0 + YEAR)
    assert alice_100.balanceOf(fee_recipient) == charged


def test_views__fee_pending__include_what_the_next_call_would_accrue(
    alice_100, basket_units, manager, chain, stranger
):
    t0 = set_fee_at(alice_100, manager, chain, MAX_MANAGEMENT_FEE)
    chain.mine(timestamp=t0 + YEAR // 5)
    pending, scale = accrual(100 * WAD, WAD, MAX_MANAGEMENT_FEE, YEAR // 5)
    assert alice_100.totalSupply() == 100 * WAD
    assert alice_100.basket_state()[2] == 100 * WAD + pending
    assert list(alice_100.components()[1]) == [u * scale // WAD for u in basket_units]
    assert list(alice_100.holdings()) == [redeem_pay(100 * WAD + pending, u, scale) for u in basket_units]
    assert list(alice_100.preview_mint(WAD)) == [mint_cost(WAD, u, scale) for u in basket_units]
    _, stored, supply, state_scale = alice_100.basket_state()
    # Stored units are 18-decimal amounts (WETH, USDC, WBTC: 18, 6 and 8 decimals).
    as_18 = [u * 10**gap for u, gap in zip(basket_units, (0, 12, 10), strict=True)]
    assert (list(stored), supply, state_scale) == (as_18, 100 * WAD + pending, scale)


def test_mint_fee__one_percent__recipient_gets_rounded_up_fee_caller_pays_for_it(
    stocked, basket_tokens, basket_units, manager, fee_recipient, alice, any_bounds
):
    receipt = stocked.set_mint_fee(100, sender=manager)
    assert [e.fee_bps for e in receipt.decode_logs(stocked.MintFeeSet)] == [100]
    shares = WAD + 1
    fee = fee_on(shares, 100)
    assert fee == 10**16 + 1
    before = balances(basket_tokens, alice)
    receipt = stocked.mint(shares, alice, any_bounds, sender=alice)
    assert stocked.balanceOf(alice) == shares
    assert stocked.balanceOf(fee_recipient) == fee
    assert [b - a for b, a in zip(before, balances(basket_tokens, alice), strict=True)] == [
        mint_cost(shares + fee, u) for u in basket_units
    ]
    assert receipt.decode_logs(stocked.Minted)[0].fee_shares == fee


def test_redeem_fee__thirty_bps__recipient_keeps_fee_shares_holder_paid_for_the_rest(
    stocked, basket_tokens, basket_units, manager, fee_recipient, alice, any_bounds, no_bounds
):
    # Set before the first mint: with no holders it applies at once (a raise later would wait).
    receipt = stocked.set_redeem_fee(30, sender=manager)
    assert [e.fee_bps for e in receipt.decode_logs(stocked.RedeemFeeSet)] == [30]
    stocked.mint(10 * WAD, alice, any_bounds, sender=alice)
    shares = WAD + 3
    fee = fee_on(shares, 30)
    before = balances(basket_tokens, alice)
    receipt = stocked.redeem(shares, alice, no_bounds, sender=alice)
    assert stocked.balanceOf(fee_recipient) == fee
    assert stocked.balanceOf(alice) == 10 * WAD - shares
    assert stocked.totalSupply() == 10 * WAD - (shares - fee)
    assert [a - b for a, b in zip(balances(basket_tokens, alice), before, strict=True)] == [
        redeem_pay(shares - fee, u) for u in basket_units
    ]
    event = receipt.decode_logs(stocked.Redeemed)[0]
    assert (event.shares, event.fee_shares) == (shares, fee)


def test_fee_setters__at_cap_accepted_one_over_reverts(stocked, manager):
    stocked.set_management_fee(MAX_MANAGEMENT_FEE, sender=manager)
    stocked.set_mint_fee(500, sender=manager)
    stocked.set_redeem_fee(500, sender=manager)
    assert (stocked.management_fee(), stocked.mint_fee_bps(), stocked.redeem_fee_bps()) == (
        MAX_MANAGEMENT_FEE,
        500,
        500,
    )
    assert (stocked.MAX_MANAGEMENT_FEE(), stocked.MAX_MINT_FEE_BPS(), stocked.MAX_REDEEM_FEE_BPS()) == (
        MAX_MANAGEMENT_FEE,
        500,
        500,
    )
    over = [
        (stocked.set_management_fee, MAX_MANAGEMENT_FEE + 1, "vault: management fee over cap"),
        (stocked.set_mint_fee, 501, "vault: mint fee over cap"),
        (stocked.set_redeem_fee, 501, "vault: redeem fee over cap"),
    ]
    for method, value, reason in over:
        with ape.reverts(reason):
            method(value, sender=manager)


def test_preview_mint_and_redeem__fees_accruing_inside_the_call__equal_what_moves(
    stocked, basket_tokens, manager, alice, preview_probe, chain, any_bounds
):
    stocked.mint(50 * WAD, alice, any_bounds, sender=alice)
    enact(stocked.set_mint_fee, 100, sender=manager)
    enact(stocked.set_redeem_fee, 50, sender=manager)
    t0 = set_fee_at(stocked, manager, chain, MAX_MANAGEMENT_FEE)
    for token in basket_tokens:
        token.mint(preview_probe, 10**27, sender=alice)
    preview_probe.approve_components(stocked, sender=alice)

    shares = 7 * WAD + 3
    chain.pending_timestamp = t0 + 30 * 86_400
    stale = list(stocked.preview_mint(shares))  # as of the last mined block
    receipt = preview_probe.mint_after_preview(stocked, shares, sender=alice)
    previewed, moved = preview_probe.results()
    assert list(previewed) == list(moved)
    assert list(moved) != stale  # the fee accrued inside the call: the preview had to see it
    assert receipt.decode_logs(stocked.ManagementFeeAccrued)

    chain.pending_timestamp = t0 + 90 * 86_400
    stale = list(stocked.preview_redeem(shares))
    receipt = preview_probe.redeem_after_preview(stocked, shares, sender=alice)
    previewed, moved = preview_probe.results()
    assert list(previewed) == list(moved)
    assert list(moved) != stale
    assert receipt.decode_logs(stocked.ManagementFeeAccrued)
