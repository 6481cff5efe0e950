"""Redeem index tokens by amount: `vyndex redeem 10 [--slippage 0.5%] --network ... --account ...`."""

import click
from ape.cli import ConnectedProviderCommand

from vyndex.actions import describe_amounts, execute, fmt_units, moved_amounts, plan_redeem
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
from vyndex.cli.console import render_plan
from vyndex.cli.zap import run_zap_redeem
from vyndex.index import connected_books, open_index
from vyndex.params import ADDRESS, AMOUNT, SLIPPAGE


@click.command(
    cls=ConnectedProviderCommand,
    short_help="Redeem index tokens for every component",
    help="""Redeem AMOUNT index tokens for every component of the basket, in kind.

    AMOUNT is in whole index tokens (10, 0.5), not base units. Shows what each component pays
    (the exact preview) and the least the slippage accepts, checks the index-token balance, then
    redeems. A short balance is an error and nothing is sent. Redeeming is never paused. Live
    networks ask first (-y skips that).

    \b
    Example:
      vyndex redeem 10 --slippage 0.5% --network ethereum:mainnet-fork:foundry --account TEST::1
    """,
)
@click.argument("shares", metavar="AMOUNT", type=AMOUNT)
@index_arg()
@click.option(
    "--slippage",
    default="0.5%",
    show_default=True,
    type=SLIPPAGE,
    help="How much less than the preview to accept: '0.5%', '50bps' or 0.005 (at most 10%).",
)
@click.option("--receiver", default=None, type=ADDRESS, help="Who gets the components (default: the sender).")
@click.option(
    "--receive", default=None, help="Receive one token through the zap: ETH, WETH, a component or an address."
)
@click.option(
    "--max", "max_pct", default="0.5%", type=SLIPPAGE, help="Zap: how far below the quote to allow."
)
@click.option("--zap", "zap_address", default=None, type=ADDRESS, help="The zap (default: the book's 'zap').")
@click.option("--dry-run", is_flag=True, help="Show the preview and checks, send nothing.")
@account_arg()
@yes_arg()
@json_arg()
@friendly_errors
def cli(
    shares,
    index_symbol,
    slippage,
    receiver,
    receive,
    max_pct,
    zap_address,
    dry_run,
    account_name,
    yes,
    as_json,
):
    sender = resolve_account(account_name)
    books = connected_books()
    handle = open_index(books, index_symbol)
    if receive:
        run_zap_redeem(books, handle, sender, shares, receive, max_pct, zap_address, receiver, dry_run, yes)
        return
    plan = plan_redeem(handle, sender.address, shares, slippage)
    out(render_plan(plan, handle.symbol))
    problems = plan.problems()
    if problems:
        raise ToolError("nothing sent: " + "; ".join(problems))
    if dry_run:
        out("dry run: nothing sent")
        if as_json:
            emit_json(
                {
                    "action": "redeem",
                    "symbol": handle.symbol,
                    "shares": shares,
                    "sent": False,
                    "amounts": [leg.amount for leg in plan.legs],
                    "bounds": plan.bounds,
                }
            )
        return
    confirm_send(f"redeem {fmt_units(shares, 18)} {handle.symbol} as {sender.address}", yes)
    receipt = execute(handle, plan, sender, receiver=receiver, echo=out)
    paid = moved_amounts(handle, receipt, "redeem")
    if as_json:
        emit_json(
            {
                "action": "redeem",
                "symbol": handle.symbol,
                "shares": shares,
                "sent": True,
                "receiver": receiver or str(sender.address),
                "amounts": paid,
                "tokens": handle.symbols,
                "tx": str(receipt.txn_hash),
            }
        )
        return
    parts = describe_amounts(paid, handle.decimals, handle.symbols)
    out(f"redeemed {fmt_units(shares, 18)} {handle.symbol} for {parts} (tx {receipt.txn_hash})")
