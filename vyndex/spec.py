"""Basket specs: one YAML file describes an index, and loading it validates everything.

A spec names the index, its components (token, price feeds, staleness, bounds), target weights,
fees, roles and rebalancer limits, and optionally a Dutch auction for the rebalance legs.
`load_spec` validates the file with pydantic (`SpecModel`), turns it into frozen dataclasses and
refuses anything the contracts would refuse later, before a
single transaction is sent, with every error at once, each naming its field:
``components[1].feed.primary: malformed address '0x12'``.

`json_schema()` is the same model as a JSON Schema, published in schema/basket-spec.schema.json
(`make schema` writes it; a test fails when it is out of date) for editors to complete and check
spec files.

Addresses may be written out (``0x...``, checksummed if mixed-case) or given as a name that the
network's address book resolves (``WETH``, ``WETH/USD``, ``UniswapV2Router02``): the devnet
writes those names. `IndexSpec.resolve` does that lookup, again before any transaction.

Percentages are strings (``"50%"``, ``"0.25%"``) or the exact integer field (``weight_bps``,
``mint_fee_bps``, ``management_fee_wad``); a bare number is refused because ``50`` could mean
50% or 50 bps. USD amounts are plain numbers.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import yaml
from eth_utils.address import is_checksum_address, to_checksum_address
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from vyndex.constants import BPS, WAD, ZERO_ADDRESS
from vyndex.params import ParamError, parse_percentage

MAX_COMPONENTS = 32
MAX_NAME_LENGTH = 25
MAX_SYMBOL_LENGTH = 5
MAX_MANAGEMENT_FEE_WAD = 10**17  # IndexVault.MAX_MANAGEMENT_FEE: 10% a year
MAX_MINT_FEE_BPS = 500  # IndexVault.MAX_MINT_FEE_BPS
MAX_REDEEM_FEE_BPS = 500  # IndexVault.MAX_REDEEM_FEE_BPS
MAX_STORED_UNIT = 2**91 - 1  # IndexVault.MAX_STORED_UNIT: a unit as an 18-decimal amount
MIN_DRIFT_THRESHOLD_BPS = 10  # Rebalancer.MIN_DRIFT_THRESHOLD_BPS
MAX_DRIFT_THRESHOLD_BPS = 5_000  # Rebalancer.MAX_DRIFT_THRESHOLD_BPS
MAX_SLIPPAGE_BPS = 500  # Rebalancer.MAX_SLIPPAGE_BPS
MIN_COOLDOWN = 60  # Rebalancer.MIN_COOLDOWN
MAX_COOLDOWN = 7 * 86_400  # Rebalancer.MAX_COOLDOWN
MIN_PLAN_TTL = 600  # Rebalancer.MIN_PLAN_TTL
MAX_PLAN_TTL = 7 * 86_400  # Rebalancer.MAX_PLAN_TTL
DEFAULT_PLAN_TTL = 86_400  # a plan lasts a day unless the spec says otherwise
MIN_TRADE_CAP_USD = Decimal(1)  # Rebalancer.MIN_TRADE_CAP_USD / 1e18
MAX_TRADE_CAP_USD = Decimal(10**12)  # Rebalancer.MAX_TRADE_CAP_USD / 1e18
MIN_STALENESS = 60  # OracleAdapter.MIN_STALENESS
MAX_STALENESS = 72 * 3_600  # OracleAdapter.MAX_STALENESS
MAX_DEVIATION_BPS = 5_000  # OracleAdapter.MAX_DEVIATION_BPS
MAX_PREMIUM_BPS = 2_000  # DutchAuction.MAX_PREMIUM_BPS
MIN_AUCTION_LENGTH = 60  # DutchAuction.MIN_AUCTION_LENGTH
MAX_AUCTION_LENGTH = 7 * 86_400  # DutchAuction.MAX_AUCTION_LENGTH
MAX_LAUNCHER_WINDOW = 86_400  # DutchAuction.MAX_LAUNCHER_WINDOW
MAX_AMM_WINDOW = 7 * 86_400  # DutchAuction.MAX_AMM_WINDOW
DEFAULT_AMM_WINDOW = 86_400  # DutchAuction's own until set
# DutchAuction.EXEC_*: how a leg executes.
EXECUTIONS = {"any": 0, "amm": 1, "auction": 2, "auction_first": 3}

DEPLOYER = "deployer"

_ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_./:+-]{0,63}$")


class SpecError(ValueError):
    """A spec that cannot be deployed. `problems` lists every (field path, reason) found, in the
    order of the file; `field` and `reason` are the first. One line per problem:
    ``spec.yaml: fees.mint_fee: 6% is over its cap of 5%``."""

    def __init__(self, field: str, message: str, source: str | None = None) -> None:
        self.field = field
        self.reason = message
        self.source = source
        self.problems: tuple[tuple[str, str], ...] = ((field, message),)
        super().__init__(self._lines())

    @classmethod
    def from_problems(cls, problems: Sequence[tuple[str, str]], source: str | None = None) -> SpecError:
        error = cls(problems[0][0], problems[0][1], source)
        error.problems = tuple(problems)
        error.args = (error._lines(),)
        return error

    def lines(self) -> list[str]:
        """One line per problem, as the message prints them."""
        where = f"{self.source}: " if self.source else ""
        return [f"{where}{field}: {message}" for field, message in self.problems]

    def _lines(self) -> str:
        return "\n".join(self.lines())


# ---------------------------------------------------------------------------------------------
# The typed spec
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedSpec:
    """The price feeds of one component and the checks the oracle adapter applies to them."""

    primary: str
    staleness: int
    min_price_usd: Decimal
    max_price_usd: Decimal
    secondary: str | None = None
    max_deviation_bps: int | None = None
    secondary_staleness: int | None = None


@dataclass(frozen=True)
class ComponentSpec:
    token: str
    weight_bps: int
    feed: FeedSpec


@dataclass(frozen=True)
class FeesSpec:
    management_fee_wad: int = 0
    mint_fee_bps: int = 0
    redeem_fee_bps: int = 0


@dataclass(frozen=True)
class RolesSpec:
    """Each role is an address or ``deployer`` (the account that runs the deploy)."""

    owner: str = DEPLOYER
    manager: str = DEPLOYER
    guardian: str = DEPLOYER
    fee_recipient: str = DEPLOYER
    keepers: tuple[str, ...] = (DEPLOYER,)


@dataclass(frozen=True)
class RebalancerSpec:
    router: str
    weth: str | None
    drift_threshold_bps: int
    max_slippage_bps: int
    trade_cap_usd: Decimal
    min_trade_usd: Decimal
    cooldown: int
    open_trading: bool = False
    # Uniswap V3's factory: trades may also go through its pools (a second venue).
    uniswap_v3_factory: str | None = None
    plan_ttl: int = DEFAULT_PLAN_TTL


@dataclass(frozen=True)
class AuctionSpec:
    """A DutchAuction over the rebalancer's legs: its curve, how legs execute, who may bid."""

    premium_bps: int
    length: int
    execution: str = "auction_first"  # a key of EXECUTIONS, for every leg
    amm_window: int = DEFAULT_AMM_WINDOW
    cap_usd: Decimal | None = None  # None: no cap
    launcher: str | None = None
    launcher_window: int = 0
    bidders: tuple[str, ...] | None = None  # None: anyone may bid

    @property
    def execution_mode(self) -> int:
        return EXECUTIONS[self.execution]


