"""End to end over loopback: the daemon crawls the replica on a short schedule and tells a webhook, an SMTP server
and an Atom file about a new article, its edit and its removal — once each."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
from pathlib import Path

import feedparser

from replica.content import ARTICLES
from tests.conftest import Cli, demo_source_toml
from tests.scheduler.daemon_proc import SECRET, query, start_daemon, stop, wait_for


def _new_article():
    base = next(a for a in ARTICLES if a.script == "traditional")
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(microsecond=0, second=0)
    return dataclasses.replace(base, id=9001, year=now.year, title="關於推進黨建引領基層治理的通知",
                               published=now.isoformat(),
                               paragraphs=["各鄉鎮黨委：為深入推進黨建引領基層治理，現將有關事項通知如下。",
                                           *base.paragraphs])


def _of(webhook, event: str) -> list[dict]:
    return [b for b in webhook.bodies() if b["event"] == event]


def test_new_changed_removed_reach_webhook_mail_and_feed(tmp_path: Path, site, webhook, smtp) -> None:
    sources = tmp_path / "sources.toml"
    # revisit_young = 0: every archived article is re-checked each cycle, so an edit or a removal shows in one
    sources.write_text(demo_source_toml(site.base_url, schedule="every 4s", revisit_young=0), encoding="utf-8")
    cli = Cli(f"sqlite:///{tmp_path / 'archive.sqlite3'}", sources, tmp_path / "home")
    feed = tmp_path / "feeds" / "party.xml"
    # keyword in simplified script; the page is in traditional script
    cli("watch", "add", "party", "--source", "demo", "--keyword", "党建引领", "--events", "new,changed,removed",
        "--webhook", webhook.url, "--email", "watcher@example.org", "--atom", str(feed))
    daemon = start_daemon(cli, env={"POLICY_ARCHIVE_SMTP_URL": smtp.url})
    try:
        wait_for("the back-fill crawl", lambda: query(cli, "select 1 from crawl_run where status = 'ok'"), proc=daemon)
        assert webhook.bodies() == [], "a back-fill of old articles announces nothing"

        article = site.add_article(_new_article())
        url = site.base_url + article.path
        new = wait_for("document.new", lambda: _of(webhook, "document.new"), proc=daemon)[0]
        assert new["url"] == url and new["title"] == article.title
        assert new["published"].startswith(article.published[:16]) and new["publisher"] == article.publisher
        assert new["source"] == "demo" and "黨建引領" in new["snippet"] and new["id"]
        hook = webhook.hooks[0]
        expected = "sha256=" + hmac.new(SECRET.encode(), hook.raw, hashlib.sha256).hexdigest()
        assert hook.headers["X-Policy-Archive-Signature"] == expected
        mail = wait_for("the mail", lambda: smtp.messages, proc=daemon)[0]
        assert article.title in mail["Subject"] and new["id"] in mail["Message-ID"]
        parsed = wait_for("the feed", lambda: feed.exists() and feedparser.parse(str(feed)), proc=daemon)
        assert not parsed.bozo and [e.link for e in parsed.entries] == [url]

        site.update_article(article.id, paragraphs=[*article.paragraphs, "（本文已更正：第三段數據有調整。）"])
        changed = wait_for("document.changed", lambda: _of(webhook, "document.changed"), proc=daemon)[0]
        assert changed["url"] == url and "更正" in changed["diff"]

        site.remove_article(article.id)
        removed = wait_for("document.removed", lambda: _of(webhook, "document.removed"), proc=daemon)[0]
        assert removed["url"] == url
        # one more cycle: nothing is announced twice
        runs = len(query(cli, "select id from crawl_run"))
        wait_for("another cycle", lambda: len(query(cli, "select id from crawl_run where status != 'running'"))
                 > runs, proc=daemon)
    finally:
        code, _out, err = stop(daemon)
    assert code == 0, err
    events = [b["event"] for b in webhook.bodies()]
    assert sorted(events) == ["document.changed", "document.new", "document.removed"], events
    assert len({b["id"] for b in webhook.bodies()}) == 3
    assert len(smtp.messages) == 3
    assert len(feedparser.parse(str(feed)).entries) == 3
    assert query(cli, "select count(*) from delivery where status != 'sent'") == [(0,)]
