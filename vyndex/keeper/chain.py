"""The keeper's view of a real chain, through Ape: `ApeKeeperChain` implements `KeeperChain`."""

from __future__ import annotations

from typing import Any

from ape import chain
from ape.api import AccountAPI

from vyndex.calls import quiet_call
from vyndex.index import IndexHandle
from vyndex.keeper.loop import (
    ACTION_OPEN_AUCTION,
    REASON_COOLING_DOWN,
    FeedHealth,
    Observation,
    Performed,
    TradeLog,
    Upkeep,
)
from vyndex.reference.multicall3 import batch, must


def _genesis() -> str:
    h = chain.provider.get_block(0).hash
    text = h.hex() if isinstance(h, bytes) else str(h)
    return text if text.startswith("0x") else "0x" + text


class ApeKeeperChain:
    """Reads what `decide` needs and performs upkeep from `account`."""

    def __init__(self, handle: IndexHandle, account: AccountAPI) -> None:
        self.handle = handle
        self.account = account
        self.auction: Any = None  # the rebalancer's DutchAuction (a contract instance), as last observed

    def observe(self) -> Observation:
        """One look at the chain: the head block, then every view in one batched eth_call at that
        block (`vyndex.reference.multicall3`), then the account's nonce and the genesis hash."""
        h = self.handle
        head = chain.blocks.head
        block = int(head.number)
        values = self._read(block)
        if not h.same_basket(must(values[0], "components")[0]):  # components added or removed
            h.refresh(values[0][0], block)
            values = self._read(block)
        _components, check, threshold, plan, trades, paused, drift, auction, *statuses = values
        needed, data = must(check, "checkUpkeep")
        feeds = []
        for token, symbol, status in zip(h.tokens, h.symbols, statuses, strict=True):
            price, usable, code = must(status, f"price_status({token.address})")
            feeds.append(FeedHealth(symbol=symbol, usable=bool(usable), code=int(code), price=int(price)))
        usable = all(f.usable for f in feeds)
        upkeep = Upkeep.decode(bool(needed), bytes(data))
        next_ready = None
        if upkeep.reason == REASON_COOLING_DOWN:
            next_ready = int(upkeep.detail)
        self._attach_auction(str(must(auction, "auction")))
        if not upkeep.needed and usable and self._auction_opens(block):
            upkeep = Upkeep(needed=True, action=ACTION_OPEN_AUCTION)
        return Observation(
            block=block,
            timestamp=int(head.timestamp),
            genesis=_genesis(),
            upkeep=upkeep,
            trades=int(must(trades, "trades")),
            plan=int(must(plan, "rebalance_started")),
            paused=bool(must(paused, "paused")),
            nonce=int(self.account.nonce),
            feeds=tuple(feeds),
            # drift_bps reverts when a price fails its checks: only asked for when all pass.
            drift_bps=int(must(drift, "drift_bps")) if usable else None,
            threshold_bps=int(must(threshold, "drift_threshold_bps")),
            next_ready_at=next_ready,
            symbols=tuple(h.symbols),
        )

    def _read(self, block: int) -> list[Any]:
        h = self.handle
        rb = h.rebalancer
        calls: list[tuple[Any, ...]] = [
            (h.vault.components,),
            # checkUpkeep simulates each candidate trade (it is not a view): an eth_call.
            (rb.checkUpkeep, b""),
            (rb.drift_threshold_bps,),
            (rb.rebalance_started,),
            (rb.trades,),
            (h.vault.paused,),
            # The valuation views live on the rebalancer's UpkeepScout (`vyndex.venues.Lens`).
            (h.scout.drift_bps, rb.address),
            (rb.auction,),
        ]
        calls += [(h.oracle.price_status, token.address) for token in h.tokens]
        return batch(calls, block)

    def _attach_auction(self, address: str) -> None:
        """Keeps the auction's contract instance, made again only when the rebalancer's changes."""
        from ape import project

        if not int(address, 16):
            self.auction = None
        elif self.auction is None or str(self.auction.address).lower() != address.lower():
            self.auction = project.DutchAuction.at(address)

    def _auction_opens(self, block: int) -> bool:
        """Whether an eth_call of the auction's `open` from the keeper succeeds at `block` (it
        refuses while one is open, within the drift threshold, with nothing to trade, or from
        an account that is not a keeper)."""
        return self.auction is not None and quiet_call(self.auction.open, sender=self.account, block=block).ok

    def perform(self, upkeep: Upkeep) -> Performed:
        h = self.handle
        if upkeep.action == ACTION_OPEN_AUCTION:
            assert self.auction is not None, "observed an auction to open"
            opened = self.auction.open(sender=self.account)
            return Performed(tx_hash=_hex(opened.txn_hash), gas_used=int(opened.gas_used))
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
