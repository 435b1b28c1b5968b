"""The scheduler as a user runs it: scheduled crawls recorded, clean stop on SIGTERM, hung crawls killed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

from tests.conftest import CLI, REPO, Cli


def _query(cli: Cli, sql: str) -> list[tuple]:
    with sqlite3.connect(cli.db_url.removeprefix("sqlite:///")) as conn:
        return conn.execute(sql).fetchall()


def test_run_fires_a_never_crawled_source_and_records_it(cli: Cli, site) -> None:
    proc = cli("run", "--source", "demo", "--stop-after-runs", "1", timeout=240)
    assert "scheduler stopped" in proc.stdout
    runs = cli.json_lines("runs")
    assert len(runs) == 1
    assert runs[0]["trigger"] == "scheduled" and runs[0]["status"] == "ok"
    assert runs[0]["new_documents"] == len(site.articles)
    jobs = _query(cli, "select id from apscheduler_jobs")
    assert jobs == [("demo",)], "the job store lives in the archive database"


def test_sigterm_stops_after_the_crawl_in_flight(cli: Cli, site) -> None:
    env = {**os.environ, "POLICY_ARCHIVE_HOME": str(cli.home)}
    proc = subprocess.Popen([*CLI, "--db", cli.db_url, "--sources", str(cli.sources), "run", "--source", "demo"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _query(cli, "select id from crawl_run"):
                break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    statuses = [s for (s,) in _query(cli, "select status from crawl_run")]
    assert statuses and "running" not in statuses


def test_crawl_past_its_time_limit_is_killed_and_recorded(cli: Cli, site) -> None:
    run = cli.json("crawl", "demo", "--time-limit", "1")
    assert run["status"] == "timeout" and "time limit" in run["message"]
    assert cli.json_lines("runs")[0]["status"] == "timeout"