@dataclass(frozen=True)
class IndexSpec:
    name: str
    symbol: str
    initial_price_usd: Decimal
    components: tuple[ComponentSpec, ...]
    fees: FeesSpec
    roles: RolesSpec
    rebalancer: RebalancerSpec
    source: str | None = field(default=None, compare=False)
    auction: AuctionSpec | None = None

    @property
    def weights_bps(self) -> list[int]:
        return [c.weight_bps for c in self.components]

    def resolve(self, lookup: Callable[[str], str | None], deployer: str | None = None) -> IndexSpec:
        """Returns a copy whose every address field is a checksummed address.

        `lookup(name)` returns the address a name stands for (address book), or None. The
        ``deployer`` role resolves to `deployer`. Errors name the field that failed.
        """

        def res(value: str, where: str) -> str:
            if _ADDRESS_RE.match(value):
                return to_checksum_address(value)
            if value == DEPLOYER:
                if deployer is None:
                    raise SpecError(where, "'deployer' needs a deploying account", self.source)
                return to_checksum_address(deployer)
            found = lookup(value)
            if found is None:
                raise SpecError(where, f"unknown name '{value}': not in the address book", self.source)
            return to_checksum_address(found)

        components = []
        for i, c in enumerate(self.components):
            f = c.feed
            components.append(
                ComponentSpec(
                    token=res(c.token, f"components[{i}].token"),
                    weight_bps=c.weight_bps,
                    feed=replace(
                        f,
                        primary=res(f.primary, f"components[{i}].feed.primary"),
                        secondary=res(f.secondary, f"components[{i}].feed.secondary")
                        if f.secondary
                        else None,
                    ),
                )
            )
        seen: dict[str, int] = {}
        for i, c in enumerate(components):
            if c.token in seen:
                raise SpecError(
                    f"components[{i}].token",
                    f"{c.token} is also components[{seen[c.token]}].token",
                    self.source,
                )
            seen[c.token] = i
        r = self.roles
        roles = RolesSpec(
            owner=res(r.owner, "roles.owner"),
            manager=res(r.manager, "roles.manager"),
            guardian=res(r.guardian, "roles.guardian"),
            fee_recipient=res(r.fee_recipient, "roles.fee_recipient"),
            keepers=tuple(res(k, f"roles.keepers[{i}]") for i, k in enumerate(r.keepers)),
        )
        rb = self.rebalancer
        rebalancer = replace(
            rb,
            router=res(rb.router, "rebalancer.router"),
            weth=res(rb.weth, "rebalancer.weth") if rb.weth else None,
            uniswap_v3_factory=(
                res(rb.uniswap_v3_factory, "rebalancer.uniswap_v3_factory") if rb.uniswap_v3_factory else None
            ),
        )
        auction = self.auction
        if auction is not None:
            auction = replace(
                auction,
                launcher=res(auction.launcher, "auction.launcher") if auction.launcher else None,
                bidders=(
                    tuple(res(b, f"auction.bidders[{i}]") for i, b in enumerate(auction.bidders))
                    if auction.bidders is not None
                    else None
                ),
            )
        return replace(
            self, components=tuple(components), roles=roles, rebalancer=rebalancer, auction=auction
        )


