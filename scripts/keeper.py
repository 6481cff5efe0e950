"""Keep an index rebalanced: `ape run keeper --network ... [--once]`.

Each step reads the rebalancer's `checkUpkeep` and the feeds, and performs the upkeep when due
(see vyndex.keeper.loop for what it does about reverts, RPC drops, stale prices and rival keepers).

  --once             one step, for cron; state (backoff, attempts) persists in --state-file;
                     exit 0 when idle, waiting or performed, 2 when the step failed
  --until-balanced   loop until the drift is within the threshold (exit 0), or --max-steps (exit 2)
  --fast-forward     local/fork only: skip cooldowns by moving the chain clock (demos, tests)
"""

import json
import time
from pathlib import Path

import click
from ape import chain
from ape.cli import ConnectedProviderCommand
from rich.markup import escape

from vyndex.cli.common import (
    ToolError,
    account_arg,
    confirm_send,
    friendly_errors,
    index_arg,
    is_dev_chain,
    json_arg,
    out,
    resolve_account,
    yes_arg,
)
from vyndex.governance import PendingWatcher
from vyndex.index import connected_books, open_index
from vyndex.keeper.chain import ApeKeeperChain
from vyndex.keeper.chain import fast_forward as warp
from vyndex.keeper.loop import Keeper, KeeperConfig, Outcome
from vyndex.keeper.state import default_path, load_state, save_state

FAILED = {Outcome.REVERTED, Outcome.RPC_DOWN, Outcome.ERROR}


@click.command(
    cls=ConnectedProviderCommand,
    short_help="Perform rebalance upkeep when due",
    help="""Keep an index rebalanced: read checkUpkeep each step and perform the upkeep when due.

    Reverts are retried with exponential backoff at most three times, RPC drops and node
    restarts are waited out, a stale feed is named (see vyndex.keeper.loop).

    \b
      --once            one step, for cron: exit 0 when idle, waiting or performed, 2 when the
                        step failed; its memory persists in --state-file, keyed by network
      --until-balanced  loop until the drift is within the threshold (exit 0) or --max-steps (2)
      --fast-forward    local/fork only: skip cooldowns by moving the chain clock

    On a live network it asks once before it starts sending (-y skips that; cron needs -y).

    \b
    Example:
      vyndex keeper --until-balanced --fast-forward --network ethereum:mainnet-fork:foundry
      vyndex keeper --once -y --network ethereum:sepolia:node --account keeper
    """,
)
@index_arg()
@account_arg()
@click.option("--once", is_flag=True, help="One step, then exit (for cron).")
@click.option("--until-balanced", is_flag=True, help="Loop until the drift is within the threshold.")
@click.option("--interval", default=12.0, show_default=True, help="Seconds between steps.")
@click.option("--max-steps", default=0, help="Stop after this many steps (0: no limit).")
@click.option("--fast-forward", is_flag=True, help="Local/fork only: move the clock past cooldowns.")
@click.option(
    "--state-file", default=None, help="Where --once keeps its state (default .keeper-<index>.json)."
)
@yes_arg()
@json_arg("Print each step's metrics as one JSON line on stdout, and nothing else.")
@friendly_errors
def cli(
    index_symbol,
    account_name,
    once,
    until_balanced,
    interval,
    max_steps,
    fast_forward,
    state_file,
    yes,
    as_json,
):
    fast_forward_ = fast_forward
    if fast_forward_ and not is_dev_chain():
        raise ToolError("--fast-forward moves the chain clock: local or fork networks only")
    handle = open_index(connected_books(), index_symbol)
    account = resolve_account(account_name, "keeper", autosign=True)
    if not handle.rebalancer.keepers(account.address) and not handle.rebalancer.open_trading():
        raise ToolError(f"{account.address} is not a keeper of {handle.symbol} (rebalancer.set_keeper)")
    confirm_send(f"keep {handle.symbol} (perform upkeep when due) as {account.address}", yes)
    keeper = Keeper(ApeKeeperChain(handle, account), KeeperConfig(), clock=time.time)
    state_path = Path(state_file) if state_file else default_path(handle.symbol)
    net = chain.provider.network
    network_key = f"{net.ecosystem.name}:{net.name}"
    if once:
        keeper.state = load_state(state_path, network_key)

    governance = PendingWatcher(handle)
    steps = 0
    while True:
        result = keeper.step()
        steps += 1
        # Queued owner changes (governance delays): logged when queued, due, and gone.
        changes = governance.poll()
        if as_json:
            click.echo(json.dumps({"block": result.block, **result.metrics(), "governance": changes}))
        else:
            out(f"block {result.block}: {result.outcome}: {escape(result.message)}")
            for message in changes:
                out(f"    {escape(message)}")
            if result.performed:
                for t in result.performed.trades:
                    out(
                        f"    trade {t.sell} -> {t.buy}: ${t.value_in_usd / 1e18:,.2f} in, "
                        f"${t.value_out_usd / 1e18:,.2f} out, slippage {t.slippage_bps} bps"
                    )
        if once:
            save_state(state_path, network_key, keeper.state)
            raise SystemExit(2 if result.outcome in FAILED else 0)
        if until_balanced and result.balanced:
            out(f"balanced: drift {result.drift_bps} bps after {steps} steps")
            return
        if max_steps and steps >= max_steps:
            if until_balanced:
                raise ToolError(f"not balanced after {steps} steps (drift {result.drift_bps} bps)")
            return
        obs = result.observation
        if result.outcome is Outcome.PERFORMED:
            continue  # look again at once: the next trade may be ready
        if fast_forward_ and result.outcome is Outcome.WAIT_COOLDOWN and obs and obs.next_ready_at:
            warp(obs.next_ready_at - obs.timestamp + 1)
            continue
        time.sleep(interval)
