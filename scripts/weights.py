"""Compute target weights with a method and (optionally) propose them:
`vyndex weights METHOD [--inputs FILE] [--cap 40%] [--floor 2%] [--propose] --network ...`."""

import click
from ape.cli import ConnectedProviderCommand
from rich.table import Table

from vyndex.cli.common import (
    ToolError,
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
from vyndex.index import connected_books, open_index
from vyndex.params import METHOD, PercentageType
from vyndex.propose import ProposalError, compute, load_inputs


@click.command(
    cls=ConnectedProviderCommand,
    short_help="Compute (and propose) target weights",
    help="""Compute target weights with METHOD and, with --propose, send them as the manager.

    METHOD is equal, market_cap, liquidity or inverse_volatility. The inputs file (YAML or JSON)
    maps each component's symbol to its market cap, pool depth in USD, or volatility (a number,
    or a list of prices to take the volatility of). Caps and floors are applied iteratively and
    the result is checked as Rebalancer.set_targets would. Without --propose nothing is sent.

    \b
    Example:
      vyndex weights market_cap --inputs caps.yaml --cap 40% --network ethereum:mainnet-fork:foundry
      vyndex weights equal --propose --account manager --network ethereum:sepolia:node
    """,
)
@click.argument("method", type=METHOD)
@click.option("--inputs", "inputs_path", default=None, type=click.Path(dir_okay=False), help="Inputs file.")
@click.option(
    "--cap",
    default=None,
    type=PercentageType(),
    help="Largest weight of one component: '40%', '4000bps' or 0.4.",
)
@click.option(
    "--floor", default=None, type=PercentageType(), help="Smallest weight of one component, e.g. 2%."
)
@click.option("--propose", is_flag=True, help="Send Rebalancer.set_targets as the manager.")
@index_arg()
@account_arg()
@yes_arg()
@json_arg()
@friendly_errors
def cli(method, inputs_path, cap, floor, propose, index_symbol, account_name, yes, as_json):
    handle = open_index(connected_books(), index_symbol)
    try:
        inputs = load_inputs(inputs_path) if inputs_path else {}
        if method != "equal" and not inputs_path:
            raise ProposalError(f"{method} needs --inputs FILE")
        proposal = compute(method, handle.symbols, inputs, cap, floor)
    except ProposalError as exc:
        raise ToolError(f"nothing sent: {exc}") from None
    current = [int(w) for w in handle.rebalancer.target_weights()]
    table = Table(title=f"{handle.symbol} target weights ({method})")
    for column in ("component", "current", "proposed"):
        table.add_column(column, justify="left" if column == "component" else "right")
    for symbol, now, new in proposal.rows(current):
        table.add_row(symbol, f"{now / 100:.2f}%", f"{new / 100:.2f}%")
    out(table)
    result = {
        "symbol": handle.symbol,
        "method": method,
        "components": list(handle.symbols),
        "current_bps": current,
        "proposed_bps": list(proposal.weights_bps),
        "sent": False,
    }
    if not propose:
        out("not sent (add --propose to send them as the manager)")
        if as_json:
            emit_json(result)
        return
    manager = resolve_account(account_name, "manager")
    if manager.address != handle.vault.manager():
        raise ToolError(f"nothing sent: {manager.address} is not the manager ({handle.vault.manager()})")
    confirm_send(f"set {handle.symbol}'s target weights as {manager.address}", yes)
    receipt = handle.rebalancer.set_targets(list(proposal.weights_bps), sender=manager)
    listed = ", ".join(f"{s} {w / 100:.2f}%" for s, _, w in proposal.rows())
    out(f"proposed to the rebalancer: {listed}")
    if as_json:
        emit_json({**result, "sent": True, "tx": str(receipt.txn_hash)})
