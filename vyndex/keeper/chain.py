"""The keeper's view of a real chain, through Ape: `ApeKeeperChain` implements `KeeperChain`."""

from __future__ import annotations

from typing import Any

from ape import chain
from ape.api import AccountAPI

from vyndex.index import IndexHandle
from vyndex.keeper.loop import REASON_COOLING_DOWN, FeedHealth, Observation, Performed, TradeLog, Upkeep
from vyndex.venues import Lens


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
        # checkUpkeep simulates each candidate trade (it is not a view): an eth_call.
        needed, data = rb.checkUpkeep.call(b"")
        if len(h.tokens) != int(h.vault.component_count()):
            h.refresh()
        feeds = []
        for token, symbol in zip(h.tokens, h.symbols, strict=True):
            price, usable, code = h.oracle.price_status(token.address)
            feeds.append(FeedHealth(symbol=symbol, usable=bool(usable), code=int(code), price=int(price)))
        usable = all(f.usable for f in feeds)
        drift = Lens(rb).drift_bps() if usable else None
        threshold = int(rb.drift_threshold_bps())
        plan = int(rb.rebalance_started())
        upkeep = Upkeep.decode(bool(needed), bytes(data))
        next_ready = None
        if upkeep.reason == REASON_COOLING_DOWN:
            next_ready = int(upkeep.detail)
        return Observation(
            block=int(head.number),
            timestamp=int(head.timestamp),
            genesis=_genesis(),
            upkeep=upkeep,
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
