"""Uniswap V2 from its real compiled bytecode: WETH9, UniswapV2Factory, UniswapV2Router02.

The artifacts come from `@uniswap/v2-core@1.0.1` and `@uniswap/v2-periphery@1.1.0-beta.0`,
a matching pair: the router computes pair addresses with the init code hash of exactly that
factory's `UniswapV2Pair` (`pair_init_code_hash`). Tests, benchmarks and the devnet use these
helpers to stand the exchange up and seed pools:

    uni = deploy_uniswap_v2(deployer)
    pair = create_pair(uni, token_a, token_b, 10**21, 2 * 10**21, provider)

and hold the pair's arithmetic, once for every caller (the keeper's bidder, the simulation, the
devnet's arbitrage, the benchmarks): `get_amount_out` and `get_amount_in` are UniswapV2Library's
formulas, exact to the base unit, and `gross_of_fee` grosses a net input up for the 0.3% fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ape.api import AccountAPI
from ape.contracts import ContractInstance
from ape.types import AddressType
from eth_utils.address import to_checksum_address
from eth_utils.conversions import to_bytes
from eth_utils.crypto import keccak

from vyndex.constants import MAX_UINT256, ZERO_ADDRESS
from vyndex.reference.artifacts import uniswap_v2, uniswap_v2_contract_type

FEE_NUMERATOR = 997  # a pair keeps 0.3% of every input
FEE_DENOMINATOR = 1000


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """UniswapV2Library.getAmountOut: what a swap of `amount_in` pays out of a pair holding
    `reserve_in` and `reserve_out`, after the 0.3% fee, rounded down. 0 where the library would
    revert (no input, an empty pair), so callers can probe without a guard."""
    if amount_in <= 0 or reserve_in <= 0 or reserve_out <= 0:
        return 0
    with_fee = amount_in * FEE_NUMERATOR
    return with_fee * reserve_out // (reserve_in * FEE_DENOMINATOR + with_fee)


def get_amount_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    """UniswapV2Library.getAmountIn: the least input that buys exactly `amount_out`, fee included
    (rounded up, as the library does by adding one). Raises ValueError where the library reverts:
    nothing asked for, an empty pair, or as much as the pair holds or more."""
    if amount_out <= 0:
        raise ValueError("uniswap v2: insufficient output amount")
    if reserve_in <= 0 or reserve_out <= amount_out:
        raise ValueError("uniswap v2: insufficient liquidity")
    return reserve_in * amount_out * FEE_DENOMINATOR // ((reserve_out - amount_out) * FEE_NUMERATOR) + 1


def gross_of_fee(net_in: int) -> int:
    """The input whose after-fee part is `net_in` (rounded down): how much to sell so a pair's
    input reserve grows by about `net_in` of priced input (moving a pool to a target price)."""
    return net_in * FEE_DENOMINATOR // FEE_NUMERATOR


def address_of(item: Any) -> AddressType:
    """The checksummed address of a contract, an account or an address string."""
    raw = item.address if hasattr(item, "address") else item
    return AddressType(to_checksum_address(str(raw)))


@dataclass(frozen=True)
class UniswapV2:
    """A deployed Uniswap V2: the wrapped ether, the factory and the router over both."""

    weth: ContractInstance
    factory: ContractInstance
    router: ContractInstance

    def pair(self, token_a: Any, token_b: Any) -> ContractInstance | None:
        """The pair of two tokens, or None if the factory has not created it."""
        address = self.factory.getPair(address_of(token_a), address_of(token_b))
        if address_of(address) == ZERO_ADDRESS:
            return None
        return uniswap_v2("UniswapV2Pair").at(address)


def pair_init_code_hash() -> bytes:
    """keccak256 of UniswapV2Pair's creation code: the CREATE2 salt hash the router hard-codes."""
    code = uniswap_v2_contract_type("UniswapV2Pair").deployment_bytecode
    if code is None or code.bytecode is None:  # pragma: no cover - the artifact always has it
        raise ValueError("UniswapV2Pair artifact has no creation bytecode")
    return keccak(hexstr=code.bytecode)


