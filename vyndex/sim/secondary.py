"""The index token's secondary market: its own Uniswap V2 pool against WETH, and the arbitrage
that ties the pool's price to NAV by minting and redeeming in kind.

Why a band and not a point: an arbitrageur who mints (paying the mint fee in extra components)
and sells into the pool (paying the pool's 0.3%) profits only while the pool pays more than
``NAV * (1 + mint fee) / 0.997`` a token; one who buys from the pool and redeems (paying the
redeem fee) only while the pool asks less than ``NAV * (1 - redeem fee) * 0.997``. Between the two
nobody can profit, so the price may rest anywhere inside: that is the fee band. Outside it, the
routine trades exactly enough to bring the pool's spot price back to the band's edge.

`band` and `amount_in_to_reach` are pure integer/float arithmetic (with the UniswapV2Library
formulas of `vyndex.reference.uniswap_v2`); `IndexPool` does it on chain.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ape.api import AccountAPI
from ape.contracts import ContractInstance

from vyndex.constants import BPS, MAX_UINT256, WAD
from vyndex.index import erc20
from vyndex.reference.uniswap_v2 import (
    FEE_DENOMINATOR,
    FEE_NUMERATOR,
    UniswapV2,
    address_of,
    create_pair,
    gross_of_fee,
)


def band(nav: float, mint_fee_bps: int, redeem_fee_bps: int) -> tuple[float, float]:
    """(lowest, highest) pool price, in NAV's unit, at which no mint-and-sell or buy-and-redeem
    arbitrage pays."""
    gamma = FEE_NUMERATOR / FEE_DENOMINATOR
    return nav * (1 - redeem_fee_bps / BPS) * gamma, nav * (1 + mint_fee_bps / BPS) / gamma


def amount_in_to_reach(reserve_in: int, reserve_out: int, out_per_in: Fraction) -> int:
    """How much to sell into a pool so its spot price (out per in, in base units) falls to
    `out_per_in`; 0 if it is already there or below. Holds k constant and grosses the input
    up for the fee, so the price lands at or just past the target."""
    if out_per_in <= 0:
        raise ValueError("target price must be above zero")
    if Fraction(reserve_out, reserve_in) <= out_per_in:
        return 0
    new_in = math.isqrt(int(Fraction(reserve_in * reserve_out) / out_per_in))
    if new_in <= reserve_in:
        return 0
    return gross_of_fee(new_in - reserve_in)


@dataclass(frozen=True)
class Arbitrage:
    """One pass of the routine: what it did and what it earned at market prices."""

    action: str  # "mint-and-sell", "buy-and-redeem" or "none"
    shares: int  # index tokens minted and sold, or bought and redeemed
    profit_usd: float
    price_before: float  # pool price, USD per index token
    price_after: float
    band_low: float  # the fee band, USD per index token
    band_high: float


Funder = Callable[[ContractInstance, int, AccountAPI], None]


class IndexPool:
    """The index token's WETH pool and the arbitrage that keeps it within the band of NAV."""

    def __init__(self, uni: UniswapV2, vault: ContractInstance, pair: ContractInstance) -> None:
        self.uni = uni
        self.vault = vault
        self.pair = pair
        self._index_is_0 = str(pair.token0()).lower() == str(vault.address).lower()

    @classmethod
    def create(
        cls, uni: UniswapV2, vault: ContractInstance, shares: int, weth_amount: int, provider: AccountAPI
    ) -> IndexPool:
        """Opens the pool with `shares` index tokens (the provider holds them) and `weth_amount` WETH
        (wrapped from the provider's ether)."""
        uni.weth.deposit(sender=provider, value=weth_amount)
        pair = create_pair(uni, vault, uni.weth, shares, weth_amount, provider)
        return cls(uni, vault, pair)

    def reserves(self) -> tuple[int, int]:
        """(index tokens, WETH) in the pool."""
        r0, r1, _ = self.pair.getReserves()
        return (int(r0), int(r1)) if self._index_is_0 else (int(r1), int(r0))

    def price_weth(self) -> float:
        """Spot WETH per index token."""
        r_index, r_weth = self.reserves()
        return r_weth / r_index

    def swap(self, sell_index: bool, amount: int, trader: AccountAPI) -> int:
        """Sells `amount` of the index token (or of WETH) into the pool; returns what came out."""
        sell = self.vault if sell_index else self.uni.weth
        buy = self.uni.weth if sell_index else self.vault
        if int(sell.allowance(trader.address, self.uni.router.address)) < amount:
            sell.approve(self.uni.router.address, MAX_UINT256, sender=trader)
        before = int(buy.balanceOf(trader.address))
        self.uni.router.swapExactTokensForTokens(
            amount, 0, [address_of(sell), address_of(buy)], trader.address, MAX_UINT256, sender=trader
        )
        return int(buy.balanceOf(trader.address)) - before

    def arbitrage(
        self,
        trader: AccountAPI,
        nav_usd: float,
        weth_usd: float,
        prices_usd: Sequence[float],
        decimals: Sequence[int],
        fund: Funder,
    ) -> Arbitrage:
        """Brings the pool's price back inside the fee band of `nav_usd` (USD per index token, at
        market prices) if it left it: mints in kind and sells, or buys and redeems in kind.
        `fund(token, amount, trader)` gives the trader components to mint with; profit is valued
        at `prices_usd` (the components, basket order) and `weth_usd`."""
        mint_fee = int(self.vault.mint_fee_bps())
        redeem_fee = int(self.vault.redeem_fee_bps())
        low, high = band(nav_usd / weth_usd, mint_fee, redeem_fee)
        r_index, r_weth = self.reserves()
        before = r_weth / r_index
        action, shares, profit = "none", 0, 0.0
        if before > high and (shares := amount_in_to_reach(r_index, r_weth, _fraction(high))):
            # Mint and sell: index in, WETH out, until the spot falls to the band's top.
            action = "mint-and-sell"
            need = [int(a) for a in self.vault.preview_mint(shares)]
            for address, amount in zip(self.vault.components()[0], need, strict=True):
                token = erc20(address)
                fund(token, amount, trader)
                if int(token.allowance(trader.address, self.vault.address)) < amount:
                    token.approve(self.vault.address, MAX_UINT256, sender=trader)
            self.vault.mint(shares, trader.address, need, sender=trader)
            got = self.swap(True, shares, trader)
            profit = got / WAD * weth_usd - _value(need, prices_usd, decimals)
        elif before < low and (weth_in := amount_in_to_reach(r_weth, r_index, 1 / _fraction(low))):
            # Buy and redeem: WETH in, index out, until the spot rises to the band's bottom.
            action = "buy-and-redeem"
            self.uni.weth.deposit(sender=trader, value=weth_in)
            shares = self.swap(False, weth_in, trader)
            out = [int(a) for a in self.vault.preview_redeem(shares)]
            self.vault.redeem(shares, trader.address, out, sender=trader)
            profit = _value(out, prices_usd, decimals) - weth_in / WAD * weth_usd
        after = self.price_weth() if action != "none" else before
        return Arbitrage(
            action, shares, profit, before * weth_usd, after * weth_usd, low * weth_usd, high * weth_usd
        )


def _fraction(x: float) -> Fraction:
    return Fraction(x).limit_denominator(WAD)


def _value(amounts: Sequence[int], prices_usd: Sequence[float], decimals: Sequence[int]) -> float:
    return sum(a / 10**d * p for a, p, d in zip(amounts, prices_usd, decimals, strict=True))
