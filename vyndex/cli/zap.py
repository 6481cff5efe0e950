"""The zap paths of `vyndex mint` and `vyndex redeem`: quote shown first, bad input refused
before anything is sent (`error: ...`, nothing sent), then the one zap call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from vyndex import params
from vyndex.actions import fmt_units
from vyndex.cli.common import ToolError, confirm_send, out
from vyndex.zap import (
    DEFAULT_SLIPPAGE_BPS,
    ZapError,
    ZapPlan,
    execute_zap,
    find_zap,
    parse_spend,
    plan_zap,
    resolve_token,
)


@contextmanager
def _refusals() -> Iterator[None]:
    # Bad input and failing quotes are the user's: `error: ...`, exit 1, nothing sent.
    try:
        yield
    except (ZapError, params.ParamError) as exc:
        raise ToolError(str(exc)) from None


def _send(
    zap: Any,
    handle: Any,
    plan: ZapPlan,
    sender: Any,
    receiver: str | None,
    what: str,
    dry_run: bool,
    yes: bool,
) -> None:
    """After the quote: refuses a plan with problems, stops at a dry run, else asks (live
    networks) and sends the one zap call."""
    with _refusals():
        if plan.problems:
            raise ZapError("nothing sent: " + "; ".join(plan.problems))
        if dry_run:
            out("dry run: nothing sent")
            return
        confirm_send(f"zap {what} as {sender.address}", yes)
        receipt = execute_zap(zap, handle, plan, sender, receiver)
    done = "redeemed" if plan.kind == "redeem_to" else "minted"
    out(f"{done} through the zap (tx {receipt.txn_hash})")


def _quote_shares(
    kind: str, zap: Any, handle: Any, sender: Any, shares: int, token_text: str, max_bps: int
) -> tuple[ZapPlan, str]:
    """Quotes minting ("mint_exact") or redeeming ("redeem_to") `shares` with one token, and
    shows the quote; returns the plan and the token's symbol."""
    token, symbol, decimals = resolve_token(handle, zap, token_text)
    plan = plan_zap(kind, zap, handle, sender.address, shares, token, max_bps, DEFAULT_SLIPPAGE_BPS)
    verb, limit = ("costs", "at most") if kind == "mint_exact" else ("pays", "at least")
    out(
        f"quote: {fmt_units(shares, 18)} {handle.symbol} {verb} {fmt_units(plan.amount, decimals)} "
        f"{symbol} ({limit} {fmt_units(plan.bound, decimals)})"
    )
    return plan, symbol


def run_zap_mint(
    books: Any,
    handle: Any,
    sender: Any,
    shares: int | None,
    pay_with: str | None,
    spend: str | None,
    max_bps: int,
    zap_address: str | None,
    receiver: str | None,
    dry_run: bool,
    yes: bool,
) -> None:
    with _refusals():
        zap = find_zap(books, handle, zap_address)
        if spend:
            if shares is not None:
                raise ZapError("give AMOUNT or --spend, not both")
            amount_text, token_text = parse_spend(spend)
            if pay_with and pay_with.upper() != token_text.upper():
                raise ZapError("--pay-with and --spend name different tokens")
            token, symbol, decimals = resolve_token(handle, zap, token_text)
            amount_in = params.parse_amount(amount_text, decimals)
            plan = plan_zap(
                "mint_from", zap, handle, sender.address, amount_in, token, max_bps, DEFAULT_SLIPPAGE_BPS
            )
            out(
                f"quote: {fmt_units(amount_in, decimals)} {symbol} mints {fmt_units(plan.shares, 18)} "
                f"{handle.symbol} (at least {fmt_units(plan.bound, 18)})"
            )
        else:
            if shares is None or pay_with is None:
                raise ZapError("give AMOUNT with --pay-with TOKEN, or --spend '1.5 ETH'")
            plan, symbol = _quote_shares("mint_exact", zap, handle, sender, shares, pay_with, max_bps)
    _send(zap, handle, plan, sender, receiver, f"mint of {handle.symbol} with {symbol}", dry_run, yes)


def run_zap_redeem(
    books: Any,
    handle: Any,
    sender: Any,
    shares: int,
    receive: str,
    max_bps: int,
    zap_address: str | None,
    receiver: str | None,
    dry_run: bool,
    yes: bool,
) -> None:
    with _refusals():
        zap = find_zap(books, handle, zap_address)
        plan, symbol = _quote_shares("redeem_to", zap, handle, sender, shares, receive, max_bps)
    _send(zap, handle, plan, sender, receiver, f"redeem of {handle.symbol} into {symbol}", dry_run, yes)
