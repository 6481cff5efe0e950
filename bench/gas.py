"""Gas of vyndex beside Set Protocol v2 and the floor, in one run on one Anvil.

    python bench/gas.py            # from the repo root (`make bench`)
    python bench/gas.py --quick    # N = 2 and 5 only, to check the harness

For N = 2, 5, 10, 20, 32 components (18-decimal MockERC20s, the same tokens and units for every
system) it measures receipt gasUsed of

    mint_first, mint_new_account, mint_repeat, redeem_partial, redeem_full   vyndex, set_v2, floor
    accrue_fee (1 %/yr, 30 days)                                             vyndex, set_v2
    trade (one rebalance trade), swap (bare router swap, same size, same pair)  set_v2, router
                                                                             (vyndex: see the hook)

writes bench/results/gas.json (rows {system, op, components, gas}) and
bench/results/gas_variants.json, and regenerates BENCHMARKS.md. Method: bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python bench/gas.py` without an installed vyndex works too
sys.path.insert(0, str(ROOT / "bench"))
# What the Makefile exports, so a bare `python bench/gas.py` finds the pinned vyper and Anvil.
os.environ.setdefault("VVM_BINARY_PATH", str(ROOT / ".vvm"))
# bin/anvil (the npm Anvil, its persisted states removed when it stops) first, as in the Makefile.
os.environ["PATH"] = os.pathsep.join(
    [str(ROOT / "bin"), str(ROOT / "node_modules" / ".bin"), os.environ.get("PATH", "")]
)

import ape  # noqa: E402
from ape import accounts, chain, networks  # noqa: E402
from ape.api import AccountAPI, ReceiptAPI  # noqa: E402
from ape.contracts import ContractContainer, ContractInstance  # noqa: E402
from ape.logging import logger  # noqa: E402
from vyndex_trade import VyndexReceipts, vyndex_trade  # noqa: E402  (bench/vyndex_trade.py)
from world import V3_FEE, Actors, TradeWorld  # noqa: E402  (bench/world.py)

from vyndex.constants import MAX_UINT256, WAD  # noqa: E402
from vyndex.reference.artifacts import set_protocol_v2  # noqa: E402
from vyndex.reference.setprotocol import (  # noqa: E402
    IndexTrading,
    SetProtocolV2,
    StreamingFee,
    create_set_token,
    deploy_set_protocol_v2,
    initialize_index_modules,
    start_rebalance,
)
from vyndex.reference.uniswap_v2 import UniswapV2, deploy_uniswap_v2, seed_pair  # noqa: E402
from vyndex.reference.uniswap_v3 import UniswapV3, deploy_uniswap_v3, seed_pool, swap_exact_input_single  # noqa: E402
from vyndex.sim.simulation import SimConfig  # noqa: E402

NETWORK = "ethereum:local:foundry"
COMPONENT_COUNTS = (2, 5, 10, 20, 32)
QUICK_COUNTS = (2, 5)
VARIANT_COUNTS = (5, 32)

SHARES = 10 * WAD  # index tokens per mint: 10 whole tokens
# A finite approval far above anything spent: each transferFrom then lowers the allowance (one
# SSTORE and an Approval event in the token), as with a wallet's ordinary approval.
FINITE_APPROVAL = 10**40
HOLDING = 10**30  # every actor's balance of every component: never reaches zero
HOLDING_WETH = 200 * WAD
MANAGEMENT_FEE = 10**16  # 1 % a year, both systems
FEE_PERIOD = 30 * 86_400
TRADE_SIZE = WAD  # one rebalance trade sells 1 whole component token for WETH
POOL_DEPTH = 1_000 * WAD  # each side of every component/WETH pair and 0.3% pool
BLOCK_GAP = 12  # seconds between measured transactions

OPS_MINT_REDEEM = ("mint_first", "mint_new_account", "mint_repeat", "redeem_partial", "redeem_full")
# vyndex's trade ops and the bare router swap each is compared with.
TRADE_OPS = {
    "trade": "swap",  # V2 direct / UniswapV2Router02.swapExactTokensForTokens
    "trade_v3": "swap_v3",  # V3 0.3% direct / SwapRouter.exactInputSingle
    "trade_v3_weth": "swap_v3_weth",  # V3 through WETH / SwapRouter.exactInput
    "trade_v2_weth": "swap_v2_weth",  # V2 through WETH / the V2 router over three tokens
}
ALL_OPS = (*OPS_MINT_REDEEM, "accrue_fee", *TRADE_OPS, "check_upkeep", *TRADE_OPS.values())
TARGET_N = 5
TARGETS = {  # op -> (most vyndex/set_v2, most vyndex/floor) at N = TARGET_N
    "mint_repeat": (0.62, 1.20),
    "redeem_partial": (0.62, None),
}
TARGET_N32_MAX = 1_500_000  # mint_repeat and redeem_partial at N = 32
# One rebalance trade at N = TARGET_N (issue #6), oracle reads included: at most this fraction of
# Set's GeneralIndexModule trade, and at most this much gas above the bare router swap.
TARGET_TRADE_MAX_SET = 0.55
TARGET_TRADE_OVER_SWAP = 45_000

RESULTS = ROOT / "bench" / "results"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
FLOOR_SOURCE = ROOT / "bench" / "FloorIndex.vy"

# Wide enough for the summary table when the output is a pipe or a log file.
console = Console() if sys.stdout.isatty() else Console(width=120)


@dataclass(frozen=True)
class Row:
    """One measurement: receipt gasUsed of `op` on `system` with `components` components."""

    system: str
    op: str
    components: int
    gas: int
    variant: str | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.variant is None:
            del data["variant"]
        return data


@dataclass
class Bench:
    """One Anvil's shared world: the actors, Uniswap V2, Set Protocol v2, the floor's code."""

    actors: Actors
    uni: UniswapV2
    uni3: UniswapV3
    set_v2: SetProtocolV2
    floor: ContractContainer
    rows: list[Row] = field(default_factory=list)
    approval: int = FINITE_APPROVAL
    trace: bool = False  # write the N = TARGET_N trades' call trees (bench/calltree.py)

    def record(self, system: str, op: str, n: int, receipt: ReceiptAPI, variant: str | None = None) -> int:
        gas = int(receipt.gas_used)
        self.rows.append(Row(system, op, n, gas, variant))
        return gas


def next_block() -> None:
    """The next transaction lands BLOCK_GAP seconds later, in its own block."""
    chain.pending_timestamp += BLOCK_GAP


def enact(method: Any, *args: Any, sender: Any) -> ReceiptAPI:
    """A governed setter in effect: with holders a raise is queued by its first call (ChangeQueued);
    the clock then moves to its eta and the same call applies it."""
    receipt = method(*args, sender=sender)
    queued = [log for log in receipt.decode_logs() if log.event_name == "ChangeQueued"]
    if not queued:
        return receipt
    chain.pending_timestamp = int(queued[0].eta)
    return method(*args, sender=sender)


# ---------------------------------------------------------------------------------------------
# Set-up
# ---------------------------------------------------------------------------------------------


def compile_floor() -> ContractContainer:
    """bench/FloorIndex.vy through Ape's Vyper compiler (the project's compiler and settings)."""
    return ape.compilers.compile_source("vyper", FLOOR_SOURCE.read_text(), contractName="FloorIndex")


def deploy_tokens(bench: Bench, n: int, tag: str, kind: str = "mock") -> list[ContractInstance]:
    """N 18-decimal tokens with an open mint: our MockERC20 (snekmate), or with kind "oz" Set
    Protocol's own StandardTokenMock (OpenZeppelin 3 ERC20), as Set's fixtures use."""
    deployer = bench.actors.deployer
    if kind == "oz":
        oz = set_protocol_v2("StandardTokenMock")
        return [deployer.deploy(oz, deployer, 0, f"{tag} {i}", f"C{i}", 18) for i in range(n)]
    return [deployer.deploy(ape.project.MockERC20, f"{tag} {i}", f"C{i}", 18) for i in range(n)]


def units_for(n: int) -> list[int]:
    """Base units per whole index token: 0.1, 0.2, ... 0.4, 0.1, ... of each 18-decimal token."""
    return [(i % 4 + 1) * 10**17 for i in range(n)]


def setup_tx(sender: AccountAPI, contract: ContractInstance, method: str, *args: Any, value: int = 0) -> None:
    """A set-up transaction (never measured) straight to Anvil's unlocked test account: two RPC
    calls instead of Ape's dozen, which keeps the whole run to a few minutes."""
    w3 = chain.provider.web3
    data = getattr(contract, method).encode_input(*args)
    tx = {"from": sender.address, "to": contract.address, "data": data, "value": value, "gas": 1_000_000}
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(tx))
    if receipt["status"] != 1:
        raise RuntimeError(f"set-up call {method}{args} on {contract.address} reverted")


