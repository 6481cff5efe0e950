"""DESIGN invariant 5 as a matrix generated from the ABIs: every external non-view function of
IndexVault, Rebalancer, UniswapV2Venue, UniswapV3Venue, UpkeepScout, DutchAuction and OracleAdapter
against every role.

ACCESS below is the table: for each function, the roles that may call it (or PUBLIC) and the named
reason everyone else gets. The ABI's set of non-view functions must equal the table's keys, so a new
external function without a rule fails the suite. For every (function, role) pair:
  - a role the table refuses gets exactly the function's access reason;
  - a role the table allows makes an argument-valid call that goes through (no failure of any kind),
    and its effect is the table's: applied at once, or queued behind the governance delay (a
    ChangeQueued log; DESIGN invariant 10). VARIANTS calls each value-dependent setter the other
    way (a tightening value of a setter CALLS loosens, and the reverse).
Roles are the EOAs owner, manager, guardian, fee_recipient, keeper, pending_owner (a pending two-step
owner of all three contracts) and stranger; where the table names a contract (the rebalancer for the
vault's trade and basket functions, the vault for the rebalancer's trade callback), the allowed call
is made by driving that contract through its own entry point, and the target's event proves it ran
(the pool for UniswapV3Venue's swap callback: a trade through the V3 venue). `simulate_trade` is
public and always reverts: every role gets the simulation's own revert (SIMU marker, sold,
received), never a state change.

Transactions go out by plain JSON-RPC (`send`) and a refusal's reason is compared exactly; about
three hundred pairs take a few seconds that way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from ape.types.signatures import MessageSignature
from eip712.messages import EIP712Domain, EIP712Message
from eth_abi import decode
from eth_pydantic_types import abi
from eth_utils import keccak
from hexbytes import HexBytes

from vyndex.constants import MAX_UINT256, WAD, ZERO_ADDRESS

from .conftest import STALENESS, TARGETS, V3_FEE, CallReverted, enact, read, send, stock

PUBLIC = frozenset({"*"})
QUEUED = "queued"
ROLES = ("owner", "manager", "guardian", "fee_recipient", "keeper", "pending_owner", "stranger")

NOT_OWNER = "ownable: caller is not the owner"
NOT_NEW_OWNER = "ownable_2step: caller is not the new owner"
NOT_MANAGER = "vault: caller is not the manager"
NOT_GUARDIAN = "vault: caller is not the guardian"
NOT_REBALANCER = "vault: caller is not the rebalancer"
NOT_KEEPER = "rebalancer: caller is not a keeper"
NOT_REBALANCER_MANAGER = "rebalancer: caller is not the manager"
UNEXPECTED_CALLBACK = "rebalancer: unexpected callback"
VENUE_UNEXPECTED_CALLBACK = "venue: unexpected callback"
NOT_REBALANCER_GUARDIAN = "rebalancer: caller not guardian"
NOT_ORACLE_GUARDIAN = "oracle: caller is not the guardian"
SIMULATION_MARKER = bytes.fromhex("53494d55")  # "SIMU"


@dataclass(frozen=True)
class Rule:
    """Who may call a function, and the reason everyone else gets (None for public functions)."""

    allowed: frozenset[str]
    reason: str | None = None
    # Public, but always reverts with the simulation's result (Rebalancer.simulate_trade).
    always_reverts: bool = False
    # What an allowed call with CALLS' arguments does: applies at once, or is queued behind the
    # governance delay (a ChangeQueued log and no effect) because those arguments loosen.
    effect: str = "immediate"


def only(*roles: str, reason: str, effect: str = "immediate") -> Rule:
    return Rule(frozenset(roles), reason, effect=effect)


ACCESS: dict[str, dict[str, Rule]] = {
    "IndexVault": {
        "mint": Rule(PUBLIC),
        "redeem": Rule(PUBLIC),
        "redeem_skipping": Rule(PUBLIC),
        "transfer": Rule(PUBLIC),
        "transferFrom": Rule(PUBLIC),
        "approve": Rule(PUBLIC),
        "permit": Rule(PUBLIC),
        "accrue_management_fee": Rule(PUBLIC),
        "transfer_ownership": only("owner", reason=NOT_OWNER),
        "accept_ownership": only("pending_owner", reason=NOT_NEW_OWNER),
        "set_fee_recipient": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "set_manager": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "set_guardian": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "set_rebalancer": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "set_management_fee": only("manager", reason=NOT_MANAGER, effect=QUEUED),
        "set_mint_fee": only("manager", reason=NOT_MANAGER, effect=QUEUED),
        "set_redeem_fee": only("manager", reason=NOT_MANAGER, effect=QUEUED),
        "set_paused": only("guardian", "owner", reason=NOT_GUARDIAN),
        "enter_redeem_only": only("guardian", "owner", reason=NOT_GUARDIAN),
        "cancel": only("guardian", "owner", reason=NOT_GUARDIAN),
        "set_delay": only("owner", reason=NOT_OWNER),
        "rebalance_trade": only("rebalancer", reason=NOT_REBALANCER),
        "add_component": only("rebalancer", reason=NOT_REBALANCER),
        "remove_component": only("rebalancer", reason=NOT_REBALANCER),
    },
    "Rebalancer": {
        "transfer_ownership": only("owner", reason=NOT_OWNER),
        "accept_ownership": only("pending_owner", reason=NOT_NEW_OWNER),
        "trade": only("keeper", reason=NOT_KEEPER),
        "performUpkeep": only("keeper", reason=NOT_KEEPER),
        "checkUpkeep": Rule(PUBLIC),
        "simulate_trade": Rule(PUBLIC, always_reverts=True),
        "on_rebalance_trade": only("vault", reason=UNEXPECTED_CALLBACK),
        "set_targets": only("manager", reason=NOT_REBALANCER_MANAGER),
        "set_drift_threshold": only("manager", reason=NOT_REBALANCER_MANAGER),
        "set_plan_ttl": only("manager", reason=NOT_REBALANCER_MANAGER),
        "add_component": only("manager", reason=NOT_REBALANCER_MANAGER),
        "remove_component": only("manager", reason=NOT_REBALANCER_MANAGER),
        "set_keeper": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "set_open_trading": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "add_venue": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "remove_venue": only("owner", reason=NOT_OWNER),
        "set_auction": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "set_oracle": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "set_limits": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "cancel": only("guardian", "owner", reason=NOT_REBALANCER_GUARDIAN),
    },
    "UniswapV2Venue": {
        # Moves only what already sits in a pair, as the pair's own swap would.
        "swap": Rule(PUBLIC),
        # An exact output: a pair paid too little reverts on its own constant-product check.
        "swap_out": Rule(PUBLIC),
        # Sizes a zap leg; with a session it writes only the caller's own transient scratch.
        "plan": Rule(PUBLIC),
    },
    "UniswapV3Venue": {
        # Sells only what the venue holds (nothing between trades).
        "swap": Rule(PUBLIC),
        "swap_out": Rule(PUBLIC),
        # A QuoterV2-style quote: every pool swap it runs is reverted from the callback.
        "quote": Rule(PUBLIC),
        "plan": Rule(PUBLIC),
        "uniswapV3SwapCallback": only("pool", reason=VENUE_UNEXPECTED_CALLBACK),
    },
    "UpkeepScout": {
        # Stateless: every simulation it runs reverts.
        "check": Rule(PUBLIC),
    },
    "DutchAuction": {
        "transfer_ownership": only("owner", reason=NOT_OWNER),
        "accept_ownership": only("pending_owner", reason=NOT_NEW_OWNER),
        # Keepers open an auction (the launcher too, and anyone while trading is open).
        "open": only("keeper", reason="auction: caller may not open"),
        # Anyone bids while it is open (unless the owner turns the allowlist on).
        "bid": Rule(PUBLIC),
        # The venue callback: only the Rebalancer, inside a bid.
        "swap": only("rebalancer", reason="auction: caller is not the rebalancer"),
        "set_curve": only("owner", reason=NOT_OWNER),
        # From the default cap (the largest) every new cap only tightens; VARIANTS raises one.
        "set_auction_limits": only("owner", reason=NOT_OWNER),
        "set_default_execution": only("owner", reason=NOT_OWNER),
        "set_leg_execution": only("owner", reason=NOT_OWNER),
        "set_launcher": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "set_allowlist_only": only("owner", reason=NOT_OWNER),
        "set_bidder": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "cancel": only("guardian", "owner", reason="auction: caller not guardian"),
    },
    "OracleAdapter": {
        "transfer_ownership": only("owner", reason=NOT_OWNER),
        "accept_ownership": only("pending_owner", reason=NOT_NEW_OWNER),
        "set_feed": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "set_secondary_feed": only("owner", reason=NOT_OWNER),
        "set_bounds": only("owner", reason=NOT_OWNER),
        "set_sequencer_feed": only("owner", reason=NOT_OWNER),
        "remove_feed": only("owner", reason=NOT_OWNER),
        "set_vault": only("owner", reason=NOT_OWNER, effect=QUEUED),
        "cancel": only("guardian", "owner", reason=NOT_ORACLE_GUARDIAN),
    },
}


class Permit(EIP712Message):
    owner: abi.address
    spender: abi.address
    value: abi.uint256
    nonce: abi.uint256
    deadline: abi.uint256


@pytest.fixture(scope="module")
def ctx(
    project,
    vault,
    rebalancer,
    adapter,
    uni,
    tokens,
    owner,
    manager,
    guardian,
    fee_recipient,
    keeper,
    stranger,
    alice,
    accounts,
    chain,
    v2_venue,
    v3_world,
    chainlink_feeds,
):
    """Everything an argument-valid call needs: every EOA role holds components (the vault approved),
    10 index tokens and an allowance of alice's; the manager has set targets with drift; a fourth
    token LINK has a feed but is not in the basket; spare feeds exist; every contract has a pending
    owner."""
    roles = dict(
        zip(
            ROLES,
            [owner, manager, guardian, fee_recipient, keeper, accounts[10], stranger],
            strict=True,
        )
    )
    for account in roles.values():
        stock(uni, tokens, account, 1_000, [vault])
        vault.mint(10 * WAD, account, [MAX_UINT256] * 3, sender=account)
        vault.approve(account, 10 * WAD, sender=alice)
    link = owner.deploy(project.MockERC20, "Chainlink", "LINK", 18)
    feeds = [owner.deploy(project.MockAggregator, 8, f"spare {i}", 10 * 10**8) for i in range(3)]
    adapter.set_feed(link, feeds[0], STALENESS, sender=owner)
    rebalancer.set_targets(TARGETS, sender=manager)
    _, v3_venue, pool = v3_world
    adapter.set_vault(vault, sender=owner)  # the first binding applies at once
    enact(rebalancer.add_venue, v3_venue, sender=owner)  # venue 1: queued, waited out, applied
    # Venue 2: a Dutch auction (5% premium decaying over an hour); bids trade through it.
    auction = owner.deploy(project.DutchAuction, rebalancer, 500, 3_600)
    enact(rebalancer.add_venue, auction, sender=owner)
    enact(rebalancer.set_keeper, auction, True, sender=owner)  # it calls trade for each bid
    for account in roles.values():  # bidders pay in WETH: enough for a whole capped chunk
        stock(uni, tokens, account, 50_000, [auction])
    for _, aggregator in chainlink_feeds.values():  # the delay aged every feed: a fresh round each
        aggregator.submit(int(aggregator.latestRound()) + 1, int(aggregator.latestAnswer()), sender=owner)
    for feed in feeds:
        feed.update_answer(10 * 10**8, sender=owner)
    spare_venue = owner.deploy(project.UniswapV2Venue, uni.factory, ZERO_ADDRESS)
    for contract in (vault, rebalancer, adapter, auction):
        contract.transfer_ownership(roles["pending_owner"], sender=owner)
    return {
        "project": project,
        "vault": vault,
        "rebalancer": rebalancer,
        "adapter": adapter,
        "uni": uni,
        "tokens": tokens,
        "roles": roles,
        "alice": alice,
        "link": link,
        "feeds": feeds,
        "chain": chain,
        "v2_venue": v2_venue,
        "v3_venue": v3_venue,
        "pool": pool,
        "spare_venue": spare_venue,
        "scout": project.UpkeepScout.at(rebalancer.scout()),
        "auction": auction,
    }


def sign_permit(ctx: dict[str, Any], spender: Any) -> tuple[Any, ...]:
    vault, alice, chain = ctx["vault"], ctx["alice"], ctx["chain"]
    deadline = chain.pending_timestamp + 3_600
    domain = EIP712Domain(
        name=vault.name(), version="1", chainId=chain.chain_id, verifyingContract=vault.address
    )
    message = Permit(
        owner=alice.address,
        spender=spender.address,
        value=WAD,
        nonce=read(vault.nonces, alice),
        deadline=deadline,
        eip712_domain=domain,
    )
    # Ape may hand back r or s shorter than 32 bytes (a leading zero byte): re-split the padded 65.
    sig = MessageSignature.from_vrs(HexBytes(alice.sign_message(message).encode_vrs()))
    return (alice, spender, WAD, deadline, sig.v, sig.r, sig.s)


def pay_v2_pair(ctx: dict[str, Any]) -> None:
    """The owner leaves 0.01 WBTC in the live WBTC/WETH pair (what a vault's trade would)."""
    pair = ctx["uni"].factory.getPair(ctx["tokens"]["WBTC"], ctx["tokens"]["WETH"])
    send(ctx["tokens"]["WBTC"].transfer, pair, 10**6, sender=ctx["roles"]["owner"])


def pay_v3_venue(ctx: dict[str, Any]) -> None:
    """The owner leaves 0.01 WBTC in the V3 venue (what a vault's trade would)."""
    send(ctx["tokens"]["WBTC"].transfer, ctx["v3_venue"], 10**6, sender=ctx["roles"]["owner"])


def open_auction(ctx: dict[str, Any]) -> None:
    """The keeper opens the auction (every role holds WETH approved to it)."""
    send(ctx["auction"].open, sender=ctx["roles"]["keeper"])


def add_link(ctx: dict[str, Any], weights: list[int]) -> None:
    send(ctx["rebalancer"].add_component, ctx["link"], weights, sender=ctx["roles"]["manager"])


def queue_guardian_change(ctx: dict[str, Any]) -> None:
    """The owner queues a change on each contract (what `cancel` then drops)."""
    owner = ctx["roles"]["owner"]
    send(ctx["vault"].set_guardian, ctx["alice"], sender=owner)
    send(ctx["rebalancer"].add_venue, ctx["spare_venue"], sender=owner)
    send(ctx["adapter"].set_feed, ctx["tokens"]["WETH"], ctx["feeds"][1], 3_600, sender=owner)
    send(ctx["auction"].set_launcher, ctx["alice"], 600, sender=owner)


def change_id(method: Any, *args: Any) -> bytes:
    return keccak(bytes(method.encode_input(*args)))


def deadline(ctx: dict[str, Any]) -> int:
    return ctx["chain"].pending_timestamp + 600


# (contract, function) -> (preparation before an allowed call, arguments given the caller).
Prepare = Callable[[dict[str, Any]], None] | None
Args = Callable[[dict[str, Any], Any], tuple[Any, ...]]
CALLS: dict[tuple[str, str], tuple[Prepare, Args]] = {
    ("IndexVault", "mint"): (None, lambda c, who: (WAD, who, [MAX_UINT256] * 3)),
    ("IndexVault", "redeem"): (None, lambda c, who: (WAD, who, [0, 0, 0])),
    ("IndexVault", "redeem_skipping"): (None, lambda c, who: (WAD, who, [0, 0, 0], [c["tokens"]["WBTC"]])),
    ("IndexVault", "transfer"): (None, lambda c, who: (c["alice"], WAD)),
    ("IndexVault", "transferFrom"): (None, lambda c, who: (c["alice"], who, WAD)),
    ("IndexVault", "approve"): (None, lambda c, who: (c["alice"], WAD)),
    ("IndexVault", "permit"): (None, lambda c, who: sign_permit(c, who)),
    ("IndexVault", "accrue_management_fee"): (None, lambda c, who: ()),
    ("IndexVault", "transfer_ownership"): (None, lambda c, who: (c["alice"],)),
    ("IndexVault", "accept_ownership"): (None, lambda c, who: ()),
    ("IndexVault", "set_fee_recipient"): (None, lambda c, who: (c["alice"],)),
    ("IndexVault", "set_manager"): (None, lambda c, who: (c["alice"],)),
    ("IndexVault", "set_guardian"): (None, lambda c, who: (c["alice"],)),
    ("IndexVault", "set_rebalancer"): (None, lambda c, who: (c["rebalancer"],)),
    ("IndexVault", "set_management_fee"): (None, lambda c, who: (10**16,)),
    ("IndexVault", "set_mint_fee"): (None, lambda c, who: (10,)),
    ("IndexVault", "set_redeem_fee"): (None, lambda c, who: (10,)),
    ("IndexVault", "set_paused"): (None, lambda c, who: (True,)),
    ("IndexVault", "enter_redeem_only"): (None, lambda c, who: ()),
    ("IndexVault", "set_delay"): (None, lambda c, who: (3 * 86_400,)),
    ("IndexVault", "cancel"): (
        queue_guardian_change,
        lambda c, who: (change_id(c["vault"].set_guardian, c["alice"]),),
    ),
    ("IndexVault", "rebalance_trade"): (None, lambda c, who: (2, 10**4, 0, 1, c["alice"])),
    ("IndexVault", "add_component"): (None, lambda c, who: (c["link"],)),
    ("IndexVault", "remove_component"): (None, lambda c, who: (2, 0)),
    ("Rebalancer", "transfer_ownership"): (None, lambda c, who: (c["alice"],)),
    ("Rebalancer", "accept_ownership"): (None, lambda c, who: ()),
    ("Rebalancer", "trade"): (None, lambda c, who: (2, 0, 0, 0, 0, deadline(c))),
    ("Rebalancer", "performUpkeep"): (None, lambda c, who: (read(c["rebalancer"].checkUpkeep, b"")[1],)),
    ("Rebalancer", "checkUpkeep"): (None, lambda c, who: (b"",)),
    ("Rebalancer", "simulate_trade"): (None, lambda c, who: (2, 0, 0, 0, b"\x5a" * 32)),
    ("Rebalancer", "on_rebalance_trade"): (
        None,
        lambda c, who: (c["tokens"]["WBTC"], 10**4, c["tokens"]["WETH"], 1),
    ),
    ("Rebalancer", "set_targets"): (None, lambda c, who: ([2000, 3000, 5000],)),
    ("Rebalancer", "set_drift_threshold"): (None, lambda c, who: (200,)),
    ("Rebalancer", "set_plan_ttl"): (None, lambda c, who: (3_600,)),
    ("Rebalancer", "add_component"): (None, lambda c, who: (c["link"], [2500, 2500, 2500, 2500])),
    ("Rebalancer", "remove_component"): (lambda c: add_link(c, [5000, 3000, 2000, 0]), lambda c, who: (3,)),
    ("Rebalancer", "set_keeper"): (None, lambda c, who: (c["alice"], True)),
    ("Rebalancer", "set_open_trading"): (None, lambda c, who: (True,)),
    ("Rebalancer", "add_venue"): (None, lambda c, who: (c["spare_venue"],)),
    ("Rebalancer", "remove_venue"): (None, lambda c, who: (1,)),
    # Any listed venue may be named the auction (the V3 venue here: its gate is then consulted).
    ("Rebalancer", "set_auction"): (None, lambda c, who: (c["v3_venue"],)),
    ("Rebalancer", "set_oracle"): (None, lambda c, who: (c["adapter"],)),
    ("Rebalancer", "set_limits"): (None, lambda c, who: (100, 5_000 * 10**18, 10**18, 120)),
    ("Rebalancer", "cancel"): (
        queue_guardian_change,
        lambda c, who: (change_id(c["rebalancer"].add_venue, c["spare_venue"]),),
    ),
    ("UniswapV2Venue", "swap"): (
        pay_v2_pair,
        lambda c, who: (c["tokens"]["WBTC"], c["tokens"]["WETH"], 10**6, 0, 0, who),
    ),
    ("UniswapV2Venue", "swap_out"): (
        pay_v2_pair,
        lambda c, who: (c["tokens"]["WBTC"], c["tokens"]["WETH"], 10**6, 10**15, 0, who),
    ),
    ("UniswapV2Venue", "plan"): (
        None,
        lambda c, who: (c["tokens"]["WBTC"], c["tokens"]["WETH"], 10**6, 0, False, True, 1),
    ),
    ("UniswapV3Venue", "swap_out"): (
        pay_v3_venue,
        lambda c, who: (c["tokens"]["WBTC"], c["tokens"]["WETH"], 10**6, 0, V3_FEE, who),
    ),
    ("UniswapV3Venue", "plan"): (
        None,
        lambda c, who: (c["tokens"]["WBTC"], c["tokens"]["WETH"], 10**6, V3_FEE, False, True, 1),
    ),
    ("UniswapV3Venue", "swap"): (
        pay_v3_venue,
        lambda c, who: (c["tokens"]["WBTC"], c["tokens"]["WETH"], 10**6, 0, V3_FEE, who),
    ),
    ("UniswapV3Venue", "quote"): (
        None,
        lambda c, who: (c["tokens"]["WBTC"], c["tokens"]["WETH"], 10**6, V3_FEE, False),
    ),
    ("UniswapV3Venue", "uniswapV3SwapCallback"): (None, lambda c, who: (10**6, -(10**6), b"")),
    ("UpkeepScout", "check"): (None, lambda c, who: (c["rebalancer"],)),
    ("DutchAuction", "transfer_ownership"): (None, lambda c, who: (c["alice"],)),
    ("DutchAuction", "accept_ownership"): (None, lambda c, who: ()),
    ("DutchAuction", "open"): (None, lambda c, who: ()),
    ("DutchAuction", "bid"): (open_auction, lambda c, who: (2, 0, MAX_UINT256, deadline(c))),
    ("DutchAuction", "swap"): (
        None,
        lambda c, who: (c["tokens"]["WBTC"], c["tokens"]["WETH"], 10**6, 0, 0, who),
    ),
    ("DutchAuction", "set_curve"): (None, lambda c, who: (1_000, 7_200)),
    ("DutchAuction", "set_auction_limits"): (None, lambda c, who: (10**30, 3_600)),
    ("DutchAuction", "set_default_execution"): (None, lambda c, who: (2,)),
    ("DutchAuction", "set_leg_execution"): (
        None,
        lambda c, who: (c["tokens"]["WBTC"], c["tokens"]["WETH"], 1),
    ),
    ("DutchAuction", "set_launcher"): (None, lambda c, who: (c["alice"], 600)),
    ("DutchAuction", "set_allowlist_only"): (None, lambda c, who: (True,)),
    ("DutchAuction", "set_bidder"): (None, lambda c, who: (c["alice"], True)),
    ("DutchAuction", "cancel"): (
        queue_guardian_change,
        lambda c, who: (change_id(c["auction"].set_launcher, c["alice"], 600),),
    ),
    ("OracleAdapter", "transfer_ownership"): (None, lambda c, who: (c["alice"],)),
    ("OracleAdapter", "accept_ownership"): (None, lambda c, who: ()),
    ("OracleAdapter", "set_feed"): (None, lambda c, who: (c["link"], c["feeds"][1], 3_600)),
    ("OracleAdapter", "set_secondary_feed"): (
        None,
        lambda c, who: (c["tokens"]["WETH"], c["feeds"][1], 3_600, 200),
    ),
    ("OracleAdapter", "set_bounds"): (None, lambda c, who: (c["tokens"]["WETH"], 1, 10**30)),
    ("OracleAdapter", "set_sequencer_feed"): (None, lambda c, who: (c["feeds"][2], 3_600)),
    ("OracleAdapter", "remove_feed"): (None, lambda c, who: (c["link"],)),
    ("OracleAdapter", "set_vault"): (None, lambda c, who: (c["vault"],)),
    ("OracleAdapter", "cancel"): (
        queue_guardian_change,
        lambda c, who: (change_id(c["adapter"].set_feed, c["tokens"]["WETH"], c["feeds"][1], 3_600),),
    ),
}


def through_contract(ctx: dict[str, Any], name: str, function: str) -> None:
    """The allowed caller is a contract: drive it through its own entry point and check that the
    function ran (its event is in the receipt)."""
    vault, rebalancer, roles = ctx["vault"], ctx["rebalancer"], ctx["roles"]
    keeper, manager = roles["keeper"], roles["manager"]
    if function in ("rebalance_trade", "on_rebalance_trade"):
        receipt = rebalancer.trade(2, 0, 0, 0, 0, deadline(ctx), sender=keeper)
        assert receipt.events.filter(vault.RebalanceTrade) and receipt.events.filter(rebalancer.Trade)
    elif function == "uniswapV3SwapCallback":
        # The pool calls back inside a trade through the V3 venue (venue 1), and is paid.
        receipt = rebalancer.trade(2, 0, 1, V3_FEE, 0, deadline(ctx), sender=keeper)
        trade = receipt.events.filter(vault.RebalanceTrade)[0]
        wbtc = ctx["tokens"]["WBTC"]
        paid = [e for e in receipt.events.filter(wbtc.Transfer) if e.receiver == ctx["pool"].address]
        assert [(e.sender, e.value) for e in paid] == [(ctx["v3_venue"].address, trade.amount_in)]
    elif (name, function) == ("DutchAuction", "swap"):
        # The Rebalancer calls it inside a bid, which pays the vault and fills the bidder.
        open_auction(ctx)
        auction, bidder = ctx["auction"], roles["stranger"]
        receipt = auction.bid(2, 0, MAX_UINT256, deadline(ctx), sender=bidder)
        assert receipt.events.filter(auction.Fill)[0].bidder == bidder.address
        assert receipt.events.filter(vault.RebalanceTrade)
    elif function == "add_component":
        receipt = rebalancer.add_component(ctx["link"], [2500, 2500, 2500, 2500], sender=manager)
        assert receipt.events.filter(vault.ComponentAdded)[0].token == ctx["link"].address
    else:
        assert (name, function) == ("IndexVault", "remove_component")
        rebalancer.add_component(ctx["link"], [5000, 3000, 2000, 0], sender=manager)
        receipt = rebalancer.remove_component(3, sender=manager)
        assert receipt.events.filter(vault.ComponentRemoved)[0].token == ctx["link"].address


CHANGE_QUEUED = "0x" + keccak(text="ChangeQueued(bytes32,bytes,uint256)").hex()


def effect_of(receipt: dict[str, Any], address: str) -> str:
    """ "queued" when the call only queued a change on `address` (its ChangeQueued log), else
    "immediate"."""
    queued = [
        log
        for log in receipt["logs"]
        if log["address"].lower() == address.lower() and log["topics"][0].lower() == CHANGE_QUEUED
    ]
    return QUEUED if queued else "immediate"


def simulation_revert(method: Any, *args: Any, sender: Any) -> bytes:
    """The raw revert data of `method(*args)` called by `sender` (it must revert)."""
    contract = method.contract
    data = "0x" + bytes(method.encode_input(*args)).hex()
    reply = contract.provider.web3.provider.make_request(
        "eth_call", [{"from": sender.address, "to": contract.address, "data": data}, "latest"]
    )
    assert "error" in reply, reply
    raw = reply["error"].get("data") or "0x"
    payload = bytes.fromhex(raw[2:])
    assert len(payload) == 100, payload.hex()
    return payload


def abi_functions(project: Any, name: str) -> set[str]:
    contract_type = getattr(project, name).contract_type
    return {
        item.name
        for item in contract_type.abi
        if item.type == "function" and item.stateMutability not in ("view", "pure")
    }


@pytest.mark.parametrize("name", list(ACCESS))
def test_access_table__abi_non_view_functions__each_has_exactly_one_rule_and_one_call(project, name):
    functions = abi_functions(project, name)
    assert functions == set(ACCESS[name]), functions ^ set(ACCESS[name])
    assert functions == {f for n, f in CALLS if n == name}


CASES = [(name, function) for name, rules in ACCESS.items() for function in rules]


@pytest.mark.parametrize(("name", "function"), CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_access__every_role__refused_by_name_unless_the_table_allows_it(ctx, name, function):
    rule = ACCESS[name][function]
    contract = {
        "IndexVault": ctx["vault"],
        "Rebalancer": ctx["rebalancer"],
        "UniswapV2Venue": ctx["v2_venue"],
        "UniswapV3Venue": ctx["v3_venue"],
        "UpkeepScout": ctx["scout"],
        "DutchAuction": ctx["auction"],
        "OracleAdapter": ctx["adapter"],
    }[name]
    method = getattr(contract, function)
    prepare, args = CALLS[(name, function)]
    chain = ctx["chain"]
    refused, allowed = [], []
    effects: dict[str, str] = {}
    for role, account in ctx["roles"].items():
        snapshot = chain.snapshot()
        try:
            if rule.always_reverts:
                # Every role: the simulation's own revert, and the transaction changes nothing.
                payload = simulation_revert(method, *args(ctx, account), sender=account)
                salt, sold, received = decode(["bytes32", "uint256", "uint256"], payload[4:])
                assert payload[:4] == SIMULATION_MARKER and salt == b"\x5a" * 32, (role, payload.hex())
                assert sold > 0 and received > 0, (role, payload.hex())
                with pytest.raises(CallReverted) as refusal:
                    send(method, *args(ctx, account), sender=account)
                assert refusal.value.reason == "", (role, refusal.value.reason)
                refused.append(role)
            elif rule.allowed == PUBLIC or role in rule.allowed:
                if prepare is not None:
                    prepare(ctx)
                receipt = send(method, *args(ctx, account), sender=account)
                effects[role] = effect_of(receipt, contract.address)
                allowed.append(role)
            else:
                with pytest.raises(CallReverted) as refusal:
                    send(method, *args(ctx, account), sender=account)
                assert refusal.value.reason == rule.reason, (role, refusal.value.reason)
                refused.append(role)
        except CallReverted as err:
            raise AssertionError(f"{name}.{function} by {role} (allowed) reverted: {err.reason!r}") from err
        finally:
            chain.restore(snapshot)
    if rule.always_reverts:
        assert set(refused) == set(ROLES) and not allowed
        return
    contract_roles = rule.allowed - set(ROLES) - PUBLIC
    if contract_roles:
        assert contract_roles in ({"rebalancer"}, {"vault"}, {"pool"})
        snapshot = chain.snapshot()
        through_contract(ctx, name, function)
        chain.restore(snapshot)
    expected_allowed = set(ROLES) if rule.allowed == PUBLIC else rule.allowed & set(ROLES)
    assert set(allowed) == expected_allowed and set(refused) == set(ROLES) - expected_allowed
    assert effects == {role: rule.effect for role in allowed}, effects


# The other direction of every setter whose classification depends on its value: CALLS above uses
# a loosening value (queued) or a tightening one (immediate); each row here uses the opposite, by the
# role the table allows. (contract, function, role, preparation, arguments, expected effect.)
def _tighter_limits(c: dict[str, Any]) -> tuple[Any, ...]:
    rb = c["rebalancer"]
    return (
        read(rb.max_slippage_bps) - 1,
        read(rb.trade_cap_usd) // 2,
        read(rb.min_trade_usd),
        read(rb.cooldown) + 60,
    )


def _set_secondary(c: dict[str, Any]) -> None:
    send(
        c["adapter"].set_secondary_feed,
        c["tokens"]["WETH"],
        c["feeds"][1],
        3_600,
        200,
        sender=c["roles"]["owner"],
    )


def _set_bounds(c: dict[str, Any]) -> None:
    send(c["adapter"].set_bounds, c["tokens"]["WETH"], 10**8, 10**30, sender=c["roles"]["owner"])


def _set_sequencer(c: dict[str, Any]) -> None:
    send(c["adapter"].set_sequencer_feed, c["feeds"][2], 3_600, sender=c["roles"]["owner"])


def _smaller_cap(c: dict[str, Any]) -> None:
    send(c["auction"].set_auction_limits, 10**24, 0, sender=c["roles"]["owner"])


def _allowlist_on(c: dict[str, Any]) -> None:
    send(c["auction"].set_allowlist_only, True, sender=c["roles"]["owner"])


VARIANTS: list[tuple[str, str, str, Prepare, Args, str]] = [
    ("IndexVault", "set_management_fee", "manager", None, lambda c, who: (0,), "immediate"),
    ("IndexVault", "set_mint_fee", "manager", None, lambda c, who: (0,), "immediate"),
    ("IndexVault", "set_redeem_fee", "manager", None, lambda c, who: (0,), "immediate"),
    ("IndexVault", "set_delay", "owner", None, lambda c, who: (86_400,), QUEUED),
    ("Rebalancer", "set_keeper", "owner", None, lambda c, who: (c["roles"]["keeper"], False), "immediate"),
    ("Rebalancer", "set_open_trading", "owner", None, lambda c, who: (False,), "immediate"),
    ("Rebalancer", "set_auction", "owner", None, lambda c, who: (ZERO_ADDRESS,), "immediate"),
    ("Rebalancer", "set_limits", "owner", None, lambda c, who: _tighter_limits(c), "immediate"),
    (
        "OracleAdapter",
        "set_secondary_feed",
        "owner",
        _set_secondary,
        lambda c, who: (c["tokens"]["WETH"], c["feeds"][1], 3_600, 300),
        QUEUED,
    ),
    (
        "OracleAdapter",
        "set_bounds",
        "owner",
        _set_bounds,
        lambda c, who: (c["tokens"]["WETH"], 10**7, 10**30),
        QUEUED,
    ),
    (
        "OracleAdapter",
        "set_sequencer_feed",
        "owner",
        _set_sequencer,
        lambda c, who: (ZERO_ADDRESS, 0),
        QUEUED,
    ),
    ("DutchAuction", "set_curve", "owner", None, lambda c, who: (100, 3_600), QUEUED),
    ("DutchAuction", "set_auction_limits", "owner", _smaller_cap, lambda c, who: (10**30, 0), QUEUED),
    ("DutchAuction", "set_launcher", "owner", None, lambda c, who: (c["alice"], 0), "immediate"),
    ("DutchAuction", "set_bidder", "owner", None, lambda c, who: (c["alice"], False), "immediate"),
    ("DutchAuction", "set_allowlist_only", "owner", _allowlist_on, lambda c, who: (False,), QUEUED),
]


@pytest.mark.parametrize(
    ("name", "function", "role", "prepare", "args", "effect"),
    VARIANTS,
    ids=[f"{v[0]}.{v[1]}-{v[5]}" for v in VARIANTS],
)
def test_access__the_opposite_value__queued_when_it_loosens_immediate_when_it_tightens(
    ctx, name, function, role, prepare, args, effect
):
    contract = {
        "IndexVault": ctx["vault"],
        "Rebalancer": ctx["rebalancer"],
        "OracleAdapter": ctx["adapter"],
        "DutchAuction": ctx["auction"],
    }[name]
    method = getattr(contract, function)
    snapshot = ctx["chain"].snapshot()
    try:
        if prepare is not None:
            prepare(ctx)
        assert ACCESS[name][function].effect != effect
        receipt = send(method, *args(ctx, ctx["roles"][role]), sender=ctx["roles"][role])
        assert effect_of(receipt, contract.address) == effect
        if effect == QUEUED:
            # Queued, not applied: the same call again before its eta is refused by name.
            with pytest.raises(CallReverted) as early:
                send(method, *args(ctx, ctx["roles"][role]), sender=ctx["roles"][role])
            assert early.value.reason == "timelock: change not due"
    finally:
        ctx["chain"].restore(snapshot)
