"""The keeper: when to perform a rebalancer's upkeep, and what to do when things go wrong.

`Keeper.step()` is one look at the chain: it reads an `Observation` (upkeep proposal, trade
counter, plan, pause flag, each feed's health), decides with the pure function `decide`, and
performs at most one upkeep. It never raises: every outcome is a `StepResult` whose `metrics()`
the Silverback bot returns and whose `message` the scripts print.

Faults, and what the keeper does about them:

* a reverted upkeep (during gas estimation or on chain): logs the reason, backs off
  exponentially, and tries the same action at most `max_attempts` times; after that it leaves
  that action alone until the chain state moves on. It never resends in a loop.
* a lost race (another keeper performed the same action first): the revert comes with a moved
  trade counter or plan; not an error, no backoff.
* an RPC that drops: the step reports it and backs off; if it dropped while a transaction was in
  flight, the action is "in doubt" and is not resent until a later observation shows whether it
  landed (plan or trade counter moved) or not (our nonce did not move).
* a node restart (block number went back, or a new genesis): everything remembered about the
  old chain is forgotten and the keeper starts over on the new one.
* a stale or failing oracle: `checkUpkeep` proposes nothing; the keeper reports which feed fails
  and why, and waits.
* nothing executable: the rebalancer's scout says why (a reason code), and the keeper logs it;
* the same drift twice: each action is identified by (action, plan, trade counter, sell, buy);
  once one was sent and mined, it is never sent again.
* a rebalancer with a Dutch auction (`Rebalancer.auction`): when no AMM trade is due and an
  eth_call of the auction's `open` from the keeper succeeds, the keeper opens it (the protocol's
  one transaction per auction; bidders pay for the fills). The same rule holds: an auction that
  ended without a fill is not opened again until a trade or a new plan moves the fingerprint.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ape.exceptions import (
    ApeException,
    ProviderNotConnectedError,
    RPCTimeoutError,
    TransactionError,
    VirtualMachineError,
)
from eth_abi.abi import decode as abi_decode
from requests.exceptions import ConnectionError as HTTPConnectionError
from requests.exceptions import Timeout as HTTPTimeout
from web3.exceptions import Web3Exception

# Rebalancer/UpkeepScout: performData is (ACTION_TRADE, sell, buy, venue, route, deadline); when nothing
# is due, (ACTION_NONE, reason, detail, 0, 0, 0).
ACTION_NONE = 0
ACTION_TRADE = 1
# The keeper's own action, never in performData: open the rebalancer's Dutch auction
# (`DutchAuction.open`) when no AMM trade is due and an eth_call of `open` from the keeper succeeds.
ACTION_OPEN_AUCTION = 2


class ScoutReason(enum.IntEnum):
    """UpkeepScout's REASON_* constants: why `checkUpkeep` proposes nothing. The names are the
    contract's without the prefix; tests/unit/oracle/test_reason_tables.py checks both ways."""

    PAUSED = 1
    NOT_READY = 2
    ORACLE = 3  # detail: component index << 8 | the adapter's code
    BALANCED = 4  # detail: the drift
    NOTHING_LEFT = 5
    COOLING_DOWN = 6  # detail: when the first component is ready again
    NOT_EXECUTABLE = 7  # detail: simulations tried


UPKEEP_REASONS: dict[int, str] = {
    ScoutReason.PAUSED: "vault paused",
    ScoutReason.NOT_READY: "not ready (no supply, targets or venue)",
    ScoutReason.ORACLE: "a price fails its checks",
    ScoutReason.BALANCED: "balanced",
    ScoutReason.NOTHING_LEFT: "nothing left to trade",
    ScoutReason.COOLING_DOWN: "components cooling down",
    ScoutReason.NOT_EXECUTABLE: "no candidate trade executes",
}
REASON_ORACLE = ScoutReason.ORACLE
REASON_COOLING_DOWN = ScoutReason.COOLING_DOWN


