"""IndexZap on real Uniswap V2 pairs and V3 pools: each entry point with each payment kind, the
quotes, the oracle bound on every leg, a sandwich, a reentrant token, and nothing left behind
(the autouse `zp_nothing_rests` checks every test)."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from vyndex.reference.uniswap_v2 import seed_pair
from vyndex.zap import ETH, leg

from .conftest import COMPONENTS, PRICES, STALENESS, zp_amount, zp_give

V2, V3 = 0, 1
SHARES = 10 * 10**18
SLIP = 150  # bps: the 1% LINK pool takes 1% in fees alone
MAX_UINT = 2**256 - 1

# Per payment kind: legs in component order (USDC, WBTC, LINK, WETH).
LEGS_V2_FROM_WETH = [leg(V2, 0), leg(V2, 0), leg(V2, 0), 0]
LEGS_V3_FROM_WETH = [leg(V3, 500), leg(V3, 3000), leg(V3, 10000), 0]
# DAI: USDC and WBTC on DAI pairs, LINK only through WETH (V2), WETH on the V3 0.3% pool.
LEGS_FROM_DAI = [leg(V2, 0), leg(V2, 0), leg(V2, 1), leg(V3, 3000)]
# DAI through WETH on V3: DAI -> WETH at 0.3%, WETH -> component at its tier. Every leg crosses
# the same DAI/WETH pool.
LEGS_V3_FROM_DAI = [
    leg(V3, 3000 | 500 << 24),
    leg(V3, 3000 | 3000 << 24),
    leg(V3, 3000 | 10000 << 24),
    leg(V3, 3000),
]
# The same on V2: every leg through the DAI/WETH pair (route 1), and WETH bought on that pair.
LEGS_V2_FROM_DAI_SHARED = [leg(V2, 1), leg(V2, 1), leg(V2, 1), leg(V2, 0)]


def deadline(chain: Any) -> int:
    return chain.pending_timestamp + 600


def fund(zp_uni: Any, token: Any, holder: Any, amount: int, spender: Any) -> None:
    zp_give(zp_uni, token, holder, amount)
    token.approve(spender, MAX_UINT, sender=holder)


def usd(symbol: str, amount: int) -> float:
    return amount * PRICES[symbol] / 10 ** {"USDC": 6, "WBTC": 8}.get(symbol, 18)


# ---------------------------------------------------------------------------------------------
# mint_exact
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pay,legs,slip",
    [
        ("WETH", LEGS_V2_FROM_WETH, SLIP),
        ("WETH", LEGS_V3_FROM_WETH, SLIP),
        ("DAI", LEGS_FROM_DAI, SLIP),
        # LINK through WETH on V3 pays 0.3% + 1% in pool fees.
        ("DAI", LEGS_V3_FROM_DAI, 200),
        ("DAI", LEGS_V2_FROM_DAI_SHARED, SLIP),
    ],
    ids=["weth-v2", "weth-v3-fee-tiers", "dai-v2-link-via-weth", "dai-v3-shared-pool", "dai-v2-shared-pair"],
)
def test_mint_exact__erc20_input__mints_exact_shares_and_spends_the_quote(
    zp_zap, zp_vault, zp_uni, zp_tokens, bob, chain, pay, legs, slip
):
    token = zp_tokens[pay]
    quote = zp_zap.quote_mint_exact.call(zp_vault, SHARES, token, legs, slip)
    fund(zp_uni, token, bob, quote * 2, zp_zap)
    before = token.balanceOf(bob)
    zp_zap.mint_exact(zp_vault, SHARES, token, quote * 2, legs, slip, bob, deadline(chain), sender=bob)
    assert zp_vault.balanceOf(bob) == SHARES
    # To the base unit, also when every leg crosses the same DAI/WETH pool (the shared cases).
    assert before - token.balanceOf(bob) == quote
    # $4,000 of index for at most 1% + fees over it, in DAI or WETH.
    assert usd(pay, quote) < 4_000 * 1.02


def test_mint_exact__eth__refunds_the_unspent_ether(zp_zap, zp_vault, bob, chain):
    quote = zp_zap.quote_mint_exact.call(zp_vault, SHARES, ETH, LEGS_V3_FROM_WETH, SLIP)
    bob.balance += 10**20
    before = bob.balance
    receipt = zp_zap.mint_exact(
        zp_vault,
        SHARES,
        ETH,
        quote * 2,
        LEGS_V3_FROM_WETH,
        SLIP,
        bob,
        deadline(chain),
        sender=bob,
        value=quote * 2,
    )
    assert zp_vault.balanceOf(bob) == SHARES
    assert before - bob.balance == quote + receipt.total_fees_paid


def test_mint_exact__caller_max_below_the_need__refused_by_name_nothing_spent(
    zp_zap, zp_vault, zp_uni, bob, chain
):
    weth = zp_uni.weth
    quote = zp_zap.quote_mint_exact.call(zp_vault, SHARES, weth, LEGS_V2_FROM_WETH, SLIP)
    fund(zp_uni, weth, bob, quote, zp_zap)
    with ape.reverts("zap: max input exceeded"):
        zp_zap.mint_exact(
            zp_vault, SHARES, weth, quote - 1, LEGS_V2_FROM_WETH, SLIP, bob, deadline(chain), sender=bob
        )
    assert weth.balanceOf(bob) == quote


def test_mint_exact__quote_moved_between_preview_and_call__refused_by_name_nothing_spent(
    zp_zap, zp_vault, zp_uni, zp_tokens, bob, carol, chain
):
    weth = zp_uni.weth
    quote = zp_zap.quote_mint_exact.call(zp_vault, SHARES, weth, LEGS_V2_FROM_WETH, SLIP)
    fund(zp_uni, weth, bob, quote, zp_zap)
    # Someone else buys WBTC on the same pair between bob's quote and his call.
    fund(zp_uni, weth, carol, 10**18, zp_uni.router)
    zp_uni.router.swapExactTokensForTokens(
        10**18, 0, [weth, zp_tokens["WBTC"]], carol, MAX_UINT, sender=carol
    )
    with ape.reverts("zap: max input exceeded"):
        zp_zap.mint_exact(
            zp_vault, SHARES, weth, quote, LEGS_V2_FROM_WETH, SLIP, bob, deadline(chain), sender=bob
        )
    assert weth.balanceOf(bob) == quote
    assert zp_vault.balanceOf(bob) == 0


@pytest.mark.parametrize("legs", [LEGS_V2_FROM_DAI_SHARED, LEGS_V3_FROM_DAI], ids=["v2-pair", "v3-pool"])
def test_quote_mint_exact__legs_sharing_a_pool__each_leg_sees_the_ones_before_it(
    zp_zap, zp_vault, zp_venues, zp_tokens, legs
):
    """Quoted alone, each leg would find the DAI/WETH pool untouched and the sum would undercharge;
    the zap's quote runs the legs in one session, so it is dearer than that sum (and equals the
    call: test_mint_exact__erc20_input__mints_exact_shares_and_spends_the_quote)."""
    dai = zp_tokens["DAI"]
    need = zp_vault.preview_mint(SHARES)
    alone = 0
    for symbol, amount, code in zip(COMPONENTS, need, legs, strict=True):
        venue = zp_venues[code >> 64]
        quote = getattr(venue.quote, "call", venue.quote)  # a view on V2, a reverted swap on V3
        alone += quote(dai, zp_tokens[symbol], amount, code & (2**64 - 1), True)
    quote = zp_zap.quote_mint_exact.call(zp_vault, SHARES, dai, legs, 200)
    assert quote > alone


# ---------------------------------------------------------------------------------------------
# mint_from
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pay,legs,slip",
    [
        ("ETH", LEGS_V3_FROM_WETH, SLIP),
        ("WETH", LEGS_V2_FROM_WETH, SLIP),
        ("DAI", LEGS_FROM_DAI, SLIP),
        ("DAI", LEGS_V3_FROM_DAI, 200),
        ("DAI", LEGS_V2_FROM_DAI_SHARED, SLIP),
    ],
    ids=["eth-v3", "weth-v2", "dai-mixed", "dai-v3-shared-pool", "dai-v2-shared-pair"],
)
def test_mint_from__exact_input__spends_it_all_and_mints_the_quoted_shares(
    zp_zap, zp_vault, zp_uni, zp_tokens, bob, chain, pay, legs, slip
):
    spend = zp_amount("WETH" if pay == "ETH" else pay, 4_000)
    token = ETH if pay == "ETH" else zp_tokens[pay]
    quoted = zp_zap.quote_mint_from.call(zp_vault, token, spend, legs, slip)
    if pay == "ETH":
        bob.balance += 10**20
        before = bob.balance
        receipt = zp_zap.mint_from(
            zp_vault, ETH, spend, quoted, legs, slip, bob, deadline(chain), sender=bob, value=spend
        )
        paid = before - bob.balance - receipt.total_fees_paid
    else:
        fund(zp_uni, zp_tokens[pay], bob, spend, zp_zap)
        zp_zap.mint_from(zp_vault, token, spend, quoted, legs, slip, bob, deadline(chain), sender=bob)
        paid = spend - zp_tokens[pay].balanceOf(bob)
    minted = zp_vault.balanceOf(bob)
    assert minted == quoted
    # Spent all of it but what came back: the input a V2 pair cannot use (worth less than one
    # base unit of what it buys) and, when the input is a component, its share's dust.
    assert usd("WETH" if pay == "ETH" else pay, spend - paid) < 4_000 * 0.0005
    # $4,000 buys close to 10 index tokens ($400 each): fees and impact cost well under 2%.
    assert 9.8 * 10**18 < minted < 10 * 10**18
    # Component dust came back to bob: worth less than 1% of the input.
    dust = sum(usd(s, zp_tokens[s].balanceOf(bob)) for s in COMPONENTS if s != "WETH")
    assert dust < 40


def test_mint_from__min_shares_above_the_quote__refused_by_name(zp_zap, zp_vault, zp_uni, bob, chain):
    weth = zp_uni.weth
    spend = 2 * 10**18
    quoted = zp_zap.quote_mint_from.call(zp_vault, weth, spend, LEGS_V2_FROM_WETH, SLIP)
    fund(zp_uni, weth, bob, spend, zp_zap)
    with ape.reverts("zap: too few shares"):
        zp_zap.mint_from(
            zp_vault, weth, spend, quoted + 1, LEGS_V2_FROM_WETH, SLIP, bob, deadline(chain), sender=bob
        )
    assert weth.balanceOf(bob) == spend


# ---------------------------------------------------------------------------------------------
# redeem_to
# ---------------------------------------------------------------------------------------------

SELL_V2_TO_WETH = [leg(V2, 0), leg(V2, 0), leg(V2, 0), 0]
SELL_V3_TO_WETH = [leg(V3, 3000), leg(V3, 3000), leg(V3, 10000), 0]
# To USDC (itself not sold), no two legs sharing a pool: WBTC through WETH on V2, LINK through
# WETH on V3 (1%, then 0.05%), WETH on the V3 0.3% pool.
SELL_TO_USDC = [0, leg(V2, 1), leg(V3, 10000 | 500 << 24), leg(V3, 3000)]
SELL_TO_DAI = [leg(V2, 0), leg(V2, 0), leg(V3, 10000 | 3000 << 24), leg(V2, 0)]
# Every leg ends on the WETH/DAI pool (V3 0.3%) or pair (V2), WETH's own leg included.
SELL_V3_TO_DAI_SHARED = [
    leg(V3, 500 | 3000 << 24),
    leg(V3, 3000 | 3000 << 24),
    leg(V3, 10000 | 3000 << 24),
    leg(V3, 3000),
]
SELL_V2_TO_DAI_SHARED = [leg(V2, 1), leg(V2, 1), leg(V2, 1), leg(V2, 0)]


@pytest.mark.parametrize(
    "out,legs",
    [
        ("ETH", SELL_V3_TO_WETH),
        ("WETH", SELL_V2_TO_WETH),
        ("USDC", SELL_TO_USDC),
        ("DAI", SELL_TO_DAI),
        ("DAI", SELL_V3_TO_DAI_SHARED),
        ("DAI", SELL_V2_TO_DAI_SHARED),
    ],
    ids=[
        "eth-v3",
        "weth-v2",
        "usdc-component",
        "dai-not-a-component",
        "dai-v3-shared-pool",
        "dai-v2-shared-pair",
    ],
)
def test_redeem_to__one_token__pays_the_quote_to_the_receiver(
    zp_zap, zp_vault, zp_tokens, alice, carol, chain, out, legs
):
    token = ETH if out == "ETH" else zp_tokens[out]
    quoted = zp_zap.quote_redeem_to.call(zp_vault, SHARES, token, legs, 200)
    zp_vault.approve(zp_zap, SHARES, sender=alice)
    held = zp_vault.balanceOf(alice)
    components = [zp_tokens[s].balanceOf(alice) for s in COMPONENTS]
    before = carol.balance if out == "ETH" else token.balanceOf(carol)
    zp_zap.redeem_to(zp_vault, SHARES, token, quoted, legs, 200, carol, deadline(chain), sender=alice)
    after = carol.balance if out == "ETH" else token.balanceOf(carol)
    assert after - before == quoted
    assert zp_vault.balanceOf(alice) == held - SHARES
    # Every component sold in full: a base unit of each output here is worth under a cent, so no
    # leg cuts its input to whole output units, and no dust comes back to alice.
    assert [zp_tokens[s].balanceOf(alice) for s in COMPONENTS] == components
    # $4,000 of basket into one token: within 2% of it.
    assert usd("WETH" if out == "ETH" else out, quoted) > 4_000 * 0.98


def test_redeem_to__quote_moved_between_preview_and_call__refused_by_name_nothing_spent(
    zp_zap, zp_vault, zp_uni, zp_tokens, alice, carol, chain
):
    weth = zp_uni.weth
    quoted = zp_zap.quote_redeem_to.call(zp_vault, SHARES, weth, SELL_V2_TO_WETH, SLIP)
    zp_vault.approve(zp_zap, SHARES, sender=alice)
    held = zp_vault.balanceOf(alice)
    # Someone sells LINK into the LINK/WETH pair first: LINK now buys less WETH.
    fund(zp_uni, zp_tokens["LINK"], carol, 10**20, zp_uni.router)
    zp_uni.router.swapExactTokensForTokens(
        10**20, 0, [zp_tokens["LINK"], weth], carol, MAX_UINT, sender=carol
    )
    with ape.reverts("zap: output below minimum"):
        zp_zap.redeem_to(
            zp_vault, SHARES, weth, quoted, SELL_V2_TO_WETH, SLIP, alice, deadline(chain), sender=alice
        )
    assert zp_vault.balanceOf(alice) == held


# ---------------------------------------------------------------------------------------------
# The oracle bound and a sandwich
# ---------------------------------------------------------------------------------------------


def test_mint_exact__sandwich_past_the_oracle_bound__refused_and_the_attacker_loses(
    zp_zap, zp_vault, zp_uni, zp_tokens, bob, attacker, chain
):
    """The attacker pushes WBTC up 5% on the V2 pair bob's leg uses; bob's own max is loose
    (twice the quote), but the leg may pay at most 1.5% over the oracle: bob's call reverts, and
    the attacker's back-run only pays the pair's fees twice."""
    weth, wbtc = zp_uni.weth, zp_tokens["WBTC"]
    quote = zp_zap.quote_mint_exact.call(zp_vault, SHARES, weth, LEGS_V2_FROM_WETH, SLIP)
    fund(zp_uni, weth, bob, quote * 2, zp_zap)
    start = 30 * 10**18
    fund(zp_uni, weth, attacker, start, zp_uni.router)
    wbtc.approve(zp_uni.router, MAX_UINT, sender=attacker)
    zp_uni.router.swapExactTokensForTokens(start, 0, [weth, wbtc], attacker, MAX_UINT, sender=attacker)
    with ape.reverts("zap: leg off the oracle"):
        zp_zap.mint_exact(
            zp_vault, SHARES, weth, quote * 2, LEGS_V2_FROM_WETH, SLIP, bob, deadline(chain), sender=bob
        )
    zp_uni.router.swapExactTokensForTokens(
        wbtc.balanceOf(attacker), 0, [wbtc, weth], attacker, MAX_UINT, sender=attacker
    )
    assert weth.balanceOf(attacker) < start
    assert weth.balanceOf(bob) == quote * 2


def test_mint_exact__sandwich_within_the_bound__caller_pays_at_most_the_oracle_bound(
    zp_zap, zp_vault, zp_uni, zp_tokens, zp_adapter, bob, attacker, chain
):
    """A smaller front-run that stays inside the 1.5% bound: bob's mint goes through, and what each
    leg paid is at most 1.5% over the oracle value of what it bought, so the attacker's take is
    capped by bob's own slippage (and here does not even cover the pair's fees)."""
    weth, wbtc = zp_uni.weth, zp_tokens["WBTC"]
    fund(zp_uni, weth, bob, 10 * 10**18, zp_zap)
    start = 10**18
    fund(zp_uni, weth, attacker, start, zp_uni.router)
    wbtc.approve(zp_uni.router, MAX_UINT, sender=attacker)
    zp_uni.router.swapExactTokensForTokens(start, 0, [weth, wbtc], attacker, MAX_UINT, sender=attacker)
    before = weth.balanceOf(bob)
    zp_zap.mint_exact(
        zp_vault, SHARES, weth, 10 * 10**18, LEGS_V2_FROM_WETH, SLIP, bob, deadline(chain), sender=bob
    )
    zp_uni.router.swapExactTokensForTokens(
        wbtc.balanceOf(attacker), 0, [wbtc, weth], attacker, MAX_UINT, sender=attacker
    )
    spent = before - weth.balanceOf(bob)
    # The oracle value, in WETH, of everything bob's WETH bought: the shares' components and the
    # component dust returned to him.
    bought = [
        a + zp_tokens[s].balanceOf(bob)
        for s, a in zip(COMPONENTS, zp_vault.preview_mint(SHARES), strict=True)
    ]
    fair = sum(zp_adapter.value(zp_tokens[s], a) for s, a in zip(COMPONENTS, bought, strict=True))
    fair = fair * 10**18 // zp_adapter.price(weth)
    assert spent * (10_000 - SLIP) <= fair * 10_000
    # Whatever the attacker made is at most what bob paid over the oracle value.
    assert weth.balanceOf(attacker) - start <= max(spent - fair, 0)


def test_redeem_to__pool_off_the_oracle__refused_by_name(zp_zap, zp_vault, zp_feeds, alice, chain, zp_uni):
    # The oracle says WBTC is worth 10% more than the pools pay: selling it there loses >1%.
    zp_feeds["WBTC"].update_answer(33_000 * 10**8, sender=alice)
    zp_vault.approve(zp_zap, SHARES, sender=alice)
    with ape.reverts("zap: leg off the oracle"):
        zp_zap.redeem_to(
            zp_vault, SHARES, zp_uni.weth, 0, SELL_V2_TO_WETH, SLIP, alice, deadline(chain), sender=alice
        )


def test_quote_mint_exact__stale_price__refused_with_the_oracle_reason(zp_zap, zp_vault, zp_uni, chain):
    chain.pending_timestamp += 86_400 + 1
    chain.mine()
    with ape.reverts("oracle: stale price"):
        zp_zap.quote_mint_exact.call(zp_vault, SHARES, zp_uni.weth, LEGS_V2_FROM_WETH, SLIP)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change,reason",
    [
        ({"slip": 301}, "zap: slippage over cap"),
        ({"deadline": -1}, "zap: expired"),
        ({"legs": [leg(3, 0)] * 3 + [0]}, "zap: unknown venue"),
        ({"legs": [leg(V2, 0)] * 3}, "zap: legs length mismatch"),
        ({"legs": [leg(V2, 1), leg(V2, 0), leg(V2, 0), 0]}, "venue: no weth route"),
        ({"legs": [leg(V3, 100), leg(V2, 0), leg(V2, 0), 0]}, "venue: no pool"),
        ({"value": 1}, "zap: ETH not expected"),
        ({"receiver": "0x0000000000000000000000000000000000000000"}, "zap: zero receiver"),
    ],
    ids=["slippage", "deadline", "venue", "legs", "weth-route-from-weth", "no-pool", "eth", "receiver"],
)
def test_mint_exact__bad_input__refused_by_name(zp_zap, zp_vault, zp_uni, bob, chain, change, reason):
    weth = zp_uni.weth
    fund(zp_uni, weth, bob, 10 * 10**18, zp_zap)
    bob.balance += 10**18
    kwargs = {"sender": bob, "value": change.get("value", 0)}
    with ape.reverts(reason):
        zp_zap.mint_exact(
            zp_vault,
            SHARES,
            weth,
            10 * 10**18,
            change.get("legs", LEGS_V2_FROM_WETH),
            change.get("slip", SLIP),
            change.get("receiver", bob),
            chain.pending_timestamp + change.get("deadline", 600),
            **kwargs,
        )


def test_mint_exact__fee_on_transfer_input__refused_by_name_nothing_moved(
    project, zp_zap, zp_vault, zp_uni, zp_adapter, owner, bob, chain
):
    """The caller's input is paid straight to each leg's pool; the first pull is measured where it
    lands, and a token that arrives short is refused by name."""
    fee = owner.deploy(project.FeeOnTransferToken, "Fee", "FEE", 18, 0)
    seed_pair(zp_uni, fee, zp_uni.weth, 10**24, zp_amount("WETH", 1_000_000), owner)
    zp_adapter.set_feed(
        fee, owner.deploy(project.MockAggregator, 8, "FEE / USD", 10**8), STALENESS, sender=owner
    )
    fee.set_fee(100, sender=owner)
    fee.mint(bob, 10**22, sender=bob)
    fee.approve(zp_zap, MAX_UINT, sender=bob)
    legs = [leg(V2, 1), leg(V2, 1), leg(V2, 1), leg(V2, 0)]
    with ape.reverts("zap: fee-on-transfer token"):
        zp_zap.mint_exact(zp_vault, SHARES, fee, 10**22, legs, SLIP, bob, deadline(chain), sender=bob)
    assert fee.balanceOf(bob) == 10**22


def test_mint_exact__eth_value_not_the_max__refused_by_name(zp_zap, zp_vault, bob, chain):
    bob.balance += 10**19
    with ape.reverts("zap: ETH value mismatch"):
        zp_zap.mint_exact(
            zp_vault,
            SHARES,
            ETH,
            10**18,
            LEGS_V3_FROM_WETH,
            SLIP,
            bob,
            deadline(chain),
            sender=bob,
            value=10**18 - 1,
        )


def test_zap__ether_sent_by_anyone_but_weth__refused_by_name(zp_zap, bob):
    with ape.reverts("zap: ETH only from WETH"):
        bob.transfer(zp_zap, 1)


# ---------------------------------------------------------------------------------------------
# A reentrant component
# ---------------------------------------------------------------------------------------------


def test_mint_exact__reentrant_component__reentry_refused_mint_completes(
    zp_zap, zp_rvault, zp_uni, zp_tokens, bob, chain
):
    """RTK calls back into the zap (a second mint_exact for the attacker) from inside every
    transfer; the zap's lock refuses it, the outer mint completes, nothing rests."""
    weth, rtk = zp_uni.weth, zp_tokens["RTK"]
    legs = [leg(V2, 0), leg(V2, 0)]
    fund(zp_uni, weth, bob, 10 * 10**18, zp_zap)
    payload = zp_zap.mint_exact.encode_input(
        zp_rvault, SHARES, weth, 10**18, legs, SLIP, bob, deadline(chain)
    )
    rtk.set_callback(zp_zap, payload, True, sender=bob)
    zp_zap.mint_exact(zp_rvault, SHARES, weth, 10 * 10**18, legs, SLIP, bob, deadline(chain), sender=bob)
    assert zp_rvault.balanceOf(bob) == SHARES
    assert rtk.callback_count() > 0
    assert rtk.callback_reverted()
    rtk.set_callback(zp_zap, payload, False, sender=bob)
    # The same payload outside any transfer would have worked: the lock is what refused it.
    assert rtk.fire.call(sender=bob) is False  # the token holds no WETH approval: reverts too


# ---------------------------------------------------------------------------------------------
# The venues' quotes (added for the zap)
# ---------------------------------------------------------------------------------------------


def test_v3_venue_quote__exact_output__equals_quoterv2_and_moves_nothing(
    zp_venues, zp_uni3, zp_uni, zp_tokens
):
    v3 = zp_venues[1]
    usdc, weth = zp_tokens["USDC"], zp_uni.weth
    want = 1_000 * 10**6
    got = v3.quote.call(weth, usdc, want, 500, True)
    reference = zp_uni3.quoter.quoteExactOutputSingle.call((weth.address, usdc.address, want, 500, 0))
    assert got == reference[0]
    assert v3.quote.call(weth, usdc, got, 500, False) >= want


def test_v2_venue_quote__exact_output_through_weth__buys_at_least_the_amount(zp_venues, zp_tokens):
    v2 = zp_venues[0]
    dai, link = zp_tokens["DAI"], zp_tokens["LINK"]
    want = 50 * 10**18
    needed = v2.quote(dai, link, want, 1, True)
    assert v2.quote(dai, link, needed, 1, False) >= want
    assert v2.quote(dai, link, needed - 1, 1, False) < want
