"""Mint index tokens by amount: `ape run mint 10 [--slippage 0.5%] --network ... --account ...`.

Shows what each component costs (the exact preview) and the bound the slippage allows, checks
balances, approves exactly the bound of each component that needs it, then mints. A short
balance (or, with --no-approve, a short allowance) is an error and nothing is sent.
"""

import click
from ape.cli import ConnectedProviderCommand

from vyndex.actions import (
    describe_amounts,
    execute,
    fmt_units,
    moved_amounts,
    parse_amount,
    parse_slippage,
    plan_mint,
)
from vyndex.cli import ToolError, account_arg, friendly_errors, index_arg, resolve_account
from vyndex.console import console, render_plan
from vyndex.index import connected_books, open_index


@click.command(cls=ConnectedProviderCommand, short_help="Mint index tokens, paying every component")
@click.argument("amount")
@index_arg()
@click.option(
    "--slippage", default="0.5%", show_default=True, help="How much more than the preview to allow."
)
@click.option("--receiver", default=None, help="Who gets the index tokens (default: the sender).")
@click.option("--no-approve", is_flag=True, help="Never send approvals; fail if an allowance is short.")
@click.option("--dry-run", is_flag=True, help="Show the preview and checks, send nothing.")
@account_arg()
@friendly_errors
def cli(amount, index_symbol, slippage, receiver, no_approve, dry_run, account_name):
    shares = parse_amount(amount)
    slippage_bps = parse_slippage(slippage)
    sender = resolve_account(account_name)
    handle = open_index(connected_books(), index_symbol)
    plan = plan_mint(handle, sender.address, shares, slippage_bps)
    console.print(render_plan(plan, handle.symbol))
    problems = plan.problems(approve=not no_approve)
    if problems:
        raise ToolError("nothing sent: " + "; ".join(problems))
    if dry_run:
        console.print("dry run: nothing sent")
        return
    receipt = execute(handle, plan, sender, receiver=receiver, approve=not no_approve, echo=console.print)
    paid = moved_amounts(handle, receipt, "mint")
    parts = describe_amounts(paid, handle.decimals, handle.symbols)
    console.print(f"minted {fmt_units(shares, 18)} {handle.symbol} for {parts} (tx {receipt.txn_hash})")