def fund(tokens: Sequence[ContractInstance], holders: Iterable[AccountAPI], uni: UniswapV2) -> None:
    """Every holder gets HOLDING of every token (HOLDING_WETH of WETH, wrapped)."""
    for holder in holders:
        for token in tokens:
            if token.address == uni.weth.address:
                setup_tx(holder, uni.weth, "deposit", value=HOLDING_WETH)
            else:
                setup_tx(holder, token, "mint", holder.address, HOLDING)


def approve(
    tokens: Sequence[ContractInstance], holders: Iterable[AccountAPI], spender: Any, amount: int
) -> None:
    for holder in holders:
        for token in tokens:
            setup_tx(holder, token, "approve", spender, amount)


# ---------------------------------------------------------------------------------------------
# The three systems behind one face: mint(account, shares), redeem(account, shares)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class System:
    name: str
    spender: Any
    mint: Callable[[AccountAPI, int], ReceiptAPI]
    redeem: Callable[[AccountAPI, int], ReceiptAPI]


def vyndex_system(
    bench: Bench, tokens: Sequence[ContractInstance], units: Sequence[int]
) -> tuple[System, Any]:
    a = bench.actors
    vault = a.deployer.deploy(
        ape.project.IndexVault,
        "vyndex Bench Index",
        "VBI",
        [t.address for t in tokens],
        list(units),
        a.manager,
        a.guardian,
        a.fee_recipient,
    )

    def mint(account: AccountAPI, shares: int) -> ReceiptAPI:
        # What a client does: bound every component by the preview (exact in the same block).
        bounds = list(vault.preview_mint(shares))
        return vault.mint(shares, account, bounds, sender=account)

    def redeem(account: AccountAPI, shares: int) -> ReceiptAPI:
        # 0.1 % below the preview: with a management fee running, the next block pays a hair less.
        bounds = [amount - amount // 1000 for amount in vault.preview_redeem(shares)]
        return vault.redeem(shares, account, bounds, sender=account)

    return System("vyndex", vault.address, mint, redeem), vault


def set_system(bench: Bench, tokens: Sequence[ContractInstance], units: Sequence[int]) -> tuple[System, Any]:
    a, s = bench.actors, bench.set_v2
    set_token = create_set_token(s, tokens, units, a.manager, "Set Bench Index", "SBI")
    initialize_index_modules(s, set_token, a.manager, StreamingFee(a.fee_recipient, MANAGEMENT_FEE))

    def mint(account: AccountAPI, shares: int) -> ReceiptAPI:
        return s.basic_issuance.issue(set_token.address, shares, account, sender=account)

    def redeem(account: AccountAPI, shares: int) -> ReceiptAPI:
        return s.basic_issuance.redeem(set_token.address, shares, account, sender=account)

    return System("set_v2", s.basic_issuance.address, mint, redeem), set_token


def floor_system(
    bench: Bench, tokens: Sequence[ContractInstance], units: Sequence[int]
) -> tuple[System, Any]:
    floor = bench.actors.deployer.deploy(bench.floor, [t.address for t in tokens], list(units))

    def mint(account: AccountAPI, shares: int) -> ReceiptAPI:
        return floor.mint(shares, account, sender=account)

    def redeem(account: AccountAPI, shares: int) -> ReceiptAPI:
        return floor.redeem(shares, account, sender=account)

    return System("floor", floor.address, mint, redeem), floor


def measure_mint_redeem(bench: Bench, system: System, n: int, variant: str | None = None) -> dict[str, int]:
    """The five mint/redeem operations, in this order, on a fresh index of `n` components.

    alice mints first ever; bob (no index tokens yet) mints; bob mints again; bob redeems half of
    his balance; bob redeems the rest. Payers and receivers keep a non-zero balance of every
    component throughout, so only the index's own state changes from zero to non-zero.
    """
    a = bench.actors
    steps: list[tuple[str, Callable[[], ReceiptAPI]]] = [
        ("mint_first", lambda: system.mint(a.alice, SHARES)),
        ("mint_new_account", lambda: system.mint(a.bob, SHARES)),
        ("mint_repeat", lambda: system.mint(a.bob, SHARES)),
        ("redeem_partial", lambda: system.redeem(a.bob, SHARES)),
        ("redeem_full", lambda: system.redeem(a.bob, SHARES)),
    ]
    out = {}
    for op, step in steps:
        next_block()
        out[op] = bench.record(system.name, op, n, step(), variant)
    return out


# ---------------------------------------------------------------------------------------------
# Fees
# ---------------------------------------------------------------------------------------------


def measure_fees(bench: Bench, n: int, vault: Any, set_token: Any) -> None:
    """1 %/yr on both, 30 days, one accrual each (the fee recipient holds no index tokens yet)."""
    a = bench.actors
    next_block()
    enact(vault.set_management_fee, MANAGEMENT_FEE, sender=a.manager)
    # Set's clock started when StreamingFeeModule was initialised with the same 1 %/yr.
    chain.pending_timestamp += FEE_PERIOD
    bench.record("vyndex", "accrue_fee", n, vault.accrue_management_fee(sender=a.trader))
    next_block()
    bench.record(
        "set_v2", "accrue_fee", n, bench.set_v2.streaming_fee.accrueFee(set_token.address, sender=a.trader)
    )


# ---------------------------------------------------------------------------------------------
# Trades
# ---------------------------------------------------------------------------------------------


# === HOOK: vyndex trade =====================================================================
# The rebalancer plugs in here. `VyndexTrade` receives the TradeWorld (bench/world.py), builds a
# vyndex vault over `world.components` / `world.units`, its Rebalancer, venues and oracle, and
# returns receipts by op: "trade" (V2 direct), "trade_v3" (V3 0.3% direct), "trade_v3_weth" and
# "trade_v2_weth" (through WETH into `world.mid`), "plan_start" (the first trade, which starts
# the plan) and "check_upkeep". The harness records each as ("vyndex", op, N) beside Set's trade
# and the bare router swaps; "plan_start" as the variant of that name. Default:
# `bench/vyndex_trade.py`; `main(vyndex_trade=None)` skips vyndex's rows.
VyndexTrade = Callable[[TradeWorld], VyndexReceipts]
VYNDEX_TRADE: VyndexTrade | None = vyndex_trade


def measure_vyndex_trade(bench: Bench, world: TradeWorld, trade: VyndexTrade | None) -> VyndexReceipts:
    """Records vyndex's rebalance trades through `trade`, if one is given (see the hook above)."""
    if trade is None:
        return {}
    next_block()
    receipts = trade(world)
    for op, receipt in receipts.items():
        if op == "plan_start":
            bench.record("vyndex", "trade", world.n, receipt, "plan_start")
        else:
            bench.record("vyndex", op, world.n, receipt)
    return receipts


# ============================================================================================


def trade_world(bench: Bench, n: int) -> TradeWorld:
    a, uni, uni3 = bench.actors, bench.uni, bench.uni3
    mocks = deploy_tokens(bench, n - 1, f"Trade{n}")
    components = [*mocks, uni.weth]
    sell = mocks[0]
    mid = mocks[1] if n >= 3 else None
    fund(components, [a.alice], uni)
    fund([sell] + ([mid] if mid is not None else []), [a.trader], uni)
    pair = seed_pair(uni, sell, uni.weth, POOL_DEPTH, POOL_DEPTH, a.liquidity)
    pool = seed_pool(uni3, sell, uni.weth, V3_FEE, POOL_DEPTH, POOL_DEPTH, a.liquidity)
    if mid is not None:
        seed_pair(uni, mid, uni.weth, POOL_DEPTH, POOL_DEPTH, a.liquidity)
        seed_pool(uni3, mid, uni.weth, V3_FEE, POOL_DEPTH, POOL_DEPTH, a.liquidity)
    # Warm every pool (price accumulators, oracle observations non-zero) and give the trader a
    # balance of every token it will buy, so no measured swap pays a zero-to-non-zero write.
    approve([sell], [a.trader], uni.router.address, bench.approval)
    next_block()
    uni.router.swapExactTokensForTokens(
        WAD // 100, 0, [sell.address, uni.weth.address], a.trader, MAX_UINT256, sender=a.trader
    )
    next_block()
    swap_exact_input_single(uni3, sell, uni.weth, V3_FEE, WAD // 100, a.trader)
    if mid is not None:
        next_block()
        uni.router.swapExactTokensForTokens(
            WAD // 100,
            0,
            [sell.address, uni.weth.address, mid.address],
            a.trader,
            MAX_UINT256,
            sender=a.trader,
        )
        next_block()
        bare_v3_two_hop(uni3, sell, mid, WAD // 100, a)
    return TradeWorld(
        n=n,
        components=components,
        units=[WAD] * n,
        supply=SHARES,
        sell=sell,
        buy=uni.weth,
        trade_size=TRADE_SIZE,
        uni=uni,
        pair=pair,
        uni3=uni3,
        pool=pool,
        mid=mid,
        actors=a,
        holder=a.alice,
    )


def bare_v3_two_hop(uni3: UniswapV3, sell: Any, buy: Any, amount: int, a: Actors) -> ReceiptAPI:
    """SwapRouter.exactInput along sell -0.3%-> WETH -0.3%-> buy from the trader."""
    if sell.allowance(a.trader.address, uni3.router.address) < amount:
        sell.approve(uni3.router.address, MAX_UINT256, sender=a.trader)
    fee = V3_FEE.to_bytes(3, "big")
    path = bytes.fromhex(sell.address[2:]) + fee + bytes.fromhex(uni3.weth.address[2:]) + fee
    path += bytes.fromhex(buy.address[2:])
    return uni3.router.exactInput((path, a.trader.address, MAX_UINT256, amount, 0), sender=a.trader)


def measure_set_trade(bench: Bench, world: TradeWorld) -> int:
    """GeneralIndexModule.trade after startRebalance: sell `trade_size` of `sell` for WETH.

    Two trades of the same component: the first ever also stores its first trade timestamp
    (a zero-to-non-zero write, recorded as variant "first_ever"); the second is the steady cost
    of every later trade and rebalance (recorded as "trade").
    """
    a, s = bench.actors, bench.set_v2
    set_token = create_set_token(s, world.components, world.units, a.manager, "Set Trade Index", "STI")
    trading = IndexTrading(traders=[a.trader], max_size=world.trade_size, cool_off=0)
    initialize_index_modules(s, set_token, a.manager, StreamingFee(a.fee_recipient, MANAGEMENT_FEE), trading)
    approve(world.components, [world.holder], s.basic_issuance.address, bench.approval)
    s.basic_issuance.issue(set_token.address, world.supply, world.holder, sender=world.holder)
    # Halve the sold component's target: the trade size is then capped by max_size = trade_size.
    targets = [
        unit // 2 if c.address == world.sell.address else unit
        for c, unit in zip(world.components, world.units, strict=True)
    ]
    start_rebalance(s, set_token, targets, a.manager)
    path = [world.sell.address, world.buy.address]
    for trade in (1, 2):
        quote = world.uni.router.getAmountsOut(world.trade_size, path)[-1]
        next_block()
        receipt = s.general_index.trade(
            set_token.address, world.sell.address, quote * 99 // 100, sender=a.trader
        )
        sold = world.supply * world.units[0] // WAD - world.sell.balanceOf(set_token.address)
        if sold != trade * world.trade_size:
            raise RuntimeError(f"Set trade {trade} sold {sold} in all, expected {trade * world.trade_size}")
        if trade == 1:
            bench.record("set_v2", "trade", world.n, receipt, "first_ever")
    return bench.record("set_v2", "trade", world.n, receipt)


def measure_router_swaps(bench: Bench, world: TradeWorld) -> dict[str, ReceiptAPI]:
    """The same trades as bare router swaps from an EOA: UniswapV2Router02.swapExactTokensForTokens
    (`swap`; `swap_v2_weth` through WETH into `mid`), SwapRouter.exactInputSingle on the 0.3% pool
    (`swap_v3`) and SwapRouter.exactInput through WETH (`swap_v3_weth`)."""
    a, router = bench.actors, world.uni.router
    path = [world.sell.address, world.buy.address]
    quote = router.getAmountsOut(world.trade_size, path)[-1]
    next_block()
    out = {
        "swap": router.swapExactTokensForTokens(
            world.trade_size, quote * 99 // 100, path, a.trader, MAX_UINT256, sender=a.trader
        )
    }
    next_block()
    out["swap_v3"] = swap_exact_input_single(
        world.uni3, world.sell, world.buy, V3_FEE, world.trade_size, a.trader
    )
    if world.mid is not None:
        next_block()
        out["swap_v2_weth"] = router.swapExactTokensForTokens(
            world.trade_size,
            0,
            [world.sell.address, world.buy.address, world.mid.address],
            a.trader,
            MAX_UINT256,
            sender=a.trader,
        )
        next_block()
        out["swap_v3_weth"] = bare_v3_two_hop(world.uni3, world.sell, world.mid, world.trade_size, a)
    for op, receipt in out.items():
        bench.record("router", op, world.n, receipt)
    return out


# ---------------------------------------------------------------------------------------------
# One N
# ---------------------------------------------------------------------------------------------


def bench_components(
    bench: Bench, n: int, variant: str | None = None, fees: bool = True, kind: str = "mock"
) -> None:
    """Mint/redeem on all three systems over the same N tokens, then fee accrual."""
    a = bench.actors
    tokens = deploy_tokens(bench, n, f"Bench{n}{variant or ''}", kind)
    units = units_for(n)
    fund(tokens, [a.alice, a.bob], bench.uni)
    built = [make(bench, tokens, units) for make in (vyndex_system, set_system, floor_system)]
    for system, _ in built:
        approve(tokens, [a.alice, a.bob], system.spender, bench.approval)
    for system, _ in built:
        measure_mint_redeem(bench, system, n, variant)
    if fees:
        measure_fees(bench, n, built[0][1], built[1][1])


def bench_fee_running(bench: Bench, n: int) -> None:
    """vyndex mint_repeat and redeem_partial while a 1 %/yr management fee runs (each call then
    accrues: one state write and fee shares minted), as variant "fee_on"."""
    a = bench.actors
    tokens = deploy_tokens(bench, n, f"FeeOn{n}")
    fund(tokens, [a.alice, a.bob], bench.uni)
    system, vault = vyndex_system(bench, tokens, units_for(n))
    approve(tokens, [a.alice, a.bob], system.spender, bench.approval)
    enact(vault.set_management_fee, MANAGEMENT_FEE, sender=a.manager)
    for account in (a.alice, a.bob):  # both hold shares; the fee recipient has accrued once
        next_block()
        system.mint(account, SHARES)
    for op, step in (
        ("mint_repeat", lambda: system.mint(a.bob, SHARES)),
        ("redeem_partial", lambda: system.redeem(a.bob, SHARES)),
    ):
        next_block()
        bench.record("vyndex", op, n, step(), "fee_on")


def bench_trades(bench: Bench, n: int, vyndex_trade: VyndexTrade | None) -> None:
    world = trade_world(bench, n)
    measure_set_trade(bench, world)
    receipts = measure_vyndex_trade(bench, world, vyndex_trade)
    receipts.update(measure_router_swaps(bench, world))
    if n == TARGET_N and bench.trace:
        from calltree import write_breakdown  # bench/calltree.py

        write_breakdown(receipts, RESULTS)


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def lookup(rows: Iterable[Row], variant: str | None = None) -> dict[tuple[str, str, int], int]:
    return {(r.system, r.op, r.components): r.gas for r in rows if r.variant == variant}


def slope(points: Sequence[tuple[int, int]]) -> float | None:
    """Least-squares gas per extra component over (N, gas) points."""
    if len(points) < 2:
        return None
    mean_n = sum(n for n, _ in points) / len(points)
    mean_g = sum(g for _, g in points) / len(points)
    var = sum((n - mean_n) ** 2 for n, _ in points)
    return sum((n - mean_n) * (g - mean_g) for n, g in points) / var if var else None


def ratio(a: int | None, b: int | None) -> str:
    return f"{a / b:.2f}" if a and b else "-"


def gas(value: int | None) -> str:
    return f"{value:,}" if value is not None else "-"


def markdown(rows: list[Row], meta: dict[str, str]) -> str:
    g = lookup(rows)
    counts = sorted({r.components for r in rows if r.variant is None})
    out = [
        "# Benchmarks",
        "",
        "Gas (receipt `gasUsed`) of vyndex beside Set Protocol v2 and the floor, measured in one run on",
        f"one Anvil by `python bench/gas.py` (`make bench`) on {meta['date']} ({meta['client']}, vyper",
        f"{meta['vyper']}, Set Protocol v2 0.1.16, Uniswap V2 and V3 and Chainlink compiled artifacts).",
        "Generated: do not edit; the numbers are also in `bench/results/gas.json`. Method and caveats:",
        "`bench/README.md`. Trades are measured on the redesigned rebalancer (venues, every price read",
        "per trade); numbers of the earlier rebalancer are in git history only.",
        "",
        "Systems: **vyndex** (`contracts/IndexVault.vy`), **set_v2** (SetToken + BasicIssuanceModule,",
        "StreamingFeeModule, GeneralIndexModule), **floor** (`bench/FloorIndex.vy`: one plain transferFrom",
        "per component then an ERC-20 mint, and the reverse: the least an honest in-kind index can do),",
        "**router** (bare UniswapV2Router02 and Uniswap V3 SwapRouter swaps). Components are 18-decimal",
        "MockERC20s; every holder approved a finite allowance, so each `transferFrom` also lowers it (as",
        "Set's own fixtures do).",
        "",
        "## Mint and redeem",
        "",
        "| op | N | vyndex | set_v2 | floor | vyndex/set_v2 | vyndex/floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for op in OPS_MINT_REDEEM:
        for n in counts:
            v, s, f = g.get(("vyndex", op, n)), g.get(("set_v2", op, n)), g.get(("floor", op, n))
            out.append(f"| {op} | {n} | {gas(v)} | {gas(s)} | {gas(f)} | {ratio(v, s)} | {ratio(v, f)} |")
    out += [
        "",
        "## Gas per extra component (least-squares slope over N)",
        "",
        "| op | vyndex | set_v2 | floor | router |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for op in ALL_OPS:
        cells = []
        for system in ("vyndex", "set_v2", "floor", "router"):
            fit = slope([(n, g[(system, op, n)]) for n in counts if (system, op, n) in g])
            cells.append(f"{round(fit):,}" if fit is not None else "-")  # round: never "-0"
        out.append(f"| {op} | {' | '.join(cells)} |")
    out += [
        "",
        "## Streaming fee accrual: 1 %/yr, 30 days, one call",
        "",
        "vyndex `accrue_management_fee()`; Set `StreamingFeeModule.accrueFee(set)`.",
        "",
        "| N | vyndex | set_v2 | vyndex/set_v2 |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for n in counts:
        v, s = g.get(("vyndex", "accrue_fee", n)), g.get(("set_v2", "accrue_fee", n))
        out.append(f"| {n} | {gas(v)} | {gas(s)} | {ratio(v, s)} |")
    out += [
        "",
        "## One rebalance trade",
        "",
        f"Sell {TRADE_SIZE // WAD} whole component token for WETH on the same warmed pools "
        f"({POOL_DEPTH // WAD} + {POOL_DEPTH // WAD} deep: a Uniswap V2 pair and a",
        "full-range Uniswap V3 0.3% pool); the index holds N components, WETH among them. Through WETH: the",
        "same sale into a second component (`mid`), 0.3% on both hops (N >= 3).",
        "Set: `GeneralIndexModule.trade` after `startRebalance` (V2 only), the steady cost (the component",
        "has traded before; its first trade ever costs ~17k more, see `first_ever` below); Set's trade",
        "reads no oracle. Bare routers, from an EOA: `UniswapV2Router02.swapExactTokensForTokens`,",
        "`SwapRouter.exactInputSingle` and `exactInput` (two hops). vyndex: a keeper's",
        "`Rebalancer.trade(sell, buy, venue, route, 0, deadline)` over a `UniswapV2Venue` and a",
        "`UniswapV3Venue` (`bench/vyndex_trade.py`, through the hook `VYNDEX_TRADE`), inside a plan",
        "already started by an earlier trade (`plan_start` below): every component's price through",
        "`OracleAdapter.price` (N reads of a Chainlink EACAggregatorProxy over an",
        "AccessControlledAggregator), drift, sizing, the exact slippage bound, the toward-target check,",
        "cooldowns, and the vault paying the venue (V3) or the pair (V2) and measuring both legs.",
        "Where the gas goes: the call-tree table below and `bench/README.md`.",
        "",
        "| N | vyndex V2 | set_v2 trade | V2 router | vyndex V3 | V3 exactInputSingle "
        "| vyndex V3 via WETH | V3 exactInput | vyndex V2 via WETH | V2 router via WETH |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in counts:
        cells = [
            g.get(key)
            for key in (
                ("vyndex", "trade", n),
                ("set_v2", "trade", n),
                ("router", "swap", n),
                ("vyndex", "trade_v3", n),
                ("router", "swap_v3", n),
                ("vyndex", "trade_v3_weth", n),
                ("router", "swap_v3_weth", n),
                ("vyndex", "trade_v2_weth", n),
                ("router", "swap_v2_weth", n),
            )
        ]
        out.append(f"| {n} | " + " | ".join(gas(c) for c in cells) + " |")
    out += [
        "",
        "Over the bare router of the same route (vyndex - router), and Set's trade over the V2 router:",
        "",
        "| N | V2 direct | V3 direct | V3 via WETH | V2 via WETH | set_v2 - V2 router | vyndex V2 / set_v2 |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in counts:
        over = []
        for op, swap in TRADE_OPS.items():
            v, r = g.get(("vyndex", op, n)), g.get(("router", swap, n))
            over.append(gas(v - r) if v and r else "-")
        s, r = g.get(("set_v2", "trade", n)), g.get(("router", "swap", n))
        over.append(gas(s - r) if s and r else "-")
        over.append(ratio(g.get(("vyndex", "trade", n)), s))
        out.append(f"| {n} | " + " | ".join(over) + " |")
    out += [
        "",
        "### checkUpkeep (off-chain cost)",
        "",
        "`checkUpkeep` is not a view: the scout runs each candidate trade on every route of every venue",
        "through `simulate_trade` (which reverts) and proposes the best that executes. Gas of one call",
        "made while a trade is due (after the trades above, one cooldown later: the sold component",
        "against WETH and `mid`, over both venues), sent as a transaction; an automation registry pays",
        "it only in its simulation (eth_call) but must allow it in its check gas limit.",
        "",
        "| N | checkUpkeep |",
        "| ---: | ---: |",
    ]
    out += [f"| {n} | {gas(g.get(('vyndex', 'check_upkeep', n)))} |" for n in counts]
    breakdown = RESULTS / "trade_breakdown.md"
    if breakdown.is_file():  # written by bench/calltree.py during the run
        out += ["", breakdown.read_text().rstrip().replace("## Where", "### Where", 1)]
    out += ["", "## Targets", "", "| target | measured | met |", "| --- | ---: | :---: |"]
    out += [f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, value, ok in targets(g)]
    if not all(ok for _, _, ok in targets(g)):
        out += [
            "",
            'Targets not met, and why: `bench/README.md` ("Where vyndex\'s overhead over the floor goes" '
            'for mint, "Where one rebalance trade\'s gas goes" for the trade) and the call-tree table '
            "above. In short: the floor itself mints at 0.619 x Set; a trade now reads every "
            "component's price (N Chainlink proxy reads) where Set reads none.",
        ]
    out += reading(rows, g, counts)
    variants = [r for r in rows if r.variant is not None]
    if variants:
        out += [
            "",
            "## Variants",
            "",
            "- `max_approval`: the mint/redeem run with infinite approvals (no allowance write per",
            "  transferFrom).",
            "- `oz_token`: the mint/redeem run with Set Protocol's own `StandardTokenMock` (OpenZeppelin 3",
            "  ERC20, which writes the allowance even when infinite) instead of MockERC20.",
            "- `fee_on`: vyndex with a 1 %/yr management fee running, so every call accrues (Set's issue and",
            "  redeem never accrue; set_v2 and floor columns repeat the main run).",
            "- `first_ever`: Set's first trade of a component ever (stores its first trade timestamp).",
            "- `plan_start`: vyndex's first trade (V2 direct), which starts the plan (drift over the",
            "  threshold, `RebalanceStarted`) and writes the components' first trade timestamps.",
            "",
            "| variant | op | N | vyndex | set_v2 | floor | vyndex/set_v2 | vyndex/floor |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for variant in sorted({r.variant for r in variants if r.variant}):
            gv = lookup(rows, variant)
            for op in (*OPS_MINT_REDEEM, "accrue_fee", "trade"):
                for n in sorted({k[2] for k in gv if k[1] == op}):
                    v, s, f = (gv.get((system, op, n)) for system in ("vyndex", "set_v2", "floor"))
                    if variant == "fee_on":
                        s, f = g.get(("set_v2", op, n)), g.get(("floor", op, n))
                    line = f"{gas(v)} | {gas(s)} | {gas(f)} | {ratio(v, s)} | {ratio(v, f)}"
                    out.append(f"| {variant} | {op} | {n} | {line} |")
    quality = RESULTS / "rebalance_quality.md"
    if quality.is_file():  # written by bench/rebalance_quality.py
        out += ["", quality.read_text().rstrip()]
    # Sections the other bench scripts write: navfeed_gas.py, factory_gas.py, zap_gas.py, auction_gas.py.
    for section in ("navfeed.md", "factory.md", "zap.md", "auction.md"):
        path = RESULTS / section
        if path.is_file():
            out += ["", path.read_text().rstrip()]
    simulation = RESULTS / "simulation" / "simulation.md"
    if simulation.is_file():  # written by `make simulate` (scripts/simulate.py)
        out += ["", simulation.read_text().rstrip()]
    out += simulation_venues()
    out += simulation_executions()
    out += simulation_auction_variants()
    out += simulation_bidder_presence()
    out.append("")
    return "\n".join(out)


def simulation_venues() -> list[str]:
    """The standard scenario traded on V2 and on V3 side by side, from the two runs' summaries
    (`make simulate` and `make simulate SIM_ARGS="--venue v3"`)."""
    runs = {}
    for venue, folder in (("V2", "simulation"), ("V3 0.3%", "simulation_v3")):
        path = RESULTS / folder / "summary.json"
        if path.is_file():
            runs[venue] = json.loads(path.read_text())["summary"]
    if len(runs) < 2:
        return []
    rows = [
        ("tracking error, bps/yr", "tracking_error_bps", "{}"),
        ("tracking difference, bps", "tracking_difference_bps", "{}"),
        ("rebalancing cost, bps of NAV", "rebalance_cost_bps", "{}"),
        ("trades", "trades", "{:,}"),
        ("keeper gas", "keeper_gas", "{:,}"),
        ("largest drift, bps", "max_drift_bps", "{}"),
        ("mean drift after the keeper, bps", "mean_drift_after_keeper_bps", "{}"),
        ("days the oracle refused", "days_oracle_refused", "{}"),
        ("index return, %", "nav_return_pct", "{}"),
    ]
    out = [
        "",
        "### The same scenario on V2 and on V3",
        "",
        "The standard scenario (same seed, same prices) with the rebalancer trading on the Uniswap V2",
        "pairs (`make simulate`) and with only a UniswapV3Venue over 0.3% full-range pools of the same",
        'depth (`make simulate SIM_ARGS="--venue v3"`, written to `bench/results/simulation_v3/`).',
        "",
        "| | " + " | ".join(runs) + " |",
        "| --- | " + " | ".join("---:" for _ in runs) + " |",
    ]
    for label, key, fmt in rows:
        out.append(f"| {label} | " + " | ".join(fmt.format(r[key]) for r in runs.values()) + " |")
    trades = [r["trades"] for r in runs.values()]
    if all(trades):
        cells = " | ".join(f"{r['keeper_gas'] // r['trades']:,}" for r in runs.values())
        out.append(f"| keeper gas per trade | {cells} |")
    return out


# Issue #14's targets for the standard scenario (120 days): rebalancing cost and tracking error.
EXECUTION_TARGETS = {"rebalance_cost_bps": 15.0, "tracking_error_bps": 20.0}


def simulation_executions() -> list[str]:
    """The standard scenario rebalanced by AMM keeper trades, by Dutch auction and by auction first
    with the AMMs after (`make simulate SIM_ARGS="--execution amm|auction|hybrid"`), side by side."""
    runs = {}
    bands: dict[str, int] = {}  # the runs at another threshold (`--threshold`), by column name
    paths = [("AMM", "simulation", "amm"), ("auction", "simulation_auction", "auction")]
    paths.append(("hybrid", "simulation_hybrid", "hybrid"))
    for name, folder, execution in list(paths):
        bands_found = [
            (int(m.group(1)), other.name)
            for other in RESULTS.glob(f"{folder}_*bps")
            if (m := re.fullmatch(rf"{folder}_(\d+)bps", other.name))
        ]
        for band, other_name in sorted(bands_found, reverse=True):
            paths.append((f"{name} ({band} bps)", other_name, execution))
    for name, folder, execution in paths:
        path = RESULTS / folder / "summary.json"
        if path.is_file():
            data = json.loads(path.read_text())
            summary = data["summary"]
            if summary.get("execution", "amm") == execution and summary["venue"] == "v2":
                runs[name] = summary
                threshold = int(data["config"]["drift_threshold_bps"])
                if threshold != 100:
                    bands[name] = threshold
    if len([n for n in runs if n not in bands]) < 2:
        return []
    days = {r["days"] for r in runs.values()}
    if len(days) != 1:  # runs of different lengths are not comparable
        return []
    rows = [
        ("tracking error, bps/yr", "tracking_error_bps", "{}"),
        ("rebalancing cost, bps of NAV", "rebalance_cost_bps", "{}"),
        ("protocol gas (keeper trades and auction opens)", "keeper_gas", "{:,}"),
        ("bidder gas (paid by bidders)", "bidder_gas", "{:,}"),
        ("AMM trades and auction fills", "trades", "{:,}"),
        ("auctions opened", "auctions", "{:,}"),
        ("auction fills", "auction_fills", "{:,}"),
        ("days with drift over the threshold after the keeper", "days_drift_over_threshold", "{}"),
        ("largest drift, bps", "max_drift_bps", "{}"),
        ("mean drift after the keeper, bps", "mean_drift_after_keeper_bps", "{}"),
        ("index return, %", "nav_return_pct", "{}"),
    ]
    out = [
        "",
        "### The same scenario by AMM, by auction and hybrid",
        "",
        f"The standard scenario ({days.pop()} days, same seed, V2 pairs) rebalanced by keeper trades on the",
        "AMMs (`make simulate`), by Dutch auction only (`--execution auction`: the keeper opens at most",
        "one 1-hour auction a day, 100 bps premium; one bidder with inventory from anywhere fills a leg",
        "once the price is 30 bps under oracle-fair and pays its own gas) and auction first with the",
        "AMMs for what is left within 6 hours (`--execution hybrid`). Bidder model: bench/README.md.",
        "",
        "| | " + " | ".join(runs) + " |",
        "| --- | " + " | ".join("---:" for _ in runs) + " |",
    ]
    for label, key, fmt in rows:
        out.append(f"| {label} | " + " | ".join(fmt.format(r.get(key, 0)) for r in runs.values()) + " |")
    if "AMM" in runs:
        for name, r in runs.items():
            # Each auction run against the AMM run on the same band.
            amm = "AMM" if name not in bands else f"AMM ({bands[name]} bps)"
            amm_gas = runs.get(amm, {}).get("keeper_gas", 0)
            if r.get("auctions") and amm_gas:
                out.append("")
                out.append(
                    f"By {name} the protocol paid {r['keeper_gas'] / amm_gas:.3f} x the gas of {amm} "
                    f"({r['auctions']} opens); bidders paid {r['bidder_gas']:,} for "
                    f"{r['auction_fills']} fills."
                )
        out += [
            "",
            "AMM, auction and hybrid trade only once the drift passes the same 100 bps threshold,",
            "checked once a day, so tracking error is set by that band and the daily step, not by how",
            "legs execute; an auction's cost is the bidder's margin (30 bps of what it fills here)",
            "where an AMM trade pays the pool's 0.3% fee and its price impact.",
        ]
        hybrid = runs.get("hybrid")
        if hybrid and hybrid["trades"] == hybrid["auction_fills"]:
            out += [
                "",
                "The hybrid run made no AMM trade: the bidder filled every leg within its auction, so",
                "the AMM window after it never had anything left to trade.",
            ]
        if bands:
            out += [
                "",
                "The columns with a band are the same scenario with a narrower threshold",
                "(`--threshold 50bps`, no charts): the band sets tracking error, and every extra trade",
                "pays its path's cost again (the target lines below say which column meets what).",
            ]
    for key, target in EXECUTION_TARGETS.items():
        label = "cost" if key == "rebalance_cost_bps" else "tracking error"
        met = "; ".join(f"{name} {'met' if r[key] <= target else 'missed'}" for name, r in runs.items())
        out.append("")
        out.append(
            f"Target {label} <= {target:g} {'bps of NAV' if label == 'cost' else 'bps a year'}: {met}."
        )
    return out


def _standard_runs(executions: tuple[str, ...]) -> list[tuple[dict[str, Any], dict[str, Any], str]]:
    """(config, summary, folder) of every simulation in bench/results of the standard scenario's
    length on the V2 pairs, executed one of `executions`, by folder name."""
    runs = []
    for path in sorted(RESULTS.glob("simulation*/summary.json")):
        data = json.loads(path.read_text())
        summary, config = data["summary"], data["config"]
        if (
            summary.get("execution", "amm") in executions
            and summary["venue"] == "v2"
            and summary["days"] == 120
        ):
            runs.append((config, summary, path.parent.name))
    return runs


def _presence(config: dict[str, Any]) -> float:
    """The run's bidder presence (runs from before the option had the bidder at every auction)."""
    return float(config.get("bidder_presence", SimConfig.bidder_presence))


def simulation_auction_variants() -> list[str]:
    """Every auction-only run of the standard scenario (`simulation_auction*`), one row each: how the
    band and the margin of the bidder who fills set what the auction path costs and how closely it
    tracks."""
    # A bidder who stays away is simulation_bidder_presence's.
    runs = [r for r in _standard_runs(("auction",)) if _presence(r[0]) == 1.0]
    if len(runs) < 2:
        return []
    runs.sort(key=lambda r: (-r[0]["drift_threshold_bps"], -r[0]["bidder_margin_bps"], r[0]["trade_cap_usd"]))
    out = [
        "",
        "### The auction path: the band and the bidder's margin",
        "",
        "The standard scenario by auction only, with the band (`--threshold`) and the margin of the",
        "bidder who fills (`--bidder-margin`: how far under the oracle-fair price it takes a leg, its",
        "cost of carrying and re-hedging what it takes) varied. Cost per dollar traded is what the",
        "index gave up on each dollar it sold, at the oracle: the bidder's margin, plus the curve's",
        "decay while a component waits out its cooldown before its next fill. A fill is the smaller of",
        "a component's excess and another's deficit, a few thousand dollars at these bands: the",
        "$50,000 trade cap never binds (a run with a $1,000,000 cap, `--trade-cap`, is the same run).",
        "",
        "| band | bidder margin | tracking error, bps/yr | cost, bps of NAV | cost per $ traded, bps | "
        "traded | fills | auctions | cost <= 15, TE <= 20 | results |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for config, summary, folder in runs:
        traded = f"${summary['traded_usd']:,}" if "traded_usd" in summary else "-"
        met = ["met" if summary[key] <= target else "missed" for key, target in EXECUTION_TARGETS.items()]
        cap = "" if config["trade_cap_usd"] == 50_000 else f" (trade cap ${config['trade_cap_usd']:,})"
        out.append(
            f"| {config['drift_threshold_bps']} bps{cap} | {config['bidder_margin_bps']} bps | "
            f"{summary['tracking_error_bps']} | {summary['rebalance_cost_bps']} | "
            f"{summary.get('cost_per_traded_bps', '-')} | {traded} | "
            f"{summary['auction_fills']:,} | {summary['auctions']:,} | {', '.join(met)} | `{folder}` |"
        )
    out += _margin_break_even(runs)
    return out


def simulation_bidder_presence() -> list[str]:
    """The standard scenario by auction only and by hybrid when the bidder is there for only some
    auctions (`--bidder-presence`), beside the same paths with a bidder at every auction: what the
    AMM window after an auction is for."""
    standard = ("drift_threshold_bps", "bidder_margin_bps", "trade_cap_usd")  # all but the presence
    runs = [
        (_presence(config), summary, folder)
        for config, summary, folder in _standard_runs(("auction", "hybrid"))
        if all(config[key] == getattr(SimConfig, key) for key in standard)
    ]
    if not any(presence < 1.0 for presence, _, _ in runs):
        return []
    runs.sort(key=lambda r: (-r[0], r[1]["execution"]))
    out = [
        "",
        "### When the bidder stays away",
        "",
        "The standard scenario (100 bps band, a bidder taking 30 bps) with the bidder at only some",
        "auctions (`--bidder-presence`: at each auction it is there with this probability, a draw of",
        "its own seeded stream, so the market is the same run). An auction nobody bids runs out and the",
        "plan waits for the next day; a hybrid run trades what is left on the AMMs in the 6 hours",
        "after it. AMM trades are the trades that were not auction fills.",
        "",
        "| path | bidder there | tracking error, bps/yr | cost, bps of NAV | protocol gas | "
        "auctions | unbid | fills | AMM trades | days over the band | cost <= 15, TE <= 20 | results |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for presence, s, folder in runs:
        met = ["met" if s[key] <= target else "missed" for key, target in EXECUTION_TARGETS.items()]
        out.append(
            f"| {s['execution']} | {presence:.0%} | {s['tracking_error_bps']} | {s['rebalance_cost_bps']} | "
            f"{s['keeper_gas']:,} | {s['auctions']:,} | {s.get('auctions_unbid', 0):,} | "
            f"{s['auction_fills']:,} | {s['trades'] - s['auction_fills']:,} | "
            f"{s['days_drift_over_threshold']} | {', '.join(met)} | `{folder}` |"
        )
    by = {(presence, s["execution"]): s for presence, s, _ in runs}
    for presence in sorted({p for p, _ in by if p < 1.0}, reverse=True):
        auction, hybrid = by.get((presence, "auction")), by.get((presence, "hybrid"))
        if auction is None or hybrid is None:
            continue
        out += [
            "",
            f"With the bidder at {presence:.0%} of the auctions, auction only leaves the drift standing",
            f"({auction['days_drift_over_threshold']} days over the band, tracking error "
            f"{auction['tracking_error_bps']} bps a year);",
            f"the hybrid's AMM window keeps tracking at {hybrid['tracking_error_bps']} bps a year "
            f"({hybrid['days_drift_over_threshold']} days over) and pays for it",
            f"in the AMMs' fees and impact ({hybrid['rebalance_cost_bps']} bps of NAV) and in the gas of its",
            f"{hybrid['trades'] - hybrid['auction_fills']} keeper trades "
            f"(protocol gas {hybrid['keeper_gas']:,} against {auction['keeper_gas']:,}).",
        ]
    return out


def _margin_break_even(runs: list[tuple[dict[str, Any], dict[str, Any], str]]) -> list[str]:
    """Per band, the bidder margin at which the cost reaches its target, interpolated linearly
    between the two runs (same band and trade cap) whose costs straddle it."""
    target = EXECUTION_TARGETS["rebalance_cost_bps"]
    lines = []
    bands = sorted({c["drift_threshold_bps"] for c, _, _ in runs}, reverse=True)
    for band in bands:
        rows = sorted(
            (c["bidder_margin_bps"], s["rebalance_cost_bps"], s["tracking_error_bps"])
            for c, s, _ in runs
            if c["drift_threshold_bps"] == band and c["trade_cap_usd"] == 50_000
        )
        for (m0, c0, te0), (m1, c1, te1) in itertools.pairwise(rows):
            if c0 <= target < c1:
                at = m0 + (target - c0) * (m1 - m0) / (c1 - c0)
                lines += [
                    "",
                    f"At the {band} bps band the cost falls linearly with the bidder's margin: it meets",
                    f"{target:g} bps of NAV while the bidder who fills takes less than about {at:.1f} bps",
                    f"(between the runs at {m0} and {m1} bps; tracking error {te0} and {te1} bps a year).",
                ]
    return lines


def reading(rows: list[Row], g: dict[tuple[str, str, int], int], counts: Sequence[int]) -> list[str]:
    """Plain-language notes computed from the numbers: where vyndex's gas goes against the floor,
    and how the Set reference numbers relate to the tokens used."""
    notes = ["", "## Reading the numbers", ""]
    n = TARGET_N
    for op in ("mint_repeat", "redeem_partial"):
        fit_v = slope([(k, g[("vyndex", op, k)]) for k in counts if ("vyndex", op, k) in g])
        fit_f = slope([(k, g[("floor", op, k)]) for k in counts if ("floor", op, k) in g])
        v, f, s = g.get(("vyndex", op, n)), g.get(("floor", op, n)), g.get(("set_v2", op, n))
        if not (v and f and s and fit_v is not None and fit_f is not None):
            continue
        per = fit_v - fit_f
        notes.append(
            f"- {op}, N={n}: vyndex spends {v - f:,} gas over the floor ({per:,.0f} per component, "
            f"{v - f - per * n:,.0f} fixed); the floor itself is {f / s:.3f} x set_v2."
        )
    oz = lookup(rows, "oz_token")
    key_mint, key_redeem = ("set_v2", "mint_repeat", n), ("set_v2", "redeem_partial", n)
    if key_mint in oz and key_mint in g:
        notes.append(
            f"- With Set's own StandardTokenMock (OpenZeppelin 3) as components, Set's N={n} repeat issue"
            f" costs {oz[key_mint]:,} and redeem {oz.get(key_redeem, 0):,} (`oz_token` below); with"
            f" MockERC20 {g[key_mint]:,} and {g.get(key_redeem, 0):,}. The difference is the token's own"
            " transfer code, paid by every system alike."
        )
    notes.append(
        "- `mint_first` pays for the index's balance of every component going from zero (20k each);"
        " `redeem_full` gets the refund for zeroing the holder's index balance."
    )
    return notes


def targets(g: dict[tuple[str, str, int], int]) -> list[tuple[str, str, bool]]:
    checks: list[tuple[str, str, bool]] = []
    for op, (max_set, max_floor) in TARGETS.items():
        v, s, f = (
            g.get(("vyndex", op, TARGET_N)),
            g.get(("set_v2", op, TARGET_N)),
            g.get(("floor", op, TARGET_N)),
        )
        if v and s:
            checks.append(
                (f"N={TARGET_N} {op} <= {max_set:.2f} x set_v2", f"{v / s:.3f} x", v / s <= max_set)
            )
        if v and f and max_floor is not None:
            checks.append(
                (f"N={TARGET_N} {op} <= {max_floor:.2f} x floor", f"{v / f:.3f} x", v / f <= max_floor)
            )
    for op in ("mint_repeat", "redeem_partial"):
        v = g.get(("vyndex", op, 32))
        if v:
            checks.append((f"N=32 {op} < {TARGET_N32_MAX:,}", f"{v:,}", v < TARGET_N32_MAX))
    trade, set_trade, swap = (
        g.get(("vyndex", "trade", TARGET_N)),
        g.get(("set_v2", "trade", TARGET_N)),
        g.get(("router", "swap", TARGET_N)),
    )
    trade_v3, swap_v3 = g.get(("vyndex", "trade_v3", TARGET_N)), g.get(("router", "swap_v3", TARGET_N))
    if trade and set_trade:
        limit = int(set_trade * TARGET_TRADE_MAX_SET)
        checks.append(
            (
                f"N={TARGET_N} V2 trade <= {TARGET_TRADE_MAX_SET:.2f} x set_v2 trade (<= {limit:,})",
                f"{trade / set_trade:.3f} x ({trade:,})",
                trade / set_trade <= TARGET_TRADE_MAX_SET,
            )
        )
    if trade and swap and trade_v3 and swap_v3:
        checks.append(
            (
                f"N={TARGET_N} V3 trade - bare V3 router <= V2 trade - bare V2 router ({trade - swap:,})",
                f"{trade_v3 - swap_v3:,}",
                trade_v3 - swap_v3 <= trade - swap,
            )
        )
    if trade and swap:
        checks.append(
            (
                f"N={TARGET_N} V2 trade - V2 router swap <= {TARGET_TRADE_OVER_SWAP:,} (issue #6)",
                f"{trade - swap:,}",
                trade - swap <= TARGET_TRADE_OVER_SWAP,
            )
        )
    return checks


def print_summary(rows: list[Row]) -> None:
    g = lookup(rows)
    counts = sorted({r.components for r in rows if r.variant is None})
    table = Table(title="gas (receipt gasUsed)", show_lines=False)
    for column in ("op", "N", "vyndex", "set_v2", "floor", "router", "v/set", "v/floor"):
        table.add_column(column, justify="left" if column == "op" else "right", no_wrap=True)
    for op in ALL_OPS:
        for n in counts:
            v, s, f, r = (g.get((system, op, n)) for system in ("vyndex", "set_v2", "floor", "router"))
            if v is None and s is None and f is None and r is None:
                continue
            table.add_row(op, str(n), gas(v), gas(s), gas(f), gas(r), ratio(v, s), ratio(v, f))
    console.print(table)
    for name, value, ok in targets(g):
        console.print(f"  {'[green]met[/]' if ok else '[red]NOT met[/]'}  {name}: {value}")


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def make_actors() -> Actors:
    t = accounts.test_accounts
    return Actors(
        deployer=t[0],
        manager=t[1],
        guardian=t[2],
        fee_recipient=t[3],
        trader=t[4],
        alice=t[5],
        bob=t[6],
        liquidity=t[7],
    )


def run(
    counts: Sequence[int], variants: bool, vyndex_trade: VyndexTrade | None, trace: bool = False
) -> tuple[list[Row], dict[str, str]]:
    actors = make_actors()
    actors.liquidity.balance += 10**24  # ether to wrap for the pools' WETH sides
    with Progress(
        TextColumn("[bold]{task.description:<44}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        steps = len(counts) * 2 + 1 + (len(VARIANT_COUNTS) + 2 if variants else 0)
        task = progress.add_task("deploying Uniswap V2 and Set Protocol v2", total=steps)
        uni = deploy_uniswap_v2(actors.deployer)
        uni3 = deploy_uniswap_v3(actors.deployer, uni.weth)
        set_v2 = deploy_set_protocol_v2(actors.deployer, uni.weth, uni.router)
        bench = Bench(actors=actors, uni=uni, uni3=uni3, set_v2=set_v2, floor=compile_floor(), trace=trace)
        progress.advance(task)
        for n in counts:
            progress.update(task, description=f"N={n}: mint, redeem, fee (vyndex, set_v2, floor)")
            bench_components(bench, n)
            progress.advance(task)
            progress.update(task, description=f"N={n}: trade (set_v2, router)")
            bench_trades(bench, n, vyndex_trade)
            progress.advance(task)
            latest = [r for r in bench.rows if r.components == n and r.op == "mint_repeat" and not r.variant]
            progress.console.print(
                f"  N={n:>2}  mint_repeat " + "  ".join(f"{r.system} {r.gas:,}" for r in latest)
            )
        if variants:
            bench.approval = MAX_UINT256
            for n in VARIANT_COUNTS:
                progress.update(task, description=f"N={n}: variant max_approval")
                bench_components(bench, n, variant="max_approval", fees=False)
                progress.advance(task)
            bench.approval = FINITE_APPROVAL
            progress.update(task, description=f"N={TARGET_N}: variant oz_token")
            bench_components(bench, TARGET_N, variant="oz_token", fees=False, kind="oz")
            progress.advance(task)
            progress.update(task, description=f"N={TARGET_N}: variant fee_on (vyndex)")
            bench_fee_running(bench, TARGET_N)
            progress.advance(task)
    meta = {
        "date": dt.date.today().isoformat(),
        "client": str(chain.provider.web3.client_version),
        "vyper": "0.4.3",
    }
    return bench.rows, meta


def write(rows: list[Row], meta: dict[str, str], markdown_path: Path = BENCHMARKS_MD) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    main_rows = [r.as_json() for r in rows if r.variant is None]
    variant_rows = [r.as_json() for r in rows if r.variant is not None]
    (RESULTS / "gas.json").write_text(json.dumps(main_rows, indent=1) + "\n")
    (RESULTS / "gas_variants.json").write_text(json.dumps(variant_rows, indent=1) + "\n")
    (RESULTS / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    markdown_path.write_text(markdown(rows, meta))


def main(argv: Sequence[str] | None = None, vyndex_trade: VyndexTrade | None = VYNDEX_TRADE) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="N = 2 and 5 only; results are not written")
    parser.add_argument("--no-variants", action="store_true", help="skip the max_approval and fee_on runs")
    parser.add_argument(
        "--render", action="store_true", help="only regenerate BENCHMARKS.md from bench/results"
    )
    parser.add_argument("--trace", action="store_true", help="with --quick: write the N = 5 call trees too")
    parser.add_argument("--network", default=NETWORK, help=f"an Ape network choice (default {NETWORK})")
    args = parser.parse_args(argv)

    if args.render:
        rows = [
            Row(**r)
            for name in ("gas.json", "gas_variants.json")
            for r in json.loads((RESULTS / name).read_text())
        ]
        write(rows, json.loads((RESULTS / "meta.json").read_text()))
        return 0

    logger.set_level("ERROR")
    started = time.monotonic()
    counts = QUICK_COUNTS if args.quick else COMPONENT_COUNTS
    with networks.parse_network_choice(args.network):
        rows, meta = run(
            counts,
            variants=not (args.quick or args.no_variants),
            vyndex_trade=vyndex_trade,
            trace=args.trace or not args.quick,
        )
    print_summary(rows)
    if not args.quick:
        write(rows, meta)
        console.print(f"wrote {RESULTS / 'gas.json'} and {BENCHMARKS_MD.name}")
    console.print(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
