"""World for the IndexVault unit tests: stocked holders, basket factories over any zoo token, the
fixed-price oracle and the preview probe, and fast constructor calls.

Fixture names are unique across the suite (tests/test_fixture_names.py): Ape judges a fixture's
statefulness by its name, so a namesake elsewhere could leak state between tests.

Every amount a test expects is computed in Python integers (vault_math.py) from the vault's
documented formulas, never read back from the contract under test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from vault_math import STOCK

from vyndex.constants import MAX_UINT256


@pytest.fixture(scope="session")
def vault_holders(alice, bob, carol, attacker):
    return [alice, bob, carol, attacker]


@pytest.fixture(scope="module")
def stocked(vault, basket_tokens, vault_holders):
    """The standard vault, with alice, bob, carol and attacker each holding STOCK of every component
    and having approved the vault for all of it."""
    for holder in vault_holders:
        for token in basket_tokens:
            token.mint(holder, STOCK, sender=holder)
            token.approve(vault, MAX_UINT256, sender=holder)
    return vault


@pytest.fixture(scope="module")
def any_bounds(basket_tokens):
    """No limit on what a mint takes of each component."""
    return [MAX_UINT256] * len(basket_tokens)


@pytest.fixture(scope="module")
def no_bounds(basket_tokens):
    """No minimum on what a redeem pays of each component."""
    return [0] * len(basket_tokens)


@pytest.fixture(scope="session")
def make_zoo_vault(create_vault) -> Callable[..., Any]:
    """Deploys a vault over `tokens` (any zoo tokens with an open `mint(owner, amount)`), stocks each
    holder with `stock` of every token and approves the vault."""

    def make(tokens: Sequence[Any], units: Sequence[int], holders: Sequence[Any], stock: int = STOCK) -> Any:
        v = create_vault(tokens, units)
        for holder in holders:
            for token in tokens:
                token.mint(holder, stock, sender=holder)
                token.approve(v, MAX_UINT256, sender=holder)
        return v

    return make


@pytest.fixture(scope="module")
def fixed_oracle(project, owner):
    return owner.deploy(project.FixedPriceOracle)


@pytest.fixture(scope="module")
def preview_probe(project, owner):
    return owner.deploy(project.PreviewProbe)


@pytest.fixture(scope="session")
def vault_deploy_call(project, owner, chain) -> Callable[..., None]:
    """Runs IndexVault's constructor as an eth_call from the owner and returns nothing, or raises
    web3's ContractLogicError carrying the revert reason. Faster than a reverting deploy, and exact
    where Ape's own gas estimate of a deployment misjudges (a component at the vault's own future
    address)."""
    contract_type = project.IndexVault.contract_type
    web3 = chain.provider.web3
    factory = web3.eth.contract(
        abi=[abi.model_dump(by_alias=True, mode="json") for abi in contract_type.abi],
        bytecode=contract_type.deployment_bytecode.bytecode,
    )

    def plain(value: Any) -> Any:
        if isinstance(value, list):
            return [plain(v) for v in value]
        return getattr(value, "address", value)

    def call(*args: Any) -> None:
        tx = {"from": owner.address, "gas": 10_000_000}
        data = factory.constructor(*[plain(a) for a in args]).build_transaction(tx)["data"]
        web3.eth.call({**tx, "data": data})

    return call


@pytest.fixture(scope="session")
def call_succeeds(chain) -> Callable[..., None]:
    """Asserts that calling `method(*args)` from `sender` would go through, by a plain eth_call that
    changes nothing: the control beside a refusal, without spending the state change."""
    web3 = chain.provider.web3

    def check(method: Any, *args: Any, sender: Any) -> None:
        data = method.encode_input(*args)
        web3.eth.call({"from": sender.address, "to": method.contract.address, "data": data.hex()})

    return check
