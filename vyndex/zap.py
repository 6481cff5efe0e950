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

from vyndex.constants import BPS

ETH = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"
ROUTE_BITS = 64
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
        # A view on the V2 venue (called directly), a reverted swap on the V3 venue (eth_call).
        method = getattr(venue.quote, "call", venue.quote)
        return int(method(sell, buy, amount, route, exact_out))
    except Exception:
        return None


def best_legs(zap: Any, tokens: Sequence[str], amounts: Sequence[int], token: str, kind: str) -> list[int]:
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
    except Exception:
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

    @property
    def is_mint(self) -> bool:
        return self.kind != "redeem_to"


# ---------------------------------------------------------------------------------------------
# Finding the zap and the token
# ---------------------------------------------------------------------------------------------

BOOK_ENTRY = "zap"


def find_zap(books: Any, handle: Any, address: str | None = None) -> ContractInstance:
    """The zap at `address` (`--zap`), else the index's own (its record's `zap`, which `vyndex
    deploy` writes), else a shared one named "zap" in the address book."""
    record = getattr(handle, "record", None)
    where = address or getattr(record, "zap", None) or books.lookup(BOOK_ENTRY)
    if not where:
        raise ZapError(
            f"no zap for {handle.symbol}: run `vyndex deploy` again (it adds one when the spec names WETH), "
            "or pass --zap ADDRESS"
        )
    from ape import chain

    if not chain.provider.get_code(where):
        raise ZapError(f"no zap at {where} on this chain")
    return project.IndexZap.at(where)


def resolve_token(handle: Any, zap: Any, text: str) -> tuple[str, str, int]:
    """'ETH', 'WETH', a component symbol or an ERC-20 address -> (address, symbol, decimals)."""
    name = text.strip()
    if name.upper() == "ETH":
        return ETH, "ETH", 18
    if name.upper() == "WETH":
        address = str(zap.weth())
    elif name.startswith("0x") and len(name) == 42:
        address = name
    else:
        by_symbol = {s.upper(): t for s, t in zip(handle.symbols, handle.tokens, strict=True)}
        if name.upper() not in by_symbol:
            known = ", ".join(["ETH", "WETH", *handle.symbols])
            raise ZapError(f"unknown token '{text}' (ETH, WETH, a component: {known}, or an address)")
        address = str(by_symbol[name.upper()].address)
    token = project.MockERC20.at(address)
    try:
        return address, str(token.symbol()), int(token.decimals())
    except Exception as exc:
        raise ZapError(f"{text} is not an ERC-20 on this chain") from exc


def parse_spend(text: str) -> tuple[str, str]:
    """'1.5 ETH' -> ('1.5', 'ETH')."""
    parts = text.split()
    if len(parts) != 2:
        raise ZapError(f"--spend takes an amount and a token, like '1.5 ETH'; got '{text}'")
    return parts[0], parts[1]


# ---------------------------------------------------------------------------------------------
# Plans: quote first, refuse bad input before anything is sent
# ---------------------------------------------------------------------------------------------


def _balance(token: str, holder: Any) -> int:
    if token == ETH:
        from ape import chain

        return int(chain.provider.get_balance(holder))
    return int(project.MockERC20.at(token).balanceOf(holder))


def _allowance(token: str, holder: Any, spender: Any) -> int:
    if token == ETH:
        return 2**256 - 1
    return int(project.MockERC20.at(token).allowance(holder, spender))


def _check_bps(max_bps: int, leg_bps: int) -> None:
    if not 0 <= leg_bps <= MAX_SLIPPAGE_BPS:
        raise ZapError(f"the per-leg oracle bound must be 0 to {MAX_SLIPPAGE_BPS / 100:g}%")
    if not 0 <= max_bps <= 1_000:
        raise ZapError("--max must be 0 to 10%")


def _quote(fn: Any, *args: Any) -> int:
    try:
        return int(fn.call(*args))
    except Exception as exc:
        raise ZapError(f"quote failed: {getattr(exc, 'revert_message', None) or exc}") from None


