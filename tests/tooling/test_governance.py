"""`vyndex.governance` on the devnet index: queue, list, apply and cancel delayed owner changes, as
`vyndex governance` does, with status and the keeper's watcher reporting them. Every refusal is
named and sends nothing."""

from __future__ import annotations

import pytest
from rich.console import Console

from vyndex import governance as gov
from vyndex.cli.console import render_status
from vyndex.status import as_json, collect

DELAY = 2 * 86_400  # the vault's default governance delay


def test_queue_then_apply__a_fee_raise__waits_out_the_delay_listed_with_its_eta(minted, manager, chain):
    assert int(minted.vault.totalSupply()) > 0  # holders: a raise is queued, not applied
    before = int(minted.vault.mint_fee_bps())
    watcher = gov.PendingWatcher(minted)
    assert watcher.poll() == []

    queued = gov.queue(minted, "vault", "set_mint_fee", [before + 25], manager)
    assert queued.action == "queued" and queued.eta is not None
    assert int(minted.vault.mint_fee_bps()) == before
    (change,) = gov.pending(minted)
    assert (change.target, change.method, change.args) == ("vault", "set_mint_fee", {"fee_bps": before + 25})
    assert change.id == queued.id and change.eta == queued.eta
    assert change.status(queued.eta - 1) == "waiting" and change.status(queued.eta) == "due"
    assert change.status(queued.eta + gov.GRACE_PERIOD + 1) == "expired"
    (message,) = watcher.poll()
    assert message.startswith(
        f"governance: queued vault.set_mint_fee(fee_bps={before + 25}) (id {queued.id[:10]})"
    )

    # status shows it, in JSON and in the table
    status = collect(minted)
    assert status.governance_delay_s == DELAY
    assert [(p.id, p.change, p.status) for p in status.pending_changes] == [
        (queued.id, f"vault.set_mint_fee(fee_bps={before + 25})", "waiting")
    ]
    assert as_json(status)["pending_changes"][0]["eta"] == queued.eta
    console = Console(record=True, width=160)
    console.print(render_status(status))
    assert f"vault.set_mint_fee(fee_bps={before + 25}) applies from" in console.export_text()

    # too early: refused by name, nothing sent
    nonce = manager.nonce
    with pytest.raises(
        gov.GovernanceError, match=r"nothing sent: vault.set_mint_fee\(fee_bps=\d+\) is not due for 1d 23h"
    ):
        gov.apply(minted, queued.id[:8], manager)
    assert manager.nonce == nonce

    chain.mine(timestamp=queued.eta)
    assert watcher.poll() == [
        f"governance: vault.set_mint_fee(fee_bps={before + 25}) is due: it can be applied now"
    ]
    applied = gov.apply(minted, queued.id[:8], manager)
    assert applied.action == "applied" and int(minted.vault.mint_fee_bps()) == before + 25
    assert gov.pending(minted) == []
    assert watcher.poll() == [
        f"governance: vault.set_mint_fee(fee_bps={before + 25}) left the queue (applied or cancelled)"
    ]


def test_queue__a_tightening_change__applies_at_once(minted, owner, keeper):
    result = gov.queue(minted, "rebalancer", "set_keeper", [str(keeper.address), False], owner)
    assert result.action == "applied" and result.eta is None
    assert not minted.rebalancer.keepers(keeper) and gov.pending(minted) == []


def test_cancel__guardian_drops_a_queued_rebalancer__stranger_refused_by_name(
    minted, owner, guardian, stranger
):
    parsed = gov.parse_args(minted, "vault", "set_rebalancer", [str(stranger.address)])
    queued = gov.queue(minted, "vault", "set_rebalancer", parsed, owner)
    assert queued.action == "queued"

    nonce = stranger.nonce
    with pytest.raises(
        gov.GovernanceError,
        match=r"nothing sent: cancelling vault\.set_rebalancer.* revert: vault: caller is not the guardian",
    ):
        gov.cancel(minted, queued.id, stranger)
    assert stranger.nonce == nonce

    again = stranger.nonce
    with pytest.raises(gov.GovernanceError, match="already queued"):
        gov.queue(minted, "vault", "set_rebalancer", parsed, owner)
    assert stranger.nonce == again

    cancelled = gov.cancel(minted, queued.id, guardian)
    assert cancelled.action == "cancelled" and gov.pending(minted) == []
    assert str(minted.vault.rebalancer()) == str(minted.rebalancer.address)
    with pytest.raises(gov.GovernanceError, match="no pending change"):
        gov.apply(minted, queued.id, owner)


def test_queue__a_refused_setter__named_and_nothing_sent(minted, stranger):
    nonce = stranger.nonce
    with pytest.raises(gov.GovernanceError, match="would revert: ownable: caller is not the owner"):
        gov.queue(minted, "vault", "set_guardian", [str(stranger.address)], stranger)
    assert stranger.nonce == nonce


@pytest.mark.parametrize(
    ("target", "method", "words", "message"),
    [
        ("treasury", "set_fee", ["1"], "unknown target 'treasury': one of vault, rebalancer, oracle"),
        ("vault", "steal", [], "vault has no function 'steal' (setters: "),
        ("vault", "set_mint_fee", [], "vault.set_mint_fee takes (fee_bps: uint256); got 0 argument(s)"),
        ("vault", "set_mint_fee", ["ten"], "fee_bps: 'ten' is not an integer (uint256)"),
        ("vault", "set_mint_fee", ["-1"], "fee_bps: -1 is negative (uint256)"),
        ("rebalancer", "set_open_trading", ["maybe"], "'maybe' is not true or false"),
        ("oracle", "remove_feed", ["DOGE"], "'DOGE' is not an address or a component (WETH, WBTC, USDC)"),
    ],
)
def test_parse_args__bad_words__named(minted, target, method, words, message):
    with pytest.raises(gov.GovernanceError) as err:
        gov.parse_args(minted, target, method, words)
    assert message in str(err.value)


def test_parse_args__symbols_contract_names_bools_and_lists(minted):
    assert gov.parse_args(minted, "oracle", "remove_feed", ["wbtc"]) == [str(minted.tokens[1].address)]
    assert gov.parse_args(minted, "oracle", "set_vault", ["vault"]) == [str(minted.vault.address)]
    assert gov.parse_args(minted, "rebalancer", "set_open_trading", ["true"]) == [True]
    assert gov.parse_args(minted, "rebalancer", "set_targets", ["4000,3000,3000"]) == [[4000, 3000, 3000]]
    assert gov.parse_args(minted, "vault", "set_mint_fee", ["0x19"]) == [25]
    limits = gov.parse_args(minted, "rebalancer", "set_limits", ["300", "50000e18", "1.5e20", "3_600"])
    assert limits == [300, 50_000 * 10**18, 150 * 10**18, 3_600]
    with pytest.raises(gov.GovernanceError, match=r"max_slippage_bps_: '1\.5' is not an integer"):
        gov.parse_args(minted, "rebalancer", "set_limits", ["1.5", "1", "1", "1"])
