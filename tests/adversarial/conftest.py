"""Adversarial world: the live three-component index of tests/integration/rebalancer (real Uniswap V2
bytecode, OracleAdapter, Rebalancer, $20 of WETH, USDC and WBTC per index token, 1,000 index tokens
minted by alice) reused as is, plus what attackers measure themselves by.

An attacker's profit is always the oracle USD value of everything it holds after an attack minus
before: every component it holds, plus its index tokens at what `preview_redeem` would pay for them.
Every funding happens before the first measurement, and gas is not counted (it only makes attacks
costlier).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attack_report
import pytest
from attack_report import ACTIVITY, PROFITS, STEPS_RUN, record_profit
from eth_abi import decode

from vyndex.constants import MAX_UINT256

_INTEGRATION = str(Path(__file__).resolve().parents[1] / "integration")
if _INTEGRATION not in sys.path:
    sys.path.insert(0, _INTEGRATION)
# The very module pytest loads as that folder's conftest: one definition of the live world.
live = importlib.import_module("rebalancer.conftest")
_spec = importlib.util.spec_from_file_location(
    "governance_helpers", Path(__file__).parents[1] / "governance_helpers.py"
)
assert _spec is not None and _spec.loader is not None
_governance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_governance)
enact = _governance.enact  # queue, wait out the delay, apply

uni = live.uni
tokens = live.tokens
chainlink_feeds = live.chainlink_feeds
feeds = live.feeds
submit = live.submit
adapter = live.adapter
pools = live.pools
index = live.index
vault = live.vault
rebalancer = live.rebalancer
live_enact = live.live_enact  # queue, wait out the delay, apply, fresh rounds

USD = live.USD
PRICES = live.PRICES
DECIMALS = live.DECIMALS
UNITS = live.UNITS
STALENESS = live.STALENESS
SLIPPAGE_BPS = live.SLIPPAGE_BPS
TRADE_CAP_USD = live.TRADE_CAP_USD
MIN_TRADE_USD = live.MIN_TRADE_USD
COOLDOWN = live.COOLDOWN
THRESHOLD_BPS = live.THRESHOLD_BPS
MINTED = live.MINTED
amount_of = live.amount_of
give = live.give

SYMBOLS = ("WETH", "USDC", "WBTC")
YEAR = 365 * 86_400
TARGETS = [5000, 3000, 2000]
ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: stateful property runs whose length follows HYPOTHESIS_PROFILE")


# ---------------------------------------------------------------------------------------------
# Extra actors
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def arbitrageur(accounts):
    """Keeps the pools at the oracle prices when a test moves the feeds (not a holder)."""
    return accounts[11]


@pytest.fixture(scope="module")
def ordered_tokens(tokens) -> list[Any]:
    return [tokens[s] for s in SYMBOLS]


# ---------------------------------------------------------------------------------------------
# Venues
# ---------------------------------------------------------------------------------------------

V3_FEE = 3_000


@pytest.fixture(scope="module")
def v2_venue(project, rebalancer) -> Any:
    """The live rebalancer's venue 0 (UniswapV2Venue over the live factory, WETH as the hop)."""
    return project.UniswapV2Venue.at(rebalancer.venues(0))


@pytest.fixture(scope="module")
def v3_world(project, owner, uni, tokens) -> tuple[Any, Any, Any]:
    """(uni3, venue, pool): Uniswap V3 over the live WETH, a full-range WBTC/WETH pool at 0.3% of
    $10M a side at the oracle prices, and a UniswapV3Venue over its factory (not yet listed by the
    rebalancer)."""
    from vyndex.reference.uniswap_v3 import deploy_uniswap_v3, seed_pool
    from vyndex.venues import deploy_v3_venue

    uni3 = deploy_uniswap_v3(owner, uni.weth)
    owner.balance += amount_of("WETH", 10_000_000) + 10**18
    pool = seed_pool(
        uni3,
        tokens["WBTC"],
        tokens["WETH"],
        V3_FEE,
        amount_of("WBTC", 10_000_000),
        amount_of("WETH", 10_000_000),
        owner,
    )
    return uni3, deploy_v3_venue(owner, uni3.factory, uni.weth), pool


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


def stock(uni: Any, tokens: dict[str, Any], holder: Any, usd_each: float, spenders: Sequence[Any]) -> None:
    """Gives `holder` `usd_each` dollars of every component and approves every spender for all of it."""
    holder.balance += amount_of("WETH", usd_each) + 10**18  # ether to wrap, and gas
    for symbol in SYMBOLS:
        give(uni, tokens[symbol], holder, amount_of(symbol, usd_each))
        for spender in spenders:
            tokens[symbol].approve(spender, MAX_UINT256, sender=holder)


