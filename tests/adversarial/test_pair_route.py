"""The trade's swap path on the live index, through venues: no router and no token hop. The vault pays
the sold tokens where the venue says (the UniswapV2Venue: straight into the pair it derives, CREATE2
of its factory with Uniswap V2's pair init code hash), the rebalancer's callback has the venue make
that pair (and on a two-hop route the WETH pair after it) pay the vault, and the vault's balance-delta
check has the last word.

  route                   vault -> the factory's own pair (-> the WETH pair) -> vault; no token rests
                          in the rebalancer or the venue
  no pair                 a venue over a factory without the pair (direct or second hop): named
                          revert, nothing moves, and checkUpkeep proposes the pair that executes
  WETH as a side          a two-hop route through WETH when one side is WETH, or a venue without
                          WETH: named revert
  someone else's pool     only the rebalancer can make the vault pay, and only where its venue says
  pair for other tokens   a venue over a rogue factory (added by a misled owner) finds real
                          UniswapV2Pair code at the pair's address but for another token: the vault
                          is paid nothing it asked for and the whole trade reverts on its own check
  hoarding venue          a venue that keeps what the vault paid it: the vault's check reverts it all
  venue entry points      the venues' swap and V3 callback called by an attacker move nothing the
                          attacker did not send
"""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_utils import keccak

from vyndex.constants import WAD, ZERO_ADDRESS
from vyndex.reference.artifacts import uniswap_v2, uniswap_v2_contract_type
from vyndex.reference.uniswap_v2 import UniswapV2, deploy_uniswap_v2, pair_address, seed_pair
from vyndex.venues import check_upkeep

from .conftest import SYMBOLS, TARGETS, V3_FEE, amount_of, give, record_profit, token_balances, usd_of

TRANSFER = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
WBTC, USDC, WETH = 2, 1, 0  # basket indexes


def transfers(receipt: Any) -> list[tuple[str, str, str, int]]:
    """Every ERC-20 Transfer in `receipt`: (token, from, to, amount), checksummed, in log order."""
    out = []
    for log in receipt.logs:
        topics = [t.hex() if isinstance(t, bytes) else t for t in log["topics"]]
        topics = [t if t.startswith("0x") else "0x" + t for t in topics]
        if topics[0] != TRANSFER or len(topics) != 3:
            continue
        data = log["data"].hex() if isinstance(log["data"], bytes) else log["data"]
        out.append(
            (
                ape.convert(log["address"], ape.types.AddressType),
                ape.convert("0x" + topics[1][-40:], ape.types.AddressType),
                ape.convert("0x" + topics[2][-40:], ape.types.AddressType),
                int(data, 16),
            )
        )
    return out


def deadline(chain) -> int:
    return chain.pending_timestamp + 600


def only_venue(rebalancer, venue, owner, live_enact) -> None:
    """Makes `venue` the rebalancer's only venue (index 0)."""
    live_enact(rebalancer.add_venue, venue, sender=owner)
    rebalancer.remove_venue(0, sender=owner)  # the last (the new one) takes index 0
    assert rebalancer.venue_count() == 1 and rebalancer.venues(0) == venue.address


def test_trade__direct__vault_pays_the_factory_pair_and_the_pair_pays_the_vault(
    vault, rebalancer, v2_venue, uni, tokens, manager, keeper, chain
):
    rebalancer.set_targets(TARGETS, sender=manager)
    pair = uni.factory.getPair(tokens["WBTC"], tokens["WETH"])
    assert v2_venue.factory() == uni.factory.address

    receipt = rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)

    trade = receipt.events.filter(vault.RebalanceTrade)[0]
    assert trade.amount_in > 0 and trade.amount_out > 0
    assert transfers(receipt) == [
        (tokens["WBTC"].address, vault.address, pair, trade.amount_in),
        (tokens["WETH"].address, pair, vault.address, trade.amount_out),
    ]
    assert token_balances([tokens[s] for s in SYMBOLS], [rebalancer, v2_venue]) == [0, 0, 0]


