"""Gas of rebalancing by Dutch auction (contracts/DutchAuction.vy), beside Set and the AMM path.

    python bench/auction_gas.py    (from the repo root; `make bench` runs it before bench/gas.py,
                                    which folds bench/results/auction.md into BENCHMARKS.md)

Both measurements use the rebalance-quality world (bench/rebalance_quality.py: five devnet
components priced by Chainlink aggregators behind proxies, a $1,000,000 vault at equal weights
rebalanced to 35/25/20/10/10, trades capped at $20,000, 200 bps maximum slippage):

1. One bid, the gas its bidder pays: the first fill of a rebalance (it starts the plan) and the
   steady fills after it, beside Set's `GeneralIndexModule.trade` at N = 5 (from
   bench/results/gas.json, written by bench/gas.py; 264,814 when that file is absent).
2. The protocol-paid gas of the whole rebalance: by auction, only the keeper's `open()` calls
   (bidders pay for every fill); by AMM, every keeper trade of the same rebalance through the
   UniswapV2Venue (bench/rebalance_quality.py's run, in the same process).

Bidder model (this bench): one bidder holding every component in quantity; it fills a leg as soon
as the curve is at or below the oracle-fair price (factor <= 10,000), trying the legs (largest
excess against largest deficit) by eth_call of `bid` and sending the first that executes; it waits
out the cooldowns; when an auction ends with something left, the keeper opens another. The
auction is the Rebalancer's `auction` with every leg auction-only (EXEC_AUCTION).

Writes bench/results/auction.json and bench/results/auction.md.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("VVM_BINARY_PATH", str(ROOT / ".vvm"))
# bin/anvil (the npm Anvil, its persisted states removed when it stops) first, as in the Makefile.
os.environ["PATH"] = os.pathsep.join(
    [str(ROOT / "bin"), str(ROOT / "node_modules" / ".bin"), os.environ.get("PATH", "")]
)

import ape  # noqa: E402
import calltree  # noqa: E402  (bench/calltree.py)
import rebalance_quality as rq  # noqa: E402  (bench/rebalance_quality.py)
from ape import accounts, chain, networks  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from vyndex.calls import quiet_call  # noqa: E402
from vyndex.constants import MAX_UINT256  # noqa: E402
from vyndex.venues import Lens  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PREMIUM_BPS = 100
LENGTH = 3_600
EXEC_AUCTION = 2
SET_TRADE_FALLBACK = 264_814  # BENCHMARKS.md, N = 5
BID_TARGET = 0.45  # x Set's trade
PROTOCOL_TARGET = 0.25  # x the AMM path's protocol-paid gas
MAX_STEPS = 400


def set_trade_gas() -> tuple[int, str]:
    """Set's GeneralIndexModule.trade at N = 5, as bench/gas.py measured it."""
    path = RESULTS / "gas.json"
    if path.is_file():
        for row in json.loads(path.read_text()):
            key = (row["system"], row["op"], row["components"])
            if key == ("set_v2", "trade", 5) and not row.get("variant"):
                return int(row["gas"]), "bench/results/gas.json"
    return SET_TRADE_FALLBACK, "BENCHMARKS.md"


def list_auction(world: dict[str, Any]) -> None:
    """Before the mint (no holders: every setter applies at once): the auction as a venue, a keeper
    and the Rebalancer's `auction`, every leg auction-only."""
    deployer, rebalancer = world["deployer"], world["rebalancer"]
    auction = deployer.deploy(ape.project.DutchAuction, rebalancer, PREMIUM_BPS, LENGTH)
    rebalancer.add_venue(auction, sender=deployer)
    rebalancer.set_keeper(auction, True, sender=deployer)
    rebalancer.set_auction(auction, sender=deployer)
    auction.set_default_execution(EXEC_AUCTION, sender=deployer)
    world["auction"] = auction


def legs(lens: Lens, targets: list[int]) -> list[tuple[int, int]]:
    """(sell, buy) pairs: every component over its target against every one under, largest first."""
    weights = lens.weights()
    gaps = [w - t for w, t in zip(weights, targets, strict=True)]
    over = sorted((i for i, g in enumerate(gaps) if g > 0), key=lambda i: -gaps[i])
    under = sorted((i for i, g in enumerate(gaps) if g < 0), key=lambda i: gaps[i])
    return [(s, b) for s in over for b in under]


