"""DESIGN invariant 10 against the review's reproductions (issue #15): no owner outruns the holders.

The world is the adversarial one (real Uniswap V2 and Chainlink bytecode; alice holds the supply).
A change that loosens is queued by its first call and applies only on the same call after the
delay; the holder redeems in full in between; the guardian can cancel; tightening applies at once."""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from vyndex.constants import WAD

from .conftest import STALENESS, enact

DELAY = 2 * 86_400


def change_id(method, *args) -> bytes:
    return keccak(bytes(method.encode_input(*args)))


def queued(receipt) -> list:
    return [log for log in receipt.decode_logs() if log.event_name == "ChangeQueued"]


def test_set_rebalancer__thief_contract__queued_holder_exits_in_full_guardian_cancels(
    vault, rebalancer, owner, guardian, alice, attacker, chain
):
    thief = attacker  # any address the owner names: a contract that would name itself the recipient
    receipt = vault.set_rebalancer(thief, sender=owner)
    (event,) = queued(receipt)
    assert vault.rebalancer() == rebalancer.address  # nothing changed yet
    assert event.call == bytes(vault.set_rebalancer.encode_input(thief))
    id_ = change_id(vault.set_rebalancer, thief)
    assert vault.eta(id_) == event.eta == receipt.timestamp + DELAY
    with ape.reverts("timelock: change not due"):
        vault.set_rebalancer(thief, sender=owner)

    # The holder redeems everything before the change could land.
    shares = vault.balanceOf(alice)
    owed = vault.preview_redeem(shares)
    vault.redeem(shares, alice, owed, sender=alice)
    assert vault.balanceOf(alice) == 0

    # The guardian cancels; the owner's retry after the eta only queues it afresh.
    vault.cancel(id_, sender=guardian)
    assert vault.eta(id_) == 0
    chain.mine(timestamp=event.eta + 1)
    # Supply is now zero: no holder is left to protect, so the change applies at once.
    vault.set_rebalancer(thief, sender=owner)
    assert vault.rebalancer() == thief.address


def test_set_rebalancer__holders_remain__applies_only_after_the_delay(
    vault, rebalancer, owner, attacker, chain
):
    receipt = vault.set_rebalancer(attacker, sender=owner)
    eta = queued(receipt)[0].eta
    chain.mine(timestamp=eta - 10)
    with ape.reverts("timelock: change not due"):
        vault.set_rebalancer(attacker, sender=owner)
    chain.mine(timestamp=eta)
    vault.set_rebalancer(attacker, sender=owner)
    assert vault.rebalancer() == attacker.address


def test_set_rebalancer__zero_address__disables_at_once(vault, owner):
    receipt = vault.set_rebalancer(ape.utils.ZERO_ADDRESS, sender=owner)
    assert not queued(receipt) and vault.rebalancer() == ape.utils.ZERO_ADDRESS


def test_fees__raise_is_queued_lower_is_immediate__a_preview_is_never_charged_a_raise(vault, manager, alice):
    receipt = vault.set_redeem_fee(500, sender=manager)
    assert queued(receipt) and vault.redeem_fee_bps() == 0
    preview = vault.preview_redeem(WAD)
    assert list(vault.redeem(WAD, alice, preview, sender=alice).return_value) == list(preview)
    receipt = vault.set_redeem_fee(0, sender=manager)  # not a raise: at once
    assert not queued(receipt)


def test_strand__raise_min_trade_then_remove__refused_by_name(vault, rebalancer, owner, manager):
    """The review's second reproduction: raise `min_trade_usd` to the position's size, zero its target
    and remove it. The raise is a tightening (applies at once), but removal is bounded by
    min(min_trade_usd, 0.1% of NAV): a live position is never stranded."""
    cap = rebalancer.trade_cap_usd()
    rebalancer.set_limits(rebalancer.max_slippage_bps(), cap, cap, rebalancer.cooldown(), sender=owner)
    assert rebalancer.min_trade_usd() == cap
    rebalancer.set_targets([5000, 5000, 0], sender=manager)
    with ape.reverts("vault: component not sold down"):
        rebalancer.remove_component(2, sender=manager)


