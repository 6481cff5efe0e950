# pragma version ~=0.4.3
"""
@title ZapFloor
@license MIT
@notice The hand-made floor of a one-token index mint or redeem, for benchmarks only: the swaps a
        user would do with amounts computed off-chain, in one transaction, with nothing checked.
        Never deploy it for value.
@dev    mint: per component one WETH transferFrom (user -> pair) and one bare `pair.swap` paying
        this contract, then the vault's in-kind mint (standing approvals) to the user.
        redeem: the user's index tokens in, the vault's in-kind redeem to this contract, then per
        component one transfer to its pair and one bare `pair.swap` paying the user.
        Compiled by bench/zap_gas.py (not part of the ape project in contracts/).
"""

from ethereum.ercs import IERC20

interface IPair:
    def swap(amount0Out: uint256, amount1Out: uint256, to: address, data: Bytes[32]): nonpayable

interface IVault:
    def mint(shares: uint256, receiver: address, max_amounts_in: DynArray[uint256, 32]) -> DynArray[uint256, 32]: nonpayable
    def redeem(shares: uint256, receiver: address, min_amounts_out: DynArray[uint256, 32]) -> DynArray[uint256, 32]: nonpayable
    def transferFrom(owner: address, to: address, amount: uint256) -> bool: nonpayable


@external
def approve_all(tokens: DynArray[address, 32], spender: address):
    """
    @notice Standing approvals of every component to the vault (set once, outside the measure).
    """
    for t: address in tokens:
        extcall IERC20(t).approve(spender, max_value(uint256))


@external
def mint(
    vault: address,
    weth: address,
    pairs: DynArray[address, 32],
    amounts_in: DynArray[uint256, 32],
    outs0: DynArray[uint256, 32],
    outs1: DynArray[uint256, 32],
    shares: uint256,
    amounts: DynArray[uint256, 32],
):
    """
    @notice Five (n) bare pair swaps from the caller's WETH, then the in-kind mint to the caller.
    """
    for i: uint256 in range(len(pairs), bound=32):
        extcall IERC20(weth).transferFrom(msg.sender, pairs[i], amounts_in[i])
        extcall IPair(pairs[i]).swap(outs0[i], outs1[i], self, b"")
    extcall IVault(vault).mint(shares, msg.sender, amounts)


@external
def redeem(
    vault: address,
    tokens: DynArray[address, 32],
    pairs: DynArray[address, 32],
    amounts: DynArray[uint256, 32],
    outs0: DynArray[uint256, 32],
    outs1: DynArray[uint256, 32],
    shares: uint256,
):
    """
    @notice The in-kind redeem, then n bare pair swaps paying the caller WETH.
    """
    extcall IVault(vault).transferFrom(msg.sender, self, shares)
    extcall IVault(vault).redeem(shares, self, amounts)
    for i: uint256 in range(len(pairs), bound=32):
        extcall IERC20(tokens[i]).transfer(pairs[i], amounts[i])
        extcall IPair(pairs[i]).swap(outs0[i], outs1[i], msg.sender, b"")
