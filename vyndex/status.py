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
from vyndex.venues import Lens

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


def _try(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception:
        return None


def _feed_age(address: str, now: int) -> int | None:
    if int(address, 16) == 0:
        return None
    feed = chain.contracts.instance_at(address, contract_type=_AGGREGATOR)
    data = _try(feed.latestRoundData)
    if data is None:
        return None
    return now - int(data[3])


def _feed_answer(address: str) -> Decimal | None:
    feed = chain.contracts.instance_at(address, contract_type=_AGGREGATOR)
    data = _try(feed.latestRoundData)
    decimals = _try(feed.decimals)
    if data is None or decimals is None or int(data[1]) <= 0:
        return None
    return Decimal(int(data[1])) / Decimal(10) ** int(decimals)


def collect(handle: IndexHandle) -> IndexStatus:
    handle.refresh()
    v, o, rb = handle.vault, handle.oracle, handle.rebalancer
    head = chain.blocks.head
    now = int(head.timestamp)
    _addresses, units = v.components()
    holdings = [int(x) for x in v.holdings()]
    targets = [int(x) for x in rb.target_weights()]
    supply = int(v.totalSupply())
    pending_supply = int(v.basket_state()[2])  # the supply with the management fee accrued now

    comps = []
    values: list[int | None] = []
    for i, (token, symbol, dec) in enumerate(
        zip(handle.tokens, handle.symbols, handle.decimals, strict=True)
    ):
        price, usable, code = o.price_status(token.address)
        cfg = o.feed_config(token.address)
        secondary = str(cfg.secondary_feed) if int(str(cfg.secondary_feed), 16) else None
        deviation = None
        if secondary:
            p, s = _feed_answer(str(cfg.feed)), _feed_answer(secondary)
            if p and s:
                deviation = int(abs(p - s) * BPS / p)
        feed = FeedStatus(
            feed=str(cfg.feed),
            usable=bool(usable),
            reason=ORACLE_REASONS.get(int(code), f"code {code}"),
            age_s=_feed_age(str(cfg.feed), now),
            staleness_s=int(cfg.max_staleness),
            secondary=secondary,
            secondary_age_s=_feed_age(secondary, now) if secondary else None,
            deviation_bps=deviation,
            max_deviation_bps=int(cfg.max_deviation_bps) if secondary else None,
        )
        value = holdings[i] * int(price) // 10**dec if usable else None
        values.append(value)
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
    # These views revert when a price fails its checks: only ask when every price passes.
    all_usable = all(c.feed.usable for c in comps)
    lens = Lens(rb)
    weights = _try(lens.weights) if all_usable else None
    if weights is not None:
        comps = [_with_weight(c, int(w)) for c, w in zip(comps, weights, strict=True)]

    nav = _try(lens.total_value) if all_usable else None
    nav_per_share = _try(lens.nav_per_share) if all_usable else None
    accrued = max(pending_supply - supply, 0)
    fees = FeeStatus(
        management_fee_pct=f"{Decimal(int(v.management_fee())) * 100 / WAD:f}",
        mint_fee_bps=int(v.mint_fee_bps()),
        redeem_fee_bps=int(v.redeem_fee_bps()),
        recipient=str(v.fee_recipient()),
        accrued_shares=accrued,
        accrued_usd=_usd(accrued * int(nav_per_share) // WAD) if nav_per_share is not None else None,
        recipient_shares=int(v.balanceOf(v.fee_recipient())),
    )
    # checkUpkeep simulates candidate trades (not a view): read it by eth_call.
    needed, data = rb.checkUpkeep.call(b"")
    started = int(rb.rebalance_started())
    last_trade = int(rb.last_trade_at())
    rebalance = RebalanceStatus(
        drift_bps=_try(lens.drift_bps) if all_usable else None,
        threshold_bps=int(rb.drift_threshold_bps()),
        plan_started_at=started or None,
        last_trade_at=last_trade or None,
        trades=int(rb.trades()),
        upkeep=Upkeep.decode(bool(needed), bytes(data)).describe(handle.symbols),
        paused=bool(v.paused()),
    )
    feed_usd, feed_reason = _nav_feed(handle.record.nav_feed)
    network = chain.provider.network
    return IndexStatus(
        symbol=handle.symbol,
        name=str(v.name()),
        network=f"{network.ecosystem.name}:{network.name}",
        block=int(head.number),
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
        governance_delay_s=int(v.delay()),
        pending_changes=tuple(
            PendingStatus(c.id, c.signature(), c.eta, c.status(now), max(c.eta - now, 0))
            for c in pending_changes(handle)
        ),
    )


def _nav_feed(address: str | None) -> tuple[str | None, str | None]:
    """The NAV feed's answer in USD, or (None, why); (None, None) when there is no feed."""
    if not address:
        return None, None
    status = _try(lambda: project.IndexNavFeed.at(address).nav_status())
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