def test_trade__via_weth__first_pair_pays_the_second_which_pays_the_vault(
    vault, rebalancer, v2_venue, uni, tokens, manager, keeper, chain
):
    rebalancer.set_targets([4000, 4000, 2000], sender=manager)
    first = uni.factory.getPair(tokens["WBTC"], tokens["WETH"])
    second = uni.factory.getPair(tokens["WETH"], tokens["USDC"])

    receipt = rebalancer.trade(WBTC, USDC, 0, 1, 0, deadline(chain), sender=keeper)

    trade = receipt.events.filter(vault.RebalanceTrade)[0]
    moves = transfers(receipt)
    assert [(t, f, to) for t, f, to, _ in moves] == [
        (tokens["WBTC"].address, vault.address, first),
        (tokens["WETH"].address, first, second),
        (tokens["USDC"].address, second, vault.address),
    ]
    assert (moves[0][3], moves[2][3]) == (trade.amount_in, trade.amount_out)
    assert token_balances([tokens[s] for s in SYMBOLS], [rebalancer, v2_venue]) == [0, 0, 0]


def test_trade__factory_without_the_pair__reverts_by_name_and_nothing_moves(
    project, vault, rebalancer, uni, tokens, ordered_tokens, owner, manager, keeper, chain, live_enact
):
    fresh = deploy_uniswap_v2(owner)
    # Only WBTC/WETH exists on the new factory: the direct WBTC/USDC pair and the second hop
    # WETH/USDC do not.
    owner.balance += 1_000 * WAD
    seed_pair(
        UniswapV2(weth=uni.weth, factory=fresh.factory, router=fresh.router),
        tokens["WBTC"],
        tokens["WETH"],
        amount_of("WBTC", 1_000_000),
        amount_of("WETH", 1_000_000),
        owner,
    )
    venue = owner.deploy(project.UniswapV2Venue, fresh.factory, uni.weth)
    only_venue(rebalancer, venue, owner, live_enact)
    rebalancer.set_targets([4000, 4000, 2000], sender=manager)
    held = token_balances(ordered_tokens, [vault])

    for route in (0, 1):
        with ape.reverts("venue: no pair"):
            rebalancer.trade(WBTC, USDC, 0, route, 0, deadline(chain), sender=keeper)
    assert token_balances(ordered_tokens, [vault]) == held
    assert rebalancer.trades() == rebalancer.plans() == 0
    # checkUpkeep skips the pair that cannot execute and proposes the one that does.
    proposal = check_upkeep(rebalancer)
    assert proposal.needed and (proposal.sell, proposal.buy, proposal.venue, proposal.route) == (
        WBTC,
        WETH,
        0,
        0,
    )
    rebalancer.performUpkeep(proposal.data, sender=keeper)
    assert token_balances(ordered_tokens, [vault])[WBTC] < held[WBTC]


def test_trade__via_weth_with_weth_as_a_side_or_no_weth__reverts_by_name(
    project, rebalancer, uni, tokens, owner, manager, keeper, chain, live_enact
):
    rebalancer.set_targets([4000, 4000, 2000], sender=manager)
    with ape.reverts("venue: no weth route"):
        rebalancer.trade(WBTC, WETH, 0, 1, 0, deadline(chain), sender=keeper)
    with ape.reverts("venue: unknown route"):
        rebalancer.trade(WBTC, USDC, 0, 2, 0, deadline(chain), sender=keeper)
    no_weth = owner.deploy(project.UniswapV2Venue, uni.factory, ZERO_ADDRESS)
    only_venue(rebalancer, no_weth, owner, live_enact)
    assert list(no_weth.routes(tokens["WBTC"], tokens["USDC"])) == [0]
    with ape.reverts("venue: no weth route"):
        rebalancer.trade(WBTC, USDC, 0, 1, 0, deadline(chain), sender=keeper)
    rebalancer.trade(WBTC, USDC, 0, 0, 0, deadline(chain), sender=keeper)
    assert rebalancer.trades() == 1


