"""IndexFactory: creation from blueprints (2, 5 and 32 components), the seed taken exactly from the
creator, refusals by name, the registry, the salt, pause, and the ownership hand-over."""

from __future__ import annotations

import dataclasses

import ape
import pytest

from vyndex.constants import WAD, ZERO_ADDRESS
from vyndex.factory import accept_ownership, approve_seed, create, registry


def _balances(tokens, holder):
    return [int(t.balanceOf(holder)) for t in tokens]


@pytest.mark.parametrize("n", [2, 5, 32])
def test_create__n_components__seed_pulled_exactly_and_index_listed(
    n, fx_factory, fx_make_basket, fx_params, fx_creator, manager, keeper, project
):
    basket = fx_make_basket(n)
    params = fx_params(basket)
    seed = params.seed_amounts()
    before = _balances(basket.tokens, fx_creator)

    created = create(fx_factory, fx_creator, params, accept=False)

    vault = project.IndexVault.at(created.entry.vault)
    rebalancer = project.Rebalancer.at(created.entry.rebalancer)
    after = _balances(basket.tokens, fx_creator)
    assert [b - a for b, a in zip(before, after, strict=True)] == seed
    assert list(vault.holdings()) == seed
    assert vault.balanceOf(fx_creator) == params.initial_shares == vault.totalSupply()
    # Nothing rests in the factory: no tokens, no allowance left to the vault.
    assert _balances(basket.tokens, fx_factory) == [0] * n
    assert all(t.allowance(fx_factory, vault) == 0 for t in basket.tokens)
    assert vault.rebalancer() == rebalancer.address
    assert vault.manager() == manager.address
    assert rebalancer.keepers(keeper)
    assert sum(rebalancer.target_weights()) == 10_000
    assert fx_factory.index_count() == 1 and fx_factory.indexes(0) == vault.address
    print(f"create n={n}: gas {created.gas_used}")


def test_create__same_spec_twice__a_second_index_at_another_address(
    fx_factory, fx_pair_basket, fx_params, fx_creator
):
    params = fx_params(fx_pair_basket)
    first = create(fx_factory, fx_creator, params, accept=False).entry
    second = create(fx_factory, fx_creator, params, accept=False).entry

    assert first.vault != second.vault and first.rebalancer != second.rebalancer
    assert first.oracle != second.oracle
    assert fx_factory.nonces(fx_creator) == 2
    assert [e.vault for e in registry(fx_factory)] == [first.vault, second.vault]


def test_create__salt__address_is_create2_of_creator_params_and_nonce(
    fx_factory, fx_pair_basket, fx_params, fx_creator, project
):
    from eth_utils import keccak, to_checksum_address

    params = fx_params(fx_pair_basket)
    salt = bytes(fx_factory.salt_of(fx_creator, params.as_tuple(), 0))
    entry = create(fx_factory, fx_creator, params, accept=False).entry

    # The adapter's constructor takes no arguments: its init code is the blueprint's, after the header.
    code = bytes(ape.chain.provider.get_code(fx_factory.ORACLE_BLUEPRINT()))[3:]
    expected = keccak(b"\xff" + bytes.fromhex(fx_factory.address[2:]) + salt + keccak(code))[12:]
    assert entry.oracle == to_checksum_address(expected)


def test_create__stale_feed__refused_by_name(fx_factory, fx_pair_basket, fx_params, fx_creator, chain):
    params = fx_params(fx_pair_basket)
    approve_seed(fx_factory, fx_creator, params)
    feed = fx_pair_basket.feeds[1]
    now = chain.blocks.head.timestamp
    feed.set_round(2, 10**8, now - 7_200, now - 7_200, 2, sender=fx_creator)

    with ape.reverts("factory: stale feed"):
        fx_factory.create(params.as_tuple(), sender=fx_creator)
    assert fx_factory.index_count() == 0


def test_create__zero_answer__refused_as_no_price(fx_factory, fx_pair_basket, fx_params, fx_creator):
    params = fx_params(fx_pair_basket)
    approve_seed(fx_factory, fx_creator, params)
    fx_pair_basket.feeds[0].update_answer(0, sender=fx_creator)

    with ape.reverts("factory: no price"):
        fx_factory.create(params.as_tuple(), sender=fx_creator)


def test_create__zero_initial_shares__refused_by_name(fx_factory, fx_pair_basket, fx_params, fx_creator):
    params = fx_params(fx_pair_basket, initial_shares=0)
    with ape.reverts("factory: zero initial shares"):
        fx_factory.create(params.as_tuple(), sender=fx_creator)


def test_create__seed_over_creators_max__refused_and_nothing_taken(
    fx_factory, fx_pair_basket, fx_params, fx_creator
):
    params = fx_params(fx_pair_basket)
    approve_seed(fx_factory, fx_creator, params)
    tight = dataclasses.replace(
        params, max_amounts_in=(params.seed_amounts()[0] - 1, params.seed_amounts()[1])
    )
    before = _balances(fx_pair_basket.tokens, fx_creator)

    with ape.reverts("factory: seed over max"):
        fx_factory.create(tight.as_tuple(), sender=fx_creator)
    assert _balances(fx_pair_basket.tokens, fx_creator) == before


