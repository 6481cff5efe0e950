"""vyndex: on-chain index tokens in Vyper, kept from Python.

The package holds the logic every script, bot and test shares: loading compiled
reference artifacts (Uniswap V2, Set Protocol v2), basket arithmetic, deployment,
rebalance planning and simulation.
"""

import warnings

__version__ = "0.1.0"

# Ape's settings models make pydantic-settings warn (IncompleteFieldDefinitionWarning) in every
# command; nothing a user can act on. `vyndex` (vyndex.cli.launcher) also sets it in PYTHONWARNINGS,
# which covers what Ape does before any script imports this package.
warnings.filterwarnings("ignore", message=r"Field .* has an incomplete definition")