def test_someone_elses_pool__only_the_rebalancer_makes_the_vault_pay__and_its_callback_is_the_vaults(
    vault, rebalancer, tokens, ordered_tokens, attacker, keeper, owner, manager
):
    held = token_balances(ordered_tokens, [vault])
    # An attacker naming itself (or any pool) as the payee: refused before anything moves.
    with ape.reverts("vault: caller is not the rebalancer"):
        vault.rebalance_trade(WBTC, amount_of("WBTC", 1_000), WETH, 1, attacker, sender=attacker)
    # Anyone asking the rebalancer to swap outside a trade, the roles included: refused.
    for who in (attacker, keeper, owner, manager):
        with ape.reverts("rebalancer: unexpected callback"):
            rebalancer.on_rebalance_trade(tokens["WBTC"], 1, tokens["WETH"], 1, sender=who)
    assert token_balances(ordered_tokens, [vault]) == held


def test_on_rebalance_trade__outside_a_trade_with_tokens_in_the_pair__rejected_and_nothing_moves(
    vault, rebalancer, uni, tokens, ordered_tokens, attacker, manager, keeper, chain
):
    # The attacker leaves WBTC in the pair, so a served callback would have the pair pay out.
    rebalancer.set_targets(TARGETS, sender=manager)
    give(uni, tokens["WBTC"], attacker, amount_of("WBTC", 10_000))
    pair = uni.factory.getPair(tokens["WBTC"], tokens["WETH"])
    tokens["WBTC"].transfer(pair, amount_of("WBTC", 10_000), sender=attacker)
    watched = [vault, attacker, pair, rebalancer]
    before = [token_balances(ordered_tokens, [w]) for w in watched]

    with ape.reverts("rebalancer: unexpected callback"):
        rebalancer.on_rebalance_trade(
            tokens["WBTC"], amount_of("WBTC", 10_000), tokens["WETH"], 1, sender=attacker
        )

    assert [token_balances(ordered_tokens, [w]) for w in watched] == before
    # The control: a real trade right after is served (the callback works inside a trade).
    receipt = rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)
    assert receipt.events.filter(vault.RebalanceTrade)


def test_rogue_factory__real_pair_code_for_another_token_at_the_pair_address__trade_reverts_vault_keeps_all(
    project,
    vault,
    rebalancer,
    adapter,
    uni,
    tokens,
    ordered_tokens,
    owner,
    manager,
    keeper,
    attacker,
    chain,
    create_token,
    live_enact,
):
    wbtc, weth = tokens["WBTC"], tokens["WETH"]
    junk = create_token(18, "Junk", "JUNK")
    rogue = attacker.deploy(project.RogueFactory)
    # At the address of rogue's "WBTC/WETH pair": real UniswapV2Pair code, but for WBTC and JUNK, with
    # JUNK on the side where the venue expects WETH, and deep liquidity so that the swap pays.
    init_code = uniswap_v2_contract_type("UniswapV2Pair").deployment_bytecode.bytecode
    wbtc_first = int(wbtc.address, 16) < int(weth.address, 16)
    real0, real1 = (wbtc, junk) if wbtc_first else (junk, wbtc)
    rogue.deploy_pair(init_code, wbtc, weth, real0, real1, sender=attacker)
    fake = uniswap_v2("UniswapV2Pair").at(pair_address(rogue, wbtc, weth))
    assert (fake.token0(), fake.token1()) == (real0.address, real1.address)
    give(uni, wbtc, attacker, amount_of("WBTC", 1_000_000))
    junk.mint(attacker, 10**30, sender=attacker)
    wbtc.transfer(fake, amount_of("WBTC", 1_000_000), sender=attacker)
    junk.transfer(fake, 10**30, sender=attacker)
    fake.mint(attacker, sender=attacker)

    rebalancer.set_targets(TARGETS, sender=manager)
    rogue_venue = attacker.deploy(project.UniswapV2Venue, rogue, weth)
    live_enact(rebalancer.add_venue, rogue_venue, sender=owner)  # the misled owner: venue 1
    held = token_balances([*ordered_tokens, junk], [vault])
    fake_reserves = fake.getReserves()[:2]
    before = usd_of(vault, adapter, ordered_tokens, [attacker])

    # The vault pays WBTC into the rogue pair, the pair pays JUNK: the vault's WETH did not grow.
    with ape.reverts("vault: trade returned too little"):
        rebalancer.trade(WBTC, WETH, 1, 0, 0, deadline(chain), sender=keeper)

    assert token_balances([*ordered_tokens, junk], [vault]) == held
    assert fake.getReserves()[:2] == fake_reserves
    assert rebalancer.trades() == rebalancer.plans() == 0
    profit = usd_of(vault, adapter, ordered_tokens, [attacker]) - before
    record_profit("rogue factory: pair for another token at the pair address", profit)
    assert profit <= 0
    # checkUpkeep never proposes the rogue venue: its simulation reverts, the real venue's runs.
    proposal = check_upkeep(rebalancer)
    assert proposal.needed and proposal.venue == 0
    # The control: the same trade through the real factory's venue goes through.
    rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)


