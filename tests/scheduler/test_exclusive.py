"""Exclusivity from the database: run claims, the leader lease, two daemons on one database, kill -9 mid-delivery."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.db import Database
from archive.events import emit
from archive.store import ensure_source, finish_run, start_run
from scheduler.claims import SourceBusy, acquire_lease, claim_run, release_lease, release_run
from tests.conftest import Cli, demo_source_toml
from tests.scheduler.daemon_proc import query, start_daemon, stop, wait_for
from tests.scheduler.receivers import WebhookReceiver

T = dt.datetime(2026, 1, 1, 8, 0)


@pytest.fixture
def db(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    yield database
    database.dispose()


def test_a_firing_is_claimed_once_and_a_source_runs_once_at_a_time(db: Database) -> None:
    with db.unit_of_work() as s:
        first = claim_run(s, "demo", T, "a", ttl=600).id
    with pytest.raises(SourceBusy, match="taken|in progress"), db.unit_of_work() as s:
        claim_run(s, "demo", T, "b", ttl=600)
    with pytest.raises(SourceBusy, match="in progress by a"), db.unit_of_work() as s:
        claim_run(s, "demo", T + dt.timedelta(minutes=1), "b", ttl=600)
    with db.unit_of_work() as s:
        claim_run(s, "other", T, "b", ttl=600)  # other sources are free
        release_run(s, first, None)
    with db.unit_of_work() as s:
        claim_run(s, "demo", T + dt.timedelta(minutes=1), "b", ttl=-1)  # already expired: its holder "died"
    with db.unit_of_work() as s:
        claim_run(s, "demo", T + dt.timedelta(minutes=2), "c", ttl=600)


def test_the_lease_has_one_holder_until_it_expires_or_is_released(db: Database) -> None:
    with db.unit_of_work() as s:
        assert acquire_lease(s, "a", ttl=600)
    with db.unit_of_work() as s:
        assert not acquire_lease(s, "b", ttl=600)
        assert acquire_lease(s, "a", ttl=600)  # renewal
        release_lease(s, "a")
    with db.unit_of_work() as s:
        assert acquire_lease(s, "b", ttl=-1)
    with db.unit_of_work() as s:
        assert acquire_lease(s, "a", ttl=600), "an expired lease is taken over"


def _overlaps(rows: list[tuple]) -> list[tuple]:
    rows = sorted(rows)
    return [(a, b) for a, b in zip(rows, rows[1:], strict=False) if a[1] is None or b[0] < a[1]]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> Iterator[str]:
    """SQLite always; PostgreSQL (lease row + advisory lock) when POLICY_ARCHIVE_TEST_PG names a server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.sqlite3'}"
        return
    server = os.environ.get("POLICY_ARCHIVE_TEST_PG")
    if not server:
        pytest.skip(reason="POLICY_ARCHIVE_TEST_PG is not set (e.g. postgresql://postgres@127.0.0.1:5432/postgres)")
    from sqlalchemy import text

    from archive.db import make_engine

    name = f"pa_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"create database {name}"))
    yield server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f"drop database {name} with (force)"))
    admin.dispose()


def test_two_daemons_on_one_database_never_overlap_a_source(tmp_path: Path, site, db_url: str) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(demo_source_toml(site.base_url, schedule="every 3s"), encoding="utf-8")
    cli = Cli(db_url, sources, tmp_path / "home")
    cli("init")
    fast = {"POLICY_ARCHIVE_CLAIM_TTL": "4"}  # a dead leader's claim frees its source 4 s after its last heartbeat
    first, second = start_daemon(cli, env=fast), start_daemon(cli, env=fast)
    try:
        wait_for("two runs", lambda: len(query(cli, "select id from crawl_run where status = 'ok'")) >= 2)
        wait_for("a crawl in flight", lambda: query(cli, "select id from crawl_run where status = 'running'"))
        leader = query(cli, "select holder from daemon_lease")[0][0]
        if f":{first.pid}:" not in leader:
            first, second = second, first
        first.send_signal(signal.SIGKILL)  # the leader dies mid-crawl; the other takes over after the lease TTL
        first.wait()
        done = len(query(cli, "select id from crawl_run where status != 'running'"))
        wait_for("runs after the kill", lambda: len(query(cli, "select id from crawl_run where status = 'ok'"))
                 >= done + 1, proc=second, timeout=180)
    finally:
        if first.poll() is None:
            stop(first)
        code, _out, err = stop(second)
    assert code == 0, err
    rows = query(cli, "select started_at, finished_at from crawl_run order by started_at")
    assert len(rows) >= 4
    assert _overlaps(rows) == []
    assert query(cli, "select count(*) from crawl_run where status = 'running'") == [(0,)]
    holders = {h for (h,) in query(cli, "select holder from run_claim")}
    assert len(holders) >= 1


def _seed_events(cli: Cli, n: int) -> list[str]:
    db = Database(cli.db_url)
    with db.unit_of_work() as s:
        src = ensure_source(s, "demo")
        run = start_run(s, src, "manual")
        s.flush()
        finish_run(s, run.id, "ok")  # crawled before: the daemon does not fire at once
        keys = [emit(s, "document.new", "demo", {"url": f"http://x.cn/{i}.html", "title": f"第{i}号通知",
                                                 "published": "2026-01-01", "publisher": "县委", "snippet": "…"}).key
                for i in range(n)]
    db.dispose()
    return keys


def test_kill_9_mid_delivery_loses_nothing_and_duplicates_share_the_key(tmp_path: Path, site) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(demo_source_toml(site.base_url, schedule="every 1h"), encoding="utf-8")
    cli = Cli(f"sqlite:///{tmp_path / 'archive.sqlite3'}", sources, tmp_path / "home")
    keys = _seed_events(cli, 3)
    receiver = WebhookReceiver(stall=threading.Event()).start()
    try:
        cli("watch", "add", "all", "--webhook", receiver.url)
        daemon = start_daemon(cli)
        wait_for("the first delivery attempt", lambda: receiver.hooks, proc=daemon)
        daemon.send_signal(signal.SIGKILL)  # mid-delivery: the receiver is still holding the request
        daemon.wait()
        receiver.stall.set()
        restarted = start_daemon(cli)
        wait_for("every event delivered", lambda: query(cli, "select count(*) from delivery where status = 'sent'")
                 == [(3,)], proc=restarted)
        code, _out, err = stop(restarted)
        assert code == 0, err
    finally:
        receiver.stop()
    ids = [b["id"] for b in receiver.bodies()]
    assert set(ids) == set(keys), "none lost"
    assert len(ids) == 4 and ids.count(ids[0]) == 2, "the interrupted one is resent with the same idempotency key"
