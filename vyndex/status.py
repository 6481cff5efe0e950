"""An index's health in one read: NAV, weights against targets, feeds, fees, the last rebalance.

`collect(handle)` reads the chain (views only) into an `IndexStatus`; `as_json` gives the form
`ape run status --json` prints; `vyndex.cli.console.render_status` gives the rich table. A failing
price never stops the report: that component's value is unknown and its feed says why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from ape import chain, project
from ethpm_types import ContractType

from vyndex.constants import BPS, WAD
from vyndex.governance import pending as pending_changes
from vyndex.index import IndexHandle
from vyndex.keeper.loop import ORACLE_REASONS, Upkeep
from vyndex.reference.multicall3 import batch, must

_AGGREGATOR = ContractType.model_validate(
    {
        "contractName": "AggregatorV3",
        "abi": [
            {
                "type": "function",
                "name": "latestRoundData",
                "stateMutability": "view",
                "inputs": [],
                "outputs": [
                    {"name": "roundId", "type": "uint80"},
                    {"name": "answer", "type": "int256"},
                    {"name": "startedAt", "type": "uint256"},
                    {"name": "updatedAt", "type": "uint256"},
                    {"name": "answeredInRound", "type": "uint80"},
                ],
            },
            {
                "type": "function",
                "name": "decimals",
                "stateMutability": "view",
                "inputs": [],
                "outputs": [{"name": "", "type": "uint8"}],
            },
        ],
    }
)


@dataclass(frozen=True)
class FeedStatus:
    feed: str
    usable: bool
    reason: str
    age_s: int | None
    staleness_s: int
    secondary: str | None
    secondary_age_s: int | None
    deviation_bps: int | None
    max_deviation_bps: int | None


@dataclass(frozen=True)
class ComponentStatus:
    symbol: str
    address: str
    decimals: int
    unit: int  # base units per whole index token
    holdings: int  # base units owed to the whole supply
    price_usd: str | None
    value_usd: str | None
    weight_bps: int | None
    target_bps: int
    feed: FeedStatus


@dataclass(frozen=True)
class FeeStatus:
    management_fee_pct: str
    mint_fee_bps: int
    redeem_fee_bps: int
    recipient: str
    accrued_shares: int  # management fee due now, not yet minted
    accrued_usd: str | None
    recipient_shares: int


@dataclass(frozen=True)
class RebalanceStatus:
    drift_bps: int | None
    threshold_bps: int
    plan_started_at: int | None
    last_trade_at: int | None
    trades: int
    upkeep: str
    paused: bool


@dataclass(frozen=True)
class PendingStatus:
    """A change queued behind the governance delay (see `vyndex.governance`)."""

    id: str
    change: str  # target.setter(arguments)
    eta: int
    status: str  # waiting, due or expired
    seconds_to_eta: int


@dataclass(frozen=True)
class IndexStatus:
    symbol: str
    name: str
    network: str
    block: int
    timestamp: int
    vault: str
    oracle: str
    rebalancer: str
    supply: int
    nav_usd: str | None
    nav_per_share_usd: str | None
    # The IndexNavFeed's answer (per share), when the address book names one; else why it has none.
    nav_feed_usd: str | None
    nav_feed_reason: str | None
    components: tuple[ComponentStatus, ...]
    fees: FeeStatus
    rebalance: RebalanceStatus
    governance_delay_s: int = 0
    pending_changes: tuple[PendingStatus, ...] = ()


def _usd(wad: int) -> str:
    return f"{Decimal(wad) / WAD:.2f}"


def _aggregator(address: str) -> Any:
    return chain.contracts.instance_at(address, contract_type=_AGGREGATOR)


def _answer(data: Any, decimals: Any) -> Decimal | None:
    """A feed's answer from its latestRoundData and decimals (None when either is missing)."""
    if data is None or decimals is None or int(data[1]) <= 0:
        return None
    return Decimal(int(data[1])) / Decimal(10) ** int(decimals)


