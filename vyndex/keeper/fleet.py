"""One keeper for every index of a factory: `KeeperFleet` keeps a `Keeper` per index and steps
each once per block, picking up indexes created since the last step by re-reading the factory's
registry (`index_count` is one call; only new ids are read).

Each index's keeper is the same `vyndex.keeper.loop.Keeper` a single-index bot runs, with its own
memory (attempts, back-off, in-flight transaction), so one index's failing feed or reverting
trade never holds up another's. The signer must be a keeper of each index (the factory sets the
keepers a creator names) or trading must be open; an index where it is neither is watched and
reported, never traded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ape.api import AccountAPI

from vyndex.factory import RegistryEntry, entry_of, record_of
from vyndex.governance import PendingWatcher
from vyndex.index import IndexHandle
from vyndex.keeper.chain import ApeKeeperChain
from vyndex.keeper.loop import Keeper, KeeperConfig, StepResult

log = logging.getLogger("vyndex.keeper")


@dataclass
class KeeperFleet:
    """Keepers for the indexes of `factory` (and any extra handles given)."""

    factory: Any | None
    signer: AccountAPI
    config: KeeperConfig | None = None
    keeper_factory: Callable[[IndexHandle, AccountAPI], Keeper] | None = None
    keepers: dict[str, Keeper] = field(default_factory=dict)
    handles: dict[str, IndexHandle] = field(default_factory=dict)
    watchers: dict[str, PendingWatcher] = field(default_factory=dict)
    seen: int = 0

    def add(self, handle: IndexHandle) -> None:
        key = str(handle.vault.address).lower()
        if key in self.keepers:
            return
        make = self.keeper_factory or (lambda h, s: Keeper(ApeKeeperChain(h, s), self.config))
        self.keepers[key] = make(handle, self.signer)
        self.handles[key] = handle
        self.watchers[key] = PendingWatcher(handle)
        log.info(
            "keeping %s: vault %s, rebalancer %s",
            handle.symbol,
            handle.vault.address,
            handle.rebalancer.address,
        )

    def add_all(self, handles: Iterable[IndexHandle]) -> None:
        for h in handles:
            self.add(h)

    def refresh(self) -> list[str]:
        """Adds the factory's indexes created since the last look; returns their symbols."""
        if self.factory is None:
            return []
        count = int(self.factory.index_count())
        added = []
        while self.seen < count:
            entry: RegistryEntry = entry_of(self.factory, str(self.factory.indexes(self.seen)))
            self.seen += 1
            symbol, record = record_of(self.factory, entry)
            try:
                handle = IndexHandle.attach(symbol, record)
            except Exception as exc:  # an index whose contracts do not answer is skipped, not fatal
                log.warning("index %s (%s) cannot be opened: %s", symbol, entry.vault, exc)
                continue
            if str(handle.vault.address).lower() not in self.keepers:
                self.add(handle)
                added.append(symbol)
        return added

    def step(self) -> dict[str, StepResult]:
        """One look at every index (after picking up new ones): {vault address: result}."""
        self.refresh()
        results = {key: keeper.step() for key, keeper in self.keepers.items()}
        # Queued owner changes (governance delays): logged when queued, when due, and when gone.
        for key, watcher in self.watchers.items():
            for message in watcher.poll():
                log.warning("%s %s", self.handles[key].symbol, message)
        return results

    def metrics(self, results: dict[str, StepResult]) -> dict[str, Any]:
        """Fleet-wide numbers for Silverback: indexes kept, performed, failed, trades, gas."""
        per = [r.metrics() for r in results.values()]
        return {
            "indexes": len(self.keepers),
            "performed": sum(m["performed"] for m in per),
            "failed": sum(m["failed"] for m in per),
            "trades": sum(m["trades"] for m in per),
            "gas_used": sum(m["gas_used"] for m in per),
        }