class OracleStatus(enum.IntEnum):
    """OracleAdapter's STATUS_* constants: `price_status` reason codes. The names are the
    contract's without the prefix; tests/unit/oracle/test_reason_tables.py checks both ways."""

    OK = 0
    UNKNOWN_ASSET = 1
    NO_ANSWER = 2
    ZERO_UPDATED_AT = 3
    FUTURE_UPDATED_AT = 4
    STALE = 5
    BELOW_LOWER_BOUND = 6
    ABOVE_UPPER_BOUND = 7
    SECONDARY_FAILED = 8
    DEVIATION = 9
    SEQUENCER_DOWN = 10
    SEQUENCER_GRACE_PERIOD = 11


# Each failing code's text is the adapter's revert string (`OracleAdapter.reason(code)`) without
# "oracle: "; the same test compares them.
ORACLE_REASONS: dict[int, str] = {
    OracleStatus.OK: "ok",
    OracleStatus.UNKNOWN_ASSET: "unknown asset",
    OracleStatus.NO_ANSWER: "no answer",
    OracleStatus.ZERO_UPDATED_AT: "zero updatedAt",
    OracleStatus.FUTURE_UPDATED_AT: "future updatedAt",
    OracleStatus.STALE: "stale price",
    OracleStatus.BELOW_LOWER_BOUND: "price below lower bound",
    OracleStatus.ABOVE_UPPER_BOUND: "price above upper bound",
    OracleStatus.SECONDARY_FAILED: "secondary feed failed",
    OracleStatus.DEVIATION: "feeds deviate",
    OracleStatus.SEQUENCER_DOWN: "sequencer down",
    OracleStatus.SEQUENCER_GRACE_PERIOD: "sequencer grace period",
}

log = logging.getLogger("vyndex.keeper")


# ---------------------------------------------------------------------------------------------
# What the keeper sees
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upkeep:
    """`checkUpkeep`'s answer, decoded: a trade (sell -> buy on a venue's route), or the reason
    nothing is due (`reason`, `detail`: UpkeepScout's REASON_* codes)."""

    needed: bool
    data: bytes = b""
    action: int = ACTION_NONE
    sell: int = 0
    buy: int = 0
    venue: int = 0
    route: int = 0
    deadline: int = 0
    reason: int = 0
    detail: int = 0

    @classmethod
    def decode(cls, needed: bool, data: bytes) -> Upkeep:
        raw = bytes(data)
        if len(raw) < 192:
            return cls(needed=False, data=raw)
        action, a, b, c, d, e = abi_decode(["uint256"] * 6, raw[:192])
        if needed and action == ACTION_TRADE:
            return cls(True, raw, action, a, b, c, d, e)
        return cls(False, raw, ACTION_NONE, reason=a, detail=b)

    @property
    def why(self) -> str:
        """Why nothing is due, in words ('' when a trade is)."""
        if self.needed or not self.reason:
            return ""
        text = UPKEEP_REASONS.get(self.reason, f"reason {self.reason}")
        if self.reason == REASON_ORACLE:
            return f"{text}: component #{self.detail >> 8}, adapter code {self.detail & 0xFF}"
        if self.reason == REASON_COOLING_DOWN:
            return f"{text} until {self.detail}"
        return text

    def describe(self, symbols: Sequence[str] = ()) -> str:
        if not self.needed:
            return f"nothing due ({self.why})" if self.why else "nothing due"
        if self.action == ACTION_OPEN_AUCTION:
            return "open the Dutch auction (bidders fill its legs)"

        def name(i: int) -> str:
            return symbols[i] if i < len(symbols) else f"#{i}"

        return f"trade {name(self.sell)} -> {name(self.buy)} (venue {self.venue}, route {self.route})"


@dataclass(frozen=True)
class FeedHealth:
    symbol: str
    usable: bool
    code: int
    price: int

    @property
    def reason(self) -> str:
        return ORACLE_REASONS.get(self.code, f"code {self.code}")


