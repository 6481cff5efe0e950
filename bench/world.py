"""The shared types of the gas benchmark: the named actors and the world a rebalance trade is
measured in. `bench/gas.py` builds them and `bench/vyndex_trade.py` trades in them; both import
this module, and neither imports the other (issue #19)."""

from __future__ import annotations

from dataclasses import dataclass

from ape.api import AccountAPI
from ape.contracts import ContractInstance

from vyndex.reference.uniswap_v2 import UniswapV2
from vyndex.reference.uniswap_v3 import UniswapV3

V3_FEE = 3_000  # the 0.3% tier: the same fee as a Uniswap V2 pair


@dataclass(frozen=True)
class Actors:
    """Named test accounts, never `accounts[0]` in the measuring code."""

    deployer: AccountAPI
    manager: AccountAPI
    guardian: AccountAPI
    fee_recipient: AccountAPI
    alice: AccountAPI  # the first minter
    bob: AccountAPI  # a new account, then a repeat minter and redeemer
    trader: AccountAPI
    liquidity: AccountAPI


@dataclass(frozen=True)
class TradeWorld:
    """What a rebalance trade benchmark needs, the same for every system.

    `components` are N tokens: N - 1 MockERC20s and WETH last, `units` base units per whole
    index token. `holder` holds plenty of every component (and has approved nothing). The trade
    sells `trade_size` of `sell` for `buy` (WETH) on `pair` (Uniswap V2) or `pool` (Uniswap V3,
    0.3%); both have been swapped on before. With N >= 3, `mid` is a second component with a V2
    pair and a V3 pool (0.3%) against WETH, so `sell` -> WETH -> `mid` is a two-hop route on
    either; `mid` is None at N = 2.
    """

    n: int
    components: list[ContractInstance]
    units: list[int]
    supply: int
    sell: ContractInstance
    buy: ContractInstance
    trade_size: int
    uni: UniswapV2
    pair: ContractInstance
    uni3: UniswapV3
    pool: ContractInstance
    mid: ContractInstance | None
    actors: Actors
    holder: AccountAPI
