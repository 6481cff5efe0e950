"""vyndex: on-chain index tokens in Vyper, kept from Python.

The package holds the logic every script, bot and test shares: loading compiled
reference artifacts (Uniswap V2, Set Protocol v2), basket arithmetic, deployment,
rebalance planning and simulation.
"""

__version__ = "0.1.0"