def by_auction() -> dict[str, Any]:
    w = rq.build(list_auction)
    auction, rebalancer, market, keeper = w["auction"], w["rebalancer"], w["market"], w["keeper"]
    bidder = accounts.test_accounts[7]
    bidder.balance += 10**26
    for token in w["tokens"]:
        if token.address == market.weth.address:
            market.weth.deposit(sender=bidder, value=10**25)
        else:
            token.mint(bidder, 10 ** (int(token.decimals()) + 12), sender=bidder)
        token.approve(auction, MAX_UINT256, sender=bidder)

    lens = Lens(rebalancer)
    nav_before = lens.total_value()
    rebalancer.set_targets(rq.TARGETS, sender=w["manager"])
    drift_before = lens.drift_bps()
    slippage = int(rebalancer.max_slippage_bps())
    # The curve reaches the oracle-fair price this long after an auction opens.
    to_fair = -(-PREMIUM_BPS * LENGTH // (PREMIUM_BPS + slippage))
    opens: list[int] = []
    bid_receipts: list[Any] = []
    factors: list[int] = []
    fills_this_auction = 0
    for _ in range(MAX_STEPS):
        if not auction.is_open():
            if opens and fills_this_auction == 0:
                break  # a whole auction without a fill: nothing a bidder can take
            if not quiet_call(auction.open, sender=keeper).ok:
                break  # nothing to trade, or balanced
            opens.append(auction.open(sender=keeper).gas_used)
            fills_this_auction = 0
            chain.pending_timestamp = int(auction.opened_at()) + to_fair
            chain.mine()
        deadline = int(chain.blocks.head.timestamp) + 600
        sent = False
        for sell, buy in legs(lens, rq.TARGETS):
            if not quiet_call(auction.bid, sell, buy, MAX_UINT256, deadline, sender=bidder).ok:
                continue  # refused (by name): the next leg
            receipt = auction.bid(sell, buy, MAX_UINT256, deadline, sender=bidder)
            bid_receipts.append(receipt)
            factors.extend(int(e.factor_bps) for e in receipt.events.filter(auction.Fill))
            fills_this_auction += 1
            sent = True
            break
        if not sent:
            chain.pending_timestamp = int(chain.blocks.head.timestamp) + rq.COOLDOWN + 1
            chain.mine()
    nav_after = lens.total_value()
    weights = lens.weights()
    bids = [int(r.gas_used) for r in bid_receipts]
    return {
        "steady_bid_breakdown": steady_breakdown(bid_receipts),
        "bid_floor": bid_floor(w, bidder, steady_receipt(bid_receipts)) if len(bid_receipts) > 1 else None,
        "drift_before_bps": int(drift_before),
        "auctions": len(opens),
        "open_gas": opens,
        "protocol_gas": sum(opens),
        "fills": len(bids),
        "first_bid_gas": bids[0] if bids else None,
        "steady_bid_gas": int(statistics.median(bids[1:])) if len(bids) > 1 else None,
        "bid_gas_total": sum(bids),
        "factor_bps_range": [min(factors), max(factors)] if factors else None,
        "cost_bps_of_nav": round((nav_before - nav_after) * 10_000 / nav_before, 2),
        "largest_weight_error_bps": max(abs(x - t) for x, t in zip(weights, rq.TARGETS, strict=True)),
    }


def steady_receipt(receipts: list[Any]) -> Any:
    """The steady bid (not the first, which starts the plan) nearest the median gas."""
    median = statistics.median(int(r.gas_used) for r in receipts[1:])
    return min(receipts[1:], key=lambda r: abs(int(r.gas_used) - median))


def steady_breakdown(receipts: list[Any]) -> dict[str, dict[str, int]] | None:
    """Own gas by contract (bench/calltree.py) of the steady bid nearest the median."""
    if len(receipts) < 2:
        return None
    bid = steady_receipt(receipts)
    tree, _top = calltree.frames(str(bid.txn_hash))
    return calltree.by_contract(tree, int(bid.gas_used), calltree.intrinsic(bytes(bid.transaction.data)))


def bid_floor(w: dict[str, Any], bidder: Any, bid: Any) -> dict[str, int]:
    """What any bid keeping the issue's checks must spend, measured on the steady bid's own leg and
    amounts, each part in a transaction of its own (from a chain snapshot, restored after):

    - its transaction: 21,000 and the bid's calldata;
    - the two guarded prices (`OracleAdapter.price_pair`: a stale, deviating or out-of-bounds feed
      must stop the fill by name);
    - the payment, bidder -> vault (`transferFrom`, sent as the auction the bidder approved);
    - the sold component, vault -> bidder (`transfer`, sent as the vault).

    Each part's gas is its receipt's less that transaction's own intrinsic cost. A part's callee is
    its transaction's `to`, already warm, where inside a bid it is cold (2,600 more each), and no
    auction, vault or rebalancer logic is counted at all: the sum is a lower bound."""
    rebalancer, auction = w["rebalancer"], w["auction"]
    trade = next(iter(bid.decode_logs(rebalancer.Trade)))
    sell, buy = str(trade.sell), str(trade.buy)
    oracle = ape.project.OracleAdapter.at(rebalancer.oracle())
    by_address = {t.address: t for t in w["tokens"]}
    vault = rebalancer.vault()
    snapshot = chain.snapshot()
    try:
        parts = {
            "transaction": calltree.intrinsic(bytes(bid.transaction.data)),
            "two guarded prices": _alone(
                bidder.address, oracle.address, oracle.price_pair.encode_input(sell, buy)
            ),
            "payment, bidder -> vault": _alone(
                auction.address,
                buy,
                by_address[buy].transferFrom.encode_input(bidder.address, vault, int(trade.amount_out)),
            ),
            "sold component, vault -> bidder": _alone(
                vault, sell, by_address[sell].transfer.encode_input(bidder.address, int(trade.amount_in))
            ),
        }
    finally:
        chain.restore(snapshot)
    return parts


def _alone(sender: str, to: str, data: Any) -> int:
    """Gas of one call sent in a transaction of its own from `sender` (impersonated, funded), less
    the transaction's intrinsic cost."""
    provider = chain.provider
    provider.make_request("anvil_impersonateAccount", [sender])
    provider.set_balance(sender, 10**20)
    w3 = provider.web3
    txn_hash = w3.eth.send_transaction({"from": sender, "to": to, "data": data, "gas": 1_000_000})
    receipt = w3.eth.wait_for_transaction_receipt(txn_hash)
    provider.make_request("anvil_stopImpersonatingAccount", [sender])
    assert receipt["status"] == 1, f"floor part to {to} reverted"
    raw = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data)
    return int(receipt["gasUsed"]) - calltree.intrinsic(raw)


