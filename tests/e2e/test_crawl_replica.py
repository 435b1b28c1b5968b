"""End to end over loopback: crawl the replica site with the real CLI and check what landed, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import Cli

# Fragments of the junk kinds the client's seed documents carry (both scripts); none may reach an archived body.
SEED_JUNK = [
    "手機版", "手机版", "歡迎使用手機瀏覽", "欢迎使用手机浏览", "打印 糾錯", "打印 纠错", "微信掃一掃", "微信扫一扫",
    "收聽本文", "收听本文", "00:00/00:00", "發布時間", "发布时间", "由会员分享", "请在课桌文档上搜索",
    "本文内容由互联网用户自发贡献", "如若转载", "延伸閱讀", "延伸阅读", "相关阅读",
]


@pytest.fixture
def cli(archive_url: str, cli: Cli) -> Cli:
    """The same tests on a SQLite file and on a fresh PostgreSQL database."""
    return Cli(archive_url, cli.sources, cli.home)


class _Rows:
    def __init__(self, conn) -> None:  # noqa: ANN001
        self.conn = conn

    def execute(self, sql: str):  # noqa: ANN201
        from sqlalchemy import text

        return self.conn.execute(text(sql))


@contextmanager
def _db(cli: Cli) -> Iterator[_Rows]:
    from archive.db import make_engine

    engine = make_engine(cli.db_url)
    try:
        with engine.connect() as conn:
            yield _Rows(conn)
    finally:
        engine.dispose()


def test_first_crawl_archives_every_article_once_and_clean(cli: Cli, site) -> None:
    from replica.chrome import JUNK

    run = cli.json("crawl", "demo")
    assert run["status"] == "ok", run
    assert run["new_documents"] == len(site.articles)
    docs = {d["url"]: d for d in cli.json_lines("docs", "list", "--limit", "1000")}
    assert len(docs) == len(site.articles)
    for article in site.articles:
        doc = docs[site.base_url + article.path]
        assert doc["title"] == article.title
        assert doc["published"] == article.published
        assert doc["source"] == "demo"
        assert doc["publisher"] == article.publisher
        assert doc["version"] == 1
    with _db(cli) as conn:
        bodies = [t for (t,) in conn.execute("select text from version")]
        assert conn.execute("select count(*) from version").fetchone()[0] == len(site.articles)
    for body in bodies:
        for junk in [*JUNK, *SEED_JUNK]:
            assert junk not in body, f"junk {junk!r} kept in an archived body"


def test_article_paragraphs_survive_cleaning(cli: Cli, site) -> None:
    cli.json("crawl", "demo")
    for article in site.articles:
        shown = cli.json("docs", "show", site.base_url + article.path)
        for paragraph in article.paragraphs:
            assert paragraph in shown["text"], (article.id, paragraph[:30])


def test_recrawl_unchanged_adds_fetches_but_no_versions(cli: Cli, site) -> None:
    from tests.conftest import demo_source_toml

    # revisit every crawl (the default policy would leave these old articles alone for days)
    cli.sources.write_text(demo_source_toml(site.base_url, revisit_young=0, revisit_old=0), encoding="utf-8")
    cli.json("crawl", "demo")
    second = cli.json("crawl", "demo")
    assert second["status"] == "ok"
    assert second["new_versions"] == 0 and second["new_documents"] == 0
    assert second["pages"] >= len(site.articles)
    with _db(cli) as conn:
        assert conn.execute("select count(*) from version").fetchone()[0] == len(site.articles)
        per_url = conn.execute("select count(*) from \"fetch\" where kind='article' group by url").fetchall()
        assert {n for (n,) in per_url} == {2}
        statuses = conn.execute("select status, outcome from \"fetch\" where kind='article' and run_id=2").fetchall()
        assert set(statuses) == {(304, "unchanged")}  # conditional requests: nothing re-extracted


def test_changed_article_gets_exactly_one_new_version(cli: Cli, site) -> None:
    cli.json("crawl", "demo")
    article = site.articles[3]
    site.update_article(article.id, paragraphs=[*article.paragraphs, "新增一段：各级党组织要把学习成果转化为推动发展的实际成效。"])
    run = cli.json("crawl", "demo")
    assert run["new_versions"] == 1 and run["new_documents"] == 0
    url = site.base_url + article.path
    history = cli.json_lines("docs", "history", url)
    assert [v["version"] for v in history] == [1, 2]
    assert [v["reason"] for v in history] == ["new", "changed"]
    assert "新增一段" in cli.json("docs", "show", url)["text"]
    assert "新增一段" not in cli.json("docs", "show", url, "--version", "1")["text"]
    table = cli("docs", "history", url).stdout
    assert "changed" in table and "new" in table
    diff = cli("docs", "diff", url).stdout  # piped: word-diff markers instead of colour
    assert "{+\n新增一段：各级党组织要把学习成果转化为推动发展的实际成效。+}" in diff and "-0 characters" in diff
    untouched = site.base_url + site.articles[4].path
    assert "nothing to compare" in cli("docs", "diff", untouched).stdout


def test_two_crawls_at_once_never_duplicate_versions(cli: Cli, site) -> None:
    import subprocess

    from tests.conftest import CLI

    args = [*CLI, "--db", cli.db_url, "--sources", str(cli.sources), "crawl", "demo", "--json"]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    for proc in procs:
        proc.wait(180)
        assert proc.returncode == 0, proc.stderr.read()
    with _db(cli) as conn:
        assert conn.execute("select count(*) from document").fetchone()[0] == len(site.articles)
        assert conn.execute("select count(*) from version").fetchone()[0] == len(site.articles)


def test_deleting_the_database_between_runs_recovers_cleanly(cli: Cli, site) -> None:
    if not cli.db_url.startswith("sqlite"):
        pytest.skip(reason="deleting the database file is a SQLite matter")
    cli.json("crawl", "demo", "--max-pages", "5")
    db_file = Path(cli.db_url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    run = cli.json("crawl", "demo")
    assert run["status"] == "ok" and run["new_documents"] == len(site.articles)
    assert len(cli.json_lines("docs", "list", "--limit", "1000")) == len(site.articles)


def test_export_jsonl_has_contract_fields(cli: Cli, site, tmp_path: Path) -> None:
    import json

    cli.json("crawl", "demo")
    out = tmp_path / "export.jsonl"
    cli("export", "--format", "jsonl", "-o", str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(site.articles)
    for row in rows:
        assert {"id", "url", "source", "title", "text", "published", "publisher", "author", "version",
                "first_seen", "last_seen", "hash"} <= set(row)
