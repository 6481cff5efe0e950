"""Views (oracle-priced values, basket lookups, raw state for the rebalancer, constants), the index
token's ERC-20 surface, and EIP-2612 permit signed by an Ape test account."""

import ape
import pytest
from ape.types.signatures import MessageSignature
from eip712.messages import EIP712Domain, EIP712Message
from eth_pydantic_types import abi
from hexbytes import HexBytes
from vault_math import balances

from vyndex.constants import WAD
from vyndex.venues import Lens, deploy_rebalancer

# USD per whole token (18 decimals): WETH, USDC, WBTC.
PRICES = [3_000 * WAD, WAD, 60_000 * WAD]
DECIMALS = [18, 6, 8]


class Permit(EIP712Message):
    owner: abi.address
    spender: abi.address
    value: abi.uint256
    nonce: abi.uint256
    deadline: abi.uint256


@pytest.fixture
def priced_vault(stocked, basket_tokens, fixed_oracle, owner, alice, any_bounds):
    """Alice holds 3 index tokens and a wei; the fixed-price oracle prices every component."""
    for token, price in zip(basket_tokens, PRICES, strict=True):
        fixed_oracle.set_price(token, price, sender=owner)
    stocked.mint(3 * WAD + 1, alice, any_bounds, sender=alice)
    return stocked


@pytest.fixture
def vault_valuer(priced_vault, fixed_oracle, owner):
    """A Rebalancer over the priced vault (no venue): where total_value and nav_per_share live now."""
    return deploy_rebalancer(
        owner,
        priced_vault,
        fixed_oracle,
        [],
        drift_threshold_bps=100,
        max_slippage_bps=100,
        trade_cap_usd_wad=1_000 * WAD,
        min_trade_usd_wad=WAD,
        cooldown=300,
        plan_ttl=86_400,
    )


def stored_value(supply: int, units: list[int]) -> int:
    """The rebalancer's valuation: each component's 18-decimal amount owed to `supply` (floored),
    times its price (floored), summed."""
    total = 0
    for unit, price, decimals in zip(units, PRICES, DECIMALS, strict=True):
        amount18 = supply * unit * 10 ** (18 - decimals) // WAD
        total += amount18 * price // WAD
    return total


def test_total_value_and_nav__vault__no_longer_on_the_vault_and_no_rebalancer_without_oracle(stocked, owner):
    names = {item.name for item in stocked.contract_type.abi if item.type == "function"}
    assert not names & {"oracle", "set_oracle", "total_value", "nav_per_share", "pair_state"}
    with ape.reverts("rebalancer: zero oracle"):
        deploy_rebalancer(
            owner,
            stocked,
            ape.utils.ZERO_ADDRESS,
            [],
            drift_threshold_bps=100,
            max_slippage_bps=100,
            trade_cap_usd_wad=1_000 * WAD,
            min_trade_usd_wad=WAD,
            cooldown=300,
            plan_ttl=86_400,
        )


def test_total_value_and_nav__priced_basket__exact_sums_of_floored_values(
    priced_vault, vault_valuer, basket_units
):
    expected_total = stored_value(3 * WAD + 1, basket_units)
    expected_nav = stored_value(WAD, basket_units)
    assert expected_nav == 30 * WAD + 30 * WAD + 30 * WAD
    # 3 index tokens and a wei: a little over $270, never rounded up.
    assert 270 * WAD < expected_total < 271 * WAD
    assert Lens(vault_valuer).total_value() == expected_total
    assert Lens(vault_valuer).nav_per_share() == expected_nav


def test_total_value__donation__does_not_move_it(priced_vault, vault_valuer, basket_tokens, attacker):
    value, nav = Lens(vault_valuer).total_value(), Lens(vault_valuer).nav_per_share()
    for token in basket_tokens:
        token.transfer(priced_vault, 10**24, sender=attacker)
    assert basket_tokens[0].balanceOf(priced_vault) > 10**24
    assert (Lens(vault_valuer).total_value(), Lens(vault_valuer).nav_per_share()) == (value, nav)


def test_oracle_failing__views_revert_but_mint_and_redeem_exact(
    priced_vault,
    vault_valuer,
    basket_tokens,
    basket_units,
    fixed_oracle,
    owner,
    bob,
    any_bounds,
    no_bounds,
    stranger,
):
    fixed_oracle.set_failing(basket_tokens[2], True, sender=owner)
    with ape.reverts("oracle: stale price"):
        Lens(vault_valuer).total_value(sender=stranger)
    with ape.reverts("oracle: stale price"):
        Lens(vault_valuer).nav_per_share(sender=stranger)
    before = balances(basket_tokens, bob)
    priced_vault.mint(WAD, bob, any_bounds, sender=bob)
    priced_vault.redeem(WAD, bob, no_bounds, sender=bob)
    assert balances(basket_tokens, bob) == before  # exact units in, the same units out


def test_components__as_deployed__in_basket_order(vault, basket_tokens):
    # `index_of` left the vault (size budget, issue #15): the order is `components()`'s.
    assert list(vault.components()[0]) == [t.address for t in basket_tokens]