def floor_lines(parts: dict[str, int], set_gas: int) -> list[str]:
    floor = sum(parts.values())
    target = int(BID_TARGET * set_gas)
    verdict = "over" if floor > target else "under"
    return [
        "",
        "What any bid that keeps these checks must spend, whatever the contracts (the steady bid's",
        "own leg and amounts; each part alone in a transaction from a snapshot, its intrinsic cost",
        "taken out; its callee already warm and no auction, vault or rebalancer logic counted, so",
        "the sum is a lower bound):",
        "",
        "| part | gas |",
        "| --- | ---: |",
        *(f"| {name} | {gas:,} |" for name, gas in parts.items()),
        f"| **floor of a bid** | **{floor:,}** |",
        "",
        f"The floor is {floor / set_gas:.3f} x Set's trade, {verdict} the {BID_TARGET} x target "
        f"({target:,}) before a single check, cap or accounting write of the auction itself.",
    ]


def breakdown_lines(parts: dict[str, dict[str, int]]) -> list[str]:
    gas = sum(p["own"] for p in parts.values())
    oracle = sum(p["own"] for name, p in parts.items() if calltree.GROUPS.get(name) == "oracle")
    names = sorted(parts, key=lambda n: (n == "transaction", calltree.GROUPS.get(n, "z"), n))
    return [
        "",
        f"Where one steady bid's {gas:,} gas goes (`debug_traceTransaction`, own gas by contract as",
        "in the trade breakdown; in brackets how many frames):",
        "",
        "| contract | gas |",
        "| --- | ---: |",
        *(f"| {n} | {parts[n]['own']:,} ({parts[n]['calls']}) |" for n in names),
        f"| **oracle reads, all** | **{oracle:,}** |",
        "",
        f"The guarded price reads ({oracle:,}) are {oracle / gas:.0%} of the bid: every fill is judged",
        "toward target at current prices (every component's value, one read each), so a stale or",
        "deviating feed stops fills by name; the auction prices the leg from the two of them the",
        "Rebalancer read for this trade (`Rebalancer.trade_prices`), not from reads of its own.",
    ]


