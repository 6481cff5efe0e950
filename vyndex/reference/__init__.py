"""Real third-party systems from their npm packages, for the devnet, tests and benchmarks:
compiled artifacts (`artifacts`), Uniswap V2 (`uniswap_v2`) and V3 (`uniswap_v3`), Set Protocol v2
(`setprotocol`, the incumbent we benchmark against) and Morpho Blue (`morpho`)."""
