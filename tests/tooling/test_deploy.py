"""`vyndex.deploy`: a spec becomes a wired index; a second run sends nothing."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from vyndex.addressbook import book_path
from vyndex.constants import ZERO_ADDRESS
from vyndex.deploy import DeployError, allowed_bidders, deploy_index, list_venues, spec_sets
from vyndex.governance import PendingChange
from vyndex.index import connected_books
from vyndex.spec import AuctionSpec, SpecError, load_spec
from vyndex.venues import Lens

BLUE_CHIP = Path(__file__).parents[2] / "examples" / "blue-chip.yaml"


def test_deploy__wires_roles_feeds_targets_and_fees(
    deployed, blue_spec, manager, guardian, fee_recipient, keeper, market
):
    vault, oracle, rebalancer = deployed.vault, deployed.oracle, deployed.rebalancer
    assert vault.rebalancer() == rebalancer.address
    assert rebalancer.oracle() == oracle.address and oracle.vault() == vault.address
    assert rebalancer.venue_count() == 1 and rebalancer.scout() != ZERO_ADDRESS
    assert vault.manager() == manager.address
    assert vault.guardian() == guardian.address
    assert vault.fee_recipient() == fee_recipient.address
    assert rebalancer.keepers(keeper.address)
    assert list(rebalancer.target_weights()) == [5000, 3000, 2000]
    assert vault.management_fee() == 10**16 and vault.mint_fee_bps() == 10 and vault.redeem_fee_bps() == 10
    assert rebalancer.drift_threshold_bps() == 200 and rebalancer.cooldown() == 60
    (venue,) = list_venues(rebalancer)
    assert venue.factory() == market.uni.factory.address and venue.weth() == market.weth.address
    cfg = oracle.feed_config(market.tokens["WETH"].address)
    assert cfg.feed == market.feeds["WETH/USD"].address
    assert cfg.secondary_feed == market.feeds["WETH/USD:backup"].address and cfg.max_deviation_bps == 200
    assert cfg.lower_bound == 100 * 10**18 and cfg.max_staleness == 3600
    assert deployed.symbols == ["WETH", "WBTC", "USDC"]


def test_deploy__one_token_is_worth_the_initial_price(deployed):
    # Units from $100 split 50/30/20 at the feed prices; flooring loses at most a few wei.
    nav = Lens(deployed.rebalancer).nav_per_share()
    assert 100 * 10**18 - 10**12 <= nav <= 100 * 10**18
    assert Lens(deployed.rebalancer).drift_bps() <= 1


def test_deploy__records_the_book(deployed, book_root):
    data = json.loads(book_path("ethereum", "local", book_root).read_text())
    rec = data["indexes"]["VBLUE"]
    assert rec["vault"] == deployed.vault.address and rec["rebalancer"] == deployed.rebalancer.address
    assert data["chain_id"] == 31337 and data["genesis"].startswith("0x")
    assert data["contracts"]["WETH/USD"]


def test_deploy__zap__beside_the_index_over_its_venues_and_adapter(deployed, project, market):
    zap = project.IndexZap.at(deployed.record.zap)
    assert zap.oracle() == deployed.oracle.address and zap.weth() == market.weth.address
    assert list(zap.venues()) == [v.address for v in list_venues(deployed.rebalancer)]


def test_deploy__spec_without_weth__no_zap(market, blue_spec, owner, book_root):
    spec = dataclasses.replace(
        blue_spec, symbol="VNOW", rebalancer=dataclasses.replace(blue_spec.rebalancer, weth=None)
    )
    lines: list[str] = []
    report = deploy_index(spec, owner, connected_books(book_root), echo=lines.append)
    assert report.handle.record.zap is None and not any("IndexZap" in d for d in report.deployed)
    assert "no zap: it needs WETH in the spec (rebalancer.weth) and a venue" in lines


def test_deploy__second_run__sends_nothing(deployed, blue_spec, owner, book_root):
    nonce = owner.nonce
    report = deploy_index(blue_spec, owner, connected_books(book_root), echo=lambda _: None)
    assert report.up_to_date
    assert report.handle.vault.address == deployed.vault.address
    assert owner.nonce == nonce


def test_deploy__changed_limit__sends_only_that(deployed, blue_spec, owner, book_root):
    spec = dataclasses.replace(blue_spec, rebalancer=dataclasses.replace(blue_spec.rebalancer, cooldown=120))
    report = deploy_index(spec, owner, connected_books(book_root), echo=lambda _: None)
    assert report.deployed == [] and report.changed == ["rebalancer.set_limits"]
    assert deployed.rebalancer.cooldown() == 120


def make_holder(deployed: Any, market: Any, holder: Any, funder: Any) -> None:
    """`holder` mints one index token: with holders, what loosens waits out the governance delay."""
    funder(deployed, market, holder, 10**18)
    for token in deployed.tokens:
        token.approve(deployed.vault.address, 2**256 - 1, sender=holder)
    deployed.vault.mint(10**18, holder.address, [2**255] * 3, sender=holder)


def test_deploy__looser_limit_with_holders__reported_queued_then_applied_after_the_eta(
    deployed, market, blue_spec, owner, alice, book_root, chain, funder
):
    from vyndex.devnet import publish

    make_holder(deployed, market, alice, funder)  # a holder: loosening now waits out the delay
    slippage = blue_spec.rebalancer.max_slippage_bps + 1
    spec = dataclasses.replace(
        blue_spec, rebalancer=dataclasses.replace(blue_spec.rebalancer, max_slippage_bps=slippage)
    )
    lines: list[str] = []
    report = deploy_index(spec, owner, connected_books(book_root), echo=lines.append)
    (entry,) = report.changed
    assert entry.startswith("rebalancer.set_limits queued until ")
    assert any("queued until" in line for line in lines)
    eta = int(entry.split()[-1])
    assert deployed.rebalancer.max_slippage_bps() == blue_spec.rebalancer.max_slippage_bps
    # Run again before the eta: reported again, nothing sent.
    nonce = owner.nonce
    again = deploy_index(spec, owner, connected_books(book_root), echo=lambda _: None)
    assert again.changed == [entry] and owner.nonce == nonce
    # After the eta (feeds refreshed: the delay outlasts their staleness) the same run applies it.
    chain.mine(timestamp=eta)
    for symbol in market.tokens:
        publish(market, symbol, market.price(symbol), owner)
    final = deploy_index(spec, owner, connected_books(book_root), echo=lambda _: None)
    assert final.changed == ["rebalancer.set_limits"]
    assert deployed.rebalancer.max_slippage_bps() == slippage


def test_deploy__queued_change_the_spec_no_longer_asks_for__cancelled(
    deployed, market, blue_spec, owner, alice, stranger, book_root, funder
):
    from vyndex.governance import pending

    make_holder(deployed, market, alice, funder)  # a holder: loosening now waits out the delay
    slippage = blue_spec.rebalancer.max_slippage_bps

    def with_slippage(bps: int) -> Any:
        return dataclasses.replace(
            blue_spec, rebalancer=dataclasses.replace(blue_spec.rebalancer, max_slippage_bps=bps)
        )

    def run(spec: Any) -> Any:
        return deploy_index(spec, owner, connected_books(book_root), echo=lambda _: None)

    # Queued by hand, of what the spec does not decide (its keepers are the ones it adds, not all):
    # every run leaves it queued.
    deployed.rebalancer.set_keeper(stranger.address, True, sender=owner)
    (extra_keeper,) = pending(deployed)
    (first,) = run(with_slippage(slippage + 1)).changed
    assert first.startswith("rebalancer.set_limits queued until ")
    (queued,) = [c for c in pending(deployed) if c != extra_keeper]
    # The spec changes its mind before the eta: the new value is queued, the old one cancelled.
    second, cancelled = run(with_slippage(slippage + 2)).changed
    assert second.startswith("rebalancer.set_limits queued until ")
    assert cancelled == f"{queued.signature()} cancelled (queued until {queued.eta}, not in the spec)"
    assert deployed.rebalancer.eta(bytes.fromhex(queued.id[2:])) == 0
    (newer,) = [c for c in pending(deployed) if c != extra_keeper]
    assert newer.args["max_slippage_bps_"] == slippage + 2
    # Back to the deployed value: nothing to set, and the queued change is cancelled, not left to land.
    (cancelled,) = run(blue_spec).changed
    assert cancelled.startswith(f"{newer.signature()} cancelled")
    assert pending(deployed) == [extra_keeper] and deployed.rebalancer.max_slippage_bps() == slippage
    nonce = owner.nonce
    assert run(blue_spec).up_to_date and owner.nonce == nonce


def _change(target: str, method: str, **args: Any) -> PendingChange:
    return PendingChange(target, "0x" + "00" * 20, "0x" + "11" * 32, "0x", method, args, 1, 1)


def test_spec_sets__what_the_spec_decides__the_rest_left_to_governance(blue_spec):
    listed, dropped = "0x" + "aa" * 20, "0x" + "bb" * 20
    auction = AuctionSpec(premium_bps=100, length=3600, bidders=(listed,))
    with_auction = dataclasses.replace(blue_spec, auction=auction)
    token = blue_spec.components[0].token
    decided = [
        (blue_spec, _change("rebalancer", "set_limits", max_slippage_bps_=1)),
        (blue_spec, _change("vault", "set_redeem_fee", fee=5)),
        (blue_spec, _change("oracle", "set_feed", asset=token, feed=ZERO_ADDRESS, staleness=1)),
        (with_auction, _change("auction", "set_curve", premium_bps_=1, auction_length_=1)),
        (with_auction, _change("auction", "set_bidder", bidder=dropped, allowed_=True)),
        (with_auction, _change("rebalancer", "set_auction", auction_=dropped)),
    ]
    left = [
        (blue_spec, _change("rebalancer", "set_keeper", keeper=dropped, allowed=True)),
        (blue_spec, _change("rebalancer", "add_venue", venue=dropped)),
        (blue_spec, _change("vault", "set_delay", delay_=1)),
        (blue_spec, _change("oracle", "set_feed", asset=dropped, feed=ZERO_ADDRESS, staleness=1)),
        (blue_spec, _change("auction", "set_curve", premium_bps_=1, auction_length_=1)),  # no section
        (blue_spec, _change("rebalancer", "set_auction", auction_=dropped)),
        (with_auction, _change("auction", "set_bidder", bidder=listed, allowed_=True)),
        (with_auction, _change("auction", "set_leg_execution", sell=token, buy=token, mode=1)),
        # With no allowlist listed (anyone bids), its entries are not the spec's.
        (
            dataclasses.replace(blue_spec, auction=AuctionSpec(premium_bps=100, length=3600)),
            _change("auction", "set_bidder", bidder=dropped, allowed_=True),
        ),
    ]
    assert [spec_sets(c, s) for s, c in decided] == [True] * len(decided)
    assert [spec_sets(c, s) for s, c in left] == [False] * len(left)


def test_deploy__queued_change_the_deployer_may_not_cancel__reported_with_the_command(
    deployed, market, blue_spec, owner, alice, book_root, funder
):
    from vyndex.governance import pending

    make_holder(deployed, market, alice, funder)  # a holder: loosening now waits out the delay
    for contract in (deployed.vault, deployed.oracle, deployed.rebalancer):
        contract.transfer_ownership(alice.address, sender=owner)
        contract.accept_ownership(sender=alice)
    spec = dataclasses.replace(
        blue_spec, roles=dataclasses.replace(blue_spec.roles, owner=str(alice.address))
    )
    # The new owner queues a looser limit by hand; the spec (run by the old deployer) does not ask for it.
    rebalancer = deployed.rebalancer
    limits = [rebalancer.max_slippage_bps() + 1, rebalancer.trade_cap_usd(), rebalancer.min_trade_usd()]
    rebalancer.set_limits(*limits, rebalancer.cooldown(), sender=alice)
    (queued,) = pending(deployed)
    lines: list[str] = []
    nonce = owner.nonce
    report = deploy_index(spec, owner, connected_books(book_root), echo=lines.append)
    assert report.changed == [f"{queued.signature()} queued until {queued.eta}, not in the spec"]
    assert not report.up_to_date and owner.nonce == nonce and pending(deployed) == [queued]
    assert any(f"vyndex governance cancel {queued.id}" in line for line in lines)


def test_deploy__force__deploys_fresh_contracts(deployed, blue_spec, owner, book_root):
    report = deploy_index(blue_spec, owner, connected_books(book_root), force=True, echo=lambda _: None)
    kinds = [entry.split()[0] for entry in report.deployed]
    assert kinds == ["OracleAdapter", "IndexVault", "UniswapV2Venue", "UpkeepScout", "Rebalancer", "IndexZap"]
    assert report.handle.vault.address != deployed.vault.address
    assert report.handle.record.zap != deployed.record.zap


def test_deploy__unknown_name__fails_before_any_transaction(market, owner, book_root):
    spec = load_spec(BLUE_CHIP)
    comp = dataclasses.replace(spec.components[0], token="NOPE")
    spec = dataclasses.replace(spec, components=(comp, *spec.components[1:]))
    nonce = owner.nonce
    with pytest.raises(SpecError, match=r"components\[0\]\.token: unknown name 'NOPE'"):
        deploy_index(spec, owner, connected_books(book_root), echo=lambda _: None)
    assert owner.nonce == nonce


def test_deploy__address_without_code__fails_before_any_transaction(market, owner, book_root, stranger):
    spec = load_spec(BLUE_CHIP)
    feed = dataclasses.replace(spec.components[1].feed, primary=str(stranger.address))
    comp = dataclasses.replace(spec.components[1], feed=feed)
    spec = dataclasses.replace(spec, components=(spec.components[0], comp, spec.components[2]))
    nonce = owner.nonce
    with pytest.raises(SpecError, match=r"components\[1\]\.feed\.primary: no contract at"):
        deploy_index(spec, owner, connected_books(book_root), echo=lambda _: None)
    assert owner.nonce == nonce


def test_deploy__stale_feed__refused_before_the_vault(market, owner, book_root, chain):
    chain.pending_timestamp += 3 * 3600
    with pytest.raises(DeployError, match=r"oracle refuses its price: oracle: stale price"):
        deploy_index(load_spec(BLUE_CHIP), owner, connected_books(book_root), force=True, echo=lambda _: None)


def test_python_caps__match_the_contracts(deployed, project, owner):
    from vyndex import spec as s

    v, r, o = deployed.vault, deployed.rebalancer, deployed.oracle
    assert v.MAX_MANAGEMENT_FEE() == s.MAX_MANAGEMENT_FEE_WAD
    assert v.MAX_MINT_FEE_BPS() == s.MAX_MINT_FEE_BPS and v.MAX_REDEEM_FEE_BPS() == s.MAX_REDEEM_FEE_BPS
    assert v.MAX_COMPONENTS() == s.MAX_COMPONENTS and v.MAX_STORED_UNIT() == s.MAX_STORED_UNIT
    assert (
        r.MIN_DRIFT_THRESHOLD_BPS(),
        r.MAX_DRIFT_THRESHOLD_BPS(),
    ) == (s.MIN_DRIFT_THRESHOLD_BPS, s.MAX_DRIFT_THRESHOLD_BPS)
    assert r.MAX_SLIPPAGE_BPS() == s.MAX_SLIPPAGE_BPS
    assert (r.MIN_COOLDOWN(), r.MAX_COOLDOWN()) == (s.MIN_COOLDOWN, s.MAX_COOLDOWN)
    assert r.MIN_TRADE_CAP_USD() == s.MIN_TRADE_CAP_USD * 10**18
    assert r.MAX_TRADE_CAP_USD() == s.MAX_TRADE_CAP_USD * 10**18
    assert (o.MIN_STALENESS(), o.MAX_STALENESS()) == (s.MIN_STALENESS, s.MAX_STALENESS)
    assert o.MAX_DEVIATION_BPS() == s.MAX_DEVIATION_BPS
    a = project.DutchAuction.deploy(deployed.rebalancer, 100, 3600, sender=owner)
    assert a.MAX_PREMIUM_BPS() == s.MAX_PREMIUM_BPS and a.MAX_LAUNCHER_WINDOW() == s.MAX_LAUNCHER_WINDOW
    assert (a.MIN_AUCTION_LENGTH(), a.MAX_AUCTION_LENGTH()) == (s.MIN_AUCTION_LENGTH, s.MAX_AUCTION_LENGTH)
    assert a.MAX_AMM_WINDOW() == s.MAX_AMM_WINDOW and a.amm_window() == s.DEFAULT_AMM_WINDOW
    modes = (a.EXEC_ANY(), a.EXEC_AMM(), a.EXEC_AUCTION(), a.EXEC_AUCTION_FIRST())
    assert modes == tuple(s.EXECUTIONS.values())


def test_hand_written_book__stamped_on_first_use__its_names_survive_a_deploy(
    market, blue_spec, owner, tmp_path
):
    """A book a user wrote (names only, no chain id, no genesis) is bound, not reset."""
    root = tmp_path / "deployments"
    root.mkdir()
    path = root / "ethereum-local.json"
    names = {**market.entries(), "Treasury": "0x000000000000000000000000000000000000dEaD"}
    path.write_text(json.dumps({"contracts": names}))  # what README tells a user to write
    report = deploy_index(blue_spec, owner, connected_books(root), echo=lambda _: None)
    saved = json.loads(path.read_text())
    assert names.items() <= saved["contracts"].items()
    assert saved["chain_id"] == 31337 and saved["genesis"].startswith("0x")
    assert saved["indexes"]["VBLUE"]["vault"] == report.handle.vault.address
    assert connected_books(root).primary.get("Treasury") == names["Treasury"]  # bound now, still read


def test_book_of_another_chain__reset__the_old_file_set_aside(tmp_path):
    from vyndex.addressbook import books_for

    path = tmp_path / "ethereum-local.json"
    old = {
        "network": "ethereum:local",
        "chain_id": 31337,
        "genesis": "0x" + "11" * 32,
        "contracts": {"A": "0x" + "22" * 20},
    }
    path.write_text(json.dumps(old))
    books = books_for("ethereum", "local", 31337, "0x" + "33" * 32, tmp_path)
    assert books.primary.get("A") is None  # another chain's names are not used here...
    books.primary.set("B", "0x" + "44" * 20)
    books.primary.save()
    assert json.loads((tmp_path / "ethereum-local.previous.json").read_text()) == old  # ...nor lost
    assert json.loads(path.read_text())["contracts"] == {"B": "0x" + "44" * 20}


def test_devnet_feeds__chainlinks_aggregator_behind_its_proxy__rounds_by_oracle_submission(
    market, owner, stranger
):
    import ape

    from vyndex.devnet import publish

    proxy, aggregator = market.feeds["WETH/USD"], market.aggregators["WETH/USD"]
    assert proxy.aggregator() == aggregator.address and proxy.decimals() == 8
    assert aggregator.description() == "WETH / USD" and aggregator.getOracles() == [owner.address]
    before = int(aggregator.latestRound())
    publish(market, "WETH", Decimal(3100), owner)  # the market's deployer is the oracle
    assert int(aggregator.latestRound()) == before + 1 and market.price("WETH") == Decimal(3100)
    with ape.reverts("not enabled oracle"):
        aggregator.submit(before + 2, 1, sender=stranger)


def test_deploy__auction_section__a_dutch_auction_wired_as_the_spec_says_and_rerun_sends_nothing(
    market, blue_spec, owner, keeper, stranger, book_root, project
):
    auction_spec = AuctionSpec(
        premium_bps=150,
        length=1800,
        execution="auction",
        amm_window=3600,
        cap_usd=Decimal(50_000),
        launcher=str(keeper.address),
        launcher_window=120,
        bidders=(str(stranger.address),),
    )
    spec = dataclasses.replace(blue_spec, symbol="VAUC", auction=auction_spec)
    report = deploy_index(spec, owner, connected_books(book_root), echo=lambda _: None)
    rebalancer = report.handle.rebalancer
    auction = project.DutchAuction.at(rebalancer.auction())
    assert any(d.startswith("DutchAuction ") for d in report.deployed)
    # A venue, a keeper and the rebalancer's auction: what the keeper and the bidder look for.
    assert auction.rebalancer() == rebalancer.address and rebalancer.keepers(auction.address)
    venues = [rebalancer.venues(i) for i in range(rebalancer.venue_count())]
    assert auction.address in venues and len(venues) == 2
    assert (auction.premium_bps(), auction.auction_length()) == (150, 1800)
    assert (auction.auction_cap_usd(), auction.amm_window()) == (50_000 * 10**18, 3600)
    assert auction.default_execution() == auction.EXEC_AUCTION()
    assert (auction.launcher(), auction.launcher_window()) == (keeper.address, 120)
    assert (
        auction.allowlist_only() and auction.allowed(stranger.address) and not auction.allowed(owner.address)
    )
    assert auction.owner() == owner.address  # roles.owner is the deployer here
    # The zap trades on the AMMs only, never through the auction.
    zap = project.IndexZap.at(report.handle.record.zap)
    assert auction.address not in list(zap.venues())

    nonce = owner.nonce
    again = deploy_index(spec, owner, connected_books(book_root), echo=lambda _: None)
    assert again.up_to_date and owner.nonce == nonce

    slower = dataclasses.replace(spec, auction=dataclasses.replace(auction_spec, premium_bps=200))
    changed = deploy_index(slower, owner, connected_books(book_root), echo=lambda _: None)
    assert changed.deployed == [] and changed.changed == ["auction.set_curve"]
    assert auction.premium_bps() == 200

    # The spec's bidders are the whole allowlist: one added, then the first one dropped from the spec
    # is removed from the chain (found from the auction's logs: the allowlist cannot be listed).
    both = dataclasses.replace(slower.auction, bidders=(str(stranger.address), str(keeper.address)))
    widened = deploy_index(
        dataclasses.replace(spec, auction=both), owner, connected_books(book_root), echo=lambda _: None
    )
    assert widened.changed == [f"auction.set_bidder({keeper.address})"]
    assert allowed_bidders(auction) == [stranger.address, keeper.address]
    only = dataclasses.replace(both, bidders=(str(keeper.address),))
    narrowed = deploy_index(
        dataclasses.replace(spec, auction=only), owner, connected_books(book_root), echo=lambda _: None
    )
    assert narrowed.changed == [f"auction.set_bidder({stranger.address}, False)"]
    assert not auction.allowed(stranger.address) and allowed_bidders(auction) == [keeper.address]
    nonce = owner.nonce
    again = deploy_index(
        dataclasses.replace(spec, auction=only), owner, connected_books(book_root), echo=lambda _: None
    )
    assert again.up_to_date and owner.nonce == nonce
