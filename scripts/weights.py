"""Compute target weights with a method and (optionally) propose them:
`ape run weights METHOD [--inputs FILE] [--cap 40%] [--floor 2%] [--propose] --network ...`.

METHOD is equal, market_cap, liquidity or inverse_volatility. The inputs file maps each
component's symbol to its market cap, pool depth in USD, or volatility (a number, or a list of
prices to take the volatility of). Without --propose nothing is sent; with it, the manager
account calls Rebalancer.set_targets, after every check passed.
"""

import click
from ape.cli import ConnectedProviderCommand
from rich.table import Table

from vyndex.cli import ToolError, account_arg, friendly_errors, index_arg, resolve_account
from vyndex.console import console
from vyndex.index import connected_books, open_index
from vyndex.propose import ProposalError, compute, load_inputs, parse_fraction


@click.command(cls=ConnectedProviderCommand, short_help="Compute (and propose) target weights")
@click.argument("method")
@click.option("--inputs", "inputs_path", default=None, type=click.Path(dir_okay=False), help="Inputs file.")
@click.option("--cap", default=None, help="Largest weight of one component, e.g. 40%.")
@click.option("--floor", default=None, help="Smallest weight of one component, e.g. 2%.")
@click.option("--propose", is_flag=True, help="Send Rebalancer.set_targets as the manager.")
@index_arg()
@account_arg()
@friendly_errors
def cli(method, inputs_path, cap, floor, propose, index_symbol, account_name):
    handle = open_index(connected_books(), index_symbol)
    try:
        inputs = load_inputs(inputs_path) if inputs_path else {}
        if method != "equal" and not inputs_path:
            raise ProposalError(f"{method} needs --inputs FILE")
        proposal = compute(
            method, handle.symbols, inputs, parse_fraction(cap, "--cap"), parse_fraction(floor, "--floor")
        )
    except ProposalError as exc:
        raise ToolError(f"nothing sent: {exc}") from None
    current = [int(w) for w in handle.rebalancer.target_weights()]
    table = Table(title=f"{handle.symbol} target weights ({method})")
    for column in ("component", "current", "proposed"):
        table.add_column(column, justify="left" if column == "component" else "right")
    for symbol, now, new in proposal.rows(current):
        table.add_row(symbol, f"{now / 100:.2f}%", f"{new / 100:.2f}%")
    console.print(table)
    if not propose:
        click.echo("not sent (add --propose to send them as the manager)")
        return
    manager = resolve_account(account_name, "manager")
    if manager.address != handle.vault.manager():
        raise ToolError(f"nothing sent: {manager.address} is not the manager ({handle.vault.manager()})")
    handle.rebalancer.set_targets(list(proposal.weights_bps), sender=manager)
    listed = ", ".join(f"{s} {w / 100:.2f}%" for s, _, w in proposal.rows())
    click.echo(f"proposed to the rebalancer: {listed}")