@pytest.mark.parametrize("refund", [False, True], ids=["keeps the tokens", "refunds and buys nothing"])
def test_hoarding_venue__added_by_owner__trade_reverts_vault_balances_unchanged(
    project,
    vault,
    rebalancer,
    adapter,
    tokens,
    ordered_tokens,
    owner,
    manager,
    keeper,
    attacker,
    chain,
    refund,
    live_enact,
):
    hoard = attacker.deploy(project.HoardingVenue)
    hoard.set_refund(refund, sender=attacker)
    live_enact(rebalancer.add_venue, hoard, sender=owner)  # venue 1
    rebalancer.set_targets(TARGETS, sender=manager)
    held = token_balances(ordered_tokens, [vault])
    holdings = list(vault.holdings())
    before = usd_of(vault, adapter, ordered_tokens, [attacker, hoard])

    # Kept: nothing arrived. Refunded: nothing left the vault either (the delta check).
    with ape.reverts("vault: nothing sold" if refund else "vault: trade returned too little"):
        rebalancer.trade(WBTC, WETH, 1, 0, 0, deadline(chain), sender=keeper)

    assert token_balances(ordered_tokens, [vault]) == held
    assert list(vault.holdings()) == holdings
    assert token_balances(ordered_tokens, [hoard]) == [0, 0, 0]
    assert hoard.swaps() == 0  # its swap ran, and was rolled back with the trade
    assert (rebalancer.trades(), rebalancer.plans(), rebalancer.rebalance_started()) == (0, 0, 0)
    assert list(rebalancer.last_trades()) == [0, 0, 0]
    profit = usd_of(vault, adapter, ordered_tokens, [attacker, hoard]) - before
    record_profit(f"hoarding venue ({'refund' if refund else 'keep'})", profit)
    assert profit <= 0
    # With only the hoarding venue, checkUpkeep finds nothing that executes, and says so.
    rebalancer.remove_venue(0, sender=owner)
    proposal = check_upkeep(rebalancer)
    assert not proposal.needed and proposal.reason == 7, proposal.why


