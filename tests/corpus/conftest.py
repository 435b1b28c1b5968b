"""Fixtures for corpus tests: the team's shared data beside the repository, read at run time, never copied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def _require(path: Path) -> Path:
    """Fail (never skip) when shared data is missing, so a green run always means the data was checked."""
    if not path.exists():
        pytest.fail(f"shared test data missing: {path} — the team's shared folder must sit beside the repo (../shared)")
    return path


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return _require(SHARED / "seeds")


@pytest.fixture(scope="session")
def extraction_dir() -> Path:
    return _require(SHARED / "data" / "extraction")


@pytest.fixture(scope="session")
def manifest(extraction_dir: Path) -> list[dict]:
    with (extraction_dir / "manifest.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