# ---------------------------------------------------------------------------------------------
# Loading and validation: pydantic models of the YAML, every error at once
# ---------------------------------------------------------------------------------------------


def load_spec(path: str | Path) -> IndexSpec:
    """Reads and validates a YAML spec; raises SpecError naming every bad field."""
    p = Path(path)
    source = str(p)
    try:
        text = p.read_text()
    except OSError as exc:
        raise SpecError("file", f"cannot read spec: {exc.strerror or exc}", source) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError("file", f"not valid YAML: {exc}", source) from exc
    return parse_spec(data, source)


def parse_spec(data: Any, source: str | None = None) -> IndexSpec:
    """Validates an already-parsed spec (a mapping, as YAML gives it) against `SpecModel`."""
    try:
        model = SpecModel.model_validate(data)
    except ValidationError as exc:
        raise SpecError.from_problems(_problems(exc), source) from None
    return model.to_spec(source)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a spec file, as published in schema/basket-spec.schema.json."""
    schema = SpecModel.model_json_schema()
    for model in [schema, *schema.get("$defs", {}).values()]:
        for prop in model.get("properties", {}).values():
            # An optional field's description sits in its non-null branch: editors show the
            # property's own, so lift it there.
            described = [b for b in prop.get("anyOf", ()) if "description" in b]
            if described and "description" not in prop:
                prop["description"] = described[0].pop("description")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _pct(bps: int) -> str:
    return f"{Decimal(bps) / 100:f}%"


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


# One field type: how a raw YAML value is checked (messages as the CLI prints them) and the JSON
# Schema an editor checks it against. Pydantic calls `check` with the value as YAML gave it.


@dataclass(frozen=True, eq=False)  # hashed by identity: typing hashes Annotated metadata
class _Field:
    check: Callable[[Any], Any]
    schema: Mapping[str, Any]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(self.check)

    def __get_pydantic_json_schema__(
        self, core: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return dict(self.schema)


def _present(value: Any) -> Any:
    if value is None:
        raise ValueError("missing")
    return value


def _check_ref(value: Any) -> str:
    """An address (validated, checksummed if mixed-case) or an address-book name."""
    _present(value)
    if not isinstance(value, str):
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError("malformed address: quote it ('0x...'), YAML read it as a number")
        raise ValueError(f"must be an address or an address-book name, got {_kind(value)}")
    value = value.strip()
    if value.lower().startswith("0x"):
        if not _ADDRESS_RE.match(value):
            raise ValueError(f"malformed address '{value}' (need 0x and 40 hex digits)")
        has_upper = any(ch.isupper() for ch in value[2:])
        has_lower = any(ch.islower() for ch in value[2:])
        if has_upper and has_lower and not is_checksum_address(value):
            raise ValueError(f"bad checksum in address '{value}'")
        if value.lower() == ZERO_ADDRESS:
            raise ValueError("the zero address is not allowed")
        return to_checksum_address(value)
    if not _NAME_RE.match(value):
        raise ValueError(f"'{value}' is neither an address nor an address-book name")
    return value


def _whole(low: int, high: int, description: str) -> _Field:
    def check(value: Any) -> int:
        _present(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number, got {_kind(value)}")
        if not low <= value <= high:
            raise ValueError(f"{value} is out of range [{low}, {high}]")
        return value

    return _Field(check, {"type": "integer", "minimum": low, "maximum": high, "description": description})


def _exact(low: int, high: int, description: str) -> _Field:
    """The exact integer form of a percentage (`weight_bps`): its range is checked, with the
    percentage's name, once both forms are known."""

    def check(value: Any) -> int:
        _present(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number, got {_kind(value)}")
        return value

    return _Field(check, {"type": "integer", "minimum": low, "maximum": high, "description": description})


_PERCENT_PATTERN = r"^\s*([0-9][0-9_]*(\.[0-9_]*)?|\.[0-9][0-9_]*)\s*%\s*$"


def _percent(scale: int, exact_key: str, description: str) -> _Field:
    def check(value: Any) -> int:
        _present(value)
        if not isinstance(value, str) or not value.strip().endswith("%"):
            raise ValueError(f"write a percentage such as '1%' (or use {exact_key}), got {value!r}")
        try:
            fraction = parse_percentage(value, percent_only=True)  # the command line's parser
        except ParamError:
            raise ValueError(f"'{value}' is not a percentage") from None
        exact = fraction * scale
        if exact.denominator != 1:
            raise ValueError(f"'{value}' is finer than the contract can store ({exact_key})")
        return int(exact)

    return _Field(check, {"type": "string", "pattern": _PERCENT_PATTERN, "description": description})


def _check_usd(value: Any) -> Decimal:
    _present(value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"must be a USD amount, got {_kind(value)}")
    try:
        amount = Decimal(str(value).replace("_", "").replace(",", "").lstrip("$"))
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"'{value}' must be a finite amount of at least zero")
    if amount * WAD != int(amount * WAD):
        raise ValueError(f"'{value}' has more than 18 decimals")
    return amount


