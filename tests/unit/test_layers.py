"""Dependencies point one way (ARCHITECTURE.md): guardrails (pure) ← workers (pipeline) ← bot (Slack surface),
with feedback (labels and versions) below workers and the CLI on top. A structural check of every import in the
source, including imports inside functions, so a shortcut across the layers fails here rather than in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# package → the project's packages it must never import
FORBIDDEN = {
    "guardrails": {"core", "workers", "feedback", "bot", "cli"},
    "core": {"workers", "feedback", "bot", "cli"},
    "feedback": {"workers", "bot", "cli"},
    "workers": {"bot", "cli"},
    "bot": {"cli"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_points_up_the_layers(package):
    files = sorted((REPO / package).rglob("*.py"))
    assert files, f"no source found for {package}"
    wrong = [
        f"{path.relative_to(REPO)}:{line} imports {module}"
        for path in files
        for line, module in _imports(path)
        if module.split(".")[0] in FORBIDDEN[package]
    ]
    assert wrong == [], "imports against the layering:\n" + "\n".join(wrong)
