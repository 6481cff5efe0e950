"""A bidder for vyndex's Dutch auctions (contracts/DutchAuction.vy): what each open leg would cost
now, what the bought tokens fetch in the pools the bidder can reach, and a fill when the difference
pays for the gas.

The auction sizes every fill itself (the Rebalancer's chunk), so the bidder learns exactly what a
bid would move by `eth_call` of `bid` from its own account on the pending block, the one its bid
lands in: (sold to the bidder, paid by the bidder). Probed on the latest block instead, a leg at an
auction's last second (or the first second after a cooldown) looks otherwise than it lands.
It values what it receives by selling it back where that pays most:
every route of every AMM venue the rebalancer lists (Uniswap V2 pairs direct or through WETH,
Uniswap V3 fee tiers and two-hop routes: each venue's own `quote`, what its swap would give now),
and the Uniswap V2 pair of the two components when an address book names a V2 market. It bids
when proceeds - payment - gas (at the oracle price of the paying token) is above `min_profit`.

    opportunities = scan(auction, rebalancer, uni, tokens, bidder)
    best = opportunities[0] if opportunities and opportunities[0].profitable else None

`vyndex bid` (scripts/bid.py) lists them (`describe`, `as_json`) and, with --send, fills the best.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ape.api import AccountAPI
from ape.contracts import ContractInstance
from ape.exceptions import ContractLogicError

from vyndex.calls import quiet_call, quiet_estimate
from vyndex.constants import MAX_UINT256, WAD
from vyndex.reference.uniswap_v2 import UniswapV2
from vyndex.venues import Lens


class BidderError(Exception):
    """A bid that cannot be made as asked (no auction to bid in)."""


@dataclass(frozen=True)
class Opportunity:
    """One leg a bid can fill now: what the bidder gets and pays, and what that is worth to it."""

    sell_index: int
    buy_index: int
    sold: int  # base units of the sold component the bidder receives
    paid: int  # base units of the bought component the bidder pays
    proceeds: int  # base units of the bought component the best venue or pool gives for `sold`
    gas_cost: int  # the bid's gas, in base units of the bought component
    factor_bps: int  # the curve's factor now (10,000 = the oracle-fair price)
    fair: int = 0  # `sold` at the oracle prices, in base units of the bought component

    @property
    def profit(self) -> int:
        return self.proceeds - self.paid - self.gas_cost

    @property
    def profitable(self) -> bool:
        return self.profit > 0


def _amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    with_fee = amount_in * 997
    return with_fee * reserve_out // (reserve_in * 1_000 + with_fee)


def pool_proceeds(uni: UniswapV2, sell: Any, buy: Any, amount: int) -> int:
    """What the V2 pair of `sell` and `buy` pays for `amount` of `sell` now (0 without a pair)."""
    pair = uni.pair(sell, buy)
    if pair is None or amount == 0:
        return 0
    r0, r1, _ = pair.getReserves()
    if str(pair.token0()).lower() == str(sell.address).lower():
        return _amount_out(amount, int(r0), int(r1))
    return _amount_out(amount, int(r1), int(r0))


def venue_proceeds(
    rebalancer: ContractInstance, skip: str, sell: Any, buy: Any, amount: int
) -> tuple[int, str]:
    """The most any venue of `rebalancer` except `skip` (the auction) gives now for `amount` of
    `sell` in `buy`, over every route it has, and where: (output, "venue:route"); (0, "") when no
    venue has a route. Each venue's `quote` is asked by eth_call (V3's reverts from inside the pool
    with the swap's result, as QuoterV2 does)."""
    from ape import project

    if amount == 0:
        return 0, ""
    # The venues share `routes` and `quote` (same selectors); V3's ABI declares `quote` non-view,
    # so it is called explicitly. Built directly, not through `.at`, to leave Ape's cache alone.
    abi = project.UniswapV3Venue.contract_type
    best, where = 0, ""
    for i in range(int(rebalancer.venue_count())):
        address = str(rebalancer.venues(i))
        if address.lower() == skip.lower():
            continue
        venue = ContractInstance(address, abi)
        found = quiet_call(venue.routes, sell, buy)
        for route in [int(r) for r in found.value] if found.ok else []:
            quote = quiet_call(venue.quote, sell, buy, amount, route, False)
            if not quote.ok:  # the route cannot take this amount now
                continue
            out = int(quote.value)
            if out > best:
                best, where = out, f"{address}:{route}"
    return best, where