def test_set_limits__looser_on_any_axis__queued(rebalancer, owner):
    slippage, cap, floor, cooldown = (
        rebalancer.max_slippage_bps(),
        rebalancer.trade_cap_usd(),
        rebalancer.min_trade_usd(),
        rebalancer.cooldown(),
    )
    for args in (
        (slippage + 1, cap, floor, cooldown),
        (slippage, cap + 1, floor, cooldown),
        (slippage, cap, floor - 1, cooldown),
        (slippage, cap, floor, cooldown - 1),
    ):
        assert queued(rebalancer.set_limits(*args, sender=owner)), args
    assert rebalancer.max_slippage_bps() == slippage and rebalancer.trade_cap_usd() == cap


def test_delay__bounds_raise_at_once_lower_queued(vault, owner):
    with ape.reverts("timelock: delay out of bounds"):
        vault.set_delay(86_399, sender=owner)
    with ape.reverts("timelock: delay out of bounds"):
        vault.set_delay(30 * 86_400 + 1, sender=owner)
    assert not queued(vault.set_delay(3 * 86_400, sender=owner)) and vault.delay() == 3 * 86_400
    assert queued(vault.set_delay(86_400, sender=owner)) and vault.delay() == 3 * 86_400


def test_redeem_only__irreversible_mint_and_rebalance_stop_redeem_stays(
    vault, guardian, owner, manager, alice
):
    vault.enter_redeem_only(sender=guardian)
    assert vault.redeem_only() and vault.paused() and vault.rebalancer() == ape.utils.ZERO_ADDRESS
    assert vault.management_fee() == 0
    with ape.reverts("vault: redeem only"):
        vault.set_paused(False, sender=owner)
    with ape.reverts("vault: minting paused"):
        vault.mint(WAD, alice, [2**255] * 3, sender=alice)
    with ape.reverts("vault: redeem only"):
        vault.set_mint_fee(10, sender=manager)  # anything that needs the delay is refused
    shares = vault.balanceOf(alice)
    vault.redeem(shares, alice, vault.preview_redeem(shares), sender=alice)
    assert vault.balanceOf(alice) == 0


def test_enact__helper__applies_a_queued_venue_after_the_delay(rebalancer, owner, project, uni):
    venue = owner.deploy(project.UniswapV2Venue, uni.factory, ape.utils.ZERO_ADDRESS)
    count = rebalancer.venue_count()
    enact(rebalancer.add_venue, venue, sender=owner)
    assert rebalancer.venue_count() == count + 1


# ---------------------------------------------------------------------------------------------
# Every queued kind, one pattern: queued -> a holder exits in full at exactly its pro-rata basket
# -> the guardian cancels -> queued again -> applies after the eta (another holder remains).
# ---------------------------------------------------------------------------------------------


def _bound_adapter(project, owner, vault, tokens, feeds):
    fresh = owner.deploy(project.OracleAdapter)
    for symbol, token in tokens.items():
        fresh.set_feed(token, feeds[symbol], STALENESS, sender=owner)
    fresh.set_vault(vault, sender=owner)
    return fresh


def _kind(name, w):
    """(contract holding the queue, setter, args, sender, applied() -> bool) for a queued kind."""
    vault, rebalancer, adapter, owner, manager = (
        w["vault"],
        w["rebalancer"],
        w["adapter"],
        w["owner"],
        w["manager"],
    )
    if name == "set_rebalancer":
        return (
            vault,
            vault.set_rebalancer,
            (w["attacker"],),
            owner,
            lambda: vault.rebalancer() == w["attacker"],
        )
    if name == "set_management_fee":
        return vault, vault.set_management_fee, (10**16,), manager, lambda: vault.management_fee() == 10**16
    if name == "set_mint_fee":
        return vault, vault.set_mint_fee, (50,), manager, lambda: vault.mint_fee_bps() == 50
    if name == "set_redeem_fee":
        return vault, vault.set_redeem_fee, (50,), manager, lambda: vault.redeem_fee_bps() == 50
    if name == "set_fee_recipient":
        return (
            vault,
            vault.set_fee_recipient,
            (w["carol"],),
            owner,
            lambda: vault.fee_recipient() == w["carol"],
        )
    if name == "add_venue":
        venue = owner.deploy(w["project"].UniswapV2Venue, w["uni"].factory, ape.utils.ZERO_ADDRESS)
        count = rebalancer.venue_count()
        return (
            rebalancer,
            rebalancer.add_venue,
            (venue,),
            owner,
            lambda: rebalancer.venue_count() == count + 1,
        )
    if name == "set_oracle":
        fresh = _bound_adapter(w["project"], owner, vault, w["tokens"], w["feeds"])
        return rebalancer, rebalancer.set_oracle, (fresh,), owner, lambda: rebalancer.oracle() == fresh
    if name == "set_limits":
        args = (
            rebalancer.max_slippage_bps() + 1,
            rebalancer.trade_cap_usd(),
            rebalancer.min_trade_usd(),
            rebalancer.cooldown(),
        )
        return (
            rebalancer,
            rebalancer.set_limits,
            args,
            owner,
            lambda: rebalancer.max_slippage_bps() == args[0],
        )
    if name == "set_open_trading":
        return rebalancer, rebalancer.set_open_trading, (True,), owner, lambda: rebalancer.open_trading()
    if name == "set_keeper":
        return (
            rebalancer,
            rebalancer.set_keeper,
            (w["attacker"], True),
            owner,
            lambda: rebalancer.keepers(w["attacker"]),
        )
    assert name == "set_feed"
    adapter.set_vault(vault, sender=owner)  # bound: the adapter's changes follow this index's delay
    token = w["tokens"]["WBTC"]
    feed = owner.deploy(w["project"].MockAggregator, 8, "WBTC / USD", 30_000 * 10**8)
    return (
        adapter,
        adapter.set_feed,
        (token, feed, STALENESS),
        owner,
        lambda: adapter.feed_config(token).feed == feed.address,
    )


