"""In-kind mint and redeem: exact amounts against integer math, rounding direction, bounds and the
named refusals, receivers, events, the supply cap, and the first-depositor/donation attacks."""

import ape
from vault_math import STOCK, balances, mint_cost, redeem_pay

from vyndex.constants import MAX_UINT256, WAD

# Share amounts with every kind of remainder: one wei, odd, a whole token, large and ragged.
SHARE_AMOUNTS = [1, 7, 999_999_999_999_999_999, WAD, 10**18 + 1, 123_456_789_123_456_789_123]


def test_mint__odd_share_amounts__takes_exactly_the_rounded_up_amounts(
    stocked, basket_tokens, basket_units, alice, any_bounds
):
    for shares in SHARE_AMOUNTS:
        expected = [mint_cost(shares, u) for u in basket_units]
        before, vault_before = balances(basket_tokens, alice), balances(basket_tokens, stocked)
        supply = stocked.totalSupply()
        receipt = stocked.mint(shares, alice, any_bounds, sender=alice)
        paid = [b - a for b, a in zip(before, balances(basket_tokens, alice), strict=True)]
        got = [a - b for a, b in zip(balances(basket_tokens, stocked), vault_before, strict=True)]
        assert paid == expected == got, shares
        assert list(receipt.decode_logs(stocked.Minted)[0].amounts) == expected
        if shares == WAD:  # the return value too (once: reading it costs a trace)
            assert list(receipt.return_value) == expected
        assert stocked.totalSupply() == supply + shares


def test_redeem__odd_share_amounts__pays_exactly_the_rounded_down_amounts(
    stocked, basket_tokens, basket_units, alice, bob, any_bounds, no_bounds
):
    stocked.mint(sum(SHARE_AMOUNTS) * 2, alice, any_bounds, sender=alice)
    for shares in SHARE_AMOUNTS:
        expected = [redeem_pay(shares, u) for u in basket_units]
        before = balances(basket_tokens, bob)
        receipt = stocked.redeem(shares, bob, no_bounds, sender=alice)
        assert [a - b for a, b in zip(balances(basket_tokens, bob), before, strict=True)] == expected, shares
        assert list(receipt.decode_logs(stocked.Redeemed)[0].amounts) == expected
        if shares == WAD:  # the return value too (once: reading it costs a trace)
            assert list(receipt.return_value) == expected


def test_mint__one_wei_share__takes_one_base_unit_of_each_and_redeem_pays_nothing(
    stocked, basket_tokens, alice, any_bounds, no_bounds
):
    before = balances(basket_tokens, alice)
    stocked.mint(1, alice, any_bounds, sender=alice)
    assert [b - a for b, a in zip(before, balances(basket_tokens, alice), strict=True)] == [1, 1, 1]
    stocked.redeem(1, alice, no_bounds, sender=alice)
    # Rounding is in the vault's favour both ways: the 3 base units stay behind.
    assert [b - a for b, a in zip(before, balances(basket_tokens, alice), strict=True)] == [1, 1, 1]
    assert stocked.balanceOf(alice) == 0


def test_mint_and_redeem__decimals_0_6_8_18_with_odd_units__match_exact_integer_math(
    create_token, make_zoo_vault, alice, bob
):
    tokens = [create_token(0), create_token(6), create_token(8), create_token(18)]
    units = [3, 1_234_567, 98_765_432, 10**18 + 7]
    v = make_zoo_vault(tokens, units, [alice])
    for shares in (1, 333_333_333_333_333_333, 5 * WAD + 1):
        before = balances(tokens, alice)
        v.mint(shares, alice, [MAX_UINT256] * 4, sender=alice)
        assert [b - a for b, a in zip(before, balances(tokens, alice), strict=True)] == [
            mint_cost(shares, u) for u in units
        ]
    for shares in (1, 333_333_333_333_333_334, 2 * WAD - 1):
        before = balances(tokens, bob)
        v.redeem(shares, bob, [0] * 4, sender=alice)
        assert [a - b for a, b in zip(balances(tokens, bob), before, strict=True)] == [
            redeem_pay(shares, u) for u in units
        ]
    # What the vault holds still covers redeeming everything that is left.
    held = balances(tokens, v)
    owed = list(v.holdings())
    assert owed == [redeem_pay(v.totalSupply(), u) for u in units]
    assert all(h >= o for h, o in zip(held, owed, strict=True))


def test_mint__max_amounts_exactly_the_cost__succeeds(stocked, basket_units, alice):
    shares = 10**18 + 1
    exact = [mint_cost(shares, u) for u in basket_units]
    stocked.mint(shares, alice, exact, sender=alice)
    assert stocked.balanceOf(alice) == shares


