"""The vyndex keeper as a Silverback bot: on every block, perform rebalance upkeep when due.

    silverback run keeper --network ethereum:mainnet-fork:foundry --account TEST::0

The index is the only one in the network's address book, or VYNDEX_INDEX=SYMBOL. Every decision
(and the handling of reverts, RPC drops, node restarts, stale oracles and rival keepers) lives in
`vyndex.keeper`, where tests reach it; this file only wires it to blocks. Each block's handler
returns the step's metrics: outcome, drift_bps, trades, gas_used, slippage_bps.
"""

import logging
import os

from ape import chain
from ape.types import ContractLog
from silverback import SilverbackBot, StateSnapshot

from vyndex.index import connected_books, open_index
from vyndex.keeper import Keeper
from vyndex.keeper_chain import ApeKeeperChain

bot = SilverbackBot(signer_required=True)

# The keeper logs every decision and trade on "vyndex.keeper"; show them beside Silverback's.
logger = logging.getLogger("vyndex.keeper")
if not logger.handlers:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-9s %(name)s: %(message)s"))
    logger.addHandler(handler)
logger.setLevel(logging.INFO)


@bot.on_startup()
def start_keeper(startup_state: StateSnapshot) -> None:
    handle = open_index(connected_books(), os.environ.get("VYNDEX_INDEX") or None)
    bot.state.keeper = Keeper(ApeKeeperChain(handle, bot.signer))
    logger.info("keeping %s: rebalancer %s, keeper %s", handle.symbol, handle.rebalancer.address, bot.signer)


@bot.on_(chain.blocks)
def on_block(block) -> dict:
    result = bot.state.keeper.step()
    return result.metrics()


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
