"""The vyndex keeper as a Silverback bot: on every block, perform rebalance upkeep when due.

    silverback run keeper --network ethereum:mainnet-fork:foundry --account TEST::0

With an `IndexFactory` in the network's address book (or VYNDEX_FACTORY=address) and no
VYNDEX_INDEX, one process keeps every index of that factory: each block it re-reads the registry
(new indexes are picked up at once; `IndexCreated` is logged too) and steps each index's own
keeper (`vyndex.keeper.fleet.KeeperFleet`). Otherwise it keeps one index: the only one in the book, or
VYNDEX_INDEX=SYMBOL (or a vault address). Every decision (and the handling of reverts, RPC drops,
node restarts, stale oracles and rival keepers) lives in `vyndex.keeper.loop`, where tests reach it;
this file only wires it to blocks.

Each block's handler returns the step's metrics (`vyndex.keeper.metrics.BotMetrics`): Silverback
logs them, records them with `--record`, and fires the drift alerts below on them. Settings, all
optional: VYNDEX_ALERT_DRIFT_BPS (alert above this drift, default 500), VYNDEX_ALERT_DRIFTED_BLOCKS
(alert after this many blocks in a row past the threshold, default 20), VYNDEX_METRICS_PORT (serve
the numbers to Prometheus on 127.0.0.1:PORT/metrics).
"""

import logging
import os

from ape import chain
from ape.types import ContractLog
from silverback import SilverbackBot, StateSnapshot

from vyndex.factory import FACTORY_NAME, find_factory
from vyndex.governance import PendingWatcher
from vyndex.index import connected_books, open_index
from vyndex.keeper.chain import ApeKeeperChain
from vyndex.keeper.fleet import KeeperFleet
from vyndex.keeper.loop import Keeper
from vyndex.keeper.metrics import BotMetrics

bot = SilverbackBot(signer_required=True)

# The keeper logs every decision and trade on "vyndex.keeper.loop"; show them beside Silverback's.
logger = logging.getLogger("vyndex.keeper")
if not logger.handlers:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-9s %(name)s: %(message)s"))
    logger.addHandler(handler)
logger.setLevel(logging.INFO)


def _factory():
    """The factory to serve, or None for single-index mode."""
    if os.environ.get("VYNDEX_INDEX"):
        return None
    books = connected_books()
    wanted = os.environ.get("VYNDEX_FACTORY")
    if not wanted and books.lookup(FACTORY_NAME) is None:
        return None
    return find_factory(books, wanted)


FACTORY = _factory()
METRICS = BotMetrics.from_env()


@bot.on_startup()
def start_keeper(startup_state: StateSnapshot) -> None:
    if FACTORY is not None:
        bot.state.fleet = KeeperFleet(FACTORY, bot.signer)
        added = bot.state.fleet.refresh()
        logger.info(
            "keeping every index of factory %s (%d now: %s)", FACTORY.address, len(added), ", ".join(added)
        )
        return
    handle = open_index(connected_books(), os.environ.get("VYNDEX_INDEX") or None)
    bot.state.keeper = Keeper(ApeKeeperChain(handle, bot.signer))
    bot.state.governance = PendingWatcher(handle)
    logger.info("keeping %s: rebalancer %s, keeper %s", handle.symbol, handle.rebalancer.address, bot.signer)


@bot.on_(chain.blocks)
def on_block(block) -> dict:
    if FACTORY is not None:
        fleet = bot.state.fleet
        results = fleet.step()
        return METRICS.record_fleet({fleet.handles[key].symbol: r for key, r in results.items()})
    keeper = bot.state.keeper
    result = keeper.step()
    # Queued owner changes (governance delays): logged when queued, when due, and when gone.
    for message in bot.state.governance.poll():
        logger.warning(message)
    return METRICS.record(keeper.chain.handle.symbol, result)


@bot.on_metric("drift_bps", gt=METRICS.levels.drift_bps)
def drift_alert(drift_bps) -> dict:
    """The basket (or, in a fleet, one index) is further from its targets than the alert level."""
    return METRICS.alert("drift_bps", drift_bps)


@bot.on_metric("drifted_blocks", ge=METRICS.levels.drifted_blocks)
def stuck_alert(drifted_blocks) -> dict:
    """Past the threshold for that many blocks in a row: the keeper is not bringing it back."""
    return METRICS.alert("drifted_blocks", drifted_blocks)


if FACTORY is not None:

    @bot.on_(FACTORY.IndexCreated)
    def on_index_created(log: ContractLog) -> dict:
        """A new index: kept from the next block on (the registry is re-read each block)."""
        logger.info("new index %s (id %s): vault %s", log.symbol, log.id, log.vault)
        return {"indexes_created": 1}

else:

    def _trade_event():
        handle = open_index(connected_books(), os.environ.get("VYNDEX_INDEX") or None)
        return handle.rebalancer.Trade

    @bot.on_(_trade_event())
    def on_trade(log: ContractLog) -> dict:
        """Every trade, ours or a rival keeper's, as a metric."""
        return {
            "trade_value_usd": int(log.value_in_usd) / 1e18,
            "trade_slippage_bps": int(log.slippage_bps),
        }
