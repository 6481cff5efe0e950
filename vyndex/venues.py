"""The rebalancer's execution side: venue contracts, the upkeep scout, and one call that stands a
rebalancer up over them.

A venue is a small contract per AMM (`UniswapV2Venue`, `UniswapV3Venue`) that the vault pays and
that pays the vault; it derives its pools from its factory, so a route is only a number:

* Uniswap V2: 0 direct, 1 through WETH;
* Uniswap V3: the fee tier (direct), or ``fee_in | fee_out << 24`` through WETH.

`UpkeepScout` is stateless and shared: a rebalancer's `checkUpkeep` asks it for the next trade
that executes (it simulates each candidate through `Rebalancer.simulate_trade`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ape import project
from ape.api import AccountAPI
from ape.contracts import ContractInstance
from eth_abi.abi import decode as abi_decode

ZERO = "0x0000000000000000000000000000000000000000"

ACTION_NONE = 0
ACTION_TRADE = 1

# UpkeepScout.REASON_* codes: why `checkUpkeep` proposes nothing.
REASONS = {
    1: "vault paused",
    2: "not ready (no supply, targets or venue)",
    3: "a price fails its checks",
    4: "balanced (drift within threshold, no plan)",
    5: "nothing left to trade",
    6: "components cooling down",
    7: "no candidate trade executes",
}
REASON_ORACLE = 3
REASON_COOLING_DOWN = 6

V2_DIRECT = 0
V2_VIA_WETH = 1


def v3_route(fee_in: int, fee_out: int = 0) -> int:
    """A UniswapV3Venue route: a direct pool's fee tier, or two tiers through WETH."""
    return fee_in | (fee_out << 24)


def describe_route(venue_name: str, route: int) -> str:
    """'V2 direct', 'V2 via WETH', 'V3 0.3%', 'V3 0.3% > WETH > 0.05%'."""
    if venue_name == "UniswapV2Venue":
        return "V2 via WETH" if route == V2_VIA_WETH else "V2 direct"
    fee_in, fee_out = route & 0xFFFFFF, route >> 24
    first = f"V3 {fee_in / 10_000:g}%"
    return first if fee_out == 0 else f"{first} > WETH > {fee_out / 10_000:g}%"


@dataclass(frozen=True)
class Proposal:
    """`checkUpkeep`'s answer, decoded: a trade to perform, or the reason there is none."""

    needed: bool
    data: bytes = b""
    action: int = ACTION_NONE
    sell: int = 0
    buy: int = 0
    venue: int = 0
    route: int = 0
    deadline: int = 0
    reason: int = 0
    detail: int = 0

    @classmethod
    def decode(cls, needed: bool, data: bytes) -> Proposal:
        raw = bytes(data)
        if len(raw) < 192:
            return cls(needed=bool(needed), data=raw)
        words = abi_decode(["uint256"] * 6, raw)
        if needed and words[0] == ACTION_TRADE:
            return cls(True, raw, ACTION_TRADE, words[1], words[2], words[3], words[4], words[5])
        return cls(False, raw, ACTION_NONE, reason=words[1], detail=words[2])

    @property
    def why(self) -> str:
        """Why nothing is proposed, in words ('' when a trade is)."""
        if self.needed:
            return ""
        text = REASONS.get(self.reason, f"reason {self.reason}")
        if self.reason == REASON_ORACLE:
            return f"{text}: component #{self.detail >> 8}, adapter code {self.detail & 0xFF}"
        if self.reason == REASON_COOLING_DOWN:
            return f"{text} until {self.detail}"
        return text


def deploy_scout(deployer: AccountAPI) -> ContractInstance:
    return deployer.deploy(project.UpkeepScout)


def deploy_v2_venue(deployer: AccountAPI, factory: Any, weth: Any | None) -> ContractInstance:
    return deployer.deploy(project.UniswapV2Venue, _addr(factory), _addr(weth) if weth else ZERO)


def deploy_v3_venue(deployer: AccountAPI, factory: Any, weth: Any | None) -> ContractInstance:
    return deployer.deploy(project.UniswapV3Venue, _addr(factory), _addr(weth) if weth else ZERO)


def deploy_rebalancer(
    deployer: AccountAPI,
    vault: Any,
    oracle: Any,
    venues: Sequence[Any],
    *,
    drift_threshold_bps: int,
    max_slippage_bps: int,
    trade_cap_usd_wad: int,
    min_trade_usd_wad: int,
    cooldown: int,
    plan_ttl: int,
    scout: Any | None = None,
) -> ContractInstance:
    """A Rebalancer over `venues` (deploys a scout when none is given)."""
    scout_address = _addr(scout) if scout is not None else deploy_scout(deployer).address
    return deployer.deploy(
        project.Rebalancer,
        _addr(vault),
        scout_address,
        _addr(oracle),
        [_addr(v) for v in venues],
        drift_threshold_bps,
        max_slippage_bps,
        trade_cap_usd_wad,
        min_trade_usd_wad,
        cooldown,
        plan_ttl,
    )


def check_upkeep(rebalancer: ContractInstance) -> Proposal:
    """`checkUpkeep` by eth_call (it simulates, so it is not a view), decoded."""
    needed, data = rebalancer.checkUpkeep.call(b"")
    return Proposal.decode(bool(needed), bytes(data))


def _addr(item: Any) -> str:
    return str(item.address) if hasattr(item, "address") else str(item)
