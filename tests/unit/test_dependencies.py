"""Every third-party module the product imports is declared in pyproject.toml, by the distribution that ships it.

Arriving through another package is no reason to leave a direct import undeclared: that package may drop it.
Modules imported only by optional features must be in an optional group (`local`: offline embeddings).
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "guardrails", "workers", "feedback", "bot", "cli", "slack_standin")


def _name(requirement: str) -> str:
    """PEP 503-normalised distribution name of a requirement string."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement.strip()).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    required = {_name(r) for r in project["dependencies"]}
    optional = {_name(r) for group in project.get("optional-dependencies", {}).values() for r in group}
    return required, optional


def _imported_modules() -> dict[str, list[str]]:
    """Top-level module → files that import it (absolute imports only; our own packages and stdlib left out)."""
    found: dict[str, list[str]] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in PACKAGES:
                        found.setdefault(top, []).append(str(path.relative_to(REPO)))
    return found


def test_every_direct_import_is_a_declared_dependency():
    required, optional = _declared()
    dists = md.packages_distributions()
    undeclared = {}
    for module, files in _imported_modules().items():
        shipped_by = {_name(d) for d in dists.get(module, [])}
        assert shipped_by, f"{module} (imported in {files[0]}) is not installed: declare it and install"
        if not shipped_by & (required | optional):
            undeclared[module] = (sorted(shipped_by), files[:3])
    assert undeclared == {}, f"imported but not declared in pyproject.toml: {undeclared}"


def test_optional_dependencies_are_imported_only_where_optional():
    """A module of the `local` extra imported at module level of a package would break a plain install."""
    required, optional = _declared()
    dists = md.packages_distributions()
    only_optional = {m for m in _imported_modules() if {_name(d) for d in dists.get(m, [])} <= optional - required}
    offenders = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            for node in ast.parse(path.read_text()).body:  # module level only: function-level imports are lazy
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module]
                    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                    else []
                )
                offenders += [f"{path.relative_to(REPO)}: {n}" for n in names if n.split(".")[0] in only_optional]
    assert offenders == []