def _first_batch(handle: IndexHandle, block: int) -> tuple[dict[str, Any], list[tuple[Any, Any]], Any]:
    """Every view that needs no earlier answer, at `block`, in one batch: the index-wide ones by
    name, (price_status, feed_config) per component, and the NAV feed's `nav_status`."""
    v, o, rb, scout = handle.vault, handle.oracle, handle.rebalancer, handle.scout
    index_calls: dict[str, tuple[Any, ...]] = {
        "components": (v.components,),
        "holdings": (v.holdings,),
        "target_weights": (rb.target_weights,),
        "totalSupply": (v.totalSupply,),
        "basket_state": (v.basket_state,),
        # The valuation views, on the rebalancer's UpkeepScout (`vyndex.venues.Lens`); they revert
        # when a price fails its checks: used only when every price passes.
        "weights": (scout.weights, rb.address),
        "values": (scout.values, rb.address),
        "nav_per_share": (scout.nav_per_share, rb.address),
        "drift_bps": (scout.drift_bps, rb.address),
        "management_fee": (v.management_fee,),
        "mint_fee_bps": (v.mint_fee_bps,),
        "redeem_fee_bps": (v.redeem_fee_bps,),
        "fee_recipient": (v.fee_recipient,),
        # checkUpkeep simulates candidate trades (not a view): an eth_call like the rest.
        "checkUpkeep": (rb.checkUpkeep, b""),
        "rebalance_started": (rb.rebalance_started,),
        "last_trade_at": (rb.last_trade_at,),
        "drift_threshold_bps": (rb.drift_threshold_bps,),
        "trades": (rb.trades,),
        "auction": (rb.auction,),
        "paused": (v.paused,),
        "name": (v.name,),
        "delay": (v.delay,),
    }
    calls = list(index_calls.values())
    for token in handle.tokens:
        calls += [(o.price_status, token.address), (o.feed_config, token.address)]
    nav_feed = handle.record.nav_feed
    if nav_feed:
        calls.append((project.IndexNavFeed.at(nav_feed).nav_status,))
    values = batch(calls, block)
    n = len(index_calls)
    views = dict(zip(index_calls, values[:n], strict=True))
    pairs = [(values[n + 2 * i], values[n + 2 * i + 1]) for i in range(len(handle.tokens))]
    return views, pairs, (values[-1] if nav_feed else None)


