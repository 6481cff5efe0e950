"""The keeper's view of a real chain, through Ape: `ApeKeeperChain` implements `KeeperChain`."""

from __future__ import annotations

from typing import Any

from ape import chain
from ape.api import AccountAPI

from vyndex.index import IndexHandle
from vyndex.keeper import FeedHealth, Observation, Performed, TradeLog, Upkeep


def _genesis() -> str:
    h = chain.provider.get_block(0).hash
    text = h.hex() if isinstance(h, bytes) else str(h)
    return text if text.startswith("0x") else "0x" + text


class ApeKeeperChain:
    """Reads what `decide` needs and performs upkeep from `account`."""

    def __init__(self, handle: IndexHandle, account: AccountAPI) -> None:
        self.handle = handle
        self.account = account

    def observe(self) -> Observation:
        h = self.handle
        rb = h.rebalancer
        head = chain.blocks.head
        needed, data = rb.checkUpkeep(b"")
        if len(h.tokens) != int(h.vault.component_count()):
            h.refresh()
        feeds = []
        for token, symbol in zip(h.tokens, h.symbols, strict=True):
            price, usable, code = h.oracle.price_status(token.address)
            feeds.append(FeedHealth(symbol=symbol, usable=bool(usable), code=int(code), price=int(price)))
        usable = all(f.usable for f in feeds)
        drift = int(rb.drift_bps()) if usable else None
        threshold = int(rb.drift_threshold_bps())
        plan = int(rb.rebalance_started())
        next_ready = None
        if plan and not needed and usable and self._plan_unfinished(feeds):
            cooldown = int(rb.cooldown())
            pending = [int(t) + cooldown for t in rb.last_trades() if int(t) + cooldown > head.timestamp]
            next_ready = min(pending) if pending else None
        return Observation(
            block=int(head.number),
            timestamp=int(head.timestamp),
            genesis=_genesis(),
            upkeep=Upkeep.decode(bool(needed), bytes(data)),
            trades=int(rb.trades()),
            plan=plan,
            paused=bool(h.vault.paused()),
            nonce=int(self.account.nonce),
            feeds=tuple(feeds),
            drift_bps=drift,
            threshold_bps=threshold,
            next_ready_at=next_ready,
            symbols=tuple(h.symbols),
        )

    def _plan_unfinished(self, feeds: list[FeedHealth]) -> bool:
        """Whether the plan still has a trade: some component a minimum trade or more above its
        target and another as far below it (the rebalancer's own rule: a residue on one side
        only, left by pool fees, ends the plan)."""
        h = self.handle
        _tokens, stored, supply, scale = h.vault.basket_state()
        targets = h.rebalancer.target_units()
        minimum = int(h.rebalancer.min_trade_usd())
        excess = deficit = False
        for s, t, f in zip(stored, targets, feeds, strict=True):
            # Stored and target units are 18-decimal amounts per whole share, whatever the decimals.
            gap = int(supply) * abs(int(s) - int(t)) * int(scale) // 10**36
            if gap * f.price // 10**18 >= minimum:
                excess = excess or int(s) > int(t)
                deficit = deficit or int(s) < int(t)
        return excess and deficit

    def perform(self, upkeep: Upkeep) -> Performed:
        h = self.handle
        receipt = h.rebalancer.performUpkeep(upkeep.data, sender=self.account)
        names = {str(t.address).lower(): s for t, s in zip(h.tokens, h.symbols, strict=True)}
        trades = tuple(
            TradeLog(
                sell=names.get(str(e.sell).lower(), str(e.sell)),
                buy=names.get(str(e.buy).lower(), str(e.buy)),
                amount_in=int(e.amount_in),
                amount_out=int(e.amount_out),
                value_in_usd=int(e.value_in_usd),
                value_out_usd=int(e.value_out_usd),
                slippage_bps=int(e.slippage_bps),
            )
            for e in receipt.decode_logs(h.rebalancer.Trade)
        )
        started = bool(list(receipt.decode_logs(h.rebalancer.RebalanceStarted)))
        return Performed(
            tx_hash=_hex(receipt.txn_hash), gas_used=int(receipt.gas_used), trades=trades, started=started
        )


def _hex(value: Any) -> str:
    text = value.hex() if isinstance(value, bytes) else str(value)
    return text if text.startswith("0x") else "0x" + text


def fast_forward(seconds: int) -> int:
    """Moves a local or fork chain's clock forward and mines a block; returns the new timestamp."""
    target = int(chain.blocks.head.timestamp) + seconds
    chain.mine(timestamp=target)
    return target
