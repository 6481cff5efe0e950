"""IndexVault deployment: what it stores, and each named refusal."""

import ape
import pytest
from web3.exceptions import ContractLogicError

from vyndex.constants import WAD

MAX_STORED_UNIT = 2**91 - 1


@pytest.fixture(scope="module")
def construct_vault(vault_deploy_call, manager, guardian, fee_recipient):
    """Runs the constructor (as a call) with the given basket and roles, defaulting to valid roles."""

    def run(tokens, units, manager_=manager, guardian_=guardian, fee_recipient_=fee_recipient):
        vault_deploy_call("X", "X", list(tokens), list(units), manager_, guardian_, fee_recipient_)

    return run


def test_constructor__valid_basket__stores_roles_units_and_clean_state(
    vault, basket_tokens, basket_units, owner, manager, guardian, fee_recipient, chain
):
    tokens, units = vault.components()
    assert list(tokens) == [t.address for t in basket_tokens]
    assert list(units) == basket_units
    assert vault.owner() == owner
    assert vault.pending_owner() == ape.utils.ZERO_ADDRESS
    assert vault.manager() == manager
    assert vault.guardian() == guardian
    assert vault.fee_recipient() == fee_recipient
    assert vault.rebalancer() == ape.utils.ZERO_ADDRESS
    # Pricing moved to the rebalancer: the vault has no oracle and no oracle-priced view.
    assert not {"oracle", "set_oracle", "total_value", "nav_per_share", "pair_state"} & {
        item.name for item in vault.contract_type.abi if item.type == "function"
    }
    assert (vault.name(), vault.symbol(), vault.decimals()) == ("vyndex Test Index", "VTI", 18)
    assert vault.totalSupply() == 0
    assert vault.scale() == WAD
    assert vault.component_count() == 3
    assert not vault.paused()
    assert (vault.management_fee(), vault.mint_fee_bps(), vault.redeem_fee_bps()) == (0, 0, 0)
    assert vault.last_accrued() == chain.provider.get_receipt(vault.txn_hash).timestamp


def test_constructor__valid_basket__logs_components_and_roles(
    create_vault, basket_tokens, basket_units, manager, guardian, fee_recipient, chain
):
    v = create_vault(basket_tokens, basket_units)
    receipt = chain.provider.get_receipt(v.txn_hash)
    added = [log.token for log in receipt.decode_logs(v.ComponentAdded)]
    assert added == [t.address for t in basket_tokens]
    assert [log.manager for log in receipt.decode_logs(v.ManagerSet)] == [manager.address]
    assert [log.guardian for log in receipt.decode_logs(v.GuardianSet)] == [guardian.address]
    assert [log.fee_recipient for log in receipt.decode_logs(v.FeeRecipientSet)] == [fee_recipient.address]


def test_constructor__valid_call__does_not_revert(construct_vault, basket_tokens, basket_units):
    # The control for every refusal below: the same call with valid arguments goes through.
    construct_vault(basket_tokens, basket_units)


def test_constructor__empty_basket__reverts(construct_vault):
    with pytest.raises(ContractLogicError, match="vault: empty basket"):
        construct_vault([], [])


def test_constructor__fewer_units_than_tokens__reverts(construct_vault, basket_tokens):
    with pytest.raises(ContractLogicError, match="vault: units length mismatch"):
        construct_vault(basket_tokens, [1, 2])


@pytest.mark.parametrize(
    "role, reason",
    [("manager_", "zero manager"), ("guardian_", "zero guardian"), ("fee_recipient_", "zero fee recipient")],
)
def test_constructor__zero_role__reverts(construct_vault, basket_tokens, role, reason):
    with pytest.raises(ContractLogicError, match=f"vault: {reason}"):
        construct_vault(basket_tokens, [1, 1, 1], **{role: ape.utils.ZERO_ADDRESS})


def test_constructor__zero_address_component__reverts(construct_vault, basket_tokens):
    with pytest.raises(ContractLogicError, match="vault: zero component"):
        construct_vault([basket_tokens[0], ape.utils.ZERO_ADDRESS], [1, 1])


def test_constructor__component_without_code__reverts_by_name(construct_vault, basket_tokens, stranger):
    # A pasted wallet address instead of a token: named, not a bare revert from decimals().
    with pytest.raises(ContractLogicError, match="vault: component has no code"):
        construct_vault([basket_tokens[0], stranger], [1, 1])


def test_constructor__duplicate_component__reverts(construct_vault, basket_tokens):
    with pytest.raises(ContractLogicError, match="vault: duplicate component"):
        construct_vault([basket_tokens[0], basket_tokens[1], basket_tokens[0]], [1, 1, 1])


def test_constructor__index_itself_as_component__reverts(construct_vault, owner, basket_tokens):
    with pytest.raises(ContractLogicError, match="vault: component is the index itself"):
        construct_vault([basket_tokens[0], owner.get_deployment_address()], [1, 1])


def test_constructor__zero_unit__reverts(construct_vault, basket_tokens):
    with pytest.raises(ContractLogicError, match="vault: zero unit"):
        construct_vault(basket_tokens, [1, 0, 1])


def test_constructor__unit_over_the_stored_cap__reverts_per_decimals(construct_vault, basket_tokens):
    # Stored as 18-decimal amounts: WETH (18) may reach the cap itself, USDC (6) a 1e12th of it.
    with pytest.raises(ContractLogicError, match="vault: unit too large"):
        construct_vault(basket_tokens, [MAX_STORED_UNIT + 1, 1, 1])
    with pytest.raises(ContractLogicError, match="vault: unit too large"):
        construct_vault(basket_tokens, [1, MAX_STORED_UNIT // 10**12 + 1, 1])


def test_constructor__unit_at_the_stored_cap__accepted(create_vault, basket_tokens):
    top = [MAX_STORED_UNIT, MAX_STORED_UNIT // 10**12, MAX_STORED_UNIT // 10**10]
    v = create_vault(basket_tokens, top)
    assert list(v.components()[1]) == top
    # basket_state shows them as 18-decimal amounts.
    assert list(v.basket_state()[1]) == [MAX_STORED_UNIT, top[1] * 10**12, top[2] * 10**10]


def test_constructor__decimals_over_18__reverts(construct_vault, create_token):
    with pytest.raises(ContractLogicError, match="vault: decimals over 18"):
        construct_vault([create_token(18), create_token(19)], [1, 1])


def test_constructor__decimals_0_and_18__accepted(create_vault, create_token):
    tokens = [create_token(0), create_token(18)]
    v = create_vault(tokens, [1, 10**18])
    assert list(v.components()[0]) == [t.address for t in tokens]