@dataclass(frozen=True)
class Observation:
    block: int
    timestamp: int
    genesis: str
    upkeep: Upkeep
    trades: int
    plan: int  # Rebalancer.rebalance_started: 0 without a plan
    paused: bool
    nonce: int  # the keeper account's next nonce
    feeds: tuple[FeedHealth, ...] = ()
    drift_bps: int | None = None  # None when a price fails its checks
    threshold_bps: int = 0
    next_ready_at: int | None = None  # when a cooling-down component becomes tradable
    symbols: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> Fingerprint:
        u = self.upkeep
        return Fingerprint(u.action, self.plan, self.trades, u.sell, u.buy)

    @property
    def balanced(self) -> bool:
        """Within the threshold, nothing due, and no planned trade waiting on a cooldown."""
        return (
            self.drift_bps is not None
            and self.drift_bps <= self.threshold_bps
            and not self.upkeep.needed
            and self.next_ready_at is None
        )


@dataclass(frozen=True)
class Fingerprint:
    """One drift's one action: the same fingerprint is never performed twice."""

    action: int
    plan: int
    trades: int
    sell: int
    buy: int


@dataclass(frozen=True)
class TradeLog:
    sell: str
    buy: str
    amount_in: int
    amount_out: int
    value_in_usd: int
    value_out_usd: int
    slippage_bps: int


@dataclass(frozen=True)
class Performed:
    """A mined upkeep."""

    tx_hash: str
    gas_used: int
    trades: tuple[TradeLog, ...] = ()
    started: bool = False


class KeeperChain(Protocol):
    """What the keeper needs of a chain; `vyndex.keeper_ape.ApeKeeperChain` is the real one."""

    def observe(self) -> Observation: ...

    def perform(self, upkeep: Upkeep) -> Performed: ...


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class ErrorKind(enum.StrEnum):
    REVERT = "revert"
    RPC = "rpc"
    OTHER = "other"


_RPC_WORDS = (
    "connection refused",
    "connection reset",
    "connection aborted",
    "max retries exceeded",
    "remote end closed",
    "timed out",
    "not connected",
    "failed to establish",
    "broken pipe",
)


# What a chain read or send may raise that the keeper outlives: Ape's exceptions (reverts,
# provider errors), the web3 and HTTP layers under it, and lost connections. Anything else is a
# bug in our code and propagates with its traceback.
CHAIN_ERRORS: tuple[type[BaseException], ...] = (ApeException, Web3Exception, OSError)
_RPC_ERRORS = (
    ConnectionError,
    TimeoutError,
    HTTPConnectionError,
    HTTPTimeout,
    ProviderNotConnectedError,
    RPCTimeoutError,
)


def classify(exc: BaseException) -> tuple[ErrorKind, str]:
    """Whether an exception is a revert (and its reason), a lost connection, or something else;
    by exception class (Ape's own), following the chain of causes."""
    seen = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        kind_name = type(e).__name__
        if isinstance(e, VirtualMachineError) or (
            isinstance(e, TransactionError) and "revert" in str(e).lower()
        ):
            reason = getattr(e, "revert_message", None) or getattr(e, "message", None) or str(e)
            return ErrorKind.REVERT, str(reason)
        if isinstance(e, _RPC_ERRORS):
            return ErrorKind.RPC, f"{kind_name}: {e}"
        if any(w in str(e).lower() for w in _RPC_WORDS):
            return ErrorKind.RPC, f"{kind_name}: {e}"
        e = e.__cause__ or e.__context__
    return ErrorKind.OTHER, f"{type(exc).__name__}: {exc}"


# ---------------------------------------------------------------------------------------------
# Deciding
# ---------------------------------------------------------------------------------------------


class Outcome(enum.StrEnum):
    IDLE = "idle"  # nothing due
    PERFORMED = "performed"
    WAIT_ORACLE = "wait-oracle"  # a feed fails its checks
    WAIT_PAUSED = "wait-paused"
    WAIT_COOLDOWN = "wait-cooldown"  # a plan is open but its next trade is cooling down
    BACKOFF = "backoff"  # after a failure, waiting before trying again
    DUPLICATE = "duplicate"  # this action was already performed (or abandoned)
    IN_DOUBT = "in-doubt"  # a transaction may be in flight; not resending
    REVERTED = "reverted"
    LOST_RACE = "lost-race"
    RPC_DOWN = "rpc-down"
    CHAIN_RESET = "chain-reset"
    ERROR = "error"


