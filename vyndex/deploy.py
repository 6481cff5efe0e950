"""Deploying an index from a spec, and bringing an existing one in line with it.

`deploy_index(spec, deployer)` resolves and checks the spec against the chain before the first
transaction (every name in the address book, code at every token, feed and router address, a
price for every component), then deploys what is missing: the oracle adapter (feeds, staleness,
bounds, secondary feeds), the vault (units from `initial_price_usd`, weights and oracle prices),
the rebalancer (limits, plan TTL) with its venues (Uniswap V2 from the spec's router, Uniswap V3
when the spec names its factory) and an upkeep scout, and wires them: vault.set_rebalancer,
venues, keepers, target weights, fees, roles. When the spec names WETH, an IndexZap over the
rebalancer's venues and the index's adapter follows (one-token mint and redeem: `vyndex mint
--pay-with`, `--spend`, `vyndex redeem --receive`), recorded as the index's `zap`. When the spec
has an `auction` section, a DutchAuction follows: a venue and a keeper of the rebalancer and its
`auction`, with the spec's curve, execution, limits, launcher and allowlist (the keeper opens it,
bidders fill it; `Rebalancer.auction` is where every tool finds it). Every step
first reads the chain and only sends what differs, so running it again changes nothing;
`force=True` deploys fresh contracts.
Addresses are written to the network's address book after every deployment, so an interrupted
run resumes where it stopped. Once the index has holders, a step that loosens (a fee raise, a new
venue or keeper, looser limits, ...) waits out the governance delay: the run reports it as
"queued until <eta>" and sends nothing more for it until a run after the eta applies it. A
change still queued that sets what the spec decides to another value (an earlier spec's, or one
queued by hand) is cancelled, so it cannot land later against the spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from ape import chain, project
from ape.api import AccountAPI
from ape.contracts import ContractInstance
from eth_utils.crypto import keccak

from vyndex.addressbook import BookChain, IndexRecord
from vyndex.calls import quiet_call
from vyndex.constants import BPS, ZERO_ADDRESS
from vyndex.governance import PendingChange, contracts, pending
from vyndex.index import IndexHandle, erc20, has_code, is_oracle, token_symbol
from vyndex.reference.artifacts import uniswap_v2
from vyndex.spec import MAX_STORED_UNIT, AuctionSpec, IndexSpec, RebalancerSpec, SpecError, usd_wad
from vyndex.venues import deploy_rebalancer, deploy_scout

Echo = Callable[[str], None]


class DeployError(RuntimeError):
    """A deployment that cannot go on; nothing after the failing step was sent."""


@dataclass
class DeployReport:
    handle: IndexHandle
    deployed: list[str]
    changed: list[str]

    @property
    def up_to_date(self) -> bool:
        return not self.deployed and not self.changed


def _call(fn: Callable[[], str]) -> str | None:
    try:
        return fn()
    except Exception:
        return None


def _same(a: Any, b: Any) -> bool:
    return str(a).lower() == str(b).lower()


def preflight(spec: IndexSpec, deployer: AccountAPI, books: BookChain) -> IndexSpec:
    """Resolves every name and checks there is code behind every address; sends nothing."""
    resolved = spec.resolve(books.lookup, deployer=deployer.address)
    for i, c in enumerate(resolved.components):
        checks = [(c.token, f"components[{i}].token"), (c.feed.primary, f"components[{i}].feed.primary")]
        if c.feed.secondary:
            checks.append((c.feed.secondary, f"components[{i}].feed.secondary"))
        for address, where in checks:
            if not has_code(address):
                raise SpecError(where, f"no contract at {address} on this chain", spec.source)
    for address, where in ((resolved.rebalancer.router, "rebalancer.router"),) + (
        ((resolved.rebalancer.weth, "rebalancer.weth"),) if resolved.rebalancer.weth else ()
    ):
        if address and not has_code(address):
            raise SpecError(where, f"no contract at {address} on this chain", spec.source)
    if deployer.balance == 0:
        raise DeployError(f"deployer {deployer.address} has no ether for gas")
    return resolved


def compute_units(spec: IndexSpec, prices: list[int], decimals: list[int]) -> list[int]:
    """Base units of each component per whole index token, so that one token is worth
    `initial_price_usd` split by the target weights at these oracle prices (18-decimal USD)."""
    units = []
    nav = Decimal(usd_wad(spec.initial_price_usd))
    for i, (c, price, dec) in enumerate(zip(spec.components, prices, decimals, strict=True)):
        unit = int((nav * c.weight_bps * 10**dec / (BPS * Decimal(price))).to_integral_value(ROUND_FLOOR))
        if unit <= 0:
            raise SpecError(
                f"components[{i}].weight",
                "its unit rounds to zero base units: raise initial_price_usd",
                spec.source,
            )
        # The vault stores units as 18-decimal amounts: its cap in base units shrinks with decimals.
        cap = MAX_STORED_UNIT // 10 ** (18 - dec)
        if unit > cap:
            raise SpecError(
                f"components[{i}].weight",
                f"its unit ({unit} base units per index token) is over the vault's cap of "
                f"{cap}: lower initial_price_usd",
                spec.source,
            )
        units.append(unit)
    return units


def deploy_index(
    spec: IndexSpec,
    deployer: AccountAPI,
    books: BookChain,
    force: bool = False,
    echo: Echo = print,
) -> DeployReport:
    resolved = preflight(spec, deployer, books)
    book = books.primary
    existing = None if force else books.index(spec.symbol)
    deployed: list[str] = []
    changed: list[str] = []

    def reuse(role: str, vault: str | None = None) -> str | None:
        if existing is None:
            return None
        address = str(getattr(existing, role))
        if role == "oracle":
            ok = is_oracle(address)
        elif role == "vault":
            ok = (
                has_code(address)
                and _call(lambda: str(project.IndexVault.at(address).symbol())) == spec.symbol
            )
        else:
            found = _call(lambda: str(project.Rebalancer.at(address).vault())) if has_code(address) else None
            ok = found is not None and vault is not None and found.lower() == vault.lower()
        if ok:
            return address
        echo(f"{role}: the book's {address} is not this index's {role} on this chain; deploying a new one")
        return None

    asked: set[tuple[str, str]] = set()  # the (contract, change id) of every setter the spec wants
    send = sender(deployer, changed, echo, asked)

    zap_address = existing.zap if existing is not None else None
    auction_address = existing.auction if existing is not None else None

    # The block governance reads queued changes from (vyndex.governance.pending): the first record's,
    # kept by every later one, so a change this or a later run queues is always after it.
    first_block = existing.block if existing is not None else None

    def record(oracle: str, vault: str | None, rebalancer: str | None) -> None:
        nonlocal first_block
        if first_block is None:
            first_block = chain.blocks.head.number
        book.set_index(
            spec.symbol,
            IndexRecord(
                vault=vault or ZERO_ADDRESS,
                oracle=oracle,
                rebalancer=rebalancer or ZERO_ADDRESS,
                spec=spec.source,
                block=first_block,
                zap=zap_address,
                auction=auction_address,
            ),
        )
        book.save()

    # 1. The oracle adapter and its feeds.
    oracle_address = reuse("oracle")
    if oracle_address is None:
        oracle = deployer.deploy(project.OracleAdapter)
        deployed.append(f"OracleAdapter {oracle.address}")
        echo(f"deployed OracleAdapter at {oracle.address}")
        record(oracle.address, None, None)
    else:
        oracle = project.OracleAdapter.at(oracle_address)
        echo(f"OracleAdapter exists at {oracle.address}")
    configure_feeds(resolved, oracle, deployer, send)

    tokens = [erc20(c.token) for c in resolved.components]
    decimals = [int(t.decimals()) for t in tokens]
    prices = []
    for i, (c, token) in enumerate(zip(resolved.components, tokens, strict=True)):
        price, usable, code = oracle.price_status(c.token)
        if not usable:
            why = oracle.reason(code)
            raise DeployError(f"components[{i}] ({token_symbol(token)}): the oracle refuses its price: {why}")
        prices.append(int(price))

    # 2. The vault.
    vault_address = reuse("vault")
    if vault_address is None:
        units = compute_units(resolved, prices, decimals)
        guardian = resolved.roles.guardian
        vault = deployer.deploy(
            project.IndexVault,
            spec.name,
            spec.symbol,
            [c.token for c in resolved.components],
            units,
            deployer.address,  # manager for now: it sets the fees and targets, then hands over
            guardian,
            resolved.roles.fee_recipient,
        )
        deployed.append(f"IndexVault {vault.address}")
        echo(f"deployed IndexVault {spec.symbol} at {vault.address}")
        record(oracle.address, vault.address, None)
    else:
        vault = project.IndexVault.at(vault_address)
        echo(f"IndexVault exists at {vault.address}")
        listed = [str(a).lower() for a in vault.components()[0]]
        wanted = [c.token.lower() for c in resolved.components]
        if listed != wanted:
            raise DeployError(
                f"the deployed vault's components {listed} differ from the spec's {wanted}: "
                "components change through the rebalancer (add_component/remove_component), "
                "or deploy a new index with --force"
            )

    # 3. The rebalancer.
    rb = resolved.rebalancer
    rebalancer_address = reuse("rebalancer", vault.address)
    wanted_venues = venue_factories(rb)
    if rebalancer_address is None:
        venues = []
        for kind, factory in wanted_venues:
            venue = deployer.deploy(getattr(project, kind), factory, rb.weth or ZERO_ADDRESS)
            deployed.append(f"{kind} {venue.address}")
            echo(f"deployed {kind} at {venue.address} (factory {factory})")
            venues.append(venue)
        scout = deploy_scout(deployer)
        deployed.append(f"UpkeepScout {scout.address}")
        rebalancer = deploy_rebalancer(
            deployer,
            vault,
            oracle,
            venues,
            scout=scout,
            drift_threshold_bps=rb.drift_threshold_bps,
            max_slippage_bps=rb.max_slippage_bps,
            trade_cap_usd_wad=usd_wad(rb.trade_cap_usd),
            min_trade_usd_wad=usd_wad(rb.min_trade_usd),
            cooldown=rb.cooldown,
            plan_ttl=rb.plan_ttl,
        )
        deployed.append(f"Rebalancer {rebalancer.address}")
        echo(f"deployed Rebalancer at {rebalancer.address}")
    else:
        rebalancer = project.Rebalancer.at(rebalancer_address)
        echo(f"Rebalancer exists at {rebalancer.address}")
    record(oracle.address, vault.address, rebalancer.address)

    # 4. Wiring, each step only if the chain differs from the spec.
    is_manager = _same(vault.manager(), deployer.address)

    def as_manager(what: str) -> None:
        if not is_manager:
            raise DeployError(
                f"{what} differs from the spec, but {deployer.address} is no longer the manager"
            )

    fees = resolved.fees
    for getter, setter, value, label in (
        (vault.management_fee, vault.set_management_fee, fees.management_fee_wad, "set_management_fee"),
        (vault.mint_fee_bps, vault.set_mint_fee, fees.mint_fee_bps, "set_mint_fee"),
        (vault.redeem_fee_bps, vault.set_redeem_fee, fees.redeem_fee_bps, "set_redeem_fee"),
    ):
        if int(getter()) != value:
            as_manager(label)
            send(f"vault.{label}({value})", setter, value)
    # Bound to its vault, the adapter's feed changes wait out the vault's governance delay.
    if not _same(oracle.vault(), vault.address):
        send("oracle.set_vault", oracle.set_vault, vault.address)
    if not _same(vault.rebalancer(), rebalancer.address):
        send("vault.set_rebalancer", vault.set_rebalancer, rebalancer.address)
    if not _same(vault.guardian(), resolved.roles.guardian):
        send("vault.set_guardian", vault.set_guardian, resolved.roles.guardian)
    if not _same(vault.fee_recipient(), resolved.roles.fee_recipient):
        send("vault.set_fee_recipient", vault.set_fee_recipient, resolved.roles.fee_recipient)

    present = {(v.contract_type.name, str(v.factory()).lower()) for v in list_venues(rebalancer)}
    for kind, factory in wanted_venues:
        if (kind, factory.lower()) not in present:
            venue = deployer.deploy(getattr(project, kind), factory, rb.weth or ZERO_ADDRESS)
            deployed.append(f"{kind} {venue.address}")
            send(f"rebalancer.add_venue({kind})", rebalancer.add_venue, venue.address)
    if int(rebalancer.plan_ttl()) != rb.plan_ttl:
        as_manager("plan ttl")
        send("rebalancer.set_plan_ttl", rebalancer.set_plan_ttl, rb.plan_ttl)
    limits = (rb.max_slippage_bps, usd_wad(rb.trade_cap_usd), usd_wad(rb.min_trade_usd), rb.cooldown)
    current = (
        int(rebalancer.max_slippage_bps()),
        int(rebalancer.trade_cap_usd()),
        int(rebalancer.min_trade_usd()),
        int(rebalancer.cooldown()),
    )
    if current != limits:
        send("rebalancer.set_limits", rebalancer.set_limits, *limits)
    if int(rebalancer.drift_threshold_bps()) != rb.drift_threshold_bps:
        as_manager("drift threshold")
        send("rebalancer.set_drift_threshold", rebalancer.set_drift_threshold, rb.drift_threshold_bps)
    for keeper in resolved.roles.keepers:
        if not rebalancer.keepers(keeper):
            send(f"rebalancer.set_keeper({keeper})", rebalancer.set_keeper, keeper, True)
    if bool(rebalancer.open_trading()) != rb.open_trading:
        send("rebalancer.set_open_trading", rebalancer.set_open_trading, rb.open_trading)
    if [int(w) for w in rebalancer.target_weights()] != spec.weights_bps:
        as_manager("target weights")
        send(f"rebalancer.set_targets({spec.weights_bps})", rebalancer.set_targets, spec.weights_bps)

    # 5. The zap: stateless and ownerless, over the rebalancer's venues and the index's adapter.
    zap = ensure_zap(rebalancer, oracle, rb.weth, zap_address, deployer, echo)
    if zap is not None and zap != zap_address:
        zap_address = zap
        deployed.append(f"IndexZap {zap}")
        record(oracle.address, vault.address, rebalancer.address)

    # 6. The Dutch auction, when the spec has one.
    auction = None
    if resolved.auction is not None:
        auction = ensure_auction(
            resolved.auction,
            rebalancer,
            deployer,
            deployed,
            send,
            echo,
            known=auction_address,
            since=first_block or 0,
        )
        if not _same(auction.address, auction_address):
            auction_address = str(auction.address)
            record(oracle.address, vault.address, rebalancer.address)

    # 7. Hand the roles over last: the deployer needed them for the steps above.
    if not _same(vault.manager(), resolved.roles.manager):
        send("vault.set_manager", vault.set_manager, resolved.roles.manager)
    owner = resolved.roles.owner
    owned = [("oracle", oracle), ("vault", vault), ("rebalancer", rebalancer)]
    if auction is not None:
        owned.append(("auction", auction))
    for label, contract in owned:
        if not _same(contract.owner(), owner) and not _same(contract.pending_owner(), owner):
            send(f"{label}.transfer_ownership", contract.transfer_ownership, owner)
            echo(f"  {owner} must call {label}.accept_ownership() to take over")

    handle = IndexHandle.attach(spec.symbol, book.indexes[spec.symbol])
    # 8. A change queued earlier that the spec no longer asks for would land against it later.
    cancel_unasked(handle, resolved, asked, deployer, changed, echo, auction=auction_address)
    if not deployed and not changed:
        echo(f"{spec.symbol}: up to date, nothing sent")
    return DeployReport(handle=handle, deployed=deployed, changed=changed)


Send = Callable[..., None]


def sender(
    account: AccountAPI, changed: list[str], echo: Echo, asked: set[tuple[str, str]] | None = None
) -> Send:
    """`send(what, setter, *args)`: sends a setter from `account` and records it in `changed`.

    A setter that loosens, once the index has holders, waits out the governance delay: its first
    call queues it and the same call after the eta applies it. A re-run before the eta reports the
    pending change instead of sending (the call would revert "not due"). Each call's (contract,
    change id) goes into `asked`: what the spec wants, which `cancel_unasked` keeps."""

    def send(what: str, fn: Any, *args: Any) -> None:
        change_id = keccak(bytes(fn.encode_input(*args)))
        if asked is not None:
            asked.add((str(fn.contract.address).lower(), "0x" + change_id.hex()))
        eta = int(fn.contract.eta(change_id))
        if eta > chain.pending_timestamp:
            changed.append(f"{what} queued until {eta}")
            echo(f"  {what}: queued until {eta} (unix time); run again after it to apply")
            return
        receipt = fn(*args, sender=account)
        queued = [log for log in receipt.decode_logs() if log.event_name == "ChangeQueued"]
        if queued:
            eta = int(queued[0].eta)
            changed.append(f"{what} queued until {eta}")
            echo(f"  {what}: queued until {eta} (unix time, gas {receipt.gas_used}); run again after it")
            return
        changed.append(what)
        echo(f"  {what} (gas {receipt.gas_used})")

    return send


# The setters whose whole value the spec decides, by target (a change queued to another value
# would land against it). Others (a venue, a keeper or a feed the spec does not name, the delay,
# a leg's execution) the spec leaves to governance, and a deploy run leaves them queued.
SPEC_SETTERS = {
    "vault": {
        "set_management_fee",
        "set_mint_fee",
        "set_redeem_fee",
        "set_guardian",
        "set_fee_recipient",
        "set_manager",
        "set_rebalancer",
    },
    "rebalancer": {"set_plan_ttl", "set_limits", "set_drift_threshold", "set_open_trading", "set_targets"},
    "oracle": {"set_vault"},
    "auction": {
        "set_curve",
        "set_auction_limits",
        "set_default_execution",
        "set_launcher",
        "set_allowlist_only",
    },
}


def spec_sets(change: PendingChange, spec: IndexSpec) -> bool:
    """Whether `spec` (resolved) decides what `change` would set: then a change it did not ask for
    is against it."""
    args = list(change.args.values())
    if change.target == "auction" or (change.target, change.method) == ("rebalancer", "set_auction"):
        if spec.auction is None:
            return False  # no auction section: the spec leaves the auction alone
        if change.method == "set_bidder":  # a listed allowlist is the whole of it
            bidders = {b.lower() for b in spec.auction.bidders or ()}
            return spec.auction.bidders is not None and bool(args[1]) and str(args[0]).lower() not in bidders
        if change.method == "set_auction":
            return True
    if change.target == "oracle" and change.method in ("set_feed", "set_bounds", "set_secondary_feed"):
        return str(args[0]).lower() in {c.token.lower() for c in spec.components}
    return change.method in SPEC_SETTERS.get(change.target, set())


def cancel_unasked(
    handle: IndexHandle,
    spec: IndexSpec,
    asked: set[tuple[str, str]],
    account: AccountAPI,
    changed: list[str],
    echo: Echo,
    auction: str | None = None,
) -> None:
    """Cancels every change still queued on the index's contracts that sets what `spec` (resolved)
    decides, to a value this run did not ask for (`asked`, filled by `sender`): an earlier spec's
    value, a bidder since dropped from a listed allowlist, a limit queued by hand; after its eta it
    would land against the spec. Cancelling tightens, so it is at once. Where `account` may not
    cancel (neither owner nor guardian), the change is reported with the command that cancels it,
    and the run does not call the index up to date. A change of something the spec does not decide
    (a venue, keeper or feed it does not name, the delay) is left queued and named."""
    queued = pending(handle, auction=auction)
    if not queued:
        return  # the usual run: nothing to look up
    now = int(chain.pending_timestamp)
    governed = contracts(handle, auction)
    for change in queued:
        if (change.contract.lower(), change.id) in asked or change.status(now) == "expired":
            continue  # the spec's own, or past its grace period: it can never be applied
        if not spec_sets(change, spec):
            echo(f"  {change.signature()}: queued until {change.eta}, left queued (the spec does not set it)")
            continue
        contract = governed[change.target]
        raw_id = bytes.fromhex(change.id[2:])
        if quiet_call(contract.cancel, raw_id, sender=account).refusal is None:
            receipt = contract.cancel(raw_id, sender=account)
            changed.append(f"{change.signature()} cancelled (queued until {change.eta}, not in the spec)")
            echo(f"  {change.signature()}: queued, not in the spec: cancelled (gas {receipt.gas_used})")
        else:
            changed.append(f"{change.signature()} queued until {change.eta}, not in the spec")
            echo(
                f"  {change.signature()}: queued until {change.eta}, not in the spec; {account.address}"
                f" may not cancel it: its guardian or owner can (vyndex governance cancel {change.id})"
            )


def ensure_auction(
    spec: AuctionSpec,
    rebalancer: ContractInstance,
    deployer: AccountAPI,
    deployed: list[str],
    send: Send,
    echo: Echo,
    known: str | None = None,
    since: int = 0,
) -> ContractInstance:
    """The rebalancer's DutchAuction as `spec` (resolved) describes it: the one `Rebalancer.auction`
    names, or a new one listed as a venue, made a keeper and set as the rebalancer's auction; then
    each setting that differs from the spec, through `send` (loosening ones wait out the delay
    once the index has holders). With an allowlist, the spec's bidders are the whole of it: a
    bidder allowed on chain but no longer in the spec is removed (at once: removing tightens),
    found from the auction's BidderAllowed logs since block `since` (the address book's first
    block). Without one (anyone bids), the allowlist's entries are left as they are."""
    # The rebalancer's, else `known` (the address book's: its wiring may still wait out the delay).
    found = [
        a
        for a in (str(rebalancer.auction()), known)
        if a and a != ZERO_ADDRESS and has_code(a) and _same(_auctioned(a), rebalancer.address)
    ]
    if found:
        auction = project.DutchAuction.at(found[0])
        echo(f"DutchAuction exists at {auction.address}")
    else:
        auction = deployer.deploy(project.DutchAuction, rebalancer, spec.premium_bps, spec.length)
        deployed.append(f"DutchAuction {auction.address}")
        echo(f"deployed DutchAuction at {auction.address}")

    def listed() -> bool:
        venues = [str(rebalancer.venues(i)) for i in range(int(rebalancer.venue_count()))]
        return any(_same(v, auction.address) for v in venues)

    if not listed():
        send("rebalancer.add_venue(DutchAuction)", rebalancer.add_venue, auction.address)
    if not rebalancer.keepers(auction.address):
        send("rebalancer.set_keeper(DutchAuction)", rebalancer.set_keeper, auction.address, True)
    if not _same(rebalancer.auction(), auction.address):
        if listed():
            send("rebalancer.set_auction", rebalancer.set_auction, auction.address)
        else:  # the rebalancer takes only a listed venue as its auction
            echo("  rebalancer.set_auction: once add_venue is applied (run again after its eta)")
    if not _same(auction.owner(), deployer.address):
        if _auction_matches(auction, spec, since):
            return auction
        raise DeployError(
            f"the DutchAuction's settings differ from the spec, but {deployer.address} is not its owner"
        )
    if (int(auction.premium_bps()), int(auction.auction_length())) != (spec.premium_bps, spec.length):
        send("auction.set_curve", auction.set_curve, spec.premium_bps, spec.length)
    cap = usd_wad(spec.cap_usd) if spec.cap_usd is not None else int(auction.MAX_AUCTION_CAP_USD())
    if (int(auction.auction_cap_usd()), int(auction.amm_window())) != (cap, spec.amm_window):
        send("auction.set_auction_limits", auction.set_auction_limits, cap, spec.amm_window)
    if int(auction.default_execution()) != spec.execution_mode:
        send(
            f"auction.set_default_execution({spec.execution})",
            auction.set_default_execution,
            spec.execution_mode,
        )
    launcher = spec.launcher or ZERO_ADDRESS
    if not _same(auction.launcher(), launcher) or int(auction.launcher_window()) != spec.launcher_window:
        send("auction.set_launcher", auction.set_launcher, launcher, spec.launcher_window)
    for bidder in spec.bidders or ():
        if not auction.allowed(bidder):
            send(f"auction.set_bidder({bidder})", auction.set_bidder, bidder, True)
    for bidder in _extra_bidders(auction, spec, since):
        send(f"auction.set_bidder({bidder}, False)", auction.set_bidder, bidder, False)
    if bool(auction.allowlist_only()) != (spec.bidders is not None):
        send("auction.set_allowlist_only", auction.set_allowlist_only, spec.bidders is not None)
    return auction


