"""An index's health: `ape run status [--index SYMBOL] [--json] --network ...`.

NAV, NAV per share, each component's weight against its target, each feed's health (age
against its staleness limit, deviation from the secondary), accrued fees, the last rebalance.
"""

import json
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand

from vyndex.cli import friendly_errors, index_arg
from vyndex.console import console, render_status
from vyndex.index import connected_books, open_index
from vyndex.status import as_json, collect


@click.command(cls=ConnectedProviderCommand, short_help="Show an index's NAV, weights, feeds, fees")
@index_arg()
@click.option(
    "--json", "as_json_", is_flag=True, help="Print JSON instead of tables (add -v ERROR for clean stdout)."
)
@click.option(
    "--output", default=None, type=click.Path(dir_okay=False), help="Also write the JSON to this file."
)
@friendly_errors
def cli(index_symbol, as_json_, output):
    handle = open_index(connected_books(), index_symbol)
    status = collect(handle)
    if output:
        Path(output).write_text(json.dumps(as_json(status), indent=2) + "\n")
    if as_json_:
        click.echo(json.dumps(as_json(status), indent=2))
    else:
        console.print(render_status(status))
