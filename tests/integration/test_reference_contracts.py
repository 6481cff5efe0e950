"""The reference contracts load from npm artifacts and work as a pair: the router's hard-coded
pair hash matches the factory, so quotes and swaps go through pairs the factory created; and a
Set Protocol v2 system deploys, issues and redeems."""

from __future__ import annotations

import ape
import pytest
from eth_utils.crypto import keccak

from vyndex.constants import MAX_UINT256, WAD
from vyndex.reference.artifacts import (
    ArtifactError,
    find_package,
    link_bytecode,
    set_protocol_v2,
    uniswap_v2_contract_type,
)
from vyndex.reference.setprotocol import (
    StreamingFee,
    create_set_token,
    deploy_set_protocol_v2,
    initialize_index_modules,
)
from vyndex.reference.uniswap_v2 import (
    get_amount_in,
    get_amount_out,
    gross_of_fee,
    pair_address,
    pair_init_code_hash,
)


def test_find_package__missing__names_package_and_setup(tmp_path):
    with pytest.raises(ArtifactError, match=r"@nope/missing.*make setup"):
        find_package("@nope/missing", start=tmp_path)


def test_set_artifacts__core_contracts__need_no_linking():
    for name in ("Controller", "SetToken", "BasicIssuanceModule", "GeneralIndexModule", "StreamingFeeModule"):
        assert set_protocol_v2(name).contract_type.deployment_bytecode.bytecode.startswith("0x6")


def test_pair_hash__router_bytecode__is_the_factory_pair_init_code_hash():
    router_code = uniswap_v2_contract_type("UniswapV2Router02").deployment_bytecode.bytecode
    assert pair_init_code_hash().hex().removeprefix("0x") in router_code
    assert pair_init_code_hash() == keccak(
        hexstr=uniswap_v2_contract_type("UniswapV2Pair").deployment_bytecode.bytecode
    )


def test_create_pair__two_tokens__lands_at_create2_address_with_reserves(uniswap, create_pair, create_token):
    token = create_token(18)
    pair = create_pair(token, uniswap.weth, 1_000 * WAD, 10 * WAD)
    assert pair.address == pair_address(uniswap.factory, token, uniswap.weth)
    assert uniswap.factory.getPair(token, uniswap.weth) == pair.address
    reserves = pair.getReserves()
    expected = (1_000 * WAD, 10 * WAD) if pair.token0() == token.address else (10 * WAD, 1_000 * WAD)
    assert (reserves[0], reserves[1]) == expected


def test_router_swap__created_pair__pays_exactly_get_amounts_out(uniswap, create_pair, create_token, alice):
    sold, bought = create_token(18), create_token(6)
    create_pair(sold, bought, 1_000 * WAD, 2_000 * 10**6)
    path = [sold.address, bought.address]
    quote = uniswap.router.getAmountsOut(WAD, path)
    assert quote[0] == WAD and 0 < quote[1] < 2 * 10**6  # price impact and the 0.3 % fee

    sold.mint(alice, WAD, sender=alice)
    sold.approve(uniswap.router, WAD, sender=alice)
    uniswap.router.swapExactTokensForTokens(WAD, quote[1], path, alice, MAX_UINT256, sender=alice)

    assert bought.balanceOf(alice) == quote[1]
    assert sold.balanceOf(alice) == 0


V2_CASES = [
    (1, 10**6, 10**6),
    (10**18, 1_000 * 10**18, 2_000 * 10**6),
    (123_456_789, 10**12, 7 * 10**20),
    (10**27, 10**24, 3 * 10**24),
    (999, 1_000, 1_001),
]


@pytest.mark.parametrize(("amount", "reserve_in", "reserve_out"), V2_CASES)
def test_v2_math__python_helpers__equal_the_router_library(uniswap, amount, reserve_in, reserve_out):
    # UniswapV2Router02 exposes UniswapV2Library's pure getAmountOut / getAmountIn.
    assert get_amount_out(amount, reserve_in, reserve_out) == uniswap.router.getAmountOut(
        amount, reserve_in, reserve_out
    )
    wanted = min(amount, reserve_out - 1)
    needed = get_amount_in(wanted, reserve_in, reserve_out)
    assert needed == uniswap.router.getAmountIn(wanted, reserve_in, reserve_out)
    # The least input that buys it: one unit less buys less.
    assert get_amount_out(needed, reserve_in, reserve_out) >= wanted
    assert get_amount_out(needed - 1, reserve_in, reserve_out) < wanted


def test_v2_math__outside_the_library_domain__zero_out_and_named_errors():
    assert get_amount_out(0, 10, 10) == 0 and get_amount_out(5, 0, 10) == 0
    with pytest.raises(ValueError, match="insufficient output amount"):
        get_amount_in(0, 10, 10)
    with pytest.raises(ValueError, match="insufficient liquidity"):
        get_amount_in(10, 10, 10)
    assert gross_of_fee(997) == 1_000 and gross_of_fee(0) == 0


def test_router_swap__min_out_above_quote__reverts(uniswap, create_pair, create_token, alice):
    sold, bought = create_token(18), create_token(18)
    create_pair(sold, bought, 100 * WAD, 100 * WAD)
    path = [sold.address, bought.address]
    quote = uniswap.router.getAmountsOut(WAD, path)[1]
    sold.mint(alice, WAD, sender=alice)
    sold.approve(uniswap.router, WAD, sender=alice)
    with ape.reverts("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT"):
        uniswap.router.swapExactTokensForTokens(WAD, quote + 1, path, alice, MAX_UINT256, sender=alice)


def test_set_protocol__issue_then_redeem__moves_components_in_kind(
    uniswap, owner, manager, fee_recipient, alice, create_token
):
    system = deploy_set_protocol_v2(owner, uniswap.weth, uniswap.router)
    tokens = [create_token(18), create_token(18)]
    units = [WAD, 2 * WAD]
    set_token = create_set_token(system, tokens, units, manager)
    initialize_index_modules(system, set_token, manager, StreamingFee(fee_recipient))
    for token in tokens:
        token.mint(alice, 10 * WAD, sender=alice)
        token.approve(system.basic_issuance, MAX_UINT256, sender=alice)

    system.basic_issuance.issue(set_token, 2 * WAD, alice, sender=alice)
    assert set_token.balanceOf(alice) == 2 * WAD
    assert [t.balanceOf(set_token) for t in tokens] == [2 * WAD, 4 * WAD]

    system.basic_issuance.redeem(set_token, WAD, alice, sender=alice)
    assert [t.balanceOf(alice) for t in tokens] == [9 * WAD, 8 * WAD]


def test_link_bytecode__library_given__address_written_at_offset():
    code = "60" * 4 + "__$" + "_" * 34 + "$__" + "00"  # hardhat leaves a 40-character placeholder
    refs = {"contracts/lib/Lib.sol": {"Lib": [{"start": 4, "length": 20}]}}
    linked = link_bytecode(code, refs, {"Lib": "0x" + "ab" * 20})
    assert linked == "60" * 4 + "ab" * 20 + "00"


def test_link_bytecode__library_missing__named_in_error():
    refs = {"contracts/lib/Lib.sol": {"Lib": [{"start": 0, "length": 20}]}}
    with pytest.raises(ArtifactError, match=r"contracts/lib/Lib.sol:Lib"):
        link_bytecode("00" * 20, refs, {})