def _text(max_length: int, description: str) -> _Field:
    def check(value: Any) -> str:
        _present(value)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"must be a non-empty string, got {_kind(value)}")
        if len(value.encode()) > max_length:
            raise ValueError(f"'{value}' is longer than {max_length} bytes")
        return value

    return _Field(
        check, {"type": "string", "minLength": 1, "maxLength": max_length, "description": description}
    )


def _check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {_kind(value)}")
    return value


_REF_SCHEMA = {
    "type": "string",
    "anyOf": [{"pattern": "^0x[0-9a-fA-F]{40}$"}, {"pattern": _NAME_RE.pattern}],
}
_USD_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^\s*\$?[0-9][0-9_,]*(\.[0-9]+)?([eE][+-]?[0-9]+)?\s*$"},
    ],
}


def _ref(description: str) -> _Field:
    return _Field(_check_ref, {**_REF_SCHEMA, "description": description})


def _usd(description: str) -> _Field:
    return _Field(_check_usd, {**_USD_SCHEMA, "description": description})


_ROLE = "an address, an address-book name or 'deployer' (the deploying account); default deployer"

Name = Annotated[str, _text(MAX_NAME_LENGTH, "the index token's name (at most 25 bytes)")]
Symbol = Annotated[str, _text(MAX_SYMBOL_LENGTH, "the index token's symbol (at most 5 bytes)")]
InitialPrice = Annotated[Decimal, _usd("USD value of one index token at the first mint; default 100")]
Token = Annotated[str, _ref("the component token: an address or an address-book name (WETH)")]
Weight = Annotated[int, _percent(BPS, "weight_bps", "target weight, a percentage ('50%')")]
WeightBps = Annotated[int, _exact(1, BPS, "target weight in basis points (5000 = 50%), instead of weight")]
Feed = Annotated[str, _ref("a Chainlink-style price feed: an address or a name (WETH/USD)")]
Staleness = Annotated[
    int, _whole(MIN_STALENESS, MAX_STALENESS, "seconds a round may age before its price is refused")
]
MinPrice = Annotated[Decimal, _usd("USD: a lower price is refused")]
MaxPrice = Annotated[Decimal, _usd("USD: a higher price is refused")]
Deviation = Annotated[
    int, _percent(BPS, "max_deviation_bps", "how far the secondary may differ from the primary ('2%')")
]
DeviationBps = Annotated[
    int, _exact(1, MAX_DEVIATION_BPS, "max_deviation in basis points, instead of max_deviation")
]
SecondaryStaleness = Annotated[
    int, _whole(MIN_STALENESS, MAX_STALENESS, "the secondary feed's staleness; default the primary's")
]
ManagementFee = Annotated[int, _percent(WAD, "management_fee_wad", "a year, streamed to the fee recipient")]
ManagementFeeWad = Annotated[
    int, _exact(0, MAX_MANAGEMENT_FEE_WAD, "management fee a year as an 18-decimal fraction (1e16 = 1%)")
]
MintFee = Annotated[int, _percent(BPS, "mint_fee_bps", "taken on every mint ('0.1%'), cap 5%")]
MintFeeBps = Annotated[int, _exact(0, MAX_MINT_FEE_BPS, "mint fee in basis points, instead of mint_fee")]
RedeemFee = Annotated[int, _percent(BPS, "redeem_fee_bps", "taken on every redeem ('0.1%'), cap 5%")]
RedeemFeeBps = Annotated[
    int, _exact(0, MAX_REDEEM_FEE_BPS, "redeem fee in basis points, instead of redeem_fee")
]
Role = Annotated[str, _ref(_ROLE)]
Router = Annotated[str, _ref("the Uniswap V2 router whose factory the rebalancer trades through")]
Weth = Annotated[str, _ref("wrapped ether: two-hop routes through it when they quote better")]
V3Factory = Annotated[str, _ref("Uniswap V3's factory: its pools become a second venue")]
DriftThreshold = Annotated[
    int, _percent(BPS, "drift_threshold_bps", "rebalance once a weight is this far from its target ('2%')")
]
DriftThresholdBps = Annotated[
    int,
    _exact(MIN_DRIFT_THRESHOLD_BPS, MAX_DRIFT_THRESHOLD_BPS, "drift threshold in basis points"),
]
Slippage = Annotated[
    int, _percent(BPS, "max_slippage_bps", "no trade gets less than the oracle value minus this ('1%')")
]
SlippageBps = Annotated[int, _exact(1, MAX_SLIPPAGE_BPS, "max slippage in basis points")]
TradeCap = Annotated[Decimal, _usd("USD: the largest single trade (1 to 1e12)")]
MinTrade = Annotated[Decimal, _usd("USD: the smallest trade worth its gas")]
Cooldown = Annotated[int, _whole(MIN_COOLDOWN, MAX_COOLDOWN, "seconds between two trades of one component")]
PlanTtl = Annotated[int, _whole(MIN_PLAN_TTL, MAX_PLAN_TTL, "seconds a rebalance plan lasts; default a day")]
OpenTrading = Annotated[
    bool,
    _Field(_check_bool, {"type": "boolean", "description": "anyone may trigger trades, not only keepers"}),
]