def test_forging_venue__reverts_with_fake_simulation_success__scout_never_proposes_it(
    project, rebalancer, owner, manager, attacker, live_enact
):
    forger = attacker.deploy(project.HoardingVenue)
    forger.set_forge(True, sender=attacker)
    live_enact(rebalancer.add_venue, forger, sender=owner)  # venue 1, claiming a route for every pair
    rebalancer.set_targets(TARGETS, sender=manager)
    # Its forged "SIMU" revert (1 wei sold for 1e40 bought) would win on rate if it passed for a
    # finished simulation; without the scout's salt it does not, and the real venue is proposed.
    proposal = check_upkeep(rebalancer)
    assert proposal.needed and proposal.venue == 0
    rebalancer.remove_venue(0, sender=owner)
    alone = check_upkeep(rebalancer)
    assert not alone.needed and alone.reason == 7, alone.why


def test_venues__owner_lists_them__no_code_duplicate_too_many_unknown_refused_by_name(
    project, rebalancer, v2_venue, uni, owner, attacker, keeper, manager, chain, live_enact
):
    with ape.reverts("venue: factory has no code"):
        owner.deploy(project.UniswapV2Venue, ZERO_ADDRESS, uni.weth)
    with ape.reverts("venue: factory has no code"):
        owner.deploy(project.UniswapV3Venue, attacker, uni.weth)
    with ape.reverts("rebalancer: venue has no code"):
        live_enact(rebalancer.add_venue, attacker, sender=owner)
    with ape.reverts("rebalancer: duplicate venue"):
        live_enact(rebalancer.add_venue, v2_venue, sender=owner)
    for _ in range(3):
        live_enact(
            rebalancer.add_venue,
            owner.deploy(project.UniswapV2Venue, uni.factory, ZERO_ADDRESS),
            sender=owner,
        )
    assert rebalancer.venue_count() == rebalancer.MAX_VENUES() == 4
    with ape.reverts("rebalancer: too many venues"):
        live_enact(
            rebalancer.add_venue,
            owner.deploy(project.UniswapV2Venue, uni.factory, ZERO_ADDRESS),
            sender=owner,
        )
    with ape.reverts("rebalancer: unknown venue"):
        rebalancer.remove_venue(4, sender=owner)
    rebalancer.set_targets(TARGETS, sender=manager)
    with ape.reverts("rebalancer: unknown venue"):
        rebalancer.trade(WBTC, WETH, 4, 0, 0, deadline(chain), sender=keeper)
    # Removing every venue leaves nothing to trade through.
    for _ in range(4):
        rebalancer.remove_venue(0, sender=owner)
    with ape.reverts("rebalancer: unknown venue"):
        rebalancer.trade(WBTC, WETH, 0, 0, 0, deadline(chain), sender=keeper)
    proposal = check_upkeep(rebalancer)
    assert not proposal.needed and proposal.reason == 2, proposal.why


def test_init_code_hashes__venues__are_uniswaps_v2_pair_and_v3_pool(v2_venue, v3_world):
    from vyndex.reference.uniswap_v2 import pair_init_code_hash
    from vyndex.reference.uniswap_v3 import pool_init_code_hash

    assert bytes(v2_venue.PAIR_INIT_CODE_HASH()) == pair_init_code_hash()
    assert bytes(v3_world[1].POOL_INIT_CODE_HASH()) == pool_init_code_hash()


# ---------------------------------------------------------------------------------------------
# The venues' own entry points, called by an attacker
# ---------------------------------------------------------------------------------------------


def test_v2_venue_swap__attacker_sends_nothing__reverts_and_no_pair_or_vault_balance_moves(
    vault, v2_venue, uni, tokens, ordered_tokens, attacker
):
    pair = uni.factory.getPair(tokens["WBTC"], tokens["WETH"])
    watched = [vault, pair, attacker, v2_venue]
    before = [token_balances(ordered_tokens, [w]) for w in watched]

    # Claiming an input it never sent: the pair sees no input and refuses to pay out.
    with ape.reverts("UniswapV2: INSUFFICIENT_INPUT_AMOUNT"):
        v2_venue.swap(
            tokens["WBTC"], tokens["WETH"], amount_of("WBTC", 10_000), 0, 0, attacker, sender=attacker
        )
    with ape.reverts("UniswapV2: INSUFFICIENT_INPUT_AMOUNT"):
        v2_venue.swap(
            tokens["WBTC"], tokens["USDC"], amount_of("WBTC", 10_000), 0, 1, attacker, sender=attacker
        )

    assert [token_balances(ordered_tokens, [w]) for w in watched] == before


