"""The mainnet-shaped devnet: a market to build indexes on, locally, with real Uniswap V2.

`build_market` deploys, from one account: WETH9, UniswapV2Factory and UniswapV2Router02 (the
npm artifacts, see `vyndex.reference.uniswap_v2`), a MockERC20 per asset, a Chainlink feed per asset (8
decimals, named like Chainlink's: ``WETH/USD``; WETH also has a backup feed), and a pool per
asset against WETH holding `pool_usd` a side at the feed prices. `deploy_index_factory` adds an
`IndexFactory` over the market's Uniswap V2 (its book name `IndexFactory`), which is what `ape run
devnet start` does, so that the devnet and every fork of it create indexes through the factory;
`top_up` gives an account tokens of the market (the seed of an index to create, or a mint).

The feeds are Chainlink's own compiled contracts (`@chainlink/contracts@0.1.9`, see
`vyndex.reference.artifacts.chainlink`), wired as on mainnet: an `AccessControlledAggregator` (a
FluxAggregator: oracles submit rounds; payment 0, so it needs no LINK funding; the market's
deployer is its one oracle, one submission answers a round) behind an `EACAggregatorProxy`,
which is the address the book names and the oracle adapter reads; the aggregator lets the proxy
read it (`addAccess`). `feeds="mock"` deploys `contracts/mocks/MockAggregator.vy` instead, for
tests that inject faults no real feed produces. It works on any chain:
tests build it on `ethereum:local`; `ape run devnet start` builds it on an Anvil with chain id 1
that it starts as its own process, so that `ethereum:mainnet-fork:foundry` forks it.

`set_price` moves a price the way a market does: new feed rounds, then an arbitrageur swaps each
pool back to the feed ratio. `refresh_feeds` republishes every answer (a long-running devnet's
feeds go stale like real ones).

Process helpers (`start_node`, `stop_node`, `node_alive`) run Anvil detached, with a pid file,
so the node outlives the command that started it (DESIGN: ape-foundry's node dies with its
process).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from ape import chain, project
from ape.api import AccountAPI
from ape.contracts import ContractInstance
from ape.exceptions import ApeException
from ape_ethereum.multicall.constants import MULTICALL3_ADDRESS, MULTICALL3_CODE

from vyndex.addressbook import AddressBook
from vyndex.constants import BPS, MAX_UINT256, ZERO_ADDRESS
from vyndex.reference.artifacts import chainlink, chainlink_contract_type
from vyndex.reference.uniswap_v2 import (
    UniswapV2,
    address_of,
    attach_uniswap_v2,
    create_pair,
    deploy_uniswap_v2,
    get_amount_out,
    gross_of_fee,
)

FEED_DECIMALS = 8
FEED_TIMEOUT = 3_600  # seconds before an unanswered Flux round may be superseded
MAX_SUBMISSION = 2**255 - 1
DEVNET_PORT = 8645
DEVNET_URI = f"http://127.0.0.1:{DEVNET_PORT}"
DEVNET_CHAIN_ID = 1
# Ape's test mnemonic (ape-config `test.mnemonic`): TEST::0.. are funded on the devnet and its forks.
MNEMONIC = "test test test test test test test test test test test junk"
ACCOUNT_BALANCE_ETH = 1_000_000
STATE_DIR = Path(".devnet")
DEFAULT_BOOK_ROOT = Path("deployments")

Echo = Callable[[str], None]


class DevnetError(RuntimeError):
    """The devnet's market is not where the address book says (or not there at all)."""


@dataclass(frozen=True)
class Asset:
    symbol: str
    name: str
    decimals: int
    price_usd: Decimal
    backup_feed: bool = False


DEVNET_ASSETS: tuple[Asset, ...] = (
    Asset("WETH", "Wrapped Ether", 18, Decimal(3000), backup_feed=True),
    Asset("WBTC", "Wrapped BTC", 8, Decimal(60000)),
    Asset("USDC", "USD Coin", 6, Decimal(1)),
    Asset("LINK", "ChainLink Token", 18, Decimal(15)),
    Asset("UNI", "Uniswap", 18, Decimal(8)),
    Asset("AAVE", "Aave Token", 18, Decimal(150)),
)


def feed_name(symbol: str, backup: bool = False) -> str:
    return f"{symbol}/USD:backup" if backup else f"{symbol}/USD"


def answer_of(price_usd: Decimal) -> int:
    return int(price_usd * 10**FEED_DECIMALS)


