"""One-token mint and redeem through `IndexZap`: legs, route choice, quotes and typed plans.

The zap (contracts/IndexZap.vy) buys or sells every component of an index through its venues,
each leg bounded by the oracle. A *leg* is one number per component, ``venue index << 64 |
route``, naming a venue of the zap and one of that venue's routes (its pools are derived by the
venue, never given). `best_legs` picks, per component, the route whose venue quote is best now;
`plan_zap_mint` / `plan_zap_redeem` quote the whole call (eth_call) and check balances, so a
command can show the quote and refuse bad input before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ape import project
from ape.api import AccountAPI
from ape.contracts import ContractInstance

ETH = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"
ROUTE_BITS = 64
BPS = 10_000
MAX_SLIPPAGE_BPS = 300  # IndexZap.MAX_SLIPPAGE_BPS
DEFAULT_SLIPPAGE_BPS = 100
DEADLINE_SECONDS = 600


class ZapError(ValueError):
    """Bad input, or a zap call that would fail; nothing was sent."""


def leg(venue_index: int, route: int) -> int:
    """The zap's encoding of one leg: ``venue_index << 64 | route``."""
    if not 0 <= venue_index < 4 or not 0 <= route < 2**ROUTE_BITS:
        raise ZapError(f"bad leg: venue {venue_index}, route {route}")
    return (venue_index << ROUTE_BITS) | route


def split_leg(value: int) -> tuple[int, int]:
    """(venue index, route) of an encoded leg."""
    return value >> ROUTE_BITS, value & (2**ROUTE_BITS - 1)


def _addr(item: Any) -> str:
    return str(item.address if hasattr(item, "address") else item)


def deploy_zap(deployer: AccountAPI, venues: Sequence[Any], weth: Any, oracle: Any) -> ContractInstance:
    """Deploys an IndexZap over `venues` (by index), wrapping ETH into `weth`, bounded by `oracle`."""
    return deployer.deploy(project.IndexZap, [_addr(v) for v in venues], _addr(weth), _addr(oracle))


def working_token(zap: Any, token: str) -> str:
    """The ERC-20 a leg trades for `token`: WETH for ETH."""
    return str(zap.weth()) if token.lower() == ETH.lower() else token


def _quote_leg(venue: Any, sell: str, buy: str, amount: int, route: int, exact_out: bool) -> int | None:
    try:
        return int(venue.quote.call(sell, buy, amount, route, exact_out))
    except Exception:  # noqa: BLE001 - a route that cannot quote is simply not a candidate
        return None


def best_legs(
    zap: Any, tokens: Sequence[str], amounts: Sequence[int], token: str, kind: str
) -> list[int]:
    """Per component, the leg whose venue quote is best now: for "mint" (buying `amounts` of each
    component with `token`) the least input, for "redeem" (selling them for `token`) the most
    output. A component that is the traded token itself gets leg 0 (unused). Raises ZapError
    naming a component no venue of the zap can route."""
    work = working_token(zap, token)
    venue_contracts = [_venue_at(address) for address in zap.venues()]
    legs: list[int] = []
    for component, amount in zip(tokens, amounts, strict=True):
        if str(component).lower() == work.lower() or amount == 0:
            legs.append(0)
            continue
        best: tuple[int, int] | None = None
        sell, buy = (work, str(component)) if kind == "mint" else (str(component), work)
        for index, venue in enumerate(venue_contracts):
            for route in venue.routes(sell, buy):
                got = _quote_leg(venue, sell, buy, amount, int(route), exact_out=kind == "mint")
                if got is None:
                    continue
                better = best is None or (got < best[0] if kind == "mint" else got > best[0])
                if better:
                    best = (got, leg(index, int(route)))
        if best is None:
            raise ZapError(f"no venue of the zap routes {sell} -> {buy}")
        legs.append(best[1])
    return legs


def _venue_at(address: Any) -> Any:
    """A venue contract by address: V2 or V3 by what it answers."""
    v2 = project.UniswapV2Venue.at(address)
    try:
        v2.PAIR_INIT_CODE_HASH()
        return v2
    except Exception:  # noqa: BLE001 - not a V2 venue
        return project.UniswapV3Venue.at(address)


@dataclass(frozen=True)
class ZapPlan:
    """A quoted zap call: what it moves now and the bound sent with it."""

    kind: str  # "mint_exact", "mint_from" or "redeem_to"
    token: str  # ETH, WETH or an ERC-20 (what is paid, or received)
    legs: list[int]
    slippage_bps: int
    shares: int  # index tokens minted or redeemed
    amount: int  # input spent (mint) or output received (redeem), as quoted
    bound: int  # max_in (mint_exact), min_shares (mint_from) or min_out (redeem_to)
    problems: list[str] = field(default_factory=list)
