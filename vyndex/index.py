"""A deployed index as Python sees it: its three contracts, its components, its address book.

`connected_books()` gives the address books that apply to the chain Ape is connected to;
`open_index(books, symbol)` finds an index in them and checks that its contracts are really
there (a restarted node forgets what a book still remembers).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ape import chain, project
from ape.contracts import ContractInstance
from ethpm_types import ContractType

from vyndex.addressbook import BookChain, IndexRecord, books_for
from vyndex.reference.multicall3 import batch, must

ERC20_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": name,
        "stateMutability": "view",
        "inputs": inputs,
        "outputs": [{"name": "", "type": out}],
    }
    for name, inputs, out in (
        ("name", [], "string"),
        ("symbol", [], "string"),
        ("decimals", [], "uint8"),
        ("totalSupply", [], "uint256"),
        ("balanceOf", [{"name": "owner", "type": "address"}], "uint256"),
        (
            "allowance",
            [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
            "uint256",
        ),
    )
] + [
    {
        "type": "function",
        "name": "approve",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "spender", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    },
    {
        "type": "function",
        "name": "transfer",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    },
]
_ERC20 = ContractType.model_validate({"contractName": "ERC20", "abi": ERC20_ABI})


class IndexNotFound(LookupError):
    """No such index here, or its contracts are gone."""


def erc20(address: str) -> ContractInstance:
    """Any ERC-20 at `address`, through a minimal standard ABI."""
    return chain.contracts.instance_at(address, contract_type=_ERC20)


def has_code(address: str) -> bool:
    return len(chain.provider.get_code(address)) > 0


def is_oracle(address: str) -> bool:
    """Whether `address` holds an OracleAdapter (its ERC-7726 USD constant is address 840)."""
    try:
        return has_code(address) and int(str(project.OracleAdapter.at(address).USD()), 16) == 840
    except Exception:
        return False


def is_index(symbol: str, vault: str, oracle: str, rebalancer: str) -> bool:
    """Whether these addresses really are one index's contracts (a reset chain may have put
    other contracts at a stale book's addresses)."""
    if not all(has_code(a) for a in (vault, oracle, rebalancer)):
        return False
    try:
        v = project.IndexVault.at(vault)
        r = project.Rebalancer.at(rebalancer)
        return (
            str(v.symbol()) == symbol.split("@")[0]  # "SYM@3": a registry's second SYM
            and str(r.vault()).lower() == vault.lower()
            and str(r.oracle()).lower() == oracle.lower()
            and is_oracle(oracle)
        )
    except Exception:
        return False


def chain_identity() -> tuple[str, str, int, str]:
    """(ecosystem, network, chain id, genesis hash) of the connected chain."""
    network = chain.provider.network
    genesis = chain.provider.get_block(0).hash
    genesis_hex = genesis.hex() if isinstance(genesis, bytes) else str(genesis)
    if not genesis_hex.startswith("0x"):
        genesis_hex = "0x" + genesis_hex
    return network.ecosystem.name, network.name, chain.provider.chain_id, genesis_hex


def connected_books(root: str | Path | None = None) -> BookChain:
    """The address books for the connected chain (see `vyndex.addressbook.books_for`)."""
    ecosystem, network, chain_id, genesis = chain_identity()
    return books_for(ecosystem, network, chain_id, genesis, root)


def token_symbol(token: ContractInstance) -> str:
    try:
        return str(token.symbol())
    except Exception:
        return str(token.address)[:8]


