"""Seeded market scenarios for the simulation: prices a day apart, and which feeds publish.

A `Scenario` is the whole story of a run, fixed by its seed: correlated geometric Brownian
motion for every asset (daily log returns drawn from a multivariate normal with the assets'
annual volatilities and a correlation matrix, Cholesky-factored), then three events laid on top:

* a crash day: every asset loses a given fraction at once (12 March 2020: ether -43%, bitcoin
  -39% in a day);
* a depeg: one asset's price is multiplied by a path of factors for a few days (USDC traded at
  0.88 on 11 March 2023 before recovering);
* a feed outage: one asset's feeds publish nothing for some days while its market keeps moving,
  so its on-chain answer goes stale and the oracle adapter refuses it.

`generate` is pure (numpy only, no chain): the same scenario gives the same `PricePath` on any
machine. `history` is a warm-up window before day 0 for methods that need trailing data
(inverse volatility).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

DAYS_PER_YEAR = 365.0

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class ScenarioError(ValueError):
    """A scenario that cannot be generated; the message names the field."""


@dataclass(frozen=True)
class Crash:
    day: int
    drops: dict[str, float]  # symbol -> fraction lost that day (0.3 = -30%)


@dataclass(frozen=True)
class Depeg:
    symbol: str
    start_day: int
    factors: tuple[float, ...]  # multiplies the asset's price on start_day, start_day + 1, ...


@dataclass(frozen=True)
class Outage:
    symbol: str
    start_day: int
    days: int  # the feeds publish nothing on start_day .. start_day + days - 1


@dataclass(frozen=True)
class Scenario:
    name: str
    seed: int
    days: int
    symbols: tuple[str, ...]
    start_prices: tuple[float, ...]  # USD
    volatility: tuple[float, ...]  # annual, of log returns
    drift: tuple[float, ...]  # annual, of log returns
    correlation: tuple[tuple[float, ...], ...]
    crash: Crash | None = None
    depeg: Depeg | None = None
    outage: Outage | None = None
    history_days: int = 30

    def index_of(self, symbol: str) -> int:
        try:
            return self.symbols.index(symbol)
        except ValueError:
            raise ScenarioError(
                f"'{symbol}' is not one of the scenario's assets ({', '.join(self.symbols)})"
            ) from None

    def validate(self) -> None:
        n = len(self.symbols)
        if n == 0:
            raise ScenarioError("symbols: at least one asset")
        if self.days < 1:
            raise ScenarioError(f"days: at least 1, got {self.days}")
        for name in ("start_prices", "volatility", "drift"):
            if len(getattr(self, name)) != n:
                raise ScenarioError(f"{name}: {len(getattr(self, name))} values for {n} assets")
        if any(p <= 0 for p in self.start_prices):
            raise ScenarioError("start_prices: every price must be above zero")
        if any(v < 0 for v in self.volatility):
            raise ScenarioError("volatility: must not be negative")
        corr = np.array(self.correlation, dtype=float)
        if corr.shape != (n, n):
            raise ScenarioError(f"correlation: a {n}x{n} matrix, got shape {corr.shape}")
        if not np.allclose(corr, corr.T) or not np.allclose(np.diag(corr), 1.0):
            raise ScenarioError("correlation: must be symmetric with ones on the diagonal")
        if np.min(np.linalg.eigvalsh(corr)) < -1e-12:
            raise ScenarioError("correlation: not positive semi-definite")
        if self.crash is not None:
            if not 0 < self.crash.day <= self.days:
                raise ScenarioError(f"crash.day: between 1 and {self.days}, got {self.crash.day}")
            for symbol, drop in self.crash.drops.items():
                self.index_of(symbol)
                if not 0 <= drop < 1:
                    raise ScenarioError(f"crash.drops.{symbol}: a fraction in [0, 1), got {drop}")
        if self.depeg is not None:
            self.index_of(self.depeg.symbol)
            if any(f <= 0 for f in self.depeg.factors):
                raise ScenarioError("depeg.factors: every factor must be above zero")
        if self.outage is not None:
            self.index_of(self.outage.symbol)
            if self.outage.days < 1 or self.outage.start_day < 1:
                raise ScenarioError("outage: start_day and days must be at least 1")


@dataclass(frozen=True)
class PricePath:
    """`prices[d, i]`: asset i's market price (USD) on day d, for d in 0..days.
    `live[d, i]`: whether asset i's feeds publish on day d. `history[h, i]`: the warm-up days
    before day 0 (the last row is the day before day 0)."""

    symbols: tuple[str, ...]
    prices: FloatArray
    live: BoolArray
    history: FloatArray = field(repr=False)

    @property
    def days(self) -> int:
        return int(self.prices.shape[0] - 1)

    def trailing(self, day: int, window: int) -> FloatArray:
        """The `window` + 1 prices up to and including `day` (reaching into the history)."""
        full = np.vstack([self.history, self.prices])
        end = len(self.history) + day + 1
        return full[max(0, end - window - 1) : end]


def generate(s: Scenario) -> PricePath:
    s.validate()
    n = len(s.symbols)
    rng = np.random.default_rng(s.seed)
    dt = 1.0 / DAYS_PER_YEAR
    vol = np.array(s.volatility, dtype=float)
    drift = np.array(s.drift, dtype=float)
    corr = np.array(s.correlation, dtype=float)
    # Cholesky needs positive definite: a hair of diagonal loading covers semi-definite inputs.
    chol = np.linalg.cholesky(corr + np.eye(n) * 1e-12)
    total = s.history_days + s.days
    shocks = rng.standard_normal((total, n)) @ chol.T
    log_returns = (drift - 0.5 * vol**2) * dt + vol * np.sqrt(dt) * shocks
    if s.crash is not None:
        for symbol, drop in s.crash.drops.items():
            log_returns[s.history_days + s.crash.day - 1, s.index_of(symbol)] += np.log1p(-drop)
    start = np.array(s.start_prices, dtype=float)
    # Day 0 of the run is at the start prices; the history runs backwards from them.
    history_returns = log_returns[: s.history_days]
    run_returns = log_returns[s.history_days :]
    cumulative = np.vstack([np.zeros((1, n)), np.cumsum(run_returns, axis=0)])
    prices = start * np.exp(cumulative)
    back = np.cumsum(history_returns[::-1], axis=0)[::-1]  # log(p_0 / p_h) for each history day h
    history = start * np.exp(-back) if s.history_days else np.empty((0, n))
    if s.depeg is not None:
        i = s.index_of(s.depeg.symbol)
        for k, factor in enumerate(s.depeg.factors):
            d = s.depeg.start_day + k
            if d <= s.days:
                prices[d, i] *= factor
    live = np.ones((s.days + 1, n), dtype=bool)
    if s.outage is not None:
        i = s.index_of(s.outage.symbol)
        live[s.outage.start_day : s.outage.start_day + s.outage.days, i] = False
    return PricePath(symbols=s.symbols, prices=prices, live=live, history=history)


def _correlation(symbols: tuple[str, ...], crypto: float, stable: str) -> tuple[tuple[float, ...], ...]:
    rows = []
    for a in symbols:
        row = []
        for b in symbols:
            if a == b:
                row.append(1.0)
            elif stable in (a, b):
                row.append(0.0)
            else:
                row.append(crypto)
        rows.append(tuple(row))
    return tuple(rows)


STANDARD_SYMBOLS = ("WETH", "WBTC", "USDC", "LINK", "UNI")


def standard(days: int = 120, seed: int = 7) -> Scenario:
    """The standard scenario of BENCHMARKS.md: five devnet assets over `days` days, a crash on
    day 30, USDC depegging to 0.88 from day 55, LINK's feeds silent for three days from day 80
    (events beyond `days` are dropped)."""
    crash = (
        Crash(day=30, drops={"WETH": 0.30, "WBTC": 0.25, "LINK": 0.40, "UNI": 0.40}) if days >= 30 else None
    )
    depeg = Depeg("USDC", 55, (0.97, 0.91, 0.88, 0.93, 0.97, 0.99)) if days >= 55 else None
    outage = Outage("LINK", 80, 3) if days >= 82 else None
    return Scenario(
        name="standard",
        seed=seed,
        days=days,
        symbols=STANDARD_SYMBOLS,
        start_prices=(3000.0, 60000.0, 1.0, 15.0, 8.0),
        volatility=(0.70, 0.55, 0.01, 0.90, 1.00),
        drift=(0.0, 0.0, 0.0, 0.0, 0.0),
        correlation=_correlation(STANDARD_SYMBOLS, crypto=0.7, stable="USDC"),
        crash=crash,
        depeg=depeg,
        outage=outage,
    )
