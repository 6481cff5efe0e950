# pragma version ~=0.4.3
"""
@title ReentrantToken
@license MIT
@notice Test-only ERC-20 with an ERC-777-style hook: while armed, every `transfer` and `transferFrom`
        calls `target` with `payload` (before any balance moves, or with `set_hook_after` right
        after, as a receive hook would), swallows the outcome and records it, so a test can show
        what a reentrant call would have seen or done.
@dev `fire` makes the same call outside any transfer: the control that proves a payload succeeds
     when nothing holds a lock. The token itself is the caller (`msg.sender`) of the callback.
"""

from snekmate.auth import ownable
from snekmate.tokens import erc20

initializes: ownable
initializes: erc20[ownable := ownable]

exports: (
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
)

MAX_PAYLOAD: constant(uint256) = 1024

target: public(address)
payload: public(Bytes[MAX_PAYLOAD])
armed: public(bool)
hook_after: public(bool)
callback_count: public(uint256)
callback_reverted: public(bool)
callback_result: public(Bytes[MAX_PAYLOAD])


@deploy
def __init__(name_: String[25], symbol_: String[5], decimals_: uint8):
    """
    @notice An unarmed token with `decimals_` decimals and no supply.
    @param name_ The token's name.
    @param symbol_ The token's symbol.
    @param decimals_ The token's decimals.
    """
    ownable.__init__()
    erc20.__init__(name_, symbol_, decimals_, name_, "1")


@external
def set_callback(target_: address, payload_: Bytes[MAX_PAYLOAD], armed_: bool):
    """
    @notice Sets the call made inside transfers and whether transfers make it; open to anyone.
    @param target_ The contract called back.
    @param payload_ The calldata sent to it.
    @param armed_ True to call back inside every transfer and transferFrom.
    """
    self.target = target_
    self.payload = payload_
    self.armed = armed_


@external
def set_hook_after(after_: bool):
    """
    @notice Moves the hook after the balance update (true) or back before it (false, the default).
    @param after_ True to call back once the tokens have moved.
    """
    self.hook_after = after_


@external
def fire() -> bool:
    """
    @notice Makes the configured call now, outside any transfer, and records it like the hook does.
    @return True if the call succeeded.
    """
    return self._callback()


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from the caller to `to`, calling back before (or, with `hook_after`,
            after) if armed.
    @param to The receiver.
    @param amount Base units to move.
    @return Always true.
    """
    if self.armed and not self.hook_after:
        self._callback()
    erc20._transfer(msg.sender, to, amount)
    if self.armed and self.hook_after:
        self._callback()
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from `owner` to `to` against the allowance, calling back before (or,
            with `hook_after`, after) if armed.
    @param owner Whose tokens move.
    @param to The receiver.
    @param amount Base units to move.
    @return Always true.
    """
    if self.armed and not self.hook_after:
        self._callback()
    erc20._spend_allowance(owner, msg.sender, amount)
    erc20._transfer(owner, to, amount)
    if self.armed and self.hook_after:
        self._callback()
    return True


@external
def mint(owner: address, amount: uint256):
    """
    @notice Mints `amount` to `owner`; open to anyone (test token).
    @param owner The receiver.
    @param amount Base units to mint.
    """
    erc20._mint(owner, amount)


@internal
def _callback() -> bool:
    ok: bool = False
    response: Bytes[MAX_PAYLOAD] = b""
    ok, response = raw_call(self.target, self.payload, max_outsize=MAX_PAYLOAD, revert_on_failure=False)
    self.callback_count += 1
    self.callback_reverted = not ok
    self.callback_result = response
    return ok