def allowed_bidders(auction: ContractInstance, since: int = 0) -> list[str]:
    """The bidders `auction` allows now, in the order first allowed: the allowlist is a mapping
    (it cannot be listed), so every bidder a BidderAllowed log since block `since` names, kept
    where `allowed` still says so."""
    head = int(chain.blocks.head.number)
    named = dict.fromkeys(str(log.bidder) for log in auction.BidderAllowed.range(since, head + 1))
    return [b for b in named if auction.allowed(b)]


def _extra_bidders(auction: ContractInstance, spec: AuctionSpec, since: int) -> list[str]:
    """Allowed on chain, not in the spec's allowlist (none when the spec lets anyone bid)."""
    if spec.bidders is None:
        return []
    wanted = {b.lower() for b in spec.bidders}
    return [b for b in allowed_bidders(auction, since) if b.lower() not in wanted]


def _auctioned(auction: str) -> str | None:
    """The rebalancer the DutchAuction at `auction` serves, or None if it is not one."""
    return _call(lambda: str(project.DutchAuction.at(auction).rebalancer()))


def _auction_matches(auction: ContractInstance, spec: AuctionSpec, since: int) -> bool:
    cap = usd_wad(spec.cap_usd) if spec.cap_usd is not None else int(auction.MAX_AUCTION_CAP_USD())
    return (
        (int(auction.premium_bps()), int(auction.auction_length())) == (spec.premium_bps, spec.length)
        and (int(auction.auction_cap_usd()), int(auction.amm_window())) == (cap, spec.amm_window)
        and int(auction.default_execution()) == spec.execution_mode
        and _same(auction.launcher(), spec.launcher or ZERO_ADDRESS)
        and int(auction.launcher_window()) == spec.launcher_window
        and bool(auction.allowlist_only()) == (spec.bidders is not None)
        and all(auction.allowed(b) for b in spec.bidders or ())
        and not _extra_bidders(auction, spec, since)
    )


