"""Set Protocol v2 from its compiled artifacts (`@setprotocol/set-protocol-v2@0.1.16`).

The incumbent we benchmark against, deployed the way Set's own `SystemFixture` does it:

    Controller(feeRecipient)
    IntegrationRegistry, SetTokenCreator, BasicIssuanceModule, StreamingFeeModule,
    GeneralIndexModule(weth)                          each constructed with the controller
    controller.initialize([creator], [modules], [registry], [0])   # registry is resource 0
    UniswapV2IndexExchangeAdapter(router)              registered for GeneralIndexModule

then a SetToken from the creator, with each module initialised by the Set's manager:
BasicIssuanceModule without a pre-issue hook, StreamingFeeModule with a fee, and
GeneralIndexModule with per-component exchange, trade maximum and cool-off, and a trader
allow-list. GeneralIndexModule trades every component against WETH.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ape.api import AccountAPI
from ape.contracts import ContractInstance

from vyndex.constants import ZERO_ADDRESS
from vyndex.reference.artifacts import set_protocol_v2
from vyndex.reference.uniswap_v2 import address_of

# The name GeneralIndexModule looks the Uniswap V2 adapter up by (keccak of it, in the
# IntegrationRegistry under the module's address); `setExchanges` stores it per component.
UNISWAP_V2_INDEX_EXCHANGE = "UniswapV2IndexExchangeAdapter"
INTEGRATION_REGISTRY_RESOURCE_ID = 0


@dataclass(frozen=True)
class SetProtocolV2:
    """A deployed Set Protocol v2 core with the modules an index uses."""

    controller: ContractInstance
    integration_registry: ContractInstance
    creator: ContractInstance
    basic_issuance: ContractInstance
    streaming_fee: ContractInstance
    general_index: ContractInstance
    uniswap_v2_adapter: ContractInstance | None

    @property
    def modules(self) -> list[ContractInstance]:
        """The three modules every index Set here enables."""
        return [self.basic_issuance, self.streaming_fee, self.general_index]


@dataclass(frozen=True)
class StreamingFee:
    """StreamingFeeModule.FeeState: rates are WAD per year (1e16 = 1 %)."""

    recipient: Any
    fee: int = 10**16
    max_fee: int = 10**17


@dataclass(frozen=True)
class IndexTrading:
    """GeneralIndexModule settings, the same for every non-WETH component."""

    traders: Sequence[Any]
    max_size: int
    cool_off: int = 0
    exchange: str = UNISWAP_V2_INDEX_EXCHANGE
    exchange_data: bytes = b""
    anyone_trade: bool = False
    components: Sequence[Any] | None = field(default=None)


def deploy_set_protocol_v2(
    deployer: AccountAPI,
    weth: Any,
    router: Any | None = None,
    protocol_fee_recipient: Any | None = None,
) -> SetProtocolV2:
    """Deploys and initialises a Set Protocol v2 core owned by `deployer`.

    With `router` (a UniswapV2Router02), also deploys UniswapV2IndexExchangeAdapter and
    registers it for GeneralIndexModule under `UNISWAP_V2_INDEX_EXCHANGE`.
    """
    fee_recipient = address_of(protocol_fee_recipient or deployer)
    controller = deployer.deploy(set_protocol_v2("Controller"), fee_recipient)
    registry = deployer.deploy(set_protocol_v2("IntegrationRegistry"), controller.address)
    creator = deployer.deploy(set_protocol_v2("SetTokenCreator"), controller.address)
    issuance = deployer.deploy(set_protocol_v2("BasicIssuanceModule"), controller.address)
    streaming = deployer.deploy(set_protocol_v2("StreamingFeeModule"), controller.address)
    general_index = deployer.deploy(
        set_protocol_v2("GeneralIndexModule"), controller.address, address_of(weth)
    )
    controller.initialize(
        [creator.address],
        [issuance.address, streaming.address, general_index.address],
        [registry.address],
        [INTEGRATION_REGISTRY_RESOURCE_ID],
        sender=deployer,
    )
    adapter = None
    if router is not None:
        adapter = deployer.deploy(set_protocol_v2("UniswapV2IndexExchangeAdapter"), address_of(router))
        registry.addIntegration(
            general_index.address, UNISWAP_V2_INDEX_EXCHANGE, adapter.address, sender=deployer
        )
    return SetProtocolV2(
        controller=controller,
        integration_registry=registry,
        creator=creator,
        basic_issuance=issuance,
        streaming_fee=streaming,
        general_index=general_index,
        uniswap_v2_adapter=adapter,
    )


def create_set_token(
    system: SetProtocolV2,
    components: Sequence[Any],
    units: Sequence[int],
    manager: AccountAPI,
    name: str = "Set Index",
    symbol: str = "SETI",
    modules: Sequence[Any] | None = None,
) -> ContractInstance:
    """Creates a SetToken through SetTokenCreator; `units` are base units per 1e18 Set.

    The modules (default: `system.modules`) are pending until initialised.
    """
    receipt = system.creator.create(
        [address_of(c) for c in components],
        list(units),
        [address_of(m) for m in (modules if modules is not None else system.modules)],
        manager.address,
        name,
        symbol,
        sender=manager,
    )
    created = list(receipt.decode_logs(system.creator.SetTokenCreated))
    if len(created) != 1:  # pragma: no cover - create emits exactly one
        raise RuntimeError("SetTokenCreator.create emitted no SetTokenCreated")
    return set_protocol_v2("SetToken").at(created[0]._setToken)


def initialize_index_modules(
    system: SetProtocolV2,
    set_token: ContractInstance,
    manager: AccountAPI,
    fee: StreamingFee,
    trading: IndexTrading | None = None,
) -> None:
    """Initialises the three modules on `set_token` as its manager.

    BasicIssuanceModule gets no pre-issue hook; StreamingFeeModule gets `fee` (its clock
    starts now); GeneralIndexModule, if `trading` is given, gets for every non-WETH
    component (or `trading.components`) its exchange, trade maximum and cool-off, and the
    trader allow-list.
    """
    system.basic_issuance.initialize(set_token.address, ZERO_ADDRESS, sender=manager)
    system.streaming_fee.initialize(
        set_token.address,
        (address_of(fee.recipient), fee.max_fee, fee.fee, 0),
        sender=manager,
    )
    system.general_index.initialize(set_token.address, sender=manager)
    if trading is None:
        return
    weth = address_of(system.general_index.weth())
    chosen = trading.components if trading.components is not None else set_token.getComponents()
    components = [address_of(c) for c in chosen if address_of(c) != weth]
    gim = system.general_index
    count = len(components)
    gim.setExchanges(set_token.address, components, [trading.exchange] * count, sender=manager)
    gim.setTradeMaximums(set_token.address, components, [trading.max_size] * count, sender=manager)
    gim.setCoolOffPeriods(set_token.address, components, [trading.cool_off] * count, sender=manager)
    if trading.exchange_data:
        gim.setExchangeData(set_token.address, components, [trading.exchange_data] * count, sender=manager)
    if trading.traders:
        traders = [address_of(t) for t in trading.traders]
        gim.setTraderStatus(set_token.address, traders, [True] * len(traders), sender=manager)
    if trading.anyone_trade:
        gim.setAnyoneTrade(set_token.address, True, sender=manager)


def start_rebalance(
    system: SetProtocolV2, set_token: ContractInstance, target_units: Sequence[int], manager: AccountAPI
) -> None:
    """Starts a GeneralIndexModule rebalance toward `target_units` (one per current component,
    in `getComponents()` order, base units per 1e18 Set) at the Set's current position multiplier."""
    system.general_index.startRebalance(
        set_token.address, [], [], list(target_units), set_token.positionMultiplier(), sender=manager
    )
