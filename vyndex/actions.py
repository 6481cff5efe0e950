"""Minting and redeeming by index-token amount, as a careful user would.

`plan_mint` / `plan_redeem` read the exact preview (each component's amount in this block),
apply the user's slippage to get the bounds the vault enforces (`max_amounts_in`,
`min_amounts_out`), and check balances and allowances. `problems()` lists what would make the
transaction fail; the scripts print it and send nothing. `execute_*` approves exactly the bound
of each component that needs it and sends the one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ape.api import AccountAPI, ReceiptAPI

from vyndex import params
from vyndex.constants import BPS
from vyndex.index import IndexHandle

MAX_USER_SLIPPAGE_BPS = int(params.MAX_USER_SLIPPAGE * BPS)  # 10%
Echo = Callable[[str], None]


class ActionError(ValueError):
    """Bad input, or a transaction that would fail; nothing was sent."""


def parse_amount(text: str, decimals: int = 18) -> int:
    """'12.5' -> 12.5 * 10**decimals, exactly; refuses more decimals than the token has."""
    try:
        return params.parse_amount(text, decimals)
    except params.ParamError as exc:
        raise ActionError(str(exc)) from None


def parse_slippage(text: str) -> int:
    """'0.5%', '50bps' or a fraction ('0.005') -> whole basis points, at most 10%."""
    try:
        value = params.parse_percentage(text)
        bps = params.to_bps(value, text)
    except params.ParamError as exc:
        raise ActionError(f"slippage: {exc}") from None
    if not 0 <= bps <= MAX_USER_SLIPPAGE_BPS:
        high = MAX_USER_SLIPPAGE_BPS // 100
        raise ActionError(f"slippage must be whole bps from 0 to {high}%, got '{text}'")
    return bps


def fmt_units(amount: int, decimals: int) -> str:
    """Base units as a plain decimal string, trailing zeros dropped."""
    text = f"{Decimal(amount) / Decimal(10) ** decimals:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def describe_amounts(amounts: list[int], decimals: list[int], symbols: list[str]) -> str:
    """'1.5 WETH, 0.05 WBTC, ...'"""
    return ", ".join(f"{fmt_units(a, d)} {s}" for a, d, s in zip(amounts, decimals, symbols, strict=True))


@dataclass(frozen=True)
class Leg:
    symbol: str
    token: Any
    decimals: int
    amount: int  # what the preview says moves now
    bound: int  # max in (mint) or min out (redeem)
    balance: int  # the caller's balance (mint) / the receiver's (redeem)
    allowance: int  # to the vault (mint only)


@dataclass(frozen=True)
class Plan:
    kind: str  # "mint" or "redeem"
    shares: int
    slippage_bps: int
    legs: tuple[Leg, ...]
    index_balance: int  # the caller's index tokens

    @property
    def bounds(self) -> list[int]:
        return [leg.bound for leg in self.legs]

    def needs_approval(self) -> list[Leg]:
        if self.kind != "mint":
            return []
        return [leg for leg in self.legs if leg.bound > 0 and leg.allowance < leg.bound]

    def problems(self, approve: bool = True) -> list[str]:
        found = []
        if self.kind == "mint":
            for leg in self.legs:
                if leg.balance < leg.amount:
                    found.append(
                        f"short balance of {leg.symbol}: need {fmt_units(leg.amount, leg.decimals)}, "
                        f"have {fmt_units(leg.balance, leg.decimals)}"
                    )
            if not approve:
                for leg in self.needs_approval():
                    may_take = fmt_units(leg.bound, leg.decimals)
                    allowed = fmt_units(leg.allowance, leg.decimals)
                    found.append(
                        f"short allowance of {leg.symbol}: the vault may take {may_take}, allowed {allowed}"
                    )
        elif self.index_balance < self.shares:
            found.append(
                f"short balance of index tokens: redeeming {fmt_units(self.shares, 18)}, "
                f"have {fmt_units(self.index_balance, 18)}"
            )
        return found


def _bound(amount: int, slippage_bps: int, up: bool) -> int:
    margin = (amount * slippage_bps + BPS - 1) // BPS
    return amount + margin if up else amount - margin


def plan_mint(handle: IndexHandle, account: Any, shares: int, slippage_bps: int) -> Plan:
    amounts = handle.vault.preview_mint(shares)
    legs = []
    for token, symbol, dec, amount in zip(
        handle.tokens, handle.symbols, handle.decimals, amounts, strict=True
    ):
        legs.append(
            Leg(
                symbol=symbol,
                token=token,
                decimals=dec,
                amount=int(amount),
                bound=_bound(int(amount), slippage_bps, up=True),
                balance=int(token.balanceOf(account)),
                allowance=int(token.allowance(account, handle.vault.address)),
            )
        )
    return Plan("mint", shares, slippage_bps, tuple(legs), int(handle.vault.balanceOf(account)))


def plan_redeem(handle: IndexHandle, account: Any, shares: int, slippage_bps: int) -> Plan:
    amounts = handle.vault.preview_redeem(shares)
    legs = []
    for token, symbol, dec, amount in zip(
        handle.tokens, handle.symbols, handle.decimals, amounts, strict=True
    ):
        legs.append(
            Leg(
                symbol=symbol,
                token=token,
                decimals=dec,
                amount=int(amount),
                bound=_bound(int(amount), slippage_bps, up=False),
                balance=int(token.balanceOf(account)),
                allowance=0,
            )
        )
    return Plan("redeem", shares, slippage_bps, tuple(legs), int(handle.vault.balanceOf(account)))


def execute(
    handle: IndexHandle,
    plan: Plan,
    account: AccountAPI,
    receiver: Any | None = None,
    approve: bool = True,
    echo: Echo = print,
) -> ReceiptAPI:
    """Checks the plan again, approves what the mint needs, and sends the mint or redeem."""
    problems = plan.problems(approve=approve)
    if problems:
        raise ActionError("; ".join(problems))
    to = receiver or account.address
    if plan.kind == "mint":
        for leg in plan.needs_approval():
            echo(f"approving {fmt_units(leg.bound, leg.decimals)} {leg.symbol} to the vault")
            try:
                leg.token.approve(handle.vault.address, leg.bound, sender=account)
            except Exception:
                if leg.allowance == 0:
                    raise
                # Tokens like USDT refuse to change one non-zero allowance to another.
                leg.token.approve(handle.vault.address, 0, sender=account)
                leg.token.approve(handle.vault.address, leg.bound, sender=account)
        return handle.vault.mint(plan.shares, to, plan.bounds, sender=account)
    return handle.vault.redeem(plan.shares, to, plan.bounds, sender=account)


def moved_amounts(handle: IndexHandle, receipt: ReceiptAPI, kind: str) -> list[int]:
    """The component amounts the vault's Minted/Redeemed event reports."""
    event = handle.vault.Minted if kind == "mint" else handle.vault.Redeemed
    logs = list(receipt.decode_logs(event))
    return [int(a) for a in logs[-1].amounts] if logs else []