def ensure_zap(
    rebalancer: ContractInstance,
    oracle: ContractInstance,
    weth: str | None,
    current: str | None,
    deployer: AccountAPI,
    echo: Echo,
) -> str | None:
    """The index's IndexZap: `current` when it is one over exactly the rebalancer's venues (in
    order), WETH and `oracle`; else a new one. None when the spec names no WETH (the zap wraps
    ETH into it) or the rebalancer lists no venue."""
    from vyndex.zap import deploy_zap

    venues = [str(v.address) for v in list_venues(rebalancer)]
    if not weth or not venues:
        echo("no zap: it needs WETH in the spec (rebalancer.weth) and a venue")
        return None
    if current and has_code(current) and _zap_matches(current, venues, weth, oracle):
        echo(f"IndexZap exists at {current}")
        return current
    zap = deploy_zap(deployer, venues, weth, oracle)
    echo(f"deployed IndexZap at {zap.address} (venues {', '.join(venues)})")
    return str(zap.address)


def _zap_matches(address: str, venues: list[str], weth: str, oracle: ContractInstance) -> bool:
    try:
        zap = project.IndexZap.at(address)
        return (
            _same(zap.oracle(), oracle.address)
            and _same(zap.weth(), weth)
            and [str(v).lower() for v in zap.venues()] == [v.lower() for v in venues]
        )
    except Exception:
        return False


