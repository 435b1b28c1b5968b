"""Bad input gets a clear message, a recorded fetch error, no crash, and loses nothing already archived."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Cli, demo_source_toml


def _rows(cli: Cli, sql: str) -> list[tuple]:
    with sqlite3.connect(cli.db_url.removeprefix("sqlite:///")) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"schedule": "*/61 * * * *"}, "schedule"),
        ({"schedule": "sometimes"}, "schedule"),
        ({"article_patterns": ["/art/(\\d+"]}, "article_patterns"),
        ({"name": "Bad Name"}, "name"),
        ({"start_urls": ["ftp://example.org/"]}, "start_urls"),
        ({"encoding": "klingon"}, "encoding"),
    ],
)
def test_malformed_sources_file_names_source_and_field(cli: Cli, site, override: dict, field: str) -> None:
    cli.sources.write_text(demo_source_toml(site.base_url, **override), encoding="utf-8")
    proc = cli("sources", "list", check=False)
    assert proc.returncode == 2
    assert field in proc.stderr and ("demo" in proc.stderr or "source #1" in proc.stderr or "Bad Name" in proc.stderr)


def test_duplicate_source_names_are_rejected(cli: Cli, site) -> None:
    cli.sources.write_text(demo_source_toml(site.base_url) * 2, encoding="utf-8")
    proc = cli("crawl", "demo", check=False)
    assert proc.returncode == 2 and "duplicate" in proc.stderr and "'demo'" in proc.stderr


def test_unknown_source_and_unusable_database_fail_clearly(cli: Cli, tmp_path: Path) -> None:
    proc = cli("crawl", "nosuch", check=False)
    assert proc.returncode == 2 and "unknown source 'nosuch'" in proc.stderr
    bad = Cli("sqlite:////proc/forbidden/archive.sqlite3", cli.sources, cli.home)
    proc = bad("docs", "list", check=False)
    assert proc.returncode == 2 and "error" in proc.stderr.lower()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_source_is_a_recorded_failed_run(cli: Cli, site) -> None:
    cli.json("crawl", "demo", "--max-pages", "3")
    dead = f"http://127.0.0.1:{_free_port()}"
    cli.sources.write_text(demo_source_toml(site.base_url) + demo_source_toml(dead, name="dead"), encoding="utf-8")
    run = cli.json("crawl", "dead")
    assert run["status"] == "failed" and "unreachable" in run["message"]
    assert run["errors"] >= 1
    errors = _rows(cli, "select f.error from fetch f join source s on s.id=f.source_id where s.name='dead'")
    assert errors and all(e for (e,) in errors)
    assert len(cli.json_lines("docs", "list")) == 3  # nothing already archived was lost
    runs = cli.json_lines("runs")
    assert [r["status"] for r in runs] == ["failed", "ok"]


def test_broken_pages_are_recorded_and_the_crawl_goes_on(cli: Cli, site) -> None:
    base = site.base_url
    broken = demo_source_toml(
        base, name="broken", feeds=[], sitemaps=[],
        start_urls=[f"{base}/broken/notfound-listing.html", f"{base}/list/index.html", f"{base}/broken/binary.bin",
                    f"{base}/broken/binary.html", f"{base}/broken/undecodable.html", f"{base}/broken/500.html"],
        article_patterns=[r"/art/\d{4}/\d+\.html$", r"/broken/(binary|undecodable|500)"],
    )
    cli.sources.write_text(broken, encoding="utf-8")
    run = cli.json("crawl", "broken")
    assert run["status"] == "ok"
    assert run["new_documents"] == len(site.articles) + 1  # + the damaged-but-readable page
    rows = dict(_rows(cli, "select url, coalesce(error, outcome) from fetch where url like '%/broken/%'"))
    assert "404" in rows[f"{base}/broken/notfound-listing.html"]
    assert "500" in rows[f"{base}/broken/500.html"]
    assert "not an HTML page" in rows[f"{base}/broken/binary.bin"]
    assert rows[f"{base}/broken/binary.html"] not in ("new", "changed")
    assert "undecodable bytes replaced (utf-8)" in rows[f"{base}/broken/undecodable.html"]
    damaged = cli.json("docs", "show", f"{base}/broken/undecodable.html")
    assert "\ufffd" in damaged["text"] and "之后又恢复正常" in damaged["text"]  # read as UTF-8, not mojibake


def test_robots_disallowed_pages_are_recorded_as_skipped(cli: Cli, site) -> None:
    cli.sources.write_text(demo_source_toml(site.base_url, article_patterns=[r"/art/\d{4}/\d+\.html$", "/private/"]),
                           encoding="utf-8")
    run = cli.json("crawl", "demo")
    assert run["status"] == "ok"
    fetched = _rows(cli, "select outcome, error from fetch where url like '%/private/%'")
    assert fetched, "the private page is linked from the listing and matches a pattern: it must be recorded"
    assert all(outcome == "skipped" and "robots" in (error or "").lower() for outcome, error in fetched)
