"""Basket specs: one YAML file describes an index, and loading it validates everything.

A spec names the index, its components (token, price feeds, staleness, bounds), target weights,
fees, roles and rebalancer limits. `load_spec` turns the file into frozen dataclasses and refuses
anything the contracts would refuse later, before a single transaction is sent, with an error
that names the field: ``components[1].feed.primary: malformed address '0x12'``.

Addresses may be written out (``0x...``, checksummed if mixed-case) or given as a name that the
network's address book resolves (``WETH``, ``WETH/USD``, ``UniswapV2Router02``): the devnet
writes those names. `IndexSpec.resolve` does that lookup, again before any transaction.

Percentages are strings (``"50%"``, ``"0.25%"``) or the exact integer field (``weight_bps``,
``mint_fee_bps``, ``management_fee_wad``); a bare number is refused because ``50`` could mean
50% or 50 bps. USD amounts are plain numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from eth_utils.address import is_checksum_address, to_checksum_address

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

DEPLOYER = "deployer"

_ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_./:+-]{0,63}$")


class SpecError(ValueError):
    """A spec that cannot be deployed; `field` is the dotted path of the culprit."""

    def __init__(self, field: str, message: str, source: str | None = None) -> None:
        self.field = field
        self.reason = message
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{field}: {message}")


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
class IndexSpec:
    name: str
    symbol: str
    initial_price_usd: Decimal
    components: tuple[ComponentSpec, ...]
    fees: FeesSpec
    roles: RolesSpec
    rebalancer: RebalancerSpec
    source: str | None = field(default=None, compare=False)

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
        return replace(self, components=tuple(components), roles=roles, rebalancer=rebalancer)


# ---------------------------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------------------------


def load_spec(path: str | Path) -> IndexSpec:
    """Reads and validates a YAML spec; raises SpecError naming the first bad field."""
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
    """Validates an already-parsed spec (a mapping, as YAML gives it)."""
    r = _Reader(source)
    top = r.mapping(data, "spec")
    r.no_unknown(
        top,
        "",
        {"name", "symbol", "initial_price_usd", "components", "fees", "roles", "rebalancer"},
    )

    name = r.string(top, "name", "name", max_length=MAX_NAME_LENGTH)
    symbol = r.string(top, "symbol", "symbol", max_length=MAX_SYMBOL_LENGTH)
    initial_price = r.usd(top, "initial_price_usd", "initial_price_usd", default=Decimal(100))
    if initial_price <= 0:
        raise SpecError("initial_price_usd", "must be above zero", source)

    raw_components = r.require(top, "components", "components")
    if not isinstance(raw_components, list):
        raise SpecError("components", "must be a list of components", source)
    if not raw_components:
        raise SpecError("components", "needs at least one component", source)
    if len(raw_components) > MAX_COMPONENTS:
        raise SpecError(
            "components", f"at most {MAX_COMPONENTS} components, got {len(raw_components)}", source
        )
    components = tuple(r.component(c, f"components[{i}]") for i, c in enumerate(raw_components))

    tokens: dict[str, int] = {}
    for i, c in enumerate(components):
        key = c.token.lower()
        if key in tokens:
            raise SpecError(
                f"components[{i}].token", f"'{c.token}' is also components[{tokens[key]}].token", source
            )
        tokens[key] = i
    total = sum(c.weight_bps for c in components)
    if total != BPS:
        listed = ", ".join(_pct(c.weight_bps) for c in components)
        raise SpecError(
            "components[].weight",
            f"weights must sum to 100%, they sum to {_pct(total)} ({listed})",
            source,
        )

    fees = r.fees(top.get("fees"), "fees")
    roles = r.roles(top.get("roles"), "roles")
    rebalancer = r.rebalancer(r.require(top, "rebalancer", "rebalancer"), "rebalancer")
    return IndexSpec(
        name=name,
        symbol=symbol,
        initial_price_usd=initial_price,
        components=components,
        fees=fees,
        roles=roles,
        rebalancer=rebalancer,
        source=source,
    )


def _pct(bps: int) -> str:
    return f"{Decimal(bps) / 100:f}%"


class _Reader:
    """Field readers that raise SpecError with the field's path."""

    def __init__(self, source: str | None) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> SpecError:
        return SpecError(where, message, self.source)

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"must be a mapping, got {_kind(value)}")
        return value

    def no_unknown(self, m: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        for key in m:
            if key not in allowed:
                path = f"{where}.{key}" if where else str(key)
                raise self.fail(path, f"unknown field (allowed: {', '.join(sorted(allowed))})")

    def require(self, m: Mapping[str, Any], key: str, where: str) -> Any:
        if key not in m or m[key] is None:
            raise self.fail(where, "missing")
        return m[key]

    def string(self, m: Mapping[str, Any], key: str, where: str, max_length: int = 256) -> str:
        value = self.require(m, key, where)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"must be a non-empty string, got {_kind(value)}")
        if len(value.encode()) > max_length:
            raise self.fail(where, f"'{value}' is longer than {max_length} bytes")
        return value

    def integer(self, value: Any, where: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"must be a whole number, got {_kind(value)}")
        if not low <= value <= high:
            raise self.fail(where, f"{value} is out of range [{low}, {high}]")
        return value

    def usd(self, m: Mapping[str, Any], key: str, where: str, default: Decimal | None = None) -> Decimal:
        if key not in m or m[key] is None:
            if default is None:
                raise self.fail(where, "missing")
            return default
        value = m[key]
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(where, f"must be a USD amount, got {_kind(value)}")
        try:
            amount = Decimal(str(value).replace("_", "").replace(",", "").lstrip("$"))
        except InvalidOperation:
            raise self.fail(where, f"'{value}' is not a number") from None
        if not amount.is_finite() or amount < 0:
            raise self.fail(where, f"'{value}' must be a finite amount of at least zero")
        if amount * WAD != int(amount * WAD):
            raise self.fail(where, f"'{value}' has more than 18 decimals")
        return amount

    def percent(self, m: Mapping[str, Any], key: str, exact_key: str, where: str, scale: int) -> int | None:
        """A percentage as `key: "x%"` or an exact integer as `exact_key`; None if neither."""
        if key in m and exact_key in m:
            raise self.fail(f"{where}.{key}", f"give either {key} or {exact_key}, not both")
        if exact_key in m:
            value = m[exact_key]
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.fail(f"{where}.{exact_key}", f"must be a whole number, got {_kind(value)}")
            return value
        if key not in m:
            return None
        value = m[key]
        path = f"{where}.{key}" if where else key
        if not isinstance(value, str) or not value.strip().endswith("%"):
            raise self.fail(path, f"write a percentage such as '1%' (or use {exact_key}), got {value!r}")
        try:
            fraction = parse_percentage(value, percent_only=True)  # the command line's parser
        except ParamError:
            raise self.fail(path, f"'{value}' is not a percentage") from None
        exact = fraction * scale
        if exact.denominator != 1:
            raise self.fail(path, f"'{value}' is finer than the contract can store ({exact_key})")
        return int(exact)

    def ref(self, value: Any, where: str) -> str:
        """An address (validated, checksummed if mixed-case) or an address-book name."""
        if not isinstance(value, str):
            if isinstance(value, int) and not isinstance(value, bool):
                raise self.fail(where, "malformed address: quote it ('0x...'), YAML read it as a number")
            raise self.fail(where, f"must be an address or an address-book name, got {_kind(value)}")
        value = value.strip()
        if value.lower().startswith("0x"):
            if not _ADDRESS_RE.match(value):
                raise self.fail(where, f"malformed address '{value}' (need 0x and 40 hex digits)")
            has_upper = any(ch.isupper() for ch in value[2:])
            has_lower = any(ch.islower() for ch in value[2:])
            if has_upper and has_lower and not is_checksum_address(value):
                raise self.fail(where, f"bad checksum in address '{value}'")
            if value.lower() == ZERO_ADDRESS:
                raise self.fail(where, "the zero address is not allowed")
            return to_checksum_address(value)
        if not _NAME_RE.match(value):
            raise self.fail(where, f"'{value}' is neither an address nor an address-book name")
        return value

    def component(self, raw: Any, where: str) -> ComponentSpec:
        m = self.mapping(raw, where)
        self.no_unknown(m, where, {"token", "weight", "weight_bps", "feed"})
        token = self.ref(self.require(m, "token", f"{where}.token"), f"{where}.token")
        weight = self.percent(m, "weight", "weight_bps", where, BPS)
        if weight is None:
            raise self.fail(f"{where}.weight", "missing")
        if not 0 < weight <= BPS:
            raise self.fail(f"{where}.weight", f"{_pct(weight)} must be above 0% and at most 100%")
        if "feed" not in m or m["feed"] is None:
            raise self.fail(f"{where}.feed", "missing: every component needs a price feed")
        return ComponentSpec(token=token, weight_bps=weight, feed=self.feed(m["feed"], f"{where}.feed"))

    def feed(self, raw: Any, where: str) -> FeedSpec:
        if isinstance(raw, str):
            raise self.fail(where, "must be a mapping with primary, staleness, min_price_usd, max_price_usd")
        m = self.mapping(raw, where)
        self.no_unknown(
            m,
            where,
            {
                "primary",
                "staleness",
                "min_price_usd",
                "max_price_usd",
                "secondary",
                "max_deviation",
                "max_deviation_bps",
                "secondary_staleness",
            },
        )
        primary = self.ref(self.require(m, "primary", f"{where}.primary"), f"{where}.primary")
        staleness = self.integer(
            self.require(m, "staleness", f"{where}.staleness"),
            f"{where}.staleness",
            MIN_STALENESS,
            MAX_STALENESS,
        )
        low = self.usd(m, "min_price_usd", f"{where}.min_price_usd")
        high = self.usd(m, "max_price_usd", f"{where}.max_price_usd")
        if low <= 0:
            raise self.fail(f"{where}.min_price_usd", "must be above zero")
        if high <= low:
            raise self.fail(f"{where}.max_price_usd", f"{high} must be above min_price_usd {low}")
        secondary = None
        if m.get("secondary") is not None:
            secondary = self.ref(m["secondary"], f"{where}.secondary")
            if secondary == primary:
                raise self.fail(f"{where}.secondary", "must differ from the primary feed")
        deviation = self.percent(m, "max_deviation", "max_deviation_bps", where, BPS)
        if secondary is not None:
            if deviation is None:
                raise self.fail(
                    f"{where}.max_deviation", "missing: a secondary feed needs a maximum deviation"
                )
            if not 0 < deviation <= MAX_DEVIATION_BPS:
                cap = _pct(MAX_DEVIATION_BPS)
                raise self.fail(
                    f"{where}.max_deviation", f"{_pct(deviation)} must be above 0% and at most {cap}"
                )
        elif deviation is not None:
            raise self.fail(f"{where}.max_deviation", "only meaningful with a secondary feed")
        secondary_staleness = None
        if m.get("secondary_staleness") is not None:
            if secondary is None:
                raise self.fail(f"{where}.secondary_staleness", "only meaningful with a secondary feed")
            secondary_staleness = self.integer(
                m["secondary_staleness"], f"{where}.secondary_staleness", MIN_STALENESS, MAX_STALENESS
            )
        return FeedSpec(
            primary=primary,
            staleness=staleness,
            min_price_usd=low,
            max_price_usd=high,
            secondary=secondary,
            max_deviation_bps=deviation,
            secondary_staleness=secondary_staleness,
        )

    def fees(self, raw: Any, where: str) -> FeesSpec:
        if raw is None:
            return FeesSpec()
        m = self.mapping(raw, where)
        self.no_unknown(
            m,
            where,
            {
                "management_fee",
                "management_fee_wad",
                "mint_fee",
                "mint_fee_bps",
                "redeem_fee",
                "redeem_fee_bps",
            },
        )
        mgmt = self.percent(m, "management_fee", "management_fee_wad", where, WAD) or 0
        mint = self.percent(m, "mint_fee", "mint_fee_bps", where, BPS) or 0
        redeem = self.percent(m, "redeem_fee", "redeem_fee_bps", where, BPS) or 0
        for value, key, cap, scale in (
            (mgmt, "management_fee", MAX_MANAGEMENT_FEE_WAD, WAD),
            (mint, "mint_fee", MAX_MINT_FEE_BPS, BPS),
            (redeem, "redeem_fee", MAX_REDEEM_FEE_BPS, BPS),
        ):
            pct = f"{Decimal(value) * 100 / scale:f}%"
            cap_pct = f"{Decimal(cap) * 100 / scale:f}%"
            if value < 0:
                raise self.fail(f"{where}.{key}", f"{pct} is negative")
            if value > cap:
                raise self.fail(f"{where}.{key}", f"{pct} is over its cap of {cap_pct}")
        return FeesSpec(management_fee_wad=mgmt, mint_fee_bps=mint, redeem_fee_bps=redeem)

    def roles(self, raw: Any, where: str) -> RolesSpec:
        if raw is None:
            return RolesSpec()
        m = self.mapping(raw, where)
        self.no_unknown(m, where, {"owner", "manager", "guardian", "fee_recipient", "keepers"})
        values: dict[str, Any] = {}
        for key in ("owner", "manager", "guardian", "fee_recipient"):
            if m.get(key) is not None:
                values[key] = self.ref(m[key], f"{where}.{key}")
        if m.get("keepers") is not None:
            keepers = m["keepers"]
            if not isinstance(keepers, Sequence) or isinstance(keepers, str):
                raise self.fail(f"{where}.keepers", "must be a list of addresses")
            values["keepers"] = tuple(self.ref(k, f"{where}.keepers[{i}]") for i, k in enumerate(keepers))
        return RolesSpec(**values)

    def rebalancer(self, raw: Any, where: str) -> RebalancerSpec:
        m = self.mapping(raw, where)
        self.no_unknown(
            m,
            where,
            {
                "router",
                "weth",
                "drift_threshold",
                "drift_threshold_bps",
                "max_slippage",
                "max_slippage_bps",
                "trade_cap_usd",
                "min_trade_usd",
                "cooldown",
                "open_trading",
                "uniswap_v3_factory",
                "plan_ttl",
            },
        )
        router = self.ref(self.require(m, "router", f"{where}.router"), f"{where}.router")
        weth = self.ref(m["weth"], f"{where}.weth") if m.get("weth") is not None else None
        drift = self.percent(m, "drift_threshold", "drift_threshold_bps", where, BPS)
        if drift is None:
            raise self.fail(f"{where}.drift_threshold", "missing")
        if not MIN_DRIFT_THRESHOLD_BPS <= drift <= MAX_DRIFT_THRESHOLD_BPS:
            low, high = _pct(MIN_DRIFT_THRESHOLD_BPS), _pct(MAX_DRIFT_THRESHOLD_BPS)
            raise self.fail(f"{where}.drift_threshold", f"{_pct(drift)} is out of range [{low}, {high}]")
        slippage = self.percent(m, "max_slippage", "max_slippage_bps", where, BPS)
        if slippage is None:
            raise self.fail(f"{where}.max_slippage", "missing")
        if not 0 < slippage <= MAX_SLIPPAGE_BPS:
            raise self.fail(
                f"{where}.max_slippage",
                f"{_pct(slippage)} must be above 0% and at most {_pct(MAX_SLIPPAGE_BPS)}",
            )
        cap = self.usd(m, "trade_cap_usd", f"{where}.trade_cap_usd")
        if not MIN_TRADE_CAP_USD <= cap <= MAX_TRADE_CAP_USD:
            raise self.fail(f"{where}.trade_cap_usd", f"{cap} is out of range [1, 1e12]")
        minimum = self.usd(m, "min_trade_usd", f"{where}.min_trade_usd")
        if minimum <= 0:
            raise self.fail(f"{where}.min_trade_usd", "must be above zero")
        if minimum > cap:
            raise self.fail(f"{where}.min_trade_usd", f"{minimum} is above trade_cap_usd {cap}")
        cooldown = self.integer(
            self.require(m, "cooldown", f"{where}.cooldown"), f"{where}.cooldown", MIN_COOLDOWN, MAX_COOLDOWN
        )
        v3 = m.get("uniswap_v3_factory")
        v3_factory = self.ref(v3, f"{where}.uniswap_v3_factory") if v3 is not None else None
        plan_ttl = DEFAULT_PLAN_TTL
        if m.get("plan_ttl") is not None:
            plan_ttl = self.integer(m["plan_ttl"], f"{where}.plan_ttl", MIN_PLAN_TTL, MAX_PLAN_TTL)
        open_trading = m.get("open_trading", False)
        if not isinstance(open_trading, bool):
            raise self.fail(f"{where}.open_trading", f"must be true or false, got {_kind(open_trading)}")
        return RebalancerSpec(
            router=router,
            weth=weth,
            drift_threshold_bps=drift,
            max_slippage_bps=slippage,
            trade_cap_usd=cap,
            min_trade_usd=minimum,
            cooldown=cooldown,
            open_trading=open_trading,
            uniswap_v3_factory=v3_factory,
            plan_ttl=plan_ttl,
        )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def usd_wad(amount: Decimal) -> int:
    """A USD amount as the contracts' 18-decimal integer."""
    return int(amount * WAD)