def venue_factories(rb: RebalancerSpec) -> list[tuple[str, str]]:
    """The venues a spec asks for: (contract name, factory address), Uniswap V2's factory read from
    its router."""
    wanted = [("UniswapV2Venue", str(uniswap_v2("UniswapV2Router02").at(rb.router).factory()))]
    if rb.uniswap_v3_factory:
        wanted.append(("UniswapV3Venue", rb.uniswap_v3_factory))
    return wanted


def list_venues(rebalancer: ContractInstance) -> list[ContractInstance]:
    """The rebalancer's venue contracts, each at its own contract type."""
    found = []
    for i in range(int(rebalancer.venue_count())):
        address = str(rebalancer.venues(i))
        for kind in ("UniswapV2Venue", "UniswapV3Venue"):
            contract: ContractInstance = getattr(project, kind).at(address)
            if _venue_kind(contract) == kind:
                found.append(contract)
                break
    return found


def _venue_kind(contract: ContractInstance) -> str | None:
    """'UniswapV2Venue' or 'UniswapV3Venue' by what the contract answers (each has its own hash)."""
    try:
        if contract.contract_type.name == "UniswapV2Venue":
            contract.PAIR_INIT_CODE_HASH()
        else:
            contract.POOL_INIT_CODE_HASH()
        return contract.contract_type.name
    except Exception:
        return None


