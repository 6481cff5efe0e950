"""The keeper: a full rebalance on the real contracts, then the same under injected faults
(RPC drop, revert, stale oracle, a rival keeper, a node restart)."""

from __future__ import annotations

from typing import Any

import pytest

from vyndex.keeper.chain import ApeKeeperChain
from vyndex.keeper.loop import (
    ACTION_OPEN_AUCTION,
    ACTION_TRADE,
    ErrorKind,
    FeedHealth,
    Keeper,
    KeeperConfig,
    KeeperState,
    Observation,
    Outcome,
    Upkeep,
    classify,
    decide,
)
from vyndex.venues import Lens


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Faulty:
    """Wraps the real chain; tests script faults around observe and perform."""

    def __init__(self, real: ApeKeeperChain) -> None:
        self.real = real
        self.observe_failures = 0
        self.before_perform: Any = None
        self.fail_after_send = False
        self.performs = 0

    def observe(self) -> Observation:
        if self.observe_failures:
            self.observe_failures -= 1
            raise ConnectionError("Connection refused (injected)")
        return self.real.observe()

    def perform(self, upkeep: Upkeep):
        self.performs += 1
        if self.before_perform:
            hook, self.before_perform = self.before_perform, None
            hook(upkeep)
        result = self.real.perform(upkeep)
        if self.fail_after_send:
            self.fail_after_send = False
            raise ConnectionError("Remote end closed connection without response (injected)")
        return result


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def faulty(drifted, keeper):
    return Faulty(ApeKeeperChain(drifted, keeper))


@pytest.fixture
def bot(faulty, clock):
    return Keeper(faulty, KeeperConfig(max_attempts=3, backoff_base=10, backoff_max=60), clock=clock)


def advance(chain, seconds: int = 61) -> None:
    chain.mine(timestamp=chain.blocks.head.timestamp + seconds)


def run_until_balanced(bot, chain, clock, limit: int = 20) -> list:
    results = []
    for _ in range(limit):
        result = bot.step()
        results.append(result)
        if result.balanced:
            return results
        advance(chain)
        clock.now += 61
    raise AssertionError(f"not balanced after {limit} steps: {[r.message for r in results]}")


# ---------------------------------------------------------------------------------------------
# The happy path on real contracts
# ---------------------------------------------------------------------------------------------


def test_keeper__drifted_basket__rebalanced_within_threshold(bot, drifted, chain, clock):
    rb = drifted.rebalancer
    assert Lens(rb).drift_bps() > rb.drift_threshold_bps()
    results = run_until_balanced(bot, chain, clock)
    performed = [r for r in results if r.outcome is Outcome.PERFORMED]
    assert performed[0].performed.started
    trades = [t for r in performed for t in r.performed.trades]
    assert trades and trades[0].sell == "WETH"
    assert all(t.slippage_bps <= rb.max_slippage_bps() for t in trades)
    assert Lens(rb).drift_bps() <= rb.drift_threshold_bps()
    assert rb.trades() == len(trades)
    metrics = performed[-1].metrics()
    assert metrics["gas_used"] > 0 and metrics["performed"] == 1 and metrics["failed"] == 0
    assert all(isinstance(v, int) for v in metrics.values())


def test_keeper__balanced_basket__sends_nothing(minted, keeper, clock):
    bot = Keeper(ApeKeeperChain(minted, keeper), clock=clock)
    nonce = keeper.nonce
    result = bot.step()
    assert result.outcome is Outcome.IDLE and result.balanced
    assert keeper.nonce == nonce


# ---------------------------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------------------------


def test_keeper__stale_oracle__waits_and_names_the_feed(bot, faulty, keeper, chain):
    advance(chain, 2 * 3600)  # past the 1 h staleness of WETH and WBTC
    nonce = keeper.nonce
    result = bot.step()
    assert result.outcome is Outcome.WAIT_ORACLE
    assert "WETH: stale price" in result.message and "WBTC: stale price" in result.message
    assert "USDC" not in result.message  # its staleness is a day
    assert faulty.performs == 0 and keeper.nonce == nonce


def test_keeper__rpc_drop__backs_off_then_recovers(bot, faulty, clock):
    faulty.observe_failures = 2
    first = bot.step()
    assert first.outcome is Outcome.RPC_DOWN and "next try in 10s" in first.message
    second = bot.step()  # still down: the backoff doubles
    assert second.outcome is Outcome.RPC_DOWN and "next try in 20s" in second.message
    clock.now += 10
    third = bot.step()  # back, but still inside the backoff window: nothing sent
    assert third.outcome is Outcome.BACKOFF and faulty.performs == 0
    clock.now += 30
    assert bot.step().outcome is Outcome.PERFORMED
    assert faulty.performs == 1


