"""The whole cycle on `ethereum:mainnet-fork:foundry` over the devnet: deploy, mint, drift,
keeper rebalance, redeem. Select with `-m fork`; skip with `-m "not fork"`.

The test starts its own devnet (Anvil, chain id 1) on a free port, builds the market on it, and
points the fork's upstream (ape-config `node.ethereum.mainnet.uri`, normally the devnet's fixed
port) at it for the duration: parallel test runs and a devnet already running never interfere.
Address books go to a temporary folder; the devnet is stopped at the end.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from ape import accounts, chain, config, networks

from vyndex import devnet as dn
from vyndex.addressbook import AddressBook, devnet_book_path
from vyndex.deploy import deploy_index
from vyndex.index import chain_identity, connected_books
from vyndex.keeper.chain import ApeKeeperChain, fast_forward
from vyndex.keeper.loop import Keeper, Outcome
from vyndex.spec import RolesSpec, load_spec
from vyndex.venues import Lens

pytestmark = pytest.mark.fork


@pytest.fixture
def devnet_uri(book_root, tmp_path):
    """A fresh devnet with its market and book; the fork's upstream points at it meanwhile."""
    port = dn.free_port()
    uri = f"http://127.0.0.1:{port}"
    dn.start_node("devnet", port, state_dir=tmp_path)
    node_config = config.get_config("node").ethereum.mainnet
    saved = dict(node_config)
    try:
        mainnet = networks.ethereum.mainnet
        dn.no_confirmations(mainnet)
        with mainnet.use_provider("node", provider_settings={"uri": uri}):
            market = dn.build_market(accounts.test_accounts[11], pool_usd=Decimal(1_000_000))
            _, _, chain_id, genesis = chain_identity()
            dn.write_devnet_book(
                AddressBook.load(devnet_book_path(book_root)), market, chain_id, genesis, uri
            )
        node_config["uri"] = uri
        yield uri
    finally:
        node_config.clear()
        node_config.update(saved)
        dn.stop_node("devnet", state_dir=tmp_path)


def test_fork__mint_drift_keeper_rebalance_redeem(devnet_uri, book_root):
    fork = networks.ethereum.mainnet_fork
    assert fork.get_provider("foundry").fork_url == devnet_uri
    with fork.use_provider("foundry"):
        assert chain.chain_id == 1
        owner, keeper, holder, maker = (accounts.test_accounts[i] for i in (0, 4, 5, 11))
        books = connected_books(book_root)
        assert len(books.books) == 2  # the fork's own (empty) book, then the devnet's
        market = dn.attach_market(books.lookup)

        spec = load_spec(Path(__file__).parents[2] / "examples" / "blue-chip.yaml")
        spec = dataclasses.replace(spec, roles=RolesSpec(keepers=(str(keeper.address),)))
        handle = deploy_index(spec, owner, books, echo=lambda _: None).handle
        assert books.primary.path.name == "ethereum-mainnet-fork.json"

        shares = 500 * 10**18
        amounts = handle.vault.preview_mint(shares)
        market.weth.deposit(sender=holder, value=amounts[0])
        market.tokens["WBTC"].mint(holder.address, amounts[1], sender=holder)
        market.tokens["USDC"].mint(holder.address, amounts[2], sender=holder)
        for token, amount in zip(handle.tokens, amounts, strict=True):
            token.approve(handle.vault.address, amount, sender=holder)
        handle.vault.mint(shares, holder.address, amounts, sender=holder)

        dn.set_price(market, "WETH", market.price("WETH") * Decimal("1.3"), maker)
        assert abs(market.pool_price("WBTC") / market.price("WBTC") - 1) < Decimal("0.001")
        assert Lens(handle.rebalancer).drift_bps() > handle.rebalancer.drift_threshold_bps()

        bot = Keeper(ApeKeeperChain(handle, keeper))
        for _ in range(15):
            result = bot.step()
            assert result.outcome not in (Outcome.REVERTED, Outcome.ERROR, Outcome.RPC_DOWN), result.message
            if result.balanced:
                break
            if result.outcome is Outcome.WAIT_COOLDOWN:
                fast_forward(result.observation.next_ready_at - result.observation.timestamp + 1)
        assert result.balanced, result.message
        assert handle.rebalancer.trades() >= 1

        balances = [t.balanceOf(holder) for t in handle.tokens]
        paid = handle.vault.preview_redeem(shares)
        handle.vault.redeem(shares, holder.address, [p * 99 // 100 for p in paid], sender=holder)
        received = [t.balanceOf(holder) - b for t, b in zip(handle.tokens, balances, strict=True)]
        # The preview is exact for the block it was read in; the redeem lands a block (and a few
        # seconds of the 1%/yr management fee) later, so it pays at most that, and barely less.
        assert all(p - p // 10**6 <= r <= p for r, p in zip(received, paid, strict=True)), (received, paid)
        # Solvency after the trades: the vault holds at least what the rest of the supply is owed.
        owed = handle.vault.holdings()
        assert all(t.balanceOf(handle.vault.address) >= o for t, o in zip(handle.tokens, owed, strict=True))
