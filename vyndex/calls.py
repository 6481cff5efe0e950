"""A contract call by plain `eth_call`: what it would return, or why it would revert, and nothing
printed.

Ape answers a reverted call by tracing it (`debug_traceCall`, every step) and printing the trace
on stdout before raising. Where refusals are expected and frequent (a bidder probing legs that
are cooling down, the simulation asking whether an auction is due, a preflight before sending)
that is slow (a simulated auction day took over a minute) and breaks `--json`, whose stdout
must be JSON alone.

    result = quiet_call(auction.bid, sell, buy, MAX_UINT256, deadline, sender=bidder)
    if result.ok:
        sold, paid = result.value
    else:
        print(result.refusal)  # "auction: not open"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ape import chain
from eth_abi.abi import decode
from eth_utils.abi import function_signature_to_4byte_selector

ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)


@dataclass(frozen=True)
class CallResult:
    """What a call returned (decoded as Ape decodes a direct call: one output unwrapped), or why it
    reverted: `refusal` is None on success, else the revert reason ("" when it gave none)."""

    value: Any
    refusal: str | None

    @property
    def ok(self) -> bool:
        return self.refusal is None


def revert_reason(data: bytes) -> str:
    """The reason an `Error(string)` revert carries; "" for a revert without one (a lock, a bare
    `assert`) or with a custom error."""
    if data[:4] != ERROR_SELECTOR:
        return ""
    try:
        return str(decode(["string"], data[4:])[0])
    except Exception:  # malformed revert data from a hostile contract: no reason
        return ""


def _request(method: Any, args: tuple[Any, ...], sender: Any) -> tuple[dict[str, str], bytes]:
    """The JSON-RPC call object of `method(*args)` from `sender`, and its calldata."""
    data = bytes(method.encode_input(*args))
    call: dict[str, str] = {"to": str(method.contract.address), "data": "0x" + data.hex()}
    if sender is not None:
        call["from"] = str(getattr(sender, "address", sender))
    return call, data


def _tag(block: int | str) -> str:
    return block if isinstance(block, str) else hex(block)


def quiet_estimate(method: Any, *args: Any, sender: Any = None, block: int | str = "latest") -> int | None:
    """`eth_estimateGas` of `method(*args)` from `sender` at `block`; None when it would revert."""
    call, _data = _request(method, args, sender)
    reply = chain.provider.web3.provider.make_request("eth_estimateGas", [call, _tag(block)])
    return None if "error" in reply else int(str(reply["result"]), 16)


def quiet_call(method: Any, *args: Any, sender: Any = None, block: int | str = "latest") -> CallResult:
    """`method(*args)` as one `eth_call` from `sender` (an account or address) at `block`."""
    call, data = _request(method, args, sender)
    abi = next(a for a in method.abis if function_signature_to_4byte_selector(a.selector) == data[:4])
    reply = chain.provider.web3.provider.make_request("eth_call", [call, _tag(block)])
    if "error" in reply:
        error = reply["error"]
        if error.get("data"):
            return CallResult(None, revert_reason(bytes.fromhex(str(error["data"]).removeprefix("0x"))))
        message = str(error.get("message", ""))  # not a revert (no gas, no funds): the node's words
        return CallResult(None, "" if message.startswith("execution reverted") else message)
    returned = bytes.fromhex(str(reply["result"]).removeprefix("0x"))
    value = chain.provider.network.ecosystem.decode_returndata(abi, returned)
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return CallResult(value, None)
