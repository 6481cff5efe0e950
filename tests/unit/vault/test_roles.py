"""Roles: every setter refuses every other caller by name, works for its own role and logs it;
pause (guardian or owner) stops minting and rebalancing, never redemption; two-step ownership."""

import ape
import pytest
from eth_utils import keccak
from web3.exceptions import ContractLogicError as Web3ContractLogicError

from vyndex.constants import WAD

ROLES = ["owner", "manager", "guardian", "fee_recipient", "keeper", "alice", "stranger"]
NOT_OWNER = "ownable: caller is not the owner"
NOT_MANAGER = "vault: caller is not the manager"
NOT_GUARDIAN = "vault: caller is not the guardian"
NOT_REBALANCER = "vault: caller is not the rebalancer"


@pytest.fixture(scope="module")
def role_actors(owner, manager, guardian, fee_recipient, keeper, alice, stranger):
    return dict(zip(ROLES, [owner, manager, guardian, fee_recipient, keeper, alice, stranger], strict=True))


@pytest.fixture(scope="module")
def spare_component(create_token):
    return create_token(8)


def setter_cases(vault, carol, spare_component):
    """(method, args, roles allowed, reason for everyone else)."""
    return [
        (vault.set_fee_recipient, [carol], {"owner"}, NOT_OWNER),
        (vault.set_manager, [carol], {"owner"}, NOT_OWNER),
        (vault.set_guardian, [carol], {"owner"}, NOT_OWNER),
        (vault.set_rebalancer, [carol], {"owner"}, NOT_OWNER),
        (vault.transfer_ownership, [carol], {"owner"}, NOT_OWNER),
        (vault.set_management_fee, [10**16], {"manager"}, NOT_MANAGER),
        (vault.set_mint_fee, [10], {"manager"}, NOT_MANAGER),
        (vault.set_redeem_fee, [10], {"manager"}, NOT_MANAGER),
        (vault.set_paused, [True], {"guardian", "owner"}, NOT_GUARDIAN),
        (vault.add_component, [spare_component], set(), NOT_REBALANCER),
        (vault.remove_component, [0, 0], set(), NOT_REBALANCER),
        (vault.rebalance_trade, [0, 1, 1, 1, carol], set(), NOT_REBALANCER),
    ]


def test_setters__every_other_caller__reverts_with_the_named_reason(
    vault, role_actors, carol, spare_component, call_succeeds
):
    checked = 0
    for method, args, allowed, reason in setter_cases(vault, carol, spare_component):
        for role, account in role_actors.items():
            if role in allowed:
                call_succeeds(method, *args, sender=account)
            else:
                with ape.reverts(reason):
                    method(*args, sender=account)
                checked += 1
    assert checked == 5 * 6 + 3 * 6 + 5 + 3 * 7


@pytest.mark.parametrize(
    "setter, getter, event, field",
    [
        ("set_manager", "manager", "ManagerSet", "manager"),
        ("set_guardian", "guardian", "GuardianSet", "guardian"),
        ("set_fee_recipient", "fee_recipient", "FeeRecipientSet", "fee_recipient"),
        ("set_rebalancer", "rebalancer", "RebalancerSet", "rebalancer"),
    ],
)
def test_owner_setters__owner__store_and_log_the_new_address(
    vault, owner, carol, setter, getter, event, field
):
    receipt = getattr(vault, setter)(carol, sender=owner)
    assert getattr(vault, getter)() == carol
    assert [getattr(log, field) for log in receipt.decode_logs(getattr(vault, event))] == [carol.address]


@pytest.mark.parametrize(
    "setter, reason",
    [
        ("set_manager", "vault: zero manager"),
        ("set_guardian", "vault: zero guardian"),
        ("set_fee_recipient", "vault: zero fee recipient"),
    ],
)
def test_owner_setters__zero_address__reverts(vault, owner, setter, reason):
    with ape.reverts(reason):
        getattr(vault, setter)(ape.utils.ZERO_ADDRESS, sender=owner)


def test_set_rebalancer__zero_address__accepted_to_disable_and_trading_refused(vault, owner, carol):
    vault.set_rebalancer(carol, sender=owner)
    vault.set_rebalancer(ape.utils.ZERO_ADDRESS, sender=owner)
    assert vault.rebalancer() == ape.utils.ZERO_ADDRESS
    # The old rebalancer lost the trade right with the address.
    with ape.reverts(NOT_REBALANCER):
        vault.rebalance_trade(0, 1, 1, 1, carol, sender=carol)


def test_set_manager__replaced__new_manager_sets_fees_old_one_refused(vault, owner, manager, carol):
    vault.set_manager(carol, sender=owner)
    vault.set_mint_fee(7, sender=carol)
    assert vault.mint_fee_bps() == 7
    with ape.reverts(NOT_MANAGER):
        vault.set_mint_fee(8, sender=manager)