@dataclass
class Market:
    uni: UniswapV2
    tokens: dict[str, ContractInstance]
    feeds: dict[str, ContractInstance]  # what the book names and the oracle adapter reads
    decimals: dict[str, int]
    # Chainlink aggregators behind the feeds (proxies), by feed name; empty for mock feeds.
    aggregators: dict[str, ContractInstance] = field(default_factory=dict)
    # The IndexFactory over the market's Uniswap V2 (`deploy_index_factory`), when there is one.
    index_factory: ContractInstance | None = None

    @property
    def weth(self) -> ContractInstance:
        return self.uni.weth

    def price(self, symbol: str) -> Decimal:
        answer = self.feeds[feed_name(symbol)].latestRoundData()[1]
        return Decimal(int(answer)) / 10**FEED_DECIMALS

    def entries(self) -> dict[str, str]:
        """Address-book names for everything in the market."""
        names = {
            "WETH": self.uni.weth.address,
            "UniswapV2Factory": self.uni.factory.address,
            "UniswapV2Router02": self.uni.router.address,
        }
        names.update({s: t.address for s, t in self.tokens.items()})
        names.update({n: f.address for n, f in self.feeds.items()})
        if self.index_factory is not None:
            names["IndexFactory"] = self.index_factory.address
        return {k: str(v) for k, v in names.items()}

    def pool_price(self, symbol: str) -> Decimal:
        """USD price of `symbol` implied by its WETH pool and the WETH feed."""
        pair = self.uni.pair(self.tokens[symbol], self.weth)
        if pair is None:
            raise DevnetError(f"no {symbol}/WETH pool")
        r0, r1, _ = pair.getReserves()
        token0 = str(pair.token0()).lower()
        r_token, r_weth = (r0, r1) if token0 == str(self.tokens[symbol].address).lower() else (r1, r0)
        weth_per_token = Decimal(int(r_weth)) / 10**18 / (Decimal(int(r_token)) / 10 ** self.decimals[symbol])
        return weth_per_token * self.price("WETH")


def deploy_chainlink_feed(
    deployer: AccountAPI, description: str, answer: int, link: str = ZERO_ADDRESS
) -> tuple[ContractInstance, ContractInstance]:
    """Chainlink's AccessControlledAggregator behind an EACAggregatorProxy, `deployer` its one
    oracle (and the oracle's admin), with a first round at `answer`; returns (proxy, aggregator).

    Payment per round is 0, so the aggregator needs no LINK (`link` is only recorded). One
    submission answers a round (min = max = 1, restart delay 0): every `submit` by the oracle
    opens and answers the next round at this block's time.
    """
    aggregator = deployer.deploy(
        chainlink("AccessControlledAggregator"),
        link,
        0,  # payment per submission, in LINK
        FEED_TIMEOUT,
        ZERO_ADDRESS,  # no validator
        1,  # the smallest answer an oracle may submit
        MAX_SUBMISSION,
        FEED_DECIMALS,
        description,
    )
    oracle = deployer.address
    aggregator.changeOracles([], [oracle], [oracle], 1, 1, 0, sender=deployer)
    aggregator.submit(1, answer, sender=deployer)
    proxy = deployer.deploy(chainlink("EACAggregatorProxy"), aggregator.address, ZERO_ADDRESS)
    aggregator.addAccess(proxy.address, sender=deployer)
    return proxy, aggregator


