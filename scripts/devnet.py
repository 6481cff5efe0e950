"""The mainnet-shaped devnet: `ape run devnet start|stop|status|fork|price|refresh|warp|fund`.

`start` runs Anvil with chain id 1 on 127.0.0.1:8645 as its own process (it outlives this
command), deploys WETH9 + Uniswap V2 (npm artifacts), ERC-20 components, Chainlink-style feeds,
pools at the feed prices and an IndexFactory over them, and writes deployments/devnet.json. Then
`--network ethereum:mainnet-fork:foundry` forks it (ape-config: node.ethereum.mainnet.uri).

Each `ape run ... --network ethereum:mainnet-fork:foundry` starts its own throw-away fork. To
share one fork between commands (deploy, then mint, then keeper...), start a persistent one with
`ape run devnet fork` and export the APE_FOUNDRY_HOST it prints.
"""

from decimal import Decimal, InvalidOperation
from pathlib import Path

import click
from ape import accounts, chain, networks
from ape.cli import ConnectedProviderCommand

from vyndex import devnet as dn
from vyndex.actions import fmt_units, parse_amount
from vyndex.addressbook import AddressBook, devnet_book_path
from vyndex.cli.common import (
    ToolError,
    account_arg,
    friendly_errors,
    index_arg,
    is_dev_chain,
    resolve_account,
)
from vyndex.cli.console import console
from vyndex.factory import seed_of_spec
from vyndex.index import chain_identity, connected_books, open_index
from vyndex.keeper.chain import fast_forward
from vyndex.spec import load_spec

MARKET_MAKER = 11  # TEST::11 deploys the market and moves prices; TEST::0.. stay untouched


@click.group(short_help="Run the mainnet-shaped devnet and move its prices")
def cli():
    pass


@cli.command(short_help="Start the devnet node and deploy the market")
@click.option("--port", default=dn.DEVNET_PORT, show_default=True, type=int)
@click.option("--pool-usd", default="2000000", show_default=True, help="Liquidity per pool side, USD.")
@friendly_errors
def start(port, pool_usd):
    uri = f"http://127.0.0.1:{port}"
    book_path = devnet_book_path()
    if dn.node_alive(uri):
        chain_id, genesis = dn.node_identity(uri)
        book = AddressBook.load(book_path)
        if chain_id == dn.DEVNET_CHAIN_ID and book.matches(chain_id, genesis):
            console.print(f"devnet already running at {uri} (book {book_path})")
            return
        raise ToolError(f"{uri} is taken by another node (chain id {chain_id}): stop it or use --port")
    pid = dn.start_node("devnet", port)
    console.print(
        f"devnet: anvil pid {pid} at {uri}, chain id {dn.DEVNET_CHAIN_ID} (log {dn.STATE_DIR}/devnet.log)"
    )
    # Ape waits for 2 confirmations on mainnet; an automine devnet only mines on transactions.
    dn.no_confirmations(networks.ethereum.mainnet)
    try:
        with networks.ethereum.mainnet.use_provider("node", provider_settings={"uri": uri}):
            maker = accounts.test_accounts[MARKET_MAKER]
            market = dn.build_market(maker, pool_usd=Decimal(pool_usd), echo=console.print)
            dn.deploy_index_factory(market, maker, echo=console.print)
            dn.install_multicall3(echo=console.print)
            _, _, chain_id, genesis = chain_identity()
            dn.write_devnet_book(AddressBook.load(book_path), market, chain_id, genesis, uri)
    except BaseException:
        dn.stop_node("devnet")
        raise
    console.print(f"address book: {book_path}")
    console.print("fork it with: --network ethereum:mainnet-fork:foundry")


@cli.command(short_help="Stop the devnet and its persistent fork")
@click.option("--name", "names", multiple=True, help="Only these nodes (default: fork and devnet).")
def stop(names):
    for name in names or ("fork", "devnet"):
        if dn.stop_node(name):
            console.print(f"{name}: stopped")
        else:
            console.print(f"{name}: not running")


@cli.command(short_help="Is the devnet running, and does its book match it?")
@click.option("--port", default=dn.DEVNET_PORT, show_default=True, type=int)
def status(port):
    uri = f"http://127.0.0.1:{port}"
    if not dn.node_alive(uri):
        console.print(f"devnet: not running at {uri}")
        raise SystemExit(1)
    chain_id, genesis = dn.node_identity(uri)
    book = AddressBook.load(devnet_book_path())
    fresh = "matches" if book.matches(chain_id, genesis) else "does NOT match (restart: ape run devnet start)"
    console.print(f"devnet: running at {uri}, chain id {chain_id}, pid {dn.read_pid('devnet')}")
    console.print(f"book {devnet_book_path()} {fresh}; {len(book.contracts)} names")
    fork_pid = dn.read_pid("fork")
    if fork_pid:
        console.print(f"fork: running, pid {fork_pid}, {Path(dn.STATE_DIR / 'fork.uri').read_text().strip()}")


