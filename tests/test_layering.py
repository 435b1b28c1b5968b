"""The one-way flow of STYLE.md: corpus imports nothing of ours; archive imports only corpus; crawler never scheduler."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OURS = {"corpus", "archive", "crawler", "scheduler", "replica"}
ALLOWED = {
    "corpus": set(),
    "archive": {"corpus"},
    "crawler": {"corpus", "archive"},
    "replica": set(),
    "scheduler": {"corpus", "archive", "crawler", "replica"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_follow_the_flow(package: str) -> None:
    for path in (REPO / package).rglob("*.py"):
        bad = _imports(path) - ALLOWED[package] - {package}
        assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"
