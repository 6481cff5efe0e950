"""The zap paths of `vyndex mint` and `vyndex redeem`: quote shown first, bad input refused
before anything is sent (`error: ...`, nothing sent), then the one zap call."""

from __future__ import annotations

from typing import Any

from vyndex import params
from vyndex.actions import fmt_units
from vyndex.cli.common import ToolError, confirm_send, out
from vyndex.zap import (
    DEFAULT_SLIPPAGE_BPS,
    ZapError,
    execute_zap,
    find_zap,
    parse_spend,
    plan_zap_mint_exact,
    plan_zap_mint_from,
    plan_zap_redeem,
    resolve_token,
)


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
    try:
        zap = find_zap(books, handle, zap_address)
        if spend:
            if shares is not None:
                raise ZapError("give AMOUNT or --spend, not both")
            amount_text, token_text = parse_spend(spend)
            if pay_with and pay_with.upper() != token_text.upper():
                raise ZapError("--pay-with and --spend name different tokens")
            token, symbol, decimals = resolve_token(handle, zap, token_text)
            amount_in = params.parse_amount(amount_text, decimals)
            plan = plan_zap_mint_from(
                zap, handle, sender.address, amount_in, token, max_bps, DEFAULT_SLIPPAGE_BPS
            )
            out(
                f"quote: {fmt_units(amount_in, decimals)} {symbol} mints {fmt_units(plan.shares, 18)} "
                f"{handle.symbol} (at least {fmt_units(plan.bound, 18)})"
            )
        else:
            if shares is None or pay_with is None:
                raise ZapError("give AMOUNT with --pay-with TOKEN, or --spend '1.5 ETH'")
            token, symbol, decimals = resolve_token(handle, zap, pay_with)
            plan = plan_zap_mint_exact(
                zap, handle, sender.address, shares, token, max_bps, DEFAULT_SLIPPAGE_BPS
            )
            out(
                f"quote: {fmt_units(shares, 18)} {handle.symbol} costs "
                f"{fmt_units(plan.amount, decimals)} {symbol} (at most {fmt_units(plan.bound, decimals)})"
            )
        if plan.problems:
            raise ZapError("nothing sent: " + "; ".join(plan.problems))
        if dry_run:
            out("dry run: nothing sent")
            return
        confirm_send(f"zap mint of {handle.symbol} with {symbol} as {sender.address}", yes)
        receipt = execute_zap(zap, handle, plan, sender, receiver)
    except (ZapError, params.ParamError) as exc:
        raise ToolError(str(exc)) from None
    out(f"minted through the zap (tx {receipt.txn_hash})")


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
    try:
        zap = find_zap(books, handle, zap_address)
        token, symbol, decimals = resolve_token(handle, zap, receive)
        plan = plan_zap_redeem(zap, handle, sender.address, shares, token, max_bps, DEFAULT_SLIPPAGE_BPS)
        out(
            f"quote: {fmt_units(shares, 18)} {handle.symbol} pays "
            f"{fmt_units(plan.amount, decimals)} {symbol} (at least {fmt_units(plan.bound, decimals)})"
        )
        if plan.problems:
            raise ZapError("nothing sent: " + "; ".join(plan.problems))
        if dry_run:
            out("dry run: nothing sent")
            return
        confirm_send(f"zap redeem of {handle.symbol} into {symbol} as {sender.address}", yes)
        receipt = execute_zap(zap, handle, plan, sender, receiver)
    except (ZapError, params.ParamError) as exc:
        raise ToolError(str(exc)) from None
    out(f"redeemed through the zap (tx {receipt.txn_hash})")
