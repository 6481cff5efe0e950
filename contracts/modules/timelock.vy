# pragma version ~=0.4.3
"""
@title timelock
@license MIT
@notice The governance delay that IndexVault, Rebalancer and OracleAdapter share (DESIGN
        invariant 10): a change that could lower what holders get or let someone move value
        takes effect only after `delay` seconds; a change that only tightens applies at once.

@dev    PATTERN: the setter itself, called twice. A setter that loosens does not apply on its
        first call: it queues the call, identified by id = keccak256(its calldata: selector and
        abi-encoded arguments), with eta = now + delay, and logs `ChangeQueued` carrying that
        calldata (the exact new value). The same call, with the same arguments, once the eta has
        passed and before it is `GRACE_PERIOD` old, applies it (`ChangeApplied`); a later call
        finds it expired and queues it afresh. So there is no second code path that could drift
        from the setter's own checks: every range check runs at queue time and again at apply
        time, and a queued change is exactly one call anyone can read (`eta(id)`, the event).
        The guardian (or the owner) cancels by id (`ChangeCancelled`).

        The host contract decides "tightens" per call and passes it in; it also passes "no
        holders" (zero supply: nothing to protect, so deploy scripts and a factory configure a
        fresh index at once).

        DELAY. One per index, the vault's: the rebalancer and the adapter queue with the delay
        they read from their vault (the host passes it to `_gate`). Starts at DEFAULT_DELAY;
        always within [MIN_DELAY, MAX_DELAY]; raising it applies at once, lowering it is itself
        queued. A change queued under a longer delay keeps its eta.

        Nothing here is read by mint or redeem: only setters and the host's cancel touch it.
"""

from snekmate.auth import ownable

uses: ownable


# ============================================================================================
# CONSTANTS
# ============================================================================================

MIN_DELAY: public(constant(uint256)) = 86_400  # 1 day
MAX_DELAY: public(constant(uint256)) = 30 * 86_400  # 30 days
DEFAULT_DELAY: public(constant(uint256)) = 2 * 86_400  # 2 days
# A queued change not applied within this long after its eta expires (calling again re-queues).
GRACE_PERIOD: public(constant(uint256)) = 14 * 86_400
# The longest setter calldata: a selector and four words.
MAX_CALL: constant(uint256) = 132


# ============================================================================================
# STORAGE
# ============================================================================================

delay: public(uint256)
# id (keccak256 of the setter's calldata) -> when it may apply; 0: not queued.
eta: public(HashMap[bytes32, uint256])


# ============================================================================================
# EVENTS
# ============================================================================================

event ChangeQueued:
    id: indexed(bytes32)
    call: Bytes[MAX_CALL]
    eta: uint256

event ChangeApplied:
    id: indexed(bytes32)

event ChangeCancelled:
    id: indexed(bytes32)
    caller: indexed(address)

event DelaySet:
    delay: uint256


# ============================================================================================
# CONSTRUCTOR
# ============================================================================================

@deploy
def __init__():
    self.delay = DEFAULT_DELAY
    log DelaySet(delay=DEFAULT_DELAY)


# ============================================================================================
# EXTERNAL
# ============================================================================================

@external
def set_delay(delay_: uint256):
    """
    @notice Sets the governance delay: a longer one applies at once, a shorter one is queued
            (call again after the eta to apply it).
    @dev Owner only.
    @param delay_ Seconds, from MIN_DELAY (1 day) to MAX_DELAY (30 days).
    """
    ownable._check_owner()
    assert delay_ >= MIN_DELAY and delay_ <= MAX_DELAY, "timelock: delay out of bounds"
    if self._gate(slice(msg.data, 0, 36), delay_ >= self.delay, self.delay):
        self.delay = delay_
        log DelaySet(delay=delay_)


# ============================================================================================
# INTERNAL
# ============================================================================================

@internal
def _gate(call: Bytes[MAX_CALL], immediate: bool, delay_: uint256) -> bool:
    """
    @dev True when the change `call` (the setter's exact calldata) applies now: at once when
         `immediate`, else once its eta (queued `delay_` ahead) has passed (consuming the entry). False when this call
         queued it (the setter then returns without changing anything). Reverts while queued
         and not yet due.
    """
    if immediate:
        return True
    id: bytes32 = keccak256(call)
    eta_: uint256 = self.eta[id]
    if eta_ == 0 or block.timestamp > eta_ + GRACE_PERIOD:
        eta_ = block.timestamp + delay_
        self.eta[id] = eta_
        log ChangeQueued(id=id, call=call, eta=eta_)
        return False
    assert block.timestamp >= eta_, "timelock: change not due"
    self.eta[id] = 0
    log ChangeApplied(id=id)
    return True


@internal
def _cancel(id: bytes32):
    """
    @dev Drops a queued change; the host checks the caller (guardian or owner).
    """
    assert self.eta[id] != 0, "timelock: not queued"
    self.eta[id] = 0
    log ChangeCancelled(id=id, caller=msg.sender)
