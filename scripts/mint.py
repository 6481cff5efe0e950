"""Mint index tokens by amount: `vyndex mint 10 [--slippage 0.5%] --network ... --account ...`."""

import click
from ape.cli import ConnectedProviderCommand

from vyndex.actions import describe_amounts, execute, fmt_units, moved_amounts, plan_mint
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
from vyndex.cli.zap import run_zap_mint
from vyndex.index import connected_books, open_index
from vyndex.params import ADDRESS, AMOUNT, SLIPPAGE


@click.command(
    cls=ConnectedProviderCommand,
    short_help="Mint index tokens, paying every component",
    help="""Mint AMOUNT index tokens, paying every component of the basket in kind.

    AMOUNT is in whole index tokens (10, 0.5), not base units. Shows what each component costs
    (the exact preview) and the bound the slippage allows, checks balances, approves exactly the
    bound of each component that needs it, then mints. A short balance (or, with --no-approve, a
    short allowance) is an error and nothing is sent. Live networks ask first (-y skips that).

    \b
    Example:
      vyndex mint 10 --slippage 0.5% --network ethereum:mainnet-fork:foundry --account TEST::1
    """,
)
@click.argument("shares", metavar="AMOUNT", type=AMOUNT, required=False)
@index_arg()
@click.option(
    "--slippage",
    default="0.5%",
    show_default=True,
    type=SLIPPAGE,
    help="How much more than the preview to allow: '0.5%', '50bps' or 0.005 (at most 10%).",
)
@click.option(
    "--receiver", default=None, type=ADDRESS, help="Who gets the index tokens (default: the sender)."
)
@click.option(
    "--pay-with",
    default=None,
    help="Pay with one token through the zap: ETH, WETH, a component or an address.",
)
@click.option("--spend", default=None, help="Spend exactly this through the zap, e.g. '1.5 ETH' (no AMOUNT).")
@click.option("--max", "max_pct", default="0.5%", type=SLIPPAGE, help="Zap: how far past the quote to allow.")
@click.option("--zap", "zap_address", default=None, type=ADDRESS, help="The zap (default: the book's 'zap').")
@click.option("--no-approve", is_flag=True, help="Never send approvals; fail if an allowance is short.")
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
    pay_with,
    spend,
    max_pct,
    zap_address,
    no_approve,
    dry_run,
    account_name,
    yes,
    as_json,
):
    sender = resolve_account(account_name)
    books = connected_books()
    handle = open_index(books, index_symbol)
    if pay_with or spend:
        run_zap_mint(
            books, handle, sender, shares, pay_with, spend, max_pct, zap_address, receiver, dry_run, yes
        )
        return
    if shares is None:
        raise ToolError("give AMOUNT (index tokens), or --spend '1.5 ETH'")
    plan = plan_mint(handle, sender.address, shares, slippage)
    out(render_plan(plan, handle.symbol))
    problems = plan.problems(approve=not no_approve)
    if problems:
        raise ToolError("nothing sent: " + "; ".join(problems))
    if dry_run:
        out("dry run: nothing sent")
        if as_json:
            emit_json(
                {
                    "action": "mint",
                    "symbol": handle.symbol,
                    "shares": shares,
                    "sent": False,
                    "amounts": [leg.amount for leg in plan.legs],
                    "bounds": plan.bounds,
                }
            )
        return
    confirm_send(f"mint {fmt_units(shares, 18)} {handle.symbol} as {sender.address}", yes)
    receipt = execute(handle, plan, sender, receiver=receiver, approve=not no_approve, echo=out)
    paid = moved_amounts(handle, receipt, "mint")
    if as_json:
        emit_json(
            {
                "action": "mint",
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
    out(f"minted {fmt_units(shares, 18)} {handle.symbol} for {parts} (tx {receipt.txn_hash})")
