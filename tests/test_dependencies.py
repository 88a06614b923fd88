"""Every pinned runtime dependency is used: imported by triage/ or workers/, or loaded by
name by another library (those are listed with the library that loads them). A package
pinned and never imported is a cost (install time, audits, upgrades) for nothing."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Loaded by another library rather than imported by ours.
LOADED_BY = {
    "httptools": "uvicorn (HTTP parser)",
    "uvloop": "uvicorn (event loop)",
    "python-multipart": "FastAPI (form bodies)",
}


def _pinned() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [re.split(r"[\[=<>;! ]", spec, maxsplit=1)[0].lower()
            for spec in project["dependencies"]]


def _imported() -> set[str]:
    found: set[str] = set()
    for folder in ("triage", "workers"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module.split(".")[0])
    return found


def test_every_pinned_dependency_is_imported_or_loaded_by_a_library() -> None:
    modules_of: dict[str, set[str]] = {}
    for module, dists in packages_distributions().items():
        for dist in dists:
            modules_of.setdefault(dist.lower().replace("_", "-"), set()).add(module)
    imported = _imported()
    unused = [name for name in _pinned() if name not in LOADED_BY
              and not modules_of.get(name, set()) & imported]
    assert unused == [], f"pinned but never imported: {unused}"


def test_the_dropped_packages_stay_dropped() -> None:
    assert {"itsdangerous", "lxml", "skops"}.isdisjoint(_pinned())
