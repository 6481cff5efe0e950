"""`status` shows an IndexNavFeed's answer beside the NAV when the index's book record names one."""

from __future__ import annotations

from rich.console import Console

from vyndex.cli.console import render_status
from vyndex.status import as_json, collect


def test_status__nav_feed_in_the_book__answer_beside_nav_then_the_feed_reason(minted, project, owner, chain):
    feed = owner.deploy(project.IndexNavFeed, minted.vault, minted.oracle, "VBLUE / USD NAV")
    minted.record.nav_feed = str(feed.address)
    status = collect(minted)
    assert status.nav_feed_usd is not None and status.nav_feed_usd == status.nav_per_share_usd
    console = Console(record=True, width=140)
    console.print(render_status(status))
    assert f"NAV feed       ${status.nav_feed_usd}" in console.export_text()

    chain.mine(timestamp=chain.blocks.head.timestamp + 2 * 3600)  # WETH's feed goes stale
    stale = collect(minted)
    assert stale.nav_feed_usd is None and stale.nav_feed_reason == "oracle: stale price"
    assert as_json(stale)["nav_feed_reason"] == "oracle: stale price"


def test_status__no_nav_feed_in_the_book__no_feed_row(minted):
    minted.record.nav_feed = None
    status = collect(minted)
    assert status.nav_feed_usd is None and status.nav_feed_reason is None
    console = Console(record=True, width=140)
    console.print(render_status(status))
    assert "NAV feed" not in console.export_text()