def test_mint__any_max_amount_one_below_the_cost__reverts(stocked, basket_units, alice):
    shares = 10**18 + 1
    for short in range(3):
        bounds = [mint_cost(shares, u) for u in basket_units]
        bounds[short] -= 1
        with ape.reverts("vault: max amount in exceeded"):
            stocked.mint(shares, alice, bounds, sender=alice)


def test_redeem__min_amounts_exactly_the_payout__succeeds(stocked, basket_units, alice, any_bounds):
    stocked.mint(3 * WAD, alice, any_bounds, sender=alice)
    shares = WAD + 1
    stocked.redeem(shares, alice, [redeem_pay(shares, u) for u in basket_units], sender=alice)
    assert stocked.balanceOf(alice) == 3 * WAD - shares


def test_redeem__any_min_amount_one_above_the_payout__reverts(stocked, basket_units, alice, any_bounds):
    stocked.mint(3 * WAD, alice, any_bounds, sender=alice)
    shares = WAD + 1
    for high in range(3):
        bounds = [redeem_pay(shares, u) for u in basket_units]
        bounds[high] += 1
        with ape.reverts("vault: min amount out not met"):
            stocked.redeem(shares, alice, bounds, sender=alice)


def test_mint__wrong_bounds_length__reverts(stocked, alice):
    with ape.reverts("vault: max amounts length mismatch"):
        stocked.mint(WAD, alice, [MAX_UINT256] * 2, sender=alice)


def test_redeem__wrong_bounds_length__reverts(stocked, alice, any_bounds):
    stocked.mint(WAD, alice, any_bounds, sender=alice)
    with ape.reverts("vault: min amounts length mismatch"):
        stocked.redeem(WAD, alice, [0] * 4, sender=alice)


def test_mint_and_redeem__zero_shares_or_zero_receiver__revert_by_name(stocked, alice, any_bounds, no_bounds):
    stocked.mint(WAD, alice, any_bounds, sender=alice)
    zero = ape.utils.ZERO_ADDRESS
    with ape.reverts("vault: zero shares"):
        stocked.mint(0, alice, any_bounds, sender=alice)
    with ape.reverts("vault: zero receiver"):
        stocked.mint(WAD, zero, any_bounds, sender=alice)
    with ape.reverts("vault: zero shares"):
        stocked.redeem(0, alice, no_bounds, sender=alice)
    with ape.reverts("vault: zero receiver"):
        stocked.redeem(WAD, zero, no_bounds, sender=alice)


def test_redeem__more_than_balance__reverts(stocked, alice, bob, any_bounds, no_bounds):
    stocked.mint(WAD, alice, any_bounds, sender=alice)
    stocked.mint(WAD, bob, any_bounds, sender=bob)
    with ape.reverts("vault: redeem exceeds balance"):
        stocked.redeem(WAD + 1, alice, no_bounds, sender=alice)


def test_mint__other_receiver__receiver_gets_shares_caller_pays(
    stocked, basket_tokens, basket_units, alice, bob, any_bounds
):
    before_alice, before_bob = balances(basket_tokens, alice), balances(basket_tokens, bob)
    receipt = stocked.mint(2 * WAD, bob, any_bounds, sender=alice)
    assert (stocked.balanceOf(alice), stocked.balanceOf(bob)) == (0, 2 * WAD)
    assert balances(basket_tokens, bob) == before_bob
    assert [b - a for b, a in zip(before_alice, balances(basket_tokens, alice), strict=True)] == [
        2 * u for u in basket_units
    ]
    event = receipt.decode_logs(stocked.Minted)[0]
    assert (event.caller, event.receiver, event.shares, event.fee_shares) == (alice, bob, 2 * WAD, 0)


def test_redeem__other_receiver__owner_burns_receiver_paid_event_logged(
    stocked, basket_tokens, basket_units, alice, carol, any_bounds, no_bounds
):
    stocked.mint(2 * WAD, alice, any_bounds, sender=alice)
    before = balances(basket_tokens, carol)
    receipt = stocked.redeem(WAD, carol, no_bounds, sender=alice)
    assert stocked.balanceOf(alice) == WAD
    assert stocked.totalSupply() == WAD
    assert [a - b for a, b in zip(balances(basket_tokens, carol), before, strict=True)] == basket_units
    event = receipt.decode_logs(stocked.Redeemed)[0]
    assert (event.owner, event.receiver, event.shares, event.fee_shares) == (alice, carol, WAD, 0)
    assert list(event.amounts) == basket_units and list(event.skipped) == []


