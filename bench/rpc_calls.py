"""RPC requests behind one `status` report and one keeper observation of a 5-component index.

    python bench/rpc_calls.py    (from the repo root, with the Makefile's PATH and VVM_BINARY_PATH)

Builds the devnet market on a local Anvil (real Uniswap V2, Chainlink's compiled feeds), deploys
a five-component index (WETH with a backup feed, WBTC, USDC, LINK, UNI) through
`vyndex.deploy`, mints, then counts the JSON-RPC requests, by method, that
`vyndex.status.collect` and `ApeKeeperChain.observe` send (`vyndex.reference.multicall3.count_requests`).
Prints a table and writes bench/results/rpc_calls.json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "rpc_calls.json"
SYMBOLS = ("WETH", "WBTC", "USDC", "LINK", "UNI")
WEIGHTS = ("30%", "25%", "20%", "15%", "10%")
BOUNDS = {
    "WETH": (100, 100_000),
    "WBTC": (1_000, 1_000_000),
    "USDC": (0.9, 1.1),
    "LINK": (1, 1_000),
    "UNI": (1, 1_000),
}


def five_component_spec(keeper: str) -> Any:
    from vyndex.spec import parse_spec

    components = []
    for symbol, weight in zip(SYMBOLS, WEIGHTS, strict=True):
        low, high = BOUNDS[symbol]
        feed: dict[str, Any] = {
            "primary": f"{symbol}/USD",
            "staleness": 3600,
            "min_price_usd": low,
            "max_price_usd": high,
        }
        if symbol == "WETH":
            feed |= {"secondary": "WETH/USD:backup", "max_deviation": "2%"}
        components.append({"token": symbol, "weight": weight, "feed": feed})
    return parse_spec(
        {
            "name": "vyndex Five",
            "symbol": "VFIVE",
            "initial_price_usd": 100,
            "components": components,
            "fees": {"management_fee": "1%", "mint_fee": "0.1%", "redeem_fee": "0.1%"},
            "roles": {"keepers": ["deployer", keeper]},
            "rebalancer": {
                "router": "UniswapV2Router02",
                "weth": "WETH",
                "drift_threshold": "2%",
                "max_slippage": "1%",
                "trade_cap_usd": 250_000,
                "min_trade_usd": 10,
                "cooldown": 60,
            },
        },
        "rpc_calls.py",
    )


def measure() -> dict[str, Any]:
    from ape import accounts, networks
    from ape.logging import logger

    from vyndex.addressbook import ROOT_ENV
    from vyndex.deploy import deploy_index
    from vyndex.devnet import build_market, top_up
    from vyndex.index import connected_books
    from vyndex.keeper.chain import ApeKeeperChain
    from vyndex.reference.multicall3 import count_requests
    from vyndex.status import collect

    logger.set_level("ERROR")
    os.environ[ROOT_ENV] = tempfile.mkdtemp(prefix="vyndex-rpc-")
    with networks.parse_network_choice("ethereum:local:foundry"):
        owner, keeper, holder = accounts.test_accounts[:3]
        market = build_market(owner, pool_usd=Decimal(1_000_000))
        books = connected_books()
        for name, address in market.entries().items():
            books.primary.set(name, address)
        books.primary.save()
        handle = deploy_index(
            five_component_spec(str(keeper.address)), owner, books, echo=lambda _: None
        ).handle
        shares = 100 * 10**18
        top_up(market, holder, list(zip(handle.tokens, handle.vault.preview_mint(shares), strict=True)))
        for token in handle.tokens:
            token.approve(handle.vault.address, 2**256 - 1, sender=holder)
        handle.vault.mint(shares, holder.address, [2**255] * len(handle.tokens), sender=holder)

        collect(handle)  # warm Ape's caches: the figures are a steady-state report and step
        view = ApeKeeperChain(handle, keeper)
        view.observe()
        with count_requests() as status_calls:
            collect(handle)
        with count_requests() as observe_calls:
            view.observe()
    return {
        "components": len(SYMBOLS),
        "status": dict(sorted(status_calls.items())),
        "keeper_observe": dict(sorted(observe_calls.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    out = parser.parse_args().out
    results = measure()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"JSON-RPC requests, {results['components']}-component index (Anvil)")
    for name in ("status", "keeper_observe"):
        counts = results[name]
        detail = ", ".join(f"{m} {n}" for m, n in counts.items())
        calls, total = counts.get("eth_call", 0), sum(counts.values())
        print(f"  {name:<16} eth_call {calls:>3}   all {total:>3}   ({detail})")
    print(f"-> {out}")


if __name__ == "__main__":
    main()
