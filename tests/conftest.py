"""Shared fixtures: the replica site on loopback, sources files pointing at it, and the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ["tests.archive.backends"]  # `archive_url`: the same tests on SQLite and PostgreSQL

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CLI = [sys.executable, "-m", "scheduler"]


def shared_path(*parts: str) -> Path:
    """../shared beside the clone; tests that need it fail loudly when it is missing instead of skipping."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared data must sit beside the repository (../shared)")
    return path


def demo_source_toml(base_url: str, name: str = "demo", **overrides: object) -> str:
    fields: dict[str, object] = {
        "name": name,
        "title": "示例政策网",
        "allowed_domains": ["127.0.0.1"],
        "start_urls": [f"{base_url}/list/index.html"],
        "follow_patterns": [r"/list/index(_\d+)?\.html$"],
        "article_patterns": [r"/art/\d{4}/\d+\.html$"],
        "feeds": [f"{base_url}/rss.xml"],
        "sitemaps": [f"{base_url}/sitemap.xml"],
        "schedule": "every 30s",
        "download_delay": 0.0,
        "concurrency": 8,
        "time_limit": "2m",
    }
    fields.update(overrides)
    lines = ["[[source]]"] + [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


@dataclass
class Cli:
    """Runs `policy-archive` as a user would, in its own process, against one database and sources file."""

    db_url: str
    sources: Path
    home: Path

    def __call__(self, *args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "POLICY_ARCHIVE_HOME": str(self.home), "COLUMNS": "200"}
        proc = subprocess.run([*CLI, "--db", self.db_url, "--sources", str(self.sources), *args],
                              capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO)
        if check and proc.returncode != 0:
            raise AssertionError(f"policy-archive {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
        return proc

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--json").stdout)

    def json_lines(self, *args: str) -> list[dict]:
        return [json.loads(line) for line in self(*args, "--json").stdout.splitlines() if line.strip()]


@pytest.fixture
def site() -> Iterator[object]:
    from replica.site import ReplicaSite

    with ReplicaSite(port=0) as s:
        yield s


@pytest.fixture
def cli(tmp_path: Path, site: object) -> Cli:
    sources = tmp_path / "sources.toml"
    sources.write_text(demo_source_toml(site.base_url), encoding="utf-8")
    return Cli(f"sqlite:///{tmp_path / 'archive.sqlite3'}", sources, tmp_path / "home")
