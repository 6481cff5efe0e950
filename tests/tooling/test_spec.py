"""Spec loading: every example loads, and each kind of bad spec fails naming its field."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from vyndex.constants import BPS
from vyndex.spec import DEPLOYER, SpecError, load_spec, parse_spec

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
FEED = "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419"


def base() -> dict[str, Any]:
    return {
        "name": "Test Index",
        "symbol": "TIX",
        "initial_price_usd": 100,
        "components": [
            {
                "token": "WETH",
                "weight": "60%",
                "feed": {
                    "primary": "WETH/USD",
                    "staleness": 3600,
                    "min_price_usd": 100,
                    "max_price_usd": 1e5,
                },
            },
            {
                "token": WETH.lower().replace("c02", "c03"),
                "weight_bps": 4000,
                "feed": {"primary": FEED, "staleness": 60, "min_price_usd": "0.5", "max_price_usd": 2},
            },
        ],
        "fees": {"management_fee": "2%", "mint_fee": "0.25%", "redeem_fee_bps": 5},
        "roles": {"manager": "deployer", "keepers": ["deployer", WETH]},
        "rebalancer": {
            "router": "UniswapV2Router02",
            "drift_threshold": "2.5%",
            "max_slippage": "1%",
            "trade_cap_usd": 1000,
            "min_trade_usd": 10,
            "cooldown": 60,
        },
    }


def expect_error(data: dict[str, Any], field: str, words: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse_spec(data, "spec.yaml")
    assert info.value.field == field, str(info.value)
    assert words in info.value.reason, str(info.value)
    assert str(info.value).startswith(f"spec.yaml: {field}: ")
    return info.value


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example__loads__weights_sum_to_100pct(path):
    spec = load_spec(path)
    assert sum(spec.weights_bps) == BPS
    assert spec.source == str(path)


def test_examples__exist():
    assert {p.stem for p in EXAMPLES} >= {"blue-chip", "defi", "mainnet-blue-chip"}


def test_valid_spec__parses__into_exact_integers():
    spec = parse_spec(base())
    assert spec.weights_bps == [6000, 4000]
    assert spec.fees.management_fee_wad == 2 * 10**16
    assert spec.fees.mint_fee_bps == 25
    assert spec.fees.redeem_fee_bps == 5
    assert spec.rebalancer.drift_threshold_bps == 250
    assert spec.rebalancer.trade_cap_usd == Decimal(1000)
    assert spec.components[1].feed.min_price_usd == Decimal("0.5")
    assert spec.roles.guardian == DEPLOYER
    assert spec.roles.keepers == (DEPLOYER, WETH)


def test_load_spec__file_round_trip(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(base()))
    assert load_spec(path) == parse_spec(base())


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ("0x12", "components[1].token", "malformed address"),
        ("0x" + "g" * 40, "components[1].token", "malformed address"),
        (WETH.replace("C02a", "c02A"), "components[1].token", "bad checksum"),
        ("0x" + "0" * 40, "components[1].token", "zero address"),
        (0x1234, "components[1].token", "YAML read it as a number"),
        ("not a name!", "components[1].token", "neither an address"),
    ],
)
def test_malformed_address__refused__naming_the_field(bad, field, words):
    data = base()
    data["components"][1]["token"] = bad
    expect_error(data, field, words)


def test_malformed_feed_address__names_the_feed_field():
    data = base()
    data["components"][0]["feed"]["primary"] = "0xdeadbeef"
    expect_error(data, "components[0].feed.primary", "malformed address")


def test_many_problems__all_reported_at_once_in_file_order():
    data = base()
    data["symbol"] = "TOOLONG"
    data["components"][0]["feed"]["staleness"] = "1h"
    data["components"][1]["token"] = "0x12"
    data["fees"] = {"mint_fee": "6%", "redeem_fee_bps": 501}
    data["rebalancer"]["cooldown"] = 59
    del data["rebalancer"]["router"]
    with pytest.raises(SpecError) as info:
        parse_spec(data, "spec.yaml")
    fields = [f for f, _ in info.value.problems]
    assert fields == [
        "symbol",
        "components[0].feed.staleness",
        "components[1].token",
        "fees.mint_fee",
        "fees.redeem_fee",
        "rebalancer.router",
        "rebalancer.cooldown",
    ]
    assert info.value.field == "symbol"  # the first, as with a single problem
    lines = str(info.value).splitlines()
    assert len(lines) == 7 and all(line.startswith("spec.yaml: ") for line in lines)
    assert "spec.yaml: fees.redeem_fee: 5.01% is over its cap of 5%" in lines


def test_weights_not_summing_to_100pct__refused():
    data = base()
    data["components"][0]["weight"] = "59.99%"
    err = expect_error(data, "components[].weight", "sum to 99.99%")
    assert "59.99%" in err.reason and "40%" in err.reason


def test_weight_over_100pct__refused():
    data = base()
    data["components"][0]["weight"] = "160%"
    expect_error(data, "components[0].weight", "at most 100%")


def test_weight_as_bare_number__refused_as_ambiguous():
    data = base()
    data["components"][0]["weight"] = 60
    expect_error(data, "components[0].weight", "write a percentage")


def test_weight_finer_than_a_bp__refused():
    data = base()
    data["components"][0]["weight"] = "59.995%"
    expect_error(data, "components[0].weight", "finer than the contract can store")


def test_missing_feed__refused():
    data = base()
    del data["components"][1]["feed"]
    expect_error(data, "components[1].feed", "every component needs a price feed")


def test_missing_staleness__refused():
    data = base()
    del data["components"][0]["feed"]["staleness"]
    expect_error(data, "components[0].feed.staleness", "missing")


def test_inverted_price_bounds__refused():
    data = base()
    data["components"][0]["feed"]["max_price_usd"] = 50
    expect_error(data, "components[0].feed.max_price_usd", "must be above min_price_usd")


@pytest.mark.parametrize(
    ("key", "value", "field", "words"),
    [
        ("staleness", 59, "components[0].feed.staleness", "out of range [60, 259200]"),
        ("staleness", 72 * 3600 + 1, "components[0].feed.staleness", "out of range"),
        ("staleness", "1h", "components[0].feed.staleness", "whole number"),
        ("min_price_usd", 0, "components[0].feed.min_price_usd", "above zero"),
        ("min_price_usd", "cheap", "components[0].feed.min_price_usd", "not a number"),
    ],
)
def test_feed_field_out_of_range__refused(key, value, field, words):
    data = base()
    data["components"][0]["feed"][key] = value
    expect_error(data, field, words)


def test_deviation_over_the_adapter_cap__refused():
    data = base()
    data["components"][0]["feed"].update(secondary="WETH/USD:backup", max_deviation="51%")
    expect_error(data, "components[0].feed.max_deviation", "at most 50%")


def test_secondary_feed_without_deviation__refused():
    data = base()
    data["components"][0]["feed"]["secondary"] = "WETH/USD:backup"
    expect_error(data, "components[0].feed.max_deviation", "needs a maximum deviation")
    data["components"][0]["feed"]["max_deviation"] = "2%"
    assert parse_spec(data).components[0].feed.max_deviation_bps == 200


@pytest.mark.parametrize(
    ("key", "value", "field", "cap"),
    [
        ("mint_fee", "5.01%", "fees.mint_fee", "cap of 5%"),
        ("redeem_fee_bps", 501, "fees.redeem_fee", "cap of 5%"),
        ("management_fee", "10.5%", "fees.management_fee", "cap of 10%"),
    ],
)
def test_fee_over_cap__refused(key, value, field, cap):
    data = base()
    data["fees"] = {key: value}
    expect_error(data, field, cap)


def test_fee_at_cap__accepted():
    data = base()
    data["fees"] = {"mint_fee": "5%", "redeem_fee": "5%", "management_fee": "10%"}
    fees = parse_spec(data).fees
    assert (fees.mint_fee_bps, fees.redeem_fee_bps, fees.management_fee_wad) == (500, 500, 10**17)


@pytest.mark.parametrize(
    ("key", "value", "field", "words"),
    [
        ("drift_threshold", "0.05%", "rebalancer.drift_threshold", "out of range"),
        ("max_slippage", "6%", "rebalancer.max_slippage", "at most 5%"),
        ("cooldown", 59, "rebalancer.cooldown", "out of range"),
        ("min_trade_usd", 2000, "rebalancer.min_trade_usd", "above trade_cap_usd"),
        ("trade_cap_usd", "1e13", "rebalancer.trade_cap_usd", "out of range"),
        ("open_trading", "yes", "rebalancer.open_trading", "true or false"),
    ],
)
def test_rebalancer_limit_out_of_range__refused(key, value, field, words):
    data = base()
    data["rebalancer"][key] = value
    expect_error(data, field, words)


def test_missing_router__refused():
    data = base()
    del data["rebalancer"]["router"]
    expect_error(data, "rebalancer.router", "missing")


def test_unknown_field__refused_as_a_typo():
    data = base()
    data["components"][0]["wieght"] = data["components"][0].pop("weight")
    expect_error(data, "components[0].wieght", "unknown field")


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [("name", "x" * 26, "longer than 25"), ("symbol", "TOOLONG", "longer than 5"), ("name", "", "non-empty")],
)
def test_name_and_symbol_lengths__checked(key, value, words):
    data = base()
    data[key] = value
    expect_error(data, key, words)


def test_duplicate_token__refused():
    data = base()
    data["components"][1]["token"] = "WETH"
    expect_error(data, "components[1].token", "also components[0].token")


def test_no_components__refused():
    data = base()
    data["components"] = []
    expect_error(data, "components", "at least one")


def test_not_yaml__refused(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.field == "file" and "not valid YAML" in info.value.reason


def test_missing_file__refused(tmp_path):
    with pytest.raises(SpecError, match="cannot read spec"):
        load_spec(tmp_path / "nope.yaml")


def test_resolve__names_addresses_and_deployer():
    book = {"WETH": WETH, "WETH/USD": FEED, "UniswapV2Router02": "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"}
    deployer = "0x" + "ab" * 20
    spec = parse_spec(base()).resolve(book.get, deployer=deployer)
    assert spec.components[0].token == WETH
    assert spec.components[0].feed.primary == FEED
    assert spec.rebalancer.router == book["UniswapV2Router02"]
    assert spec.roles.manager.lower() == deployer
    assert spec.roles.keepers[1] == WETH


def test_resolve__unknown_name__names_the_field():
    spec = parse_spec(base())
    with pytest.raises(SpecError) as info:
        spec.resolve({"WETH": WETH}.get, deployer="0x" + "ab" * 20)
    assert info.value.field == "components[0].feed.primary"
    assert "'WETH/USD'" in info.value.reason and "address book" in info.value.reason


def test_resolve__name_and_address_of_the_same_token__refused():
    data = copy.deepcopy(base())
    data["components"][1]["token"] = WETH
    spec = parse_spec(data)
    with pytest.raises(SpecError) as info:
        spec.resolve({"WETH": WETH, "WETH/USD": FEED, "UniswapV2Router02": WETH}.get, deployer=WETH)
    assert info.value.field == "components[1].token"


def test_compute_units__each_side_of_the_vault_limits__names_the_component() -> None:
    from vyndex.deploy import compute_units
    from vyndex.spec import MAX_STORED_UNIT

    spec = parse_spec(base(), "spec.yaml")
    usd = 10**18
    # $100 a token: $60 of WETH at $3,000 (18 decimals), $40 of a $1 token with 6 decimals.
    assert compute_units(spec, [3_000 * usd, usd], [18, 6]) == [2 * 10**16, 40 * 10**6]
    # A 0-decimal token at $1,000 cannot be held at $40 a share: less than one whole token.
    with pytest.raises(SpecError, match=r"components\[1\]\.weight: its unit rounds to zero"):
        compute_units(spec, [3_000 * usd, 1_000 * usd], [18, 0])
    # A token so cheap that $60 of it is over the vault's stored cap (2**91 - 1 in 18 decimals).
    cheap = 60 * usd * 10**18 // MAX_STORED_UNIT
    with pytest.raises(SpecError, match=r"components\[0\]\.weight: its unit .* is over the vault's cap"):
        compute_units(spec, [cheap, usd], [18, 6])
    assert compute_units(spec, [cheap + 1, usd], [18, 6])[0] <= MAX_STORED_UNIT


# ---------------------------------------------------------------------------------------------
# The optional auction section
# ---------------------------------------------------------------------------------------------


def with_auction(**fields: Any) -> dict[str, Any]:
    data = base()
    data["auction"] = {"premium": "1%", "length": 3600, **fields}
    return data


def test_auction__absent__none_and_present__exact_integers_and_defaults():
    assert parse_spec(base()).auction is None
    a = parse_spec(with_auction()).auction
    assert a is not None
    assert (a.premium_bps, a.length, a.execution, a.execution_mode) == (100, 3600, "auction_first", 3)
    assert (a.amm_window, a.cap_usd, a.launcher, a.launcher_window, a.bidders) == (
        86_400,
        None,
        None,
        0,
        None,
    )


def test_auction__every_field__parsed_into_the_contract_units():
    data = with_auction(
        execution="auction",
        amm_window=0,
        cap_usd="250,000",
        launcher="deployer",
        launcher_window=300,
        bidders=[WETH],
    )
    del data["auction"]["premium"]
    data["auction"]["premium_bps"] = 250
    a = parse_spec(data).auction
    assert a is not None
    assert (a.premium_bps, a.execution_mode, a.amm_window, a.cap_usd) == (250, 2, 0, Decimal(250_000))
    assert (a.launcher, a.launcher_window, a.bidders) == (DEPLOYER, 300, (WETH,))


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"premium": "25%"}, "auction.premium", "over the cap of 20%"),
        ({"premium": 1}, "auction.premium", "write a percentage"),
        ({"premium": None}, "auction.premium", "missing"),
        ({"premium_bps": 100}, "auction.premium", "give either premium or premium_bps, not both"),
        ({"length": 59}, "auction.length", "out of range [60, 604800]"),
        ({"execution": "dutch"}, "auction.execution", "one of any, amm, auction, auction_first"),
        ({"amm_window": 8 * 86_400}, "auction.amm_window", "out of range"),
        ({"cap_usd": 0}, "auction.cap_usd", "out of range [1, 1e12]"),
        ({"launcher_window": 60}, "auction.launcher_window", "needs a launcher"),
        ({"launcher_window": 86_401, "launcher": "deployer"}, "auction.launcher_window", "out of range"),
        ({"bidders": []}, "auction.bidders", "nobody could bid"),
        ({"bidders": ["0x12"]}, "auction.bidders[0]", "malformed address"),
        ({"reserve": 1}, "auction.reserve", "unknown field"),
    ],
)
def test_auction__bad_field__refused_naming_it(fields, field, words):
    data = with_auction(**fields)
    data["auction"] = {k: v for k, v in data["auction"].items() if v is not None}
    expect_error(data, field, words)


def test_auction__resolve__launcher_and_bidders_become_addresses():
    book = {"Bidder": WETH, "WETH": WETH, "WETH/USD": FEED, "UniswapV2Router02": FEED}
    spec = parse_spec(with_auction(launcher="deployer", bidders=["Bidder"]))
    resolved = spec.resolve(book.get, deployer=FEED)
    assert resolved.auction is not None
    assert resolved.auction.launcher == FEED and resolved.auction.bidders == (WETH,)
    with pytest.raises(SpecError, match=r"auction\.bidders\[0\]: unknown name 'Nobody'"):
        parse_spec(with_auction(bidders=["Nobody"])).resolve(book.get, deployer=FEED)
