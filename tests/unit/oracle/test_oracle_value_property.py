"""Property: for any answer, feed decimals (0..18), token decimals (0..18) and amount, `value` is the
exact rational value rounded down, and `getQuote` from USD is its exact inverse rounded down.

One oracle_adapter and one feed serve every example; each example reconfigures them (the feed's decimals,
its answer, the asset's feed), so no example deploys anything but, at most once per decimals, a token.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracle_helpers import HOUR, USD


@pytest.fixture(scope="module")
def feed(create_feed):
    return create_feed(0, 0, "RANDOM / USD")


@pytest.fixture
def token_by_decimals(create_token):
    """Tokens deployed on first use, shared by the examples of one test (not across tests)."""
    tokens: dict[int, Any] = {}

    def get(decimals: int) -> Any:
        if decimals not in tokens:
            tokens[decimals] = create_token(decimals)
        return tokens[decimals]

    return get


@st.composite
def cases(draw: Any) -> tuple[int, int, int, int, int]:
    feed_decimals = draw(st.integers(0, 18))
    token_decimals = draw(st.integers(0, 18))
    # Prices from 1e-(feed decimals) up to $1e12 per whole token; up to 1e15 whole tokens.
    answer = draw(st.integers(1, 10 ** (feed_decimals + 12)))
    amount = draw(st.integers(0, 10 ** (token_decimals + 15)))
    usd = draw(st.integers(0, 10**40))
    return feed_decimals, token_decimals, answer, amount, usd


@given(case=cases())
def test_value__random_price_and_decimals__equals_exact_floor(
    oracle_adapter, feed, token_by_decimals, owner, case
):
    feed_decimals, token_decimals, answer, amount, usd = case
    token = token_by_decimals(token_decimals)

    feed.set_decimals(feed_decimals, sender=owner)
    oracle_adapter.set_feed(token, feed, HOUR, sender=owner)
    feed.update_answer(answer, sender=owner)

    one = 10 ** (feed_decimals + token_decimals)
    assert oracle_adapter.value(token, amount) == amount * answer * 10**18 // one
    assert oracle_adapter.getQuote(usd, USD, token) == usd * one // (answer * 10**18)