def collect(handle: IndexHandle) -> IndexStatus:
    """The index's status at the head block: two batched reads (`vyndex.reference.multicall3`),
    the second for what the first names (the feeds' rounds, the fee recipient's balance)."""
    head = chain.blocks.head
    block, now = int(head.number), int(head.timestamp)
    views, pairs, nav_status = _first_batch(handle, block)
    addresses = must(views["components"], "components")[0]
    if not handle.same_basket(addresses):  # components added or removed since the handle was made
        handle.refresh(addresses, block)
        views, pairs, nav_status = _first_batch(handle, block)
    v, o, rb = handle.vault, handle.oracle, handle.rebalancer

    def need(key: str) -> Any:
        return must(views[key], key)

    _addresses, units = need("components")
    holdings = [int(x) for x in need("holdings")]
    targets = [int(x) for x in need("target_weights")]
    supply = int(need("totalSupply"))
    pending_supply = int(need("basket_state")[2])  # the supply with the management fee accrued now
    statuses = [must(s, f"price_status({t.address})") for (s, _), t in zip(pairs, handle.tokens, strict=True)]
    configs = [must(c, f"feed_config({t.address})") for (_, c), t in zip(pairs, handle.tokens, strict=True)]
    recipient = need("fee_recipient")

    # Second batch: each feed's latest round (and decimals where two feeds are compared).
    feed_calls: list[tuple[Any, ...]] = []
    for cfg in configs:
        if not int(str(cfg.feed), 16):  # an asset the adapter does not know: no feed to ask
            continue
        feed_calls.append((_aggregator(str(cfg.feed)).latestRoundData,))
        if int(str(cfg.secondary_feed), 16):
            secondary = _aggregator(str(cfg.secondary_feed))
            feed_calls += [
                (_aggregator(str(cfg.feed)).decimals,),
                (secondary.latestRoundData,),
                (secondary.decimals,),
            ]
    feed_calls.append((v.balanceOf, recipient))
    rounds = iter(batch(feed_calls, block))

    comps = []
    for i, (token, symbol, dec) in enumerate(
        zip(handle.tokens, handle.symbols, handle.decimals, strict=True)
    ):
        price, usable, code = statuses[i]
        cfg = configs[i]
        has_feed = bool(int(str(cfg.feed), 16))
        primary_round = next(rounds) if has_feed else None
        secondary = str(cfg.secondary_feed) if has_feed and int(str(cfg.secondary_feed), 16) else None
        deviation = secondary_age = None
        if secondary:
            primary_decimals, secondary_round, secondary_decimals = next(rounds), next(rounds), next(rounds)
            p, s = _answer(primary_round, primary_decimals), _answer(secondary_round, secondary_decimals)
            if p and s:
                deviation = int(abs(p - s) * BPS / p)
            secondary_age = now - int(secondary_round[3]) if secondary_round is not None else None
        feed = FeedStatus(
            feed=str(cfg.feed),
            usable=bool(usable),
            reason=ORACLE_REASONS.get(int(code), f"code {code}"),
            age_s=now - int(primary_round[3]) if primary_round is not None else None,
            staleness_s=int(cfg.max_staleness),
            secondary=secondary,
            secondary_age_s=secondary_age,
            deviation_bps=deviation,
            max_deviation_bps=int(cfg.max_deviation_bps) if secondary else None,
        )
        value = holdings[i] * int(price) // 10**dec if usable else None
        comps.append(
            ComponentStatus(
                symbol=symbol,
                address=str(token.address),
                decimals=dec,
                unit=int(units[i]),
                holdings=holdings[i],
                price_usd=_usd(int(price)) if usable else None,
                value_usd=_usd(value) if value is not None else None,
                weight_bps=None,
                target_bps=targets[i] if i < len(targets) else 0,
                feed=feed,
            )
        )
    recipient_shares = int(must(next(rounds), "balanceOf(fee_recipient)"))
    # These views revert when a price fails its checks: only use them when every price passes.
    all_usable = all(c.feed.usable for c in comps)
    weights = views["weights"] if all_usable else None
    if weights is not None:
        comps = [_with_weight(c, int(w)) for c, w in zip(comps, weights, strict=True)]

    nav = views["values"][1] if all_usable and views["values"] is not None else None
    nav_per_share = views["nav_per_share"] if all_usable else None
    drift = views["drift_bps"] if all_usable else None
    accrued = max(pending_supply - supply, 0)
    fees = FeeStatus(
        management_fee_pct=f"{Decimal(int(need('management_fee'))) * 100 / WAD:f}",
        mint_fee_bps=int(need("mint_fee_bps")),
        redeem_fee_bps=int(need("redeem_fee_bps")),
        recipient=str(recipient),
        accrued_shares=accrued,
        accrued_usd=_usd(accrued * int(nav_per_share) // WAD) if nav_per_share is not None else None,
        recipient_shares=recipient_shares,
    )
    needed, data = need("checkUpkeep")
    started = int(need("rebalance_started"))
    last_trade = int(need("last_trade_at"))
    rebalance = RebalanceStatus(
        drift_bps=int(drift) if drift is not None else None,
        threshold_bps=int(need("drift_threshold_bps")),
        plan_started_at=started or None,
        last_trade_at=last_trade or None,
        trades=int(need("trades")),
        upkeep=Upkeep.decode(bool(needed), bytes(data)).describe(handle.symbols),
        paused=bool(need("paused")),
    )
    feed_usd, feed_reason = _nav_feed(handle.record.nav_feed, nav_status)
    network = chain.provider.network
    return IndexStatus(
        symbol=handle.symbol,
        name=str(need("name")),
        network=f"{network.ecosystem.name}:{network.name}",
        block=block,
        timestamp=now,
        vault=str(v.address),
        oracle=str(o.address),
        rebalancer=str(rb.address),
        supply=supply,
        nav_usd=_usd(int(nav)) if nav is not None else None,
        nav_per_share_usd=_usd(int(nav_per_share)) if nav_per_share is not None else None,
        nav_feed_usd=feed_usd,
        nav_feed_reason=feed_reason,
        components=tuple(comps),
        fees=fees,
        rebalance=rebalance,
        governance_delay_s=int(need("delay")),
        pending_changes=tuple(
            PendingStatus(c.id, c.signature(), c.eta, c.status(now), max(c.eta - now, 0))
            for c in pending_changes(handle, auction=str(need("auction")))
        ),
    )


def _nav_feed(address: str | None, status: Any) -> tuple[str | None, str | None]:
    """The NAV feed's answer in USD, or (None, why); (None, None) when there is no feed."""
    if not address:
        return None, None
    if status is None:
        return None, "feed unreadable"
    nav, _updated, code, reason, _asset = status
    return (_usd(int(nav)), None) if int(code) == 0 else (None, str(reason))


def _with_weight(c: ComponentStatus, weight: int) -> ComponentStatus:
    data = asdict(c)
    data["feed"] = c.feed
    data["weight_bps"] = weight
    return ComponentStatus(**data)


def as_json(status: IndexStatus) -> dict[str, Any]:
    """Plain JSON: integers stay integers (base units), USD amounts are decimal strings."""
    return asdict(status)