KINDS = [
    "set_rebalancer",
    "set_management_fee",
    "set_mint_fee",
    "set_redeem_fee",
    "set_fee_recipient",
    "add_venue",
    "set_oracle",
    "set_limits",
    "set_open_trading",
    "set_keeper",
    "set_feed",
]


@pytest.mark.parametrize("kind", KINDS)
def test_queued_kind__holder_exits_pro_rata_guardian_cancels_applies_after_eta(
    kind,
    project,
    uni,
    tokens,
    feeds,
    adapter,
    vault,
    rebalancer,
    owner,
    manager,
    guardian,
    alice,
    bob,
    carol,
    attacker,
    chain,
):
    world = dict(
        project=project,
        uni=uni,
        tokens=tokens,
        feeds=feeds,
        adapter=adapter,
        vault=vault,
        rebalancer=rebalancer,
        owner=owner,
        manager=manager,
        attacker=attacker,
        carol=carol,
    )
    target, method, args, sender, applied = _kind(kind, world)
    vault.transfer(bob, vault.balanceOf(alice) // 4, sender=alice)  # a holder who stays
    shares = vault.balanceOf(alice)
    before = list(vault.preview_redeem(shares))

    receipt = method(*args, sender=sender)
    (event,) = queued(receipt)
    id_ = change_id(method, *args)
    assert target.eta(id_) == event.eta == receipt.timestamp + DELAY and not applied()

    # Between queue and apply the holder leaves with exactly its pro-rata basket, as previewed.
    held = list(vault.holdings())
    supply = vault.totalSupply()
    assert list(vault.preview_redeem(shares)) == before
    paid = vault.redeem(shares, alice, before, sender=alice).return_value
    assert list(paid) == before
    assert all(abs(p - h * shares // supply) <= 1 for p, h in zip(paid, held, strict=True))
    assert vault.balanceOf(alice) == 0 and vault.totalSupply() > 0

    target.cancel(id_, sender=guardian)
    assert target.eta(id_) == 0 and not applied()

    # Queued again; not due before the eta; applied by the same call at it.
    eta = queued(method(*args, sender=sender))[0].eta
    chain.mine(timestamp=eta - 10)
    with ape.reverts("timelock: change not due"):
        method(*args, sender=sender)
    assert not applied()
    chain.mine(timestamp=eta)
    assert not queued(method(*args, sender=sender))
    assert applied() and target.eta(id_) == 0


def test_set_oracle__adapter_not_bound_to_this_vault__refused(
    project, vault, rebalancer, owner, tokens, feeds, create_vault
):
    unbound = owner.deploy(project.OracleAdapter)
    with ape.reverts("rebalancer: oracle not bound to this vault"):
        rebalancer.set_oracle(unbound, sender=owner)
    other = create_vault([tokens["WETH"]], [10**16], "Other", "OTH")
    elsewhere = _bound_adapter(project, owner, other, tokens, feeds)
    with ape.reverts("rebalancer: oracle not bound to this vault"):
        rebalancer.set_oracle(elsewhere, sender=owner)
    bound = _bound_adapter(project, owner, vault, tokens, feeds)
    assert queued(rebalancer.set_oracle(bound, sender=owner))  # bound: accepted, and queued