def test_keeper__rpc_drop_after_sending__never_resends(bot, faulty, drifted, chain, clock):
    faulty.fail_after_send = True
    first = bot.step()
    assert first.outcome is Outcome.RPC_DOWN
    assert drifted.rebalancer.trades() == 1  # it did land
    advance(chain, 301)  # both components of that trade cool down
    clock.now += 100
    second = bot.step()
    # The keeper notices the trade landed and moves on to the next one, never resending the first.
    assert second.outcome is Outcome.PERFORMED and second.performed.trades
    assert drifted.rebalancer.trades() == 2
    assert faulty.performs == 2


def test_keeper__revert__backs_off_and_gives_up_after_max_attempts(
    bot, faulty, drifted, owner, keeper, clock
):
    drifted.rebalancer.set_keeper(keeper.address, False, sender=owner)
    results = []
    for _ in range(8):
        results.append(bot.step())
        clock.now += 5
    outcomes = [r.outcome for r in results]
    assert outcomes.count(Outcome.REVERTED) == 3  # max_attempts, never a loop
    assert faulty.performs == 3
    assert "rebalancer: caller is not a keeper" in results[0].message
    assert Outcome.BACKOFF in outcomes
    assert "gave up after 3 attempts" in next(r.message for r in results if "gave up" in r.message)
    clock.now += 1_000
    assert bot.step().outcome is Outcome.DUPLICATE  # abandoned until the chain moves on
    assert faulty.performs == 3


def test_keeper__rival_keeper_first__lost_race_and_one_trade_only(
    bot, faulty, drifted, market, owner, bob, chain, clock
):
    from vyndex.devnet import publish

    rb = drifted.rebalancer
    # A new keeper waits out the governance delay (the index has holders); then fresh rounds.
    eta = rb.set_keeper(bob.address, True, sender=owner).decode_logs(rb.ChangeQueued)[0].eta
    chain.mine(timestamp=eta)
    rb.set_keeper(bob.address, True, sender=owner)
    assert rb.keepers(bob.address)
    for symbol in market.tokens:
        publish(market, symbol, market.price(symbol), owner)
    assert bot.step().outcome is Outcome.PERFORMED  # the plan's first trade
    advance(chain)
    clock.now += 61
    trades_before = rb.trades()

    def rival(upkeep):
        rb.performUpkeep(upkeep.data, sender=bob)

    faulty.before_perform = rival
    result = bot.step()
    assert result.outcome is Outcome.LOST_RACE, result.message
    assert rb.trades() == trades_before + 1  # the rival's trade, not two for one drift
    again = bot.step()
    assert again.outcome is not Outcome.PERFORMED or again.observation.trades > trades_before
    assert rb.trades() <= trades_before + 2


def test_keeper__node_restart__forgets_the_old_chain(bot, faulty, drifted, chain, clock):
    snapshot = chain.snapshot()
    assert bot.step().outcome is Outcome.PERFORMED  # the plan's first trade
    chain.restore(snapshot)  # the node lost it, as after a restart without state
    assert drifted.rebalancer.rebalance_started() == 0 and drifted.rebalancer.trades() == 0
    result = bot.step()
    assert result.outcome is Outcome.PERFORMED and result.performed.started
    assert faulty.performs == 2


def test_keeper__paused_vault__waits(bot, faulty, drifted, guardian):
    drifted.vault.set_paused(True, sender=guardian)
    result = bot.step()
    assert result.outcome is Outcome.WAIT_PAUSED and faulty.performs == 0


# ---------------------------------------------------------------------------------------------
# decide() alone
# ---------------------------------------------------------------------------------------------


def obs(**kw: Any) -> Observation:
    base: dict[str, Any] = dict(
        block=10,
        timestamp=1_000,
        genesis="0x01",
        upkeep=Upkeep(True, b"x", ACTION_TRADE, 0, 1, 0, 0, 2_000),
        trades=3,
        plan=900,
        paused=False,
        nonce=7,
        feeds=(FeedHealth("WETH", True, 0, 1),),
        drift_bps=500,
        threshold_bps=200,
    )
    base.update(kw)
    return Observation(**base)


