"""The identity services import downward only (issue 11: the matching ↔ resolution ↔ tasks
circle): each module imports, at any depth of the file, only modules listed before it."""

from __future__ import annotations

import ast
from pathlib import Path

import tsunagu.identity.services as services

ORDER = [
    "common",
    "keys",
    "matcher",
    "golden",
    "merging",
    "ledger",
    "sources",
    "resolution",
    "review",
    "related",
    "importing",
    "matching",
]
SERVICES = Path(services.__file__).parent


def _imports(module: str) -> set[str]:
    tree = ast.parse((SERVICES / f"{module}.py").read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            out.add(node.module.split(".")[0])
        if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module == "tasks":
            out.add("..tasks")
    return out


def test_every_service_module_is_placed():
    assert {p.stem for p in SERVICES.glob("*.py")} - {"__init__"} == set(ORDER)


def test_services_import_downward_only():
    for position, module in enumerate(ORDER):
        below = set(ORDER[:position])
        assert _imports(module) <= below, (module, _imports(module) - below)


def test_one_keys_refresh():
    defined = [p.stem for p in SERVICES.glob("*.py") if "def keys_refresh" in p.read_text()]
    assert defined == ["keys"]