def test_mint__up_to_the_supply_cap__accepted_one_wei_more_reverts(create_token, make_zoo_vault, alice):
    cap = 2**96
    token = create_token(18)
    v = make_zoo_vault([token], [1], [alice])
    v.mint(cap - 1, alice, [MAX_UINT256], sender=alice)
    with ape.reverts("vault: supply cap exceeded"):
        v.mint(2, alice, [MAX_UINT256], sender=alice)
    v.mint(1, alice, [MAX_UINT256], sender=alice)
    assert v.totalSupply() == cap


def test_mint__absurd_share_amount_with_fee_or_supply__reverts_with_the_cap_reason(
    stocked, manager, alice, any_bounds
):
    # Invariant 7: bad input gets a named reason, not an arithmetic overflow inside the fee math or
    # the supply sum.
    stocked.mint(WAD, alice, any_bounds, sender=alice)
    with ape.reverts("vault: supply cap exceeded"):
        stocked.mint(MAX_UINT256, alice, any_bounds, sender=alice)
    stocked.set_mint_fee(500, sender=manager)
    with ape.reverts("vault: supply cap exceeded"):
        stocked.mint(2**250, alice, any_bounds, sender=alice)


def test_mint__paused__reverts_but_redeem_still_pays(
    stocked, basket_tokens, basket_units, alice, guardian, any_bounds, no_bounds
):
    stocked.mint(WAD, alice, any_bounds, sender=alice)
    stocked.set_paused(True, sender=guardian)
    with ape.reverts("vault: minting paused"):
        stocked.mint(WAD, alice, any_bounds, sender=alice)
    before = balances(basket_tokens, alice)
    stocked.redeem(WAD, alice, no_bounds, sender=alice)
    assert [a - b for a, b in zip(balances(basket_tokens, alice), before, strict=True)] == basket_units
    assert stocked.totalSupply() == 0


def test_first_deposit__one_wei_then_huge_donation__next_minter_pays_the_units(
    stocked, basket_tokens, basket_units, attacker, bob, any_bounds, no_bounds
):
    stocked.mint(1, attacker, any_bounds, sender=attacker)
    donation = 10**24
    for token in basket_tokens:
        token.transfer(stocked, donation, sender=attacker)
    assert list(stocked.components()[1]) == basket_units
    assert list(stocked.preview_mint(WAD)) == basket_units
    before = balances(basket_tokens, bob)
    stocked.mint(WAD, bob, any_bounds, sender=bob)
    assert [b - a for b, a in zip(before, balances(basket_tokens, bob), strict=True)] == basket_units
    # The attacker's one wei still redeems for nothing; the donation belongs to no one.
    before = balances(basket_tokens, attacker)
    stocked.redeem(1, attacker, no_bounds, sender=attacker)
    assert balances(basket_tokens, attacker) == before
    before = balances(basket_tokens, bob)
    stocked.redeem(WAD, bob, no_bounds, sender=bob)
    assert [a - b for a, b in zip(balances(basket_tokens, bob), before, strict=True)] == basket_units


def test_donation__into_an_empty_vault__first_minter_pays_the_units_and_gets_no_windfall(
    stocked, basket_tokens, basket_units, attacker, alice, any_bounds, no_bounds
):
    for token in basket_tokens:
        token.transfer(stocked, 10**20, sender=attacker)
    before = balances(basket_tokens, alice)
    stocked.mint(WAD, alice, any_bounds, sender=alice)
    stocked.redeem(WAD, alice, no_bounds, sender=alice)
    # Round trip at exactly the units: the donation is not paid out to whoever holds the supply.
    assert balances(basket_tokens, alice) == before
    assert balances(basket_tokens, stocked) == [10**20] * 3


def test_holdings__after_mints_and_redeems__equal_supply_times_units_and_covered(
    stocked, basket_tokens, basket_units, alice, bob, any_bounds, no_bounds
):
    stocked.mint(3 * WAD + 5, alice, any_bounds, sender=alice)
    stocked.mint(7, bob, any_bounds, sender=bob)
    stocked.redeem(WAD + 3, alice, no_bounds, sender=alice)
    supply = stocked.totalSupply()
    assert supply == 2 * WAD + 9
    assert list(stocked.holdings()) == [redeem_pay(supply, u) for u in basket_units]
    held = balances(basket_tokens, stocked)
    assert all(h >= o for h, o in zip(held, stocked.holdings(), strict=True))
    assert all(h < STOCK for h in held)