def test_decide__same_fingerprint_after_success__is_duplicate():
    state = KeeperState()
    o = obs()
    assert decide(state, o, 0).perform
    state.done.add(o.fingerprint)
    assert decide(state, o, 0).outcome is Outcome.DUPLICATE
    # The next trade of the same plan is a new fingerprint.
    assert decide(state, obs(trades=4), 0).perform


def test_decide__trades_of_different_pairs__fingerprints_differ():
    first = obs(upkeep=Upkeep(True, b"y", ACTION_TRADE, 0, 1), trades=0)
    other = obs(upkeep=Upkeep(True, b"y", ACTION_TRADE, 2, 1), trades=0)
    assert first.fingerprint != other.fingerprint


def test_upkeep__scout_reason__decoded_and_named():
    from eth_abi import encode

    u = Upkeep.decode(False, encode(["uint256"] * 6, [0, 7, 3, 0, 0, 0]))
    assert not u.needed and (u.reason, u.detail) == (7, 3)
    assert u.why == "no candidate trade executes" and "no candidate trade executes" in u.describe()


def test_decide__open_auction__performed_once_per_fingerprint_in_its_own_words():
    opening = obs(upkeep=Upkeep(needed=True, action=ACTION_OPEN_AUCTION))
    assert opening.upkeep.describe() == "open the Dutch auction (bidders fill its legs)"
    state = KeeperState()
    d = decide(state, opening, 0)
    assert d.perform and d.message == opening.upkeep.describe()
    # Not the same action as a trade of the same plan and count: both may happen.
    assert opening.fingerprint != obs().fingerprint
    state.done.add(opening.fingerprint)
    assert decide(state, opening, 0).outcome is Outcome.DUPLICATE
    assert decide(state, obs(upkeep=opening.upkeep, trades=4), 0).perform  # a fill moved it on


def test_decide__waits_on_cooldown_when_nothing_is_due():
    d = decide(KeeperState(), obs(upkeep=Upkeep(False), next_ready_at=1_030), 0)
    assert d.outcome is Outcome.WAIT_COOLDOWN and "30s" in d.message


def test_decide__in_flight_send__not_resent():
    from vyndex.keeper.loop import InFlight

    o = obs()
    state = KeeperState(in_flight=InFlight(o.fingerprint, 7, 0.0))
    assert decide(state, o, 0).outcome is Outcome.IN_DOUBT


class Scripted:
    """A chain that answers observe() from a list and must never be asked to perform."""

    def __init__(self, *observations: Observation) -> None:
        self.observations = list(observations)

    def observe(self) -> Observation:
        return self.observations.pop(0)

    def perform(self, upkeep: Upkeep):
        raise AssertionError(f"sent {upkeep.describe()}")


@pytest.mark.parametrize(
    ("action", "said"),
    [
        (ACTION_TRADE, "earlier upkeep was mined but changed nothing: it reverted"),
        # An open moves neither plan nor trades: mined is all the keeper can tell of it.
        (ACTION_OPEN_AUCTION, "earlier auction open was mined: it opened the auction or reverted"),
    ],
)
def test_keeper__in_doubt_send_mined__settled_in_its_own_words(action, said, caplog):
    import logging

    from vyndex.keeper.loop import InFlight

    sent = obs(upkeep=Upkeep(True, b"x", action, 0, 1, 0, 0, 2_000))
    # Mined (the nonce moved on), nothing else moved; the auction now refuses another open.
    after = obs(upkeep=Upkeep(False), nonce=8, drift_bps=500)
    bot = Keeper(Scripted(after), KeeperConfig())
    bot.state.in_flight = InFlight(sent.fingerprint, 7, 0.0)
    with caplog.at_level(logging.INFO, logger=bot.log.name):
        bot.step()
    assert bot.state.in_flight is None
    assert [r.getMessage() for r in caplog.records if r.getMessage().startswith("earlier")] == [said]


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (ConnectionError("refused"), ErrorKind.RPC),
        (TimeoutError(), ErrorKind.RPC),
        (RuntimeError("HTTPConnectionPool: Max retries exceeded with url"), ErrorKind.RPC),
        (ValueError("bad"), ErrorKind.OTHER),
    ],
)
def test_classify__connection_errors_are_rpc(exc, kind):
    assert classify(exc)[0] is kind


def test_classify__ape_revert__carries_the_reason():
    from ape.exceptions import ContractLogicError

    kind, why = classify(ContractLogicError("rebalancer: drift within threshold"))
    assert kind is ErrorKind.REVERT and why == "rebalancer: drift within threshold"
