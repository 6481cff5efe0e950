"""What every `ape run` script shares: account choice, index lookup, clean errors, --json, -y.

Scripts stay thin: parse options, call the library, print. Known failures (a bad spec, a short
balance, an unknown index) end with ``error: ...`` on stderr and exit code 1, never a traceback
(at ``-v DEBUG`` the traceback follows on stderr). Anything else is a bug and shows as one.

With ``--json`` a command prints JSON and only JSON on stdout: the option sends every Ape log
line (transaction confirmations included) to stderr before the command connects, and the command
prints its human-readable lines to stderr too (`out()`).
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import click
from ape import accounts, chain
from ape import logging as ape_logging
from ape.api import AccountAPI
from ape.logging import LogLevel, logger

from vyndex.actions import ActionError
from vyndex.addressbook import AddressBookError
from vyndex.deploy import DeployError
from vyndex.devnet import DevnetError
from vyndex.factory import FactoryError
from vyndex.governance import GovernanceError
from vyndex.index import IndexNotFound
from vyndex.keeper.bidder import BidderError
from vyndex.keeper.state import KeeperStateError
from vyndex.params import ParamError
from vyndex.reference.artifacts import ArtifactError
from vyndex.spec import SpecError

F = TypeVar("F", bound=Callable[..., Any])

# The library's own errors: a user can act on them. Python's built-in errors (LookupError,
# KeyError, ValueError, ...) are bugs and keep their traceback.
KNOWN_ERRORS: tuple[type[Exception], ...] = (
    SpecError,
    DeployError,
    ActionError,
    IndexNotFound,
    AddressBookError,
    ArtifactError,
    ParamError,
    DevnetError,
    KeeperStateError,
    FactoryError,
    GovernanceError,
    BidderError,
)


class ToolError(click.ClickException):
    """A failure the user can act on: printed as one line, exit code 1."""

    def show(self, file: Any = None) -> None:
        if debugging() and self.__cause__ is not None:
            cause = self.__cause__
            click.echo("".join(traceback.format_exception(cause)).rstrip(), err=True)
        click.echo(f"error: {self.format_message()}", err=True)


def debugging() -> bool:
    """Whether the user asked for `-v DEBUG`."""
    return logger.level <= logging.DEBUG


def friendly_errors(fn: F) -> F:
    """Turns the library's known errors into ToolError (their traceback shown at -v DEBUG)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ToolError:
            raise
        except SpecError as exc:  # every problem of a spec on its own `error:` line
            raise ToolError("\nerror: ".join(exc.lines())) from exc
        except KNOWN_ERRORS as exc:
            raise ToolError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# --json: stdout is JSON only
# ---------------------------------------------------------------------------------------------

_json_mode = False


def json_mode() -> bool:
    return _json_mode


def quiet_ape_for_json() -> None:
    """Every Ape log line (connections, transaction confirmations) goes to stderr: stdout stays
    JSON. `-v WARNING` quiets them there too."""
    global _json_mode
    _json_mode = True
    # Ape's ClickHandler echoes a record with `echo_kwargs[record.levelname.lower()]`; every handler
    # it makes (it makes new ones when it re-formats its logger) shares this very dict.
    targets: list[Any] = [ape_logging.CLICK_ECHO_KWARGS]
    targets += [getattr(h, "echo_kwargs", None) for h in logger._logger.handlers]
    for kwargs in targets:
        if isinstance(kwargs, dict):
            for level in LogLevel:
                kwargs[level.name.lower()] = {"err": True}


def _json_callback(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        quiet_ape_for_json()
    return value


def json_arg(
    help: str = "Print JSON, and only JSON, on stdout (log lines go to stderr).",
) -> Callable[[F], F]:
    # Eager: parsed, and Ape quieted, before the command connects to the network.
    return click.option("--json", "as_json", is_flag=True, is_eager=True, callback=_json_callback, help=help)


def out(*objects: Any) -> None:
    """Prints for people: stdout normally, stderr with --json."""
    from vyndex.cli.console import console, errors

    (errors if _json_mode else console).print(*objects)


def emit_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, indent=2, default=str))


# ---------------------------------------------------------------------------------------------
# Live networks: ask before sending
# ---------------------------------------------------------------------------------------------


def yes_arg() -> Callable[[F], F]:
    return click.option(
        "-y", "--yes", is_flag=True, help="Send without asking (live networks ask before sending)."
    )


def confirm_send(what: str, yes: bool) -> None:
    """On a live network (not local, not a fork), asks before anything is sent; `yes` skips it.
    Without a terminal to ask on, refuses: pass --yes."""
    if yes or is_dev_chain():
        return
    network = chain.provider.network
    where = f"{network.ecosystem.name}:{network.name} (chain {chain.provider.chain_id})"
    if not sys.stdin.isatty():
        raise ToolError(f"nothing sent: {what} on {where} needs confirmation; pass --yes to send")
    if not click.confirm(f"{what} on {where}: send?", default=False, err=True):
        raise ToolError("nothing sent: not confirmed")


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