def test_v2_venue_swap__attacker_sends_its_own_tokens__gets_exactly_the_routers_quote_vault_untouched(
    vault, v2_venue, uni, tokens, ordered_tokens, attacker
):
    pair = uni.factory.getPair(tokens["WBTC"], tokens["WETH"])
    amount = amount_of("WBTC", 10_000)
    give(uni, tokens["WBTC"], attacker, amount)
    quote = uni.router.getAmountsOut(amount, [tokens["WBTC"], tokens["WETH"]])[-1]
    vault_before = token_balances(ordered_tokens, [vault])
    weth_before = tokens["WETH"].balanceOf(attacker)

    tokens["WBTC"].transfer(pair, amount, sender=attacker)
    v2_venue.swap(tokens["WBTC"], tokens["WETH"], amount, 0, 0, attacker, sender=attacker)

    # Exactly what the pair's own swap would pay for its own input: nothing more, from no one else.
    assert tokens["WETH"].balanceOf(attacker) - weth_before == quote > 0
    assert token_balances(ordered_tokens, [vault]) == vault_before
    assert token_balances(ordered_tokens, [v2_venue]) == [0, 0, 0]


def test_v3_callback__called_by_a_non_pool__reverts_and_the_venue_pays_nothing(
    v3_world, uni, tokens, ordered_tokens, attacker, owner
):
    _, venue, pool = v3_world
    # Tokens stranded in the venue (sent by mistake): a forged callback would try to take them.
    give(uni, tokens["WBTC"], owner, amount_of("WBTC", 1_000))
    tokens["WBTC"].transfer(venue, amount_of("WBTC", 1_000), sender=owner)
    before = [token_balances(ordered_tokens, [w]) for w in (venue, attacker, pool)]
    wbtc_first = int(tokens["WBTC"].address, 16) < int(tokens["WETH"].address, 16)
    owed = amount_of("WBTC", 1_000)
    deltas = (owed, -1) if wbtc_first else (-1, owed)

    for who in (attacker, owner):
        with ape.reverts("venue: unexpected callback"):
            venue.uniswapV3SwapCallback(*deltas, b"", sender=who)
    with ape.reverts("venue: unexpected callback"):
        venue.uniswapV3SwapCallback(owed, owed, b"\x00" * 64, sender=attacker)

    assert [token_balances(ordered_tokens, [w]) for w in (venue, attacker, pool)] == before


def test_v3_venue__trade_through_the_pool__callback_pays_the_pool_and_nothing_rests_in_the_venue(
    vault, rebalancer, v3_world, tokens, ordered_tokens, owner, manager, keeper, chain, live_enact
):
    _, venue, pool = v3_world
    live_enact(rebalancer.add_venue, venue, sender=owner)  # venue 1
    rebalancer.set_targets(TARGETS, sender=manager)

    receipt = rebalancer.trade(WBTC, WETH, 1, V3_FEE, 0, deadline(chain), sender=keeper)

    trade = receipt.events.filter(vault.RebalanceTrade)[0]
    moves = transfers(receipt)
    assert [(t, f, to) for t, f, to, _ in moves] == [
        (tokens["WBTC"].address, vault.address, venue.address),
        (tokens["WETH"].address, pool.address, vault.address),
        (tokens["WBTC"].address, venue.address, pool.address),
    ]
    assert (moves[0][3], moves[1][3], moves[2][3]) == (trade.amount_in, trade.amount_out, trade.amount_in)
    assert token_balances(ordered_tokens, [venue, rebalancer]) == [0, 0, 0]
