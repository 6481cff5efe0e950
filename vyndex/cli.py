"""What every `ape run` script shares: account choice, index lookup, clean errors.

Scripts stay thin: parse options, call the library, print. Known failures (a bad spec, a short
balance, an unknown index) end with ``error: ...`` on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from ape import accounts, chain
from ape.api import AccountAPI

from vyndex.actions import ActionError
from vyndex.addressbook import AddressBookError
from vyndex.deploy import DeployError
from vyndex.index import IndexNotFound
from vyndex.spec import SpecError

F = TypeVar("F", bound=Callable[..., Any])

KNOWN_ERRORS = (SpecError, DeployError, ActionError, IndexNotFound, AddressBookError, LookupError)


class ToolError(click.ClickException):
    """A failure the user can act on: printed as one line, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def friendly_errors(fn: F) -> F:
    """Turns the library's known errors into ToolError."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ToolError:
            raise
        except KNOWN_ERRORS as exc:
            raise ToolError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def is_dev_chain() -> bool:
    """A local node or a fork: test accounts and time travel are fine here."""
    name = chain.provider.network.name
    return name == "local" or name.endswith("-fork")


def resolve_account(
    account: AccountAPI | str | None, role: str = "sender", autosign: bool = False
) -> AccountAPI:
    """The `--account` given; on a local or fork network, TEST::0 when none is given.

    With `autosign` (an unattended keeper), a keystore account signs without prompting, which
    needs its passphrase in APE_ACCOUNTS_<alias>_PASSPHRASE when there is no terminal.
    """
    if isinstance(account, AccountAPI):
        return account
    if isinstance(account, str) and account:
        if account.upper().startswith("TEST::"):
            return accounts.test_accounts[int(account.split("::", 1)[1])]
        try:
            loaded = accounts.load(account)
        except Exception as exc:
            raise ToolError(f"no account '{account}' (see `ape accounts list`)") from exc
        if autosign and hasattr(loaded, "set_autosign"):
            env = f"APE_ACCOUNTS_{account}_PASSPHRASE"
            if env not in os.environ and not sys.stdin.isatty():
                raise ToolError(f"{account} is a keystore account: set {env} to run unattended")
            loaded.set_autosign(True, passphrase=os.environ.get(env))
        return loaded
    if is_dev_chain():
        return accounts.test_accounts[0]
    raise ToolError(f"pass --account ALIAS (an `ape accounts` keystore) to sign as the {role}")


def account_arg() -> Callable[[F], F]:
    return click.option(
        "--account",
        "account_name",
        default=None,
        metavar="ALIAS",
        help="Signing account: an `ape accounts` alias, or TEST::N. Default on local/fork: TEST::0.",
    )


def index_arg() -> Callable[[F], F]:
    return click.option(
        "--index",
        "index_symbol",
        default=None,
        metavar="SYMBOL",
        help="The index's symbol in the address book (default: the only one).",
    )