def configure_feeds(spec: IndexSpec, oracle: ContractInstance, deployer: AccountAPI, send: Any) -> None:
    """Sets each component's primary feed, staleness, bounds and secondary feed where they differ."""
    for c in spec.components:
        f = c.feed
        cfg = oracle.feed_config(c.token)
        lower, upper = usd_wad(f.min_price_usd), usd_wad(f.max_price_usd)
        sec_feed = f.secondary or ZERO_ADDRESS
        sec_stale = (f.secondary_staleness or f.staleness) if f.secondary else 0
        deviation = (f.max_deviation_bps or 0) if f.secondary else 0
        want = (
            (f.primary.lower(), f.staleness),
            (sec_feed.lower(), sec_stale, deviation),
            (lower, upper),
        )
        have = (
            (str(cfg.feed).lower(), int(cfg.max_staleness)),
            (str(cfg.secondary_feed).lower(), int(cfg.secondary_max_staleness), int(cfg.max_deviation_bps)),
            (int(cfg.lower_bound), int(cfg.upper_bound)),
        )
        if want == have:
            continue
        if not _same(oracle.owner(), deployer.address):
            raise DeployError(
                f"the oracle's feed for {c.token} differs from the spec, but the deployer is not its owner"
            )
        if want[0] != have[0]:
            send(f"oracle.set_feed({c.token})", oracle.set_feed, c.token, f.primary, f.staleness)
        if want[2] != have[2]:
            send(f"oracle.set_bounds({c.token})", oracle.set_bounds, c.token, lower, upper)
        if want[1] != have[1]:
            send(
                f"oracle.set_secondary_feed({c.token})",
                oracle.set_secondary_feed,
                c.token,
                sec_feed,
                sec_stale,
                deviation,
            )


def unit_value_check(units: list[int], prices: list[int], decimals: list[int]) -> int:
    """USD value (18 decimals) of one whole index token with these units: for tests and status."""
    return sum(u * p // 10**d for u, p, d in zip(units, prices, decimals, strict=True))


__all__ = [
    "DeployError",
    "DeployReport",
    "allowed_bidders",
    "compute_units",
    "deploy_index",
    "ensure_auction",
    "preflight",
    "sender",
]
