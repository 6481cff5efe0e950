"""The adversarial token zoo against IndexVault: a token without a return bool, a fee-on-transfer
token, a reentrant (ERC-777-style) token, a pausable/blacklisting token, and a rebasing token."""

import ape
import pytest
from eth_abi import decode
from vault_math import balances, mint_cost, redeem_pay

from vyndex.constants import MAX_UINT256, WAD


def deltas(after, before):
    return [a - b for a, b in zip(after, before, strict=True)]


# ---------------------------------------------------------------------------------------------
# No return bool (USDT-shaped)
# ---------------------------------------------------------------------------------------------


def test_no_return_token__mint_and_redeem__move_exact_amounts(
    project, owner, create_token, make_zoo_vault, alice
):
    tokens = [owner.deploy(project.NoReturnToken, "Tether", "USDT", 6), create_token(18)]
    units = [30_000_001, 10**16]
    v = make_zoo_vault(tokens, units, [alice])
    before = balances(tokens, alice)
    v.mint(3 * WAD + 1, alice, [MAX_UINT256] * 2, sender=alice)
    assert deltas(before, balances(tokens, alice)) == [mint_cost(3 * WAD + 1, u) for u in units]
    before = balances(tokens, alice)
    v.redeem(2 * WAD + 1, alice, [0, 0], sender=alice)
    assert deltas(balances(tokens, alice), before) == [redeem_pay(2 * WAD + 1, u) for u in units]


def test_no_return_token__failing_pull__bubbles_the_token_reason(
    project, owner, create_token, make_zoo_vault, alice, stranger
):
    tokens = [owner.deploy(project.NoReturnToken, "Tether", "USDT", 6), create_token(18)]
    v = make_zoo_vault(tokens, [1, 1], [alice])
    with ape.reverts("noreturn: insufficient allowance"):
        v.mint(WAD, stranger, [MAX_UINT256] * 2, sender=stranger)


# ---------------------------------------------------------------------------------------------
# Fee on transfer
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zoo_fot_vault(project, owner, create_token, make_zoo_vault, alice):
    fot = owner.deploy(project.FeeOnTransferToken, "Fee Token", "FOT", 18, 100)
    plain = create_token(6)
    return make_zoo_vault([fot, plain], [10**18, 10**6], [alice]), fot, plain


def test_fee_on_transfer_token__mint__refused_by_name(zoo_fot_vault, alice):
    v, _, _ = zoo_fot_vault
    with ape.reverts("vault: fee-on-transfer token"):
        v.mint(WAD, alice, [MAX_UINT256] * 2, sender=alice)


