"""The rebalancer's execution side: venue contracts, the upkeep scout, and one call that stands a
rebalancer up over them.

A venue is a small contract per AMM (`UniswapV2Venue`, `UniswapV3Venue`) that the vault pays and
that pays the vault; it derives its pools from its factory, so a route is only a number:

* Uniswap V2: 0 direct, 1 through WETH;
* Uniswap V3: the fee tier (direct), or ``fee_in | fee_out << 24`` through WETH.

`UpkeepScout` is stateless and shared: a rebalancer's `checkUpkeep` asks it for the next trade
that executes (it simulates each candidate through `Rebalancer.simulate_trade`). It also serves a
rebalancer's valuation views (the Rebalancer has no room for them): `Lens(rebalancer)` reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ape import project
from ape.api import AccountAPI
from ape.contracts import ContractInstance

from vyndex.constants import ZERO_ADDRESS
from vyndex.keeper.loop import (  # noqa: F401  (re-exported for scripts and tests)
    ACTION_NONE,
    ACTION_TRADE,
    REASON_COOLING_DOWN,
    REASON_ORACLE,
    UPKEEP_REASONS,
    Upkeep,
)

# `checkUpkeep`'s answer is decoded by vyndex.keeper.loop.Upkeep (a trade, or the scout's reason).
Proposal = Upkeep
REASONS = UPKEEP_REASONS

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


def deploy_scout(deployer: AccountAPI) -> ContractInstance:
    return deployer.deploy(project.UpkeepScout)


def deploy_v2_venue(deployer: AccountAPI, factory: Any, weth: Any | None) -> ContractInstance:
    return deployer.deploy(project.UniswapV2Venue, _addr(factory), _addr(weth) if weth else ZERO_ADDRESS)


def deploy_v3_venue(deployer: AccountAPI, factory: Any, weth: Any | None) -> ContractInstance:
    return deployer.deploy(project.UniswapV3Venue, _addr(factory), _addr(weth) if weth else ZERO_ADDRESS)


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


class Lens:
    """A rebalancer's valuation at guarded oracle prices, read through its UpkeepScout:
    `Lens(rb).weights()`, `.drift_bps()`, `.total_value()`, `.nav_per_share()`.

    Each reverts with the adapter's reason when a price fails its checks, like the trades do.
    Keyword arguments (`sender=`, `skip_trace=`, `block_id=`) pass through to the call."""

    def __init__(self, rebalancer: ContractInstance, scout: Any | None = None) -> None:
        self.rebalancer = rebalancer
        address = _addr(scout) if scout is not None else str(rebalancer.scout())
        self.scout = project.UpkeepScout.at(address)

    def values(self, **kw: Any) -> tuple[list[int], int]:
        """USD (18 decimals) of what the supply is owed of each component, and their sum."""
        values, total = self.scout.values(self.rebalancer, **kw)
        return [int(v) for v in values], int(total)

    def weights(self, **kw: Any) -> list[int]:
        """Every component's weight in bps of NAV, in basket order."""
        return [int(w) for w in self.scout.weights(self.rebalancer, **kw)]

    def drift_bps(self, **kw: Any) -> int:
        """The largest distance of a weight from its target, bps of NAV."""
        return int(self.scout.drift_bps(self.rebalancer, **kw))

    def total_value(self, **kw: Any) -> int:
        """The basket's USD value (18 decimals)."""
        return int(self.scout.values(self.rebalancer, **kw)[1])

    def nav_per_share(self, **kw: Any) -> int:
        """USD value (18 decimals) of one whole index token."""
        return int(self.scout.nav_per_share(self.rebalancer, **kw))


def check_upkeep(rebalancer: ContractInstance) -> Proposal:
    """`checkUpkeep` by eth_call (it simulates, so it is not a view), decoded."""
    needed, data = rebalancer.checkUpkeep.call(b"")
    return Proposal.decode(bool(needed), bytes(data))


def _addr(item: Any) -> str:
    return str(item.address) if hasattr(item, "address") else str(item)
