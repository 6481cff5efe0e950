"""Ape decides where a test's snapshot goes from what it learnt about each fixture *by name*
(whether its setup changed the chain). Two fixtures with one name in different folders share
that verdict, and a function-scoped fixture judged stateless by its namesake is then set up
outside the test's snapshot: its transactions leak into the next test. So fixture names must be
unique across the suite; this test keeps them so."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).parent


def _fixture_names(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                if isinstance(target, ast.Attribute) and target.attr == "fixture":
                    names.append(node.name)
    return names


def test_fixture_names__across_the_suite__each_defined_once_unless_a_deliberate_override():
    where: dict[str, list[str]] = defaultdict(list)
    for path in sorted(TESTS.rglob("*.py")):
        for name in _fixture_names(path):
            where[name].append(str(path.relative_to(TESTS)))
    # Overrides of the shared module-scoped world, deliberately shadowing tests/conftest.py.
    allowed = {"vault"}
    clashes = {name: files for name, files in where.items() if len(files) > 1 and name not in allowed}
    assert not clashes, f"fixture names defined more than once (rename one): {clashes}"
