"""The crawl child is started before its run is claimed: it waits for the run id, and goes away without one."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from archive.db import Database
from crawler.sources import load_sources
from scheduler.claims import SourceBusy, claim_run
from scheduler.jobs import CrawlRequest, run_crawl, start_crawler
from tests.conftest import REPO, Cli


def test_a_child_without_a_run_exits_without_crawling(cli: Cli) -> None:
    """EOF on stdin (the scheduler found the source busy, or died) ends the child before it opens the database."""
    proc = subprocess.run([sys.executable, "-m", "crawler.run", "--sources", str(cli.sources), "--source", "demo",
                           "--db", cli.db_url, "--run-id", "-"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "no run was claimed" in proc.stderr
    assert not Path(cli.db_url.removeprefix("sqlite:///")).exists()


def test_a_busy_source_discards_the_started_child_and_its_log(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_ARCHIVE_HOME", str(cli.home))
    db = Database(cli.db_url)
    source = load_sources(cli.sources)["demo"]
    with db.unit_of_work() as s:
        claim_run(s, "demo", dt.datetime(2026, 1, 1), "someone-else", ttl=600)
    request = CrawlRequest(source, cli.sources)
    crawler = start_crawler(request, db.url)
    assert crawler.proc is not None and crawler.log is not None and crawler.log.exists()
    with pytest.raises(SourceBusy):
        run_crawl(db, request, crawler=crawler)
    assert crawler.proc.returncode is not None, "the child is gone"
    assert list((cli.home / "logs" / "demo").iterdir()) == []
    db.dispose()


def test_the_log_is_named_after_the_run(cli: Cli) -> None:
    record = cli.json("crawl", "demo", "--max-pages", "2")
    logs = sorted(p.name for p in (cli.home / "logs" / "demo").iterdir())
    assert logs == [f"run-{record['id']}.log"]
    assert "Spider closed" in (cli.home / "logs" / "demo" / logs[0]).read_text(encoding="utf-8")