Premium = Annotated[
    int, _percent(BPS, "premium_bps", "how far above the oracle-fair price the curve starts ('1%'), cap 20%")
]
PremiumBps = Annotated[int, _exact(0, MAX_PREMIUM_BPS, "premium in basis points, instead of premium")]
AuctionLength = Annotated[
    int,
    _whole(
        MIN_AUCTION_LENGTH,
        MAX_AUCTION_LENGTH,
        "seconds from an auction's open until its price reaches the oracle-fair price less max_slippage",
    ),
]
AmmWindow = Annotated[
    int,
    _whole(
        0, MAX_AMM_WINDOW, "auction_first: seconds after an auction ends that the AMMs may trade what is left"
    ),
]
AuctionCap = Annotated[
    Decimal, _usd("USD at oracle prices: the most one auction sells (1 to 1e12); default no cap")
]
Launcher = Annotated[str, _ref("may open auctions, and alone bid in the first launcher_window seconds")]
LauncherWindow = Annotated[
    int, _whole(0, MAX_LAUNCHER_WINDOW, "seconds at an auction's start only the launcher may bid; default 0")
]
Bidder = Annotated[str, _ref("an account allowed to bid")]


def _check_execution(value: Any) -> str:
    _present(value)
    if value not in EXECUTIONS:
        raise ValueError(f"one of {', '.join(EXECUTIONS)}, got {_kind(value)}")
    return str(value)


Execution = Annotated[
    str,
    _Field(
        _check_execution,
        {
            "type": "string",
            "enum": list(EXECUTIONS),
            "description": "how every leg executes: auction (bidders only), auction_first (the AMMs for "
            "what is left within amm_window after an auction), amm (keeper trades only) or any; "
            "default auction_first",
        },
    ),
]


