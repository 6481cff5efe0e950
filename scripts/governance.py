"""Governance delays: `vyndex governance pending|queue|apply|cancel [--index SYMBOL] --network ...`."""

import click
from ape import chain
from ape.cli import ConnectedProviderCommand

from vyndex import governance as gov
from vyndex.cli.common import (
    account_arg,
    confirm_send,
    emit_json,
    friendly_errors,
    index_arg,
    json_arg,
    out,
    resolve_account,
    yes_arg,
)
from vyndex.cli.console import render_pending
from vyndex.index import connected_books, open_index


@click.group(
    short_help="Queue, apply, cancel and list delayed owner changes",
    help="""Changes that could lower what holders get (a new rebalancer, venue, oracle or feed, a looser
    limit, a higher fee, a shorter delay, ...) wait out the index's governance delay: the first call
    of such a setter queues it, the same call after its eta applies it, and the guardian (or the
    owner) can cancel it meanwhile. Redemption stays open the whole time. Changes that only tighten
    apply at once.

    \b
    Example:
      vyndex governance pending --network ethereum:mainnet-fork:foundry
      vyndex governance queue rebalancer set_limits 300 50000e18 100e18 300 --account owner ...
      vyndex governance apply 0x1a2b3c --account owner --network ...
      vyndex governance cancel 0x1a2b3c --account guardian --network ...
    """,
)
def cli():
    pass


@cli.command(
    cls=ConnectedProviderCommand,
    short_help="List queued changes with their eta",
    help="""List every change queued on the index's vault, rebalancer and oracle adapter that is not yet
    applied or cancelled: the setter and its exact arguments, its eta, and whether it is waiting,
    due (apply it now) or expired (14 days past its eta: queue it again). Sends nothing.

    \b
    Example:
      vyndex governance pending --json --network ethereum:mainnet-fork:foundry
    """,
)
@index_arg()
@json_arg()
@friendly_errors
def pending(index_symbol, as_json):
    handle = open_index(connected_books(), index_symbol)
    changes = gov.pending(handle)
    now = int(chain.blocks.head.timestamp)
    if as_json:
        emit_json({"symbol": handle.symbol, "now": now, "pending": [c.as_json(now) for c in changes]})
        return
    out(render_pending(handle.symbol, changes, now))


@cli.command(
    cls=ConnectedProviderCommand,
    short_help="Call a setter (queued if it loosens)",
    help="""Call TARGET's setter METHOD with ARGS: a change that loosens is queued (the id and eta are
    printed), one that only tightens applies at once. TARGET is vault, rebalancer or oracle.
    Arguments follow the setter's ABI: a component's symbol (or vault/rebalancer/oracle) for an
    address, true/false, integers (0x... too), comma-separated lists for arrays. The call is tried
    by eth_call first: a refusal is named and nothing is sent.

    \b
    Example:
      vyndex governance queue vault set_mint_fee 25 --account manager --network ...
      vyndex governance queue oracle set_bounds WBTC 1000000000000 0 --account owner --network ...
    """,
)
@click.argument("target", type=click.Choice(gov.TARGETS))
@click.argument("method")
@click.argument("args", nargs=-1)
@index_arg()
@account_arg()
@yes_arg()
@json_arg()
@friendly_errors
def queue(target, method, args, index_symbol, account_name, yes, as_json):
    handle = open_index(connected_books(), index_symbol)
    values = gov.parse_args(handle, target, method, list(args))
    sender = resolve_account(account_name, role="owner or manager")
    confirm_send(f"{target}.{method}({', '.join(map(str, values))})", yes)
    _report(gov.queue(handle, target, method, values, sender), as_json)


def _on_a_queued_change(fn):
    """The arguments of apply and cancel: a change id, then the usual index/account/-y/--json."""
    for decorate in (
        friendly_errors,
        json_arg(),
        yes_arg(),
        account_arg(),
        index_arg(),
        click.argument("change_id"),
    ):
        fn = decorate(fn)
    return fn


@cli.command(
    cls=ConnectedProviderCommand,
    short_help="Apply a queued change once due",
    help="""Send a queued change again, exactly as it was queued, once its eta has passed. CHANGE_ID is
    the id `pending` lists (its first 6 or more hex digits will do).

    \b
    Example:
      vyndex governance apply 0x1a2b3c --account owner --network ethereum:mainnet-fork:foundry
    """,
)
@_on_a_queued_change
def apply(change_id, index_symbol, account_name, yes, as_json):
    _act(gov.apply, "apply", "owner or manager", change_id, index_symbol, account_name, yes, as_json)


@cli.command(
    cls=ConnectedProviderCommand,
    short_help="Cancel a queued change (guardian or owner)",
    help="""Drop a queued change before it applies. Only the guardian or the owner may.

    \b
    Example:
      vyndex governance cancel 0x1a2b3c --account guardian --network ethereum:mainnet-fork:foundry
    """,
)
@_on_a_queued_change
def cancel(change_id, index_symbol, account_name, yes, as_json):
    _act(gov.cancel, "cancel", "guardian", change_id, index_symbol, account_name, yes, as_json)


def _act(action, verb, role, change_id, index_symbol, account_name, yes, as_json) -> None:
    handle = open_index(connected_books(), index_symbol)
    change = gov.find(handle, change_id)
    sender = resolve_account(account_name, role=role)
    confirm_send(f"{verb} {change.signature()}", yes)
    _report(action(handle, change.id, sender), as_json)


def _report(result: gov.GovernanceResult, as_json: bool) -> None:
    if as_json:
        emit_json(result.as_json())
        return
    if result.action == "queued":
        out(f"queued {result.target}.{result.method}: id {result.id}, eta {result.eta}")
    else:
        out(f"{result.action} {result.target}.{result.method} ({result.id[:10]})")
