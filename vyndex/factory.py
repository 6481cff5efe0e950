"""The index factory from Python: deploy one, create an index through it from a spec, read its
registry.

`deploy_factory(deployer, v2_factory=..., weth=...)` declares the four blueprints (EIP-5202, Ape's
`account.declare`), deploys the shared scout and venues, and the factory over them.
`create_from_spec(factory, spec, creator, books)` turns a resolved spec into `CreateParams`
(units from the feeds' current answers and `initial_price_usd`), approves exactly the seed,
calls `IndexFactory.create`, accepts ownership of the three contracts, and records the index in
the address book. `registry(factory)` lists what a factory made, in creation order.

The factory makes the creator the owner (two-step: `accept_ownership` here) and the spec's
manager, guardian, fee recipient and keepers its roles. A spec whose owner is not the creator gets
a second two-step transfer proposed to that owner.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, field
from typing import Any

from ape import chain, project
from ape.api import AccountAPI
from ape.contracts import ContractInstance
from eth_utils.address import to_checksum_address

from vyndex.addressbook import BookChain, IndexRecord
from vyndex.constants import BPS, WAD, ZERO_ADDRESS
from vyndex.deploy import compute_units, preflight, venue_factories
from vyndex.index import erc20, has_code
from vyndex.spec import IndexSpec, usd_wad

FACTORY_NAME = "IndexFactory"
DEFAULT_INITIAL_SHARES = 10 * WAD
Echo = Callable[[str], None]


class FactoryError(RuntimeError):
    """A creation that cannot go on; nothing was sent."""


@dataclass(frozen=True)
class ComponentParams:
    """One component of `IndexFactory.CreateParams` (field order is the struct's)."""

    token: str
    unit: int  # base units per whole index token
    weight_bps: int
    feed: str
    max_staleness: int
    lower_bound: int = 0
    upper_bound: int = 0
    secondary_feed: str = ZERO_ADDRESS
    secondary_max_staleness: int = 0
    max_deviation_bps: int = 0


@dataclass(frozen=True)
class CreateParams:
    """`IndexFactory.CreateParams` (field order is the struct's)."""

    name: str
    symbol: str
    components: tuple[ComponentParams, ...]
    manager: str
    guardian: str
    fee_recipient: str
    keepers: tuple[str, ...]
    drift_threshold_bps: int
    max_slippage_bps: int
    trade_cap_usd: int
    min_trade_usd: int
    cooldown: int
    plan_ttl: int
    management_fee: int = 0
    mint_fee_bps: int = 0
    redeem_fee_bps: int = 0
    initial_shares: int = DEFAULT_INITIAL_SHARES
    max_amounts_in: tuple[int, ...] = ()
    nav_feed_description: str = ""

    def as_tuple(self) -> tuple[Any, ...]:
        values = list(astuple(self))
        values[2] = [astuple(c) for c in self.components]
        values[6] = list(self.keepers)
        values[17] = list(self.max_amounts_in or self.seed_amounts())
        return tuple(values)

    def seed_amounts(self) -> list[int]:
        """What the seed mint takes of each component: ceil(gross * unit / 1e18), as the empty
        vault's `preview_mint` computes it (scale 1e18; gross = shares plus the mint fee, rounded
        up: the factory sets the fees before the seed, while they apply at once)."""
        gross = self.initial_shares + -(-(self.initial_shares * self.mint_fee_bps) // BPS)
        return [-(-gross * c.unit // WAD) for c in self.components]

    @property
    def tokens(self) -> list[str]:
        return [c.token for c in self.components]


@dataclass(frozen=True)
class RegistryEntry:
    """`IndexFactory.index_info(vault)`."""

    vault: str
    rebalancer: str
    oracle: str
    nav_feed: str | None
    creator: str
    id: int
    created_at: int


@dataclass
class CreatedIndex:
    entry: RegistryEntry
    symbol: str
    gas_used: int
    seed: list[int] = field(default_factory=list)
    name: str = ""  # its name in the address book (SYMBOL, or SYMBOL@<id> for a second SYMBOL)
    zap: str | None = None  # the IndexZap deployed beside it (one-token mint and redeem), if any
    auction: str | None = None  # the DutchAuction the spec asked for, if any
    # What adding the auction sent or queued (the seed made holders: what loosens waits the delay).
    auction_changes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Deploying a factory
# ---------------------------------------------------------------------------------------------


def declare(deployer: AccountAPI, container: Any) -> str:
    """Writes `container`'s blueprint (EIP-5202 header, 3 bytes) and returns its address."""
    receipt = deployer.declare(container)
    address = receipt.contract_address
    if not address:
        raise FactoryError(f"declaring {container.contract_type.name} created no contract")
    return str(address)


# IndexFactory.CHUNK and TAIL: a split blueprint's head holds exactly CHUNK bytes of init code,
# its tail the rest zero-padded to TAIL bytes.
CHUNK = 12_288
TAIL = 24_573


def declare_split(deployer: AccountAPI, container: Any) -> tuple[list[str], int]:
    """Writes `container`'s init code as two blueprints, its first CHUNK bytes and the rest (the
    vault's init code is over EIP-170's limit for one contract); returns them and its length."""
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    code = bytes(container.contract_type.deployment_bytecode.to_bytes())
    if not CHUNK < len(code) <= CHUNK + TAIL:
        raise FactoryError(f"{container.contract_type.name}: init code does not fit a split blueprint")
    halves = []
    for i, part in enumerate((code[:CHUNK], code[CHUNK:].ljust(TAIL, b"\0"))):
        ct = ContractType.model_validate(
            {
                "contractName": f"{container.contract_type.name}Part{i}",
                "abi": [],
                "deploymentBytecode": {"bytecode": "0x" + part.hex()},
            }
        )
        halves.append(declare(deployer, ContractContainer(ct)))
    return halves, len(code)


def deploy_factory(
    deployer: AccountAPI,
    *,
    v2_factory: Any,
    weth: Any | None = None,
    v3_factory: Any | None = None,
    nav_feeds: bool = True,
    scout: Any | None = None,
    venues: Sequence[Any] | None = None,
) -> ContractInstance:
    """Blueprints, the shared scout and venues (deployed unless given), and the factory."""
    blueprints = [
        *declare_split(deployer, project.IndexVault),
        *declare_split(deployer, project.Rebalancer),
        declare(deployer, project.OracleAdapter),
    ]
    nav = declare(deployer, project.IndexNavFeed) if nav_feeds else ZERO_ADDRESS
    scout_address = _addr(scout) if scout is not None else str(deployer.deploy(project.UpkeepScout).address)
    if venues is None:
        weth_address = _addr(weth) if weth else ZERO_ADDRESS
        venues = [deployer.deploy(project.UniswapV2Venue, _addr(v2_factory), weth_address)]
        if v3_factory:
            venues.append(deployer.deploy(project.UniswapV3Venue, _addr(v3_factory), weth_address))
    return deployer.deploy(project.IndexFactory, *blueprints, nav, scout_address, [_addr(v) for v in venues])


def deploy_factory_for_spec(spec: IndexSpec, deployer: AccountAPI, books: BookChain) -> ContractInstance:
    """A factory whose venues are the ones the (resolved) spec's rebalancer section names;
    recorded in the book as `IndexFactory`."""
    resolved = spec.resolve(books.lookup, deployer=deployer.address)
    venues = []
    for kind, fac in venue_factories(resolved.rebalancer):
        venues.append(deployer.deploy(getattr(project, kind), fac, resolved.rebalancer.weth or ZERO_ADDRESS))
    factory = deploy_factory(deployer, v2_factory=ZERO_ADDRESS, venues=venues)
    books.primary.set(FACTORY_NAME, factory.address)
    books.primary.save()
    return factory


def find_factory(books: BookChain, name_or_address: str | None = None) -> ContractInstance:
    """The factory the book names `IndexFactory` (or the given name or address)."""
    wanted = name_or_address or FACTORY_NAME
    address = wanted if wanted.startswith("0x") else books.lookup(wanted)
    if not address or not has_code(address):
        raise FactoryError(
            f"no index factory '{wanted}' on this chain: deploy one (`vyndex create --deploy-factory`)"
        )
    return project.IndexFactory.at(address)


# ---------------------------------------------------------------------------------------------
# From a spec to CreateParams
# ---------------------------------------------------------------------------------------------


def feed_price(feed: str) -> int:
    """A Chainlink-style feed's latest answer as an 18-decimal USD price (0 when unusable)."""
    from vyndex.status import _AGGREGATOR

    agg = chain.contracts.instance_at(feed, contract_type=_AGGREGATOR)
    answer = int(agg.latestRoundData()[1])
    decimals = int(agg.decimals())
    return max(answer, 0) * 10 ** (18 - decimals)


def params_from_spec(
    spec: IndexSpec,
    *,
    initial_shares: int = DEFAULT_INITIAL_SHARES,
    nav_feed_description: str = "",
    slack_bps: int = 0,
) -> CreateParams:
    """CreateParams from a resolved spec: units at the feeds' current answers so that one index
    token is worth `initial_price_usd` split by the weights (as `vyndex deploy` computes them).
    `max_amounts_in` is the seed plus `slack_bps` (0: exactly the seed)."""
    prices = [feed_price(c.feed.primary) for c in spec.components]
    decimals = [int(erc20(c.token).decimals()) for c in spec.components]
    units = compute_units(spec, prices, decimals)
    rb, roles, fees = spec.rebalancer, spec.roles, spec.fees
    components = []
    for c, unit in zip(spec.components, units, strict=True):
        f = c.feed
        components.append(
            ComponentParams(
                token=to_checksum_address(c.token),
                unit=unit,
                weight_bps=c.weight_bps,
                feed=to_checksum_address(f.primary),
                max_staleness=f.staleness,
                lower_bound=usd_wad(f.min_price_usd),
                upper_bound=usd_wad(f.max_price_usd),
                secondary_feed=to_checksum_address(f.secondary) if f.secondary else ZERO_ADDRESS,
                secondary_max_staleness=(f.secondary_staleness or f.staleness) if f.secondary else 0,
                max_deviation_bps=(f.max_deviation_bps or 0) if f.secondary else 0,
            )
        )
    params = CreateParams(
        name=spec.name,
        symbol=spec.symbol,
        components=tuple(components),
        manager=roles.manager,
        guardian=roles.guardian,
        fee_recipient=roles.fee_recipient,
        keepers=tuple(roles.keepers),
        drift_threshold_bps=rb.drift_threshold_bps,
        max_slippage_bps=rb.max_slippage_bps,
        trade_cap_usd=usd_wad(rb.trade_cap_usd),
        min_trade_usd=usd_wad(rb.min_trade_usd),
        cooldown=rb.cooldown,
        plan_ttl=rb.plan_ttl,
        management_fee=fees.management_fee_wad,
        mint_fee_bps=fees.mint_fee_bps,
        redeem_fee_bps=fees.redeem_fee_bps,
        initial_shares=initial_shares,
        nav_feed_description=nav_feed_description,
    )
    seed = params.seed_amounts()
    return _replace_max(params, [a + a * slack_bps // BPS for a in seed])


def seed_of_spec(
    spec: IndexSpec, creator: str, books: BookChain, initial_shares: int = DEFAULT_INITIAL_SHARES
) -> list[tuple[str, int]]:
    """(token, base units) the creator pays for the seed mint of `initial_shares` when creating
    `spec` now (units at the feeds' current answers, as `create_from_spec` computes them)."""
    params = params_from_spec(spec.resolve(books.lookup, deployer=creator), initial_shares=initial_shares)
    return list(zip(params.tokens, params.seed_amounts(), strict=True))


def _replace_max(params: CreateParams, max_amounts: list[int]) -> CreateParams:
    from dataclasses import replace

    return replace(params, max_amounts_in=tuple(max_amounts))


# ---------------------------------------------------------------------------------------------
# Creating
# ---------------------------------------------------------------------------------------------


def approve_seed(factory: Any, creator: AccountAPI, params: CreateParams) -> list[int]:
    """Approves the factory for exactly the seed of each component (where the allowance is short)."""
    amounts = params.seed_amounts()
    for token, amount in zip(params.tokens, amounts, strict=True):
        t = erc20(token)
        if int(t.allowance(creator.address, _addr(factory))) < amount:
            t.approve(_addr(factory), amount, sender=creator)
    return amounts


def create(
    factory: ContractInstance,
    creator: AccountAPI,
    params: CreateParams,
    *,
    approve: bool = True,
    accept: bool = True,
) -> CreatedIndex:
    """Approves the seed, creates the index, and (by default) accepts ownership of its contracts."""
    seed = approve_seed(factory, creator, params) if approve else params.seed_amounts()
    receipt = factory.create(params.as_tuple(), sender=creator)
    events = list(receipt.decode_logs(factory.IndexCreated))
    if not events:
        raise FactoryError("create sent no IndexCreated event")
    entry = entry_of(factory, str(events[0].vault))
    if accept:
        accept_ownership(entry, creator)
    return CreatedIndex(entry=entry, symbol=params.symbol, gas_used=int(receipt.gas_used), seed=seed)


def accept_ownership(entry: RegistryEntry, creator: AccountAPI) -> None:
    """The creator takes over the vault, rebalancer and adapter the factory proposed it for."""
    for contract in (
        project.IndexVault.at(entry.vault),
        project.Rebalancer.at(entry.rebalancer),
        project.OracleAdapter.at(entry.oracle),
    ):
        if str(contract.pending_owner()).lower() == creator.address.lower():
            contract.accept_ownership(sender=creator)


def create_from_spec(
    factory: ContractInstance,
    spec: IndexSpec,
    creator: AccountAPI,
    books: BookChain,
    *,
    initial_shares: int = DEFAULT_INITIAL_SHARES,
    nav_feed_description: str = "",
    zap: bool = True,
    echo: Echo = print,
) -> CreatedIndex:
    """Checks and resolves the spec, creates the index through `factory` (the creator pays the
    seed), takes ownership, applies what the factory does not set (open trading, a different
    owner), deploys an IndexZap beside it as `vyndex deploy` does (when `zap` and the spec names
    WETH; stateless and ownerless, so the creator keeps nothing), and records the index in the
    address book under its symbol."""
    resolved = preflight(spec, creator, books)
    params = params_from_spec(
        resolved, initial_shares=initial_shares, nav_feed_description=nav_feed_description
    )
    for token, amount in zip(params.tokens, params.seed_amounts(), strict=True):
        held = int(erc20(token).balanceOf(creator.address))
        if held < amount:
            raise FactoryError(
                f"the seed needs {amount} base units of {token}; {creator.address} holds {held}"
            )
    created = create(factory, creator, params)
    created_block = chain.blocks.head.number  # governance reads queued changes from here on
    entry = created.entry
    created.name = spec.symbol if books.index(spec.symbol) is None else f"{spec.symbol}@{entry.id}"
    echo(f"created {spec.symbol}: vault {entry.vault} (id {entry.id}, gas {created.gas_used})")
    rebalancer = project.Rebalancer.at(entry.rebalancer)
    if resolved.rebalancer.open_trading:
        rebalancer.set_open_trading(True, sender=creator)
    owned = [
        project.IndexVault.at(entry.vault),
        rebalancer,
        project.OracleAdapter.at(entry.oracle),
    ]
    if resolved.auction is not None:
        # The factory deploys no auction: the creator, owner for now, adds one as `vyndex deploy`
        # does. The seed made holders, so what loosens (a new venue, keeper, auction) waits out
        # the index's governance delay: queued now, `vyndex governance apply` after the eta.
        from vyndex.deploy import ensure_auction, sender

        auction = ensure_auction(
            resolved.auction,
            rebalancer,
            creator,
            [],
            sender(creator, created.auction_changes, echo),
            echo,
            since=created_block,
        )
        created.auction = str(auction.address)
        owned.append(auction)
    owner = resolved.roles.owner
    if owner.lower() != creator.address.lower():
        for contract in owned:
            contract.transfer_ownership(owner, sender=creator)
        echo(f"  {owner} must call accept_ownership() on the vault, rebalancer, adapter and auction")
    if zap:
        from vyndex.deploy import ensure_zap

        oracle = project.OracleAdapter.at(entry.oracle)
        created.zap = ensure_zap(rebalancer, oracle, resolved.rebalancer.weth, None, creator, echo)
    book = books.primary
    if books.lookup(FACTORY_NAME) is None:
        book.set(FACTORY_NAME, factory.address)
    # The same symbol twice (a second index from one spec) is recorded as SYMBOL@<id>.
    name = created.name
    book.set_index(
        name,
        IndexRecord(
            vault=entry.vault,
            oracle=entry.oracle,
            rebalancer=entry.rebalancer,
            spec=spec.source,
            block=created_block,
            nav_feed=entry.nav_feed,
            factory=str(factory.address),
            zap=created.zap,
            auction=created.auction,
        ),
    )
    book.save()
    return created


# ---------------------------------------------------------------------------------------------
# Reading the registry
# ---------------------------------------------------------------------------------------------


def entry_of(factory: Any, vault: str) -> RegistryEntry:
    info = factory.index_info(vault)
    if str(info.vault) == ZERO_ADDRESS:
        raise FactoryError(f"{vault} is not an index of factory {_addr(factory)}")
    nav = str(info.nav_feed)
    return RegistryEntry(
        vault=str(info.vault),
        rebalancer=str(info.rebalancer),
        oracle=str(info.oracle),
        nav_feed=None if nav == ZERO_ADDRESS else nav,
        creator=str(info.creator),
        id=int(info.id),
        created_at=int(info.created_at),
    )


def registry(factory: Any, start: int = 0) -> list[RegistryEntry]:
    """Every index the factory created from id `start` on, in creation order."""
    count = int(factory.index_count())
    return [entry_of(factory, str(factory.indexes(i))) for i in range(start, count)]


def record_of(factory: Any, entry: RegistryEntry) -> tuple[str, IndexRecord]:
    """The address-book record of a registry entry, under the vault's symbol."""
    symbol = str(project.IndexVault.at(entry.vault).symbol())
    return symbol, IndexRecord(
        vault=entry.vault,
        oracle=entry.oracle,
        rebalancer=entry.rebalancer,
        nav_feed=entry.nav_feed,
        factory=str(_addr(factory)),
    )


def sync_book(factory: Any, books: BookChain) -> list[str]:
    """Records in the book every index of the factory it does not have yet (by vault); returns
    the symbols added. A symbol already taken by another vault gets a `@<id>` suffix."""
    known = {r.vault.lower() for r in books.all_indexes().values()}
    added = []
    for entry in registry(factory):
        if entry.vault.lower() in known:
            continue
        symbol, record = record_of(factory, entry)
        if books.index(symbol) is not None:
            symbol = f"{symbol}@{entry.id}"
        books.primary.set_index(symbol, record)
        added.append(symbol)
    if added:
        books.primary.save()
    return added


def _addr(item: Any) -> str:
    return str(item.address) if hasattr(item, "address") else str(item)


__all__ = [
    "ComponentParams",
    "CreateParams",
    "CreatedIndex",
    "FactoryError",
    "RegistryEntry",
    "accept_ownership",
    "create",
    "create_from_spec",
    "deploy_factory",
    "deploy_factory_for_spec",
    "find_factory",
    "params_from_spec",
    "registry",
    "seed_of_spec",
    "sync_book",
]