def build_market(
    deployer: AccountAPI,
    assets: Sequence[Asset] = DEVNET_ASSETS,
    pool_usd: Decimal = Decimal(2_000_000),
    echo: Echo = lambda _: None,
    feeds: str = "chainlink",
) -> Market:
    """The market; `feeds` is "chainlink" (Chainlink's compiled contracts) or "mock"
    (MockAggregator, whose rounds a test can set at will)."""
    if feeds not in ("chainlink", "mock"):
        raise DevnetError(f"feeds must be 'chainlink' or 'mock', not {feeds!r}")
    uni = deploy_uniswap_v2(deployer)
    echo(f"Uniswap V2: WETH9 {uni.weth.address}, factory {uni.factory.address}, router {uni.router.address}")
    tokens: dict[str, ContractInstance] = {}
    decimals: dict[str, int] = {}
    for a in assets:
        token = (
            uni.weth
            if a.symbol == "WETH"
            else deployer.deploy(project.MockERC20, a.name, a.symbol, a.decimals)
        )
        tokens[a.symbol] = token
        decimals[a.symbol] = a.decimals
    link = str(tokens["LINK"].address) if "LINK" in tokens else ZERO_ADDRESS
    market = Market(uni=uni, tokens=tokens, feeds={}, decimals=decimals)
    for a in assets:
        for backup in (False, True) if a.backup_feed else (False,):
            name = feed_name(a.symbol, backup)
            description = f"{a.symbol} / USD" + (" (backup)" if backup else "")
            if feeds == "mock":
                market.feeds[name] = deployer.deploy(
                    project.MockAggregator, FEED_DECIMALS, description, answer_of(a.price_usd)
                )
            else:
                proxy, aggregator = deploy_chainlink_feed(deployer, description, answer_of(a.price_usd), link)
                market.feeds[name] = proxy
                market.aggregators[name] = aggregator
        echo(
            f"{a.symbol}: token {tokens[a.symbol].address}, feed {market.feeds[feed_name(a.symbol)].address} "
            f"at ${a.price_usd}"
        )
    weth_price = market.price("WETH")
    weth_side = int(pool_usd / weth_price * 10**18)
    for a in assets:
        if a.symbol == "WETH":
            continue
        amount = int(pool_usd / a.price_usd * 10**a.decimals)
        market.tokens[a.symbol].mint(deployer.address, amount, sender=deployer)
        uni.weth.deposit(sender=deployer, value=weth_side)
        create_pair(uni, market.tokens[a.symbol], uni.weth, amount, weth_side, deployer)
        echo(f"pool {a.symbol}/WETH: ${pool_usd:,.0f} a side")
    return market


def deploy_index_factory(
    market: Market, deployer: AccountAPI, echo: Echo = lambda _: None
) -> ContractInstance:
    """An IndexFactory whose venue is the market's Uniswap V2 (with WETH for two-hop routes), the
    venue a spec naming the market's router gets; the market's book then names it `IndexFactory`."""
    from vyndex.factory import deploy_factory

    market.index_factory = deploy_factory(deployer, v2_factory=market.uni.factory, weth=market.weth)
    echo(f"IndexFactory: {market.index_factory.address} (venue: Uniswap V2 via WETH)")
    return market.index_factory


def install_multicall3(echo: Echo = lambda _: None) -> None:
    """Puts Multicall3's runtime code at its canonical address (anvil_setCode), as on mainnet:
    `status` and the keeper batch their reads through it on the devnet and on every fork of it."""
    code = MULTICALL3_CODE.hex()
    chain.provider.make_request(
        "anvil_setCode", [MULTICALL3_ADDRESS, code if code.startswith("0x") else "0x" + code]
    )
    echo(f"Multicall3: {MULTICALL3_ADDRESS}")


