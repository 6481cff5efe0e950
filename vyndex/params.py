"""The command-line parameter types every vyndex command shares, checked while click parses.

One parser per kind of value, used by the scripts and by the basket spec alike:

* an **amount** of index tokens: whole tokens, decimals allowed (``12.5``), exact to 18 decimals;
* a **percentage**: ``"0.5%"``, ``"50bps"`` or a fraction of one (``"0.005"``), the same three
  forms everywhere (a spec's ``"x%"`` fields go through `parse_percentage` too);
* an **address**: ``0x`` and 40 hex digits, a mixed-case one must carry a valid checksum;
* a **weighting method**: one of `vyndex.weights.METHODS`.

A bad value stops the command before it connects or sends anything, with click's usual
``Invalid value for '--slippage': ...`` and exit code 2.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import click
from eth_utils.address import is_checksum_address, to_checksum_address

from vyndex.constants import BPS
from vyndex.weights import METHODS

ONE = Fraction(1)


class ParamError(ValueError):
    """A value that cannot be parsed; the message says what was expected."""


def parse_decimal(text: Any, what: str = "a number") -> Decimal:
    raw = str(text).strip().replace("_", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ParamError(f"'{text}' is not {what}") from None
    if not value.is_finite():
        raise ParamError(f"'{text}' is not {what} (not finite)")
    return value


def parse_amount(text: Any, decimals: int = 18) -> int:
    """'12.5' whole tokens -> 12.5 * 10**decimals base units, exactly; must be above zero."""
    value = parse_decimal(text, "an amount of whole tokens")
    if value <= 0:
        raise ParamError(f"amount must be above zero, got '{text}'")
    base = value * 10**decimals
    if base != base.to_integral_value():
        raise ParamError(f"'{text}' has more than {decimals} decimals")
    return int(base)


def parse_percentage(text: Any, percent_only: bool = False) -> Fraction:
    """'0.5%', '50bps' or a fraction of one ('0.005') -> the exact fraction (1/200).

    With `percent_only` (the basket spec, where a bare 50 could mean 50% or 50 bps), only the
    'x%' form is accepted. A bare number above 1 is refused: '40' is not 40%.
    """
    if isinstance(text, bool) or not isinstance(text, str | int | float | Decimal | Fraction):
        raise ParamError(f"write a percentage such as '1%', got {text!r}")
    raw = str(text).strip().lower().replace(" ", "")
    if raw.endswith("%"):
        return Fraction(parse_decimal(raw[:-1], "a percentage")) / 100
    if percent_only:
        raise ParamError(f"write a percentage such as '1%', got {text!r}")
    if raw.endswith("bps"):
        return Fraction(parse_decimal(raw[:-3], "a number of bps")) / BPS
    value = Fraction(parse_decimal(raw, "a percentage ('0.5%'), bps ('50bps') or a fraction (0.005)"))
    if abs(value) > 1:
        hint = f"write '{text}%' or '{text}bps' (a bare number is a fraction of 1)"
        raise ParamError(f"'{text}' is ambiguous: {hint}")
    return value


def to_bps(value: Fraction, text: Any = None) -> int:
    """A fraction as whole basis points; refuses finer values."""
    bps = value * BPS
    if bps.denominator != 1:
        raise ParamError(f"'{text if text is not None else value}' is finer than whole basis points")
    return int(bps)


def parse_address(text: Any) -> str:
    """A checksummed address; a mixed-case one must already be checksummed."""
    raw = str(text).strip()
    if not (raw.lower().startswith("0x") and len(raw) == 42):
        raise ParamError(f"'{text}' is not an address (0x and 40 hex digits)")
    try:
        int(raw[2:], 16)
    except ValueError:
        raise ParamError(f"'{text}' is not an address (0x and 40 hex digits)") from None
    body = raw[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(raw):
        raise ParamError(f"bad checksum in address '{text}'")
    return to_checksum_address(raw)


def _pct(value: Fraction) -> str:
    text = f"{Decimal(value.numerator) * 100 / Decimal(value.denominator):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


# ---------------------------------------------------------------------------------------------
# click types
# ---------------------------------------------------------------------------------------------


class AmountType(click.ParamType):
    """Whole index tokens ('10', '0.5'), as 18-decimal base units."""

    name = "amount"

    def __init__(self, decimals: int = 18) -> None:
        self.decimals = decimals

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return parse_amount(value, self.decimals)
        except ParamError as exc:
            self.fail(str(exc), param, ctx)


class PercentageType(click.ParamType):
    """'0.5%', '50bps' or '0.005', within [low, high]; whole bps (an int) when `bps` is set,
    else the exact fraction. `none_word` lets a user switch the setting off ('none')."""

    name = "percentage"

    def __init__(
        self,
        low: Fraction = Fraction(0),
        high: Fraction = ONE,
        bps: bool = False,
        none_word: str | None = None,
    ) -> None:
        self.low, self.high, self.bps, self.none_word = low, high, bps, none_word

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | Fraction | None:
        if value is None or (isinstance(value, int | Fraction) and not isinstance(value, bool)):
            return value
        if self.none_word and str(value).strip().lower() == self.none_word:
            return None
        try:
            fraction = parse_percentage(value)
            if not self.low <= fraction <= self.high:
                shown = _pct(fraction)
                self.fail(
                    f"{value} ({shown}) is not between {_pct(self.low)} and {_pct(self.high)}", param, ctx
                )
            return to_bps(fraction, value) if self.bps else fraction
        except ParamError as exc:
            self.fail(str(exc), param, ctx)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "PCT"


class AddressType(click.ParamType):
    """An 0x address (checksummed on the way in)."""

    name = "address"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return parse_address(value)
        except ParamError as exc:
            self.fail(str(exc), param, ctx)


AMOUNT = AmountType()
ADDRESS = AddressType()
PERCENTAGE = PercentageType()
METHOD = click.Choice(METHODS)
# What a user may allow a mint or redeem to move beyond its preview.
MAX_USER_SLIPPAGE = Fraction(1, 10)
SLIPPAGE = PercentageType(high=MAX_USER_SLIPPAGE, bps=True)