@dataclass
class IndexHandle:
    symbol: str
    record: IndexRecord
    vault: ContractInstance
    oracle: ContractInstance
    rebalancer: ContractInstance
    tokens: list[ContractInstance]
    symbols: list[str]
    decimals: list[int]

    @classmethod
    def attach(cls, symbol: str, record: IndexRecord) -> IndexHandle:
        if not is_index(symbol, record.vault, record.oracle, record.rebalancer):
            raise IndexNotFound(
                f"index {symbol}: the address book's contracts (vault {record.vault}) are not on this chain "
                "(node restarted? deploy it again)"
            )
        vault = project.IndexVault.at(record.vault)
        handle = cls(
            symbol=symbol,
            record=record,
            vault=vault,
            oracle=project.OracleAdapter.at(record.oracle),
            rebalancer=project.Rebalancer.at(record.rebalancer),
            tokens=[],
            symbols=[],
            decimals=[],
        )
        handle.refresh()
        return handle

    def refresh(self, addresses: Sequence[str] | None = None, block_id: int | None = None) -> None:
        """Re-reads the basket (components can be added and removed); `addresses` are the
        vault's components when the caller has just read them. A known component keeps its
        symbol and decimals; new ones are read in one batch (`vyndex.reference.multicall3`)."""
        if addresses is None:
            addresses, _units = self.vault.components(**({} if block_id is None else {"block_id": block_id}))
        held = zip(self.tokens, self.symbols, self.decimals, strict=True)
        known = {str(t.address).lower(): (s, d) for t, s, d in held}
        tokens = [erc20(str(a)) for a in addresses]
        new = [t for t in tokens if str(t.address).lower() not in known]
        values = batch([call for t in new for call in ((t.symbol,), (t.decimals,))], block_id)
        for i, token in enumerate(new):
            symbol, decimals = values[2 * i], values[2 * i + 1]
            # A token whose symbol() reverts or is not a string (bytes32 in old tokens): its address.
            name = symbol if isinstance(symbol, str) else str(token.address)[:8]
            known[str(token.address).lower()] = (name, int(must(decimals, f"{token.address}.decimals()")))
        self.tokens = tokens
        self.symbols = [known[str(t.address).lower()][0] for t in tokens]
        self.decimals = [known[str(t.address).lower()][1] for t in tokens]

    @functools.cached_property
    def scout(self) -> ContractInstance:
        """The rebalancer's UpkeepScout (an immutable of the rebalancer): its valuation views
        (`weights`, `drift_bps`, `values`, `nav_per_share`) take the rebalancer as argument."""
        return project.UpkeepScout.at(str(self.rebalancer.scout()))

    def same_basket(self, addresses: Sequence[Any]) -> bool:
        """Whether `addresses` (the vault's components, just read) are the tokens held here."""
        return [str(a).lower() for a in addresses] == [str(t.address).lower() for t in self.tokens]

    def index_of(self, name_or_address: str) -> int:
        for i, (token, symbol) in enumerate(zip(self.tokens, self.symbols, strict=True)):
            if name_or_address.lower() in (symbol.lower(), str(token.address).lower()):
                return i
        raise IndexNotFound(
            f"{name_or_address} is not a component of {self.symbol} ({', '.join(self.symbols)})"
        )


def open_index(books: BookChain, symbol: str | None = None) -> IndexHandle:
    """The index `symbol` from the books; without a symbol, the only index there is. `symbol`
    may also be a vault address: of an index in the books, or of any index of the factory the
    books name (`IndexFactory`), listed or not."""
    indexes = books.all_indexes()
    if symbol is not None and symbol.startswith("0x"):
        return _open_by_address(books, symbol)
    if symbol is None:
        # A book outlives its chain: count only the indexes that are really here.
        indexes = {s: r for s, r in indexes.items() if is_index(s, r.vault, r.oracle, r.rebalancer)}
        if len(indexes) != 1:
            listed = ", ".join(sorted(indexes)) or "none"
            where = books.primary.path
            raise IndexNotFound(f"name the index with --index (indexes in {where}: {listed})")
        symbol = next(iter(indexes))
    record = books.index(symbol)
    if record is None:
        listed = ", ".join(sorted(indexes)) or "none"
        raise IndexNotFound(
            f"no index {symbol} in {books.primary.path} (known: {listed}); run `ape run deploy`"
        )
    return IndexHandle.attach(symbol, record)


def _open_by_address(books: BookChain, vault: str) -> IndexHandle:
    for name, record in books.all_indexes().items():
        if record.vault.lower() == vault.lower():
            return IndexHandle.attach(name, record)
    from vyndex.factory import FactoryError, entry_of, find_factory, record_of

    try:
        factory = find_factory(books)
    except FactoryError as exc:
        raise IndexNotFound(f"{vault} is in no address book and {exc}") from exc
    if not factory.is_vault(vault):
        raise IndexNotFound(f"{vault} is not an index of the factory {factory.address}")
    name, record = record_of(factory, entry_of(factory, vault))
    return IndexHandle.attach(name, record)