def top_up(
    market: Market, holder: AccountAPI, needs: Sequence[tuple[Any, int]], slack_bps: int = 0
) -> list[tuple[str, int]]:
    """Brings `holder`'s balance of each (token, amount) up to the amount plus `slack_bps`,
    wrapping ether for WETH and minting the others; returns (symbol, amount added) per token
    topped up. A token that is not the market's raises DevnetError before anything is sent."""
    by_address = {str(t.address).lower(): s for s, t in market.tokens.items()}
    plan = []
    for token, amount in needs:
        symbol = by_address.get(str(getattr(token, "address", token)).lower())
        if symbol is None:
            raise DevnetError(f"{getattr(token, 'address', token)} is not a devnet token: cannot fund it")
        plan.append((symbol, int(amount) + int(amount) * slack_bps // BPS + (1 if slack_bps else 0)))
    added = []
    for symbol, want in plan:
        token = market.tokens[symbol]
        short = want - int(token.balanceOf(holder.address))
        if short <= 0:
            continue
        if symbol == "WETH":
            market.weth.deposit(sender=holder, value=short)
        else:
            token.mint(holder.address, short, sender=holder)
        added.append((symbol, short))
    return added


def attach_market(lookup: Callable[[str], str | None], symbols: Sequence[str] | None = None) -> Market:
    """The market from address-book names (a devnet or a fork of one)."""

    def need(name: str) -> str:
        found = lookup(name)
        if found is None:
            raise DevnetError(
                f"'{name}' is not in the address book: is this a devnet (ape run devnet start)?"
            )
        return found

    uni = attach_uniswap_v2(need("WETH"), need("UniswapV2Factory"), need("UniswapV2Router02"))
    tokens: dict[str, ContractInstance] = {}
    feeds: dict[str, ContractInstance] = {}
    aggregators: dict[str, ContractInstance] = {}
    decimals: dict[str, int] = {}
    for a in DEVNET_ASSETS:
        if symbols is not None and a.symbol not in symbols:
            continue
        if lookup(a.symbol) is None:
            continue
        tokens[a.symbol] = uni.weth if a.symbol == "WETH" else project.MockERC20.at(need(a.symbol))
        decimals[a.symbol] = a.decimals
        for name in (feed_name(a.symbol), feed_name(a.symbol, True)):
            address = need(name) if name == feed_name(a.symbol) else lookup(name)
            if address is None:
                continue
            feeds[name], aggregator = _attach_feed(address)
            if aggregator is not None:
                aggregators[name] = aggregator
    return Market(uni=uni, tokens=tokens, feeds=feeds, decimals=decimals, aggregators=aggregators)


def _attach_feed(address: str) -> tuple[ContractInstance, ContractInstance | None]:
    """A devnet feed: a Chainlink proxy and its aggregator, or (an older devnet) a mock."""
    proxy = chain.contracts.instance_at(address, contract_type=chainlink_contract_type("EACAggregatorProxy"))
    try:
        behind = str(proxy.aggregator())
    except ApeException:
        return project.MockAggregator.at(address), None
    aggregator_type = chainlink_contract_type("AccessControlledAggregator")
    return proxy, chain.contracts.instance_at(behind, contract_type=aggregator_type)


# ---------------------------------------------------------------------------------------------
# Moving prices
# ---------------------------------------------------------------------------------------------


def publish(market: Market, symbol: str, price_usd: Decimal, sender: AccountAPI) -> None:
    """New rounds on the asset's feeds (primary and backup) at `price_usd`; on Chainlink feeds
    `sender` submits as the aggregator's oracle (the market's deployer)."""
    for backup in (False, True):
        name = feed_name(symbol, backup)
        feed = market.feeds.get(name)
        if feed is None:
            continue
        aggregator = market.aggregators.get(name)
        if aggregator is not None:
            aggregator.submit(int(aggregator.latestRound()) + 1, answer_of(price_usd), sender=sender)
        else:
            feed.update_answer(answer_of(price_usd), sender=sender)


def refresh_feeds(market: Market, sender: AccountAPI) -> None:
    """Republishes every feed's current answer with a fresh timestamp."""
    for symbol in market.tokens:
        publish(market, symbol, market.price(symbol), sender)


def arbitrage(
    market: Market,
    symbol: str,
    trader: AccountAPI,
    price_usd: Decimal | None = None,
    weth_usd: Decimal | None = None,
) -> int:
    """Swaps `symbol`'s WETH pool until its spot price matches the feeds (or the market prices
    `price_usd` and `weth_usd` when given: a feed may lag the market); returns the amount in."""
    token = market.tokens[symbol]
    pair = market.uni.pair(token, market.weth)
    if pair is None:
        raise DevnetError(f"no {symbol}/WETH pool")
    r0, r1, _ = pair.getReserves()
    is0 = str(pair.token0()).lower() == str(token.address).lower()
    r_t, r_w = (int(r0), int(r1)) if is0 else (int(r1), int(r0))
    # Target ratio of WETH base units per token base unit.
    p_t = Fraction(price_usd if price_usd is not None else market.price(symbol))
    p_w = Fraction(weth_usd if weth_usd is not None else market.price("WETH"))
    ratio = p_t / p_w * Fraction(10**18, 10 ** market.decimals[symbol])
    k = r_t * r_w
    new_t = math.isqrt(int(Fraction(k) / ratio))
    new_w = math.isqrt(int(Fraction(k) * ratio))
    if new_t > r_t:
        sell, amount = token, gross_of_fee(new_t - r_t)
    elif new_w > r_w:
        sell, amount = market.weth, gross_of_fee(new_w - r_w)
    else:
        return 0
    # Dust that would buy nothing (the pool is already at the price, give or take a base unit).
    r_in, r_out = (r_t, r_w) if sell is token else (r_w, r_t)
    if get_amount_out(amount, r_in, r_out) == 0:
        return 0
    buy = market.weth if sell is token else token
    # The arbitrageur's capital is unlimited: wrap or mint whatever it lacks.
    short = amount - int(sell.balanceOf(trader.address))
    if short > 0 and sell is market.weth:
        market.weth.deposit(sender=trader, value=short)
    elif short > 0:
        token.mint(trader.address, short, sender=trader)
    if sell.allowance(trader.address, market.uni.router.address) < amount:
        sell.approve(market.uni.router.address, MAX_UINT256, sender=trader)
    market.uni.router.swapExactTokensForTokens(
        amount, 0, [address_of(sell), address_of(buy)], trader.address, MAX_UINT256, sender=trader
    )
    return amount


def set_price(market: Market, symbol: str, price_usd: Decimal, trader: AccountAPI) -> None:
    """Moves `symbol` to `price_usd`: feeds first, then the pools follow (all of them for WETH)."""
    if price_usd <= 0:
        raise ValueError("price must be above zero")
    publish(market, symbol, price_usd, trader)
    targets = [s for s in market.tokens if s != "WETH"] if symbol == "WETH" else [symbol]
    for s in targets:
        arbitrage(market, s, trader)


# ---------------------------------------------------------------------------------------------
# The node process
# ---------------------------------------------------------------------------------------------


def anvil_binary() -> str:
    """bin/anvil (the npm Anvil, its persisted states removed when it stops), else an `anvil` on PATH."""
    for candidate in (Path("bin/anvil"), Path("node_modules/.bin/anvil"), shutil.which("anvil")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise FileNotFoundError("anvil not found: run `make setup` (npm package @foundry-rs/anvil)")


def rpc(uri: str, method: str, params: list[Any] | None = None, timeout: float = 5.0) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    req = urllib.request.Request(uri, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        reply = json.loads(resp.read())
    if "error" in reply:
        raise RuntimeError(f"{method}: {reply['error']}")
    return reply["result"]


def node_alive(uri: str) -> bool:
    try:
        rpc(uri, "eth_chainId", timeout=1.0)
        return True
    except (OSError, urllib.error.URLError, RuntimeError, ValueError):
        return False


def node_identity(uri: str) -> tuple[int, str]:
    """(chain id, genesis hash) of the node at `uri`."""
    chain_id = int(rpc(uri, "eth_chainId"), 16)
    genesis = rpc(uri, "eth_getBlockByNumber", ["0x0", False])["hash"]
    return chain_id, str(genesis)


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_node(
    name: str,
    port: int,
    chain_id: int = DEVNET_CHAIN_ID,
    fork_url: str | None = None,
    state_dir: Path = STATE_DIR,
    timeout: float = 30.0,
) -> int:
    """Starts a detached Anvil (automine) named `name`; returns its pid, written to
    `<state_dir>/<name>.pid`, with its log in `<state_dir>/<name>.log`."""
    if not port_free(port):
        raise RuntimeError(f"port {port} is in use: is a {name} already running? (ape run devnet status)")
    state_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        anvil_binary(),
        "--port",
        str(port),
        "--chain-id",
        str(chain_id),
        "--mnemonic",
        MNEMONIC,
        "--accounts",
        "12",
        "--balance",
        str(ACCOUNT_BALANCE_ETH),
        "--steps-tracing",
    ]
    if fork_url:
        cmd += ["--fork-url", fork_url]
    log_path = state_dir / f"{name}.log"
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            cmd, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    (state_dir / f"{name}.pid").write_text(f"{proc.pid}\n")
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited at start (code {proc.returncode}); see {log_path}")
        if node_alive(uri):
            return proc.pid
        time.sleep(0.2)
    stop_pid(proc.pid)
    raise RuntimeError(f"{name} did not answer on {uri} within {timeout:.0f}s; see {log_path}")


def read_pid(name: str, state_dir: Path = STATE_DIR) -> int | None:
    path = state_dir / f"{name}.pid"
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _signal(pid: int, sig: int) -> None:
    """Signals the node's whole process group (npm's anvil is a wrapper around the binary)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def stop_pid(pid: int, timeout: float = 10.0) -> None:
    try:
        _signal(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            # Reap it if it is our child.
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        _signal(pid, signal.SIGKILL)


def stop_node(name: str, state_dir: Path = STATE_DIR) -> bool:
    """Stops the node started as `name`; False if none was running."""
    pid = read_pid(name, state_dir)
    (state_dir / f"{name}.pid").unlink(missing_ok=True)
    if pid is None:
        return False
    stop_pid(pid)
    return True


def no_confirmations(network: Any) -> None:
    """Ape waits for 2 confirmations on mainnet; an automine devnet mines only on transactions,
    so talking to the devnet itself (not a fork) needs 0."""
    network.config.required_confirmations = 0


def write_devnet_book(book: AddressBook, market: Market, chain_id: int, genesis: str, uri: str) -> None:
    book.reset("ethereum:mainnet", chain_id, genesis)
    for name, address in market.entries().items():
        book.set(name, address)
    book.extra["uri"] = uri
    book.save()
