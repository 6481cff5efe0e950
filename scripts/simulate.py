"""Live an index through a seeded market scenario: `ape run simulate [--days N] [--seed S] ...`.

Local or fork networks only (it moves the clock and mints the devnet's tokens). Builds the devnet
market, deploys an index, then day by day moves prices (feeds and pools), reviews the targets,
runs the keeper and arbitrages the index token's own pool (see vyndex.sim.simulation). Prints the
tracking error, rebalancing cost, gas, trades and drift; writes a CSV, a JSON summary, a
markdown table and PNG charts to --out (default bench/results/simulation).
"""

import json
from fractions import Fraction
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand
from ape.logging import LogLevel, logger
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from vyndex.cli.common import ToolError, friendly_errors, is_dev_chain, json_arg
from vyndex.cli.console import console
from vyndex.params import METHOD, PercentageType
from vyndex.sim.simulation import (
    SimConfig,
    Simulation,
    SimulationError,
    build_config,
    temporary_books,
    write_outputs,
)

DEFAULT_OUT = Path("bench/results/simulation")
# Where --venue v3 writes by default, so a V2 and a V3 run sit side by side (BENCHMARKS.md).
DEFAULT_OUT_V3 = Path("bench/results/simulation_v3")
# ... and --execution auction or hybrid (on V2), beside the AMM run.
DEFAULT_OUT_EXECUTION = {
    "auction": Path("bench/results/simulation_auction"),
    "hybrid": Path("bench/results/simulation_hybrid"),
}


def default_out(config: SimConfig) -> Path:
    """Where a run writes without --out: by venue and execution, and a folder of its own for every
    setting off the standard scenario's (SimConfig's defaults), never over the standard results."""
    out = DEFAULT_OUT_EXECUTION.get(config.execution) or (
        DEFAULT_OUT_V3 if config.venue == "v3" else DEFAULT_OUT
    )
    name = out.name
    if config.drift_threshold_bps != SimConfig.drift_threshold_bps:
        name += f"_{config.drift_threshold_bps}bps"
    if config.bidder_margin_bps != SimConfig.bidder_margin_bps:
        name += f"_margin{config.bidder_margin_bps}bps"
    if config.bidder_presence != SimConfig.bidder_presence:
        name += f"_presence{round(config.bidder_presence * 100)}pct"
    if config.trade_cap_usd != SimConfig.trade_cap_usd:
        name += f"_cap{config.trade_cap_usd}"
    return out.with_name(name)


