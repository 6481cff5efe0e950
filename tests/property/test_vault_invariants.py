"""DESIGN invariants 1 and 2 of IndexVault as a hypothesis state machine.

Three holders mint and redeem in random amounts (one wei to thousands of index tokens) over a basket
of 6-, 8- and 18-decimal components with odd units (one of them only 3 base units per index token,
so rounding is as coarse as it gets), under random mint/redeem fees, with the management fee
streaming across random jumps in time. After every step:

  1. Solvency: for every component, the vault's balance is at least `holdings()` (the whole supply,
     pending fee shares included, at the units) and at least what redeeming that whole supply pays
     (`preview_redeem`, redeem fee applied).
  2. No free value: at the end every holder redeems everything; no holder has received more of any
     component than it paid in. The fee recipient then redeems too, and the vault still covers what
     is left (only the redeem fee it paid itself).

One deployment serves every example: each run starts from a chain snapshot and restores it.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from vyndex.constants import MAX_UINT256

STOCK = 10**32
# 6, 8 and 18 decimals; odd units, one of them tiny.
DECIMALS = (6, 8, 18)
UNITS = (3, 98_765_431, 10**16 + 7)

SHARES = st.one_of(st.integers(1, 10**4), st.integers(10**15, 5 * 10**21))


@pytest.fixture(scope="module")
def invariants_world(create_token, create_vault, alice, bob, carol, fee_recipient, manager, chain):
    tokens = [create_token(d) for d in DECIMALS]
    vault = create_vault(tokens, UNITS)
    for holder in (alice, bob, carol):
        for token in tokens:
            token.mint(holder, STOCK, sender=holder)
            token.approve(vault, MAX_UINT256, sender=holder)
    return {
        "vault": vault,
        "tokens": tokens,
        "holders": [alice, bob, carol],
        "fee_recipient": fee_recipient,
        "manager": manager,
        "chain": chain,
    }


class VaultMachine(RuleBasedStateMachine):
    world: ClassVar[dict[str, Any]] = {}

    def __init__(self) -> None:
        super().__init__()
        w = self.world
        self.vault = w["vault"]
        self.tokens = w["tokens"]
        self.holders = w["holders"]
        self.chain = w["chain"]
        self.snapshot = self.chain.snapshot()
        # Every block gets a timestamp chosen here, never the wall clock, so that the management
        # fee accrued by each call (and so every example) replays exactly.
        self.clock = self.chain.blocks.head.timestamp
        self.paid_in = [[0] * len(self.tokens) for _ in self.holders]
        self.paid_out = [[0] * len(self.tokens) for _ in self.holders]
        self.redeem_fee = 0

    def balances(self, account: Any) -> list[int]:
        return [t.balanceOf(account) for t in self.tokens]

    def tick(self, seconds: int = 1) -> None:
        """The next transaction is mined `seconds` after the last one."""
        self.clock += seconds
        self.chain.pending_timestamp = self.clock

    @initialize(
        mint_fee=st.sampled_from([0, 1, 37, 500]),
        redeem_fee=st.sampled_from([0, 1, 37, 500]),
        management_fee=st.sampled_from([0, 10**17]),
    )
    def set_fees(self, mint_fee: int, redeem_fee: int, management_fee: int) -> None:
        manager = self.world["manager"]
        self.redeem_fee = redeem_fee
        for setter, value in (
            (self.vault.set_mint_fee, mint_fee),
            (self.vault.set_redeem_fee, redeem_fee),
            (self.vault.set_management_fee, management_fee),
        ):
            self.tick()
            setter(value, sender=manager)

    @rule(who=st.integers(0, 2), shares=SHARES)
    def mint(self, who: int, shares: int) -> None:
        holder = self.holders[who]
        # Costs only fall as the management fee shrinks the units, so the last block's preview
        # is a valid bound: the mint must never take more.
        bounds = list(self.vault.preview_mint(shares))
        before = self.balances(holder)
        self.tick()
        self.vault.mint(shares, holder, bounds, sender=holder)
        paid = [b - a for b, a in zip(before, self.balances(holder), strict=True)]
        assert all(p <= b for p, b in zip(paid, bounds, strict=True))
        self.paid_in[who] = [x + p for x, p in zip(self.paid_in[who], paid, strict=True)]

    @rule(who=st.integers(0, 2), ppm=st.integers(1, 10**6))
    def redeem(self, who: int, ppm: int) -> None:
        holder = self.holders[who]
        shares = self.vault.balanceOf(holder) * ppm // 10**6
        if shares == 0:
            return
        self._redeem(who, shares)

    @rule(seconds=st.integers(1, 400 * 86_400))
    def wait(self, seconds: int) -> None:
        self.clock += seconds
        self.chain.mine(timestamp=self.clock)

    def _redeem(self, who: int, shares: int) -> None:
        holder = self.holders[who]
        before = self.balances(holder)
        self.tick()
        self.vault.redeem(shares, holder, [0] * len(self.tokens), sender=holder)
        got = [a - b for a, b in zip(self.balances(holder), before, strict=True)]
        self.paid_out[who] = [x + g for x, g in zip(self.paid_out[who], got, strict=True)]

    @invariant()
    def solvent(self) -> None:
        held = self.balances(self.vault)
        owed = list(self.vault.holdings())
        assert all(h >= o for h, o in zip(held, owed, strict=True)), (held, owed)
        whole = list(self.vault.preview_redeem(self.vault.basket_state()[2]))
        assert all(h >= w for h, w in zip(held, whole, strict=True)), (held, whole)

    def teardown(self) -> None:
        try:
            for who, holder in enumerate(self.holders):
                shares = self.vault.balanceOf(holder)
                if shares:
                    self._redeem(who, shares)
                for i in range(len(self.tokens)):
                    assert self.paid_out[who][i] <= self.paid_in[who][i], (who, i)
            # The fee recipient redeems last. With a redeem fee it pays that fee to itself, rounded
            # up, so exactly that many shares (at most a wei once repeated) stay behind, still backed.
            # The management fee stops first (accruing what is due), or the redeem itself would
            # mint the recipient the fee for the seconds since the last call.
            recipient = self.world["fee_recipient"]
            self.tick()
            self.vault.set_management_fee(0, sender=self.world["manager"])
            shares = self.vault.balanceOf(recipient)
            if shares:
                self.tick()
                self.vault.redeem(shares, recipient, [0] * 3, sender=recipient)
            self_fee = -(-shares * self.redeem_fee // 10_000)
            assert self.vault.totalSupply() == self.vault.balanceOf(recipient) == self_fee
            self.solvent()
        finally:
            self.chain.restore(self.snapshot)


def test_vault__random_mints_redeems_fees_and_time__solvent_and_no_free_value(invariants_world):
    VaultMachine.world = invariants_world
    run_state_machine_as_test(
        VaultMachine,
        settings=settings(max_examples=max(1, settings.default.max_examples // 2), stateful_step_count=8),
    )
