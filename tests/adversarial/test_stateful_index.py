"""DESIGN invariants 1 to 4 as one hypothesis state machine over the live index: IndexVault,
OracleAdapter and Rebalancer on real Uniswap V2 pools, with a management fee and mint/redeem fees
(each within its cap) set at the start of every run.

Rules: holders mint, redeem (also forfeiting components with `redeem_skipping`) and transfer; time
jumps (fees accrue, feeds are refreshed); feeds move, with or without an arbitrageur dragging the pools
after them; the manager changes the targets; the keeper runs (`checkUpkeep` + `performUpkeep`, or
the proposed trade sent to `trade`); an attacker swaps the pools; the guardian pauses and unpauses;
a hostile owner (DESIGN invariant 10) queues changes chosen to hurt holders (fees at their caps, the
loosest slippage, open trading, the attacker as keeper, the shortest delay; a thief rebalancer, the
attacker as fee recipient or manager, WETH's feed for WBTC), applies each bounded one once due (refused
by name before), and the guardian cancels the rest. Whenever a change is queued, a watching holder
(carol) redeems everything at once and gets exactly her pro-rata basket.

After every step:
  1. solvency: for every component the vault holds at least `holdings()`, at least
     `preview_redeem(totalSupply())`, and at least what all holders' `preview_redeem` add up to;
  2. no free value: for every holder and component, what it took out plus its shares' claim (exactly,
     and at `preview_redeem`) is at most what it put in. "Put in" is the holder's ledger: components
     paid to mint, minus components redeemed; a transfer moves the sender's ledger pro rata to the
     receiver; a change of units that no holder caused (a rebalance trade, a component forfeited by
     another holder) credits every holder with exactly its shares times the change;
  3. redeem always works: inside a chain snapshot, with the vault paused and every feed stale, every
     holder and the fee recipient redeem everything, and all of it goes through;
  4. a keeper action never lowers the oracle value of the basket by more than max slippage times the
     value it traded (checked around every single action); whatever `checkUpkeep` proposes executes
     (liveness), and plans never outnumber trades;
and: the total supply is the sum of every actor's balance; the fee recipient holds exactly the fee
shares the events announced, each checked against its exact formula and against its cap (management
fee shares against the prior block's supply, scale and clock); the rebalancer holds no tokens between
transactions; `checkUpkeep` proposes nothing while the vault is paused.

Length follows the hypothesis profile: the default runs max_examples // 6 runs of 15 steps (4 x 15);
HYPOTHESIS_PROFILE=long (`make fuzz`, max_examples 1000) runs 166 runs of 70 steps and fails if fewer
than 10,000 steps ran (split over FUZZ_JOBS processes, each runs and checks its share).
VYNDEX_FUZZ_STEPS and VYNDEX_FUZZ_EXAMPLES override steps per run and runs; the session summary
prints how many steps ran and what they did. Select it alone with `-m fuzz`.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from typing import Any, ClassVar

import ape
import pytest
from eth_utils import keccak
from fuzz_shards import run_for_steps, shard_of
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from vyndex.constants import BPS, MAX_UINT256, USD, WAD
from vyndex.reference.uniswap_v2 import gross_of_fee

from .conftest import (
    ACTIVITY,
    COOLDOWN,
    DECIMALS,
    MIN_TRADE_USD,
    PRICES,
    SLIPPAGE_BPS,
    STALENESS,
    STEPS_RUN,
    SYMBOLS,
    TRADE_CAP_USD,
    YEAR,
    amount_of,
    basket_value,
    give,
    read,
    send,
    traded_usd,
)

PROFILE_EXAMPLES = settings.default.max_examples  # 25 under "default", 1000 under "long"
LONG = PROFILE_EXAMPLES >= 1000
EXAMPLES = shard_of(PROFILE_EXAMPLES // 6) if LONG else max(3, PROFILE_EXAMPLES // 6)
STEPS = int(os.environ.get("VYNDEX_FUZZ_STEPS", "70" if LONG else "15"))
EXAMPLES = int(os.environ.get("VYNDEX_FUZZ_EXAMPLES", EXAMPLES))
MIN_LONG_STEPS = 10_000

MAX_MANAGEMENT_FEE = 10**17
MAX_FEE_BPS = 500
STOCK_USD = 2_000_000
DUST_USD = USD // 1_000
TARGET_SETS = [
    [3334, 3333, 3333],
    [5000, 3000, 2000],
    [2000, 3000, 5000],
    [6000, 2000, 2000],
    [1000, 4500, 4500],
]
PAIRS = [("WETH", "USDC"), ("WETH", "WBTC"), ("USDC", "WBTC")]
GRACE_PERIOD = 14 * 86_400  # timelock.GRACE_PERIOD
GOVERNED = [
    "management fee at cap",
    "mint fee at cap",
    "redeem fee at cap",
    "loosest slippage",
    "open trading",
    "attacker keeper",
    "shortest delay",
    "thief rebalancer",
    "attacker fee recipient",
    "attacker manager",
    "WETH feed for WBTC",
]

SHARES = st.one_of(st.integers(1, 10**6), st.integers(10**15, 2_000 * WAD))
PPM = st.one_of(st.just(10**6), st.integers(1, 10**6))


@pytest.fixture(scope="module")
def world(
    vault,
    rebalancer,
    adapter,
    feeds,
    chainlink_feeds,
    pools,
    uni,
    tokens,
    ordered_tokens,
    alice,
    bob,
    carol,
    attacker,
    arbitrageur,
    owner,
    manager,
    guardian,
    fee_recipient,
    keeper,
    chain,
):
    """Holders (alice, with her 1,000 index tokens, bob, carol, attacker) and the arbitrageur each hold
    $2,000,000 of every component, approved to the vault and the router. The adapter is bound to the
    vault, as `vyndex deploy` and the factory bind it, so its feed changes wait out the delay."""
    if read(adapter.vault) != vault.address:
        adapter.set_vault(vault, sender=owner)
    for who in (alice, bob, carol, attacker, arbitrageur):
        who.balance += amount_of("WETH", STOCK_USD) + 10 * WAD
        for symbol in SYMBOLS:
            give(uni, tokens[symbol], who, amount_of(symbol, STOCK_USD))
            tokens[symbol].approve(vault, MAX_UINT256, sender=who)
            tokens[symbol].approve(uni.router, MAX_UINT256, sender=who)
    return {
        "vault": vault,
        "rebalancer": rebalancer,
        "adapter": adapter,
        "feeds": feeds,
        # Each feed's AccessControlledAggregator: its oracle (the owner) submits the rounds.
        "aggregators": {s: aggregator for s, (_proxy, aggregator) in chainlink_feeds.items()},
        "oracle_operator": owner,
        "pools": pools,
        "uni": uni,
        "tokens": tokens,
        "basket": ordered_tokens,
        "holders": [alice, bob, carol, attacker],
        "arbitrageur": arbitrageur,
        "manager": manager,
        "guardian": guardian,
        "fee_recipient": fee_recipient,
        "keeper": keeper,
        "chain": chain,
    }


class IndexMachine(RuleBasedStateMachine):
    world: ClassVar[dict[str, Any]] = {}

    def __init__(self) -> None:
        super().__init__()
        w = self.world
        for key in ("vault", "rebalancer", "adapter", "feeds", "uni", "tokens", "basket", "holders", "chain"):
            setattr(self, key, w[key])
        self.fee_recipient = w["fee_recipient"]
        self.claimants = [*self.holders, self.fee_recipient]
        self.snapshot = self.chain.snapshot()
        self.prices = {s: PRICES[s] * 10**8 for s in SYMBOLS}
        self.fees = (0, 0, 0)
        self.fee_shares = read(self.vault.balanceOf, self.fee_recipient)
        # Stored units are 18-decimal amounts: one base unit of each component is 10**(18 - decimals).
        self.one = [10 ** (18 - read(t.decimals)) for t in self.basket]
        self.prev = self._observe()
        # Every holder's ledger starts at its exact claim (alice paid exactly 1,000 units of each).
        self.ledger = {
            h.address: [
                Fraction(self.prev["shares"][h.address] * u * self.prev["scale"], WAD * WAD)
                for u in self.prev["stored"]
            ]
            for h in self.holders
        }
        self.steps = 0
        # Queued governance changes: id -> (kind, eta).
        self.pending: dict[bytes, tuple[str, int]] = {}
        self.slippage_bps = SLIPPAGE_BPS
        STEPS_RUN["runs"] += 1

    # -- observation --------------------------------------------------------------------------

    def _observe(self) -> dict[str, Any]:
        v = self.vault
        _, stored, supply_pending, scale = read(v.basket_state)
        supply = read(v.totalSupply)
        return {
            # Base units per 1e18 shares (before scale), exactly.
            "stored": [Fraction(u, one) for u, one in zip(stored, self.one, strict=True)],
            "scale": scale,
            "supply": supply,
            "supply_pending": supply_pending,
            "shares": {c.address: read(v.balanceOf, c) for c in self.claimants},
            "held": [read(t.balanceOf, v) for t in self.basket],
            "holdings": list(read(v.holdings)),
            "whole": list(read(v.preview_redeem, supply)),
            "paused": read(v.paused),
        }

    def _balances(self, who: Any) -> list[int]:
        return [read(t.balanceOf, who) for t in self.basket]

    def _claim(self, shares: int, obs: dict[str, Any]) -> list[Fraction]:
        return [Fraction(shares * u * obs["scale"], WAD * WAD) for u in obs["stored"]]

    # -- fees ---------------------------------------------------------------------------------

    def _account(self, receipt: Any) -> None:
        """Checks every fee a vault transaction charged, exactly and against its cap, and adds the fee
        shares to what the fee recipient must hold."""
        v = self.vault
        management, mint_bps, redeem_bps = self.fees
        for log in receipt.events.filter(v.ManagementFeeAccrued):
            ACTIVITY["management fee accrual"] += 1
            n = receipt.block_number - 1
            last, scale, supply = (
                read(v.last_accrued, block=n),
                read(v.scale, block=n),
                read(v.totalSupply, block=n),
            )
            dt = receipt.timestamp - last
            fraction = min(management * dt // YEAR, WAD // 2)
            assert log.fee_shares == supply * fraction // (WAD - fraction), (log, supply, fraction)
            assert log.scale == scale * (WAD - fraction) // WAD
            # Never more than the capped rate's share of the supply's value, and no value created.
            assert log.fee_shares * WAD * YEAR <= (supply + log.fee_shares) * MAX_MANAGEMENT_FEE * dt
            assert (supply + log.fee_shares) * log.scale <= supply * scale
            self.fee_shares += log.fee_shares
        for log in receipt.events.filter(v.Minted):
            assert log.fee_shares == -(-log.shares * mint_bps // BPS) <= -(-log.shares * MAX_FEE_BPS // BPS)
            self.fee_shares += log.fee_shares
        for log in receipt.events.filter(v.Redeemed):
            assert log.fee_shares == -(-log.shares * redeem_bps // BPS) <= -(-log.shares * MAX_FEE_BPS // BPS)
            self.fee_shares += log.fee_shares

    def _enact_fee(self, method: Any, value: int) -> None:
        """A fee raise with holders is queued by its first call (which accrues too); the clock then
        moves to its eta, the same call applies it, and every feed gets a fresh round."""
        manager = self.world["manager"]
        receipt = method(value, sender=manager)
        self._account(receipt)
        queued = [log for log in receipt.decode_logs() if log.event_name == "ChangeQueued"]
        if queued:
            self.chain.mine(timestamp=int(queued[0].eta))
            self._account(method(value, sender=manager))
            self._refresh_feeds()

    def _refresh_feeds(self) -> None:
        for s in SYMBOLS:
            aggregator = self.world["aggregators"][s]
            round_id = read(aggregator.latestRound) + 1
            send(aggregator.submit, round_id, self.prices[s], sender=self.world["oracle_operator"])

    # -- rules --------------------------------------------------------------------------------

    @initialize(
        management=st.sampled_from([0, 10**16, MAX_MANAGEMENT_FEE]),
        mint_bps=st.sampled_from([0, 1, 37, MAX_FEE_BPS]),
        redeem_bps=st.sampled_from([0, 1, 37, MAX_FEE_BPS]),
        weights=st.sampled_from(TARGET_SETS),
    )
    def setup(self, management: int, mint_bps: int, redeem_bps: int, weights: list[int]) -> None:
        manager, v = self.world["manager"], self.vault
        # Each setter accrues at the rates in force before it (a second may pass between them).
        self._enact_fee(v.set_management_fee, management)
        self.fees = (management, 0, 0)
        self._enact_fee(v.set_mint_fee, mint_bps)
        self.fees = (management, mint_bps, 0)
        self._enact_fee(v.set_redeem_fee, redeem_bps)
        self.fees = (management, mint_bps, redeem_bps)
        self.rebalancer.set_targets(weights, sender=manager)
        # The watching holder (carol) holds a position from the start.
        self.steps += 1
        self.mint(2, 50 * WAD)

    @rule(who=st.integers(0, 3), shares=SHARES)
    def mint(self, who: int, shares: int) -> None:
        self.steps += 1
        holder, v = self.holders[who], self.vault
        if read(v.paused):
            with ape.reverts("vault: minting paused"):
                v.mint(shares, holder, [MAX_UINT256] * 3, sender=holder)
            ACTIVITY["mint refused while paused"] += 1
            return
        bounds = list(read(v.preview_mint, shares))
        for token, bound in zip(self.basket, bounds, strict=True):
            self._ensure(holder, token, bound)
        before = self._balances(holder)
        receipt = v.mint(shares, holder, bounds, sender=holder)
        paid = [b - a for b, a in zip(before, self._balances(holder), strict=True)]
        assert paid == list(receipt.events.filter(v.Minted)[0].amounts)
        assert all(p <= b for p, b in zip(paid, bounds, strict=True))
        self.ledger[holder.address] = [x + p for x, p in zip(self.ledger[holder.address], paid, strict=True)]
        self._account(receipt)
        ACTIVITY["mint"] += 1

    @rule(who=st.integers(0, 3), ppm=PPM, skip=st.sampled_from([0, 0, 0, 0, 1, 2, 4, 5, 7]))
    def redeem(self, who: int, ppm: int, skip: int) -> None:
        self.steps += 1
        holder, v = self.holders[who], self.vault
        shares = read(v.balanceOf, holder) * ppm // 10**6
        if shares == 0:
            return
        before = self._balances(holder)
        skipped = [t for i, t in enumerate(self.basket) if skip >> i & 1]
        if skipped:
            receipt = v.redeem_skipping(shares, holder, [0, 0, 0], skipped, sender=holder)
        else:
            receipt = v.redeem(shares, holder, [0, 0, 0], sender=holder)
        got = [a - b for a, b in zip(self._balances(holder), before, strict=True)]
        owed = list(receipt.events.filter(v.Redeemed)[0].amounts)
        assert got == [0 if skip >> i & 1 else o for i, o in enumerate(owed)]
        self.ledger[holder.address] = [x - g for x, g in zip(self.ledger[holder.address], got, strict=True)]
        self._account(receipt)
        ACTIVITY["redeem_skipping" if skipped else "redeem"] += 1

    @rule(frm=st.integers(0, 3), to=st.integers(0, 3), ppm=PPM)
    def transfer(self, frm: int, to: int, ppm: int) -> None:
        self.steps += 1
        sender, receiver = self.holders[frm], self.holders[to]
        balance = read(self.vault.balanceOf, sender)
        shares = balance * ppm // 10**6
        if shares == 0 or frm == to:
            return
        self.vault.transfer(receiver, shares, sender=sender)
        moved = [x * Fraction(shares, balance) for x in self.ledger[sender.address]]
        self.ledger[sender.address] = [x - m for x, m in zip(self.ledger[sender.address], moved, strict=True)]
        self.ledger[receiver.address] = [
            x + m for x, m in zip(self.ledger[receiver.address], moved, strict=True)
        ]
        ACTIVITY["transfer"] += 1

    @rule(seconds=st.sampled_from([1, 60, COOLDOWN + 1, 3_600, 86_400, 30 * 86_400]), accrue=st.booleans())
    def wait(self, seconds: int, accrue: bool) -> None:
        self.steps += 1
        self.chain.pending_timestamp += seconds
        self._refresh_feeds()
        if accrue:
            self._account(self.vault.accrue_management_fee(sender=self.world["keeper"]))

    @rule(symbol=st.sampled_from(SYMBOLS), pct=st.integers(-15, 15), arbitrage=st.booleans())
    def move_price(self, symbol: str, pct: int, arbitrage: bool) -> None:
        self.steps += 1
        start = PRICES[symbol] * 10**8
        self.prices[symbol] = min(max(self.prices[symbol] * (100 + pct) // 100, start // 3), start * 3)
        self._refresh_feeds()
        if arbitrage:
            self._arbitrage()

    def _arbitrage(self) -> None:
        """Drags every pool to the feed prices (within the pool fee)."""
        arb, tokens, uni = self.world["arbitrageur"], self.tokens, self.uni
        for a, b in PAIRS:
            pair = self.world["pools"][(a, b)]
            r0, r1, _ = read(pair.getReserves)
            a_is_0 = read(pair.token0).lower() == tokens[a].address.lower()
            ra, rb = (r0, r1) if a_is_0 else (r1, r0)
            # At the feed prices: rb / ra = price_a * 10**dec_b / (price_b * 10**dec_a).
            pa, pb = self.prices[a], self.prices[b]
            ra_fair = math.isqrt(ra * rb * pb * 10 ** DECIMALS[a] // (pa * 10 ** DECIMALS[b]))
            if ra_fair > ra:
                sold, amount = a, gross_of_fee(ra_fair - ra)
            else:
                sold, amount = b, gross_of_fee(ra * rb // max(ra_fair, 1) - rb)
            if amount * self.prices[sold] < 10**8 * 10 ** DECIMALS[sold]:
                continue  # less than a dollar off
            sell, buy = tokens[sold], tokens[b if sold == a else a]
            self._ensure(arb, sell, amount)
            send(uni.router.swapExactTokensForTokens, amount, 0, [sell, buy], arb, 2**64, sender=arb)

    def _ensure(self, who: Any, token: Any, amount: int) -> None:
        short = amount - read(token.balanceOf, who)
        if short > 0:
            if token.address == self.uni.weth.address:
                who.balance += short + WAD
            give(self.uni, token, who, short)

    @rule(weights=st.sampled_from(TARGET_SETS))
    def set_targets(self, weights: list[int]) -> None:
        self.steps += 1
        self.rebalancer.set_targets(weights, sender=self.world["manager"])

    @rule(actions=st.integers(1, 6), direct=st.booleans())
    def run_keeper(self, actions: int, direct: bool) -> None:
        """The keeper acts on `checkUpkeep` until it has nothing to do, waiting out one cooldown
        when idle. Liveness (DESIGN invariant 9): whatever `checkUpkeep` proposes executes, through
        `performUpkeep` or the same trade sent to `trade`."""
        self.steps += 1
        r, keeper = self.rebalancer, self.world["keeper"]
        if read(self.vault.paused):
            assert read(r.checkUpkeep, b"")[0] is False
            return
        waited = False
        for _ in range(actions):
            needed, data = read(r.checkUpkeep, b"")
            if not needed:
                if waited:
                    return
                waited = True
                self.chain.pending_timestamp += COOLDOWN + 1
                self.chain.mine()
                continue
            value_before = basket_value(self.vault, self.world["adapter"], self.basket)
            plans_before, trades_before = read(r.plans), read(r.trades)
            _action, sell, buy, venue, route, deadline = (
                int.from_bytes(data[i : i + 32], "big") for i in range(0, 192, 32)
            )
            if direct:
                receipt = r.trade(sell, buy, venue, route, 0, deadline, sender=keeper)
            else:
                receipt = r.performUpkeep(data, sender=keeper)
            self._account(receipt)
            traded = traded_usd(receipt, self.vault, self.world["adapter"])
            assert traded > 0, "a proposal that executes is a trade"
            ACTIVITY["keeper trade"] += 1
            loss = value_before - basket_value(self.vault, self.world["adapter"], self.basket)
            assert loss <= traded * self.slippage_bps // BPS + DUST_USD, (loss, traded)
            # Plans never loop: each starts with a trade.
            assert read(r.plans) - plans_before <= read(r.trades) - trades_before == 1

    @rule(
        pair=st.sampled_from(PAIRS),
        forward=st.booleans(),
        usd=st.sampled_from([1_000, 20_000, 150_000, 1_000_000]),
    )
    def attacker_swaps(self, pair: tuple[str, str], forward: bool, usd: int) -> None:
        self.steps += 1
        a, b = pair if forward else pair[::-1]
        attacker, sell = self.holders[3], self.tokens[a]
        amount = amount_of(a, usd)
        self._ensure(attacker, sell, amount)
        send(
            self.uni.router.swapExactTokensForTokens,
            amount,
            0,
            [sell, self.tokens[b]],
            attacker,
            2**64,
            sender=attacker,
        )

    @rule(paused=st.booleans())
    def pause(self, paused: bool) -> None:
        self.steps += 1
        self.vault.set_paused(paused, sender=self.world["guardian"])

    # -- governance (DESIGN invariant 10) ------------------------------------------------------

    def _governed(self, kind: str) -> tuple[Any, tuple[Any, ...], Any, bool]:
        """(setter, arguments, caller, bounded) of a hostile change. Bounded changes stay inside the
        contracts' hard limits, so invariants 1-4 must hold once they apply; the others would hand
        the basket over, so the guardian always cancels them."""
        w, v, r, a = self.world, self.vault, self.rebalancer, self.world["adapter"]
        attacker, owner, manager = self.holders[3], w["oracle_operator"], w["manager"]
        return {
            "management fee at cap": (v.set_management_fee, (MAX_MANAGEMENT_FEE,), manager, True),
            "mint fee at cap": (v.set_mint_fee, (MAX_FEE_BPS,), manager, True),
            "redeem fee at cap": (v.set_redeem_fee, (MAX_FEE_BPS,), manager, True),
            "loosest slippage": (r.set_limits, (500, TRADE_CAP_USD, MIN_TRADE_USD, COOLDOWN), owner, True),
            "open trading": (r.set_open_trading, (True,), owner, True),
            "attacker keeper": (r.set_keeper, (attacker, True), owner, True),
            "shortest delay": (v.set_delay, (86_400,), owner, True),
            "thief rebalancer": (v.set_rebalancer, (attacker,), owner, False),
            "attacker fee recipient": (v.set_fee_recipient, (attacker,), owner, False),
            "attacker manager": (v.set_manager, (attacker,), owner, False),
            "WETH feed for WBTC": (
                a.set_feed,
                (self.tokens["WBTC"], self.world["feeds"]["WETH"], STALENESS),
                owner,
                False,
            ),
        }[kind]

    def _applied(self, kind: str) -> None:
        """The model follows a bounded change that took effect."""
        management, mint_bps, redeem_bps = self.fees
        if kind == "management fee at cap":
            self.fees = (MAX_MANAGEMENT_FEE, mint_bps, redeem_bps)
        elif kind == "mint fee at cap":
            self.fees = (management, MAX_FEE_BPS, redeem_bps)
        elif kind == "redeem fee at cap":
            self.fees = (management, mint_bps, MAX_FEE_BPS)
        elif kind == "loosest slippage":
            self.slippage_bps = 500

    @rule(kind=st.sampled_from(GOVERNED))
    def owner_queues(self, kind: str) -> None:
        """A hostile change is queued (or, if it does not loosen, applies at once); the watching holder
        leaves in kind before it can land, and gets exactly her pro-rata basket."""
        self.steps += 1
        method, args, caller, bounded = self._governed(kind)
        change = keccak(bytes(method.encode_input(*args)))
        if read(self.vault.totalSupply) == 0 or change in self.pending:
            return  # nothing to protect (a change applies at once), or already waiting
        receipt = method(*args, sender=caller)
        self._account(receipt)
        queued = [log for log in receipt.decode_logs() if log.event_name == "ChangeQueued"]
        if not queued:
            assert bounded, f"{kind} applied at once with holders"
            self._applied(kind)
            return
        assert bytes(queued[0].id) == change and int(queued[0].eta) > receipt.timestamp
        self.pending[change] = (kind, int(queued[0].eta))
        ACTIVITY["governance: queued"] += 1
        watcher, v = self.holders[2], self.vault
        if read(v.balanceOf, watcher) == 0 and not read(v.paused):
            self.mint(2, 20 * WAD)  # she holds a position whenever a change is queued
        shares = read(v.balanceOf, watcher)
        if shares == 0:
            return
        obs = self._observe()
        before = self._balances(watcher)
        receipt = v.redeem(shares, watcher, [0, 0, 0], sender=watcher)
        got = [a - b for a, b in zip(self._balances(watcher), before, strict=True)]
        # Pro rata: her shares less the redeem fee, at the units and the scale after this block's
        # management fee accrual, rounded down (in the vault's favour) and never less.
        accrued = receipt.events.filter(v.ManagementFeeAccrued)
        scale = int(accrued[0].scale) if accrued else obs["scale"]
        fee = -(-shares * self.fees[2] // BPS)
        pro_rata = [math.floor(c) for c in self._claim(shares - fee, {**obs, "scale": scale})]
        assert got == pro_rata, (kind, got, pro_rata)
        self.ledger[watcher.address] = [x - g for x, g in zip(self.ledger[watcher.address], got, strict=True)]
        self._account(receipt)
        ACTIVITY["governance: watcher left in kind"] += 1

    @rule(pick=st.integers(0, 10), patient=st.booleans())
    def owner_applies(self, pick: int, patient: bool) -> None:
        """The owner calls a queued change again (a patient owner first waits for its eta): refused
        by name before its eta; once due, a bounded change applies and the guardian cancels any
        other."""
        self.steps += 1
        if not self.pending:
            return
        change = sorted(self.pending)[pick % len(self.pending)]
        kind, eta = self.pending[change]
        method, args, caller, bounded = self._governed(kind)
        contract = method.contract
        if patient and self.chain.pending_timestamp < eta:
            self.chain.pending_timestamp = eta
            self._refresh_feeds()
        now = self.chain.pending_timestamp
        if now < eta:
            with ape.reverts("timelock: change not due"):
                method(*args, sender=caller)
            ACTIVITY["governance: refused before its eta"] += 1
            return
        if not bounded:
            self._cancel(change)
            return
        del self.pending[change]
        receipt = method(*args, sender=caller)
        self._account(receipt)
        events = {log.event_name for log in receipt.decode_logs()}
        if now > eta + GRACE_PERIOD:
            assert "ChangeQueued" in events  # expired: queued afresh, nothing applied
            ACTIVITY["governance: expired and queued afresh"] += 1
            self.pending[change] = (kind, read(contract.eta, change))
            return
        assert "ChangeApplied" in events and read(contract.eta, change) == 0
        self._applied(kind)
        ACTIVITY["governance: applied"] += 1

    @rule(pick=st.integers(0, 10))
    def guardian_cancels(self, pick: int) -> None:
        self.steps += 1
        if self.pending:
            self._cancel(sorted(self.pending)[pick % len(self.pending)])

    def _cancel(self, change: bytes) -> None:
        kind, _eta = self.pending.pop(change)
        contract = self._governed(kind)[0].contract
        rebalancer_before = read(self.vault.rebalancer)
        contract.cancel(change, sender=self.world["guardian"])
        assert read(contract.eta, change) == 0 and read(self.vault.rebalancer) == rebalancer_before
        ACTIVITY["governance: cancelled"] += 1

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def check(self) -> None:
        obs, prev = self._observe(), self.prev
        holders = [h.address for h in self.holders]
        # Units that moved without a holder's own flow (trades, forfeits): credit every holder exactly.
        for i, (now, before) in enumerate(zip(obs["stored"], prev["stored"], strict=True)):
            if now != before:
                for h in holders:
                    self.ledger[h][i] += Fraction(obs["shares"][h] * (now - before) * obs["scale"], WAD * WAD)

        # 1. Solvency.
        claims = [list(read(self.vault.preview_redeem, obs["shares"][c.address])) for c in self.claimants]
        for i in range(3):
            assert obs["held"][i] >= obs["holdings"][i] >= obs["whole"][i], (i, obs)
            assert obs["held"][i] >= sum(c[i] for c in claims), (i, obs, claims)
        # Supply: every share is some actor's; the fee recipient holds exactly the announced fees.
        assert obs["supply"] == sum(obs["shares"].values())
        assert obs["shares"][self.fee_recipient.address] == self.fee_shares
        # 2. No free value, exactly and at preview_redeem.
        for h, claim in zip(holders, claims, strict=False):
            exact = self._claim(obs["shares"][h], obs)
            for i in range(3):
                assert exact[i] <= self.ledger[h][i] and claim[i] <= self.ledger[h][i], (
                    h,
                    i,
                    exact,
                    self.ledger[h],
                )
        # The rebalancer holds tokens only inside a trade; nothing is proposed while paused.
        assert all(read(t.balanceOf, self.rebalancer) == 0 for t in self.basket)
        if obs["paused"]:
            assert read(self.rebalancer.checkUpkeep, b"")[0] is False
        self._redeem_everything_paused_and_stale()
        self.prev = obs

    def _redeem_everything_paused_and_stale(self) -> None:
        """3. Inside a snapshot: pause, let every feed go stale, and redeem every share there is."""
        v, chain = self.vault, self.chain
        snapshot = chain.snapshot()
        try:
            if not read(v.paused):
                send(v.set_paused, True, sender=self.world["guardian"])
            chain.pending_timestamp += STALENESS + 1
            chain.mine()
            assert not any(read(self.world["adapter"].price_status, t)[1] for t in self.basket)
            for c in self.claimants:
                shares = read(v.balanceOf, c)
                if shares:
                    send(v.redeem, shares, c, [0, 0, 0], sender=c)
                    ACTIVITY["redeem while paused and stale"] += 1
            # Only the fee shares accrued during these redemptions can be left.
            assert read(v.totalSupply) == read(v.balanceOf, self.fee_recipient)
        finally:
            chain.restore(snapshot)

    def teardown(self) -> None:
        STEPS_RUN["steps"] += self.steps
        self.chain.restore(self.snapshot)


@pytest.mark.fuzz
def test_index__random_users_keeper_attacker_prices_and_time__invariants_hold_after_every_step(world):
    IndexMachine.world = world
    # Every block one second after the last (unless a rule jumps): no wall clock in the runs, so a
    # failing run replays exactly while hypothesis shrinks it.
    request = world["chain"].provider.web3.provider.make_request
    request("anvil_setBlockTimestampInterval", [1])
    must_reach = shard_of(MIN_LONG_STEPS) if LONG and "VYNDEX_FUZZ_STEPS" not in os.environ else 0
    try:
        ran = run_for_steps(IndexMachine, EXAMPLES, STEPS, must_reach, lambda: STEPS_RUN["steps"])
    finally:
        request("anvil_removeBlockTimestampInterval", [])
    assert ran >= max(must_reach, 1), STEPS_RUN
