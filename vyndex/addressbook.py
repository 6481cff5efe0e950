"""Address books: which contract lives where, one JSON file per network under `deployments/`.

`deployments/<ecosystem>-<network>.json` (for example `ethereum-local.json`,
`ethereum-mainnet-fork.json`, `ethereum-sepolia.json`) holds named contracts (tokens, feeds, the
router: whatever a spec may name) and the indexes deployed there, by symbol::

    {
      "network": "ethereum:mainnet-fork",
      "chain_id": 1,
      "genesis": "0x...",            # block 0's hash: tells this chain from another
      "contracts": {"WETH": "0x...", "WETH/USD": "0x...", ...},
      "indexes": {"VBLUE": {"vault": "0x...", "oracle": "0x...", "rebalancer": "0x...",
                             "spec": "examples/blue-chip.yaml", "block": 12,
                             "nav_feed": "0x...",    # optional: the IndexNavFeed for lenders
                             "zap": "0x...",         # optional: its IndexZap (one-token mint/redeem)
                             "factory": "0x..."}}    # optional: the IndexFactory that created it
    }

A book is trusted only for the chain it was written on: its genesis hash must match the
connected chain's block 0 (a restarted Anvil has a new genesis, so its old book is ignored), and
every address is checked for code before it is used. A book written by hand, with names but no
chain id or genesis (``{"contracts": {"USDC": "0x..."}}``), is unbound: the first chain that uses
it stamps it, and its names are kept. Names are never lost: a book written for another chain is
set aside as ``<name>.previous.json`` before a new one replaces it. A fork shares its upstream's genesis, so
a fork reads its own book, then the upstream's (`mainnet-fork` -> `mainnet`), then the devnet's
(`deployments/devnet.json`, written by `ape run devnet`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils.address import is_address, to_checksum_address

DEFAULT_ROOT = Path("deployments")
DEVNET_BOOK = "devnet.json"
# Tests and tools may point every book somewhere else.
ROOT_ENV = "VYNDEX_DEPLOYMENTS"


class AddressBookError(RuntimeError):
    """A book that cannot be used (unreadable, or written for another chain)."""


def deployments_root(root: str | Path | None = None) -> Path:
    if root is not None:
        return Path(root)
    return Path(os.environ.get(ROOT_ENV, DEFAULT_ROOT))


def book_path(ecosystem: str, network: str, root: str | Path | None = None) -> Path:
    return deployments_root(root) / f"{ecosystem}-{network}.json"


def devnet_book_path(root: str | Path | None = None) -> Path:
    return deployments_root(root) / DEVNET_BOOK


@dataclass
class IndexRecord:
    vault: str
    oracle: str
    rebalancer: str
    spec: str | None = None
    block: int | None = None
    nav_feed: str | None = None  # an IndexNavFeed over this index, if one is deployed
    factory: str | None = None  # the IndexFactory that created it (none: `vyndex deploy`)
    zap: str | None = None  # an IndexZap over its venues and oracle adapter (`vyndex deploy`)
    # Its DutchAuction (a spec's `auction` section), also while wiring it in waits out the delay.
    auction: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class AddressBook:
    path: Path
    network: str = ""
    chain_id: int | None = None
    genesis: str | None = None
    contracts: dict[str, str] = field(default_factory=dict)
    indexes: dict[str, IndexRecord] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # Reset from another chain's book: `save` moves that file to `previous_path` first.
    set_aside: bool = field(default=False, repr=False, compare=False)

    # ------------------------------------------------------------------ files

    @classmethod
    def load(cls, path: str | Path) -> AddressBook:
        """Reads `path`; a missing file is an empty book."""
        p = Path(path)
        if not p.exists():
            return cls(path=p)
        try:
            data = json.loads(p.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise AddressBookError(f"{p}: not a readable address book: {exc}") from exc
        if not isinstance(data, dict):
            raise AddressBookError(f"{p}: not a readable address book: top level is not an object")
        indexes = {}
        for symbol, rec in (data.get("indexes") or {}).items():
            try:
                indexes[symbol] = IndexRecord(**rec)
            except TypeError as exc:
                raise AddressBookError(f"{p}: index '{symbol}' is malformed: {exc}") from exc
        known = {"network", "chain_id", "genesis", "contracts", "indexes"}
        return cls(
            path=p,
            network=str(data.get("network", "")),
            chain_id=data.get("chain_id"),
            genesis=data.get("genesis"),
            contracts=dict(data.get("contracts") or {}),
            indexes=indexes,
            extra={k: v for k, v in data.items() if k not in known},
        )

    def save(self) -> None:
        """Writes the book atomically (a reader never sees half a file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data: dict[str, Any] = {
            "network": self.network,
            "chain_id": self.chain_id,
            "genesis": self.genesis,
            "contracts": dict(sorted(self.contracts.items())),
            "indexes": {k: v.as_dict() for k, v in sorted(self.indexes.items())},
            **self.extra,
        }
        if self.set_aside and self.path.exists():
            os.replace(self.path, self.previous_path)
        self.set_aside = False
        fd, tmp = tempfile.mkstemp(prefix=".book-", dir=self.path.parent)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, self.path)

    def reset(self, network: str, chain_id: int, genesis: str) -> None:
        """Forgets everything: the book now describes a new chain. The file written for the old
        chain is kept as `<name>.previous.json` when this book is next saved."""
        if self.chain_id is not None and (self.contracts or self.indexes or self.extra):
            self.set_aside = True
        self.network, self.chain_id, self.genesis = network, chain_id, genesis
        self.contracts.clear()
        self.indexes.clear()
        self.extra.clear()

    @property
    def bound(self) -> bool:
        """Whether the book says which chain it describes (a hand-written one may not)."""
        return self.chain_id is not None and bool(self.genesis)

    def stamp(self, network: str, chain_id: int, genesis: str) -> None:
        """Binds an unbound book to a chain, keeping every name in it."""
        if self.bound:
            raise AddressBookError(f"{self.path}: already bound to chain {self.chain_id}")
        self.network, self.chain_id, self.genesis = network, chain_id, genesis

    @property
    def previous_path(self) -> Path:
        return self.path.with_name(f"{self.path.stem}.previous.json")

    # ------------------------------------------------------------------ entries

    def matches(self, chain_id: int, genesis: str) -> bool:
        """Whether this book was written on the chain with this id and block 0."""
        return self.chain_id == chain_id and (self.genesis or "").lower() == genesis.lower()

    def set(self, name: str, address: Any) -> None:
        self.contracts[name] = _checksum(address)

    def get(self, name: str) -> str | None:
        return self.contracts.get(name)

    def set_index(self, symbol: str, record: IndexRecord) -> None:
        self.indexes[symbol] = record


