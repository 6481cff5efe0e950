"""The basket spec's JSON Schema (schema/basket-spec.schema.json): published from the pydantic
model and kept in step with it, the example specs valid under it, and what the model refuses by
field (a typo, a bare number for a percentage, a missing feed) refused by an editor too."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from vyndex.spec import SpecError, json_schema, parse_spec

ROOT = Path(__file__).parents[2]
SCHEMA = ROOT / "schema" / "basket-spec.schema.json"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _example(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "examples" / name).read_text())


def test_schema_file__equals_the_model__else_run_make_schema():
    assert SCHEMA.read_text() == json.dumps(json_schema(), indent=2) + "\n", (
        "schema/basket-spec.schema.json is out of date with vyndex.spec: run `make schema`"
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example__valid_under_the_schema_and_points_editors_at_it(validator, path):
    assert list(validator.iter_errors(yaml.safe_load(path.read_text()))) == []
    modeline = re.match(r"# yaml-language-server: \$schema=(\S+)\n", path.read_text())
    assert modeline is not None and (path.parent / modeline.group(1)).resolve() == SCHEMA


def _typo(data: dict[str, Any]) -> None:
    data["components"][0]["wieght"] = data["components"][0].pop("weight")


def _bare_number(data: dict[str, Any]) -> None:
    data["components"][0]["weight"] = 50


def _no_feed(data: dict[str, Any]) -> None:
    del data["components"][1]["feed"]


def _both_forms(data: dict[str, Any]) -> None:
    data["rebalancer"]["max_slippage_bps"] = 100


def _string_staleness(data: dict[str, Any]) -> None:
    data["components"][2]["feed"]["staleness"] = "1h"


def _malformed_address(data: dict[str, Any]) -> None:
    data["rebalancer"]["router"] = "0x12"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_typo, "components[0].wieght"),
        (_bare_number, "components[0].weight"),
        (_no_feed, "components[1].feed"),
        (_both_forms, "rebalancer.max_slippage"),
        (_string_staleness, "components[2].feed.staleness"),
        (_malformed_address, "rebalancer.router"),
    ],
)
def test_bad_spec__refused_by_the_schema_and_by_the_model_at_the_field(validator, change, field):
    data = copy.deepcopy(_example("blue-chip.yaml"))
    change(data)
    assert list(validator.iter_errors(data)), "the schema let it through"
    with pytest.raises(SpecError) as info:
        parse_spec(data, "spec.yaml")
    assert info.value.field == field
