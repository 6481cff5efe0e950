"""The trade's swap path on the live index: no router and no token hop. The vault pays the sold tokens
straight into the pair the rebalancer derives (CREATE2 of the router's factory with Uniswap V2's pair
init code hash), the rebalancer's callback has that pair (and on a two-hop route the WETH pair after it)
pay the vault, and the vault's balance-delta check has the last word.

  route                   vault -> the factory's own pair (-> the WETH pair) -> vault; no token rests
                          in the rebalancer
  no pair                 a factory without the pair (direct or second hop): named revert, nothing moves
  WETH as a side          a two-hop route through WETH when one side is WETH: named revert
  someone else's pool     only the rebalancer can make the vault pay, and only to the pair it derived
  pair for other tokens   a rogue factory (set by a misled owner) holds a real UniswapV2Pair at the
                          pair's address but for another token: the vault is paid nothing it asked for
                          and the whole trade reverts on the vault's own check
"""

from __future__ import annotations

from typing import Any

import ape
from eth_utils import keccak

from vyndex.artifacts import uniswap_v2, uniswap_v2_contract_type
from vyndex.uniswap import UniswapV2, deploy_uniswap_v2, pair_address, seed_pair

from .conftest import SYMBOLS, TARGETS, WAD, amount_of, give, record_profit, token_balances, usd_of

TRANSFER = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
ZERO = "0x0000000000000000000000000000000000000000"
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


def plan(rebalancer, manager, keeper, targets=TARGETS) -> None:
    rebalancer.set_targets(targets, sender=manager)
    rebalancer.start_rebalance(sender=keeper)


def deadline(chain) -> int:
    return chain.pending_timestamp + 600


def test_trade__direct__vault_pays_the_factory_pair_and_the_pair_pays_the_vault(
    vault, rebalancer, uni, tokens, manager, keeper, chain
):
    plan(rebalancer, manager, keeper)
    pair = uni.factory.getPair(tokens["WBTC"], tokens["WETH"])
    assert rebalancer.factory() == uni.factory.address

    receipt = rebalancer.trade(WBTC, WETH, False, 0, deadline(chain), sender=keeper)

    trade = receipt.events.filter(vault.RebalanceTrade)[0]
    assert transfers(receipt) == [
        (tokens["WBTC"].address, vault.address, pair, trade.amount_in),
        (tokens["WETH"].address, pair, vault.address, trade.amount_out),
    ]
    assert token_balances([tokens[s] for s in SYMBOLS], [rebalancer]) == [0, 0, 0]


def test_trade__via_weth__first_pair_pays_the_second_which_pays_the_vault(
    vault, rebalancer, uni, tokens, manager, keeper, chain
):
    plan(rebalancer, manager, keeper, [4000, 4000, 2000])
    first = uni.factory.getPair(tokens["WBTC"], tokens["WETH"])
    second = uni.factory.getPair(tokens["WETH"], tokens["USDC"])

    receipt = rebalancer.trade(WBTC, USDC, True, 0, deadline(chain), sender=keeper)

    trade = receipt.events.filter(vault.RebalanceTrade)[0]
    moves = transfers(receipt)
    assert [(t, f, to) for t, f, to, _ in moves] == [
        (tokens["WBTC"].address, vault.address, first),
        (tokens["WETH"].address, first, second),
        (tokens["USDC"].address, second, vault.address),
    ]
    assert (moves[0][3], moves[2][3]) == (trade.amount_in, trade.amount_out)
    assert token_balances([tokens[s] for s in SYMBOLS], [rebalancer]) == [0, 0, 0]


