"""Test-world helper for the governance delay (issue #15), loaded by path where needed so that it
does not depend on which `conftest` module pytest put first on sys.path."""

from __future__ import annotations

from typing import Any

DELAY = 2 * 86_400  # the contracts' DEFAULT_DELAY


def enact(method: Any, *args: Any, sender: Any) -> Any:
    """Makes a governed setter take effect in a test world that has holders: call it; if that
    queued it (a ChangeQueued log), move the clock to its eta and call it again, which applies it.
    With zero supply or a tightening value the first call applies and nothing waits. The clock
    moves by the delay: feeds the test relies on must be refreshed after."""
    from ape import chain

    receipt = method(*args, sender=sender)
    queued = [log for log in receipt.decode_logs() if log.event_name == "ChangeQueued"]
    if not queued:
        return receipt
    chain.mine(timestamp=int(queued[0].eta))
    return method(*args, sender=sender)