def test_fee_on_transfer_token__fee_switched_on_after_minting__redeem_pays_and_mint_refused(
    zoo_fot_vault, alice
):
    v, fot, plain = zoo_fot_vault
    fot.set_fee(0, sender=alice)
    v.mint(2 * WAD, alice, [MAX_UINT256] * 2, sender=alice)  # the control: at zero fee it is a plain token
    assert fot.balanceOf(v) == 2 * WAD
    fot.set_fee(100, sender=alice)
    with ape.reverts("vault: fee-on-transfer token"):
        v.mint(WAD, alice, [MAX_UINT256] * 2, sender=alice)
    before = balances([fot, plain], alice)
    v.redeem(WAD, alice, [0, 0], sender=alice)
    # The vault sends what it owes; the token's fee comes out of what the holder receives.
    assert deltas(balances([fot, plain], alice), before) == [WAD - WAD // 100, 10**6]
    assert fot.balanceOf(v) == WAD == v.holdings()[0]


# ---------------------------------------------------------------------------------------------
# Reentrancy through a token hook
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zoo_hook_vault(project, owner, create_token, make_zoo_vault, alice):
    """A vault whose first component calls back on every transfer; alice holds 4 index tokens."""
    hook = owner.deploy(project.ReentrantToken, "Hook Token", "HOOK", 18)
    plain = create_token(6)
    v = make_zoo_vault([hook, plain], [10**18, 5 * 10**6], [alice])
    v.mint(4 * WAD, alice, [MAX_UINT256] * 2, sender=alice)
    return v, hook, plain


def read_payloads(v):
    return {
        "totalSupply": v.totalSupply.encode_input(),
        "preview_mint": v.preview_mint.encode_input(WAD),
        "preview_redeem": v.preview_redeem.encode_input(WAD),
        "holdings": v.holdings.encode_input(),
        "components": v.components.encode_input(),
        "basket_state": v.basket_state.encode_input(),
        "manager": v.manager.encode_input(),
    }


def test_reentrant_token__views_called_mid_mint_and_mid_redeem__revert_on_the_lock(zoo_hook_vault, alice):
    v, hook, _ = zoo_hook_vault
    for name, payload in read_payloads(v).items():
        hook.set_callback(v, payload, False, sender=alice)
        hook.fire(sender=alice)  # the control: outside a vault call the same read answers
        assert not hook.callback_reverted(), name
        hook.set_callback(v, payload, True, sender=alice)
        count = hook.callback_count()
        v.mint(WAD, alice, [MAX_UINT256] * 2, sender=alice)  # the vault pulls HOOK: hook fires mid-mint
        assert hook.callback_count() == count + 1 and hook.callback_reverted(), name
        assert hook.callback_result() == b""  # Vyper's lock reverts with no data; no other guard did
        v.redeem(WAD, alice, [0, 0], sender=alice)  # the vault pushes HOOK: hook fires mid-redeem
        assert hook.callback_count() == count + 2 and hook.callback_reverted(), name
    assert v.totalSupply() == 4 * WAD


def test_reentrant_token__balance_of_mid_mint__answers_with_the_new_shares(zoo_hook_vault, alice):
    # Documented limit of the lock: snekmate's ERC-20 surface (balanceOf, transfer, approve, permit)
    # is compiled without it. Mid-mint the receiver's shares exist before the components arrive;
    # nothing that prices them (totalSupply, holdings, nav) can be read there, so no stale ratio.
    v, hook, _ = zoo_hook_vault
    hook.set_callback(v, v.balanceOf.encode_input(alice), True, sender=alice)
    v.mint(WAD, alice, [MAX_UINT256] * 2, sender=alice)
    assert not hook.callback_reverted()
    assert decode(["uint256"], hook.callback_result())[0] == 5 * WAD


@pytest.fixture(scope="module")
def zoo_hook_with_shares(zoo_hook_vault, alice):
    """The hook token itself holds components, has approved the vault, and owns 1 index token, all
    through its own calls: whatever it tries mid-transfer would work outside a vault call."""
    v, hook, plain = zoo_hook_vault
    hook.mint(hook, 10 * WAD, sender=alice)
    plain.mint(hook, 10**9, sender=alice)
    for token in (hook, plain):
        hook.set_callback(token, token.approve.encode_input(v, MAX_UINT256), False, sender=alice)
        assert hook.fire(sender=alice) and not hook.callback_reverted()
    hook.set_callback(v, v.mint.encode_input(WAD, hook, [MAX_UINT256] * 2), False, sender=alice)
    hook.fire(sender=alice)
    assert not hook.callback_reverted() and v.balanceOf(hook) == WAD
    return v, hook, plain


def test_reentrant_token__mint_mid_mint__blocked_and_outer_mint_exact(zoo_hook_with_shares, alice):
    v, hook, plain = zoo_hook_with_shares
    hook.set_callback(v, v.mint.encode_input(WAD, hook, [MAX_UINT256] * 2), True, sender=alice)
    before = balances([hook, plain], alice)
    vault_before = balances([hook, plain], v)
    v.mint(2 * WAD, alice, [MAX_UINT256] * 2, sender=alice)
    assert hook.callback_reverted() and hook.callback_result() == b""
    assert v.balanceOf(hook) == WAD  # the inner mint never happened
    assert deltas(before, balances([hook, plain], alice)) == [2 * WAD, 10**7]
    assert deltas(balances([hook, plain], v), vault_before) == [2 * WAD, 10**7]
    assert v.totalSupply() == 7 * WAD
    assert list(v.holdings()) == balances([hook, plain], v) == [7 * WAD, 35 * 10**6]


def test_reentrant_token__redeem_mid_redeem__blocked_and_outer_redeem_exact(zoo_hook_with_shares, alice):
    v, hook, plain = zoo_hook_with_shares
    hook.set_callback(v, v.redeem.encode_input(WAD, hook, [0, 0]), True, sender=alice)
    before = balances([hook, plain], alice)
    v.redeem(3 * WAD, alice, [0, 0], sender=alice)
    assert hook.callback_reverted() and hook.callback_result() == b""
    assert v.balanceOf(hook) == WAD
    assert deltas(balances([hook, plain], alice), before) == [3 * WAD, 15 * 10**6]
    assert v.totalSupply() == 2 * WAD
    assert list(v.holdings()) == balances([hook, plain], v) == [2 * WAD, 10**7]


# ---------------------------------------------------------------------------------------------
# Pause and blacklist: redeem_skipping
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zoo_frozen_vault(project, owner, create_token, make_zoo_vault, alice, bob, any_bounds):
    """Alice holds 3 index tokens and bob 1 over [plain 18-dec, pausable/blacklisting 6-dec]."""
    plain = create_token(18)
    frozen = owner.deploy(project.PausableBlacklistToken, "Circle", "USDC", 6)
    units = [10**16, 30 * 10**6 + 1]
    v = make_zoo_vault([plain, frozen], units, [alice, bob])
    v.mint(3 * WAD, alice, [MAX_UINT256] * 2, sender=alice)
    v.mint(WAD, bob, [MAX_UINT256] * 2, sender=bob)
    return v, plain, frozen, units


def test_blacklisted_holder__redeem__reverts_with_the_token_reason(zoo_frozen_vault, owner, alice):
    v, _, frozen, _ = zoo_frozen_vault
    frozen.set_blacklisted(alice, True, sender=owner)
    with ape.reverts("token: blacklisted"):
        v.redeem(WAD, alice, [0, 0], sender=alice)


def test_blacklisted_holder__redeem_skipping__others_paid_forfeit_credited_to_remaining_holders(
    zoo_frozen_vault, owner, alice, bob
):
    v, plain, frozen, units = zoo_frozen_vault
    frozen.set_blacklisted(alice, True, sender=owner)
    before = balances([plain, frozen], alice)
    receipt = v.redeem_skipping(3 * WAD, alice, [0, 0], [frozen], sender=alice)
    assert deltas(balances([plain, frozen], alice), before) == [3 * 10**16, 0]
    event = receipt.decode_logs(v.Redeemed)[0]
    assert list(event.skipped) == [frozen.address]
    assert list(event.amounts) == [3 * 10**16, redeem_pay(3 * WAD, units[1])]
    # Bob, the only holder left, is owed the forfeited USDC as well: unit * 4 / 1.
    credited = units[1] * 4 * WAD // WAD
    assert list(v.components()[1]) == [units[0], credited]
    before = balances([plain, frozen], bob)
    v.redeem(WAD, bob, [0, 0], sender=bob)
    got = deltas(balances([plain, frozen], bob), before)
    assert got == [10**16, redeem_pay(WAD, credited)]
    assert got[1] > units[1]  # more USDC than bob put in: alice's forfeit
    # Everything the two paid in went out to bob: nothing is stranded in the vault.
    assert frozen.balanceOf(v) == 0 and v.totalSupply() == 0


def test_redeem_skipping__partial_forfeit__unit_raised_by_floor_of_supply_over_remaining(
    zoo_frozen_vault, owner, alice, bob
):
    v, _, frozen, units = zoo_frozen_vault
    frozen.set_paused(True, sender=owner)
    v.redeem_skipping(WAD + 7, alice, [0, 0], [frozen], sender=alice)
    supply, remaining = 4 * WAD, 3 * WAD - 7
    assert v.components()[1][1] == units[1] * supply // remaining
    frozen.set_paused(False, sender=owner)
    # Solvent: what the rest is owed never exceeds what the vault holds.
    held = frozen.balanceOf(v)
    assert held == mint_cost(3 * WAD, units[1]) + mint_cost(WAD, units[1])
    assert v.holdings()[1] <= held
    before = frozen.balanceOf(bob)
    v.redeem(WAD, bob, [0, 0], sender=bob)
    assert frozen.balanceOf(bob) - before == redeem_pay(WAD, units[1] * supply // remaining)


def test_vault_blacklisted__every_holder_skips__last_one_out_leaves_unit_unchanged(
    zoo_frozen_vault, owner, alice, bob
):
    v, plain, frozen, units = zoo_frozen_vault
    frozen.set_blacklisted(v, True, sender=owner)
    with ape.reverts("token: blacklisted"):
        v.redeem(WAD, bob, [0, 0], sender=bob)
    v.redeem_skipping(WAD, bob, [0, 0], [frozen], sender=bob)
    v.redeem_skipping(3 * WAD, alice, [0, 0], [frozen], sender=alice)
    assert v.totalSupply() == 0
    assert plain.balanceOf(alice) > 0 and v.components()[1][1] == units[1] * 4 // 3


def test_redeem_skipping__bad_skip_lists__revert_by_name(zoo_frozen_vault, create_token, alice):
    v, _, frozen, units = zoo_frozen_vault
    stray = create_token(18)
    with ape.reverts("vault: not a component"):
        v.redeem_skipping(WAD, alice, [0, 0], [stray], sender=alice)
    with ape.reverts("vault: component skipped twice"):
        v.redeem_skipping(WAD, alice, [0, 0], [frozen, frozen], sender=alice)
    # A skipped component's minimum is still checked against what it would have paid.
    too_high = [0, redeem_pay(WAD, units[1]) + 1]
    with ape.reverts("vault: min amount out not met"):
        v.redeem_skipping(WAD, alice, too_high, [frozen], sender=alice)


def test_paused_token__mint__reverts_with_the_token_reason(zoo_frozen_vault, owner, alice):
    v, _, frozen, _ = zoo_frozen_vault
    frozen.set_paused(True, sender=owner)
    with ape.reverts("token: paused"):
        v.mint(WAD, alice, [MAX_UINT256] * 2, sender=alice)


# ---------------------------------------------------------------------------------------------
# Rebasing (balance = shares * index)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zoo_rebasing_vault(project, owner, create_token, make_zoo_vault, alice, bob):
    """Alice and bob each hold 10 index tokens over [rebasing 18-dec, plain 6-dec], minted at index 1."""
    steth = owner.deploy(project.RebasingToken, "Staked Ether", "stETH", 18)
    plain = create_token(6)
    v = make_zoo_vault([steth, plain], [WAD, 10**6], [alice, bob])
    v.mint(10 * WAD, alice, [MAX_UINT256] * 2, sender=alice)
    v.mint(10 * WAD, bob, [MAX_UINT256] * 2, sender=bob)
    return v, steth, plain


def test_rebasing_token__negative_rebase__first_redeemer_paid_in_full_last_must_forfeit(
    zoo_rebasing_vault, alice, bob
):
    # What the vault does with a negative rebase, stated plainly: units are stored, so the loss is
    # not shared. The vault is short of the rebased token (invariant 1 cannot hold for it); whoever
    # redeems first is paid in full and the last holders can only redeem the rest and forfeit it.
    v, steth, plain = zoo_rebasing_vault
    steth.rebase(9 * WAD // 10, sender=alice)
    assert steth.balanceOf(v) == 18 * WAD < v.holdings()[0] == 20 * WAD
    before = balances([steth, plain], alice)
    v.redeem(10 * WAD, alice, [0, 0], sender=alice)
    assert deltas(balances([steth, plain], alice), before)[1] == 10 * 10**6
    assert steth.balanceOf(alice) - before[0] in (10 * WAD - 1, 10 * WAD)  # one wei of share rounding
    with ape.reverts("rebasing: transfer amount exceeds balance"):
        v.redeem(10 * WAD, bob, [0, 0], sender=bob)
    before = plain.balanceOf(bob)
    v.redeem_skipping(10 * WAD, bob, [0, 0], [steth], sender=bob)
    assert plain.balanceOf(bob) - before == 10 * 10**6


def test_rebasing_token__positive_rebase__surplus_belongs_to_no_one_units_unchanged(
    zoo_rebasing_vault, alice
):
    v, steth, _ = zoo_rebasing_vault
    steth.rebase(11 * WAD // 10, sender=alice)
    assert steth.balanceOf(v) == 22 * WAD and v.holdings()[0] == 20 * WAD
    before = steth.balanceOf(alice)
    v.redeem(10 * WAD, alice, [0, 0], sender=alice)
    assert steth.balanceOf(alice) - before in (10 * WAD - 1, 10 * WAD)


def test_rebasing_token__mint_after_rebase_with_lossy_transfer__refused_as_fee_on_transfer(
    zoo_rebasing_vault, alice
):
    v, steth, _ = zoo_rebasing_vault
    index = 9 * WAD // 10
    steth.rebase(index, sender=alice)
    shares = WAD + 1
    amount = mint_cost(shares, WAD)
    assert (amount * WAD // index) * index // WAD < amount  # the token delivers a wei short
    with ape.reverts("vault: fee-on-transfer token"):
        v.mint(shares, alice, [MAX_UINT256] * 2, sender=alice)
