"""Incremental crawling over loopback: revisit policy, stop-when-known pagination, back-fill, sitemap lastmod,
identical bytes, and re-extraction from the WARCs."""

from __future__ import annotations

import sqlite3

from tests.conftest import Cli, demo_source_toml


def rows(cli: Cli, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(cli.db_url.removeprefix("sqlite:///")) as conn:
        return conn.execute(sql, args).fetchall()


def run_fetches(cli: Cli, run_id: int) -> dict[str, tuple]:
    return {url.split(":", 2)[2].split("/", 1)[1]: (kind, status, outcome)
            for url, kind, status, outcome in rows(cli, "select url, kind, status, outcome from fetch where run_id = ?",
                                                   run_id)}


def test_second_crawl_of_an_unchanged_site_fetches_no_article(cli: Cli, site) -> None:
    # listings only: the sitemap would list every article, and its lastmod is what makes an edit due
    cli.sources.write_text(demo_source_toml(site.base_url, feeds=[], sitemaps=[]), encoding="utf-8")
    first = cli.json("crawl", "demo")
    assert first["new_documents"] == len(site.articles)
    second = cli.json("crawl", "demo")
    assert second["status"] == "ok" and second["new_versions"] == 0
    fetched = run_fetches(cli, second["id"])
    assert fetched == {"list/index.html": ("listing", 200, "listing")}  # all known: pagination stops on page 1
    next_checks = rows(cli, "select count(*) from document where next_check_at > datetime('now', '+1 day')")
    assert next_checks == [(len(site.articles),)]  # old articles: re-checked in days (revisit_old = 7d)


def test_backfill_walks_every_listing_page(cli: Cli, site) -> None:
    cli.sources.write_text(demo_source_toml(site.base_url, feeds=[], sitemaps=[]), encoding="utf-8")
    cli.json("crawl", "demo")
    run = cli.json("crawl", "demo", "--backfill")
    listings = [u for u, (kind, *_) in run_fetches(cli, run["id"]).items() if kind == "listing"]
    assert len(listings) == -(-len(site.articles) // site.per_page)


def test_newer_sitemap_lastmod_makes_an_old_article_due(cli: Cli, site) -> None:
    cli.json("crawl", "demo")
    article = site.articles[5]
    site.update_article(article.id, paragraphs=[*article.paragraphs, "补充说明：本文数据已更新。"])
    run = cli.json("crawl", "demo")
    assert run["new_versions"] == 1
    articles = {u: v for u, v in run_fetches(cli, run["id"]).items() if v[0] == "article"}
    assert articles == {article.path.lstrip("/"): ("article", 200, "changed")}


def test_identical_bytes_are_not_extracted_again(cli: Cli, site) -> None:
    """A server that ignores If-None-Match: the payload digest still spares the extraction."""
    cli.sources.write_text(demo_source_toml(site.base_url, revisit_young=0, revisit_old=0), encoding="utf-8")
    cli.json("crawl", "demo")
    rows_before = rows(cli, "select count(*) from version")
    with sqlite3.connect(cli.db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("update fetch set etag = null, last_modified = null")
    run = cli.json("crawl", "demo")
    articles = [v for v in run_fetches(cli, run["id"]).values() if v[0] == "article"]
    assert articles and set(articles) == {("article", 200, "unchanged")}
    assert rows(cli, "select count(*) from version") == rows_before
    assert rows(cli, "select count(*) from fetch where run_id = ? and payload_digest is null and status = 200",
                run["id"]) == [(0,)]


def test_reprocess_without_a_rule_change_changes_nothing(cli: Cli, site) -> None:
    cli.json("crawl", "demo")
    report = cli.json("reprocess", "--source", "demo")
    assert report["checked"] == len(site.articles) and report["changed"] == 0 and report["failed"] == 0
    assert "0 changed" in cli("reprocess").stdout
    assert cli.json("reprocess", "--since", "2999-01-01")["checked"] == 0


def test_reprocess_after_a_rule_change_updates_exactly_the_affected_documents(cli: Cli, site, tmp_path,
                                                                              monkeypatch) -> None:
    import shutil
    from importlib import resources

    import corpus.clean
    from archive.db import Database
    from corpus.rules import load_rules_from
    from crawler.reprocess import reprocess

    cli.json("crawl", "demo")
    target = site.article(2301)
    line = "今年要重点抓好四件事。"  # a line of this speech only; the new rule calls it junk
    assert line in target.paragraphs and sum(line in p for a in site.articles for p in a.paragraphs) == 1
    rules = tmp_path / "rules"
    with resources.as_file(resources.files("corpus") / "rules") as shipped:
        shutil.copytree(shipped, rules)
    (rules / "99_test.toml").write_text(
        f'[[rule]]\nid = "test.four_tasks"\nkind = "meta"\npattern = \'^{line}$\'\nreason = "test"\n'
        f'example = "{line}"\n', encoding="utf-8")
    monkeypatch.setattr(corpus.clean, "load_rules", lambda: load_rules_from(rules))
    monkeypatch.setenv("POLICY_ARCHIVE_HOME", str(cli.home))
    db = Database(cli.db_url)
    report = reprocess(db, cli.home / "warc", source="demo")
    db.dispose()
    url = site.base_url + target.path
    assert report.changed_urls == [url] and report.failed == 0
    history = cli.json_lines("docs", "history", url)
    assert [v["reason"] for v in history] == ["new", "reextract"]
    assert line not in cli.json("docs", "show", url)["text"]
    assert rows(cli, "select count(*) from version where reason = 'reextract'") == [(1,)]
