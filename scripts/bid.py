"""Bid in an index's Dutch auction: `vyndex bid [--index SYMBOL] [--send] [--watch SECONDS] --network ...`."""

import time

import click
from ape import chain
from ape.cli import ConnectedProviderCommand

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
from vyndex.index import connected_books, open_index
from vyndex.keeper.bidder import bid_best, describe, open_auction, pool_market, scan
from vyndex.params import ADDRESS


@click.command(
    cls=ConnectedProviderCommand,
    short_help="List an open auction's legs; fill the best profitable one",
    help="""List every leg an index's open Dutch auction would fill for you now, and fill one.

    For each leg: what you would receive and pay (the auction's price, as a share of the
    oracle-fair price), the fair value and the most a pool would pay for what you receive (every
    route of the index's Uniswap V2 and V3 venues, and the book's V2 pair), the bid's gas at the
    current gas price, and the profit after gas, all in the paying token. Every figure comes from
    an eth_call of the bid from your account. With --send the most profitable leg is filled (you
    must hold and have approved the paying token); with --watch the list is refreshed every
    SECONDS until interrupted. The auction is the rebalancer's `auction` unless --auction names
    one. Live networks ask before sending (-y skips that).

    \b
    Example:
      vyndex bid --network ethereum:mainnet-fork:foundry --account TEST::2
      vyndex bid --send --watch 12 --network ethereum:mainnet-fork:foundry --account TEST::2
    """,
)
@index_arg()
@click.option(
    "--auction",
    "auction_address",
    default=None,
    type=ADDRESS,
    help="The DutchAuction (default: the rebalancer's).",
)
@click.option(
    "--send", "send_bid", is_flag=True, help="Fill the most profitable leg (none if none is profitable)."
)
@click.option(
    "--watch", default=None, type=click.IntRange(min=1), metavar="SECONDS", help="Repeat every SECONDS."
)
@account_arg()
@yes_arg()
@json_arg()
@friendly_errors
def cli(index_symbol, auction_address, send_bid, watch, account_name, yes, as_json):
    books = connected_books()
    handle = open_index(books, index_symbol)
    account = resolve_account(account_name, role="bidder")
    auction = open_auction(handle.rebalancer, auction_address)
    uni = pool_market(books.lookup)
    decimals = list(handle.decimals)
    while True:
        opportunities = scan(
            auction,
            handle.rebalancer,
            uni,
            list(handle.tokens),
            account,
            gas_price=int(chain.provider.gas_price),
        )
        receipt = None
        if send_bid and opportunities and opportunities[0].profitable:
            confirm_send(f"bid {describe(opportunities[0], handle.symbols, decimals)}", yes)
            receipt = bid_best(auction, opportunities, account)
        if as_json:
            emit_json(
                {
                    "auction": str(auction.address),
                    "open": bool(auction.is_open()),
                    "legs": [as_json(o, handle.symbols, decimals) for o in opportunities],
                    "sent": str(receipt.txn_hash) if receipt is not None else None,
                }
            )
        else:
            if not auction.is_open():
                out(f"{handle.symbol}: the auction at {auction.address} is not open")
            elif not opportunities:
                out(f"{handle.symbol}: no leg would fill for {account.address} now")
            for o in opportunities:
                out(("* " if o.profitable else "  ") + describe(o, handle.symbols, decimals))
            if receipt is not None:
                out(f"sent: {receipt.txn_hash}")
            elif send_bid:
                out("nothing sent: no leg is profitable after gas")
        if watch is None:
            return
        time.sleep(watch)
