"""Shared world for every test: actors named by role, and factories for tokens and vaults.

Ape runs each test inside a chain snapshot and reverts it afterwards, so every test starts
from the state its fixtures built. Fixtures that deploy or transact are module-scoped, never
session-scoped: a session fixture first requested in the middle of a module is created after
that module's snapshot, reverted with it at the module's end, and then handed to later modules
as a stale object (whose address the next deployment may reuse). Accounts and factories hold
no chain state and stay session-scoped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import attack_report
import pytest
from hypothesis import HealthCheck, settings

from vyndex.constants import MAX_UINT256

# One place for hypothesis profiles: `make test` runs "default", `make fuzz` runs "long".
settings.register_profile(
    "default",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "long",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist, in the controller: a worker finished; keep its adversarial numbers."""
    raw = getattr(node, "workeroutput", {}).get("vyndex_adversarial")
    if raw:
        attack_report.merge(raw)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    attack_report.print_summary(terminalreporter)


def _quiet_reverts() -> None:
    """ape-foundry traces and prints the whole call tree of every reverted transaction, and ape
    maps it (and every reverted eth_call) back to Vyper source lines: 0.5 to 3.5 s a revert. The
    suite asserts revert reasons by name and checks hundreds of them, so it keeps the reason and
    skips both. Set VYNDEX_SHOW_REVERT_TRACES=1 to get them back when debugging."""
    from ape.exceptions import ContractLogicError, TransactionError
    from ape_foundry.provider import FoundryProvider

    def handle(self: Any, exception: Exception, revert_message: str | None = None, **kwargs: Any) -> Any:
        message = (
            revert_message if revert_message not in (None, "", "0x") else TransactionError.DEFAULT_MESSAGE
        )
        if message.startswith("revert: "):
            message = message[len("revert: ") :]
        kwargs.pop("trace", None)
        # Without the transaction (or, for an eth_call, the source traceback), ape does not map
        # the revert back to source lines: for a reverted call into the auction that took 3.5 s.
        kwargs.pop("txn", None)
        kwargs.pop("source_traceback", None)
        return self.compiler_manager.enrich_error(
            ContractLogicError(base_err=exception, revert_message=message, **kwargs)
        )

    FoundryProvider._handle_execution_reverted = handle  # type: ignore[method-assign]


if os.environ.get("VYNDEX_SHOW_REVERT_TRACES") != "1":
    _quiet_reverts()


# ---------------------------------------------------------------------------------------------
# Actors
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def owner(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def manager(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def guardian(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def fee_recipient(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def keeper(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def alice(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def bob(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def carol(accounts):
    return accounts[7]


@pytest.fixture(scope="session")
def attacker(accounts):
    return accounts[8]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[9]


# ---------------------------------------------------------------------------------------------
# Factories
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def create_token(project, owner) -> Callable[..., Any]:
    """Deploys a plain MockERC20 with the given decimals."""

    counter = {"n": 0}

    def create(decimals: int = 18, name: str | None = None, symbol: str | None = None) -> Any:
        counter["n"] += 1
        n = counter["n"]
        return owner.deploy(project.MockERC20, name or f"Token {n}", symbol or f"T{n}", decimals)

    return create


@pytest.fixture(scope="session")
def create_vault(project, owner, manager, guardian, fee_recipient) -> Callable[..., Any]:
    """Deploys an IndexVault over `tokens` with `units` (base units per whole index token)."""

    def create(
        tokens: Sequence[Any],
        units: Sequence[int],
        name: str = "vyndex Test Index",
        symbol: str = "VTI",
    ) -> Any:
        return owner.deploy(
            project.IndexVault,
            name,
            symbol,
            [t.address if hasattr(t, "address") else t for t in tokens],
            list(units),
            manager,
            guardian,
            fee_recipient,
        )

    return create


@pytest.fixture(scope="session")
def fund() -> Callable[..., None]:
    """Mints each MockERC20 `amounts` to `holder` and approves `spender` for all of it."""

    def do(holder: Any, tokens: Sequence[Any], amounts: Sequence[int], spender: Any) -> None:
        for token, amount in zip(tokens, amounts, strict=True):
            token.mint(holder, amount, sender=holder)
            token.approve(spender, MAX_UINT256, sender=holder)

    return do


# ---------------------------------------------------------------------------------------------
# A standard three-component basket of 18, 6 and 8 decimals
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def basket_tokens(create_token):
    return [
        create_token(18, "Wrapped Ether", "WETH"),
        create_token(6, "USD Coin", "USDC"),
        create_token(8, "Wrapped BTC", "WBTC"),
    ]


@pytest.fixture(scope="session")
def basket_units():
    # Per whole index token: 0.01 WETH, 30 USDC, 0.0005 WBTC.
    return [10**16, 30 * 10**6, 5 * 10**4]


@pytest.fixture(scope="module")
def vault(create_vault, basket_tokens, basket_units):
    return create_vault(basket_tokens, basket_units)
