"""Events in the outbox and their delivery: windows, diffs, failing/recovered, retries, refusals, bad watches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.db import Database
from archive.events import run_finished
from archive.models_monitor import Delivery, OutboxEvent
from archive.store import ensure_source, finish_run, start_run, store_extraction
from corpus import Extraction, Metadata
from corpus.fingerprint import text_hash
from corpus.normalize import normalize_text
from scheduler.notify.outbox import deliver_pending
from scheduler.watches import WatchError, build_watch, load_watches
from tests.scheduler.receivers import SmtpReceiver, WebhookReceiver


@pytest.fixture
def db(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'e.sqlite3'}")
    yield database
    database.dispose()


def _extraction(text: str, published: str | None) -> Extraction:
    norm = normalize_text(text)
    return Extraction(title="關於黨建工作的通知", text=text, text_norm=norm, hash=text_hash(norm),
                      metadata=Metadata(published=published, publisher="县委组织部"))


def _store(db: Database, url: str, text: str, published: str | None) -> str:
    with db.unit_of_work() as s:
        src = ensure_source(s, "demo")
        return store_extraction(s, source_id=src.id, url=url, extraction=_extraction(text, published)).outcome


def _events(db: Database) -> list[OutboxEvent]:
    with db.unit_of_work() as s:
        return list(s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))


def test_new_only_inside_the_window_and_changed_carries_a_diff(db: Database) -> None:
    today = dt.date.today().isoformat()
    _store(db, "http://x.cn/old.html", "二〇二三年的旧文。", "2023-03-01")
    _store(db, "http://x.cn/new.html", "加强黨建工作。\n第二段。", today)
    _store(db, "http://x.cn/new.html", "加强黨建工作。\n第二段（已更正）。", today)
    events = _events(db)
    assert [e.type for e in events] == ["document.new", "document.changed"]
    assert events[0].payload["url"] == "http://x.cn/new.html" and events[0].payload["published"] == today
    assert events[1].payload["diff"].startswith("+1/-1 lines: 第二段（已更正）")


def test_failing_after_n_failures_and_recovered_once(db: Database, monkeypatch) -> None:
    monkeypatch.setenv("POLICY_ARCHIVE_FAILING_AFTER", "2")
    for status in ["ok", "failed", "timeout", "failed", "ok", "ok"]:
        with db.unit_of_work() as s:
            run = start_run(s, ensure_source(s, "demo"))
            s.flush()
            run_finished(s, finish_run(s, run.id, status, "boom" if status != "ok" else None))
    assert [(e.type, e.payload["failures"]) for e in _events(db)] == [("source.failing", 2), ("source.recovered", 3)]


def _watch(**fields) -> dict:
    return {"all": build_watch({"name": "all", **fields})}


def test_keywords_match_the_normalised_text(db: Database) -> None:
    _store(db, "http://x.cn/a.html", "推进黨建引領工作。", dt.date.today().isoformat())
    watches = _watch(keywords=["党建引领"], console=True) | {
        "other": build_watch({"name": "other", "keywords": ["乡村振兴"], "console": True})}
    deliver_pending(db, watches)
    with db.unit_of_work() as s:
        assert [(d.watch, d.status) for d in s.scalars(select(Delivery))] == [("all", "sent")]


def test_unreachable_webhook_is_retried_with_backoff_and_recorded(db: Database, monkeypatch) -> None:
    monkeypatch.setenv("POLICY_ARCHIVE_RETRY_SECONDS", "0")
    _store(db, "http://x.cn/a.html", "通知。", dt.date.today().isoformat())
    receiver = WebhookReceiver(fail_first=2).start()
    try:
        deliver_pending(db, _watch(webhook="http://127.0.0.1:9/nothing-listens"))
        with db.unit_of_work() as s:
            d = s.scalars(select(Delivery)).one()
            assert d.status == "pending" and d.attempts == 1 and "unreachable" in d.last_error
        watches = _watch(webhook=receiver.url)
        with db.unit_of_work() as s:
            s.scalars(select(Delivery)).one().target = receiver.url
        for _ in range(3):
            deliver_pending(db, watches)
        with db.unit_of_work() as s:
            d = s.scalars(select(Delivery)).one()
            assert d.status == "sent" and d.attempts == 4
        ids = {b["id"] for b in receiver.bodies()}
        assert len(receiver.bodies()) == 3 and len(ids) == 1
    finally:
        receiver.stop()


def test_refusing_smtp_server_is_recorded_and_given_up_after_max_attempts(db: Database, monkeypatch) -> None:
    monkeypatch.setenv("POLICY_ARCHIVE_RETRY_SECONDS", "0")
    monkeypatch.setenv("POLICY_ARCHIVE_MAX_ATTEMPTS", "2")
    _store(db, "http://x.cn/a.html", "通知。", dt.date.today().isoformat())
    with SmtpReceiver(refuse=True) as smtp:
        monkeypatch.setenv("POLICY_ARCHIVE_SMTP_URL", smtp.url)
        for _ in range(3):
            deliver_pending(db, _watch(email="a@example.org"))
    with db.unit_of_work() as s:
        d = s.scalars(select(Delivery)).one()
    assert d.status == "failed" and d.attempts == 2 and "refused" in d.last_error


def test_digest_waits_for_its_period_then_sends_one_mail(db: Database, monkeypatch, smtp) -> None:
    monkeypatch.setenv("POLICY_ARCHIVE_SMTP_URL", smtp.url)
    today = dt.date.today().isoformat()
    _store(db, "http://x.cn/a.html", "通知一。", today)
    _store(db, "http://x.cn/b.html", "通知二。", today)
    watches = {"d": build_watch({"name": "d", "email": "a@example.org", "email_mode": "digest"})}
    deliver_pending(db, watches)
    assert smtp.messages == []
    monkeypatch.setenv("POLICY_ARCHIVE_DIGEST_HOURS", "0")
    deliver_pending(db, watches)
    assert len(smtp.messages) == 1 and "2 events" in smtp.messages[0]["Subject"]


def test_bad_watches_fail_with_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "watches.toml"
    path.write_text('[[watch]]\nname = "x"\ntelegram = "@me"\n', encoding="utf-8")
    with pytest.raises(WatchError, match="unknown field or channel 'telegram'"):
        load_watches(path)
    with pytest.raises(WatchError, match="no channel"):
        build_watch({"name": "x"})
    with pytest.raises(WatchError, match="unknown event 'deleted'"):
        build_watch({"name": "x", "console": True, "events": ["deleted"]})


def test_watch_cli_round_trip_and_bad_input(tmp_path: Path, cli, webhook) -> None:
    cli("watch", "add", "w", "--source", "demo", "--keyword", "党建", "--events", "new,removed",
        "--webhook", webhook.url, "--atom", str(tmp_path / "w.xml"))
    listed = cli.json_lines("watch", "list")
    assert listed[0]["name"] == "w" and listed[0]["events"] == ["document.new", "document.removed"]
    out = cli("watch", "test", "w", check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert webhook.bodies()[0]["event"] == "watch.test"
    bad = cli("watch", "add", "v", "--events", "new", check=False)
    assert bad.returncode == 2 and "no channel" in bad.stderr
    unknown = cli("watch", "add", "v", "--source", "nope", "--console", check=False)
    assert unknown.returncode == 2 and "unknown source 'nope'" in unknown.stderr
    down = cli("watch", "add", "down", "--webhook", "http://127.0.0.1:9/x", check=False)
    assert down.returncode == 0
    failed = cli("watch", "test", "down", check=False)
    assert failed.returncode == 1 and "unreachable" in failed.stdout
    cli("watch", "remove", "w")
    assert [w["name"] for w in cli.json_lines("watch", "list")] == ["down"]
    (cli.sources.parent / "watches.toml").write_text('[[watch]]\nname = "x"\nsms = "1"\n', encoding="utf-8")
    run = cli("run", "--source", "demo", "--duration", "1", check=False)
    assert run.returncode == 2 and "unknown field or channel 'sms'" in run.stderr


def test_status_and_runs_json(cli) -> None:
    cli("crawl", "demo", "--json")
    report = cli.json("status")
    demo = next(s for s in report["sources"] if s["source"] == "demo")
    assert demo["last_run"]["status"] == "ok" and demo["documents"] > 0 and demo["consecutive_failures"] == 0
    assert demo["schedule"] == "every 30s" and report["daemon"]["running"] is False
    run = cli.json_lines("runs")[0]
    assert {"source", "started_at", "finished_at", "status", "pages", "new_documents", "new_versions",
            "errors"} <= set(run)
    assert cli("reload", check=False).returncode == 1