@cli.command(short_help="Start a persistent fork of the devnet, shared by later commands")
@click.option("--port", default=None, type=int, help="Default: a free port.")
@click.option("--name", default="fork", show_default=True, help="Its pid and log file names under .devnet/.")
def fork(port, name):
    if not dn.node_alive(dn.DEVNET_URI):
        raise ToolError("the devnet is not running: ape run devnet start")
    port = port or dn.free_port()
    pid = dn.start_node(name, port, fork_url=dn.DEVNET_URI)
    uri = f"http://127.0.0.1:{port}"
    (dn.STATE_DIR / f"{name}.uri").write_text(uri + "\n")
    console.print(f"fork: anvil pid {pid} at {uri}")
    click.echo(f"export APE_FOUNDRY_HOST={uri}")


def _market():
    if chain.provider.network.name == "mainnet":
        dn.no_confirmations(chain.provider.network)
    books = connected_books()
    return dn.attach_market(books.lookup)


def _parse_price(text: str, current: Decimal) -> Decimal:
    try:
        if text.endswith("%"):
            return current * (1 + Decimal(text[:-1]) / 100)
        return Decimal(text)
    except InvalidOperation:
        raise ToolError(f"'{text}' is neither a price (3300) nor a change (+10%)") from None


@cli.command(
    cls=ConnectedProviderCommand,
    short_help="Move a price (3300, +10%, -20%): feeds, then pools by arbitrage",
    context_settings={"ignore_unknown_options": True},
)
@click.argument("symbol")
@click.argument("price")
@friendly_errors
def price(symbol, price):
    if not is_dev_chain() and chain.provider.network.name != "mainnet":
        raise ToolError("prices move only on the devnet or a fork of it")
    market = _market()
    if symbol not in market.tokens:
        raise ToolError(f"unknown symbol {symbol} (devnet has {', '.join(market.tokens)})")
    before = market.price(symbol)
    target = _parse_price(price, before)
    dn.set_price(market, symbol, target, accounts.test_accounts[MARKET_MAKER])
    pools = "every pool re-priced" if symbol == "WETH" else f"pool ${market.pool_price(symbol):.4f}"
    console.print(f"{symbol}: ${before} -> ${market.price(symbol)} ({pools})")


@cli.command(cls=ConnectedProviderCommand, short_help="Republish every feed (fresh timestamps)")
@friendly_errors
def refresh():
    market = _market()
    dn.refresh_feeds(market, accounts.test_accounts[MARKET_MAKER])
    console.print(f"refreshed {len(market.feeds)} feeds at block {chain.blocks.head.number}")


@cli.command(cls=ConnectedProviderCommand, short_help="Move the chain clock forward (local/fork only)")
@click.argument("seconds", type=int)
@friendly_errors
def warp(seconds):
    if not is_dev_chain():
        raise ToolError("time travel works only on a local or fork network")
    ts = fast_forward(seconds)
    console.print(f"clock moved {seconds}s: block {chain.blocks.head.number} at {ts}")


@cli.command(
    cls=ConnectedProviderCommand,
    short_help="Give an account the components to mint N index tokens (or to seed a --spec)",
    help="""Give an account the components to mint N tokens of an index in the book (--index), or,
    with --spec FILE, the seed of N tokens for creating that spec through the factory (units at
    the feeds' current prices, the spec's `deployer` roles being the account), 1% over either.
    Ether is wrapped for WETH, the other devnet tokens are minted.

    \b
    Example:
      vyndex devnet fund 10 --spec examples/blue-chip.yaml --network ethereum:mainnet-fork:foundry
      vyndex create --spec examples/blue-chip.yaml --shares 10 --network ethereum:mainnet-fork:foundry
    """,
)
@click.argument("amount")
@index_arg()
@click.option("--spec", "spec_path", default=None, metavar="FILE", help="Fund the seed of this spec instead.")
@account_arg()
@friendly_errors
def fund(amount, index_symbol, spec_path, account_name):
    holder = resolve_account(account_name, "holder")
    shares = parse_amount(amount)
    books = connected_books()
    if spec_path is not None:
        if index_symbol is not None:
            raise ToolError("pass --index or --spec, not both")
        needs = seed_of_spec(load_spec(spec_path), holder.address, books, shares)
    else:
        handle = open_index(books, index_symbol)
        needs = list(zip(handle.tokens, handle.vault.preview_mint(shares), strict=True))
    market = _market()
    try:
        added = dn.top_up(market, holder, needs, slack_bps=100)  # 1% for the slippage bound
    except dn.DevnetError as exc:
        raise ToolError(str(exc)) from exc
    for symbol, units in added:
        console.print(f"{holder.address}: +{fmt_units(units, market.decimals[symbol])} {symbol}")
    if not added:
        console.print(f"{holder.address} already holds enough")
