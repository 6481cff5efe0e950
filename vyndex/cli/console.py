"""Rich output for the scripts: the status report, mint and redeem previews, deploy steps."""

from __future__ import annotations

import sys
import time
from decimal import Decimal

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from vyndex.actions import Plan, fmt_units
from vyndex.governance import PendingChange
from vyndex.status import IndexStatus

console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def _pct(bps: int | None) -> str:
    return "?" if bps is None else f"{Decimal(bps) / 100:.2f}%"


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 2 * 86_400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86_400:.1f}d"


def _when(ts: int | None, now: int) -> str:
    if not ts:
        return "never"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))
    return f"{stamp} UTC ({_age(now - ts)} ago)"


def render_status(s: IndexStatus) -> Group:
    head = Table.grid(padding=(0, 2))
    head.add_row("index", f"[bold]{s.name}[/] ({s.symbol}) on {s.network}, block {s.block}")
    head.add_row("supply", f"{fmt_units(s.supply, 18)} {s.symbol}")
    head.add_row("NAV", f"${s.nav_usd}" if s.nav_usd else "[red]unknown: a price fails its checks[/]")
    head.add_row("NAV per share", f"${s.nav_per_share_usd}" if s.nav_per_share_usd else "[red]unknown[/]")
    if s.nav_feed_usd or s.nav_feed_reason:
        head.add_row("NAV feed", f"${s.nav_feed_usd}" if s.nav_feed_usd else f"[red]{s.nav_feed_reason}[/]")
    head.add_row("vault", s.vault)

    comps = Table(title="components", title_justify="left")
    for col in ("token", "holdings", "price", "value", "weight", "target", "off by"):
        comps.add_column(col, justify="left" if col == "token" else "right")
    for c in s.components:
        off = None if c.weight_bps is None else c.weight_bps - c.target_bps
        style = "" if off is None or abs(off) <= s.rebalance.threshold_bps else "yellow"
        comps.add_row(
            c.symbol,
            fmt_units(c.holdings, c.decimals),
            f"${c.price_usd}" if c.price_usd else "[red]?[/]",
            f"${c.value_usd}" if c.value_usd else "[red]?[/]",
            _pct(c.weight_bps),
            _pct(c.target_bps),
            f"[{style}]{'+' if off and off > 0 else ''}{_pct(off)}[/]" if style else _pct(off),
        )

    feeds = Table(title="feeds", title_justify="left")
    for col in ("token", "health", "age / limit", "secondary age", "deviation / max"):
        feeds.add_column(col, justify="left" if col in ("token", "health") else "right")
    for c in s.components:
        f = c.feed
        health = "[green]ok[/]" if f.usable else f"[red]{f.reason}[/]"
        dev = "-" if f.secondary is None else f"{_pct(f.deviation_bps)} / {_pct(f.max_deviation_bps)}"
        feeds.add_row(
            c.symbol,
            health,
            f"{_age(f.age_s)} / {_age(f.staleness_s)}",
            "-" if f.secondary is None else _age(f.secondary_age_s),
            dev,
        )

    fees = Table.grid(padding=(0, 2))
    fe = s.fees
    rates = f"mint {_pct(fe.mint_fee_bps)}, redeem {_pct(fe.redeem_fee_bps)}"
    fees.add_row("fees", f"management {fe.management_fee_pct}%/yr, {rates}")
    accrued_usd = f" (${fe.accrued_usd})" if fe.accrued_usd else ""
    fees.add_row("accrued, not yet minted", f"{fmt_units(fe.accrued_shares, 18)} {s.symbol}{accrued_usd}")
    fees.add_row("fee recipient holds", f"{fmt_units(fe.recipient_shares, 18)} {s.symbol}")

    r = s.rebalance
    reb = Table.grid(padding=(0, 2))
    drift_style = "green" if r.drift_bps is not None and r.drift_bps <= r.threshold_bps else "yellow"
    reb.add_row("drift", f"[{drift_style}]{_pct(r.drift_bps)}[/] (threshold {_pct(r.threshold_bps)})")
    reb.add_row("last rebalance", f"plan {_when(r.plan_started_at, s.timestamp)}")
    reb.add_row("last trade", f"{_when(r.last_trade_at, s.timestamp)}, {r.trades} trades in all")
    reb.add_row("upkeep", r.upkeep + ("  [red](paused)[/]" if r.paused else ""))
    gov = Table.grid(padding=(0, 2))
    delay = f"{_age(s.governance_delay_s)} delay"
    if not s.pending_changes:
        gov.add_row("queued changes", f"none ({delay})")
    for i, p in enumerate(s.pending_changes):
        when = _when_due(p.status, p.seconds_to_eta, p.eta)
        gov.add_row("queued changes" if i == 0 else "", f"[yellow]{p.change}[/] {when}  id {p.id[:10]}")
    return Group(Panel(head, title=f"{s.symbol} status"), comps, feeds, fees, reb, gov)


def _when_due(status: str, seconds_to_eta: int, eta: int) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M", time.gmtime(eta))
    if status == "waiting":
        return f"applies from {stamp} UTC (in {_age(seconds_to_eta)})"
    return f"{status} since {stamp} UTC"


def render_pending(symbol: str, changes: list[PendingChange], now: int) -> Table:
    """`vyndex governance pending`: each queued change, its eta and state."""
    table = Table(title=f"{symbol}: queued changes ({len(changes)})", title_justify="left")
    for column in ("id", "change", "eta (UTC)", "status"):
        table.add_column(column)
    for c in changes:
        state = c.status(now)
        table.add_row(
            c.id[:10],
            c.signature(),
            time.strftime("%Y-%m-%d %H:%M", time.gmtime(c.eta)),
            f"waiting ({_age(c.eta - now)})" if state == "waiting" else state,
        )
    return table


def render_plan(plan: Plan, symbol: str) -> Table:
    verb = "pays in" if plan.kind == "mint" else "receives"
    bound = "at most" if plan.kind == "mint" else "at least"
    slip = _pct(plan.slippage_bps)
    table = Table(title=f"{plan.kind} {fmt_units(plan.shares, 18)} {symbol}: preview (slippage {slip})")
    table.add_column("component")
    table.add_column(f"{verb} now", justify="right")
    table.add_column(f"{bound}", justify="right")
    table.add_column("balance", justify="right")
    if plan.kind == "mint":
        table.add_column("allowance", justify="right")
    for leg in plan.legs:
        row = [
            leg.symbol,
            fmt_units(leg.amount, leg.decimals),
            fmt_units(leg.bound, leg.decimals),
            fmt_units(leg.balance, leg.decimals),
        ]
        if plan.kind == "mint":
            row.append(fmt_units(leg.allowance, leg.decimals))
        table.add_row(*row)
    return table
