"""The market simulation behind `make simulate`: an index lived day by day through a scenario.

On a local chain (or a fork), it builds the devnet market (real Uniswap V2, Chainlink-style
feeds), deploys an index through `vyndex.deploy` exactly as `ape run deploy` does, mints it,
opens the index token's own WETH pool, then for every day of a `vyndex.sim.scenario.Scenario`:

1. moves the clock a day and publishes each asset's market price on its feeds (except a feed in
   outage, which stays silent and goes stale); arbitrageurs bring every component pool back to
   the market price (not the feed's: during an outage the two differ);
2. on review days, the manager recomputes the targets with a `vyndex.weights` method from that
   day's inputs (market caps, trailing prices, pool depths) and proposes them;
3. the keeper (`vyndex.keeper.loop.Keeper`, the same logic as the Silverback bot) acts until it has
   nothing left or must wait, the clock skipping cooldowns; component pools are arbitraged back
   after every trade;
4. noise traders buy and sell the index token in its pool, then the secondary-market arbitrage
   (`vyndex.sim.secondary`) mints-and-sells or buys-and-redeems it back into the fee band of NAV;
5. the day is recorded: prices, NAV per token at market prices, the ideal index, weights,
   targets, drift before and after the keeper, trades, gas, cost, the pool's premium.

`run` returns a `SimResult`; `write_outputs` saves the CSV, a JSON summary, a markdown table and
the PNG charts. Everything is seeded: the same config gives the same run.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from ape import accounts, chain
from ape.api import AccountAPI
from ape.contracts import ContractInstance
from ape.logging import logger

from vyndex.addressbook import ROOT_ENV
from vyndex.calls import quiet_call
from vyndex.constants import BPS, MAX_UINT256, USD
from vyndex.deploy import deploy_index
from vyndex.devnet import DEVNET_ASSETS, Market, arbitrage, build_market, feed_name, publish
from vyndex.index import IndexHandle, connected_books
from vyndex.keeper.chain import ApeKeeperChain
from vyndex.keeper.loop import Keeper, KeeperConfig, Outcome
from vyndex.propose import ProposalError, compute, parse_fraction
from vyndex.reference.uniswap_v3 import UniswapV3, deploy_uniswap_v3, price_to_sqrt_x96, seed_pool
from vyndex.sim import tracking
from vyndex.sim.scenario import PricePath, Scenario, ScenarioError, generate, standard
from vyndex.sim.secondary import IndexPool, band
from vyndex.spec import (
    ComponentSpec,
    FeedSpec,
    FeesSpec,
    IndexSpec,
    RebalancerSpec,
    RolesSpec,
)
from vyndex.weights import METHODS

DAY = 86_400
EXECUTIONS = ("amm", "auction", "hybrid")
EXEC_AUCTION = 2
EXEC_AUCTION_FIRST = 3
VENUES = ("v2", "v3")
V3_FEE = 3_000  # the simulation's V3 pools: the 0.3% tier, full range, as deep as the V2 pairs

# Circulating supplies for market-cap weighting (order of magnitude of late 2024).
CIRCULATING = {
    "WETH": 120e6,
    "WBTC": 19.7e6,
    "USDC": 33e9,
    "LINK": 600e6,
    "UNI": 600e6,
    "AAVE": 15e6,
}


class SimulationError(RuntimeError):
    """A simulation that cannot run as configured; the message says why."""


@dataclass(frozen=True)
class SimConfig:
    scenario: Scenario
    method: str = "market_cap"
    cap: Fraction | None = Fraction(40, 100)
    floor: Fraction | None = Fraction(2, 100)
    review_days: int = 30
    nav_usd: int = 1_000_000
    initial_price_usd: int = 100
    pool_usd: int = 5_000_000  # each component/WETH pool, a side
    index_pool_usd: int = 250_000  # the index/WETH pool, a side
    noise: float = 0.005  # standard deviation of one noise trade, a fraction of the pool's depth
    noise_trades: int = 4  # a day
    drift_threshold_bps: int = 100
    max_slippage_bps: int = 200  # most trades are two hops through WETH: two pool fees
    trade_cap_usd: int = 50_000
    min_trade_usd: int = 100
    cooldown: int = 120
    staleness: int = 4 * 3600
    mint_fee_bps: int = 10
    redeem_fee_bps: int = 10
    keeper_actions_per_day: int = 60
    # Where the rebalancer trades: "v2" (a UniswapV2Venue over the component/WETH pairs) or "v3"
    # (only a UniswapV3Venue over 0.3% full-range component/WETH pools of the same depth; the V2
    # pairs stay, arbitraged as before, but the rebalancer cannot reach them).
    venue: str = "v2"
    # How the legs execute: "amm" (keeper trades only), "auction" (a DutchAuction holds every leg:
    # bidders fill it), "hybrid" (auction first, the AMMs for what is left within `amm_window`).
    execution: str = "amm"
    auction_premium_bps: int = 100
    auction_length: int = 3_600
    amm_window: int = 6 * 3_600
    # The bidder model: one bidder with inventory of every component (the arbitrageur's) fills a
    # leg once the auction's price is this far under the oracle-fair price (its own cost of
    # carrying and re-hedging what it takes), never through the index's pools.
    bidder_margin_bps: int = 30
    # How often that bidder is there: at each auction it bids with this probability (a draw of its
    # own seeded stream, so the market's noise is the same run to run), else the auction ends
    # unbid and, in hybrid, the AMMs take what is left. 1.0: every auction has a bidder.
    bidder_presence: float = 1.0

    def describe(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "scenario"}
        out["cap"] = None if self.cap is None else float(self.cap)
        out["floor"] = None if self.floor is None else float(self.floor)
        s = self.scenario
        out["scenario"] = {
            "name": s.name,
            "seed": s.seed,
            "days": s.days,
            "symbols": list(s.symbols),
            "volatility": list(s.volatility),
            "crash": None if s.crash is None else {"day": s.crash.day, "drops": s.crash.drops},
            "depeg": None
            if s.depeg is None
            else {"symbol": s.depeg.symbol, "start_day": s.depeg.start_day, "factors": list(s.depeg.factors)},
            "outage": None
            if s.outage is None
            else {"symbol": s.outage.symbol, "start_day": s.outage.start_day, "days": s.outage.days},
        }
        return out


@dataclass
class DayRecord:
    day: int
    prices: list[float]
    feed_live: list[bool]
    nav: float  # USD per index token at market prices
    ideal: float
    weights: list[float]
    targets: list[float]
    drift_before_bps: float
    drift_after_bps: float
    trades: int = 0
    gas: int = 0  # what the protocol's keeper paid: AMM trades, auction opens
    cost_usd: float = 0.0  # oracle value given up by the day's trades and fills
    traded_usd: float = 0.0  # oracle value of what they sold
    auctions: int = 0
    auctions_unbid: int = 0  # opened with the bidder away (`bidder_presence`)
    fills: int = 0  # auction fills (also counted in `trades`)
    bidder_gas: int = 0
    nav_total_usd: float = 0.0
    keeper: str = ""  # the keeper's last outcome of the day
    supply: float = 0.0
    pool_before: float = 0.0  # the index pool's price (USD a token) after the noise
    pool_after: float = 0.0  # ... and after the arbitrage
    band_low: float = 0.0
    band_high: float = 0.0
    arb: str = "none"
    arb_profit_usd: float = 0.0

    @property
    def premium_before_bps(self) -> float:
        return (self.pool_before / self.nav - 1) * BPS

    @property
    def premium_after_bps(self) -> float:
        return (self.pool_after / self.nav - 1) * BPS


@dataclass
class SimResult:
    config: SimConfig
    symbols: tuple[str, ...]
    records: list[DayRecord] = field(default_factory=list)
    reviews: list[tuple[int, list[int]]] = field(default_factory=list)  # (day, targets bps)
    review_gas: int = 0

    def summary(self) -> dict[str, Any]:
        r = self.records
        nav = [x.nav for x in r]
        ideal = [x.ideal for x in r]
        cost_bps = sum(x.cost_usd / x.nav_total_usd * BPS for x in r if x.nav_total_usd)
        traded = sum(x.traded_usd for x in r)
        arbs = [x for x in r if x.arb != "none"]
        blocked = sum(1 for x in r if x.keeper == Outcome.WAIT_ORACLE)
        inside = sum(
            1 for x in r if x.band_low * (1 - 1e-6) <= x.pool_after / x.nav <= x.band_high * (1 + 1e-6)
        )
        return {
            "scenario": self.config.scenario.name,
            "seed": self.config.scenario.seed,
            "days": len(r) - 1,
            "method": self.config.method,
            "venue": self.config.venue,
            "execution": self.config.execution,
            "components": list(self.symbols),
            "nav_return_pct": round((nav[-1] / nav[0] - 1) * 100, 3),
            "ideal_return_pct": round((ideal[-1] / ideal[0] - 1) * 100, 3),
            "tracking_error_bps": round(tracking.tracking_error_bps(nav, ideal), 2),
            "tracking_difference_bps": round(tracking.tracking_difference_bps(nav, ideal), 2),
            "rebalance_cost_bps": round(cost_bps, 2),
            # What the trades and fills sold, at the oracle, and what each dollar of it cost.
            "traded_usd": round(traded),
            "cost_per_traded_bps": round(sum(x.cost_usd for x in r) / traded * BPS, 2) if traded else 0.0,
            "trades": sum(x.trades for x in r),
            "keeper_gas": sum(x.gas for x in r),
            "auctions": sum(x.auctions for x in r),
            "auctions_unbid": sum(x.auctions_unbid for x in r),
            "auction_fills": sum(x.fills for x in r),
            "bidder_gas": sum(x.bidder_gas for x in r),
            "days_drift_over_threshold": sum(
                1 for x in r[1:] if x.drift_after_bps > self.config.drift_threshold_bps
            ),
            "review_gas": self.review_gas,
            "reviews": len(self.reviews),
            "max_drift_bps": round(max(x.drift_before_bps for x in r), 1),
            "mean_drift_after_keeper_bps": round(sum(x.drift_after_bps for x in r) / len(r), 1),
            "days_oracle_refused": blocked,
            "arbitrages": len(arbs),
            "mint_and_sell": sum(1 for x in arbs if x.arb == "mint-and-sell"),
            "buy_and_redeem": sum(1 for x in arbs if x.arb == "buy-and-redeem"),
            "arbitrage_profit_usd": round(sum(x.arb_profit_usd for x in arbs), 2),
            "max_abs_premium_before_bps": round(max(abs(x.premium_before_bps) for x in r), 1),
            "max_abs_premium_after_bps": round(max(abs(x.premium_after_bps) for x in r), 1),
            "days_in_band_after_arbitrage": inside,
        }


@dataclass(frozen=True)
class Actors:
    deployer: AccountAPI
    manager: AccountAPI
    guardian: AccountAPI
    fee_recipient: AccountAPI
    keeper: AccountAPI
    holder: AccountAPI
    arbitrageur: AccountAPI
    noise: AccountAPI

    @classmethod
    def from_test_accounts(cls) -> Actors:
        a = [accounts.test_accounts[i] for i in range(8)]
        for account in a:
            account.balance += 10**27  # ether to wrap: the pools and arbitrage need plenty
        return cls(*a)


@contextmanager
def temporary_books() -> Iterator[Path]:
    """A throwaway address-book folder: the simulation never writes to `deployments/`."""
    before = os.environ.get(ROOT_ENV)
    with tempfile.TemporaryDirectory(prefix="vyndex-sim-") as root:
        os.environ[ROOT_ENV] = root
        try:
            yield Path(root)
        finally:
            if before is None:
                os.environ.pop(ROOT_ENV, None)
            else:
                os.environ[ROOT_ENV] = before


def _spec(
    config: SimConfig, weights_bps: Sequence[int], roles: RolesSpec, v3_factory: str | None = None
) -> IndexSpec:
    s = config.scenario
    components = []
    for symbol, w, p in zip(s.symbols, weights_bps, s.start_prices, strict=True):
        backup = symbol == "WETH"
        components.append(
            ComponentSpec(
                token=symbol,
                weight_bps=int(w),
                feed=FeedSpec(
                    primary=feed_name(symbol),
                    staleness=config.staleness,
                    # Wide bounds for volatile assets; a stablecoin refuses prices off its peg
                    # by more than 10% (the depeg scenario tests that circuit breaker).
                    min_price_usd=Decimal("0.9") if _stable(symbol) else Decimal(str(p)) / 100,
                    max_price_usd=Decimal("1.1") if _stable(symbol) else Decimal(str(p)) * 100,
                    secondary=feed_name(symbol, True) if backup else None,
                    max_deviation_bps=200 if backup else None,
                ),
            )
        )
    return IndexSpec(
        name="vyndex Simulation",
        symbol="VSIM",
        initial_price_usd=Decimal(config.initial_price_usd),
        components=tuple(components),
        fees=FeesSpec(mint_fee_bps=config.mint_fee_bps, redeem_fee_bps=config.redeem_fee_bps),
        roles=roles,
        rebalancer=RebalancerSpec(
            router="UniswapV2Router02",
            weth="WETH",
            drift_threshold_bps=config.drift_threshold_bps,
            max_slippage_bps=config.max_slippage_bps,
            trade_cap_usd=Decimal(config.trade_cap_usd),
            min_trade_usd=Decimal(config.min_trade_usd),
            cooldown=config.cooldown,
            uniswap_v3_factory=v3_factory,
        ),
        source="vyndex.sim.simulation",
    )


def _stable(symbol: str) -> bool:
    return symbol in ("USDC", "USDT", "DAI")


def _fraction_option(value: str | Fraction | None, what: str) -> Fraction | None:
    """A --cap/--floor value: already parsed (vyndex.params), 'none', or a percentage string."""
    if value is None or isinstance(value, Fraction):
        return value
    return None if value.lower() == "none" else parse_fraction(value, what)


def build_config(
    days: int = 120,
    seed: int = 7,
    method: str = "market_cap",
    cap: str | Fraction | None = "40%",
    floor: str | Fraction | None = "2%",
    review_days: int = 30,
    venue: str = "v2",
    execution: str = "amm",
    threshold_bps: int = 100,
    bidder_margin_bps: int = 30,
    trade_cap_usd: int = 50_000,
    bidder_presence: float | Fraction = 1.0,
) -> SimConfig:
    """The standard scenario's config from command-line words; bad input raises SimulationError
    naming the option."""
    if method not in METHODS:
        raise SimulationError(f"--method: unknown method '{method}' (one of: {', '.join(METHODS)})")
    if days < 1:
        raise SimulationError(f"--days: at least 1, got {days}")
    if venue not in VENUES:
        raise SimulationError(f"--venue: one of {', '.join(VENUES)}, got '{venue}'")
    if execution not in EXECUTIONS:
        raise SimulationError(f"--execution: one of {', '.join(EXECUTIONS)}, got '{execution}'")
    if review_days < 0:
        raise SimulationError(f"--review-days: not negative, got {review_days}")
    if not 1 <= threshold_bps <= BPS:
        raise SimulationError(f"--threshold: between 1 bps and 100%, got {threshold_bps} bps")
    if not SimConfig.min_trade_usd <= trade_cap_usd <= SimConfig.nav_usd:
        raise SimulationError(
            f"--trade-cap: between the minimum trade (${SimConfig.min_trade_usd:,}) and the index's NAV "
            f"(${SimConfig.nav_usd:,}), got ${trade_cap_usd:,}"
        )
    slippage = SimConfig.max_slippage_bps
    if not 0 <= bidder_margin_bps <= slippage:
        raise SimulationError(
            f"--bidder-margin: between 0 and the auction's floor ({slippage} bps under fair), "
            f"got {bidder_margin_bps} bps"
        )
    if not 0 <= bidder_presence <= 1:
        raise SimulationError(f"--bidder-presence: between 0 and 100%, got {float(bidder_presence):.0%}")
    if bidder_presence != 1 and execution == "amm":
        raise SimulationError("--bidder-presence: auction and hybrid runs only (no bidder trades by AMM)")
    try:
        cap_f = _fraction_option(cap, "--cap")
        floor_f = _fraction_option(floor, "--floor")
        config = SimConfig(scenario=standard(days=days, seed=seed), method=method, cap=cap_f, floor=floor_f)
        config = replace(
            config,
            review_days=review_days,
            venue=venue,
            execution=execution,
            drift_threshold_bps=threshold_bps,
            bidder_margin_bps=bidder_margin_bps,
            trade_cap_usd=trade_cap_usd,
            bidder_presence=float(bidder_presence),
        )
        # The day-0 targets must be computable (a cap below 1/N, for one, is infeasible).
        method_targets(config, generate(config.scenario), 0)
    except (ProposalError, ScenarioError) as exc:
        raise SimulationError(str(exc)) from None
    return config


def method_targets(
    config: SimConfig, path: PricePath, day: int, depth_usd: Callable[[str], float] | None = None
) -> list[int]:
    """The targets `config.method` gives on `day`: market caps from the day's prices, inverse
    volatility from the trailing window, liquidity from `depth_usd(symbol)` (the pools on chain;
    on day 0, or without it, every pool at its seeded depth)."""
    s = config.scenario
    inputs: dict[str, Any] = {}
    if config.method == "market_cap":
        inputs = {sym: CIRCULATING[sym] * float(path.prices[day][i]) for i, sym in enumerate(s.symbols)}
    elif config.method == "inverse_volatility":
        window = path.trailing(day, s.history_days)
        inputs = {sym: [float(p) for p in window[:, i]] for i, sym in enumerate(s.symbols)}
    elif config.method == "liquidity":
        if day == 0 or depth_usd is None:
            inputs = dict.fromkeys(s.symbols, float(config.pool_usd))
        else:
            inputs = {sym: depth_usd(sym) for sym in s.symbols}
    return list(compute(config.method, list(s.symbols), inputs, config.cap, config.floor).weights_bps)


class Simulation:
    """One run; `run()` drives it. Split into steps so tests can drive a few days by hand."""

    def __init__(self, config: SimConfig, actors: Actors | None = None) -> None:
        self.config = config
        self.path: PricePath = generate(config.scenario)
        self.actors = actors or Actors.from_test_accounts()
        self.rng = np.random.default_rng(config.scenario.seed + 1)
        self.bidder_rng = np.random.default_rng(config.scenario.seed + 2)  # is the bidder there?
        self.result = SimResult(config=config, symbols=config.scenario.symbols)
        self.market: Market
        self.uni3: UniswapV3 | None = None
        self.handle: IndexHandle
        self.pool: IndexPool
        self.keeper: Keeper
        self.day0 = 0
        self.targets_bps: list[int] = []
        self.ideal = 0.0
        self.auction: ContractInstance | None = None

    # -- set-up

    def setup(self, books_root: Path) -> None:
        """Builds the market and the index. From here on every block is one second after the one
        before (or where the run moves the clock), never at the wall clock's second: the same
        seed then gives the same run however fast the machine is. `close` undoes it."""
        c, a, s = self.config, self.actors, self.config.scenario
        self._node("anvil_setBlockTimestampInterval", [1])
        known = {x.symbol: x for x in DEVNET_ASSETS}
        missing = [sym for sym in s.symbols if sym not in known]
        if missing:
            raise SimulationError(f"no devnet asset {', '.join(missing)} (known: {', '.join(known)})")
        assets = [
            replace(known[sym], price_usd=Decimal(str(p)))
            for sym, p in zip(s.symbols, s.start_prices, strict=True)
        ]
        self.market = build_market(a.deployer, assets, pool_usd=Decimal(c.pool_usd))
        v3_factory = None
        if c.venue == "v3":
            self.uni3 = self._build_v3(assets)
            v3_factory = str(self.uni3.factory.address)
        books = connected_books(books_root)
        for name, address in self.market.entries().items():
            books.primary.set(name, address)
        books.primary.save()
        self.targets_bps = self._method_targets(0)
        roles = RolesSpec(
            owner="deployer",
            manager=str(a.manager.address),
            guardian=str(a.guardian.address),
            fee_recipient=str(a.fee_recipient.address),
            keepers=(str(a.keeper.address),),
        )
        spec = _spec(c, self.targets_bps, roles, v3_factory)
        report = deploy_index(spec, a.deployer, books, echo=lambda _: None)
        self.handle = report.handle
        if c.venue == "v3":
            # deploy_index always stands up the V2 venue (from the router) first: V3 only here.
            self.handle.rebalancer.remove_venue(0, sender=a.deployer)
        self.result.reviews.append((0, list(self.targets_bps)))
        if c.execution != "amm":
            self._list_auction()  # before the mint: with no holders every setter applies at once
        vault = self.handle.vault
        shares = c.nav_usd // c.initial_price_usd * USD
        self._mint(a.holder, shares)
        pool_shares = c.index_pool_usd // c.initial_price_usd * USD
        weth_usd = float(s.start_prices[s.index_of("WETH")]) if "WETH" in s.symbols else 3000.0
        self.pool = IndexPool.create(
            self.market.uni, vault, pool_shares, int(c.index_pool_usd / weth_usd * USD), a.holder
        )
        # Inventory for the arbitrageurs (ten times the pools), so a day's trades need no top-up.
        for token, p, d in zip(self.handle.tokens, s.start_prices, self.handle.decimals, strict=True):
            self._fund(token, int(10 * c.pool_usd / p * 10**d), a.arbitrageur)
        if self.auction is not None:
            for token in self.handle.tokens:
                token.approve(self.auction.address, MAX_UINT256, sender=a.arbitrageur)
        # The noise traders start with index tokens and WETH to trade both ways.
        vault.transfer(a.noise.address, pool_shares, sender=a.holder)
        self.market.weth.deposit(sender=a.noise, value=int(c.index_pool_usd / weth_usd * USD))
        self.keeper = Keeper(
            ApeKeeperChain(self.handle, a.keeper),
            KeeperConfig(),
            clock=lambda: float(chain.blocks.head.timestamp),
        )
        self.day0 = int(chain.blocks.head.timestamp)
        nav, weights = self._valuation(0)
        self.ideal = nav
        low, high = band(1.0, c.mint_fee_bps, c.redeem_fee_bps)
        self.result.records.append(
            DayRecord(
                day=0,
                prices=list(self.path.prices[0]),
                feed_live=[True] * len(s.symbols),
                nav=nav,
                ideal=nav,
                weights=weights,
                targets=[t / BPS for t in self.targets_bps],
                drift_before_bps=tracking.drift_bps(weights, [t / BPS for t in self.targets_bps]),
                drift_after_bps=tracking.drift_bps(weights, [t / BPS for t in self.targets_bps]),
                nav_total_usd=nav * self._supply(),
                supply=self._supply(),
                pool_before=self.pool.price_weth() * self._price("WETH", 0),
                pool_after=self.pool.price_weth() * self._price("WETH", 0),
                band_low=low,
                band_high=high,
            )
        )

    # -- one day

    def step(self, day: int) -> DayRecord:
        c, a, s = self.config, self.actors, self.config.scenario
        prices = self.path.prices[day]
        live = self.path.live[day]
        chain.mine(timestamp=self.day0 + day * DAY)
        # 1. The market moves: feeds publish (unless silent), pools follow the market.
        for i, symbol in enumerate(s.symbols):
            if live[i]:
                publish(self.market, symbol, _decimal(prices[i]), a.deployer)
        self._arbitrage_components(day)
        # The ideal held yesterday's targets over the day at no cost.
        before = self.path.prices[day - 1]
        growth = sum(t / BPS * p / q for t, p, q in zip(self.targets_bps, prices, before, strict=True))
        self.ideal *= growth
        # 2. Review.
        if c.review_days and day % c.review_days == 0:
            self._review(day)
        targets = [t / BPS for t in self.targets_bps]
        _nav, weights = self._valuation(day)
        drift_before = tracking.drift_bps(weights, targets)
        # 3. The keeper.
        record = DayRecord(
            day=day,
            prices=[float(p) for p in prices],
            feed_live=[bool(x) for x in live],
            nav=0.0,
            ideal=self.ideal,
            weights=[],
            targets=targets,
            drift_before_bps=drift_before,
            drift_after_bps=0.0,
        )
        self._keep(day, record)
        # 4. The secondary market.
        nav, weights = self._valuation(day)
        record.nav, record.weights = nav, weights
        record.drift_after_bps = tracking.drift_bps(weights, targets)
        self._secondary(day, nav, record)
        record.supply = self._supply()
        record.nav_total_usd = nav * record.supply
        self.result.records.append(record)
        return record

    def run(self, books_root: Path, progress: Callable[[int, DayRecord], None] | None = None) -> SimResult:
        try:
            self.setup(books_root)
            for day in range(1, self.config.scenario.days + 1):
                record = self.step(day)
                if progress is not None:
                    progress(day, record)
        finally:
            self.close()
        return self.result

    def close(self) -> None:
        """Gives the node its wall clock back (blocks at the second they are mined)."""
        self._node("anvil_removeBlockTimestampInterval", [])

    @staticmethod
    def _node(method: str, params: list[Any]) -> None:
        """An Anvil clock request; refused by a node that is not Anvil, which keeps its clock."""
        reply = chain.provider.web3.provider.make_request(method, params)
        if "error" in reply:
            logger.debug(f"{method}: {reply['error']}")

    # -- parts

    def _price(self, symbol: str, day: int) -> float:
        return float(self.path.prices[day][self.config.scenario.index_of(symbol)])

    def _supply(self) -> float:
        return int(self.handle.vault.totalSupply()) / USD

    def _valuation(self, day: int) -> tuple[float, list[float]]:
        """(USD per index token, weights) of the vault's holdings at the day's market prices."""
        vault = self.handle.vault
        values = [
            int(t.balanceOf(vault.address)) / 10**d * float(p)
            for t, d, p in zip(self.handle.tokens, self.handle.decimals, self.path.prices[day], strict=True)
        ]
        return sum(values) / self._supply(), tracking.weights_of(values)

    def _arbitrage_components(self, day: int, only: set[str] | None = None) -> None:
        """Brings the component pools (all, or those of `only`; the V3 pools too when there are
        any) back to the day's market prices."""
        weth_usd = _decimal(self._price("WETH", day))
        for i, symbol in enumerate(self.config.scenario.symbols):
            if symbol != "WETH" and (only is None or symbol in only):
                price = _decimal(self.path.prices[day][i])
                arbitrage(self.market, symbol, self.actors.arbitrageur, price, weth_usd)
                if self.uni3 is not None:
                    self._arbitrage_v3(symbol, price, weth_usd)

    def _build_v3(self, assets: Sequence[Any]) -> UniswapV3:
        """Uniswap V3 over the market's WETH, with a 0.3% full-range pool of every component
        against WETH holding `pool_usd` a side at the start prices."""
        c, deployer = self.config, self.actors.deployer
        uni3 = deploy_uniswap_v3(deployer, self.market.weth)
        weth_price = next(a.price_usd for a in assets if a.symbol == "WETH")
        for a in assets:
            if a.symbol == "WETH":
                continue
            amount = int(Decimal(c.pool_usd) / a.price_usd * 10**a.decimals)
            weth_side = int(Decimal(c.pool_usd) / weth_price * 10**18)
            seed_pool(
                uni3, self.market.tokens[a.symbol], self.market.weth, V3_FEE, amount, weth_side, deployer
            )
        return uni3

    def _arbitrage_v3(self, symbol: str, price_usd: Decimal, weth_usd: Decimal) -> None:
        """Swaps `symbol`'s 0.3% WETH pool to the market price: an exact-input swap whose price
        limit is that price (the pool stops there and takes only what it needs)."""
        assert self.uni3 is not None
        token, weth, trader = self.market.tokens[symbol], self.market.weth, self.actors.arbitrageur
        pool = self.uni3.pool(token, weth, V3_FEE)
        if pool is None:
            raise SimulationError(f"no {symbol}/WETH V3 pool")
        # token1 base units per token0 base unit at the market prices.
        weth_per_token = (
            Fraction(price_usd) / Fraction(weth_usd) * Fraction(10**18, 10 ** self.market.decimals[symbol])
        )
        token_is_0 = str(pool.token0()).lower() == str(token.address).lower()
        target = price_to_sqrt_x96(weth_per_token if token_is_0 else 1 / weth_per_token)
        current = int(pool.slot0()[0])
        if abs(target - current) * 1_000_000 <= current:  # within a millionth: already there
            return
        zero_for_one = target < current  # selling token0 lowers the price
        sell = (token if token_is_0 else weth) if zero_for_one else (weth if token_is_0 else token)
        buy = weth if sell is token else token
        # Enough to reach any price the day can bring; the pool takes only what it needs.
        amount = 2 * int(sell.balanceOf(pool.address)) + 1
        self._fund(sell, amount, trader)
        if int(sell.allowance(trader.address, self.uni3.router.address)) < amount:
            sell.approve(self.uni3.router.address, MAX_UINT256, sender=trader)
        params = (sell.address, buy.address, V3_FEE, trader.address, MAX_UINT256, amount, 0, target)
        self.uni3.router.exactInputSingle(params, sender=trader)

    def _method_targets(self, day: int) -> list[int]:
        return method_targets(self.config, self.path, day, lambda sym: self._pool_depth_usd(sym, day))

    def _pool_depth_usd(self, symbol: str, day: int) -> float:
        """Both sides of the asset's WETH pool in USD (WETH's depth: the sum over its pools)."""
        weth_usd = self._price("WETH", day)
        depth = 0.0
        for other in self.config.scenario.symbols:
            if other == "WETH" or (symbol != "WETH" and other != symbol):
                continue
            pair = self.market.uni.pair(self.market.tokens[other], self.market.weth)
            if pair is None:
                continue
            r0, r1, _ = pair.getReserves()
            weth_side = (
                int(r1)
                if str(pair.token0()).lower() == str(self.market.tokens[other].address).lower()
                else int(r0)
            )
            depth += 2 * weth_side / USD * weth_usd
        return depth

    def _review(self, day: int) -> None:
        new = self._method_targets(day)
        if new == self.targets_bps:
            return
        receipt = self.handle.rebalancer.set_targets(new, sender=self.actors.manager)
        self.result.review_gas += int(receipt.gas_used)
        self.targets_bps = new
        self.result.reviews.append((day, list(new)))

    def _keep(self, day: int, record: DayRecord) -> None:
        if self.auction is not None:
            self._auction_day(day, record)
            if self.config.execution == "auction":
                return  # every leg is held in auction: the AMM keeper has nothing it may trade
        last = ""
        for _ in range(self.config.keeper_actions_per_day):
            result = self.keeper.step()
            last = result.outcome
            if result.performed is not None:
                record.gas += result.performed.gas_used
                for t in result.performed.trades:
                    record.trades += 1
                    record.cost_usd += (t.value_in_usd - t.value_out_usd) / USD
                    record.traded_usd += t.value_in_usd / USD
                if result.performed.trades:
                    # Only the pools the trades went through moved (a WETH leg moves no other).
                    moved = {x for t in result.performed.trades for x in (t.sell, t.buy)}
                    self._arbitrage_components(day, moved)
                continue
            obs = result.observation
            if result.outcome is Outcome.WAIT_COOLDOWN and obs is not None and obs.next_ready_at:
                chain.mine(timestamp=obs.next_ready_at + 1)
                continue
            break
        record.keeper = str(last)

    def _list_auction(self) -> None:
        """A DutchAuction as a venue, a keeper and the rebalancer's `auction`, every leg held in it
        (auction) or auction-first with an AMM window (hybrid)."""
        from ape import project

        c, d = self.config, self.actors.deployer
        rb = self.handle.rebalancer
        auction = d.deploy(project.DutchAuction, rb, c.auction_premium_bps, c.auction_length)
        rb.add_venue(auction, sender=d)
        rb.set_keeper(auction, True, sender=d)
        rb.set_auction(auction, sender=d)
        auction.set_default_execution(
            EXEC_AUCTION if c.execution == "auction" else EXEC_AUCTION_FIRST, sender=d
        )
        auction.set_auction_limits(int(auction.MAX_AUCTION_CAP_USD()), c.amm_window, sender=d)
        self.auction = auction

    def _auction_day(self, day: int, record: DayRecord) -> None:
        """The keeper opens an auction if one is due; the bidder, if there (`bidder_presence`), fills
        legs from the moment the price is `bidder_margin_bps` under fair until the auction ends
        (waiting out cooldowns); in hybrid mode the clock then moves past the end, into the AMM
        window."""
        from ape.exceptions import ContractLogicError

        c, a = self.config, self.actors
        auction, rb = self.auction, self.handle.rebalancer
        assert auction is not None
        self._pin_next_block()
        refused = self._refusal(auction.open, sender=a.keeper)
        if refused is not None:  # most days no auction is due
            if refused.startswith("oracle:"):
                record.keeper = str(Outcome.WAIT_ORACLE)
            return
        receipt = auction.open(sender=a.keeper)
        record.auctions += 1
        record.gas += int(receipt.gas_used)
        opened = int(auction.opened_at())
        end = opened + c.auction_length
        if self.bidder_rng.random() >= c.bidder_presence:  # always drawn: one draw an auction
            record.auctions_unbid += 1
            chain.mine(timestamp=end + 1)  # it ran out unbid
            return
        slip = c.max_slippage_bps
        margin = min(c.bidder_margin_bps, slip)
        wait = -(-(c.auction_premium_bps + margin) * c.auction_length // (c.auction_premium_bps + slip))
        chain.mine(timestamp=opened + wait)
        for _ in range(self.config.keeper_actions_per_day):
            now = int(chain.blocks.head.timestamp)
            if now >= end:
                break
            filled = False
            self._pin_next_block()
            for sell, buy in self._legs():
                bid = (sell, buy, MAX_UINT256, now + 600)
                if self._refusal(auction.bid, *bid, sender=a.arbitrageur) is not None:
                    continue
                try:
                    receipt = auction.bid(*bid, sender=a.arbitrageur)
                except ContractLogicError:  # the probe saw this very block: not expected
                    continue
                for t in receipt.decode_logs(rb.Trade):
                    record.trades += 1
                    record.fills += 1
                    record.cost_usd += (int(t.value_in_usd) - int(t.value_out_usd)) / USD
                    record.traded_usd += int(t.value_in_usd) / USD
                record.bidder_gas += int(receipt.gas_used)
                filled = True
                break
            if not filled:
                if now + c.cooldown + 1 >= end:
                    break
                chain.mine(timestamp=now + c.cooldown + 1)
        if c.execution == "hybrid" and int(chain.blocks.head.timestamp) <= end:
            chain.mine(timestamp=end + 1)

    @staticmethod
    def _pin_next_block() -> None:
        """The next block one second after the head: `_refusal` probes that block ("pending"), so a
        transaction sent after a clean probe lands in the second the probe saw (a plan or an
        auction ending in between would otherwise revert it, and Ape prints the trace of every
        reverted transaction on stdout, which `--json` keeps for JSON)."""
        chain.provider.set_timestamp(int(chain.blocks.head.timestamp) + 1)

    @staticmethod
    def _refusal(method: Any, *args: Any, sender: AccountAPI) -> str | None:
        """Why `method(*args)` would revert in the next block, or None: a plain eth_call
        (vyndex.calls), since most legs refuse most of the time (cooldown, done) and most days no
        auction is due."""
        return quiet_call(method, *args, sender=sender, block="pending").refusal

    def _legs(self) -> list[tuple[int, int]]:
        """Every component over its target weight against every one under, largest gaps first."""
        from vyndex.venues import Lens

        weights = Lens(self.handle.rebalancer).weights()
        gaps = [w - t for w, t in zip(weights, self.targets_bps, strict=True)]
        over = sorted((i for i, g in enumerate(gaps) if g > 0), key=lambda i: -gaps[i])
        under = sorted((i for i, g in enumerate(gaps) if g < 0), key=lambda i: gaps[i])
        return [(s, b) for s in over for b in under]

    def _secondary(self, day: int, nav: float, record: DayRecord) -> None:
        c, a = self.config, self.actors
        weth_usd = self._price("WETH", day)
        vault = self.handle.vault
        # Noise scales with the pool: a fixed dollar size would swamp a pool whose index fell.
        depth_usd = self.pool.reserves()[0] / USD * nav
        for _ in range(c.noise_trades):
            size_usd = abs(float(self.rng.normal(0.0, c.noise * depth_usd)))
            sell_index = bool(self.rng.integers(0, 2))
            if sell_index:
                amount = min(int(size_usd / nav * USD), int(vault.balanceOf(a.noise.address)))
            else:
                amount = min(int(size_usd / weth_usd * USD), int(self.market.weth.balanceOf(a.noise.address)))
            if amount > 0:
                self.pool.swap(sell_index, amount, a.noise)
        done = self.pool.arbitrage(
            a.arbitrageur,
            nav,
            weth_usd,
            [float(p) for p in self.path.prices[day]],
            self.handle.decimals,
            self._fund,
        )
        record.arb, record.arb_profit_usd = done.action, done.profit_usd
        record.pool_before, record.pool_after = done.price_before, done.price_after
        record.band_low, record.band_high = done.band_low / nav, done.band_high / nav

    def _mint(self, who: AccountAPI, shares: int) -> None:
        vault = self.handle.vault
        need = [int(x) for x in vault.preview_mint(shares)]
        for token, amount in zip(self.handle.tokens, need, strict=True):
            self._fund(token, amount, who)
            token.approve(vault.address, amount, sender=who)
        vault.mint(shares, who.address, need, sender=who)

    def _fund(self, token: ContractInstance, amount: int, who: AccountAPI) -> None:
        """Gives `who` `amount` of a component: wraps ether for WETH, mints the devnet's mocks."""
        have = int(token.balanceOf(who.address))
        if have >= amount:
            return
        short = amount - have
        if str(token.address).lower() == str(self.market.weth.address).lower():
            self.market.weth.deposit(sender=who, value=short)
        else:
            self.market.tokens[_symbol_of(self.market, token)].mint(who.address, short, sender=who)


def _symbol_of(market: Market, token: ContractInstance) -> str:
    for symbol, t in market.tokens.items():
        if str(t.address).lower() == str(token.address).lower():
            return symbol
    raise SimulationError(f"{token.address} is not a devnet token")


def _decimal(x: float) -> Decimal:
    """A price as the feeds can carry it (8 decimals)."""
    return Decimal(str(round(float(x), 8)))


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------


def write_csv(result: SimResult, path: Path) -> None:
    syms = result.symbols
    header = (
        ["day"]
        + [f"price_{s}" for s in syms]
        + [f"feed_live_{s}" for s in syms]
        + ["nav_usd", "ideal_usd"]
        + [f"weight_{s}" for s in syms]
        + [f"target_{s}" for s in syms]
        + ["drift_before_bps", "drift_after_bps", "trades", "gas", "cost_usd", "keeper", "supply"]
        + ["pool_before_usd", "pool_after_usd", "premium_before_bps", "premium_after_bps", "arbitrage"]
        + ["arbitrage_profit_usd"]
    )
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in result.records:
            w.writerow(
                [r.day]
                + [f"{p:.8g}" for p in r.prices]
                + [int(x) for x in r.feed_live]
                + [f"{r.nav:.6f}", f"{r.ideal:.6f}"]
                + [f"{x:.6f}" for x in r.weights]
                + [f"{x:.4f}" for x in r.targets]
                + [
                    f"{r.drift_before_bps:.1f}",
                    f"{r.drift_after_bps:.1f}",
                    r.trades,
                    r.gas,
                    f"{r.cost_usd:.2f}",
                ]
                + [r.keeper, f"{r.supply:.4f}"]
                + [f"{r.pool_before:.6f}", f"{r.pool_after:.6f}"]
                + [
                    f"{r.premium_before_bps:.1f}",
                    f"{r.premium_after_bps:.1f}",
                    r.arb,
                    f"{r.arb_profit_usd:.2f}",
                ]
            )


_VENUE_WORDS = {
    "v2": "the rebalancer trades on the Uniswap V2 component/WETH pairs",
    "v3": "the rebalancer trades only on 0.3% full-range Uniswap V3 component/WETH pools of the same depth",
}


def markdown(result: SimResult, charts: Sequence[str] = ()) -> str:
    s = result.summary()
    c = result.config
    sc = c.scenario
    events = []
    if sc.crash is not None:
        drops = ", ".join(f"{k} -{v:.0%}" for k, v in sc.crash.drops.items())
        events.append(f"a crash on day {sc.crash.day} ({drops})")
    if sc.depeg is not None:
        trough = min(sc.depeg.factors)
        events.append(f"{sc.depeg.symbol} depegging from day {sc.depeg.start_day} (trough x{trough})")
    if sc.outage is not None:
        events.append(
            f"{sc.outage.symbol}'s feeds silent for {sc.outage.days} days from day {sc.outage.start_day}"
        )
    cap = f", cap {float(c.cap):.0%}" if c.cap is not None else ""
    floor = f", floor {float(c.floor):.0%}" if c.floor is not None else ""
    lines = [
        "## Market simulation",
        "",
        f"`make simulate` (scenario `{sc.name}`, seed {sc.seed}, venue {c.venue.upper()}: "
        f"{_VENUE_WORDS[c.venue]}): {len(result.symbols)} components "
        f"({', '.join(result.symbols)}) over {s['days']} days of correlated geometric Brownian motion "
        f"with {', '.join(events) or 'no events'}. Targets: {c.method}{cap}{floor}, reviewed every "
        f"{c.review_days} days. ${c.nav_usd:,} index; component pools ${c.pool_usd:,} a side; keeper at "
        f"every step (threshold {c.drift_threshold_bps} bps, trades capped at ${c.trade_cap_usd:,}, "
        f"{c.max_slippage_bps} bps maximum slippage); the index token's own pool holds "
        f"${c.index_pool_usd:,} a side at the start, {c.noise_trades} noise trades a day (each with a "
        f"standard deviation of {c.noise:.1%} of the pool's depth).",
        "",
        "| tracking error | tracking difference | rebalancing cost | trades | keeper gas | largest drift | "
        "days the oracle refused |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {s['tracking_error_bps']} bps/yr | {s['tracking_difference_bps']} bps | "
        f"{s['rebalance_cost_bps']} bps of NAV | {s['trades']} | {s['keeper_gas']:,} | "
        f"{s['max_drift_bps']} bps | {s['days_oracle_refused']} |",
        "",
        f"Index {s['nav_return_pct']}% against the ideal's {s['ideal_return_pct']}%; mean drift after "
        f"the keeper {s['mean_drift_after_keeper_bps']} bps; {s['reviews']} target sets "
        f"({s['review_gas']:,} gas for the manager's updates).",
        "",
        "| secondary market | |",
        "| --- | ---: |",
        f"| arbitrages (mint-and-sell / buy-and-redeem) | {s['mint_and_sell']} / {s['buy_and_redeem']} |",
        f"| arbitrageurs' profit at market prices (before gas) | ${s['arbitrage_profit_usd']:,.2f} |",
        f"| largest premium to NAV before arbitrage | {s['max_abs_premium_before_bps']} bps |",
        f"| largest premium to NAV after arbitrage | {s['max_abs_premium_after_bps']} bps |",
        f"| days inside the fee band after arbitrage | {s['days_in_band_after_arbitrage']} "
        f"of {s['days'] + 1} |",
    ]
    if charts:
        lines.append("")
        lines.extend(f"![{Path(p).stem}]({p})" for p in charts)
    return "\n".join(lines)


def write_charts(result: SimResult, out: Path) -> list[Path]:
    """PNG charts: NAV against the ideal, weights against targets, drift and trades, the pool's
    premium to NAV against the fee band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = result.records
    days = [x.day for x in r]
    syms = result.symbols
    sc = result.config.scenario

    def events(ax: Any) -> None:
        if sc.crash is not None and sc.crash.day <= days[-1]:
            ax.axvline(sc.crash.day, color="#b22222", lw=0.8, ls=":", label="crash")
        if sc.depeg is not None and sc.depeg.start_day <= days[-1]:
            ax.axvspan(sc.depeg.start_day, sc.depeg.start_day + len(sc.depeg.factors) - 1, color="#ffa50033")
        if sc.outage is not None and sc.outage.start_day <= days[-1]:
            ax.axvspan(sc.outage.start_day, sc.outage.start_day + sc.outage.days - 1, color="#80808040")

    paths = []
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True, height_ratios=[3, 1])
    top.plot(days, [x.nav for x in r], label="index NAV per token (market prices)", lw=1.4)
    top.plot(days, [x.ideal for x in r], label="ideal: targets held at no cost", lw=1.0, ls="--")
    events(top)
    top.set_ylabel("USD")
    top.set_title("vyndex against its ideal index (shaded: depeg, grey: feed outage)")
    top.legend(loc="best", fontsize=8)
    bottom.plot(days, [(x.nav / x.ideal - 1) * BPS for x in r], color="#444", lw=1.0)
    events(bottom)
    bottom.set_ylabel("gap, bps")
    bottom.set_xlabel("day")
    fig.tight_layout()
    paths.append(out / "nav_vs_ideal.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(10, 5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, sym in enumerate(syms):
        col = colors[i % len(colors)]
        ax.plot(days, [x.weights[i] * 100 for x in r], color=col, lw=1.2, label=sym)
        ax.step(days, [x.targets[i] * 100 for x in r], color=col, lw=0.8, ls="--", where="post")
    events(ax)
    ax.set_ylabel("weight, % (dashed: target)")
    ax.set_xlabel("day")
    ax.set_title("Weights at market prices after each day's keeper, against the targets")
    ax.legend(loc="upper right", fontsize=8, ncol=len(syms))
    fig.tight_layout()
    paths.append(out / "weights.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.plot(days, [x.drift_before_bps for x in r], label="largest drift before the keeper", lw=1.2)
    ax.plot(days, [x.drift_after_bps for x in r], label="after the keeper", lw=1.0)
    ax.axhline(result.config.drift_threshold_bps, color="#b22222", lw=0.8, ls="--", label="threshold")
    events(ax)
    ax.set_ylabel("bps")
    ax.set_xlabel("day")
    twin = ax.twinx()
    twin.bar(days, [x.trades for x in r], color="#88888866", width=0.8, label="trades")
    twin.set_ylabel("trades that day")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("Weight drift and the keeper's trades")
    fig.tight_layout()
    paths.append(out / "drift.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
    high = [(x.band_high - 1) * BPS for x in r]
    low = [(x.band_low - 1) * BPS for x in r]
    top.plot(days, [x.premium_before_bps for x in r], lw=0.9, label="after the day's noise trades")
    top.fill_between(days, low, high, color="#b2222233", label="fee band")
    events(top)
    top.set_ylabel("premium to NAV, bps")
    top.set_title("The index token's Uniswap V2 pool against NAV")
    top.legend(loc="best", fontsize=8)
    bottom.plot(
        days,
        [x.premium_after_bps for x in r],
        lw=1.0,
        color="#ff7f0e",
        marker=".",
        ms=3,
        label="after the mint-and-sell / buy-and-redeem arbitrage",
    )
    bottom.plot(days, high, color="#b22222", lw=0.8, ls="--", label="fee band")
    bottom.plot(days, low, color="#b22222", lw=0.8, ls="--")
    events(bottom)
    bottom.set_ylabel("premium to NAV, bps")
    bottom.set_xlabel("day")
    bottom.legend(loc="best", fontsize=8)
    fig.tight_layout()
    paths.append(out / "secondary_market.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths


def write_outputs(
    result: SimResult, out: Path, charts: bool = True, link_root: Path | None = None
) -> dict[str, Path]:
    """Writes simulation.csv, summary.json, simulation.md and (with `charts`) the PNGs into `out`.
    Chart links in the markdown are relative to `link_root` (default: `out`)."""
    out.mkdir(parents=True, exist_ok=True)
    written = {
        "csv": out / "simulation.csv",
        "summary": out / "summary.json",
        "markdown": out / "simulation.md",
    }
    write_csv(result, written["csv"])
    summary = {"summary": result.summary(), "config": result.config.describe(), "reviews": result.reviews}
    written["summary"].write_text(json.dumps(summary, indent=1) + "\n")
    pngs = write_charts(result, out) if charts else []
    for p in pngs:
        written[p.stem] = p
    base = link_root or out
    links = [os.path.relpath(p, base) for p in pngs]
    written["markdown"].write_text(markdown(result, links) + "\n")
    return written