def _checksum(address: Any) -> str:
    value = str(getattr(address, "address", address))
    if not is_address(value):
        raise AddressBookError(f"not an address: {value!r}")
    return to_checksum_address(value)


class BookChain:
    """The books that apply to one connected chain, in lookup order; writes go to the first."""

    def __init__(self, books: Iterable[AddressBook]) -> None:
        self.books = list(books)
        if not self.books:
            raise AddressBookError("no address book for this network")

    @property
    def primary(self) -> AddressBook:
        return self.books[0]

    def lookup(self, name: str) -> str | None:
        for book in self.books:
            if (found := book.get(name)) is not None:
                return found
        return None

    def index(self, symbol: str) -> IndexRecord | None:
        for book in self.books:
            if symbol in book.indexes:
                return book.indexes[symbol]
        return None

    def all_indexes(self) -> dict[str, IndexRecord]:
        result: dict[str, IndexRecord] = {}
        for book in reversed(self.books):
            result.update(book.indexes)
        return result


def books_for(
    ecosystem: str,
    network: str,
    chain_id: int,
    genesis: str,
    root: str | Path | None = None,
) -> BookChain:
    """The books for a connected chain: its own (stamped if unbound, reset if written for another
    chain), then, for a fork, the upstream network's, then the devnet's, each only if written on
    this very chain."""
    own = AddressBook.load(book_path(ecosystem, network, root))
    if not own.bound and own.chain_id in (None, chain_id):
        own.stamp(f"{ecosystem}:{network}", chain_id, genesis)
    elif not own.matches(chain_id, genesis):
        own.reset(f"{ecosystem}:{network}", chain_id, genesis)
    books = [own]
    candidates = []
    if network.endswith("-fork"):
        candidates.append(book_path(ecosystem, network.removesuffix("-fork"), root))
    candidates.append(devnet_book_path(root))
    for path in candidates:
        other = AddressBook.load(path)
        # An upstream book written by hand (unbound) is read too; it is never written from here.
        unbound_upstream = (
            path.exists()
            and not other.bound
            and path.name != DEVNET_BOOK
            and other.chain_id in (None, chain_id)
        )
        if unbound_upstream or (other.bound and other.matches(chain_id, genesis)):
            books.append(other)
    return BookChain(books)