def markdown(r: dict[str, Any]) -> str:
    a, amm, set_gas = r["auction"], r["amm"], r["set_trade"]
    steady = a["steady_bid_gas"]
    lines = [
        "## Auctions",
        "",
        "`bench/auction_gas.py`: the rebalance-quality world (5 components, a $1,000,000 vault from",
        "equal weights to 35/25/20/10/10, $20,000 chunks, 200 bps maximum slippage, Chainlink",
        f"aggregators behind proxies) rebalanced by Dutch auction ({PREMIUM_BPS} bps premium, {LENGTH:,} s",
        "auctions, every leg auction-only) and by AMM keeper trades (the rebalance-quality run).",
        "Bidder model: one bidder with inventory of every component fills the first leg that executes",
        "once the curve is at or below the oracle-fair price, waiting out cooldowns; the keeper opens",
        "a new auction when one ends with something left. Transaction gas as charged.",
        "",
        "| what | gas | beside | ratio | target |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| one bid, steady (bidder pays) | {steady:,} | Set trade {set_gas:,} | "
        f"{steady / set_gas:.3f} | <= {BID_TARGET} |",
        f"| one bid, first (starts the plan) | {a['first_bid_gas']:,} | Set trade {set_gas:,} | "
        f"{a['first_bid_gas'] / set_gas:.3f} | |",
        f"| whole rebalance, protocol-paid: {a['auctions']} x `open` | {a['protocol_gas']:,} | "
        f"AMM path {amm['total_gas']:,} ({amm['trades']} trades) | "
        f"{a['protocol_gas'] / amm['total_gas']:.3f} | <= {PROTOCOL_TARGET} |",
        "",
        f"By auction: {a['fills']} fills (bidders paid {a['bid_gas_total']:,} gas in all), factors "
        f"{a['factor_bps_range'][0]:,}-{a['factor_bps_range'][1]:,} bps of fair, cost "
        f"{a['cost_bps_of_nav']} bps of NAV, worst weight error after {a['largest_weight_error_bps']} bps;",
        f"by AMM: cost {amm['cost_bps_of_nav']} bps of NAV, worst weight error "
        f"{amm['largest_weight_error_bps']} bps.",
        "A bid reads every component's guarded price (the Rebalancer judges each fill at current prices,",
        "as it does an AMM trade), so the bid target is not met; the protocol's own gas is one `open`",
        "per auction.",
    ]
    if a.get("steady_bid_breakdown"):
        lines += breakdown_lines(a["steady_bid_breakdown"])
    if a.get("bid_floor"):
        lines += floor_lines(a["bid_floor"], set_gas)
    return "\n".join(lines) + "\n"


def main() -> int:
    from ape.logging import logger

    logger.set_level("ERROR")
    set_gas, source = set_trade_gas()
    with networks.parse_network_choice("ethereum:local:foundry"):
        auction = by_auction()
        amm = rq.run()
    result = {"set_trade": set_gas, "set_trade_source": source, "auction": auction, "amm": amm}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "auction.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / "auction.md").write_text(markdown(result))
    table = Table(title="Auction gas")
    for key in ("steady_bid_gas", "first_bid_gas", "protocol_gas", "auctions", "fills", "cost_bps_of_nav"):
        table.add_row(key, str(auction[key]))
    table.add_row("AMM path total gas", str(amm["total_gas"]))
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