def sort_tokens(token_a: Any, token_b: Any) -> tuple[AddressType, AddressType]:
    """The two token addresses in the order a pair stores them (token0 < token1)."""
    a, b = address_of(token_a), address_of(token_b)
    if a == b:
        raise ValueError("identical tokens")
    return (a, b) if int(a, 16) < int(b, 16) else (b, a)


def pair_address(factory: Any, token_a: Any, token_b: Any) -> AddressType:
    """The address the factory gives (or will give) the pair: CREATE2 over the sorted tokens."""
    token0, token1 = sort_tokens(token_a, token_b)
    salt = keccak(to_bytes(hexstr=token0) + to_bytes(hexstr=token1))
    digest = keccak(b"\xff" + to_bytes(hexstr=address_of(factory)) + salt + pair_init_code_hash())
    return AddressType(to_checksum_address(digest[12:]))


def deploy_uniswap_v2(deployer: AccountAPI, fee_to_setter: Any | None = None) -> UniswapV2:
    """Deploys WETH9, UniswapV2Factory (fee off) and UniswapV2Router02 from `deployer`.

    `fee_to_setter` may later switch the protocol fee on; it defaults to the deployer.
    """
    weth = deployer.deploy(uniswap_v2("WETH9"))
    factory = deployer.deploy(uniswap_v2("UniswapV2Factory"), address_of(fee_to_setter or deployer))
    router = deployer.deploy(uniswap_v2("UniswapV2Router02"), factory.address, weth.address)
    return UniswapV2(weth=weth, factory=factory, router=router)


def attach_uniswap_v2(weth: Any, factory: Any, router: Any) -> UniswapV2:
    """The `UniswapV2` at known addresses (an address book, a fork)."""
    return UniswapV2(
        weth=uniswap_v2("WETH9").at(address_of(weth)),
        factory=uniswap_v2("UniswapV2Factory").at(address_of(factory)),
        router=uniswap_v2("UniswapV2Router02").at(address_of(router)),
    )


def acquire(uni: UniswapV2, token: Any, holder: AccountAPI, amount: int) -> None:
    """Gives `holder` `amount` of `token`: wraps ether for WETH, else calls the token's open
    `mint(owner, amount)` (test tokens such as MockERC20)."""
    if address_of(token) == address_of(uni.weth):
        uni.weth.deposit(sender=holder, value=amount)
    else:
        token.mint(holder.address, amount, sender=holder)


def create_pair(
    uni: UniswapV2,
    token_a: Any,
    token_b: Any,
    amount_a: int,
    amount_b: int,
    provider: AccountAPI,
    to: Any | None = None,
) -> ContractInstance:
    """Creates the pair of `token_a` and `token_b` if needed and adds exactly `amount_a` and
    `amount_b` of liquidity from `provider` (who must hold them) through the router; the
    LP tokens go to `to` (default the provider). Returns the pair."""
    for token, amount in ((token_a, amount_a), (token_b, amount_b)):
        if token.allowance(provider.address, uni.router.address) < amount:
            token.approve(uni.router.address, MAX_UINT256, sender=provider)
    uni.router.addLiquidity(
        address_of(token_a),
        address_of(token_b),
        amount_a,
        amount_b,
        amount_a,
        amount_b,
        address_of(to or provider),
        MAX_UINT256,
        sender=provider,
    )
    pair = uni.pair(token_a, token_b)
    if pair is None:  # pragma: no cover - addLiquidity creates it or reverts
        raise RuntimeError("router did not create the pair")
    return pair


def seed_pair(
    uni: UniswapV2,
    token_a: Any,
    token_b: Any,
    amount_a: int,
    amount_b: int,
    provider: AccountAPI,
) -> ContractInstance:
    """`acquire` both amounts for `provider`, then `create_pair` with them."""
    acquire(uni, token_a, provider, amount_a)
    acquire(uni, token_b, provider, amount_b)
    return create_pair(uni, token_a, token_b, amount_a, amount_b, provider)