@click.command(
    cls=ConnectedProviderCommand,
    short_help="Simulate an index through a market scenario",
    help="""Live an index through a seeded market scenario, one step a day (local or fork only).

    Deploys the devnet market and an index on the connected local chain, then every day moves
    prices, reviews targets every --review-days with --method, runs the keeper and the
    secondary-market arbitrage; prints tracking error, cost and gas, and writes CSV, JSON,
    Markdown and charts to --out. The same seed gives the same run.

    \b
    Example:
      vyndex simulate --days 60 --method inverse_volatility --cap 35% --network ethereum:local:foundry
      vyndex simulate --venue v3 --network ethereum:local:foundry
      vyndex simulate --execution auction --network ethereum:local:foundry
    """,
)
@click.option("--days", default=120, show_default=True, help="Days to simulate (one step a day).")
@click.option("--seed", default=7, show_default=True, help="Seed of the price paths and the noise.")
@click.option("--method", default="market_cap", show_default=True, type=METHOD, help="Weighting method.")
@click.option(
    "--cap",
    default="40%",
    show_default=True,
    type=PercentageType(none_word="none"),
    help="Largest weight of one component: '40%', '4000bps' or 0.4 ('none': no cap).",
)
@click.option(
    "--floor",
    default="2%",
    show_default=True,
    type=PercentageType(none_word="none"),
    help="Smallest weight of one component ('none': no floor).",
)
@click.option("--review-days", default=30, show_default=True, help="Days between target reviews (0: never).")
@click.option(
    "--venue",
    default="v2",
    show_default=True,
    type=click.Choice(["v2", "v3"]),
    help="Where the rebalancer trades: Uniswap V2 pairs, or only 0.3% Uniswap V3 pools of the same depth.",
)
@click.option(
    "--execution",
    default="amm",
    show_default=True,
    type=click.Choice(["amm", "auction", "hybrid"]),
    help="How legs execute: AMM keeper trades, a Dutch auction bidders fill, or the auction first and "
    "the AMMs after it (the bidder model: bench/README.md).",
)
@click.option(
    "--threshold",
    "threshold_bps",
    default="100bps",
    show_default=True,
    type=PercentageType(low=Fraction(1, 10_000), bps=True),
    help="Drift that starts a rebalance (a plan or an auction): '1%', '50bps' or 0.005.",
)
@click.option(
    "--bidder-margin",
    "bidder_margin_bps",
    default="30bps",
    show_default=True,
    type=PercentageType(high=Fraction(SimConfig.max_slippage_bps, 10_000), bps=True),
    help="How far under the oracle-fair price the simulated bidder fills (its cost of carrying and "
    "re-hedging what it takes): '10bps', '0.2%'. Auction and hybrid runs only.",
)
@click.option(
    "--bidder-presence",
    default="100%",
    show_default=True,
    type=PercentageType(),
    help="How often the simulated bidder is there: at each auction it bids with this probability "
    "(seeded), else the auction ends unbid and, in hybrid, the AMMs trade what is left: '50%'.",
)
@click.option(
    "--trade-cap",
    "trade_cap_usd",
    default=50_000,
    show_default=True,
    type=int,
    help="Largest trade or auction fill, in USD (the rebalancer's trade cap): an AMM trade's price "
    "impact grows with it; a fill is priced by the auction's curve whatever its size.",
)
@click.option(
    "--out",
    default=None,
    type=click.Path(file_okay=False),
    help=f"Output folder [default: {DEFAULT_OUT}; {DEFAULT_OUT_V3} with --venue v3, "
    f"{DEFAULT_OUT_EXECUTION['auction']} with --execution auction, and so on; a --threshold other "
    "than 100bps adds _<N>bps, a --bidder-margin other than 30bps _margin<N>bps, a --bidder-presence "
    "other than 100% _presence<N>pct, a --trade-cap other than 50000 _cap<N>]",
)
@click.option("--no-charts", is_flag=True, help="Skip the PNG charts.")
@json_arg("Print the summary as JSON, and only JSON, on stdout (no table, no progress).")
@friendly_errors
def cli(out, no_charts, as_json, **options):
    # Thousands of transactions: Ape's "Confirmed ..." line for each would bury the progress bar.
    if logger.level < LogLevel.WARNING:
        logger.set_level(LogLevel.WARNING)
    if not is_dev_chain():
        raise ToolError("the simulation moves the clock and mints tokens: local or fork networks only")
    try:
        config = build_config(**options)
    except SimulationError as exc:
        raise ToolError(f"nothing run: {exc}") from None
    sim = Simulation(config)

    with temporary_books() as books:
        try:
            if as_json:
                result = sim.run(books)
            else:
                columns = (
                    TextColumn("[bold]simulating"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("days"),
                    TimeRemainingColumn(),
                    TextColumn("{task.fields[status]}"),
                )
                with Progress(*columns, console=console) as progress:
                    task = progress.add_task("days", total=config.scenario.days, status="deploying")

                    def tick(day, record):
                        status = f"NAV ${record.nav:,.2f}  ideal ${record.ideal:,.2f}  trades {record.trades}"
                        progress.update(task, advance=1, status=status)

                    result = sim.run(books, progress=tick)
        except SimulationError as exc:
            raise ToolError(str(exc)) from None

    if out is None:
        out = default_out(config)
    written = write_outputs(result, Path(out), charts=not no_charts, link_root=Path("."))
    summary = result.summary()
    if as_json:
        click.echo(json.dumps(summary))
        return
    scenario = config.scenario
    table = Table(
        title=f"vyndex simulation: {scenario.name} scenario, seed {scenario.seed}, {scenario.days} days"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        table.add_row(key.replace("_", " "), f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
    for name, path in written.items():
        console.print(f"wrote {name}: {path}")