class CallReverted(Exception):
    """A call or transaction that reverted; `reason` is its revert string ("" when it has none)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read(method: Any, *args: Any, block: int | str = "latest") -> Any:
    """`method(*args)` as one plain eth_call: about a millisecond, against Ape's ten (and Ape's
    seconds-long trace of a reverting call). Encoded by Ape, decoded by eth_abi; a single output is
    returned bare. Raises CallReverted with the reason."""
    contract = method.contract
    data = "0x" + bytes(method.encode_input(*args)).hex()
    tag = block if isinstance(block, str) else hex(block)
    reply = contract.provider.web3.provider.make_request(
        "eth_call", [{"to": contract.address, "data": data}, tag]
    )
    if "error" in reply:
        raw = reply["error"].get("data") or "0x"
        payload = bytes.fromhex(raw[2:]) if isinstance(raw, str) else b""
        reason = str(decode(["string"], payload[4:])[0]) if payload[:4] == ERROR_SELECTOR else ""
        raise CallReverted(reason)
    values = decode([o.canonical_type for o in method.abis[0].outputs], bytes.fromhex(reply["result"][2:]))
    return values[0] if len(values) == 1 else values


def send(method: Any, *args: Any, sender: Any, gas: int = 3_000_000) -> dict[str, Any]:
    """`method(*args)` as a transaction from an account Anvil holds unlocked (Ape's test accounts), sent
    by plain JSON-RPC with a fixed gas limit: a few milliseconds, against Ape's sixty (signing, gas
    estimation, receipt decoding). Returns the raw receipt; raises CallReverted if it reverted, with
    the reason found by replaying it as a call."""
    contract = method.contract
    data = "0x" + bytes(method.encode_input(*args)).hex()
    tx = {"from": sender.address, "to": contract.address, "data": data, "gas": hex(gas)}
    request = contract.provider.web3.provider.make_request
    reply = request("eth_sendTransaction", [tx])
    if "error" in reply:
        raise CallReverted(str(reply["error"].get("message", "")))
    receipt = None
    for _ in range(1_000):  # Anvil may answer the hash a moment before the block is stored
        receipt = request("eth_getTransactionReceipt", [reply["result"]])["result"]
        if receipt is not None:
            break
        time.sleep(0.002)
    assert receipt is not None, reply
    if int(receipt["status"], 16) != 1:
        replay = request("eth_call", [tx, hex(int(receipt["blockNumber"], 16) - 1)])
        raw = replay.get("error", {}).get("data") or "0x"
        payload = bytes.fromhex(raw[2:]) if isinstance(raw, str) else b""
        reason = str(decode(["string"], payload[4:])[0]) if payload[:4] == ERROR_SELECTOR else ""
        raise CallReverted(reason)
    return receipt


def view_reverts(method: Any, *args: Any) -> str | None:
    """The revert reason of a view call, or None if it succeeds."""
    try:
        read(method, *args)
    except CallReverted as err:
        return err.reason
    return None


def token_balances(basket: Sequence[Any], holders: Iterable[Any]) -> list[int]:
    """Each component's balance summed over `holders`, in basket order."""
    holders = list(holders)
    return [sum(read(token.balanceOf, h) for h in holders) for token in basket]


def usd_of(vault: Any, adapter: Any, basket: Sequence[Any], holders: Iterable[Any]) -> int:
    """Oracle USD of everything `holders` hold together: the components of `basket` (the vault's, in
    its order), and index tokens at what redeeming them would pay."""
    holders = list(holders)
    held = token_balances(basket, holders)
    shares = sum(read(vault.balanceOf, h) for h in holders)
    claim = list(read(vault.preview_redeem, shares)) if shares else [0] * len(basket)
    return sum(
        read(adapter.value, t, amount + owed) for t, amount, owed in zip(basket, held, claim, strict=True)
    )


def basket_value(vault: Any, adapter: Any, basket: Sequence[Any]) -> int:
    """Oracle USD of what the supply is owed (`holdings()`): the vault's accounted basket."""
    return sum(read(adapter.value, t, h) for t, h in zip(basket, read(vault.holdings), strict=True))


def traded_usd(receipt: Any, vault: Any, adapter: Any) -> int:
    """Oracle value of what the vault sold in `receipt`, from the vault's own RebalanceTrade events
    (not from what the rebalancer reports about itself)."""
    return sum(read(adapter.value, e.sell, e.amount_in) for e in receipt.events.filter(vault.RebalanceTrade))


def swap(uni: Any, who: Any, path: Sequence[Any], amount: int) -> int:
    """`who` swaps `amount` of `path[0]` along `path` through the router; returns what it got."""
    before = read(path[-1].balanceOf, who)
    path[0].approve(uni.router, amount, sender=who)
    uni.router.swapExactTokensForTokens(amount, 0, list(path), who, 2**64, sender=who)
    return read(path[-1].balanceOf, who) - before


def call(method: Any, *args: Any, allow_failure: bool = False) -> tuple[Any, bytes, bool]:
    """One entry of FlashAttacker's call list."""
    return (method.contract.address, bytes(method.encode_input(*args)), allow_failure)


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------

# The attacker profits and the stateful run's steps live in tests/attack_report.py (printed by
# tests/conftest.py at the end of the session, merged from every pytest-xdist worker).
__all__ = ["ACTIVITY", "PROFITS", "STEPS_RUN", "record_profit"]


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = getattr(session.config, "workeroutput", None)  # set only in a pytest-xdist worker
    if out is not None:
        out["vyndex_adversarial"] = attack_report.worker_output()