def test_set_guardian__replaced__new_guardian_pauses_old_one_refused(vault, owner, guardian, carol):
    vault.set_guardian(carol, sender=owner)
    vault.set_paused(True, sender=carol)
    assert vault.paused()
    with ape.reverts(NOT_GUARDIAN):
        vault.set_paused(False, sender=guardian)


def test_set_paused__guardian_pauses_owner_resumes__logged_and_minting_follows(
    stocked, guardian, owner, alice, any_bounds
):
    receipt = stocked.set_paused(True, sender=guardian)
    assert stocked.paused()
    assert [(e.caller, e.paused) for e in receipt.decode_logs(stocked.PausedSet)] == [(guardian, True)]
    with ape.reverts("vault: minting paused"):
        stocked.mint(WAD, alice, any_bounds, sender=alice)
    receipt = stocked.set_paused(False, sender=owner)
    assert [(e.caller, e.paused) for e in receipt.decode_logs(stocked.PausedSet)] == [(owner, False)]
    stocked.mint(WAD, alice, any_bounds, sender=alice)
    assert stocked.balanceOf(alice) == WAD


def test_set_paused__owner_pauses__redeem_and_redeem_skipping_still_pay(
    stocked, basket_tokens, owner, alice, any_bounds, no_bounds
):
    stocked.mint(3 * WAD, alice, any_bounds, sender=alice)
    stocked.set_paused(True, sender=owner)
    stocked.redeem(WAD, alice, no_bounds, sender=alice)
    stocked.redeem_skipping(WAD, alice, no_bounds, [basket_tokens[0]], sender=alice)
    assert stocked.balanceOf(alice) == WAD


def test_rebalancer_functions__rebalancer_caller__passes_the_access_check(
    stocked, owner, keeper, spare_component, alice, any_bounds
):
    vault = stocked
    vault.set_rebalancer(keeper, sender=owner)
    # An EOA rebalancer gets past the role check and stops at the next named guard.
    with ape.reverts("vault: zero recipient"):
        vault.rebalance_trade(0, 1, 1, 1, ape.utils.ZERO_ADDRESS, sender=keeper)
    with ape.reverts("vault: empty vault"):
        vault.rebalance_trade(0, 1, 1, 1, keeper, sender=keeper)
    vault.mint(WAD, alice, any_bounds, sender=alice)
    with ape.reverts("vault: component not sold down"):
        vault.remove_component(0, 0, sender=keeper)
    vault.set_paused(True, sender=owner)
    with ape.reverts("vault: rebalancing paused"):
        vault.rebalance_trade(0, 1, 1, 1, keeper, sender=keeper)
    receipt = vault.add_component(spare_component, sender=keeper)
    assert vault.component_count() == 4
    assert [log.token for log in receipt.decode_logs(vault.ComponentAdded)] == [spare_component.address]
    assert vault.components()[0][3] == spare_component.address


def test_ownership__two_step_transfer__pending_until_accepted_then_owner_moves(vault, owner, bob, carol):
    receipt = vault.transfer_ownership(bob, sender=owner)
    assert vault.pending_owner() == bob and vault.owner() == owner
    started = receipt.decode_logs(vault.OwnershipTransferStarted)[0]
    assert (started.previous_owner, started.new_owner) == (owner, bob)
    with ape.reverts("ownable_2step: caller is not the new owner"):
        vault.accept_ownership(sender=carol)
    receipt = vault.accept_ownership(sender=bob)
    assert vault.owner() == bob and vault.pending_owner() == ape.utils.ZERO_ADDRESS
    moved = receipt.decode_logs(vault.OwnershipTransferred)[-1]
    assert (moved.previous_owner, moved.new_owner) == (owner, bob)
    with ape.reverts(NOT_OWNER):
        vault.set_manager(carol, sender=owner)
    vault.set_manager(carol, sender=bob)
    assert vault.manager() == carol


def test_ownership__transfer_to_zero__cancels_the_pending_transfer(vault, owner, bob):
    vault.transfer_ownership(bob, sender=owner)
    vault.transfer_ownership(ape.utils.ZERO_ADDRESS, sender=owner)
    assert vault.pending_owner() == ape.utils.ZERO_ADDRESS
    with ape.reverts("ownable_2step: caller is not the new owner"):
        vault.accept_ownership(sender=bob)


def test_ownership__renounce__not_exposed(vault, owner, chain):
    names = {abi.name for abi in vault.contract_type.abi if hasattr(abi, "name")}
    assert "renounce_ownership" not in names and "owner" in names
    web3 = chain.provider.web3
    selector = keccak(text="renounce_ownership()")[:4].hex()
    with pytest.raises(Web3ContractLogicError):
        web3.eth.call({"from": owner.address, "to": vault.address, "data": "0x" + selector})
    # The control: a function the vault does expose answers the same kind of call.
    owner_selector = keccak(text="owner()")[:4].hex()
    answer = web3.eth.call({"from": owner.address, "to": vault.address, "data": "0x" + owner_selector})
    assert answer[-20:] == bytes.fromhex(owner.address[2:])
