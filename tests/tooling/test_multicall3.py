"""vyndex.reference.multicall3: many views in one eth_call, Multicall3 put in place on a local
chain that lacks it (and again after it vanished), and the same answers as direct calls."""

from __future__ import annotations

import pytest
from ape_ethereum.multicall.constants import MULTICALL3_ADDRESS, MULTICALL3_CODE

from vyndex.devnet import install_multicall3
from vyndex.reference import multicall3
from vyndex.reference.multicall3 import BatchCallReverted, batch, count_requests, must
from vyndex.status import _aggregator


@pytest.fixture(scope="module")
def token(create_token, owner, alice):
    t = create_token(6)
    t.mint(alice, 5 * 10**6, sender=owner)
    return t


def _remove_multicall3(chain) -> None:
    chain.provider.set_code(MULTICALL3_ADDRESS, b"")
    assert len(chain.provider.get_code(MULTICALL3_ADDRESS)) == 0


def test_batch__local_chain_without_multicall3__injects_it_and_reads_in_one_eth_call(token, alice, chain):
    _remove_multicall3(chain)
    multicall3._ready.clear()  # as in a new process
    with count_requests() as requests:
        values = batch([(token.decimals,), (token.balanceOf, alice), (token.totalSupply,), (token.symbol,)])
    assert values == [6, 5 * 10**6, 5 * 10**6, token.symbol()]
    assert requests["eth_call"] == 1
    assert len(chain.provider.get_code(MULTICALL3_ADDRESS)) > 0


def test_batch__multicall3_gone_after_it_was_found__put_back_and_read(token, alice, chain):
    assert batch([(token.decimals,)]) == [6]  # found (or injected) and remembered
    _remove_multicall3(chain)  # a reverted snapshot or a restarted node
    assert batch([(token.balanceOf, alice)]) == [5 * 10**6]
    assert len(chain.provider.get_code(MULTICALL3_ADDRESS)) > 0


def test_batch__reverting_call_and_an_address_without_code__none_each_the_rest_read(token, alice, stranger):
    no_feed = _aggregator(str(stranger.address))  # an account, not a feed: the call returns no data
    values = batch([(token.transfer, alice, 10**30), (no_feed.latestRoundData,), (token.decimals,)])
    assert values == [None, None, 6]
    with pytest.raises(BatchCallReverted, match="transfer reverted"):
        must(values[0], "transfer")


def test_batch__pinned_block__reads_that_block(token, owner, alice, chain):
    before = chain.blocks.head.number
    token.mint(alice, 1, sender=owner)
    assert batch([(token.balanceOf, alice)], block_id=before) == [5 * 10**6]
    assert batch([(token.balanceOf, alice)]) == [5 * 10**6 + 1]


def test_batch__no_multicall3_to_use__one_call_each_same_answers(token, alice, monkeypatch):
    calls = [(token.decimals,), (token.balanceOf, alice), (token.transfer, alice, 10**30)]
    batched = batch(calls)
    monkeypatch.setattr(multicall3, "multicall3_ready", lambda: False)  # a live chain without it
    with count_requests() as requests:
        assert batch(calls) == batched == [6, 5 * 10**6, None]
    assert requests["eth_call"] == 3


def test_devnet__multicall3_installed__its_canonical_code_at_its_canonical_address(token, chain):
    _remove_multicall3(chain)
    install_multicall3()
    assert chain.provider.get_code(MULTICALL3_ADDRESS) == MULTICALL3_CODE
