"""Multicall3: many view calls in one `eth_call`, through `ape_ethereum.multicall`.

Multicall3 lives at the same address on every chain that has it (0xcA11bde0...CA11). `batch`
reads a list of view calls at once and returns what each returned, decoded as a direct call
would be, or None for a call that reverted. On a local or forked chain without Multicall3 it
puts Multicall3's runtime code in place first (`ape_ethereum.multicall.BaseMulticall.inject`,
which needs `anvil_setCode`); on a live chain without it, it makes the calls one by one, with
the same results.

`vyndex.status` and the keeper's chain view (`vyndex.keeper.chain`) read an index through it:
two round trips where they made 12 to 53 sequential calls (bench/rpc_calls.py). `count_requests`
counts the JSON-RPC requests a block of code sends, by method.

    values = batch([(vault.totalSupply,), (vault.balanceOf, holder), (rebalancer.checkUpkeep, b"")])
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from ape import chain
from ape.contracts import ContractInstance
from ape.contracts.base import ContractTransactionHandler
from ape.exceptions import ApeException, ContractLogicError, ContractNotFoundError
from ape_ethereum import multicall
from ape_ethereum.multicall.constants import MULTICALL3_ADDRESS, MULTICALL3_CONTRACT_TYPE
from eth_abi.exceptions import DecodingError as AbiDecodingError
from ethpm_types import ContractType

log = logging.getLogger("vyndex.multicall3")

# One view call: the method handler and its arguments, e.g. (vault.balanceOf, holder).
ViewCall = tuple[Any, ...]

# Whether Multicall3 answers on a chain, by (provider, chain id): looked up (and injected) once.
_ready: dict[tuple[int, int], bool] = {}
_contract_type = ContractType.model_validate(MULTICALL3_CONTRACT_TYPE)


class BatchCallReverted(ContractLogicError):
    """A view the caller cannot do without reverted inside a batch."""


class _NoMulticall3(Exception):
    """Multicall3 did not answer at the block read."""


def _key() -> tuple[int, int]:
    return id(chain.provider), int(chain.provider.chain_id)


def multicall3_ready() -> bool:
    """Whether Multicall3 can be used on the connected chain, injecting it on a local chain or a
    fork that lacks it. Remembered per provider and chain."""
    key = _key()
    if key not in _ready:
        _ready[key] = _find_or_inject()
    return _ready[key]


def _find_or_inject() -> bool:
    provider = chain.provider
    if len(provider.get_code(MULTICALL3_ADDRESS)) > 0:
        return True
    if not provider.network.is_dev:
        log.debug("no Multicall3 on %s: views are read one by one", provider.network.name)
        return False
    try:
        multicall.BaseMulticall.inject()
    except (ApeException, NotImplementedError) as exc:  # a node without anvil_setCode
        log.debug("cannot put Multicall3 on %s (%s): views are read one by one", provider.network.name, exc)
        return False
    return True


def batch(calls: Sequence[ViewCall], block_id: int | None = None) -> list[Any]:
    """Each call's decoded return value, None where it reverted; all read at `block_id` (default
    the latest block) in one `eth_call` through Multicall3, or one by one without it."""
    if not calls:
        return []
    for _attempt in range(2):
        if not multicall3_ready():
            break
        try:
            return _aggregate(calls, block_id)
        except _NoMulticall3:
            # The code went away (a reverted snapshot, a restarted node), or the block read
            # predates it: look again, once, then read one by one.
            _ready.pop(_key(), None)
    return [_one(call, block_id) for call in calls]


def must(value: Any, what: str) -> Any:
    """`value` from a batch, or BatchCallReverted naming `what` when that call reverted."""
    if value is None:
        raise BatchCallReverted(f"{what} reverted")
    return value


def _aggregate(calls: Sequence[ViewCall], block_id: int | None) -> list[Any]:
    reader = multicall.Call()
    # Built from the known ABI: no explorer lookup, no code fetch.
    reader.contract = ContractInstance(MULTICALL3_ADDRESS, _contract_type)
    for method, *args in calls:
        reader.add(method, *args)
    kwargs = {} if block_id is None else {"block_id": block_id}
    try:
        reader(**kwargs)  # one eth_call; decoded below, where a failure becomes None
    except ContractNotFoundError as exc:
        raise _NoMulticall3 from exc
    if len(reader.returnData) != len(calls):  # no code there at that block: an empty answer
        raise _NoMulticall3
    ecosystem = chain.provider.network.ecosystem
    values: list[Any] = []
    for abi, data in zip(reader.abis, reader.returnData, strict=True):
        # A call to an address without code "succeeds" with no data: no answer either.
        if data is None or (abi.outputs and len(data) == 0):
            values.append(None)
            continue
        try:
            value = ecosystem.decode_returndata(abi, data)
        except (ApeException, ValueError, AbiDecodingError):  # not what the ABI says (a feed that is no feed)
            values.append(None)
            continue
        values.append(value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value)
    return values


def _one(call: ViewCall, block_id: int | None) -> Any:
    method, *args = call
    kwargs = {} if block_id is None else {"block_id": block_id}
    try:
        if isinstance(method, ContractTransactionHandler):  # checkUpkeep: not a view, read by eth_call
            return method.call(*args, **kwargs)
        return method(*args, **kwargs)
    except ContractLogicError:
        return None


@contextlib.contextmanager
def count_requests() -> Iterator[Counter[str]]:
    """Counts every JSON-RPC request the connected provider sends inside the block, by method:
    Ape's own and web3's (each goes through the web3 provider's `encode_rpc_request`)."""
    web3_provider = chain.provider.web3.provider
    patched_before = "encode_rpc_request" in vars(web3_provider)  # inside another count_requests
    original = web3_provider.encode_rpc_request
    counts: Counter[str] = Counter()

    def counting(method: Any, params: Any) -> bytes:
        counts[str(method)] += 1
        return original(method, params)

    web3_provider.encode_rpc_request = counting
    try:
        yield counts
    finally:
        if patched_before:
            web3_provider.encode_rpc_request = original
        else:
            del web3_provider.encode_rpc_request