def test_trade__factory_without_the_pair__reverts_by_name_and_nothing_moves(
    vault, rebalancer, uni, tokens, ordered_tokens, owner, manager, keeper, chain
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
    rebalancer.set_router(fresh.router, uni.weth, sender=owner)
    assert rebalancer.factory() == fresh.factory.address
    plan(rebalancer, manager, keeper, [4000, 4000, 2000])
    held = token_balances(ordered_tokens, [vault])

    for via_weth in (False, True):
        with ape.reverts("rebalancer: no pair"):
            rebalancer.trade(WBTC, USDC, via_weth, 0, deadline(chain), sender=keeper)
    # The routing hint copes with missing pairs: it proposes the trade, and the trade says why not.
    assert rebalancer.checkUpkeep(b"")[0]
    assert token_balances(ordered_tokens, [vault]) == held
    # The pair that does exist trades.
    rebalancer.trade(WBTC, WETH, False, 0, deadline(chain), sender=keeper)


def test_trade__via_weth_with_weth_as_a_side_or_no_weth__reverts_by_name(
    rebalancer, uni, owner, manager, keeper, chain
):
    plan(rebalancer, manager, keeper, [4000, 4000, 2000])
    with ape.reverts("rebalancer: no weth route"):
        rebalancer.trade(WBTC, WETH, True, 0, deadline(chain), sender=keeper)
    rebalancer.set_router(uni.router, ZERO, sender=owner)
    with ape.reverts("rebalancer: no weth route"):
        rebalancer.trade(WBTC, USDC, True, 0, deadline(chain), sender=keeper)
    rebalancer.trade(WBTC, USDC, False, 0, deadline(chain), sender=keeper)


def test_someone_elses_pool__only_the_rebalancer_makes_the_vault_pay__and_its_callback_is_the_vaults(
    vault, rebalancer, tokens, attacker
):
    # An attacker naming itself (or any pool) as the payee: refused before anything moves.
    with ape.reverts("vault: caller is not the rebalancer"):
        vault.rebalance_trade(WBTC, amount_of("WBTC", 1_000), WETH, 1, attacker, sender=attacker)
    # A pool (or anyone) asking the rebalancer to swap outside a trade: refused.
    with ape.reverts("rebalancer: unexpected callback"):
        rebalancer.on_rebalance_trade(tokens["WBTC"], 1, tokens["WETH"], 1, sender=attacker)


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
):
    wbtc, weth = tokens["WBTC"], tokens["WETH"]
    junk = create_token(18, "Junk", "JUNK")
    rogue = attacker.deploy(project.RogueFactory)
    # At the address of rogue's "WBTC/WETH pair": real UniswapV2Pair code, but for WBTC and JUNK, with
    # JUNK on the side where the rebalancer expects WETH, and deep liquidity so that the swap pays.
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

    plan(rebalancer, manager, keeper)
    rebalancer.set_router(rogue, weth, sender=owner)  # the misled owner
    assert rebalancer.factory() == rogue.address
    held = token_balances([*ordered_tokens, junk], [vault])
    fake_reserves = fake.getReserves()[:2]
    before = usd_of(vault, adapter, ordered_tokens, [attacker])

    # The vault pays WBTC into the rogue pair, the pair pays JUNK: the vault's WETH did not grow.
    with ape.reverts("vault: trade returned too little"):
        rebalancer.trade(WBTC, WETH, False, 0, deadline(chain), sender=keeper)

    assert token_balances([*ordered_tokens, junk], [vault]) == held
    assert fake.getReserves()[:2] == fake_reserves
    profit = usd_of(vault, adapter, ordered_tokens, [attacker]) - before
    record_profit("rogue factory: pair for another token at the pair address", profit)
    assert profit <= 0
    # The control: the same trade through the real factory goes through.
    rebalancer.set_router(uni.router, weth, sender=owner)
    rebalancer.trade(WBTC, WETH, False, 0, deadline(chain), sender=keeper)


def test_set_router__factory_answers_zero_or_no_router__named_error(project, rebalancer, owner, attacker):
    rogue = attacker.deploy(project.RogueFactory)
    rogue.set_claimed_factory(ZERO, sender=attacker)
    with ape.reverts("rebalancer: zero factory"):
        rebalancer.set_router(rogue, ZERO, sender=owner)
    with ape.reverts("rebalancer: zero router"):
        rebalancer.set_router(ZERO, ZERO, sender=owner)


def test_pair_init_code_hash__is_uniswap_v2s__the_one_the_router_hard_codes(rebalancer):
    from vyndex.uniswap import pair_init_code_hash

    assert bytes(rebalancer.PAIR_INIT_CODE_HASH()) == pair_init_code_hash()