class _Problems(ValueError):
    """What a model's cross-field check found: (field path below the model, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems


def _either(model: BaseModel, key: str, exact_key: str, problems: list[tuple[str, str]]) -> int | None:
    """A percentage given as `key` or as `exact_key` (not both); None if neither."""
    value, exact = getattr(model, key), getattr(model, exact_key)
    if value is not None and exact is not None:
        problems.append((key, f"give either {key} or {exact_key}, not both"))
    return value if value is not None else exact


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedModel(_Model):
    """The price feeds of one component and the checks the oracle adapter applies to them."""

    primary: Feed
    staleness: Staleness
    min_price_usd: MinPrice
    max_price_usd: MaxPrice
    secondary: Feed | None = None
    max_deviation: Deviation | None = None
    max_deviation_bps: DeviationBps | None = None
    secondary_staleness: SecondaryStaleness | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FeedModel:
        problems: list[tuple[str, str]] = []
        low, high = self.min_price_usd, self.max_price_usd
        if low <= 0:
            problems.append(("min_price_usd", "must be above zero"))
        elif high <= low:
            problems.append(("max_price_usd", f"{high} must be above min_price_usd {low}"))
        if self.secondary is not None and self.secondary == self.primary:
            problems.append(("secondary", "must differ from the primary feed"))
        deviation = _either(self, "max_deviation", "max_deviation_bps", problems)
        if self.secondary is not None:
            if deviation is None:
                problems.append(("max_deviation", "missing: a secondary feed needs a maximum deviation"))
            elif not 0 < deviation <= MAX_DEVIATION_BPS:
                cap = _pct(MAX_DEVIATION_BPS)
                problems.append(("max_deviation", f"{_pct(deviation)} must be above 0% and at most {cap}"))
        elif deviation is not None:
            problems.append(("max_deviation", "only meaningful with a secondary feed"))
        if self.secondary_staleness is not None and self.secondary is None:
            problems.append(("secondary_staleness", "only meaningful with a secondary feed"))
        if problems:
            raise _Problems(problems)
        return self

    def to_spec(self) -> FeedSpec:
        has_secondary = self.secondary is not None
        deviation = self.max_deviation if self.max_deviation is not None else self.max_deviation_bps
        return FeedSpec(
            primary=self.primary,
            staleness=self.staleness,
            min_price_usd=self.min_price_usd,
            max_price_usd=self.max_price_usd,
            secondary=self.secondary,
            max_deviation_bps=deviation if has_secondary else None,
            secondary_staleness=self.secondary_staleness,
        )


class ComponentModel(_Model):
    """One component: its token, its target weight, its price feeds."""

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["weight"]}, {"required": ["weight_bps"]}]}
    )

    token: Token
    weight: Weight | None = None
    weight_bps: WeightBps | None = None
    feed: FeedModel

    @model_validator(mode="after")
    def _weighted(self) -> ComponentModel:
        problems: list[tuple[str, str]] = []
        weight = _either(self, "weight", "weight_bps", problems)
        if weight is None:
            problems.append(("weight", "missing"))
        elif not 0 < weight <= BPS:
            problems.append(("weight", f"{_pct(weight)} must be above 0% and at most 100%"))
        if problems:
            raise _Problems(problems)
        return self

    @property
    def weight_in_bps(self) -> int:
        return self.weight if self.weight is not None else int(self.weight_bps or 0)


class FeesModel(_Model):
    """Fees, each a percentage or its exact integer; all default to zero."""

    management_fee: ManagementFee | None = None
    management_fee_wad: ManagementFeeWad | None = None
    mint_fee: MintFee | None = None
    mint_fee_bps: MintFeeBps | None = None
    redeem_fee: RedeemFee | None = None
    redeem_fee_bps: RedeemFeeBps | None = None

    @model_validator(mode="after")
    def _capped(self) -> FeesModel:
        problems: list[tuple[str, str]] = []
        for key, exact_key, cap, scale in (
            ("management_fee", "management_fee_wad", MAX_MANAGEMENT_FEE_WAD, WAD),
            ("mint_fee", "mint_fee_bps", MAX_MINT_FEE_BPS, BPS),
            ("redeem_fee", "redeem_fee_bps", MAX_REDEEM_FEE_BPS, BPS),
        ):
            value = _either(self, key, exact_key, problems) or 0
            pct = f"{Decimal(value) * 100 / scale:f}%"
            cap_pct = f"{Decimal(cap) * 100 / scale:f}%"
            if value < 0:
                problems.append((key, f"{pct} is negative"))
            elif value > cap:
                problems.append((key, f"{pct} is over its cap of {cap_pct}"))
        if problems:
            raise _Problems(problems)
        return self

    def to_spec(self) -> FeesSpec:
        def pick(value: int | None, exact: int | None) -> int:
            return value if value is not None else (exact or 0)

        return FeesSpec(
            management_fee_wad=pick(self.management_fee, self.management_fee_wad),
            mint_fee_bps=pick(self.mint_fee, self.mint_fee_bps),
            redeem_fee_bps=pick(self.redeem_fee, self.redeem_fee_bps),
        )


class RolesModel(_Model):
    """Who holds each role; every one defaults to the deploying account."""

    owner: Role | None = None
    manager: Role | None = None
    guardian: Role | None = None
    fee_recipient: Role | None = None
    keepers: list[Role] | None = Field(default=None, description="accounts that may trigger trades")

    def to_spec(self) -> RolesSpec:
        return RolesSpec(
            owner=self.owner or DEPLOYER,
            manager=self.manager or DEPLOYER,
            guardian=self.guardian or DEPLOYER,
            fee_recipient=self.fee_recipient or DEPLOYER,
            keepers=tuple(self.keepers) if self.keepers is not None else (DEPLOYER,),
        )


class RebalancerModel(_Model):
    """Where and how the rebalancer trades, and the limits every trade keeps."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {"oneOf": [{"required": ["drift_threshold"]}, {"required": ["drift_threshold_bps"]}]},
                {"oneOf": [{"required": ["max_slippage"]}, {"required": ["max_slippage_bps"]}]},
            ]
        }
    )

    router: Router
    weth: Weth | None = None
    drift_threshold: DriftThreshold | None = None
    drift_threshold_bps: DriftThresholdBps | None = None
    max_slippage: Slippage | None = None
    max_slippage_bps: SlippageBps | None = None
    trade_cap_usd: TradeCap
    min_trade_usd: MinTrade
    cooldown: Cooldown
    open_trading: OpenTrading = False
    uniswap_v3_factory: V3Factory | None = None
    plan_ttl: PlanTtl | None = None

    @model_validator(mode="after")
    def _bounded(self) -> RebalancerModel:
        problems: list[tuple[str, str]] = []
        drift = _either(self, "drift_threshold", "drift_threshold_bps", problems)
        if drift is None:
            problems.append(("drift_threshold", "missing"))
        elif not MIN_DRIFT_THRESHOLD_BPS <= drift <= MAX_DRIFT_THRESHOLD_BPS:
            low, high = _pct(MIN_DRIFT_THRESHOLD_BPS), _pct(MAX_DRIFT_THRESHOLD_BPS)
            problems.append(("drift_threshold", f"{_pct(drift)} is out of range [{low}, {high}]"))
        slippage = _either(self, "max_slippage", "max_slippage_bps", problems)
        if slippage is None:
            problems.append(("max_slippage", "missing"))
        elif not 0 < slippage <= MAX_SLIPPAGE_BPS:
            cap = _pct(MAX_SLIPPAGE_BPS)
            problems.append(("max_slippage", f"{_pct(slippage)} must be above 0% and at most {cap}"))
        cap_usd, minimum = self.trade_cap_usd, self.min_trade_usd
        if not MIN_TRADE_CAP_USD <= cap_usd <= MAX_TRADE_CAP_USD:
            problems.append(("trade_cap_usd", f"{cap_usd} is out of range [1, 1e12]"))
        if minimum <= 0:
            problems.append(("min_trade_usd", "must be above zero"))
        elif minimum > cap_usd:
            problems.append(("min_trade_usd", f"{minimum} is above trade_cap_usd {cap_usd}"))
        if problems:
            raise _Problems(problems)
        return self

    def to_spec(self) -> RebalancerSpec:
        drift = self.drift_threshold if self.drift_threshold is not None else self.drift_threshold_bps
        slippage = self.max_slippage if self.max_slippage is not None else self.max_slippage_bps
        return RebalancerSpec(
            router=self.router,
            weth=self.weth,
            drift_threshold_bps=int(drift or 0),
            max_slippage_bps=int(slippage or 0),
            trade_cap_usd=self.trade_cap_usd,
            min_trade_usd=self.min_trade_usd,
            cooldown=self.cooldown,
            open_trading=self.open_trading,
            uniswap_v3_factory=self.uniswap_v3_factory,
            plan_ttl=self.plan_ttl if self.plan_ttl is not None else DEFAULT_PLAN_TTL,
        )