def test_registry__reverse_lookups__answer_for_its_own_contracts_only(
    fx_factory, fx_pair_basket, fx_params, fx_creator, stranger
):
    entry = create(fx_factory, fx_creator, fx_params(fx_pair_basket), accept=False).entry

    assert fx_factory.is_vault(entry.vault) and not fx_factory.is_vault(entry.rebalancer)
    assert fx_factory.is_rebalancer(entry.rebalancer) and not fx_factory.is_rebalancer(entry.vault)
    assert fx_factory.vault_of_rebalancer(entry.rebalancer) == entry.vault
    assert not fx_factory.is_vault(stranger) and fx_factory.vault_of_rebalancer(stranger) == ZERO_ADDRESS
    info = fx_factory.index_info(entry.vault)
    assert (info.creator, info.oracle, info.id) == (fx_creator.address, entry.oracle, 0)


def test_create__event__carries_what_an_indexer_needs(fx_factory, fx_pair_basket, fx_params, fx_creator):
    params = fx_params(fx_pair_basket, symbol="VEVT")
    approve_seed(fx_factory, fx_creator, params)
    receipt = fx_factory.create(params.as_tuple(), sender=fx_creator)

    [event] = list(receipt.decode_logs(fx_factory.IndexCreated))
    assert event.creator == fx_creator.address and event.symbol == "VEVT" and event.id == 0
    assert fx_factory.is_rebalancer(event.rebalancer) and event.vault == fx_factory.indexes(0)
    assert event.initial_shares == params.initial_shares


def test_ownership__after_create__creator_pending_then_owner_factory_left_out(
    fx_factory, fx_pair_basket, fx_params, fx_creator, stranger, project
):
    entry = create(fx_factory, fx_creator, fx_params(fx_pair_basket), accept=False).entry
    contracts = [
        project.IndexVault.at(entry.vault),
        project.Rebalancer.at(entry.rebalancer),
        project.OracleAdapter.at(entry.oracle),
    ]
    assert all(c.pending_owner() == fx_creator.address for c in contracts)
    with ape.reverts():
        contracts[0].accept_ownership(sender=stranger)

    accept_ownership(entry, fx_creator)

    assert all(c.owner() == fx_creator.address for c in contracts)
    assert all(c.pending_owner() == ZERO_ADDRESS for c in contracts)
    # The adapter is bound to its vault, and the seed gave the vault holders: a new feed waits
    # out the governance delay instead of applying at once.
    oracle = contracts[2]
    assert oracle.vault() == entry.vault
    token = project.IndexVault.at(entry.vault).components()[0][0]
    config = oracle.feed_config(token)
    looser = config.max_staleness + 3_600  # a longer staleness: looser, so queued
    receipt = oracle.set_feed(token, config.feed, looser, sender=fx_creator)
    assert receipt.events.filter(oracle.ChangeQueued)
    assert oracle.feed_config(token).max_staleness == config.max_staleness


def test_pause__non_owner__refused(fx_factory, stranger):
    with ape.reverts("ownable: caller is not the owner"):
        fx_factory.pause(True, sender=stranger)


def test_pause__new_creations_refused__existing_index_mints_redeems_and_trades(
    fx_factory, fx_pair_basket, fx_params, fx_creator, owner, keeper, project, chain
):
    params = fx_params(fx_pair_basket)
    entry = create(fx_factory, fx_creator, params).entry
    fx_factory.pause(True, sender=owner)

    approve_seed(fx_factory, fx_creator, params)
    with ape.reverts("factory: paused"):
        fx_factory.create(params.as_tuple(), sender=fx_creator)

    vault = project.IndexVault.at(entry.vault)
    rebalancer = project.Rebalancer.at(entry.rebalancer)
    for token in fx_pair_basket.tokens:
        token.approve(vault, 2**256 - 1, sender=fx_creator)
    vault.mint(WAD, fx_creator, [2**256 - 1] * 2, sender=fx_creator)
    assert vault.totalSupply() == params.initial_shares + WAD
    vault.redeem(WAD, fx_creator, [0, 0], sender=fx_creator)
    assert vault.totalSupply() == params.initial_shares

    needed, data = rebalancer.checkUpkeep.call(b"")
    assert needed
    rebalancer.performUpkeep(data, sender=keeper)
    assert rebalancer.trades() == 1


def test_create__nav_feed__deployed_over_the_index(
    fx_factory, fx_pair_basket, fx_params, fx_creator, project
):
    params = fx_params(fx_pair_basket, nav_feed_description="VFAC / USD NAV")
    entry = create(fx_factory, fx_creator, params, accept=False).entry

    feed = project.IndexNavFeed.at(entry.nav_feed)
    assert feed.VAULT() == entry.vault
    # 3 + 1 tokens at $1 per index token.
    assert feed.latestRoundData()[1] == 4 * WAD