@dataclass(frozen=True)
class KeeperConfig:
    max_attempts: int = 3  # per action, then it is abandoned until the chain moves on
    backoff_base: float = 12.0  # seconds; doubles per consecutive failure
    backoff_max: float = 600.0


@dataclass
class InFlight:
    fingerprint: Fingerprint
    nonce: int
    at: float


@dataclass
class KeeperState:
    genesis: str | None = None
    last_block: int = -1
    last_trades: int = 0
    attempts: dict[Fingerprint, int] = field(default_factory=dict)
    done: set[Fingerprint] = field(default_factory=set)
    failures: int = 0  # consecutive
    backoff_until: float = 0.0
    in_flight: InFlight | None = None

    def to_json(self) -> dict[str, Any]:
        """What a one-shot keeper (cron) carries to its next run; times must be wall-clock."""
        return {
            "genesis": self.genesis,
            "last_block": self.last_block,
            "last_trades": self.last_trades,
            "attempts": [[*_fp_tuple(fp), n] for fp, n in self.attempts.items()],
            "done": [list(_fp_tuple(fp)) for fp in self.done],
            "failures": self.failures,
            "backoff_until": self.backoff_until,
            "in_flight": [*_fp_tuple(self.in_flight.fingerprint), self.in_flight.nonce, self.in_flight.at]
            if self.in_flight
            else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeeperState:
        flight = data.get("in_flight")
        return cls(
            genesis=data.get("genesis"),
            last_block=int(data.get("last_block", -1)),
            last_trades=int(data.get("last_trades", 0)),
            attempts={Fingerprint(*row[:5]): int(row[5]) for row in data.get("attempts", [])},
            done={Fingerprint(*row[:5]) for row in data.get("done", [])},
            failures=int(data.get("failures", 0)),
            backoff_until=float(data.get("backoff_until", 0.0)),
            in_flight=InFlight(Fingerprint(*flight[:5]), int(flight[5]), float(flight[6]))
            if flight
            else None,
        )

    def forget_chain(self) -> None:
        self.attempts.clear()
        self.done.clear()
        self.failures = 0
        self.backoff_until = 0.0
        self.in_flight = None


def _fp_tuple(fp: Fingerprint) -> tuple[int, int, int, int, int]:
    return (fp.action, fp.plan, fp.trades, fp.sell, fp.buy)


@dataclass(frozen=True)
class Decision:
    perform: bool
    outcome: Outcome
    message: str


def decide(state: KeeperState, obs: Observation, now: float) -> Decision:
    """What to do about one observation. Pure: reads `state`, never changes it."""
    if obs.paused:
        return Decision(False, Outcome.WAIT_PAUSED, "vault paused: rebalancing stopped by the guardian")
    failing = [f for f in obs.feeds if not f.usable]
    if failing:
        what = ", ".join(f"{f.symbol}: {f.reason}" for f in failing)
        return Decision(False, Outcome.WAIT_ORACLE, f"oracle not usable ({what}); waiting")
    if not obs.upkeep.needed:
        if obs.next_ready_at is not None and obs.next_ready_at > obs.timestamp:
            wait = obs.next_ready_at - obs.timestamp
            return Decision(False, Outcome.WAIT_COOLDOWN, f"next trade cooling down for {wait}s")
        drift = "?" if obs.drift_bps is None else f"{obs.drift_bps} bps"
        why = f"{obs.upkeep.why}, " if obs.upkeep.why else ""
        return Decision(
            False, Outcome.IDLE, f"nothing due ({why}drift {drift}, threshold {obs.threshold_bps} bps)"
        )
    fp = obs.fingerprint
    what = obs.upkeep.describe(obs.symbols)
    if fp in state.done:
        return Decision(False, Outcome.DUPLICATE, f"{what}: already performed for this drift")
    if now < state.backoff_until:
        return Decision(False, Outcome.BACKOFF, f"{what}: backing off {state.backoff_until - now:.0f}s more")
    if state.in_flight is not None:
        return Decision(False, Outcome.IN_DOUBT, f"{what}: an earlier send is unresolved; not resending")
    return Decision(True, Outcome.PERFORMED, what)


# ---------------------------------------------------------------------------------------------
# Acting
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepResult:
    outcome: Outcome
    message: str
    block: int | None = None
    drift_bps: int | None = None
    balanced: bool = False
    performed: Performed | None = None
    observation: Observation | None = None

    def metrics(self) -> dict[str, Any]:
        """Numbers only (Silverback records scalars): drift is -1 when a price fails its checks."""
        trades = self.performed.trades if self.performed else ()
        return {
            "performed": int(self.outcome is Outcome.PERFORMED),
            "failed": int(self.outcome in (Outcome.REVERTED, Outcome.RPC_DOWN, Outcome.ERROR)),
            "waiting_oracle": int(self.outcome is Outcome.WAIT_ORACLE),
            "drift_bps": self.drift_bps if self.drift_bps is not None else -1,
            "trades": len(trades),
            "gas_used": self.performed.gas_used if self.performed else 0,
            "slippage_bps": max((t.slippage_bps for t in trades), default=0),
        }


class Keeper:
    """Observes, decides, performs, and remembers enough to never repeat itself."""

    def __init__(
        self,
        chain: KeeperChain,
        config: KeeperConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        logger: logging.Logger = log,
    ) -> None:
        self.chain = chain
        self.config = config or KeeperConfig()
        self.clock = clock
        self.log = logger
        self.state = KeeperState()

    # -- public

    def step(self) -> StepResult:
        now = self.clock()
        try:
            obs = self.chain.observe()
        except CHAIN_ERRORS as exc:  # the keeper outlives any failing read; a bug propagates
            self.log.debug("reading the chain failed", exc_info=True)
            kind, why = classify(exc)
            if kind is ErrorKind.RPC:
                return self._fail(now, Outcome.RPC_DOWN, f"RPC unreachable ({why}); backing off")
            return self._fail(now, Outcome.ERROR, f"cannot read the chain: {why}")

        reset = self._notice_chain(obs)
        self._settle_in_flight(obs, now)
        decision = decide(self.state, obs, now)
        if not decision.perform:
            outcome = Outcome.CHAIN_RESET if reset and decision.outcome is Outcome.IDLE else decision.outcome
            message = f"chain reset; {decision.message}" if reset else decision.message
            self._emit(outcome, message)
            return self._result(outcome, message, obs)
        return self._perform(obs, now)

    # -- internals

    def _notice_chain(self, obs: Observation) -> bool:
        st = self.state
        reset = st.genesis is not None and (
            obs.genesis != st.genesis or obs.block < st.last_block or obs.trades < st.last_trades
        )
        if reset:
            self.log.warning(
                "chain reset (block %s after %s): forgetting its history", obs.block, st.last_block
            )
            st.forget_chain()
        st.genesis = obs.genesis
        st.last_block = obs.block
        st.last_trades = obs.trades
        return reset

    def _settle_in_flight(self, obs: Observation, now: float) -> None:
        """Resolves a send whose fate an RPC failure hid."""
        flight = self.state.in_flight
        if flight is None:
            return
        fp = flight.fingerprint
        moved = (obs.plan, obs.trades) != (fp.plan, fp.trades)
        if moved:
            # It landed, or another keeper did the same; either way this drift is handled.
            self.state.done.add(fp)
            self.state.in_flight = None
            self.state.failures = 0
            self.state.backoff_until = 0.0
            self.log.info("earlier upkeep resolved: the chain moved on")
        elif obs.nonce <= flight.nonce:
            # Never left us: it may be tried again (it already counts as an attempt).
            self.state.in_flight = None
            self.log.info("earlier upkeep was never sent; it may be retried")
        elif fp.action == ACTION_OPEN_AUCTION:
            # Mined: an open moves neither the plan nor the trade count, so whether it opened the
            # auction or reverted does not show here. Either way nothing is resent while one is
            # open (an open auction refuses another `open`, and observe() asks it first).
            self.state.in_flight = None
            self.log.info("earlier auction open was mined: it opened the auction or reverted")
        else:
            # A trade mined without moving anything: it reverted.
            self.state.in_flight = None
            self.log.warning("earlier upkeep was mined but changed nothing: it reverted")

    def _perform(self, obs: Observation, now: float) -> StepResult:
        fp = obs.fingerprint
        what = obs.upkeep.describe(obs.symbols)
        st = self.state
        st.attempts[fp] = st.attempts.get(fp, 0) + 1
        st.in_flight = InFlight(fp, obs.nonce, now)
        self.log.info("performing upkeep: %s (block %s, drift %s bps)", what, obs.block, obs.drift_bps)
        try:
            performed = self.chain.perform(obs.upkeep)
        except CHAIN_ERRORS as exc:
            self.log.debug("performing the upkeep failed", exc_info=True)
            kind, why = classify(exc)
            if kind is ErrorKind.RPC:
                # In doubt: keep `in_flight` so the next observation settles it.
                return self._fail(now, Outcome.RPC_DOWN, f"{what}: RPC failed while sending ({why})", obs)
            st.in_flight = None
            if kind is ErrorKind.REVERT:
                return self._reverted(obs, fp, what, why, now)
            return self._fail(now, Outcome.ERROR, f"{what}: {why}", obs)
        st.in_flight = None
        st.done.add(fp)
        # The chain is now past the block we saw: seeing that block again means it was reset.
        st.last_block = max(st.last_block, obs.block + 1)
        st.failures = 0
        st.backoff_until = 0.0
        for t in performed.trades:
            self.log.info(
                "trade: %s -> %s, in %s, out %s, $%.2f -> $%.2f, slippage %s bps",
                t.sell,
                t.buy,
                t.amount_in,
                t.amount_out,
                t.value_in_usd / 1e18,
                t.value_out_usd / 1e18,
                t.slippage_bps,
            )
        message = f"{what}: done in {performed.tx_hash} ({performed.gas_used} gas)"
        self._emit(Outcome.PERFORMED, message)
        return self._result(Outcome.PERFORMED, message, obs, performed)

    def _reverted(self, obs: Observation, fp: Fingerprint, what: str, why: str, now: float) -> StepResult:
        # Did someone else get there first? Look again before calling it a failure.
        try:
            again = self.chain.observe()
        except CHAIN_ERRORS:
            again = None
        if again is not None and (again.plan, again.trades) != (fp.plan, fp.trades):
            self.state.done.add(fp)
            message = f"{what}: another keeper was first ({why})"
            self._emit(Outcome.LOST_RACE, message)
            return self._result(Outcome.LOST_RACE, message, again)
        attempts = self.state.attempts.get(fp, 0)
        delay = self._back_off(now)
        if attempts >= self.config.max_attempts:
            self.state.done.add(fp)
            message = f"{what}: reverted ({why}); gave up after {attempts} attempts until the chain moves on"
        else:
            tries = f"attempt {attempts}/{self.config.max_attempts}"
            message = f"{what}: reverted ({why}); {tries}, retry in {delay:.0f}s"
        self._emit(Outcome.REVERTED, message, logging.WARNING)
        return self._result(Outcome.REVERTED, message, obs)

    def _back_off(self, now: float) -> float:
        st = self.state
        st.failures += 1
        delay = min(self.config.backoff_base * 2 ** (st.failures - 1), self.config.backoff_max)
        st.backoff_until = now + delay
        return delay

    def _fail(self, now: float, outcome: Outcome, message: str, obs: Observation | None = None) -> StepResult:
        delay = self._back_off(now)
        message = f"{message} (next try in {delay:.0f}s)"
        self._emit(outcome, message, logging.WARNING)
        return self._result(outcome, message, obs)

    def _emit(self, outcome: Outcome, message: str, level: int = logging.INFO) -> None:
        self.log.log(level, "[%s] %s", outcome, message)

    def _result(
        self, outcome: Outcome, message: str, obs: Observation | None, performed: Performed | None = None
    ) -> StepResult:
        return StepResult(
            outcome=outcome,
            message=message,
            block=obs.block if obs else None,
            drift_bps=obs.drift_bps if obs else None,
            balanced=obs.balanced if obs else False,
            performed=performed,
            observation=obs,
        )