def plan_zap(
    kind: str, zap: Any, handle: Any, sender: Any, amount: int, token: str, max_bps: int, leg_bps: int
) -> ZapPlan:
    """Quotes one zap call of `kind` with `token`: "mint_exact" (`amount` index tokens; the bound is
    the quoted input plus `max_bps`), "mint_from" (spending `amount` of `token`; the bound is the
    quoted shares less `max_bps`) or "redeem_to" (`amount` index tokens; the bound is the quoted
    output less `max_bps`). Legs are the best routes now (`best_legs`); a short balance is listed
    in `problems`."""
    _check_bps(max_bps, leg_bps)
    if kind not in ("mint_exact", "mint_from", "redeem_to"):
        raise ZapError(f"unknown zap call {kind}")
    if amount <= 0:
        raise ZapError("the amount must be above zero")
    vault = handle.vault
    tokens = [str(t.address) for t in handle.tokens]
    if kind == "redeem_to":
        legs = best_legs(zap, tokens, [int(a) for a in vault.preview_redeem(amount)], token, "redeem")
        quoted = _quote(zap.quote_redeem_to, vault, amount, token, legs, leg_bps)
        plan = ZapPlan(kind, token, legs, leg_bps, amount, quoted, quoted * (BPS - max_bps) // BPS)
        if int(vault.balanceOf(sender)) < amount:
            plan.problems.append("index balance below the amount")
        return plan
    # Spending, legs are chosen for one share's worth of each component: the routes' order rarely
    # changes with size.
    buying = amount if kind == "mint_exact" else 10**18
    legs = best_legs(zap, tokens, [int(a) for a in vault.preview_mint(buying)], token, "mint")
    if kind == "mint_exact":
        quoted = _quote(zap.quote_mint_exact, vault, amount, token, legs, leg_bps)
        plan = ZapPlan(kind, token, legs, leg_bps, amount, quoted, quoted * (BPS + max_bps) // BPS)
        pull = plan.bound
    else:
        shares = _quote(zap.quote_mint_from, vault, token, amount, legs, leg_bps)
        plan = ZapPlan(kind, token, legs, leg_bps, shares, amount, shares * (BPS - max_bps) // BPS)
        pull = amount
    if _balance(token, sender) < pull:
        plan.problems.append(f"balance below {pull}")
    return plan


def plan_zap_mint_exact(
    zap: Any, handle: Any, sender: Any, shares: int, token: str, max_bps: int, leg_bps: int
) -> ZapPlan:
    """`plan_zap("mint_exact", ...)`: `shares` index tokens paid with `token`."""
    return plan_zap("mint_exact", zap, handle, sender, shares, token, max_bps, leg_bps)


def plan_zap_mint_from(
    zap: Any, handle: Any, sender: Any, amount_in: int, token: str, max_bps: int, leg_bps: int
) -> ZapPlan:
    """`plan_zap("mint_from", ...)`: spend `amount_in` of `token`."""
    return plan_zap("mint_from", zap, handle, sender, amount_in, token, max_bps, leg_bps)


def plan_zap_redeem(
    zap: Any, handle: Any, sender: Any, shares: int, token: str, max_bps: int, leg_bps: int
) -> ZapPlan:
    """`plan_zap("redeem_to", ...)`: `shares` index tokens into `token`."""
    return plan_zap("redeem_to", zap, handle, sender, shares, token, max_bps, leg_bps)


def execute_zap(
    zap: Any, handle: Any, plan: ZapPlan, account: AccountAPI, receiver: Any | None = None
) -> Any:
    """Approves exactly what the call may take (the input token, or the index tokens) and sends it."""
    if plan.problems:
        raise ZapError("; ".join(plan.problems))
    from ape import chain

    to = receiver or account.address
    deadline = chain.pending_timestamp + DEADLINE_SECONDS
    vault = handle.vault
    value = 0
    if plan.kind == "redeem_to":
        if int(vault.allowance(account.address, zap.address)) < plan.shares:
            vault.approve(zap.address, plan.shares, sender=account)
    else:
        pull = plan.bound if plan.kind == "mint_exact" else plan.amount
        if plan.token == ETH:
            value = pull
        elif _allowance(plan.token, account.address, zap.address) < pull:
            project.MockERC20.at(plan.token).approve(zap.address, pull, sender=account)
    # mint_exact(vault, shares, token, max_in, ...), redeem_to(vault, shares, token, min_out, ...),
    # mint_from(vault, token, amount_in, min_shares, ...): the rest is common.
    head = (vault, plan.token, plan.amount) if plan.kind == "mint_from" else (vault, plan.shares, plan.token)
    extra = {"value": value} if value else {}
    call = getattr(zap, plan.kind)
    return call(*head, plan.bound, plan.legs, plan.slippage_bps, to, deadline, sender=account, **extra)
