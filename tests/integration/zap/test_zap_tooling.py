"""vyndex.zap on the zap world: routes chosen by venue quotes, a quoted plan executed, bad input
refused before anything is sent."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from vyndex.zap import ETH, ZapError, execute_zap, plan_zap_mint_exact, plan_zap_redeem, resolve_token

from .conftest import COMPONENTS

SHARES = 5 * 10**18


@pytest.fixture
def zp_handle(zp_vault, zp_tokens):
    return SimpleNamespace(
        symbol="VZP", vault=zp_vault, tokens=[zp_tokens[s] for s in COMPONENTS], symbols=list(COMPONENTS)
    )


def test_plan_zap_mint_exact__eth__quote_then_mint_spends_within_the_bound(zp_zap, zp_handle, zp_vault, bob):
    bob.balance += 10**20
    plan = plan_zap_mint_exact(zp_zap, zp_handle, bob.address, SHARES, ETH, 50, 150)
    assert not plan.problems and plan.bound == plan.amount * 10_050 // 10_000
    before = bob.balance
    receipt = execute_zap(zp_zap, zp_handle, plan, bob)
    assert zp_vault.balanceOf(bob) == SHARES
    assert before - bob.balance - receipt.total_fees_paid == plan.amount


def test_plan_zap_redeem__component_output__pays_at_least_the_bound(
    zp_zap, zp_handle, zp_vault, zp_tokens, alice
):
    _, _, _ = resolve_token(zp_handle, zp_zap, "USDC")
    token = str(zp_tokens["USDC"].address)
    plan = plan_zap_redeem(zp_zap, zp_handle, alice.address, SHARES, token, 50, 150)
    before = zp_tokens["USDC"].balanceOf(alice)
    execute_zap(zp_zap, zp_handle, plan, alice)
    assert zp_tokens["USDC"].balanceOf(alice) - before >= plan.bound


@pytest.mark.parametrize(
    "token,max_bps,leg_bps,match",
    [("DOGE", 50, 150, "unknown token"), ("ETH", 50, 301, "oracle bound"), ("ETH", 2_000, 150, "--max")],
)
def test_plan_zap__bad_input__refused_before_sending(zp_zap, zp_handle, bob, token, max_bps, leg_bps, match):
    nonce = bob.nonce
    with pytest.raises(ZapError, match=match):
        address = resolve_token(zp_handle, zp_zap, token)[0]
        plan_zap_mint_exact(zp_zap, zp_handle, bob.address, SHARES, address, max_bps, leg_bps)
    assert bob.nonce == nonce


def test_plan_zap_mint_exact__short_balance__a_problem_and_nothing_sent(zp_zap, zp_handle, zp_uni, stranger):
    plan = plan_zap_mint_exact(zp_zap, zp_handle, stranger.address, SHARES, str(zp_uni.weth.address), 50, 150)
    assert plan.problems
    with pytest.raises(ZapError):
        execute_zap(zp_zap, zp_handle, plan, stranger)
    assert stranger.nonce == 0
