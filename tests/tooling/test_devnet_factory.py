"""The devnet's IndexFactory, as `ape run devnet start` sets it up: deployed beside the market
(`vyndex.devnet.deploy_index_factory`), named `IndexFactory` in the devnet book (so a fork of the
devnet finds it too), and the creator's seed from `vyndex.devnet.top_up` (`ape run devnet fund N
--spec FILE`) is enough for `create_from_spec` through it."""

from __future__ import annotations

from vyndex import devnet as dn
from vyndex.addressbook import AddressBook, BookChain, devnet_book_path
from vyndex.factory import create_from_spec, find_factory, registry, seed_of_spec
from vyndex.index import chain_identity, open_index

SEED_SHARES = 10 * 10**18


def test_devnet_book__index_factory__found_and_creates_from_spec_with_funded_seed(
    market, blue_spec, owner, book_root
):
    factory = dn.deploy_index_factory(market, owner)
    _, _, chain_id, genesis = chain_identity()
    dn.write_devnet_book(
        AddressBook.load(devnet_book_path(book_root)), market, chain_id, genesis, "http://devnet"
    )
    books = BookChain([AddressBook.load(devnet_book_path(book_root))])
    assert books.lookup("IndexFactory") == str(factory.address)
    assert find_factory(books).address == factory.address

    seed = seed_of_spec(blue_spec, owner.address, books, SEED_SHARES)
    dn.top_up(market, owner, seed, slack_bps=100)
    assert dn.top_up(market, owner, seed, slack_bps=100) == []  # already holds it all
    created = create_from_spec(
        factory, blue_spec, owner, books, initial_shares=SEED_SHARES, echo=lambda _: None
    )

    assert [e.vault for e in registry(factory)] == [created.entry.vault]
    assert created.seed == [amount for _, amount in seed]
    handle = open_index(books, "VBLUE")
    assert str(handle.vault.address) == created.entry.vault
    # The seed pays the index's mint fee (set before the seed): the fee recipient gets its shares.
    fee_shares = -(-SEED_SHARES * int(handle.vault.mint_fee_bps()) // 10_000)
    assert handle.vault.balanceOf(owner.address) == SEED_SHARES
    assert handle.vault.totalSupply() == SEED_SHARES + fee_shares and handle.vault.owner() == owner.address
    # Funded 1% over the seed: the creator keeps the slack.
    for token, (_, amount) in zip(handle.tokens, seed, strict=True):
        assert int(token.balanceOf(owner.address)) >= amount // 100
