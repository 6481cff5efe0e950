"""Governance delays from Python: what is queued on an index, and queueing, applying and
cancelling changes (DESIGN invariant 10, contracts/modules/timelock.vy).

A loosening setter of IndexVault, Rebalancer or OracleAdapter does not apply on its first call: it
queues that exact call (id = keccak256 of its calldata, `ChangeQueued(id, call, eta)`), and the same
call once `eta` has passed applies it. So:

* `pending(handle)` lists what is queued now: every `ChangeQueued` the three contracts logged whose
  `eta(id)` is still set (applied and cancelled changes have it cleared), decoded back into the
  setter's name and arguments, with its eta and whether it is waiting, due or expired;
* `queue(handle, target, method, args, sender)` calls a setter (it applies at once when it only
  tightens, or while the index has no holders);
* `apply(handle, id, sender)` sends the queued calldata again, exactly as logged, once it is due;
* `cancel(handle, id, sender)` drops it (guardian or owner).

Every check that can fail is made before anything is sent (`GovernanceError`, naming what is
wrong): an unknown setter or argument, a change not due yet (with how long to wait), an expired or
unknown id, a caller without the role.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ape import chain
from ape.api import AccountAPI
from ape.contracts import ContractInstance
from ape.exceptions import ApeException
from eth_abi.abi import decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from vyndex.calls import quiet_call
from vyndex.index import IndexHandle

# contracts/modules/timelock.vy
GRACE_PERIOD = 14 * 86_400

TARGETS = ("vault", "rebalancer", "oracle", "auction")


class GovernanceError(ValueError):
    """A governance call that would fail, refused before anything is sent."""


@dataclass(frozen=True)
class PendingChange:
    """One queued change: which contract, which setter with which arguments, and when."""

    target: str  # vault, rebalancer, oracle or auction
    contract: str
    id: str  # 0x-prefixed keccak256 of `call`
    call: str  # 0x-prefixed calldata, exactly as queued
    method: str
    args: dict[str, Any]
    eta: int
    queued_block: int

    def status(self, now: int) -> str:
        if now < self.eta:
            return "waiting"
        if now <= self.eta + GRACE_PERIOD:
            return "due"
        return "expired"

    def signature(self) -> str:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.args.items())
        return f"{self.target}.{self.method}({shown})"

    def as_json(self, now: int) -> dict[str, Any]:
        return {
            "target": self.target,
            "contract": self.contract,
            "id": self.id,
            "method": self.method,
            "args": {k: _jsonable(v) for k, v in self.args.items()},
            "call": self.call,
            "eta": self.eta,
            "status": self.status(now),
            "seconds_to_eta": max(self.eta - now, 0),
            "queued_block": self.queued_block,
        }


@dataclass(frozen=True)
class GovernanceResult:
    """What a governance call did: `action` is queued (with the change's id and eta), applied or
    cancelled."""

    target: str
    method: str
    action: str
    id: str
    eta: int | None
    tx: str

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "method": self.method,
            "action": self.action,
            "id": self.id,
            "eta": self.eta,
            "tx": self.tx,
        }


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def contracts(handle: IndexHandle, auction: str | None = None) -> dict[str, ContractInstance]:
    """The index's governed contracts by target name; `auction` only when it has one: the
    rebalancer's (`auction`, when the caller has read `Rebalancer.auction` already), else the one
    its address book records (while wiring it in waits out the delay)."""
    from ape import project

    found = {"vault": handle.vault, "rebalancer": handle.rebalancer, "oracle": handle.oracle}
    auction = str(handle.rebalancer.auction()) if auction is None else auction
    if not int(auction, 16):
        auction = handle.record.auction or auction
    if int(auction, 16):
        found["auction"] = project.DutchAuction.at(auction)
    return found


def _target(handle: IndexHandle, target: str) -> ContractInstance:
    if target not in TARGETS:
        raise GovernanceError(f"unknown target {target!r}: one of {', '.join(TARGETS)}")
    found = contracts(handle)
    if target not in found:
        raise GovernanceError(
            f"{target}: the index has none (no Rebalancer.auction, none in the address book)"
        )
    return found[target]


def _hex(value: Any) -> str:
    raw = value if isinstance(value, bytes) else bytes(value)
    return "0x" + raw.hex()


def _decode_call(contract: ContractInstance, call: bytes) -> tuple[str, dict[str, Any]]:
    """The setter and its named arguments from queued calldata."""
    for abi in contract.contract_type.mutable_methods:
        if keccak(text=abi.selector)[:4] == call[:4]:
            types = [i.canonical_type for i in abi.inputs]
            values = decode(types, call[4:])
            named = {}
            for i, (item, value) in enumerate(zip(abi.inputs, values, strict=True)):
                named[item.name or f"arg{i}"] = (
                    to_checksum_address(value) if item.type == "address" else value
                )
            return abi.name, named
    return "0x" + call[:4].hex(), {"data": call[4:]}


def pending(
    handle: IndexHandle, start_block: int | None = None, auction: str | None = None
) -> list[PendingChange]:
    """Every change queued on the index's vault, rebalancer, oracle and auction that is neither applied nor
    cancelled, oldest eta first. Logs are read from `start_block` (default: the block the address
    book records for the index, else 0)."""
    start = start_block if start_block is not None else (handle.record.block or 0)
    head = chain.blocks.head.number
    changes: list[PendingChange] = []
    for target, contract in contracts(handle, auction).items():
        latest: dict[bytes, Any] = {}
        for log in contract.ChangeQueued.range(start, head + 1):
            latest[bytes(log.id)] = log
        for change_id, log in latest.items():
            eta = int(contract.eta(change_id))
            if eta == 0:
                continue  # applied or cancelled since
            call = bytes(log.call)
            method, args = _decode_call(contract, call)
            changes.append(
                PendingChange(
                    target=target,
                    contract=str(contract.address),
                    id=_hex(change_id),
                    call=_hex(call),
                    method=method,
                    args=args,
                    eta=eta,
                    queued_block=int(log.block_number),
                )
            )
    return sorted(changes, key=lambda c: (c.eta, c.target, c.id))


def find(handle: IndexHandle, change_id: str) -> PendingChange:
    """The pending change whose id is, or starts with, `change_id` (at least 6 hex digits)."""
    wanted = change_id.lower()
    if not wanted.startswith("0x"):
        wanted = "0x" + wanted
    if len(wanted) < 8:
        raise GovernanceError(f"change id {change_id!r}: give at least its first 6 hex digits")
    matches = [c for c in pending(handle) if c.id.lower().startswith(wanted)]
    if not matches:
        raise GovernanceError(
            f"no pending change {change_id} on {handle.symbol} (applied, cancelled or never queued); "
            "see `vyndex governance pending`"
        )
    if len(matches) > 1:
        raise GovernanceError(f"change id {change_id} is ambiguous: {', '.join(c.id for c in matches)}")
    return matches[0]


def _wait(seconds: int) -> str:
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts = [f"{days}d"] if days else []
    if hours or days:
        parts.append(f"{hours}h")
    parts.append(f"{minutes}m")
    return " ".join(parts)


def _now() -> int:
    """The timestamp the next block will have at the earliest."""
    return int(chain.blocks.head.timestamp) + 1


def _queued_log(contract: ContractInstance, receipt: Any) -> Any | None:
    for log in receipt.events.filter(contract.ChangeQueued):
        return log
    return None


def _setter(contract: ContractInstance, target: str, method: str) -> Any:
    names = {abi.name for abi in contract.contract_type.mutable_methods}
    if method not in names:
        setters = sorted(n for n in names if n.startswith(("set_", "add_", "remove_")))
        raise GovernanceError(f"{target} has no function {method!r} (setters: {', '.join(setters)})")
    return getattr(contract, method)


def parse_args(handle: IndexHandle, target: str, method: str, raw: list[str]) -> list[Any]:
    """Command-line words as the setter's ABI types: a component's symbol for an address, `true`
    or `false` for a bool, integers (`25`, `0x19`, `1_000`, `50000e18`; nothing is evaluated), a
    comma-separated list for an array."""
    contract = _target(handle, target)
    _setter(contract, target, method)
    abis = [a for a in contract.contract_type.mutable_methods if a.name == method]
    abi = next((a for a in abis if len(a.inputs) == len(raw)), None)
    if abi is None:
        wanted = " or ".join("(" + ", ".join(f"{i.name}: {i.type}" for i in a.inputs) + ")" for a in abis)
        raise GovernanceError(f"{target}.{method} takes {wanted}; got {len(raw)} argument(s)")
    return [
        _parse_one(handle, item.name or "", item.type, word)
        for item, word in zip(abi.inputs, raw, strict=True)
    ]


def _parse_one(handle: IndexHandle, name: str, kind: str, word: str) -> Any:
    if kind.endswith("[]"):
        return [_parse_one(handle, name, kind[:-2], w.strip()) for w in word.split(",") if w.strip()]
    if kind == "address":
        for token, symbol in zip(handle.tokens, handle.symbols, strict=True):
            if word.lower() == symbol.lower():
                return str(token.address)
        named = {"vault": handle.vault, "rebalancer": handle.rebalancer, "oracle": handle.oracle}
        if word.lower() in named:
            return str(named[word.lower()].address)
        try:
            return to_checksum_address(word)
        except ValueError:
            raise GovernanceError(
                f"{name}: {word!r} is not an address or a component ({', '.join(handle.symbols)})"
            ) from None
    if kind == "bool":
        if word.lower() in ("true", "yes", "1"):
            return True
        if word.lower() in ("false", "no", "0"):
            return False
        raise GovernanceError(f"{name}: {word!r} is not true or false")
    if kind.startswith(("uint", "int")):
        value = _integer(word)
        if value is None:
            raise GovernanceError(f"{name}: {word!r} is not an integer ({kind})")
        if kind.startswith("uint") and value < 0:
            raise GovernanceError(f"{name}: {value} is negative ({kind})")
        return value
    if kind.startswith("bytes"):
        try:
            return bytes.fromhex(word.removeprefix("0x"))
        except ValueError:
            raise GovernanceError(f"{name}: {word!r} is not hex ({kind})") from None
    raise GovernanceError(f"{name}: arguments of type {kind} are not supported here")


def _integer(word: str) -> int | None:
    """`25`, `0x19`, `1_000`, or an exact power-of-ten form like `50000e18` or `1.5e18`."""
    text = word.replace("_", "").strip()
    try:
        return int(text, 0)
    except ValueError:
        pass
    try:
        exact = Decimal(text)
    except InvalidOperation:
        return None
    return int(exact) if exact.is_finite() and exact == exact.to_integral_value() else None


def _preflight(fn: Any, args: list[Any], sender: AccountAPI, what: str) -> None:
    """Runs the call as eth_call first: a refusal is named and nothing is sent."""
    refusal = quiet_call(fn, *args, sender=sender).refusal
    if refusal is not None:
        raise GovernanceError(f"nothing sent: {what} would revert: {refusal or 'no reason given'}")


def queue(
    handle: IndexHandle, target: str, method: str, args: list[Any], sender: AccountAPI
) -> GovernanceResult:
    """Calls the setter: queued when it loosens (the result carries its id and eta), applied at
    once otherwise."""
    contract = _target(handle, target)
    fn = _setter(contract, target, method)
    change_id = keccak(bytes(fn.encode_input(*args)))
    if int(contract.eta(change_id)):
        existing = next((c for c in pending(handle) if c.id == _hex(change_id)), None)
        when = f" (eta {existing.eta})" if existing else ""
        raise GovernanceError(
            f"nothing sent: {target}.{method} with these arguments is already queued{when}: "
            f"`vyndex governance apply {_hex(change_id)[:10]}` once it is due"
        )
    _preflight(fn, args, sender, f"{target}.{method}")
    receipt = fn(*args, sender=sender)
    log = _queued_log(contract, receipt)
    return GovernanceResult(
        target=target,
        method=method,
        action="queued" if log is not None else "applied",
        id=_hex(change_id),
        eta=int(log.eta) if log is not None else None,
        tx=str(receipt.txn_hash),
    )


def apply(handle: IndexHandle, change_id: str, sender: AccountAPI) -> GovernanceResult:
    """Sends a due change's queued calldata again, which applies it."""
    change = find(handle, change_id)
    now = _now()
    state = change.status(now)
    if state == "waiting":
        raise GovernanceError(
            f"nothing sent: {change.signature()} is not due for {_wait(change.eta - now)} (eta {change.eta})"
        )
    if state == "expired":
        raise GovernanceError(
            f"nothing sent: {change.signature()} expired {_wait(now - change.eta - GRACE_PERIOD)} ago; "
            "calling it again would only queue it afresh (`vyndex governance queue`)"
        )
    contract = _target(handle, change.target)
    fn, args = getattr(contract, change.method), list(change.args.values())
    # The exact queued call: re-encoding the decoded arguments must give the logged calldata.
    assert _hex(bytes(fn.encode_input(*args))) == change.call, change
    _preflight(fn, args, sender, f"applying {change.signature()}")
    receipt = fn(*args, sender=sender)
    if _queued_log(contract, receipt) is not None:
        raise GovernanceError(f"{change.signature()} was queued afresh instead of applied")
    return _done(change, "applied", receipt)


def cancel(handle: IndexHandle, change_id: str, sender: AccountAPI) -> GovernanceResult:
    """Drops a pending change (the guardian or the owner)."""
    change = find(handle, change_id)
    contract = _target(handle, change.target)
    raw_id = bytes.fromhex(change.id[2:])
    _preflight(contract.cancel, [raw_id], sender, f"cancelling {change.signature()}")
    receipt = contract.cancel(raw_id, sender=sender)
    return _done(change, "cancelled", receipt)


def _done(change: PendingChange, action: str, receipt: Any) -> GovernanceResult:
    return GovernanceResult(
        target=change.target,
        method=change.method,
        action=action,
        id=change.id,
        eta=change.eta,
        tx=str(receipt.txn_hash),
    )


class PendingWatcher:
    """What a keeper logs about governance: each change when first seen queued, again when it
    becomes due, and when it leaves the queue (applied or cancelled). Logs are read incrementally
    (only blocks not yet scanned), and each known change's `eta` once per poll."""

    def __init__(self, handle: IndexHandle) -> None:
        self.handle = handle
        self.known: dict[str, PendingChange] = {}
        self.due: set[str] = set()
        self.scanned = (handle.record.block or 0) - 1

    def poll(self) -> list[str]:
        """New messages since the last poll; a failing read (node gone, RPC error) is one message
        and the next poll tries again."""
        try:
            return self._poll()
        except (ApeException, OSError) as exc:
            return [f"governance: could not read the queue ({type(exc).__name__}: {exc})"]

    def _poll(self) -> list[str]:
        head = chain.blocks.head
        now = int(head.timestamp)
        messages: list[str] = []
        if head.number > self.scanned:
            for change in pending(self.handle, start_block=self.scanned + 1):
                if change.id not in self.known:
                    self.known[change.id] = change
                    messages.append(
                        f"governance: queued {change.signature()} (id {change.id[:10]}), "
                        f"applies from eta {change.eta} (in {_wait(max(change.eta - now, 0))})"
                    )
            self.scanned = head.number
        for change_id, change in list(self.known.items()):
            contract = contracts(self.handle)[change.target]
            if int(contract.eta(bytes.fromhex(change_id[2:]))) == 0:
                del self.known[change_id]
                self.due.discard(change_id)
                messages.append(f"governance: {change.signature()} left the queue (applied or cancelled)")
            elif change.status(now) == "due" and change_id not in self.due:
                self.due.add(change_id)
                messages.append(f"governance: {change.signature()} is due: it can be applied now")
        return messages