def scan(
    auction: ContractInstance,
    rebalancer: ContractInstance,
    uni: UniswapV2 | None,
    tokens: list[Any],
    bidder: AccountAPI,
    gas_price: int = 0,
    deadline_window: int = 600,
) -> list[Opportunity]:
    """Every leg a bid from `bidder` would fill in the next block, most profitable first.

    `tokens` are the vault's components in basket order (contract instances). A leg is a
    component above its target weight (sold by the index) against one below it (bought). With a
    `gas_price` (wei), the bid's gas is charged at the oracle's WETH price in the paying token."""
    from ape import chain, project

    if not auction.is_open():
        return []
    weights = Lens(rebalancer).weights()
    targets = [int(t) for t in rebalancer.target_weights()]
    adapter = project.OracleAdapter.at(rebalancer.oracle())
    deadline = int(chain.blocks.head.timestamp) + deadline_window
    factor = int(quiet_call(auction.price_factor_bps, block="pending").value)
    found = []
    for s, (w_s, t_s) in enumerate(zip(weights, targets, strict=True)):
        if w_s <= t_s:
            continue
        for b, (w_b, t_b) in enumerate(zip(weights, targets, strict=True)):
            if w_b >= t_b:
                continue
            args = (s, b, MAX_UINT256, deadline)
            probe = quiet_call(auction.bid, *args, sender=bidder, block="pending")
            if not probe.ok:  # closed, cooling down, done, over the cap: not a leg then
                continue
            sold, paid = probe.value
            gas = quiet_estimate(auction.bid, *args, sender=bidder, block="pending")
            if gas is None:
                continue
            gas_cost = 0
            if gas_price and uni is not None and _known(adapter, uni.weth):
                eth_usd, buy_usd = int(adapter.price(uni.weth)), int(adapter.price(tokens[b]))
                one = 10 ** int(tokens[b].decimals())
                gas_cost = -(-gas * gas_price * eth_usd * one // (buy_usd * WAD))
            proceeds = venue_proceeds(rebalancer, auction.address, tokens[s], tokens[b], int(sold))[0]
            if uni is not None:
                proceeds = max(proceeds, pool_proceeds(uni, tokens[s], tokens[b], int(sold)))
            fair = int(sold) * int(adapter.price(tokens[s])) * 10 ** int(tokens[b].decimals())
            fair //= int(adapter.price(tokens[b])) * 10 ** int(tokens[s].decimals())
            found.append(Opportunity(s, b, int(sold), int(paid), proceeds, gas_cost, factor, fair))
    return sorted(found, key=lambda o: o.profit, reverse=True)


def _known(adapter: ContractInstance, token: Any) -> bool:
    try:
        return bool(adapter.price_status(token)[1])
    except ContractLogicError:
        return False


def bid_best(
    auction: ContractInstance, opportunities: list[Opportunity], bidder: AccountAPI, slack_bps: int = 10
) -> Any | None:
    """Fills the most profitable opportunity, if any is profitable, paying at most its quoted price
    plus `slack_bps` (the curve only falls, so the block it lands in costs no more). Returns the
    receipt or None."""
    if not opportunities or not opportunities[0].profitable:
        return None
    best = opportunities[0]
    max_pay = best.paid + best.paid * slack_bps // 10_000
    from ape import chain

    deadline = int(chain.blocks.head.timestamp) + 600
    return auction.bid(best.sell_index, best.buy_index, max_pay, deadline, sender=bidder)


def _units(amount: int, decimals: int) -> str:
    return f"{Decimal(amount) / Decimal(10**decimals):,.6f}".rstrip("0").rstrip(".")


def as_json(o: Opportunity, symbols: list[str], decimals: list[int]) -> dict[str, Any]:
    """One leg for `vyndex bid --json`: base units, and the tokens by symbol."""
    return {
        "sell": symbols[o.sell_index],
        "buy": symbols[o.buy_index],
        "sell_index": o.sell_index,
        "buy_index": o.buy_index,
        "receive": o.sold,
        "pay": o.paid,
        "fair_value": o.fair,
        "pool_value": o.proceeds,
        "gas_cost": o.gas_cost,
        "profit": o.profit,
        "profitable": o.profitable,
        "factor_bps": o.factor_bps,
        "decimals": {"sell": decimals[o.sell_index], "buy": decimals[o.buy_index]},
    }


def describe(o: Opportunity, symbols: list[str], decimals: list[int]) -> str:
    """One line a person reads: what the bidder receives and pays, against fair and pool values
    (all in the paying token), and the profit after gas."""
    sell, buy = symbols[o.sell_index], symbols[o.buy_index]
    d = decimals[o.buy_index]
    return (
        f"{sell} -> {buy}: receive {_units(o.sold, decimals[o.sell_index])} {sell} for "
        f"{_units(o.paid, d)} {buy} ({o.factor_bps / 100:.2f}% of fair); fair {_units(o.fair, d)}, "
        f"pool {_units(o.proceeds, d)}, gas {_units(o.gas_cost, d)}; profit {_units(o.profit, d)} {buy}"
    )


def open_auction(rebalancer: ContractInstance, address: str | None = None) -> ContractInstance:
    """The DutchAuction at `address`, or the rebalancer's `auction`; a named error when neither."""
    from ape import project

    where = address or str(rebalancer.auction())
    if int(where, 16) == 0:
        raise BidderError("no auction: the rebalancer has none set (`set_auction`); pass --auction ADDRESS")
    return project.DutchAuction.at(where)


def pool_market(lookup: Callable[[str], str | None]) -> UniswapV2 | None:
    """The Uniswap V2 the address book names (WETH, UniswapV2Factory, UniswapV2Router02), to value
    what a bid receives; None when the book has none (pool values are then 0)."""
    from vyndex.reference.uniswap_v2 import attach_uniswap_v2

    names = [lookup(n) for n in ("WETH", "UniswapV2Factory", "UniswapV2Router02")]
    if any(n is None for n in names):
        return None
    return attach_uniswap_v2(*names)
