"""The factory's tooling on the devnet market: `vyndex.factory.create_from_spec` (what `vyndex
create` runs), the address book it writes, `open_index` by vault address, one `KeeperFleet`
keeping every index of the factory, and `ape run create --json` as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from vyndex.factory import create_from_spec, deploy_factory_for_spec, find_factory, registry
from vyndex.index import connected_books, open_index
from vyndex.keeper.fleet import KeeperFleet
from vyndex.keeper.loop import KeeperConfig, Outcome
from vyndex.status import collect

ROOT = Path(__file__).parents[2]
SHARES = 1_000 * 10**18  # $100,000 of basket: every trade is over the spec's minimum


def _fund(market, holder, spec_tokens, amounts):
    for token, amount in zip(spec_tokens, amounts, strict=True):
        if str(token).lower() == str(market.weth.address).lower():
            market.weth.deposit(sender=holder, value=amount)
        else:
            found = next(t for t in market.tokens.values() if str(t.address).lower() == str(token).lower())
            found.mint(holder.address, amount, sender=holder)


@pytest.fixture(scope="module")
def fc_factory(market, blue_spec, owner, book_root):
    return deploy_factory_for_spec(blue_spec, owner, connected_books(book_root))


@pytest.fixture(scope="module")
def fc_create(fc_factory, market, blue_spec, owner, book_root):
    """Creates one blue-chip index through the factory, funding the creator for its seed."""
    from vyndex.factory import params_from_spec

    def create():
        books = connected_books(book_root)
        resolved = blue_spec.resolve(books.lookup, deployer=owner.address)
        seed = params_from_spec(resolved, initial_shares=SHARES).seed_amounts()
        _fund(market, owner, [c.token for c in resolved.components], seed)
        return create_from_spec(
            fc_factory, blue_spec, owner, books, initial_shares=SHARES, echo=lambda _: None
        )

    return create


@pytest.fixture(scope="module")
def fc_two(fc_create):
    return [fc_create(), fc_create()]


def test_create_from_spec__twice__book_holds_the_factory_and_both_indexes(
    fc_two, fc_factory, book_root, owner
):
    books = connected_books(book_root)
    first, second = fc_two
    assert (first.name, second.name) == ("VBLUE", "VBLUE@1")
    assert books.index("VBLUE").vault == first.entry.vault
    assert books.index("VBLUE@1").factory == str(fc_factory.address)
    assert find_factory(books).address == fc_factory.address
    assert [e.vault for e in registry(fc_factory)] == [first.entry.vault, second.entry.vault]
    handle = open_index(books, "VBLUE@1")
    assert handle.vault.owner() == owner.address  # create_from_spec accepted ownership
    # The factory sets the fees before the seed (with holders they would wait out the governance
    # delay), so the seed pays the index's mint fee (fee shares to the fee recipient).
    fee = -(-SHARES * int(handle.vault.mint_fee_bps()) // 10_000)
    assert handle.vault.totalSupply() == SHARES + fee


def test_create_from_spec__weth_in_spec__zap_beside_it_mints_for_eth(fc_two, book_root, project, market, bob):
    from vyndex.deploy import list_venues
    from vyndex.zap import ETH, execute_zap, plan_zap_mint_exact

    books = connected_books(book_root)
    created = fc_two[0]
    handle = open_index(books, "VBLUE")
    assert created.zap is not None and books.index("VBLUE").zap == created.zap
    zap = project.IndexZap.at(created.zap)
    assert zap.oracle() == created.entry.oracle and zap.weth() == market.weth.address
    assert list(zap.venues()) == [v.address for v in list_venues(handle.rebalancer)]
    assert fc_two[1].zap not in (None, created.zap)  # each index its own zap, over its own adapter

    bob.balance += 10**21
    shares = 10**18
    plan = plan_zap_mint_exact(zap, handle, bob.address, shares, ETH, 100, 150)
    assert not plan.problems
    paid = bob.balance
    receipt = execute_zap(zap, handle, plan, bob)
    assert handle.vault.balanceOf(bob) == shares
    assert paid - bob.balance - receipt.total_fees_paid <= plan.bound


def test_open_index__registry_vault_address_not_in_book__opens_it_for_status(fc_two, book_root):
    books = connected_books(book_root)
    vault = fc_two[1].entry.vault
    for symbol in list(books.primary.indexes):
        del books.primary.indexes[symbol]  # only the factory is left to find it by

    handle = open_index(books, vault)
    status = collect(handle)
    assert str(handle.rebalancer.address) == fc_two[1].entry.rebalancer
    assert handle.symbol == "VBLUE" and len(status.components) == 3


def test_fleet__two_indexes_drifted__one_keeper_trades_both_and_picks_up_a_third(
    fc_two, fc_create, fc_factory, market, owner, keeper
):
    from vyndex.devnet import set_price

    fleet = KeeperFleet(fc_factory, keeper, KeeperConfig())
    set_price(market, "WETH", market.price("WETH") * Decimal("1.25"), owner)

    results = fleet.step()

    assert len(fleet.keepers) == 2
    assert [r.outcome for r in results.values()] == [Outcome.PERFORMED, Outcome.PERFORMED]
    for created in fc_two:
        assert fleet.handles[created.entry.vault.lower()].rebalancer.trades() == 1
    third = fc_create()
    assert fleet.refresh() == ["VBLUE"] and third.entry.vault.lower() in fleet.keepers


def test_create_script__json__creates_through_the_factory(
    fc_factory, chain, book_root, market, owner, blue_spec
):
    from vyndex.factory import params_from_spec

    books = connected_books(book_root)
    resolved = blue_spec.resolve(books.lookup, deployer=owner.address)
    _fund(market, owner, [c.token for c in resolved.components], params_from_spec(resolved).seed_amounts())
    env = {**os.environ, "APE_FOUNDRY_HOST": chain.provider.uri, "VYNDEX_DEPLOYMENTS": str(book_root)}
    cmd = [str(ROOT / ".venv" / "bin" / "ape"), "run", "create", "--json", "--account", "TEST::0"]
    before = int(fc_factory.index_count())

    proc = subprocess.run(
        [*cmd, "--network", "ethereum:local:foundry"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["factory"] == str(fc_factory.address) and out["id"] == before
    assert fc_factory.is_vault(out["vault"]) and int(fc_factory.index_count()) == before + 1
    assert out["zap"] and len(chain.provider.get_code(out["zap"])) > 0  # an IndexZap beside it


def test_create_from_spec__no_zap__records_none(fc_factory, market, blue_spec, owner, book_root):
    from vyndex.factory import params_from_spec

    books = connected_books(book_root)
    resolved = blue_spec.resolve(books.lookup, deployer=owner.address)
    _fund(market, owner, [c.token for c in resolved.components], params_from_spec(resolved).seed_amounts())
    created = create_from_spec(fc_factory, blue_spec, owner, books, zap=False, echo=lambda _: None)
    assert created.zap is None and connected_books(book_root).index(created.name).zap is None


def test_create_from_spec__auction_section__auction_deployed_and_wired_once_the_delay_passes(
    fc_factory, market, blue_spec, owner, book_root, project, chain, stranger
):
    import dataclasses

    from vyndex import governance as gov
    from vyndex.factory import params_from_spec
    from vyndex.spec import AuctionSpec

    spec = dataclasses.replace(
        blue_spec,
        symbol="VAUF",
        auction=AuctionSpec(
            premium_bps=100, length=3600, execution="auction", bidders=(str(stranger.address),)
        ),
    )
    books = connected_books(book_root)
    resolved = spec.resolve(books.lookup, deployer=owner.address)
    _fund(market, owner, [c.token for c in resolved.components], params_from_spec(resolved).seed_amounts())
    created = create_from_spec(fc_factory, spec, owner, books, zap=False, echo=lambda _: None)
    handle = open_index(connected_books(book_root), created.name)
    auction = project.DutchAuction.at(created.auction)
    assert auction.rebalancer() == handle.rebalancer.address and auction.owner() == owner.address
    # The seed made holders: the rebalancer's loosening steps and the allowlist's new bidder are
    # queued, not applied; the tightening ones (execution, allowlist only) applied at once. The
    # rebalancer takes only a listed venue as its auction: that step waits for add_venue.
    assert int(handle.vault.delay()) > 0
    queued = [c for c in created.auction_changes if " queued until " in c]
    assert [c.split(" queued")[0] for c in queued] == [
        "rebalancer.add_venue(DutchAuction)",
        "rebalancer.set_keeper(DutchAuction)",
        f"auction.set_bidder({stranger.address})",
    ]
    assert auction.default_execution() == auction.EXEC_AUCTION() and auction.allowlist_only()
    assert int(handle.rebalancer.auction(), 16) == 0 and not auction.allowed(stranger.address)
    # Run again while it waits (as `vyndex deploy` does from the book): the same auction, nothing
    # new deployed or sent; the queued steps are reported queued.
    from vyndex.deploy import ensure_auction, sender

    deployed: list[str] = []
    changes: list[str] = []
    again = ensure_auction(
        spec.auction, handle.rebalancer, owner, deployed, sender(owner, changes, lambda _: None),
        lambda _: None, known=created.auction,
    )  # fmt: skip
    assert again.address == auction.address and deployed == []
    assert all(" queued until " in c for c in changes) and len(changes) == 3

    # `vyndex governance pending` lists all three (the auction's own among them); after the eta,
    # `apply` lists the auction as a venue and keeper, and the auction becomes the rebalancer's
    # after one more delay.
    changes = gov.pending(handle)
    assert sorted(c.target for c in changes) == ["auction", "rebalancer", "rebalancer"]
    chain.pending_timestamp = max(c.eta for c in changes) + 1
    chain.mine()
    for change in changes:
        gov.apply(handle, change.id, owner)
    assert handle.rebalancer.keepers(auction.address) and auction.allowed(stranger.address)
    queued = gov.queue(handle, "rebalancer", "set_auction", [auction.address], owner)
    chain.pending_timestamp = int(queued.eta) + 1
    chain.mine()
    gov.apply(handle, queued.id, owner)
    assert handle.rebalancer.auction() == auction.address and gov.pending(handle) == []