class AuctionModel(_Model):
    """A Dutch auction for the rebalance legs: the index is the maker, bidders bring the liquidity
    and pay the gas, and every fill is priced from the oracle's guarded prices."""

    premium: Premium | None = None
    premium_bps: PremiumBps | None = None
    length: AuctionLength
    execution: Execution = "auction_first"
    amm_window: AmmWindow | None = None
    cap_usd: AuctionCap | None = None
    launcher: Launcher | None = None
    launcher_window: LauncherWindow | None = None
    bidders: list[Bidder] | None = Field(
        default=None, description="only these may bid (an allowlist); default anyone"
    )

    @model_validator(mode="after")
    def _bounded(self) -> AuctionModel:
        problems: list[tuple[str, str]] = []
        premium = _either(self, "premium", "premium_bps", problems)
        if premium is None:
            problems.append(("premium", "missing"))
        elif premium > MAX_PREMIUM_BPS:
            problems.append(("premium", f"{_pct(premium)} is over the cap of {_pct(MAX_PREMIUM_BPS)}"))
        if self.cap_usd is not None and not MIN_TRADE_CAP_USD <= self.cap_usd <= MAX_TRADE_CAP_USD:
            problems.append(("cap_usd", f"{self.cap_usd} is out of range [1, 1e12]"))
        if self.launcher_window and self.launcher is None:
            problems.append(("launcher_window", "needs a launcher"))
        if self.bidders is not None and not self.bidders:
            problems.append(("bidders", "an empty allowlist: nobody could bid (leave it out to let anyone)"))
        if problems:
            raise _Problems(problems)
        return self

    def to_spec(self) -> AuctionSpec:
        premium = self.premium if self.premium is not None else self.premium_bps
        return AuctionSpec(
            premium_bps=int(premium or 0),
            length=self.length,
            execution=self.execution,
            amm_window=self.amm_window if self.amm_window is not None else DEFAULT_AMM_WINDOW,
            cap_usd=self.cap_usd,
            launcher=self.launcher,
            launcher_window=self.launcher_window or 0,
            bidders=tuple(self.bidders) if self.bidders is not None else None,
        )