def test_basket_state__minted_basket__18_decimal_units_supply_and_scale(
    stocked, basket_tokens, basket_units, alice, any_bounds
):
    stocked.mint(2 * WAD, alice, any_bounds, sender=alice)
    # Stored units are 18-decimal amounts: WETH (18) as is, USDC (6) x 1e12, WBTC (8) x 1e10.
    stored_units = [basket_units[0], basket_units[1] * 10**12, basket_units[2] * 10**10]
    tokens, stored, supply, scale = stocked.basket_state()
    assert (list(tokens), list(stored), supply, scale) == (
        [t.address for t in basket_tokens],
        stored_units,
        2 * WAD,
        WAD,
    )


def test_constants__published__match_the_documented_bounds(vault):
    assert (vault.MAX_COMPONENTS(), vault.MAX_STORED_UNIT(), vault.MAX_SUPPLY()) == (32, 2**91 - 1, 2**96)


def test_erc20__transfer_and_transfer_from__move_index_tokens_and_log(stocked, alice, bob, carol, any_bounds):
    stocked.mint(5 * WAD, alice, any_bounds, sender=alice)
    receipt = stocked.transfer(bob, 2 * WAD, sender=alice)
    log = receipt.decode_logs(stocked.Transfer)[0]
    assert (log.sender, log.receiver, log.value) == (alice, bob, 2 * WAD)
    stocked.approve(carol, WAD, sender=bob)
    stocked.transferFrom(bob, carol, WAD, sender=carol)
    assert [stocked.balanceOf(a) for a in (alice, bob, carol)] == [3 * WAD, WAD, WAD]
    assert stocked.allowance(bob, carol) == 0
    with ape.reverts("erc20: insufficient allowance"):
        stocked.transferFrom(bob, carol, 1, sender=carol)


def sign_permit(vault, chain, holder, spender, value, nonce, deadline):
    message = Permit(
        owner=holder.address,
        spender=spender.address,
        value=value,
        nonce=nonce,
        deadline=deadline,
        eip712_domain=domain_of(vault, chain),
    )
    # Ape may hand back r or s shorter than 32 bytes (a leading zero byte, ~1 signature in 128),
    # and a short bytes32 argument is padded on the right: re-split the padded 65 bytes.
    return MessageSignature.from_vrs(HexBytes(holder.sign_message(message).encode_vrs()))


def domain_of(vault, chain):
    return EIP712Domain(
        name=vault.name(), version="1", chainId=chain.chain_id, verifyingContract=vault.address
    )


def test_permit__signed_by_holder__relayer_sets_allowance_and_spender_pulls(
    stocked, chain, alice, bob, stranger, any_bounds
):
    stocked.mint(3 * WAD, alice, any_bounds, sender=alice)
    deadline = chain.blocks.head.timestamp + 3600
    nonce = stocked.nonces(alice)
    sig = sign_permit(stocked, chain, alice, bob, 2 * WAD, nonce, deadline)
    assert stocked.DOMAIN_SEPARATOR() == domain_of(stocked, chain).separator
    stocked.permit(alice, bob, 2 * WAD, deadline, sig.v, sig.r, sig.s, sender=stranger)
    assert stocked.allowance(alice, bob) == 2 * WAD
    assert stocked.nonces(alice) == nonce + 1
    stocked.transferFrom(alice, bob, 2 * WAD, sender=bob)
    assert stocked.balanceOf(bob) == 2 * WAD


def test_permit__replayed_wrong_signer_or_expired__reverts_by_name(
    stocked, chain, alice, bob, carol, stranger
):
    deadline = chain.blocks.head.timestamp + 3600
    nonce = stocked.nonces(alice)
    sig = sign_permit(stocked, chain, alice, bob, WAD, nonce, deadline)
    stocked.permit(alice, bob, WAD, deadline, sig.v, sig.r, sig.s, sender=stranger)
    args = (alice, bob, WAD, deadline, sig.v, sig.r, sig.s)
    with ape.reverts("erc20: invalid signature"):
        stocked.permit(*args, sender=stranger)
    forged = sign_permit(stocked, chain, carol, bob, WAD, nonce + 1, deadline)
    forged_args = (alice, bob, WAD, deadline, forged.v, forged.r, forged.s)
    with ape.reverts("erc20: invalid signature"):
        stocked.permit(*forged_args, sender=stranger)
    past = chain.blocks.head.timestamp - 1
    late = sign_permit(stocked, chain, alice, bob, WAD, nonce + 1, past)
    late_args = (alice, bob, WAD, past, late.v, late.r, late.s)
    with ape.reverts("erc20: expired deadline"):
        stocked.permit(*late_args, sender=stranger)


def test_eip712_domain__published__name_version_chain_and_address(stocked, chain):
    domain = stocked.eip712Domain()
    assert (domain[1], domain[2], domain[3], domain[4]) == (
        "vyndex Test Index",
        "1",
        chain.chain_id,
        stocked.address,
    )
