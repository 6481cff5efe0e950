"""An index's health: `vyndex status [--index SYMBOL] [--json] --network ...`."""

import json
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand

from vyndex.cli.common import emit_json, friendly_errors, index_arg, json_arg, out
from vyndex.cli.console import render_status
from vyndex.index import connected_books, open_index
from vyndex.status import as_json as status_json
from vyndex.status import collect


@click.command(
    cls=ConnectedProviderCommand,
    short_help="Show an index's NAV, weights, feeds, fees",
    help="""Show an index's health; sends nothing.

    NAV and NAV per share, each component's weight against its target, each feed's health (age
    against its staleness limit, deviation from the secondary), accrued fees, the last
    rebalance and the upkeep due now.

    \b
    Example:
      vyndex status --network ethereum:mainnet-fork:foundry
      vyndex status --json --network ethereum:mainnet-fork:foundry | jq .rebalance.drift_bps
    """,
)
@index_arg()
@json_arg()
@click.option(
    "--output", default=None, type=click.Path(dir_okay=False), help="Also write the JSON to this file."
)
@friendly_errors
def cli(index_symbol, as_json, output):
    handle = open_index(connected_books(), index_symbol)
    status = collect(handle)
    if output:
        Path(output).write_text(json.dumps(status_json(status), indent=2) + "\n")
    if as_json:
        emit_json(status_json(status))
    else:
        out(render_status(status))