class SpecModel(_Model):
    """A vyndex basket spec: one index, its components, fees, roles and rebalancer limits.
    Percentages are strings ('50%') or the exact integer field (weight_bps); USD amounts are
    numbers; addresses are 0x... or names from the network's address book."""

    model_config = ConfigDict(title="vyndex basket spec")

    name: Name
    symbol: Symbol
    initial_price_usd: InitialPrice | None = None
    components: list[ComponentModel] = Field(min_length=1, max_length=MAX_COMPONENTS)
    fees: FeesModel | None = None
    roles: RolesModel | None = None
    rebalancer: RebalancerModel
    auction: AuctionModel | None = None

    @model_validator(mode="after")
    def _basket(self) -> SpecModel:
        problems: list[tuple[str, str]] = []
        if self.initial_price_usd is not None and self.initial_price_usd <= 0:
            problems.append(("initial_price_usd", "must be above zero"))
        tokens: dict[str, int] = {}
        for i, c in enumerate(self.components):
            key = c.token.lower()
            if key in tokens:
                problems.append(
                    (f"components[{i}].token", f"'{c.token}' is also components[{tokens[key]}].token")
                )
            tokens.setdefault(key, i)
        total = sum(c.weight_in_bps for c in self.components)
        if total != BPS:
            listed = ", ".join(_pct(c.weight_in_bps) for c in self.components)
            problems.append(
                ("components[].weight", f"weights must sum to 100%, they sum to {_pct(total)} ({listed})")
            )
        if problems:
            raise _Problems(problems)
        return self

    def to_spec(self, source: str | None) -> IndexSpec:
        return IndexSpec(
            name=self.name,
            symbol=self.symbol,
            initial_price_usd=self.initial_price_usd if self.initial_price_usd is not None else Decimal(100),
            components=tuple(
                ComponentSpec(token=c.token, weight_bps=c.weight_in_bps, feed=c.feed.to_spec())
                for c in self.components
            ),
            fees=(self.fees or FeesModel()).to_spec(),
            roles=(self.roles or RolesModel()).to_spec(),
            rebalancer=self.rebalancer.to_spec(),
            source=source,
            auction=self.auction.to_spec() if self.auction is not None else None,
        )


# Pydantic's own error types, in the words the rest of the spec uses.
_MISSING_WORDS = {"feed": "missing: every component needs a price feed"}


def _path(loc: Sequence[Any]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _model_at(loc: Sequence[Any]) -> type[BaseModel] | None:
    """The model class that holds the field at `loc` (for the list of allowed fields)."""
    model: type[BaseModel] = SpecModel
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        found = _models_in(info.annotation) if info is not None else []
        if not found:
            return None
        model = found[0]
    return model


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False):
        loc, kind, value = tuple(error["loc"]), error["type"], error.get("input")
        where = _path(loc)
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, _Problems):
            for sub, message in cause.problems:
                out.append((f"{where}.{sub}" if where else sub, message))
        elif kind == "value_error" and cause is not None:
            out.append((where or "spec", str(cause)))
        elif loc and (kind == "missing" or (kind == "model_type" and value is None)):
            out.append((where, _MISSING_WORDS.get(str(loc[-1]), "missing")))
        elif kind == "extra_forbidden":
            model = _model_at(loc)
            allowed = ", ".join(sorted(model.model_fields)) if model else "see the schema"
            out.append((where, f"unknown field (allowed: {allowed})"))
        elif kind == "model_type" and loc and loc[-1] == "feed" and isinstance(value, str):
            out.append((where, "must be a mapping with primary, staleness, min_price_usd, max_price_usd"))
        elif kind == "model_type":
            out.append((where or "spec", f"must be a mapping, got {_kind(value)}"))
        elif kind == "list_type":
            what = "components" if loc == ("components",) else "addresses"
            out.append((where, f"must be a list of {what}"))
        elif kind == "too_short" and loc == ("components",):
            out.append((where, "needs at least one component"))
        elif kind == "too_long" and loc == ("components",):
            out.append((where, f"at most {MAX_COMPONENTS} components, got {len(value)}"))
        else:  # pragma: no cover - a pydantic error type the spec does not produce
            out.append((where or "spec", str(error["msg"])))
    return out


def usd_wad(amount: Decimal) -> int:
    """A USD amount as the contracts' 18-decimal integer."""
    return int(amount * WAD)


if __name__ == "__main__":  # python -m vyndex.spec > schema/basket-spec.schema.json (make schema)
    import json

    print(json.dumps(json_schema(), indent=2))
